/* The lines of vitool top (format.h). */
#include "top/format.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LINE_MAX_ 1024
/* Histogram columns: bucket 0 (below 1 us) to bucket 20 ([0.5 s, 1 s)),
 * then one for everything longer. */
#define HIST_COLS 22

void vt_top_fmt_us(char *buf, size_t len, uint64_t us)
{
	if (us < 1000)
		snprintf(buf, len, "%" PRIu64 "us", us);
	else if (us < 10000)
		snprintf(buf, len, "%.1fms", (double)us / 1000);
	else if (us < 1000000)
		snprintf(buf, len, "%" PRIu64 "ms", us / 1000);
	else if (us < 60000000)
		snprintf(buf, len, "%.2fs", (double)us / 1e6);
	else
		snprintf(buf, len, "%" PRIu64 "m%" PRIu64 "s", us / 60000000, us / 1000000 % 60);
	if (!us)
		snprintf(buf, len, "0");
}

void vt_top_fmt_count(char *buf, size_t len, uint64_t n)
{
	if (n < 10000)
		snprintf(buf, len, "%" PRIu64, n);
	else if (n < 10000000)
		snprintf(buf, len, "%.1fk", (double)n / 1e3);
	else
		snprintf(buf, len, "%.1fM", (double)n / 1e6);
}

/* fn with the formatted text cut at width. */
static void emit(vt_top_line_fn fn, void *arg, enum vt_top_style st, int width, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void emit(vt_top_line_fn fn, void *arg, enum vt_top_style st, int width, const char *fmt, ...)
{
	char line[LINE_MAX_];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (width > 0 && (size_t)width < sizeof(line))
		line[width] = '\0';
	fn(arg, st, line);
}

static void fmt_uptime(char *buf, size_t len, uint64_t ms)
{
	uint64_t s = ms / 1000;

	if (s >= 86400)
		snprintf(buf, len, "%" PRIu64 "d %02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 86400, s / 3600 % 24,
			 s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600, s / 60 % 60, s % 60);
}

void vt_top_format_header(const struct vt_top_snapshot *s, int width, vt_top_line_fn fn, void *arg)
{
	char up[32], tmo[16], line[LINE_MAX_];

	fmt_uptime(up, sizeof(up), s->uptime_ms);
	vt_top_fmt_us(tmo, sizeof(tmo), s->timeout_ms * 1000);
	emit(fn, arg, s->connected ? VT_TOP_ST_PLAIN : VT_TOP_ST_WARN, width,
	     "%s (%s, pid %ld)  front-end %s  up %s  timeout %s", s->name, s->device, s->pid,
	     s->connected ? "connected" : "not connected", up, tmo);
	/* The features, wrapped at words onto as many lines as they need. */
	const char *names = s->connected ? s->feature_names : "(none acked)";
	int w = width > 0 && width < LINE_MAX_ ? width : LINE_MAX_ - 1;
	int n = snprintf(line, sizeof(line), "features %s", s->features[0] ? s->features : "?");
	for (const char *p = names; *p;) {
		size_t wl = strcspn(p, " ");
		if (n > 9 && n + 1 + (int)wl > w) {
			fn(arg, VT_TOP_ST_PLAIN, line);
			n = snprintf(line, sizeof(line), "        ");
		}
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %.*s", (int)wl, p);
		if (n >= (int)sizeof(line))
			n = (int)sizeof(line) - 1;
		p += wl;
		p += strspn(p, " ");
	}
	line[w] = '\0';
	fn(arg, VT_TOP_ST_PLAIN, line);
}

void vt_top_format_queues(const struct vt_top_snapshot *s, int width, vt_top_line_fn fn, void *arg)
{
	emit(fn, arg, VT_TOP_ST_TITLE, width, "%-*s", width > 0 ? width : 0,
	     " Q SIZE INFL  REQ/S    P50    P99    MAX  ERR  TMO LATE  OOO DROP");
	for (unsigned i = 0; i < s->nq; i++) {
		const struct vt_top_queue *q = &s->q[i];
		char rate[16], p50[16], p99[16], max[16], c[5][16];
		if (q->rate < 0)
			snprintf(rate, sizeof(rate), "-");
		else if (q->rate < 100)
			snprintf(rate, sizeof(rate), "%.1f", q->rate);
		else
			vt_top_fmt_count(rate, sizeof(rate), (uint64_t)(q->rate + 0.5));
		vt_top_fmt_us(p50, sizeof(p50), q->p50_us);
		vt_top_fmt_us(p99, sizeof(p99), q->p99_us);
		vt_top_fmt_us(max, sizeof(max), q->max_us);
		const uint64_t n[5] = { q->errors, q->timeouts, q->late, q->ooo, q->drops };
		for (int k = 0; k < 5; k++)
			vt_top_fmt_count(c[k], sizeof(c[k]), n[k]);
		emit(fn, arg, q->broken ? VT_TOP_ST_WARN : VT_TOP_ST_PLAIN, width,
		     "%2u %4u %4u %6s %6s %6s %6s %4s %4s %4s %4s %4s%s%s", q->index, q->size, q->inflight, rate, p50,
		     p99, max, c[0], c[1], c[2], c[3], c[4], q->broken ? " BROKEN: " : (q->started ? "" : " stopped"),
		     q->broken ? q->why : "");
	}
}

/* One character per bucket, by its share of the largest bucket: a
 * sparkline in ASCII, so it reads on any terminal and in a bug report. */
void vt_top_format_hists(const struct vt_top_snapshot *s, int width, vt_top_line_fn fn, void *arg)
{
	static const char levels[] = " .:-=+*#%@";
	bool any = false;

	for (unsigned i = 0; i < s->nq; i++) {
		const struct vt_top_queue *q = &s->q[i];
		uint64_t col[HIST_COLS] = { 0 }, top = 0, total = 0;
		char bar[HIST_COLS + 1];
		for (unsigned k = 0; k < q->nhist; k++) {
			col[k < HIST_COLS ? k : HIST_COLS - 1] += q->hist[k];
			total += q->hist[k];
		}
		if (!total)
			continue;
		if (!any)
			emit(fn, arg, VT_TOP_ST_TITLE, width, "%-*s", width > 0 ? width : 0,
			     " Q LATENCY, one column per power of two       COMPLETIONS");
		any = true;
		for (int k = 0; k < HIST_COLS; k++) {
			top = col[k] > top ? col[k] : top;
		}
		for (int k = 0; k < HIST_COLS; k++) {
			/* any non-empty bucket shows at least '.' */
			unsigned lv = col[k] ? 1 + (unsigned)((col[k] * 8 + top - 1) / top) : 0;
			bar[k] = levels[lv > 9 ? 9 : lv];
		}
		bar[HIST_COLS] = '\0';
		char cnt[16];
		vt_top_fmt_count(cnt, sizeof(cnt), total);
		emit(fn, arg, VT_TOP_ST_PLAIN, width, "%2u  <1us |%s| >1s          %s", q->index, bar, cnt);
	}
}

void vt_top_format_request(const struct vt_top_request *r, int width, char *buf, size_t len)
{
	char age[16], fault[200] = "";

	vt_top_fmt_us(age, sizeof(age), r->age_ms * 1000);
	if (r->has_fault)
		snprintf(fault, sizeof(fault), "rule %u: %s", r->rule, r->fault_text);
	int pre = snprintf(buf, len, "%c%6" PRIu64 " %2u %7s %-7s ", r->timed_out ? '!' : ' ', r->id, r->queue, age,
			   r->timed_out ? "TIMEOUT" : "");
	if (pre < 0 || (size_t)pre >= len)
		return;
	/* The summary takes what the fault column leaves, at least 20. */
	int w = width > 0 ? width : 80;
	int sumw = w - pre - (fault[0] ? (int)strlen(fault) + 1 : 0);
	if (sumw < 20)
		sumw = 20;
	snprintf(buf + pre, len - (size_t)pre, "%-*.*s %s", sumw, sumw, r->summary[0] ? r->summary : "(chain unreadable)",
		 fault);
	if (width > 0 && (size_t)width < len)
		buf[width] = '\0';
}

void vt_top_format_requests(const struct vt_top_snapshot *s, int width, enum vt_top_sort sort, int first, int max,
			    int selected, vt_top_line_fn fn, vt_top_line_fn sel_fn, void *arg)
{
	char head[96];

	snprintf(head, sizeof(head), "     ID  Q     AGE         REQUEST (%u in flight, by %s)", s->nreq_total,
		 vt_top_sort_name(sort));
	emit(fn, arg, VT_TOP_ST_TITLE, width, "%-*s", width > 0 ? width : 0, head);
	for (int i = first < 0 ? 0 : first; i < (int)s->nreq && (max < 0 || i < first + max); i++) {
		char line[LINE_MAX_];
		const struct vt_top_request *r = &s->req[i];
		vt_top_format_request(r, width, line, sizeof(line));
		(i == selected && sel_fn ? sel_fn : fn)(arg, r->timed_out ? VT_TOP_ST_TIMEOUT : VT_TOP_ST_PLAIN, line);
	}
	if (s->nreq < s->nreq_total && (max < 0 || (int)s->nreq - first < max))
		emit(fn, arg, VT_TOP_ST_PLAIN, width, "  ... and %u more", s->nreq_total - s->nreq);
}
