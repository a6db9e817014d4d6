/* The fault commands (see fault_cmds.h). */
#include "ctl/fault_cmds.h"

#include <stdlib.h>
#include <string.h>

#include "ctl/backend_cmds.h"
#include "util/log.h"
#include "util/loop.h"
#include "util/parse.h"

struct fault_ctl {
	struct vt_fault_set *fs;
	const struct vt_device_type *t;
	struct vt_ctl_backend_ext ext;
};

static void rule_json(struct vt_json *j, const struct vt_fault_set *fs, const struct vt_fault_rule *r)
{
	vt_json_obj_begin(j, NULL);
	vt_json_uint(j, "id", r->id);
	vt_json_str(j, "rule", r->text);
	vt_json_str(j, "kind", vt_fault_kind_name(r->kind));
	vt_json_uint(j, "matches", r->matches);
	vt_json_uint(j, "hits", r->hits);
	vt_json_uint(j, "holding", vt_fault_set_held_by(fs, r->id));
	vt_json_obj_end(j);
}

static void rules_json(struct vt_json *j, const struct vt_fault_set *fs)
{
	const struct vt_fault_rule *r;

	vt_json_arr_begin(j, "faults");
	for (unsigned i = 0; (r = vt_fault_set_rule(fs, i)); i++)
		rule_json(j, fs, r);
	vt_json_arr_end(j);
}

static void ext_stats(struct vt_json *j, void *arg)
{
	const struct fault_ctl *fc = arg;

	rules_json(j, fc->fs);
}

static void ext_request(struct vt_json *j, unsigned q, uint64_t req_id, void *arg)
{
	const struct fault_ctl *fc = arg;
	struct vt_fault_hold h;
	uint64_t now = vt_now_ns();

	if (!vt_fault_set_holding(fc->fs, q, req_id, &h))
		return;
	vt_json_obj_begin(j, "fault");
	vt_json_uint(j, "rule", h.rule);
	vt_json_str(j, "kind", vt_fault_kind_name(h.kind));
	vt_json_str(j, "text", h.text);
	vt_json_uint(j, "held_ms", now > h.since_ns ? (now - h.since_ns) / 1000000u : 0);
	if (h.due_ns)
		vt_json_uint(j, "due_ms", h.due_ns > now ? (h.due_ns - now + 999999u) / 1000000u : 0);
	vt_json_obj_end(j);
}

#define FAULT_USAGE "usage: fault add RULE | fault list | fault del ID | fault clear"

static void cmd_fault(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	struct fault_ctl *fc = arg;
	struct vt_json *j = vt_ctl_json(r);
	char err[512];
	unsigned id;

	if (argc == 0) {
		vt_ctl_fail(r, "fault: which? (" FAULT_USAGE ")");
		return;
	}
	if (!strcmp(argv[0], "add")) {
		struct vt_fault_rule rule;
		if (vt_fault_rule_parse(&rule, fc->t, argv + 1, (unsigned)argc - 1, err, sizeof(err)) < 0) {
			vt_ctl_fail(r, "fault add: %s", err);
			return;
		}
		int n = vt_fault_set_add(fc->fs, &rule);
		if (n < 0) {
			vt_ctl_fail(r, "fault add: too many rules (fault del or fault clear first)");
			return;
		}
		vt_info("fault: rule %d: %s", n, rule.text);
		vt_json_uint(j, "id", (unsigned)n);
		vt_json_str(j, "rule", rule.text);
	} else if (!strcmp(argv[0], "list") && argc == 1) {
		rules_json(j, fc->fs);
	} else if (!strcmp(argv[0], "del") && argc == 2) {
		if (!vt_parse_uint(argv[1], UINT32_MAX, &id) || vt_fault_set_del(fc->fs, id) < 0) {
			vt_ctl_fail(r, "fault del %s: no such rule (fault list shows them)", argv[1]);
			return;
		}
		vt_json_uint(j, "id", id);
	} else if (!strcmp(argv[0], "clear") && argc == 1) {
		vt_fault_set_clear(fc->fs);
	} else {
		vt_ctl_fail(r, "fault %s: %s", argv[0], FAULT_USAGE);
	}
}

static void cmd_release(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	struct fault_ctl *fc = arg;
	struct vt_json *j = vt_ctl_json(r);
	uint64_t id;

	if (argc != 1) {
		vt_ctl_fail(r, "usage: release ID|all (the request ids inflight shows)");
		return;
	}
	if (!strcmp(argv[0], "all")) {
		vt_json_uint(j, "released", vt_fault_set_release_all(fc->fs));
		return;
	}
	if (!vt_parse_u64(argv[0], UINT64_MAX, &id) || vt_fault_set_release(fc->fs, id) < 0) {
		vt_ctl_fail(r, "release %s: no request with that id is held (inflight shows them)", argv[0]);
		return;
	}
	vt_json_uint(j, "released", 1);
}

/* One array per list of vt_fault_rule_words (it gives them grouped). */
struct words_ctx {
	struct vt_json *j;
	const char *list;
};

static void word_json(const char *list, const char *word, void *arg)
{
	struct words_ctx *w = arg;

	if (!w->list || strcmp(w->list, list)) {
		if (w->list)
			vt_json_arr_end(w->j);
		vt_json_arr_begin(w->j, list);
		w->list = list;
	}
	vt_json_str(w->j, NULL, word);
}

static void fault_words(struct vt_json *j, void *arg)
{
	const struct fault_ctl *fc = arg;
	struct words_ctx w = { .j = j };

	vt_fault_rule_words(fc->t, word_json, &w);
	if (w.list)
		vt_json_arr_end(j);
}

static const struct vt_ctl_command fault_cmds[] = {
	{ "fault", "add RULE | list | del ID | clear",
	  "fault rules: delay, fail, hold or reorder completions (vitool-control(7) FAULTS)", cmd_fault },
	{ "release", "ID|all", "complete a request a fault rule holds or delays, now", cmd_release },
};

void vt_ctl_add_faults(struct vt_ctl_server *s, struct vt_backend *b, struct vt_fault_set *fs,
		       const struct vt_device_type *t)
{
	struct fault_ctl *fc = calloc(1, sizeof(*fc));

	if (!fc) {
		vt_err("control: out of memory: no fault commands");
		vt_ctl_add_backend(s, b);
		return;
	}
	*fc = (struct fault_ctl){ .fs = fs, .t = t };
	fc->ext = (struct vt_ctl_backend_ext){ .stats = ext_stats, .request = ext_request, .arg = fc };
	vt_ctl_server_on_free(s, free, fc);
	vt_ctl_add_backend_ext(s, b, &fc->ext);
	vt_ctl_server_add(s, fault_cmds, sizeof(fault_cmds) / sizeof(fault_cmds[0]), fc);
	vt_ctl_set_words(s, "fault", fault_words, fc);
}
