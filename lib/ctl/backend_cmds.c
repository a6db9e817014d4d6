/* `stats` and `inflight` on the control socket: the backend's per-queue
 * counters and the requests it holds now. */
#include "ctl/backend_cmds.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "devices/registry.h"
#include "virtio/features.h"
#include "util/listen.h"
#include "util/log.h"
#include "util/parse.h"
#include "util/strbuf.h"

struct backend_ctx {
	struct vt_backend *b;
	uint64_t t_start;   /* when the instance began serving: `stats` uptime */
	const struct vt_ctl_backend_ext *ext;   /* may be NULL */
};

static void queue_json(struct vt_json *j, unsigned q, const struct vt_queue_stats *st)
{
	vt_json_obj_begin(j, NULL);
	vt_json_uint(j, "queue", q);
	vt_json_bool(j, "started", st->started);
	vt_json_bool(j, "broken", st->broken);
	vt_json_str(j, "why", st->broken ? st->why : NULL);
	vt_json_uint(j, "size", st->num);
	vt_json_uint(j, "kicks", st->kicks);
	vt_json_uint(j, "calls", st->calls);
	vt_json_uint(j, "avail", st->avail);
	vt_json_uint(j, "used", st->used);
	vt_json_uint(j, "inflight", st->inflight);
	uint64_t max_us = st->max_latency_ns / 1000u;
	vt_json_uint(j, "max_latency_us", max_us);
	vt_json_uint(j, "p50_latency_us", vt_lathist_percentile_us(&st->lat, 50, max_us));
	vt_json_uint(j, "p99_latency_us", vt_lathist_percentile_us(&st->lat, 99, max_us));
	/* Element k: completions below 2^k us (and at least 2^(k-1) us),
	 * up to the last non-empty bucket. */
	vt_json_arr_begin(j, "latency_hist");
	for (unsigned k = 0, n = vt_lathist_used(&st->lat); k < n; k++)
		vt_json_uint(j, NULL, st->lat.b[k]);
	vt_json_arr_end(j);
	vt_json_obj_end(j);
}

static void cmd_stats(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	const struct backend_ctx *bc = arg;
	struct vt_backend *b = bc->b;
	struct vt_json *j = vt_ctl_json(r);
	unsigned n = vt_backend_num_queues(b);

	if (argc == 1 && !strcmp(argv[0], "reset")) {
		vt_backend_reset_stats(b);
		vt_json_bool(j, "reset", true);
	} else if (argc) {
		vt_ctl_fail(r, "stats: unexpected '%s' (usage: stats [reset])", argv[0]);
		return;
	}
	vt_json_bool(j, "connected", vt_backend_connected(b));
	vt_json_uint(j, "uptime_ms", (vt_now_ns() - bc->t_start) / 1000000u);
	/* The features the front-end acked (0 before it did), by name too. */
	uint64_t f = vt_backend_features(b);
	const struct vt_device_type *t = vt_device_by_id(vt_backend_model(b)->virtio_id);
	char hex[24], names[512];
	snprintf(hex, sizeof(hex), "0x%" PRIx64, f);
	vt_feature_list(names, sizeof(names), f, t ? t->feature_names : NULL, vt_virtio_feature_names);
	vt_json_str(j, "features", hex);
	vt_json_str(j, "feature_names", names);
	vt_json_arr_begin(j, "queues");
	for (unsigned q = 0; q < n; q++) {
		struct vt_queue_stats st = { 0 };
		if (vt_backend_stats(b, q, &st) == 0)
			queue_json(j, q, &st);
	}
	vt_json_arr_end(j);
	/* Out of descriptors, the socket backs off instead of spinning
	 * (util/listen.c): what it could not accept is counted here. */
	struct vt_listen_stats ls;
	vt_backend_listen_stats(b, &ls);
	vt_json_obj_begin(j, "vhost_user");
	vt_json_uint(j, "accepted", ls.accepted);
	vt_json_uint(j, "accept_failures", ls.failed);
	vt_json_uint(j, "accept_backoffs", ls.backoffs);
	vt_json_obj_end(j);
	if (bc->ext && bc->ext->stats)
		bc->ext->stats(j, bc->ext->arg);
	vt_ctl_stats_members(r);   /* the clients' budgets: "control", "trace" */
}

/* One request: the decoder's summary of its chain, walked again through
 * the current memory table (it may have changed since the pop). */
/* Bytes of each segment `inflight ID` shows (the rest is counted, not
 * copied: a reply line stays small). */
#define DETAIL_SEG_BYTES 256

/* The chain of one request, for `inflight ID`: its segments (guest
 * address, length, direction) and their first bytes in hex. */
static void chain_json(struct vt_json *j, const struct vt_chain *c)
{
	static const char digits[] = "0123456789abcdef";
	char hex[DETAIL_SEG_BYTES * 2 + 1];

	vt_json_obj_begin(j, "chain");
	vt_json_bool(j, "indirect", c->indirect);
	vt_json_uint(j, "read_len", c->read_len);
	vt_json_uint(j, "write_len", c->write_len);
	vt_json_arr_begin(j, "segments");
	for (unsigned i = 0; i < c->nread + c->nwrite; i++) {
		const struct vt_seg *sg = &c->seg[i];
		uint32_t n = sg->len < DETAIL_SEG_BYTES ? sg->len : DETAIL_SEG_BYTES;
		vt_json_obj_begin(j, NULL);
		vt_json_uint(j, "gpa", sg->gpa);
		vt_json_uint(j, "len", sg->len);
		vt_json_bool(j, "writable", sg->writable);
		for (uint32_t k = 0; k < n; k++) {
			hex[2 * k] = digits[sg->ptr[k] >> 4];
			hex[2 * k + 1] = digits[sg->ptr[k] & 15];
		}
		hex[2 * n] = '\0';
		vt_json_str(j, "data", hex);
		vt_json_obj_end(j);
	}
	vt_json_arr_end(j);
	vt_json_obj_end(j);
}

static void request_json(struct vt_json *j, const struct backend_ctx *bc, const struct vt_decoder *d,
			 unsigned q, const struct vt_inflight *f, uint64_t now, bool detail)
{
	struct vt_backend *b = bc->b;
	struct vt_chain c;
	struct vt_sb sb;

	vt_json_obj_begin(j, NULL);
	vt_json_uint(j, "queue", q);
	vt_json_uint(j, "id", f->req_id);
	vt_json_uint(j, "head", f->head);
	vt_json_uint(j, "age_ms", now > f->t_avail ? (now - f->t_avail) / 1000000u : 0);
	vt_json_bool(j, "timed_out", f->marks & VT_INFL_TIMED_OUT);
	vt_sb_init(&sb);
	if (vt_backend_chain(b, q, f->head, &c) == 0) {
		d->summary(&sb, q, &c, false, 0);
		vt_json_str(j, "summary", vt_sb_str(&sb));
		if (detail)
			chain_json(j, &c);
	} else {
		vt_json_str(j, "summary", NULL);   /* no longer walkable: logged */
	}
	if (bc->ext && bc->ext->request)
		bc->ext->request(j, q, f->req_id, bc->ext->arg);
	vt_json_obj_end(j);
}

static void cmd_inflight(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	const struct backend_ctx *bc = arg;
	struct vt_backend *b = bc->b;
	struct vt_json *j = vt_ctl_json(r);
	const struct vt_decoder *d = vt_decoder_find(vt_backend_model(b)->virtio_id);
	uint64_t now = vt_now_ns(), id = 0;
	unsigned n = vt_backend_num_queues(b);
	bool found = false;

	if (argc > 1 || (argc == 1 && !vt_parse_u64(argv[0], UINT64_MAX, &id))) {
		vt_ctl_fail(r, "inflight: unexpected '%s' (usage: inflight [ID])", argv[argc > 1 ? 1 : 0]);
		return;
	}
	vt_json_arr_begin(j, "requests");
	for (unsigned q = 0; q < n; q++) {
		struct vt_queue *eq = vt_backend_engine_queue(b, q);
		for (const struct vt_inflight *f = vt_inflight_oldest(&eq->infl); f;
		     f = vt_inflight_next(&eq->infl, f)) {
			if (argc && f->req_id != id)
				continue;
			request_json(j, bc, d, q, f, now, argc > 0);
			found = true;
		}
	}
	vt_json_arr_end(j);
	if (argc && !found)
		vt_ctl_fail(r, "inflight: no request %" PRIu64 " in flight", id);
}

static const struct vt_ctl_command backend_cmds[] = {
	{ "stats", "[reset]", "per queue: started, broken, size, kicks, calls, avail, used, in flight, "
			      "latency p50/p99/max and histogram; reset zeroes the counters", cmd_stats },
	{ "inflight", "[ID]", "the requests the device holds now: queue, id, head, age, decoded summary; "
			      "with ID that one and its chain (segments, bytes in hex)", cmd_inflight },
};

void vt_ctl_add_backend_ext(struct vt_ctl_server *s, struct vt_backend *b, const struct vt_ctl_backend_ext *ext)
{
	struct backend_ctx *bc = calloc(1, sizeof(*bc));

	if (!bc) {
		vt_err("control: out of memory: no stats or inflight commands");
		return;
	}
	*bc = (struct backend_ctx){ .b = b, .ext = ext, .t_start = vt_now_ns() };
	vt_ctl_server_on_free(s, free, bc);
	vt_ctl_server_add(s, backend_cmds, sizeof(backend_cmds) / sizeof(backend_cmds[0]), bc);
}

void vt_ctl_add_backend(struct vt_ctl_server *s, struct vt_backend *b)
{
	vt_ctl_add_backend_ext(s, b, NULL);
}
