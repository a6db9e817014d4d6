/* What `vitool top` shows, read from a running instance's control socket:
 * `info`, `stats`, `trace-stats` and `inflight` (vitool-control(7)), one
 * reply each, parsed with jansson into plain structs.  The screen, the
 * --once text and the --once --json output all format this one struct
 * (iproute2 style), so they cannot disagree. */
#ifndef VT_TOP_SNAPSHOT_H
#define VT_TOP_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/lathist.h"

#define VT_TOP_MAX_QUEUES 32
#define VT_TOP_MAX_REQUESTS 1024   /* listed; more are counted (nreq_total) */

struct vt_top_queue {
	unsigned index;
	bool started, broken;
	char why[200];
	unsigned size, inflight;
	uint64_t kicks, calls, avail, used;
	uint64_t p50_us, p99_us, max_us;
	unsigned nhist;                   /* buckets the reply listed */
	uint64_t hist[VT_LATHIST_BUCKETS];
	uint64_t errors, timeouts, late, ooo, drops;
	double rate;                      /* completions per second since the previous snapshot; <0: unknown */
};

struct vt_top_request {
	unsigned queue;
	uint64_t id;
	unsigned head;
	uint64_t age_ms;
	char summary[200];                /* "" when the chain could not be read */
	bool timed_out;                   /* age above the instance's trace timeout */
	bool has_fault;
	unsigned rule;
	char fault_kind[16];              /* hold, delay, reorder */
	char fault_text[160];
	uint64_t held_ms;
	bool has_due;
	uint64_t due_ms;
};

struct vt_top_snapshot {
	uint64_t t_ns;                    /* when taken (vt_now_ns) */
	char name[128], device[32], control[512], socket[512];
	long pid;
	bool connected;
	uint64_t uptime_ms;
	char features[24], feature_names[512];
	uint64_t timeout_ms;
	unsigned subscribers;
	unsigned nq;
	struct vt_top_queue q[VT_TOP_MAX_QUEUES];
	unsigned nreq, nreq_total;
	struct vt_top_request *req;       /* nreq of them, malloc'd */
};

/* Asks the instance on fd (a control connection) and fills s; prev (may be
 * NULL) is the previous snapshot of the same instance, for the rates.
 * 0, or -1 with err set: the instance went away, or a reply does not
 * parse (hostile input: never trusted for sizes). */
int vt_top_snapshot_take(int fd, struct vt_top_snapshot *s, const struct vt_top_snapshot *prev, char *err,
			 size_t errlen);
void vt_top_snapshot_free(struct vt_top_snapshot *s);

/* One control call whose reply is {"ok":true,...}: the parsed object
 * (json_decref it), or NULL with err set ("the instance closed the
 * connection", its error message, "unexpected reply"). */
struct json_t;
struct json_t *vt_top_call(int fd, const char *line, char *err, size_t errlen);

/* Sort keys of the in-flight list. */
enum vt_top_sort {
	VT_TOP_SORT_AGE,      /* oldest first: what a driver waits for longest */
	VT_TOP_SORT_NEWEST,   /* youngest first: what just arrived */
	VT_TOP_SORT_QUEUE,    /* by queue, oldest first in each */
	VT_TOP_SORT_N
};
const char *vt_top_sort_name(enum vt_top_sort k);
void vt_top_sort_requests(struct vt_top_snapshot *s, enum vt_top_sort k);

#endif
