/* `stats` on the control socket: the backend's per-queue counters. */
#include "ctl/backend_cmds.h"

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
	struct vt_backend *b = arg;
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
}

static const struct vt_ctl_command backend_cmds[] = {
	{ "stats", "", "per queue: started, broken, size, kicks, calls, avail, used, in flight, "
		       "max latency", cmd_stats },
};

void vt_ctl_add_backend(struct vt_ctl_server *s, struct vt_backend *b)
{
	vt_ctl_server_add(s, backend_cmds, sizeof(backend_cmds) / sizeof(backend_cmds[0]), b);
}
