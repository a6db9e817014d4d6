/* vitool top --once (output.h). */
#include "top/output.h"

#include <string.h>

#include "top/format.h"
#include "util/json.h"

static void put_line(void *arg, enum vt_top_style st, const char *text)
{
	FILE *f = arg;
	size_t n = strlen(text);

	(void)st;   /* the '!' marker says what the screen's colour says */
	while (n && text[n - 1] == ' ')
		n--;
	fprintf(f, "%.*s\n", (int)n, text);
}

void vt_top_print_text(FILE *f, const struct vt_top_snapshot *s, enum vt_top_sort sort, int width)
{
	vt_top_format_header(s, width, put_line, f);
	fputc('\n', f);
	vt_top_format_queues(s, width, put_line, f);
	vt_top_format_hists(s, width, put_line, f);
	fputc('\n', f);
	vt_top_format_requests(s, width, sort, 0, -1, -1, put_line, NULL, f);
}

static void request_json(struct vt_json *j, const struct vt_top_request *r)
{
	vt_json_obj_begin(j, NULL);
	vt_json_uint(j, "queue", r->queue);
	vt_json_uint(j, "id", r->id);
	vt_json_uint(j, "head", r->head);
	vt_json_uint(j, "age_ms", r->age_ms);
	vt_json_bool(j, "timed_out", r->timed_out);
	vt_json_str(j, "summary", r->summary[0] ? r->summary : NULL);
	if (r->has_fault) {
		vt_json_obj_begin(j, "fault");
		vt_json_uint(j, "rule", r->rule);
		vt_json_str(j, "kind", r->fault_kind);
		vt_json_str(j, "text", r->fault_text);
		vt_json_uint(j, "held_ms", r->held_ms);
		if (r->has_due)
			vt_json_uint(j, "due_ms", r->due_ms);
		vt_json_obj_end(j);
	}
	vt_json_obj_end(j);
}

static void queue_json(struct vt_json *j, const struct vt_top_queue *q)
{
	vt_json_obj_begin(j, NULL);
	vt_json_uint(j, "queue", q->index);
	vt_json_bool(j, "started", q->started);
	vt_json_bool(j, "broken", q->broken);
	vt_json_str(j, "why", q->broken ? q->why : NULL);
	vt_json_uint(j, "size", q->size);
	vt_json_uint(j, "inflight", q->inflight);
	vt_json_uint(j, "kicks", q->kicks);
	vt_json_uint(j, "calls", q->calls);
	vt_json_uint(j, "avail", q->avail);
	vt_json_uint(j, "used", q->used);
	if (q->rate >= 0)
		vt_json_uint(j, "requests_per_s", (uint64_t)(q->rate + 0.5));
	else
		vt_json_null(j, "requests_per_s");
	vt_json_uint(j, "p50_latency_us", q->p50_us);
	vt_json_uint(j, "p99_latency_us", q->p99_us);
	vt_json_uint(j, "max_latency_us", q->max_us);
	vt_json_arr_begin(j, "latency_hist");
	for (unsigned k = 0; k < q->nhist; k++)
		vt_json_uint(j, NULL, q->hist[k]);
	vt_json_arr_end(j);
	vt_json_uint(j, "errors", q->errors);
	vt_json_uint(j, "timeouts", q->timeouts);
	vt_json_uint(j, "late", q->late);
	vt_json_uint(j, "out_of_order", q->ooo);
	vt_json_uint(j, "drops", q->drops);
	vt_json_obj_end(j);
}

void vt_top_print_json(FILE *f, const struct vt_top_snapshot *s)
{
	struct vt_json j;

	vt_json_init(&j);
	vt_json_obj_begin(&j, NULL);
	vt_json_str(&j, "name", s->name);
	vt_json_str(&j, "device", s->device);
	vt_json_int(&j, "pid", s->pid);
	vt_json_str(&j, "control", s->control);
	vt_json_str(&j, "socket", s->socket);
	vt_json_bool(&j, "connected", s->connected);
	vt_json_uint(&j, "uptime_ms", s->uptime_ms);
	vt_json_str(&j, "features", s->features);
	vt_json_str(&j, "feature_names", s->feature_names);
	vt_json_uint(&j, "timeout_ms", s->timeout_ms);
	vt_json_arr_begin(&j, "queues");
	for (unsigned q = 0; q < s->nq; q++)
		queue_json(&j, &s->q[q]);
	vt_json_arr_end(&j);
	vt_json_uint(&j, "inflight_total", s->nreq_total);
	vt_json_arr_begin(&j, "requests");
	for (unsigned i = 0; i < s->nreq; i++)
		request_json(&j, &s->req[i]);
	vt_json_arr_end(&j);
	vt_json_obj_end(&j);
	fprintf(f, "%s\n", vt_json_text(&j));
	vt_json_free(&j);
}
