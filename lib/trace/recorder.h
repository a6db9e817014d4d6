/* The trace recorder of a running instance (serve): the one observer of an
 * event source (trace/source.h: a backend today, a proxy's side tomorrow),
 * fanning every event out to its sinks as trace records:
 *   - the --print printer (trace/print.h): each record as a text line, the
 *     same line `vitool trace` prints for it (log lines are not printed
 *     there: they are on stderr already);
 *   - a pcap file (serve -w FILE), flushed once per loop batch;
 *   - live subscribers (control command `trace`): a socket that carries a
 *     pcap stream, through a bounded queue each.
 *
 * Cost when nobody listens: the source's observer is set only while at
 * least one sink exists, so the source pays one branch per event.
 *
 * It also follows every request from AVAIL to USED (DESIGN.md "Timeouts")
 * per queue: a request in flight longer than the threshold gets one TIMEOUT
 * record (from a loop timer armed for the earliest deadline, only while
 * something is in flight and someone listens); its completion is marked
 * TIMED_OUT|LATE and followed by a LATE record; a completion while an older
 * request (smaller req_id) of the same queue is still in flight is marked
 * OUT_OF_ORDER.  Counted per queue (trace-stats).  The requests are the
 * source's in-flight list, kept whether or not anyone listens: requests
 * made available before anyone listened time out and are marked too.
 *
 * A slow reader never blocks the device: writes are non-blocking; records
 * that do not fit a subscriber's queue are dropped and counted, and the
 * count reaches the reader in band, as a DROPS record ("N records
 * dropped"), as soon as its queue has room again. */
#ifndef VT_TRACE_RECORDER_H
#define VT_TRACE_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/loop.h"
#include "trace/source.h"
#include "vhost/state.h"

#define VT_RECORDER_TIMEOUT_MS 1000         /* Linux gpio/i2c driver timeout */
#define VT_RECORDER_SUB_MAX (1024 * 1024)   /* bytes queued per subscriber */
/* Live subscribers at once: with SUB_MAX, what stuck readers can cost
 * (300 of them took 310 MB before there was a limit). */
#define VT_RECORDER_SUBS_MAX 16
#define VT_RECORDER_MAX_QUEUES VT_VHOST_MAX_QUEUES

struct vt_recorder;

struct vt_recorder_conf {
	uint64_t timeout_ms;       /* 0: VT_RECORDER_TIMEOUT_MS */
};

/* src is copied (its ctx must outlive the recorder); a source without
 * callbacks is fed through vt_recorder_event() directly (tests).  loop may
 * be NULL: then output is flushed after every record and timeouts are only
 * found by vt_recorder_scan().  conf may be NULL.  NULL when out of
 * memory. */
struct vt_recorder *vt_recorder_new(struct vt_loop *loop, const struct vt_trace_source *src,
				    const struct vt_recorder_conf *conf);
/* Closes the file (flushed) and every subscriber, unsets the observer.
 * Returns the file's vt_pcap_close() result (0 without a file). */
int vt_recorder_free(struct vt_recorder *r);

/* The source's observer (a vt_observer_fn; arg is the recorder). */
void vt_recorder_event(void *arg, const struct vt_event *ev);
/* An interrupt the device raised for the guest (gpio): an IRQ_INJECTED
 * record on queue with text ("line 3 (button)").  Nothing without sinks. */
void vt_recorder_irq(struct vt_recorder *r, unsigned queue, const char *text);
/* A log line of the instance (a vt_log_sink_fn for vt_log_set_tee(); arg
 * is the recorder): a LOG record with msg as its text and level in its
 * flags (trace/record.h).  Nothing without sinks.  A line logged while
 * the recorder itself is at work (a failed write of the file) is recorded
 * just after the record in progress. */
void vt_recorder_log(void *arg, int level, const char *msg);
/* Emits TIMEOUT records for requests in flight longer than the threshold at
 * now_ns (vt_now_ns() clock); the loop timer calls it. */
void vt_recorder_scan(struct vt_recorder *r, uint64_t now_ns);
/* Some sink exists (the observer is set). */
bool vt_recorder_listening(const struct vt_recorder *r);

/* ---- sinks ---- */

/* The --print printer (NULL removes it); p must outlive the recorder.  It
 * gets every record the other sinks get (TIMEOUT and LATE records, the
 * [LATE] and [OOO] marks included) and picks what it prints. */
struct vt_trace_printer;
void vt_recorder_set_printer(struct vt_recorder *r, struct vt_trace_printer *p);
/* Writes a pcap file at path ("-": standard output), records encoded with
 * snaplen (0: VT_REC_SNAPLEN_MAX).  0, or -1 with err set.  On a pipe, FIFO
 * or socket (with a loop) it never blocks: like a subscriber it has a
 * bounded queue, drops what does not fit (DROPS records, file_drops), and
 * stops with a log line when its reader goes away; the file's link type,
 * snaplen and records are the same. */
int vt_recorder_open_file(struct vt_recorder *r, const char *path, uint32_t snaplen,
			  char *err, size_t errlen);
/* Flushes and closes it: 0, or -errno if records were lost. */
int vt_recorder_close_file(struct vt_recorder *r);

/* A live subscriber on fd (owned from now on, made non-blocking): prefix
 * (e.g. the reply line of `trace`) then a pcap stream (nanosecond, link
 * type USER0, snaplen as given, 0: VT_REC_SNAPLEN_MAX) until the peer
 * closes or a write fails.  max_bytes bounds its queue (0:
 * VT_RECORDER_SUB_MAX).  0, or -errno (fd closed): -EUSERS when
 * VT_RECORDER_SUBS_MAX are subscribed already (vt_recorder_stats tells
 * before: a caller can refuse in words). */
int vt_recorder_subscribe(struct vt_recorder *r, int fd, uint32_t snaplen, size_t max_bytes,
			  const void *prefix, size_t prefixlen);

/* ---- counters ---- */

struct vt_recorder_qstats {
	unsigned inflight;         /* requests followed now */
	uint64_t timeouts;         /* TIMEOUT records */
	uint64_t late;             /* completions after a timeout */
	uint64_t out_of_order;
	uint64_t errors;           /* completions with an error status (the decoder's) */
	uint64_t drops;            /* this queue's records dropped for slow subscribers */
};
int vt_recorder_queue_stats(const struct vt_recorder *r, unsigned q, struct vt_recorder_qstats *st);

struct vt_recorder_stats {
	uint64_t timeout_ms;
	unsigned nqueues;          /* the source's queues (unknown: the maximum) */
	unsigned subscribers;
	uint64_t sub_records;      /* queued to subscribers, over all of them */
	uint64_t sub_drops;        /* dropped for slow subscribers, over all */
	const char *file;          /* NULL: no file sink */
	uint64_t file_records;
	uint64_t file_drops;       /* on a pipe whose reader was too slow (DROPS in band) */
	int file_error;            /* -errno of the first write error, or 0 */
	bool print;                /* a --print sink */
	uint64_t print_lines, print_lost;
	int print_error;           /* errno that stopped it, or 0 */
};
void vt_recorder_stats(const struct vt_recorder *r, struct vt_recorder_stats *st);
/* Zeroes the per-queue counts (timeouts, late, out of order, errors,
 * drops): `trace-stats reset`. */
void vt_recorder_reset_counters(struct vt_recorder *r);

const char *vt_recorder_device(const struct vt_recorder *r);
uint32_t vt_recorder_virtio_id(const struct vt_recorder *r);

#endif
