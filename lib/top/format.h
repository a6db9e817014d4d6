/* The lines of vitool top: header, queue table, latency histograms and the
 * in-flight list, as text with a style each.  The curses screen draws them
 * (the style picks the attributes), --once prints them: one layout for
 * both.  Every line fits `width` columns (80 is the design size). */
#ifndef VT_TOP_FORMAT_H
#define VT_TOP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "top/snapshot.h"

enum vt_top_style {
	VT_TOP_ST_PLAIN,
	VT_TOP_ST_TITLE,      /* column headings, pane titles */
	VT_TOP_ST_WARN,       /* a broken queue, a front-end gone */
	VT_TOP_ST_TIMEOUT,    /* a request in flight past the timeout ('!' marked) */
};

typedef void (*vt_top_line_fn)(void *arg, enum vt_top_style st, const char *text);

/* "0", "980us", "1.2ms", "45ms", "3.04s", "12m3s" */
void vt_top_fmt_us(char *buf, size_t len, uint64_t us);
/* "0", "999", "12.3k", "4.5M" */
void vt_top_fmt_count(char *buf, size_t len, uint64_t n);

/* Header: instance, device, pid, front-end, uptime; features. */
void vt_top_format_header(const struct vt_top_snapshot *s, int width, vt_top_line_fn fn, void *arg);
/* The queue table, a heading and one row per queue. */
void vt_top_format_queues(const struct vt_top_snapshot *s, int width, vt_top_line_fn fn, void *arg);
/* One latency histogram line per queue that completed something. */
void vt_top_format_hists(const struct vt_top_snapshot *s, int width, vt_top_line_fn fn, void *arg);
/* The in-flight heading (sort key named) and rows first..first+max-1 (max
 * < 0: all); the row `selected` (-1: none) is reported through sel_fn
 * instead of fn, so the screen can draw it reversed. */
void vt_top_format_requests(const struct vt_top_snapshot *s, int width, enum vt_top_sort sort, int first, int max,
			    int selected, vt_top_line_fn fn, vt_top_line_fn sel_fn, void *arg);
/* One request's row (also the details view's first line). */
void vt_top_format_request(const struct vt_top_request *r, int width, char *buf, size_t len);

#endif
