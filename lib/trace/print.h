/* One trace record -> what `vitool trace` shows: a text line (plus verbose
 * lines), or one JSON object.  iproute2 style: vt_trace_view_build() reads
 * the record once into a struct of fields (the header, the decoder's
 * summary, and the key fields its decoder reads: i2c address, gpio line,
 * request type, status, ...), and the formatters only format that struct, so text
 * and JSON can never disagree, and the filter (filter.h) tests the same
 * fields.  Everything shown comes from the record (its timestamp
 * included): a live view and `-r` of its capture print the same bytes.
 *
 * Text line (man/vitool-trace.1):
 *   TIME DEVICE[.INSTANCE] [qQUEUE] [#ID] EVENT [SUMMARY] [LATENCY] [MARKERS]
 *   12:01:02.123456 i2c q0 #3 used 0x50 read 8 -> OK [01 02] 41us
 * MARKERS: " [TIMEOUT]", " [LATE]", " [OOO]", " [OVERTOOK]"; " [|]" ends a
 * line whose record was cut by the snap length or whose decoder ran out
 * of bytes.  A message that answers a request on another queue (pair.h)
 * says which after its summary: " (cmd #12)".
 * A log line of the instance: TIME DEVICE log LEVEL: TEXT
 *   12:01:02.123456 gpio log warning: gpio: SET_IRQ_TYPE line 3: the line is an output */
#ifndef VT_TRACE_PRINT_H
#define VT_TRACE_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "decode/decode.h"
#include "trace/pair.h"
#include "trace/record.h"
#include "util/strbuf.h"

/* Record kind 13: the live stream lost records (its text says how many). */
#define VT_TRACE_KIND_DROPS 13

struct vt_trace_view {
	const struct vt_rec *rec;
	uint64_t ts_ns;
	char time[32];            /* "12:01:02.123456", local time */
	char device[24];          /* "i2c", "virtio-7" */
	const char *event;        /* "used", "ring-error", "drops", "log", "kind-N" */
	const char *level;        /* a log line's: "error", "warning", "info", "debug"; else NULL */
	bool has_queue, has_id, has_latency;
	bool completion;          /* USED or LATE: the summary has the response */
	bool timed_out, late, ooo, truncated;
	struct vt_sb summary;     /* decoder summary or the record's text */

	/* Key fields (filter.h and JSON), from the device's decoder; for a
	 * vhost-user message (msg_state >= 0), the message's (msgview.h):
	 * type is the request name. */
	struct vt_decode_fields f;
	int msg_state;            /* vt_rec_msg(): 0, 1 cut, -1 no message header, -2 invalid */
	bool marked;              /* the summary already ends with its own cut marker */
	/* Set by vt_trace_pairs_note (trace/pair.h): the request this
	 * message answers (0: none known), and whether it came before that
	 * request completed. */
	uint64_t answers_id;
	bool overtook;
};

/* Reads a parsed record into v (v->rec points at r: keep r alive while v
 * is used). */
void vt_trace_view_build(struct vt_trace_view *v, const struct vt_rec *r);

/* "avail", ..., "drops", "kind-N". */
const char *vt_trace_event_name(unsigned kind);
/* Device name of a virtio device id: the registry's "i2c", "gpio", ...,
 * else "virtio-N". */
void vt_trace_device_name(uint32_t virtio_id, char *buf, size_t len);

/* How the text lines look: tcpdump's -t family, -q, -x/-X, -v. */
enum vt_trace_tstamp {
	VT_TS_TIME = 0,   /* 12:01:02.123456, local time (the default) */
	VT_TS_NONE,       /* -t */
	VT_TS_EPOCH,      /* -tt: 1796299262.123456 */
	VT_TS_DELTA,      /* -ttt: 00:00:00.000123 since the previous line */
	VT_TS_DATE,       /* -tttt: 2026-12-03 12:01:02.123456 */
};
struct vt_trace_fmt {
	enum vt_trace_tstamp ts;
	bool quiet;       /* -q: no summary; a completion's status only */
	int hex;          /* -x 1: the payload in hex; -X 2: hex and ASCII */
	bool verbose;     /* -v: the message header, chain layout, segments */
	uint64_t prev_ns; /* -ttt: the previous line's time (kept here) */
	bool have_prev;
};

/* Output: one line (and with verbose the chain layout and hex payload on
 * indented lines after it; with hex the payload tcpdump's way), or one
 * JSON object on one line (verbose adds "chain").  fmt NULL: the default
 * line. */
void vt_trace_print_text(FILE *f, const struct vt_trace_view *v, struct vt_trace_fmt *fmt);
void vt_trace_print_json(FILE *f, const struct vt_trace_view *v, bool verbose);
/* -v's dump of a segment: 16 bytes a line, offset, hex and ASCII, each
 * line indented by a tab (also top's request details). */
void vt_trace_hexdump(FILE *f, const uint8_t *p, uint32_t n);

/* The `serve --print` sink of a recorder (trace/recorder.h): each record
 * it makes, encoded as a capture would hold it, printed with the same view
 * and text formatter as `vitool trace`, so both print the same line for the
 * same request.  Without verbose only what a request ends with prints:
 * used, timeout, late, ring-error and drops records; with it every record
 * (avail, kick, call, vhost-user messages, irq, connect, ...) but log
 * lines, which the instance prints on stderr already. */
struct vt_trace_printer {
	FILE *out;
	bool verbose;
	/* What became of the lines (trace-stats "print"): once a write to out
	 * fails (`serve --print | head -1`: EPIPE), printing stops with one
	 * log line saying why, and later lines are counted as lost, never
	 * silently. */
	uint64_t lines, lost;
	int error;                 /* errno of the failed write, 0 */
	struct vt_trace_pairs pairs;   /* zeroed with the rest */
};
/* Prints the encoded record rec (len bytes) if p takes its kind; a record
 * that does not parse prints nothing (ours always do).  Zero the counters
 * (lines, lost, error) before the first. */
void vt_trace_printer_record(struct vt_trace_printer *p, const uint8_t *rec, size_t len);

#endif
