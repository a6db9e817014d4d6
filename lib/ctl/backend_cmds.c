/* `stats` and `inflight` on the control socket: the backend's per-queue
 * counters and the requests it holds now. */
#include "ctl/backend_cmds.h"

#include <stdlib.h>

#include "decode/decode.h"
#include "util/log.h"
#include "util/strbuf.h"

struct backend_ctx {
	struct vt_backend *b;
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
	vt_json_uint(j, "max_latency_us", st->max_latency_ns / 1000u);
	vt_json_obj_end(j);
}

static void cmd_stats(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	const struct backend_ctx *bc = arg;
	struct vt_backend *b = bc->b;
	struct vt_json *j = vt_ctl_json(r);
	unsigned n = vt_backend_num_queues(b);

	(void)argv;
	if (argc) {
		vt_ctl_fail(r, "stats takes no arguments");
		return;
	}
	vt_json_bool(j, "connected", vt_backend_connected(b));
	vt_json_arr_begin(j, "queues");
	for (unsigned q = 0; q < n; q++) {
		struct vt_queue_stats st = { 0 };
		if (vt_backend_stats(b, q, &st) == 0)
			queue_json(j, q, &st);
	}
	vt_json_arr_end(j);
	if (bc->ext && bc->ext->stats)
		bc->ext->stats(j, bc->ext->arg);
}

/* One request: the decoder's summary of its chain, walked again through
 * the current memory table (it may have changed since the pop). */
static void request_json(struct vt_json *j, const struct backend_ctx *bc, const struct vt_decoder *d,
			 unsigned q, const struct vt_inflight *f, uint64_t now)
{
	struct vt_backend *b = bc->b;
	struct vt_chain c;
	struct vt_sb sb;

	vt_json_obj_begin(j, NULL);
	vt_json_uint(j, "queue", q);
	vt_json_uint(j, "id", f->req_id);
	vt_json_uint(j, "head", f->head);
	vt_json_uint(j, "age_ms", now > f->t_avail ? (now - f->t_avail) / 1000000u : 0);
	vt_sb_init(&sb);
	if (vt_backend_chain(b, q, f->head, &c) == 0) {
		d->summary(&sb, q, &c, false, 0);
		vt_json_str(j, "summary", vt_sb_str(&sb));
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
	uint64_t now = vt_now_ns();
	unsigned n = vt_backend_num_queues(b);

	(void)argv;
	if (argc) {
		vt_ctl_fail(r, "inflight takes no arguments");
		return;
	}
	vt_json_arr_begin(j, "requests");
	for (unsigned q = 0; q < n; q++) {
		struct vt_queue *eq = vt_backend_engine_queue(b, q);
		for (const struct vt_inflight *f = vt_inflight_oldest(&eq->infl); f;
		     f = vt_inflight_next(&eq->infl, f))
			request_json(j, bc, d, q, f, now);
	}
	vt_json_arr_end(j);
}

static const struct vt_ctl_command backend_cmds[] = {
	{ "stats", "", "per queue: started, broken, size, kicks, calls, avail, used, in flight, "
		       "max latency", cmd_stats },
	{ "inflight", "", "the requests the device holds now: queue, id, head, age, decoded summary",
	  cmd_inflight },
};

void vt_ctl_add_backend_ext(struct vt_ctl_server *s, struct vt_backend *b, const struct vt_ctl_backend_ext *ext)
{
	struct backend_ctx *bc = calloc(1, sizeof(*bc));

	if (!bc) {
		vt_err("control: out of memory: no stats or inflight commands");
		return;
	}
	*bc = (struct backend_ctx){ .b = b, .ext = ext };
	vt_ctl_server_on_free(s, free, bc);
	vt_ctl_server_add(s, backend_cmds, sizeof(backend_cmds) / sizeof(backend_cmds[0]), bc);
}

void vt_ctl_add_backend(struct vt_ctl_server *s, struct vt_backend *b)
{
	vt_ctl_add_backend_ext(s, b, NULL);
}
