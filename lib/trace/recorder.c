/* The trace recorder (see recorder.h): source events -> trace records ->
 * sinks, with the in-flight bookkeeping that marks timeouts, late and
 * out-of-order completions.
 *
 * In-flight requests: the source keeps them (a backend's queue engine,
 * vhost/inflight.h), in start order; the recorder only reads that list and
 * keeps its TIMED_OUT mark in it.  Since every request gets the same
 * threshold, the timed-out ones are a prefix of the list: the next deadline
 * is the first entry without the mark.  A source without a list (tests,
 * sources that have no engine) gets one here, fed from its events.
 *
 * Subscribers: each has one byte queue holding the pcap framing and the
 * records, bounded by max bytes.  Records are only ever queued whole, so the
 * stream stays parseable whatever gets dropped; sending happens at the end
 * of the loop batch (a zero-delay timer) and from EPOLLOUT, always with
 * MSG_DONTWAIT.
 *
 * Subscribers can die inside loops over them (a failed send): they are
 * only marked dead there and freed by reap() when nothing of ours is on the
 * stack (busy == 0).
 *
 * The -w sink on a pipe or socket (`serve -w - | tshark -r -`, a FIFO) is a
 * subscriber too, not counted among them: a reader that stops must cost
 * records (DROPS in band, counted), never the device's time, which the
 * blocking pcap writer it used to be did.  A regular file keeps the pcap
 * writer: a disk does not stop reading. */
#include "trace/recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode/decode.h"
#include "trace/pcap.h"
#include "trace/print.h"
#include "trace/record.h"
#include "util/bytes.h"
#include "util/log.h"

#define PCAP_FILE_HDR 24
#define PCAP_PKT_HDR 16
#define DROPS_REC_MAX 160    /* header + "18446744073709551615 records dropped" */
#define LOG_PENDING_MAX 8    /* log lines kept while a record is on its way out */

struct rqueue {
	struct vt_inflight_list own;   /* only for a source without a list: fed from events */
	uint64_t timeouts, late, ooo;
	uint64_t errors;   /* completions its decoder reads as an error status */
	uint64_t drops;    /* its records dropped for slow subscribers */
};

struct sub {
	struct vt_recorder *r;
	int fd;
	uint32_t snaplen;
	size_t max;
	uint8_t *buf;
	size_t off, len, cap;
	uint64_t pending_drops;  /* dropped since the last DROPS record */
	uint64_t records, drops;
	uint32_t events;         /* what the loop watches */
	bool rd_eof;
	bool sock;               /* send()/recv(); else a pipe: write(), nothing to read */
	bool file;               /* the -w sink (r->file_sub) */
	bool dead;
	struct sub *next;
};

/* A log line that came while the recorder was busy (see vt_recorder_log). */
struct pending_log {
	int level;
	uint64_t t_ns;
	char *text;
};

struct vt_recorder {
	struct vt_loop *loop;
	struct vt_trace_source src;   /* device points into device[] */
	char device[32];
	uint64_t timeout_ns;
	bool observing;

	struct vt_trace_printer *printer;

	struct vt_pcap_writer *file;
	struct sub *file_sub;          /* instead of file, on a pipe or socket */
	char *file_path;
	uint32_t file_snaplen;
	uint64_t file_records, file_drops;
	int file_error;

	struct sub *subs;
	uint64_t gone_records, gone_drops;   /* of subscribers already freed */

	struct rqueue q[VT_RECORDER_MAX_QUEUES];
	struct vt_timer *scan_t, *flush_t;
	bool flush_wanted;   /* records written since the last flush */
	int busy;

	struct pending_log pend[LOG_PENDING_MAX];
	unsigned npend;

	/* The record of the event being fanned out, encoded for enc_snaplen. */
	uint8_t *enc;
	size_t enc_len;
	uint32_t enc_snaplen;
	bool enc_valid;
};

static uint32_t norm_snaplen(uint32_t snaplen)
{
	return snaplen == 0 || snaplen > VT_REC_SNAPLEN_MAX ? VT_REC_SNAPLEN_MAX : snaplen;
}

/* The `trace` clients: the -w sink on a pipe is not one of them. */
static unsigned live_subs(const struct vt_recorder *r)
{
	unsigned n = 0;

	for (const struct sub *s = r->subs; s; s = s->next)
		n += !s->dead && !s->file;
	return n;
}

bool vt_recorder_listening(const struct vt_recorder *r)
{
	return r->printer || r->file || r->file_sub || live_subs(r);
}

/* ---- in-flight requests ---- */

/* The source keeps the in-flight lists (always, including requests made
 * before anyone listened). */
static bool source_lists(const struct vt_recorder *r)
{
	return r->src.ops && r->src.ops->inflight;
}

/* The queue's in-flight list: the source's own, or the one we feed from
 * its events. */
static struct vt_inflight_list *flist(const struct vt_recorder *r, unsigned q)
{
	if (source_lists(r))
		return r->src.ops->inflight(r->src.ctx, q);
	return (struct vt_inflight_list *)&r->q[q].own;
}

static void forget_own(struct vt_recorder *r)
{
	for (unsigned q = 0; q < VT_RECORDER_MAX_QUEUES; q++)
		vt_inflight_clear(&r->q[q].own);
}

static bool tracked(const struct vt_recorder *r, unsigned q)
{
	return q < VT_RECORDER_MAX_QUEUES && !(r->src.event_queues & (1u << q));
}

static void track_avail(struct vt_recorder *r, const struct vt_event *ev)
{
	/* Untracked on failure: never marked, nothing worse. */
	if (!source_lists(r))
		vt_inflight_add(&r->q[ev->queue].own, ev->head, ev->req_id, ev->t_ns);
}

/* The device's decoder says the completion failed (i2c ERR, gpio ERR, blk
 * IOERR, nothing written): what `top` counts as errors.  Decoded only
 * while someone listens, like the rest of the following. */
static bool completed_with_error(const struct vt_recorder *r, const struct vt_event *ev)
{
	static struct vt_decode_fields f;   /* ~1.5 KiB: not on the stack of every event */
	const struct vt_decoder *d = vt_decoder_find(r->src.virtio_id);

	if (!d || !d->fields)
		return false;
	memset(&f, 0, sizeof(f));
	d->fields(&f, ev->queue, ev->chain, true, ev->used_len);
	return f.status == VT_DECODE_ST_ERR;
}

/* Flags for a completion (the request is still in the list); *t_avail gets
 * its start. */
static uint32_t track_used(struct vt_recorder *r, const struct vt_event *ev, uint64_t *t_avail)
{
	struct rqueue *rq = &r->q[ev->queue];
	struct vt_inflight_list *l = flist(r, ev->queue);
	struct vt_inflight *f = l ? vt_inflight_at(l, ev->head) : NULL;
	uint32_t flags = 0;

	if (!f || f->req_id != ev->req_id)
		return 0;
	*t_avail = f->t_avail;
	if (f->marks & VT_INFL_TIMED_OUT) {
		flags |= VT_REC_F_TIMED_OUT | VT_REC_F_LATE;
		rq->late++;
	}
	const struct vt_inflight *o = vt_inflight_oldest(l);
	if (o && o != f) {
		flags |= VT_REC_F_OUT_OF_ORDER;
		rq->ooo++;
	}
	if (ev->chain && completed_with_error(r, ev))
		rq->errors++;
	if (!source_lists(r))
		vt_inflight_remove(l, ev->head);
	return flags;
}

/* ---- output: common ---- */

static void reap(struct vt_recorder *r);
static void schedule_flush(struct vt_recorder *r);
static void sub_push(struct sub *s, const uint8_t *rec, size_t len);

static size_t encode(struct vt_recorder *r, unsigned kind, const struct vt_event *ev, uint32_t flags,
		     uint32_t snaplen)
{
	if (r->enc_valid && r->enc_snaplen == snaplen)
		return r->enc_len;
	r->enc_len = vt_rec_encode_kind(kind, ev, r->src.virtio_id, r->src.instance, flags, snaplen, r->enc,
					VT_REC_SNAPLEN_MAX);
	r->enc_snaplen = snaplen;
	r->enc_valid = true;
	return r->enc_len;
}

static void file_failed(struct vt_recorder *r, int err)
{
	vt_err("trace: writing %s failed: %s; no longer recording to it", r->file_path, strerror(-err));
	if (!r->file_error)
		r->file_error = err;
	vt_pcap_close(r->file);
	r->file = NULL;
}

/* One record to every sink that takes records. */
static void out_record(struct vt_recorder *r, unsigned kind, const struct vt_event *ev, uint32_t flags)
{
	r->enc_valid = false;
	r->busy++;
	if (r->file) {
		size_t n = encode(r, kind, ev, flags, r->file_snaplen);
		if (n) {
			int e = vt_pcap_write(r->file, r->enc, n, vt_ld_le64(r->enc + 32));
			if (e < 0)
				file_failed(r, e);
			else
				r->file_records++;
		}
	}
	for (struct sub *s = r->subs; s; s = s->next) {
		if (s->dead)
			continue;
		size_t n = encode(r, kind, ev, flags, s->snaplen);
		uint64_t before = s->drops;
		if (n)
			sub_push(s, r->enc, n);
		/* A log line belongs to no queue. */
		if (s->drops != before && kind != VT_REC_LOG && ev->queue < VT_RECORDER_MAX_QUEUES)
			r->q[ev->queue].drops++;
	}
	/* --print: the record as a reader of the capture gets it, whole. */
	if (r->printer) {
		size_t n = encode(r, kind, ev, flags, VT_REC_SNAPLEN_MAX);
		if (n)
			vt_trace_printer_record(r->printer, r->enc, n);
	}
	r->busy--;
	schedule_flush(r);
}

/* ---- observer on/off ---- */

static void arm_scan(struct vt_recorder *r);

static void update_observer(struct vt_recorder *r)
{
	bool want = vt_recorder_listening(r);

	if (want == r->observing)
		return;
	r->observing = want;
	if (r->src.ops && r->src.ops->set_observer)
		r->src.ops->set_observer(r->src.ctx, want ? vt_recorder_event : NULL, want ? r : NULL);
	if (!want) {
		/* Events from now on go unseen: a list fed from them would only
		 * produce false timeouts later.  The source's stays right. */
		forget_own(r);
		if (r->scan_t) {
			vt_loop_timer_cancel(r->loop, r->scan_t);
			r->scan_t = NULL;
		}
	} else {
		arm_scan(r);   /* requests already in flight can time out too */
	}
}

/* ---- subscribers ---- */

static void sub_kill(struct sub *s)
{
	if (s->dead)
		return;
	s->dead = true;
	if (s->file) {
		struct vt_recorder *r = s->r;
		r->file_records = s->records;
		r->file_drops = s->drops;
		r->file_sub = NULL;
	}
	if (s->r->loop)
		vt_loop_del_fd(s->r->loop, s->fd);
	close(s->fd);
	s->fd = -1;
}

static void flush_all(struct vt_recorder *r);

static void record_pending_logs(struct vt_recorder *r);

static void reap(struct vt_recorder *r)
{
	if (r->busy)
		return;
	record_pending_logs(r);
	/* Without a loop (or a timer) the batch ends here. */
	if (r->flush_wanted && !r->flush_t)
		flush_all(r);
	for (struct sub **ps = &r->subs; *ps;) {
		struct sub *s = *ps;
		if (!s->dead) {
			ps = &s->next;
			continue;
		}
		*ps = s->next;
		r->gone_records += s->records;
		r->gone_drops += s->drops;
		free(s->buf);
		free(s);
	}
	update_observer(r);
}

static bool sub_room(const struct sub *s, size_t need)
{
	return s->len + need <= s->max;
}

static bool sub_append(struct sub *s, const void *data, size_t len)
{
	if (s->off + s->len + len > s->cap) {
		if (s->off)
			memmove(s->buf, s->buf + s->off, s->len);
		s->off = 0;
		if (s->len + len > s->cap) {
			size_t cap = s->cap ? s->cap : 16384;
			while (cap < s->len + len)
				cap *= 2;
			uint8_t *nb = realloc(s->buf, cap);
			if (!nb)
				return false;
			s->buf = nb;
			s->cap = cap;
		}
	}
	memcpy(s->buf + s->off + s->len, data, len);
	s->len += len;
	return true;
}

/* A record with its pcap packet header; the caller checked the room. */
static bool sub_append_rec(struct sub *s, const uint8_t *rec, size_t len)
{
	uint8_t h[PCAP_PKT_HDR];
	uint64_t ts = vt_ld_le64(rec + 32);

	vt_st_le32(h, (uint32_t)(ts / 1000000000u));
	vt_st_le32(h + 4, (uint32_t)(ts % 1000000000u));
	vt_st_le32(h + 8, (uint32_t)len);
	vt_st_le32(h + 12, (uint32_t)len);
	if (!sub_append(s, h, sizeof(h)))
		return false;
	if (!sub_append(s, rec, len)) {
		s->len -= sizeof(h);
		return false;
	}
	return true;
}

/* The count of dropped records, in band, if it fits now. */
static void sub_report_drops(struct sub *s)
{
	struct vt_recorder *r = s->r;
	uint8_t rec[DROPS_REC_MAX];
	char text[64];

	if (!s->pending_drops)
		return;
	snprintf(text, sizeof(text), "%" PRIu64 " records dropped", s->pending_drops);
	struct vt_event ev = { .t_ns = vt_now_ns(), .text = text };
	size_t n = vt_rec_encode_kind(VT_REC_DROPS, &ev, r->src.virtio_id, r->src.instance, 0, s->snaplen,
				      rec, sizeof(rec));
	if (n && sub_room(s, PCAP_PKT_HDR + n) && sub_append_rec(s, rec, n))
		s->pending_drops = 0;
}

static void sub_watch(struct sub *s)
{
	uint32_t ev = 0;

	if (s->dead || !s->r->loop)
		return;
	if (!s->rd_eof && s->sock)
		ev |= EPOLLIN;
	if (s->len)
		ev |= EPOLLOUT;
	if (ev != s->events && vt_loop_mod_fd(s->r->loop, s->fd, ev) == 0)
		s->events = ev;
}

static void sub_flush(struct sub *s)
{
	for (int round = 0; round < 2 && !s->dead; round++) {
		while (s->len) {
			ssize_t n = s->sock ? send(s->fd, s->buf + s->off, s->len, MSG_NOSIGNAL | MSG_DONTWAIT)
					    : write(s->fd, s->buf + s->off, s->len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (n <= 0) {
				if (s->file && !s->r->file_error) {
					s->r->file_error = n < 0 ? -errno : -EPIPE;
					vt_err("trace: writing %s failed: %s; no longer recording to it",
					       s->r->file_path, strerror(-s->r->file_error));
				}
				sub_kill(s);   /* EPIPE, ECONNRESET: the reader left */
				return;
			}
			s->off += (size_t)n;
			s->len -= (size_t)n;
		}
		if (!s->len)
			s->off = 0;
		/* Room again: the reader learns what it missed before anything
		 * newer (then one more round to send it). */
		if (!s->pending_drops)
			break;
		sub_report_drops(s);
	}
	sub_watch(s);
}

static void sub_push(struct sub *s, const uint8_t *rec, size_t len)
{
	sub_report_drops(s);
	/* While a drop count is still unsaid, later records are dropped too:
	 * the DROPS record must stand where the gap is. */
	if (s->pending_drops || !sub_room(s, PCAP_PKT_HDR + len) || !sub_append_rec(s, rec, len)) {
		s->pending_drops++;
		s->drops++;
		return;
	}
	s->records++;
	/* Big batches: start sending before the end of the batch. */
	if (s->len > s->max / 2)
		sub_flush(s);
}

static void on_sub(struct vt_loop *loop, int fd, uint32_t events, void *arg)
{
	struct sub *s = arg;
	struct vt_recorder *r = s->r;

	(void)loop;
	r->busy++;
	if (events & EPOLLIN) {
		/* Nothing is expected from the reader; a half-close only ends
		 * our reading (it may still want the stream). */
		char junk[512];
		for (;;) {
			ssize_t n = recv(fd, junk, sizeof(junk), MSG_DONTWAIT);
			if (n > 0)
				continue;
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0)
				s->rd_eof = true;
			else if (errno != EAGAIN && errno != EWOULDBLOCK)
				sub_kill(s);
			break;
		}
	}
	if (events & (EPOLLERR | EPOLLHUP)) {
		if (s->file && !r->file_error) {
			r->file_error = -EPIPE;
			vt_err("trace: writing %s failed: %s; no longer recording to it", r->file_path,
			       strerror(EPIPE));
		}
		sub_kill(s);   /* both directions shut: the reader is gone */
	}
	if (!s->dead && (events & EPOLLOUT))
		sub_flush(s);
	else
		sub_watch(s);
	r->busy--;
	reap(r);
}

static bool new_sub(struct vt_recorder *r, int fd, uint32_t snaplen, size_t max_bytes,
		    const void *prefix, size_t prefixlen, bool file, int *rc);

int vt_recorder_subscribe(struct vt_recorder *r, int fd, uint32_t snaplen, size_t max_bytes,
			  const void *prefix, size_t prefixlen)
{
	int rc;

	if (live_subs(r) >= VT_RECORDER_SUBS_MAX) {
		close(fd);
		return -EUSERS;
	}
	new_sub(r, fd, snaplen, max_bytes, prefix, prefixlen, false, &rc);
	return rc;
}

/* A subscriber on fd (owned from now on; file: the -w sink), or false
 * with *rc = -errno (fd closed). */
static bool new_sub(struct vt_recorder *r, int fd, uint32_t snaplen, size_t max_bytes,
		    const void *prefix, size_t prefixlen, bool file, int *rc)
{
	struct sub *s = calloc(1, sizeof(*s));
	uint8_t h[PCAP_FILE_HDR];
	struct stat st;
	int fl;

	snaplen = norm_snaplen(snaplen);
	*rc = !s ? -ENOMEM : snaplen < VT_REC_HDR_LEN ? -EINVAL : 0;
	fl = *rc ? -1 : fcntl(fd, F_GETFL);
	if (!*rc && (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0))
		*rc = -errno;
	if (*rc)
		goto fail;
	s->r = r;
	s->fd = fd;
	s->snaplen = snaplen;
	s->max = max_bytes ? max_bytes : VT_RECORDER_SUB_MAX;
	s->sock = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
	s->file = file;
	/* The pcap file header (nanosecond magic a1b23c4d, version 2.4),
	 * little-endian like everything of ours. */
	vt_st_le32(h, 0xa1b23c4du);
	vt_st_le16(h + 4, 2);
	vt_st_le16(h + 6, 4);
	vt_st_le32(h + 8, 0);
	vt_st_le32(h + 12, 0);
	vt_st_le32(h + 16, snaplen);
	vt_st_le32(h + 20, VT_PCAP_LINKTYPE_USER0);
	if ((prefixlen && !sub_append(s, prefix, prefixlen)) || !sub_append(s, h, sizeof(h))) {
		*rc = -ENOMEM;
		goto fail;
	}
	/* A pipe's write end has nothing to read: only errors and room. */
	s->events = s->sock ? EPOLLIN : 0;
	if (r->loop && (*rc = vt_loop_add_fd(r->loop, fd, s->events, on_sub, s)) < 0)
		goto fail;
	s->next = r->subs;
	r->subs = s;
	if (file)
		r->file_sub = s;
	update_observer(r);
	r->busy++;
	sub_flush(s);
	r->busy--;
	reap(r);
	return true;
fail:
	if (s)
		free(s->buf);
	free(s);
	close(fd);
	return false;
}

/* ---- batching ---- */

static void flush_all(struct vt_recorder *r)
{
	r->flush_wanted = false;
	r->busy++;
	if (r->file) {
		int e = vt_pcap_flush(r->file);
		if (e < 0)
			file_failed(r, e);
	}
	for (struct sub *s = r->subs; s; s = s->next)
		if (!s->dead && (s->len || s->pending_drops))
			sub_flush(s);
	r->busy--;
	reap(r);
}

static void on_flush(struct vt_loop *loop, void *arg)
{
	struct vt_recorder *r = arg;

	(void)loop;
	r->flush_t = NULL;   /* fired: the loop frees it */
	flush_all(r);
}

static void schedule_flush(struct vt_recorder *r)
{
	r->flush_wanted = true;
	if (!r->flush_t && r->loop)
		r->flush_t = vt_loop_timer(r->loop, 0, on_flush, r);
	/* else reap() flushes once nothing of ours is on the stack */
}

/* ---- timeouts ---- */

static void on_scan(struct vt_loop *loop, void *arg);

static void arm_scan(struct vt_recorder *r)
{
	uint64_t first = UINT64_MAX;

	if (!r->loop || r->scan_t || !r->observing)
		return;
	for (unsigned q = 0; q < VT_RECORDER_MAX_QUEUES; q++) {
		const struct vt_inflight_list *l = tracked(r, q) ? flist(r, q) : NULL;
		/* In start order: the first one not yet reported is due first. */
		for (const struct vt_inflight *f = l ? vt_inflight_oldest(l) : NULL; f;
		     f = vt_inflight_next(l, f)) {
			if (f->marks & VT_INFL_TIMED_OUT)
				continue;
			if (f->t_avail < first)
				first = f->t_avail;
			break;
		}
	}
	if (first == UINT64_MAX)
		return;   /* nothing in flight that can still time out */
	uint64_t deadline = first + r->timeout_ns, now = vt_now_ns();
	r->scan_t = vt_loop_timer(r->loop, deadline > now ? deadline - now : 0, on_scan, r);
}

static void on_scan(struct vt_loop *loop, void *arg)
{
	struct vt_recorder *r = arg;

	(void)loop;
	r->scan_t = NULL;
	vt_recorder_scan(r, vt_now_ns());
	arm_scan(r);
}

static void emit_timeout(struct vt_recorder *r, unsigned q, const struct vt_inflight *e, uint64_t now)
{
	struct vt_chain c;
	char text[96];
	uint64_t age = now - e->t_avail;

	snprintf(text, sizeof(text), "in flight for %" PRIu64 " ms (threshold %" PRIu64 " ms)",
		 age / 1000000u, r->timeout_ns / 1000000u);
	struct vt_event ev = {
		.queue = q, .head = e->head, .req_id = e->req_id, .t_ns = now, .latency_ns = age,
		.text = text,
	};
	/* What is stuck, when the source can still show it. */
	if (r->src.ops && r->src.ops->chain && r->src.ops->chain(r->src.ctx, q, e->head, &c) == 0)
		ev.chain = &c;
	out_record(r, VT_REC_TIMEOUT, &ev, VT_REC_F_TIMED_OUT);
}

void vt_recorder_scan(struct vt_recorder *r, uint64_t now_ns)
{
	r->busy++;
	for (unsigned q = 0; q < VT_RECORDER_MAX_QUEUES; q++) {
		struct vt_inflight_list *l = tracked(r, q) ? flist(r, q) : NULL;
		struct vt_inflight *f = l ? vt_inflight_oldest(l) : NULL;
		for (; f; f = vt_inflight_next(l, f)) {
			if (f->marks & VT_INFL_TIMED_OUT)
				continue;
			if (now_ns < f->t_avail || now_ns - f->t_avail < r->timeout_ns)
				break;   /* the rest started later */
			f->marks |= VT_INFL_TIMED_OUT;
			r->q[q].timeouts++;
			struct vt_inflight copy = *f;
			emit_timeout(r, q, &copy, now_ns);
		}
	}
	r->busy--;
	reap(r);
}

/* ---- events ---- */

void vt_recorder_event(void *arg, const struct vt_event *ev)
{
	struct vt_recorder *r = arg;
	uint64_t t_avail = 0;
	uint32_t flags = 0;

	r->busy++;
	switch (ev->kind) {
	case VT_EV_AVAIL:
		if (tracked(r, ev->queue))
			track_avail(r, ev);
		break;
	case VT_EV_USED:
		if (tracked(r, ev->queue))
			flags = track_used(r, ev, &t_avail);
		break;
	case VT_EV_DISCONNECT:
		forget_own(r);   /* the rings stopped with the connection */
		break;
	default:
		break;
	}
	out_record(r, vt_rec_kind_of_event(ev->kind), ev, flags);
	if (flags & VT_REC_F_LATE) {
		char text[96];
		uint64_t lat = ev->t_ns > t_avail ? ev->t_ns - t_avail : 0;
		snprintf(text, sizeof(text), "completed after %" PRIu64 " ms (threshold %" PRIu64 " ms)",
			 lat / 1000000u, r->timeout_ns / 1000000u);
		struct vt_event le = {
			.queue = ev->queue, .head = ev->head, .req_id = ev->req_id, .t_ns = ev->t_ns,
			.latency_ns = lat, .used_len = ev->used_len, .text = text,
			.chain = ev->chain,   /* what completed, decoded like its USED */
		};
		out_record(r, VT_REC_LATE, &le, VT_REC_F_TIMED_OUT | VT_REC_F_LATE);
	}
	r->busy--;
	reap(r);
	if (ev->kind == VT_EV_AVAIL)
		arm_scan(r);
}

void vt_recorder_irq(struct vt_recorder *r, unsigned queue, const char *text)
{
	if (!r || !vt_recorder_listening(r))
		return;
	struct vt_event ev = { .queue = queue, .t_ns = vt_now_ns(), .text = text };
	r->busy++;
	out_record(r, VT_REC_IRQ_INJECTED, &ev, 0);
	r->busy--;
	reap(r);
}

/* ---- log lines ---- */

static void record_log(struct vt_recorder *r, int level, uint64_t t_ns, const char *text)
{
	struct vt_event ev = { .t_ns = t_ns, .text = text };

	r->busy++;
	out_record(r, VT_REC_LOG, &ev, vt_rec_level_flags(level));
	r->busy--;
}

/* Once nothing of ours is on the stack (reap): the lines kept meanwhile,
 * in their order.  Recording one may keep another (a failed write): the
 * loop takes it too. */
static void record_pending_logs(struct vt_recorder *r)
{
	while (r->npend) {
		struct pending_log p = r->pend[0];
		memmove(r->pend, r->pend + 1, --r->npend * sizeof(r->pend[0]));
		if (vt_recorder_listening(r))
			record_log(r, p.level, p.t_ns, p.text);
		free(p.text);
	}
}

void vt_recorder_log(void *arg, int level, const char *msg)
{
	struct vt_recorder *r = arg;

	if (!r || !vt_recorder_listening(r))
		return;
	/* A line logged from inside the recorder (file_failed(), while a
	 * record is on its way to the sinks and r->enc holds it) waits: the
	 * sinks get records whole and one at a time.  Beyond the few kept, it
	 * is on stderr only. */
	if (r->busy) {
		if (r->npend < LOG_PENDING_MAX) {
			char *copy = strdup(msg);
			if (copy)
				r->pend[r->npend++] = (struct pending_log){ level, vt_now_ns(), copy };
		}
		return;
	}
	record_log(r, level, vt_now_ns(), msg);
	reap(r);
}

/* ---- file and printer sinks ---- */

void vt_recorder_set_printer(struct vt_recorder *r, struct vt_trace_printer *p)
{
	r->printer = p;
	update_observer(r);
}

int vt_recorder_open_file(struct vt_recorder *r, const char *path, uint32_t snaplen,
			  char *err, size_t errlen)
{
	snaplen = norm_snaplen(snaplen);
	if (snaplen < VT_REC_HDR_LEN) {
		snprintf(err, errlen, "snaplen %u is below the record header (%d bytes)", snaplen,
			 VT_REC_HDR_LEN);
		return -1;
	}
	if (r->file || r->file_sub) {
		snprintf(err, errlen, "already writing %s", r->file_path);
		return -1;
	}
	free(r->file_path);
	r->file_path = strdup(strcmp(path, "-") ? path : "standard output");
	if (!r->file_path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->file_snaplen = snaplen;
	r->file_records = r->file_drops = 0;
	r->file_error = 0;
	/* A pipe, FIFO or socket: the non-blocking sink (opening a FIFO waits
	 * for its reader, as tcpdump -w does). */
	struct stat st;
	int fd = -1, rc;
	if (!strcmp(path, "-"))
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
	else if (stat(path, &st) == 0 && S_ISFIFO(st.st_mode))
		fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) && r->loop) {
		if (!new_sub(r, fd, snaplen, 0, NULL, 0, true, &rc)) {
			snprintf(err, errlen, "%s: %s", r->file_path, strerror(-rc));
			return -1;
		}
		return 0;
	}
	if (fd >= 0)
		close(fd);
	r->file = vt_pcap_open_write(path, VT_PCAP_LINKTYPE_USER0, snaplen, err, errlen);
	if (!r->file)
		return -1;
	update_observer(r);
	return 0;
}

/* At exit, what the pipe's reader has not taken yet gets a last chance:
 * up to a second of waiting, then it is lost (and said so). */
static void file_sub_drain(struct sub *s)
{
	uint64_t end = vt_now_ns() + 1000000000u;

	while (!s->dead && s->len) {
		struct pollfd p = { .fd = s->fd, .events = POLLOUT };
		int ms = vt_ms_until(end);
		if (!ms || poll(&p, 1, ms) <= 0)
			break;
		sub_flush(s);
	}
	if (!s->dead && s->len)
		vt_warn("trace: %s: its reader did not take the last %zu bytes", s->r->file_path, s->len);
}

int vt_recorder_close_file(struct vt_recorder *r)
{
	int e = r->file ? vt_pcap_close(r->file) : 0;

	r->file = NULL;
	if (r->file_sub) {
		r->busy++;
		file_sub_drain(r->file_sub);
		sub_kill(r->file_sub);
		r->busy--;
		reap(r);
	}
	if (!e)
		e = r->file_error;
	update_observer(r);
	return e;
}

/* ---- lifetime and counters ---- */

struct vt_recorder *vt_recorder_new(struct vt_loop *loop, const struct vt_trace_source *src,
				    const struct vt_recorder_conf *conf)
{
	struct vt_recorder *r = calloc(1, sizeof(*r));

	if (!r || !(r->enc = malloc(VT_REC_SNAPLEN_MAX))) {
		free(r);
		return NULL;
	}
	r->loop = loop;
	r->src = *src;
	snprintf(r->device, sizeof(r->device), "%s", src->device ? src->device : "?");
	r->src.device = r->device;
	r->timeout_ns = (conf && conf->timeout_ms ? conf->timeout_ms : VT_RECORDER_TIMEOUT_MS) * 1000000u;
	for (unsigned q = 0; q < VT_RECORDER_MAX_QUEUES; q++)
		vt_inflight_init(&r->q[q].own, 0);
	return r;
}

int vt_recorder_free(struct vt_recorder *r)
{
	if (!r)
		return 0;
	if (r->flush_t)
		vt_loop_timer_cancel(r->loop, r->flush_t);
	if (r->scan_t)
		vt_loop_timer_cancel(r->loop, r->scan_t);
	r->flush_t = r->scan_t = NULL;
	int e = vt_recorder_close_file(r);   /* the pipe sink first: it may wait a little */
	/* What is queued for subscribers goes out if it can, without waiting. */
	for (struct sub *s = r->subs; s; s = s->next) {
		r->busy++;
		if (!s->dead)
			sub_flush(s);
		sub_kill(s);
		r->busy--;
	}
	r->printer = NULL;
	reap(r);   /* and unsets the observer */
	for (unsigned q = 0; q < VT_RECORDER_MAX_QUEUES; q++)
		vt_inflight_free(&r->q[q].own);
	for (unsigned i = 0; i < r->npend; i++)
		free(r->pend[i].text);
	free(r->file_path);
	free(r->enc);
	free(r);
	return e;
}

int vt_recorder_queue_stats(const struct vt_recorder *r, unsigned q, struct vt_recorder_qstats *st)
{
	if (q >= VT_RECORDER_MAX_QUEUES)
		return -1;
	const struct rqueue *rq = &r->q[q];
	const struct vt_inflight_list *l = tracked(r, q) ? flist(r, q) : NULL;
	*st = (struct vt_recorder_qstats){
		.inflight = l ? l->n : 0, .timeouts = rq->timeouts, .late = rq->late,
		.out_of_order = rq->ooo, .errors = rq->errors, .drops = rq->drops,
	};
	return 0;
}

void vt_recorder_reset_counters(struct vt_recorder *r)
{
	for (unsigned q = 0; q < VT_RECORDER_MAX_QUEUES; q++)
		r->q[q].timeouts = r->q[q].late = r->q[q].ooo = r->q[q].errors = r->q[q].drops = 0;
}

void vt_recorder_stats(const struct vt_recorder *r, struct vt_recorder_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->timeout_ms = r->timeout_ns / 1000000u;
	st->nqueues = VT_RECORDER_MAX_QUEUES;
	if (r->src.num_queues && r->src.num_queues < st->nqueues)
		st->nqueues = r->src.num_queues;
	st->sub_records = r->gone_records;
	st->sub_drops = r->gone_drops;
	st->subscribers = live_subs(r);
	for (const struct sub *s = r->subs; s; s = s->next) {
		st->sub_records += s->records;
		st->sub_drops += s->drops;
	}
	st->file = r->file || r->file_sub ? r->file_path : NULL;
	st->file_records = r->file_sub ? r->file_sub->records : r->file_records;
	st->file_drops = r->file_sub ? r->file_sub->drops : r->file_drops;
	st->file_error = r->file_error;
	if (r->printer) {
		st->print = true;
		st->print_lines = r->printer->lines;
		st->print_lost = r->printer->lost;
		st->print_error = r->printer->error;
	}
}

const char *vt_recorder_device(const struct vt_recorder *r)
{
	return r->device;
}

uint32_t vt_recorder_virtio_id(const struct vt_recorder *r)
{
	return r->src.virtio_id;
}
