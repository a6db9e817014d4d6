/* The bench engine (see bench.h).
 *
 * The loop: while fewer than depth are in flight, take batch free slots,
 * add their chains, publish once (vt_fe_kick: a kick only when the device
 * asks for one); then reap every used entry, and sleep on the call fd only
 * when there is none.  Nothing is allocated and no clock is read per
 * request: one clock read per batch added and one per reaping pass, so a
 * request's latency is from its batch's publish to the pass that found it
 * (what a driver's completion handler would see). */
#include "drivers/bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/loop.h"

unsigned vt_bench_words(char *const *words, unsigned n, vt_bench_word_fn fn, void *reqs, size_t size, char *err,
			size_t errlen)
{
	unsigned nreq = 0;

	for (unsigned i = 0, k; i < n; i += k) {
		if (nreq == VT_BENCH_MAX_REQS) {
			snprintf(err, errlen, "a bench repeats at most %d requests", VT_BENCH_MAX_REQS);
			return 0;
		}
		if (!(k = fn(words + i, n - i, (uint8_t *)reqs + nreq++ * size, err, errlen)))
			return 0;
	}
	return nreq;
}

bool vt_bench_alloc(struct vt_bench_plan *p, const struct vt_bench_conf *c, unsigned nreq, char *err,
		    size_t errlen)
{
	uint64_t n = (uint64_t)c->depth * nreq;

	p->nreq = nreq;
	if (!nreq || n > 65536) {
		snprintf(err, errlen, "%u requests at depth %u: at most 65536 slots", nreq, c->depth);
		return false;
	}
	p->nslots = (unsigned)n;
	p->slot = calloc(p->nslots, sizeof(*p->slot));
	if (!p->slot) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	return true;
}

void vt_bench_free(struct vt_bench_plan *p)
{
	free(p->slot);
	p->slot = NULL;
	p->nslots = 0;
}

/* Free slots, oldest first: the requests take turns in order. */
struct fifo {
	unsigned *idx;
	unsigned head, n, cap;
};

static void fifo_put(struct fifo *f, unsigned i)
{
	f->idx[(f->head + f->n++) % f->cap] = i;
}

static unsigned fifo_take(struct fifo *f)
{
	unsigned i = f->idx[f->head];
	f->head = (f->head + 1) % f->cap;
	f->n--;
	return i;
}

static bool good(const struct vt_bench_slot *s, uint32_t used)
{
	if (s->status && *s->status != s->ok)
		return false;
	return s->used ? used == s->used : used > 0;
}

/* Puts one batch on the ring and publishes it.  -1 with err set. */
static int add_batch(struct vt_frontend *fe, struct vt_bench_plan *p, const struct vt_bench_conf *c,
		     struct fifo *free_slots, unsigned *inflight, struct vt_bench_result *r, char *err, size_t errlen)
{
	struct vt_dvq *vq = &fe->vq[p->queue];
	uint64_t t = vt_now_ns();

	for (unsigned k = 0; k < c->batch; k++) {
		struct vt_bench_slot *s = &p->slot[fifo_take(free_slots)];
		if (s->status)
			*s->status = 0xff;   /* neither OK nor any error until the device writes */
		int rc = vt_dvq_add(vq, s->seg, s->nseg, c->indirect, s);
		if (rc < 0) {
			if (rc == -ENOSPC)
				snprintf(err, errlen, "depth %u does not fit a queue of %u entries (%u descriptors a "
					 "request): use a larger --queue-size%s", c->depth, vq->num, s->nseg,
					 c->indirect ? "" : " or --indirect");
			else
				snprintf(err, errlen, "adding a request: %s", strerror(-rc));
			return -1;
		}
		s->t_add = t;
	}
	*inflight += c->batch;
	r->batches++;
	if (vt_fe_kick(fe, p->queue) < 0) {
		snprintf(err, errlen, "%s", fe->err);
		return -1;
	}
	return 0;
}

/* Takes every used entry; how many.  coalesce: no call asked for while
 * it reaps (vt_fe_wait asks again before it sleeps). */
static unsigned reap(struct vt_frontend *fe, struct vt_bench_plan *p, struct fifo *free_slots,
		     struct vt_bench_result *r, bool coalesce)
{
	struct vt_dvq *vq = &fe->vq[p->queue];
	struct vt_bench_slot *s;
	uint64_t now = 0;
	uint32_t used;
	uint16_t head;
	unsigned n = 0;

	while ((s = vt_dvq_get(vq, &used, &head))) {
		if (!n) {
			now = vt_now_ns();
			if (coalesce)
				vt_dvq_disable_cb(vq);
		}
		n++;
		if (!good(s, used)) {
			if (!r->errors)
				snprintf(r->first_error, sizeof(r->first_error), "status 0x%02x, used length %u",
					 s->status ? *s->status : 0, used);
			r->errors++;
		}
		vt_nshist_add(&r->lat, now > s->t_add ? now - s->t_add : 0);
		fifo_put(free_slots, (unsigned)(s - p->slot));
	}
	r->requests += n;
	return n;
}

int vt_bench_run(struct vt_frontend *fe, struct vt_bench_plan *p, const struct vt_bench_conf *c,
		 struct vt_bench_result *r, char *err, size_t errlen)
{
	struct fifo free_slots = { .cap = p->nslots };
	unsigned inflight = 0;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	vt_nshist_init(&r->lat);
	free_slots.idx = malloc(p->nslots * sizeof(*free_slots.idx));
	if (!free_slots.idx) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < p->nslots; i++)
		fifo_put(&free_slots, i);
	uint64_t kicks0 = fe->kicks, calls0 = fe->calls_waited;
	uint64_t t0 = vt_now_ns(), end = t0 + c->duration_ns, now = t0;
	bool stopping = false;
	for (;;) {
		while (!stopping && inflight + c->batch <= c->depth)
			if (add_batch(fe, p, c, &free_slots, &inflight, r, err, errlen) < 0)
				goto out;
		unsigned n = reap(fe, p, &free_slots, r, c->coalesce);
		inflight -= n;
		if (fe->vq[p->queue].broken) {
			snprintf(err, errlen, "the device broke the used ring");
			goto out;
		}
		if (n) {
			now = vt_now_ns();
			stopping = now >= end;
			if (stopping && !inflight)
				break;
			continue;
		}
		/* coalesce: the call when 3/4 of what is in flight came back
		 * (Linux's virtqueue_enable_cb_delayed), not at the first */
		if (c->coalesce)
			fe->vq[p->queue].cb_delay = (uint16_t)(inflight > 1 ? inflight * 3 / 4 - 1 : 0);
		int w = vt_fe_wait(fe, p->queue, c->timeout_ms);
		if (w < 0) {
			snprintf(err, errlen, "%s", fe->err);
			goto out;
		}
		if (w == 0) {
			snprintf(err, errlen, "no completion within %d ms (%u requests in flight)", c->timeout_ms,
				 inflight);
			goto out;
		}
	}
	r->elapsed_ns = now - t0;
	r->kicks = fe->kicks - kicks0;
	r->calls = fe->calls_waited - calls0;
	rc = 0;
out:
	fe->vq[p->queue].cb_delay = 0;
	free(free_slots.idx);
	return rc;
}

/* ---- the report ---- */

static double per_s(const struct vt_bench_result *r)
{
	return r->elapsed_ns ? (double)r->requests * 1e9 / (double)r->elapsed_ns : 0;
}

static double per_req(uint64_t n, const struct vt_bench_result *r)
{
	return r->requests ? (double)n / (double)r->requests : 0;
}

/* "12.3 us": three significant digits. */
static void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	static const struct { double div; const char *unit; } u[] = {
		{ 1, "ns" }, { 1e3, "us" }, { 1e6, "ms" }, { 1e9, "s" },
	};
	unsigned k = 0;

	while (k + 1 < sizeof(u) / sizeof(u[0]) && (double)ns >= u[k + 1].div)
		k++;
	double v = (double)ns / u[k].div;
	snprintf(buf, len, "%.*f %s", v >= 100 || !k ? 0 : v >= 10 ? 1 : 2, v, u[k].unit);
}

void vt_bench_print(FILE *f, const char *device, const struct vt_bench_plan *p, const struct vt_bench_conf *c,
		    const struct vt_bench_result *r, bool event_idx)
{
	char p50[32], p99[32], p999[32], min[32], max[32];

	fmt_ns(p50, sizeof(p50), vt_nshist_quantile(&r->lat, 0.5));
	fmt_ns(p99, sizeof(p99), vt_nshist_quantile(&r->lat, 0.99));
	fmt_ns(p999, sizeof(p999), vt_nshist_quantile(&r->lat, 0.999));
	fmt_ns(min, sizeof(min), r->lat.count ? r->lat.min : 0);
	fmt_ns(max, sizeof(max), r->lat.max);
	fprintf(f, "%s bench: %s, depth %u, batch %u, EVENT_IDX %s%s%s\n", device, p->what, c->depth, c->batch,
		event_idx ? "on" : "off", c->indirect ? ", indirect" : "", c->coalesce ? ", calls coalesced" : "");
	fprintf(f, "  %llu requests in %.3f s: %.0f requests/s\n", (unsigned long long)r->requests,
		(double)r->elapsed_ns / 1e9, per_s(r));
	fprintf(f, "  latency: min %s, p50 %s, p99 %s, p99.9 %s, max %s\n", min, p50, p99, p999, max);
	fprintf(f, "  per request: %.3f kicks, %.3f calls waited for\n", per_req(r->kicks, r),
		per_req(r->calls, r));
	if (r->errors)
		fprintf(f, "  %llu requests failed (the first: %s)\n", (unsigned long long)r->errors, r->first_error);
}

void vt_bench_json(FILE *f, const char *device, const struct vt_bench_plan *p, const struct vt_bench_conf *c,
		   const struct vt_bench_result *r, bool event_idx)
{
	struct vt_json j;

	vt_json_init(&j);
	vt_json_obj_begin(&j, NULL);
	vt_json_str(&j, "device", device);
	vt_json_str(&j, "requests_as_words", p->what);
	vt_json_uint(&j, "depth", c->depth);
	vt_json_uint(&j, "batch", c->batch);
	vt_json_bool(&j, "event_idx", event_idx);
	vt_json_bool(&j, "indirect", c->indirect);
	vt_json_bool(&j, "coalesce_calls", c->coalesce);
	vt_json_uint(&j, "requests", r->requests);
	vt_json_uint(&j, "errors", r->errors);
	vt_json_uint(&j, "elapsed_ns", r->elapsed_ns);
	vt_json_uint(&j, "requests_per_s", (uint64_t)(per_s(r) + 0.5));
	vt_json_uint(&j, "batches", r->batches);
	vt_json_uint(&j, "kicks", r->kicks);
	vt_json_uint(&j, "calls", r->calls);
	vt_json_obj_begin(&j, "latency_ns");
	vt_json_uint(&j, "min", r->lat.count ? r->lat.min : 0);
	vt_json_uint(&j, "p50", vt_nshist_quantile(&r->lat, 0.5));
	vt_json_uint(&j, "p99", vt_nshist_quantile(&r->lat, 0.99));
	vt_json_uint(&j, "p999", vt_nshist_quantile(&r->lat, 0.999));
	vt_json_uint(&j, "max", r->lat.max);
	vt_json_obj_end(&j);
	/* [low_ns, high_ns, count] of each non-empty bucket: the distribution
	 * make bench plots. */
	vt_json_arr_begin(&j, "histogram");
	for (unsigned k = 0; k < VT_NSHIST_BUCKETS; k++) {
		if (!r->lat.b[k])
			continue;
		vt_json_arr_begin(&j, NULL);
		vt_json_uint(&j, NULL, vt_nshist_low(k));
		vt_json_uint(&j, NULL, vt_nshist_high(k));
		vt_json_uint(&j, NULL, r->lat.b[k]);
		vt_json_arr_end(&j);
	}
	vt_json_arr_end(&j);
	vt_json_obj_end(&j);
	fprintf(f, "%s\n", vt_json_text(&j));
	vt_json_free(&j);
}
