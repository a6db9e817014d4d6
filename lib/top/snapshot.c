/* The snapshot of vitool top (snapshot.h): four control replies, read
 * with jansson. */
#include "top/snapshot.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "util/loop.h"

#define REPLY_TIMEOUT_MS 3000

json_t *vt_top_call(int fd, const char *line, char *err, size_t errlen)
{
	char why[512];
	json_t *o = vt_ctl_call_json(fd, line, REPLY_TIMEOUT_MS, why, sizeof(why));

	if (!o || !vt_ctl_reply_ok(o, why, sizeof(why))) {
		/* an I/O failure as it is (the instance went away), a refusal
		 * with the command it answers */
		snprintf(err, errlen, o ? "%s: %s" : "%.0s%s", line, why);
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Members of hostile replies: a missing or mistyped one reads as 0/"". */
static uint64_t u64(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));
	return v > 0 ? (uint64_t)v : 0;
}

static void str(const json_t *o, const char *key, char *out, size_t len)
{
	const char *v = json_string_value(json_object_get(o, key));
	snprintf(out, len, "%s", v ? v : "");
}

static bool flag(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static void read_info(struct vt_top_snapshot *s, const json_t *o)
{
	str(o, "name", s->name, sizeof(s->name));
	str(o, "device", s->device, sizeof(s->device));
	str(o, "control", s->control, sizeof(s->control));
	str(o, "socket", s->socket, sizeof(s->socket));
	s->pid = (long)u64(o, "pid");
}

/* The queue a reply element names, or NULL (out of range: ignored). */
static struct vt_top_queue *queue_of(struct vt_top_snapshot *s, const json_t *e)
{
	uint64_t q = u64(e, "queue");

	if (!json_is_object(e) || q >= VT_TOP_MAX_QUEUES)
		return NULL;
	if (q >= s->nq) {
		for (unsigned i = s->nq; i <= q; i++)
			s->q[i] = (struct vt_top_queue){ .index = i, .rate = -1 };
		s->nq = (unsigned)q + 1;
	}
	return &s->q[q];
}

static void read_stats(struct vt_top_snapshot *s, const json_t *o)
{
	size_t i;
	json_t *e;

	s->connected = flag(o, "connected");
	s->uptime_ms = u64(o, "uptime_ms");
	str(o, "features", s->features, sizeof(s->features));
	str(o, "feature_names", s->feature_names, sizeof(s->feature_names));
	json_array_foreach(json_object_get(o, "queues"), i, e) {
		struct vt_top_queue *q = queue_of(s, e);
		if (!q)
			continue;
		q->started = flag(e, "started");
		q->broken = flag(e, "broken");
		str(e, "why", q->why, sizeof(q->why));
		q->size = (unsigned)(u64(e, "size") & 0xffff);
		q->kicks = u64(e, "kicks");
		q->calls = u64(e, "calls");
		q->avail = u64(e, "avail");
		q->used = u64(e, "used");
		q->inflight = (unsigned)(u64(e, "inflight") & 0xffff);
		q->max_us = u64(e, "max_latency_us");
		q->p50_us = u64(e, "p50_latency_us");
		q->p99_us = u64(e, "p99_latency_us");
		const json_t *h = json_object_get(e, "latency_hist");
		size_t k;
		json_t *c;
		q->nhist = 0;
		json_array_foreach(h, k, c) {
			if (k >= VT_LATHIST_BUCKETS)
				break;
			q->hist[k] = json_integer_value(c) > 0 ? (uint64_t)json_integer_value(c) : 0;
			q->nhist = (unsigned)k + 1;
		}
	}
}

static void read_trace_stats(struct vt_top_snapshot *s, const json_t *o)
{
	size_t i;
	json_t *e;

	s->timeout_ms = u64(o, "timeout_ms");
	s->subscribers = (unsigned)(u64(o, "subscribers") & 0xffff);
	json_array_foreach(json_object_get(o, "queues"), i, e) {
		struct vt_top_queue *q = queue_of(s, e);
		if (!q)
			continue;
		q->timeouts = u64(e, "timeouts");
		q->late = u64(e, "late");
		q->ooo = u64(e, "out_of_order");
		q->errors = u64(e, "errors");
		q->drops = u64(e, "drops");
	}
}

static int read_inflight(struct vt_top_snapshot *s, const json_t *o)
{
	const json_t *a = json_object_get(o, "requests");
	size_t n = json_array_size(a), i;
	json_t *e;

	s->nreq_total = n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
	if (n > VT_TOP_MAX_REQUESTS)
		n = VT_TOP_MAX_REQUESTS;
	s->req = n ? calloc(n, sizeof(*s->req)) : NULL;
	if (n && !s->req)
		return -1;
	json_array_foreach(a, i, e) {
		if (s->nreq >= n)
			break;
		if (!json_is_object(e))
			continue;
		struct vt_top_request *r = &s->req[s->nreq++];
		r->queue = (unsigned)(u64(e, "queue") & 0xffff);
		r->id = u64(e, "id");
		r->head = (unsigned)(u64(e, "head") & 0xffff);
		r->age_ms = u64(e, "age_ms");
		str(e, "summary", r->summary, sizeof(r->summary));
		/* The instance's mark (its TIMEOUT record); an instance
		 * without it: the age against its threshold. */
		const json_t *to = json_object_get(e, "timed_out");
		r->timed_out = to ? json_is_true(to) : s->timeout_ms && r->age_ms >= s->timeout_ms;
		const json_t *f = json_object_get(e, "fault");
		if (json_is_object(f)) {
			r->has_fault = true;
			r->rule = (unsigned)(u64(f, "rule") & 0xffffffu);
			str(f, "kind", r->fault_kind, sizeof(r->fault_kind));
			str(f, "text", r->fault_text, sizeof(r->fault_text));
			r->held_ms = u64(f, "held_ms");
			r->has_due = json_object_get(f, "due_ms") != NULL;
			r->due_ms = u64(f, "due_ms");
		}
	}
	return 0;
}

int vt_top_snapshot_take(int fd, struct vt_top_snapshot *s, const struct vt_top_snapshot *prev, char *err,
			 size_t errlen)
{
	static const char *const cmds[] = { "info", "stats", "trace-stats", "inflight" };
	json_t *o[4] = { 0 };
	int rc = 0;

	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < 4 && rc == 0; i++)
		if (!(o[i] = vt_top_call(fd, cmds[i], err, errlen)))
			rc = -1;
	s->t_ns = vt_now_ns();
	if (rc == 0) {
		read_info(s, o[0]);
		read_stats(s, o[1]);
		read_trace_stats(s, o[2]);   /* after stats: the timeout marks requests */
		if (read_inflight(s, o[3]) < 0) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
	}
	for (unsigned i = 0; i < 4; i++)
		json_decref(o[i]);
	if (rc < 0) {
		vt_top_snapshot_free(s);
		return -1;
	}
	/* Completions per second: a counter that went down was reset. */
	double dt = prev ? (double)(s->t_ns - prev->t_ns) / 1e9 : 0;
	for (unsigned q = 0; q < s->nq; q++) {
		s->q[q].rate = -1;
		if (prev && dt > 0 && q < prev->nq && s->q[q].used >= prev->q[q].used &&
		    !strcmp(prev->control, s->control))
			s->q[q].rate = (double)(s->q[q].used - prev->q[q].used) / dt;
	}
	return 0;
}

void vt_top_snapshot_free(struct vt_top_snapshot *s)
{
	free(s->req);
	s->req = NULL;
	s->nreq = 0;
}

const char *vt_top_sort_name(enum vt_top_sort k)
{
	static const char *const names[] = { "age", "newest", "queue" };
	return k < VT_TOP_SORT_N ? names[k] : "?";
}

static int cmp_req(const void *a, const void *b, void *arg)
{
	const struct vt_top_request *x = a, *y = b;
	enum vt_top_sort k = *(const enum vt_top_sort *)arg;

	if (k == VT_TOP_SORT_QUEUE && x->queue != y->queue)
		return x->queue < y->queue ? -1 : 1;
	/* ids grow with time on every queue: the order of arrival */
	if (k == VT_TOP_SORT_NEWEST)
		return x->id > y->id ? -1 : x->id < y->id;
	return x->id < y->id ? -1 : x->id > y->id;
}

void vt_top_sort_requests(struct vt_top_snapshot *s, enum vt_top_sort k)
{
	if (s->nreq > 1)
		qsort_r(s->req, s->nreq, sizeof(*s->req), cmp_req, &k);
}
