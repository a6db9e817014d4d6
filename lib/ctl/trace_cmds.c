/* `trace` and `trace-stats` on the control socket (see trace_cmds.h). */
#include "ctl/trace_cmds.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace/pcap.h"
#include "trace/record.h"
#include "util/log.h"
#include "util/parse.h"

struct trace_ctl {
	struct vt_recorder *rec;
	uint64_t refused;   /* `trace` over VT_RECORDER_SUBS_MAX */
	/* The snaplen of the `trace` being answered: the takeover runs right
	 * after its handler returns, before any other command. */
	uint32_t snaplen;
};

static void on_takeover(void *arg, int fd, const char *pending, size_t len)
{
	struct trace_ctl *t = arg;
	int e = vt_recorder_subscribe(t->rec, fd, t->snaplen, 0, pending, len);

	if (e < 0)
		vt_warn("control: cannot start a trace stream: %s", strerror(-e));
}

static void cmd_trace(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	struct trace_ctl *t = arg;
	struct vt_json *j = vt_ctl_json(r);
	unsigned snaplen = VT_REC_SNAPLEN_MAX;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "snaplen") && i + 1 < argc) {
			if (!vt_parse_uint(argv[++i], VT_REC_SNAPLEN_MAX, &snaplen) || snaplen < VT_REC_HDR_LEN) {
				vt_ctl_fail(r, "snaplen %s: want %d-%u bytes", argv[i], VT_REC_HDR_LEN,
					    VT_REC_SNAPLEN_MAX);
				return;
			}
		} else {
			vt_ctl_fail(r, "trace: unexpected '%s' (usage: trace [snaplen N])", argv[i]);
			return;
		}
	}
	struct vt_recorder_stats st;
	vt_recorder_stats(t->rec, &st);
	if (st.subscribers >= VT_RECORDER_SUBS_MAX) {
		if (!t->refused++)
			vt_warn("control: refusing trace subscribers over %d (counted in stats)",
				VT_RECORDER_SUBS_MAX);
		vt_ctl_fail(r, "too many trace subscribers (at most %d)", VT_RECORDER_SUBS_MAX);
		return;
	}
	vt_json_int(j, "linktype", VT_PCAP_LINKTYPE_USER0);
	vt_json_uint(j, "snaplen", snaplen);
	vt_json_str(j, "device", vt_recorder_device(t->rec));
	vt_json_uint(j, "virtio_id", vt_recorder_virtio_id(t->rec));
	t->snaplen = snaplen;
	vt_ctl_takeover(r, on_takeover, t);
}

static void cmd_trace_stats(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	struct trace_ctl *t = arg;
	struct vt_json *j = vt_ctl_json(r);
	struct vt_recorder_stats st;

	if (argc == 1 && !strcmp(argv[0], "reset")) {
		vt_recorder_reset_counters(t->rec);
		vt_json_bool(j, "reset", true);
	} else if (argc) {
		vt_ctl_fail(r, "trace-stats: unexpected '%s' (usage: trace-stats [reset])", argv[0]);
		return;
	}
	vt_recorder_stats(t->rec, &st);
	vt_json_uint(j, "timeout_ms", st.timeout_ms);
	vt_json_bool(j, "listening", vt_recorder_listening(t->rec));
	vt_json_uint(j, "subscribers", st.subscribers);
	vt_json_uint(j, "records", st.sub_records);
	vt_json_uint(j, "drops", st.sub_drops);
	vt_json_str(j, "file", st.file);
	vt_json_uint(j, "file_records", st.file_records);
	vt_json_uint(j, "file_drops", st.file_drops);
	vt_json_str(j, "file_error", st.file_error ? strerror(-st.file_error) : NULL);
	if (st.print) {
		vt_json_obj_begin(j, "print");
		vt_json_uint(j, "lines", st.print_lines);
		vt_json_uint(j, "lost", st.print_lost);
		vt_json_str(j, "error", st.print_error ? strerror(st.print_error) : NULL);
		vt_json_obj_end(j);
	}
	vt_json_arr_begin(j, "queues");
	for (unsigned q = 0; q < st.nqueues; q++) {
		struct vt_recorder_qstats qs;
		if (vt_recorder_queue_stats(t->rec, q, &qs) < 0)
			break;
		vt_json_obj_begin(j, NULL);
		vt_json_uint(j, "queue", q);
		vt_json_uint(j, "inflight", qs.inflight);
		vt_json_uint(j, "timeouts", qs.timeouts);
		vt_json_uint(j, "late", qs.late);
		vt_json_uint(j, "out_of_order", qs.out_of_order);
		vt_json_uint(j, "errors", qs.errors);
		vt_json_uint(j, "drops", qs.drops);
		vt_json_obj_end(j);
	}
	vt_json_arr_end(j);
}

/* `stats` member "trace": the subscribers' budget and what it cost. */
static void trace_budget_json(struct vt_json *j, void *arg)
{
	const struct trace_ctl *t = arg;
	struct vt_recorder_stats st;

	vt_recorder_stats(t->rec, &st);
	vt_json_obj_begin(j, "trace");
	vt_json_uint(j, "subscribers", st.subscribers);
	vt_json_uint(j, "subscribers_max", VT_RECORDER_SUBS_MAX);
	vt_json_uint(j, "subscribers_refused", t->refused);
	vt_json_uint(j, "queue_bytes_max", VT_RECORDER_SUB_MAX);
	vt_json_uint(j, "drops", st.sub_drops);
	vt_json_obj_end(j);
}

static const struct vt_ctl_command trace_cmds[] = {
	{ "trace", "[snaplen N]",
	  "reply, then stream every queue event as pcap (link type 147) until the client closes",
	  cmd_trace },
	{ "trace-stats", "[reset]",
	  "timeout threshold, trace subscribers, records and drops; per queue: timeouts, late, "
	  "out of order, errors, drops; reset zeroes the per-queue counts", cmd_trace_stats },
};

static void trace_ctl_free(void *arg)
{
	free(arg);
}

void vt_ctl_add_trace(struct vt_ctl_server *s, struct vt_recorder *rec)
{
	struct trace_ctl *t = calloc(1, sizeof(*t));

	if (!t) {
		vt_err("control: out of memory for the trace commands");
		return;
	}
	t->rec = rec;
	vt_ctl_server_add(s, trace_cmds, sizeof(trace_cmds) / sizeof(trace_cmds[0]), t);
	vt_ctl_add_stats(s, trace_budget_json, t);
	vt_ctl_server_on_free(s, trace_ctl_free, t);
}
