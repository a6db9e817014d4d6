/* Trace records: encoder from backend events, bounds-checked parser, and the
 * bridge back to a vt_chain for the decoders.  Layout: record.h and
 * man/vitool-pcap.5.
 *
 * The parser treats its input as hostile (a pcap file from anywhere): every
 * field is read through ld8/ld16/... at offsets proven inside the record
 * first, and every sum of lengths is done in 64 bits from 32-bit inputs, so
 * nothing can wrap. */
#include "trace/record.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/bytes.h"
#include "util/log.h"

/* Field offsets of the version-1 fixed header (man/vitool-pcap.5). */
enum {
	OFF_VERSION = 0,
	OFF_KIND = 1,
	OFF_HEADER_LEN = 2,
	OFF_FLAGS = 4,
	OFF_VIRTIO_ID = 8,
	OFF_INSTANCE = 12,
	OFF_QUEUE = 14,
	OFF_HEAD = 16,
	OFF_NSEG = 18,
	OFF_USED_LEN = 20,
	OFF_REQ_ID = 24,
	OFF_TS_NS = 32,
	OFF_LATENCY_NS = 40,
	OFF_VHOST_REQUEST = 48,
	OFF_CAPLEN = 52,
	OFF_ORIGLEN = 56,
	OFF_TEXTLEN = 60,
};
_Static_assert(OFF_TEXTLEN + 4 == VT_REC_HDR_LEN, "fixed header layout");

/* The VHOST_MSG header of version 2, after the fixed header. */
enum {
	OFF_MSG_DIR = 64,
	OFF_MSG_NFDS = 65,
	OFF_MSG_FLAGS = 68,
	OFF_MSG_SIZE = 72,
	OFF_MSG_END = 80,
};
_Static_assert(OFF_MSG_END == VT_REC_MSG_HDR_LEN, "message header layout");

/* Protocol limits a recorded message must keep (vhost/proto.h; repeated
 * here so records do not depend on the vhost code). */
#define MSG_MAX_FDS 8
#define MSG_MAX_PAYLOAD 4096
#define MSG_FLAG_REPLY (1u << 2)
#define MSG_FLAG_NEED_REPLY (1u << 3)

/* Segment table entry. */
enum { SEG_FLAGS = 0, SEG_LEN = 4, SEG_CAPLEN = 8 };

#define ENCODER_FLAGS (VT_REC_F_TRUNCATED | VT_REC_F_NO_CHAIN | VT_REC_F_INDIRECT)

static const char *const kind_names[] = {
	[VT_REC_AVAIL] = "avail",
	[VT_REC_USED] = "used",
	[VT_REC_KICK] = "kick",
	[VT_REC_CALL] = "call",
	[VT_REC_IRQ_INJECTED] = "irq",
	[VT_REC_TIMEOUT] = "timeout",
	[VT_REC_LATE] = "late",
	[VT_REC_VHOST_MSG] = "vhost-msg",
	[VT_REC_CONFIG] = "config",
	[VT_REC_RING_ERROR] = "ring-error",
	[VT_REC_CONNECT] = "connect",
	[VT_REC_DISCONNECT] = "disconnect",
	[VT_REC_DROPS] = "drops",
	[VT_REC_LOG] = "log",
};

const char *vt_rec_kind_name(unsigned kind)
{
	static char other[24];

	if (kind < VT_ARRAY_SIZE(kind_names) && kind_names[kind])
		return kind_names[kind];
	snprintf(other, sizeof(other), "kind-%u", kind);
	return other;
}

/* LOG levels are log.h's numbers: the file format depends on them. */
_Static_assert(VT_LOG_ERR == 0 && VT_LOG_WARN == 1 && VT_LOG_INFO == 2 && VT_LOG_DEBUG == 3,
	       "LOG record levels");
static const char *const level_names[] = { "error", "warning", "info", "debug" };

int vt_rec_log_level(const struct vt_rec *r)
{
	if (r->kind != VT_REC_LOG)
		return -1;
	return (int)((r->flags & VT_REC_F_LEVEL_MASK) >> VT_REC_F_LEVEL_SHIFT);
}

const char *vt_rec_level_name(int level)
{
	return level >= 0 && (size_t)level < VT_ARRAY_SIZE(level_names) ? level_names[level] : NULL;
}

uint32_t vt_rec_level_flags(int level)
{
	unsigned l = level < 0 ? 0 : level > 3 ? 3 : (unsigned)level;

	return (uint32_t)l << VT_REC_F_LEVEL_SHIFT;
}

unsigned vt_rec_kind_of_event(enum vt_event_kind k)
{
	/* No default: -Wswitch then flags a new event kind that has no record
	 * kind yet. */
	switch (k) {
	case VT_EV_AVAIL: return VT_REC_AVAIL;
	case VT_EV_USED: return VT_REC_USED;
	case VT_EV_KICK: return VT_REC_KICK;
	case VT_EV_CALL: return VT_REC_CALL;
	case VT_EV_RING_ERROR: return VT_REC_RING_ERROR;
	case VT_EV_VHOST_MSG: return VT_REC_VHOST_MSG;
	case VT_EV_CONNECT: return VT_REC_CONNECT;
	case VT_EV_DISCONNECT: return VT_REC_DISCONNECT;
	}
	return 0;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t vt_rec_wallclock_ns(uint64_t mono_ns)
{
	/* Events carry the monotonic clock (intervals survive clock steps);
	 * files want wall time so captures from different runs line up.  The
	 * offset is taken now: a clock step between the event and this call
	 * shifts the record by the step, as it would in tcpdump. */
	uint64_t mono = clock_ns(CLOCK_MONOTONIC);
	uint64_t real = clock_ns(CLOCK_REALTIME);
	uint64_t age = mono >= mono_ns ? mono - mono_ns : 0;

	return real >= age ? real - age : 0;
}

size_t vt_rec_encode(const struct vt_event *ev, uint32_t virtio_id, uint16_t instance,
		     uint32_t flags, uint32_t snaplen, uint8_t *buf, size_t buflen)
{
	return vt_rec_encode_kind(vt_rec_kind_of_event(ev->kind), ev, virtio_id, instance, flags,
				  snaplen, buf, buflen);
}

size_t vt_rec_encode_kind(unsigned kind, const struct vt_event *ev, uint32_t virtio_id,
			  uint16_t instance, uint32_t flags, uint32_t snaplen, uint8_t *buf,
			  size_t buflen)
{
	size_t room = buflen;

	if (snaplen && snaplen < room)
		room = snaplen;
	if (room > UINT32_MAX)
		room = UINT32_MAX;   /* caplen and textlen are le32 */
	/* A message with its direction gets the message header, and its
	 * payload travels as a one-segment chain: readers that only know the
	 * chain (version 1 readers, the segment dump of -v) still show it. */
	bool msg = kind == VT_REC_VHOST_MSG && ev->msg_dir;
	size_t hdr = msg ? VT_REC_MSG_HDR_LEN : VT_REC_HDR_LEN;
	struct vt_seg mseg;
	struct vt_chain mchain;

	if (!kind || kind > UINT8_MAX || room < hdr)
		return 0;
	flags &= ~ENCODER_FLAGS;

	/* Only AVAIL and USED promise a chain; a missing one is worth saying. */
	const struct vt_chain *c = ev->chain;
	if (msg) {
		mseg = (struct vt_seg){ .ptr = (uint8_t *)(uintptr_t)ev->msg_payload, .len = ev->msg_size };
		mchain = (struct vt_chain){ .nread = 1, .read_len = ev->msg_size, .seg = &mseg };
		c = &mchain;
	}
	if (!c && (kind == VT_REC_AVAIL || kind == VT_REC_USED))
		flags |= VT_REC_F_NO_CHAIN;

	size_t nseg = c ? (size_t)c->nread + c->nwrite : 0;
	uint64_t orig = 0;
	for (size_t i = 0; i < nseg; i++)
		orig += c->seg[i].len;   /* <= 2^16 * 2^32: no wrap in 64 bits */
	if (c && c->indirect)
		flags |= VT_REC_F_INDIRECT;
	/* A table that cannot fit is dropped whole (a partial table would
	 * misstate the chain); the record still says how big the chain was. */
	if (nseg > UINT16_MAX || nseg > (room - hdr) / VT_REC_SEG_LEN) {
		if (nseg)
			flags |= VT_REC_F_NO_CHAIN | VT_REC_F_TRUNCATED;
		nseg = 0;
	}
	size_t pos = hdr + nseg * VT_REC_SEG_LEN;

	/* The text is the whole point of its kinds: it gets space before the
	 * payload.  Cut, it keeps its NUL. */
	size_t textlen = 0;
	if (ev->text) {
		size_t want = strnlen(ev->text, UINT16_MAX) + 1;
		textlen = want <= room - pos ? want : room - pos;
		if (textlen < want)
			flags |= VT_REC_F_TRUNCATED;
	}
	size_t budget = room - pos - textlen;

	uint64_t used_left = kind == VT_REC_USED || kind == VT_REC_LATE ? ev->used_len : 0;
	size_t caplen = 0;
	for (size_t i = 0; i < nseg; i++) {
		const struct vt_seg *s = &c->seg[i];
		uint32_t want = s->len;
		if (s->writable) {
			/* Writable bytes mean something only once the device
			 * wrote them: the first used_len of them, at USED (and
			 * LATE, a late USED). */
			if (want > used_left)
				want = (uint32_t)used_left;
			used_left -= want;
		}
		if (!s->ptr)
			want = 0;
		uint32_t cap = want <= budget ? want : (uint32_t)budget;
		if (cap < want)
			flags |= VT_REC_F_TRUNCATED;
		uint8_t *e = buf + hdr + i * VT_REC_SEG_LEN;
		e[SEG_FLAGS] = s->writable ? VT_REC_SEG_WRITABLE : 0;
		e[1] = e[2] = e[3] = 0;
		vt_st_le32(e + SEG_LEN, s->len);
		vt_st_le32(e + SEG_CAPLEN, cap);
		if (cap)
			memcpy(buf + pos, s->ptr, cap);
		pos += cap;
		budget -= cap;
		caplen += cap;
	}
	if (textlen) {
		memcpy(buf + pos, ev->text, textlen - 1);
		buf[pos + textlen - 1] = '\0';
		pos += textlen;
	}

	buf[OFF_VERSION] = VT_REC_VERSION;
	buf[OFF_KIND] = (uint8_t)kind;
	vt_st_le16(buf + OFF_HEADER_LEN, (uint16_t)hdr);
	vt_st_le32(buf + OFF_FLAGS, flags);
	vt_st_le32(buf + OFF_VIRTIO_ID, virtio_id);
	vt_st_le16(buf + OFF_INSTANCE, instance);
	vt_st_le16(buf + OFF_QUEUE, (uint16_t)ev->queue);
	vt_st_le16(buf + OFF_HEAD, ev->head);
	vt_st_le16(buf + OFF_NSEG, (uint16_t)nseg);
	vt_st_le32(buf + OFF_USED_LEN, ev->used_len);
	vt_st_le64(buf + OFF_REQ_ID, ev->req_id);
	vt_st_le64(buf + OFF_TS_NS, vt_rec_wallclock_ns(ev->t_ns));
	vt_st_le64(buf + OFF_LATENCY_NS, ev->latency_ns);
	vt_st_le32(buf + OFF_VHOST_REQUEST, kind == VT_REC_VHOST_MSG ? ev->request : 0);
	vt_st_le32(buf + OFF_CAPLEN, (uint32_t)caplen);  /* <= room <= buflen: fits when buflen does */
	vt_st_le32(buf + OFF_ORIGLEN, orig > UINT32_MAX ? UINT32_MAX : (uint32_t)orig);
	vt_st_le32(buf + OFF_TEXTLEN, (uint32_t)textlen);
	if (msg) {
		buf[OFF_MSG_DIR] = ev->msg_dir;
		buf[OFF_MSG_NFDS] = ev->msg_nfds;
		memset(buf + OFF_MSG_NFDS + 1, 0, 2);
		vt_st_le32(buf + OFF_MSG_FLAGS, ev->msg_flags);
		vt_st_le32(buf + OFF_MSG_SIZE, ev->msg_size);
		memset(buf + OFF_MSG_SIZE + 4, 0, 4);
	}
	return pos;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int vt_rec_parse(const uint8_t *buf, size_t len, struct vt_rec *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if (len < VT_REC_HDR_LEN)
		return fail(err, errlen, "record too short: %zu bytes, the fixed header is %d", len,
			    VT_REC_HDR_LEN);
	/* From here the fixed header [0, 64) is known to be inside buf. */
	r->version = buf[OFF_VERSION];
	r->kind = buf[OFF_KIND];
	r->header_len = vt_ld_le16(buf + OFF_HEADER_LEN);
	if (r->version == 0)
		return fail(err, errlen, "bad record: version 0");
	if (r->header_len < VT_REC_HDR_LEN)
		return fail(err, errlen, "bad record: header_len %u is shorter than the fixed header (%d)",
			    r->header_len, VT_REC_HDR_LEN);
	if (r->header_len > len)
		return fail(err, errlen, "bad record: header_len %u runs past the end of the record (%zu bytes)",
			    r->header_len, len);
	r->flags = vt_ld_le32(buf + OFF_FLAGS);
	r->virtio_id = vt_ld_le32(buf + OFF_VIRTIO_ID);
	r->instance = vt_ld_le16(buf + OFF_INSTANCE);
	r->queue = vt_ld_le16(buf + OFF_QUEUE);
	r->head = vt_ld_le16(buf + OFF_HEAD);
	r->nseg = vt_ld_le16(buf + OFF_NSEG);
	r->used_len = vt_ld_le32(buf + OFF_USED_LEN);
	r->req_id = vt_ld_le64(buf + OFF_REQ_ID);
	r->ts_ns = vt_ld_le64(buf + OFF_TS_NS);
	r->latency_ns = vt_ld_le64(buf + OFF_LATENCY_NS);
	r->vhost_request = vt_ld_le32(buf + OFF_VHOST_REQUEST);
	r->caplen = vt_ld_le32(buf + OFF_CAPLEN);
	r->origlen = vt_ld_le32(buf + OFF_ORIGLEN);
	r->textlen = vt_ld_le32(buf + OFF_TEXTLEN);
	/* header_len <= len was checked: the message header is inside too. */
	if (r->version >= 2 && r->kind == VT_REC_VHOST_MSG && r->header_len >= VT_REC_MSG_HDR_LEN) {
		r->has_msg = true;
		r->msg_dir = buf[OFF_MSG_DIR];
		r->msg_nfds = buf[OFF_MSG_NFDS];
		r->msg_flags = vt_ld_le32(buf + OFF_MSG_FLAGS);
		r->msg_size = vt_ld_le32(buf + OFF_MSG_SIZE);
	}

	/* Segment table: header_len is a u16 and nseg*12 < 2^20, so the
	 * 64-bit arithmetic in vt_range_ok cannot wrap. */
	uint64_t tab_len = (uint64_t)r->nseg * VT_REC_SEG_LEN;
	if (!vt_range_ok(r->header_len, tab_len, len))
		return fail(err, errlen,
			    "bad record: segment table (%u segments, %llu bytes at %u) runs past the end of the record (%zu bytes)",
			    r->nseg, (unsigned long long)tab_len, r->header_len, len);
	r->segtab = buf + r->header_len;

	uint64_t sum_cap = 0, sum_len = 0;
	bool seen_writable = false;
	for (unsigned i = 0; i < r->nseg; i++) {
		const uint8_t *e = r->segtab + (size_t)i * VT_REC_SEG_LEN;
		bool w = e[SEG_FLAGS] & VT_REC_SEG_WRITABLE;
		uint32_t slen = vt_ld_le32(e + SEG_LEN);
		uint32_t scap = vt_ld_le32(e + SEG_CAPLEN);
		if (scap > slen)
			return fail(err, errlen, "bad record: segment %u captures %u bytes of %u", i, scap, slen);
		/* vt_rec_chain() splits the table into readable then writable,
		 * the order every chain has. */
		if (!w && seen_writable)
			return fail(err, errlen, "bad record: segment %u is readable after a writable one", i);
		seen_writable |= w;
		if (w) {
			r->nwrite++;
			r->write_len += slen;
		} else {
			r->nread++;
			r->read_len += slen;
		}
		sum_cap += scap;   /* < 2^16 * 2^32 */
		sum_len += slen;
	}
	if (sum_cap != r->caplen)
		return fail(err, errlen, "bad record: segments capture %llu bytes but caplen is %u",
			    (unsigned long long)sum_cap, r->caplen);
	/* Without a table (NO_CHAIN) origlen still tells the chain's size. */
	uint32_t want_orig = sum_len > UINT32_MAX ? UINT32_MAX : (uint32_t)sum_len;
	if (r->nseg && r->origlen != want_orig)
		return fail(err, errlen, "bad record: segment lengths add up to %llu but origlen is %u",
			    (unsigned long long)sum_len, r->origlen);

	uint64_t off = r->header_len + tab_len;
	if (!vt_range_ok(off, r->caplen, len))
		return fail(err, errlen,
			    "bad record: payload (%u bytes at %llu) runs past the end of the record (%zu bytes)",
			    r->caplen, (unsigned long long)off, len);
	r->payload = buf + off;
	off += r->caplen;
	if (!vt_range_ok(off, r->textlen, len))
		return fail(err, errlen,
			    "bad record: text (%u bytes at %llu) runs past the end of the record (%zu bytes)",
			    r->textlen, (unsigned long long)off, len);
	if (r->textlen) {
		if (buf[off + r->textlen - 1] != '\0')
			return fail(err, errlen, "bad record: text is not NUL-terminated");
		r->text = (const char *)(buf + off);
	}
	off += r->textlen;
	/* Versions up to ours are known to every byte; newer ones may append
	 * sections we cannot know about and skip. */
	if (r->version <= VT_REC_VERSION && off != len)
		return fail(err, errlen, "bad record: %llu bytes left over after the text (lengths do not add up)",
			    (unsigned long long)(len - off));
	r->len = len;
	return 0;
}

int vt_rec_seg(const struct vt_rec *r, unsigned i, struct vt_rec_seg *s)
{
	if (i >= r->nseg)
		return -1;
	/* The data offset is the sum of the caplens before i: parse proved
	 * they add up to caplen, so it stays inside the payload. */
	uint64_t off = 0;
	for (unsigned j = 0; j < i; j++)
		off += vt_ld_le32(r->segtab + (size_t)j * VT_REC_SEG_LEN + SEG_CAPLEN);
	const uint8_t *e = r->segtab + (size_t)i * VT_REC_SEG_LEN;
	s->writable = e[SEG_FLAGS] & VT_REC_SEG_WRITABLE;
	s->len = vt_ld_le32(e + SEG_LEN);
	s->caplen = vt_ld_le32(e + SEG_CAPLEN);
	s->data = r->payload + off;
	return 0;
}

int vt_rec_msg(const struct vt_rec *r, struct vt_rec_msg *m)
{
	struct vt_rec_seg s;

	memset(m, 0, sizeof(*m));
	if (r->kind != VT_REC_VHOST_MSG || !r->has_msg)
		return -1;
	*m = (struct vt_rec_msg){
		.dir = r->msg_dir, .reply = r->msg_flags & MSG_FLAG_REPLY,
		.need_reply = r->msg_flags & MSG_FLAG_NEED_REPLY, .nfds = r->msg_nfds,
		.request = r->vhost_request, .flags = r->msg_flags, .size = r->msg_size,
	};
	if (r->msg_dir < VT_MSG_TO_BACKEND || r->msg_dir > VT_MSG_CHANNEL_REPLY)
		return -2;
	if (r->msg_nfds > MSG_MAX_FDS || r->msg_size > MSG_MAX_PAYLOAD)
		return -2;
	/* The payload is the one readable segment, as the encoder writes it;
	 * a message without payload may also come without a table, and one
	 * whose table did not fit the snaplen has none (NO_CHAIN): cut. */
	if (r->nseg == 0 && r->msg_size == 0)
		return 0;
	if (r->nseg == 0 && (r->flags & VT_REC_F_NO_CHAIN))
		return 1;
	if (r->nseg != 1 || vt_rec_seg(r, 0, &s) < 0 || s.writable || s.len != r->msg_size)
		return -2;
	m->data = s.data;
	m->caplen = s.caplen;
	return s.caplen < s.len ? 1 : 0;
}

int vt_rec_chain(const struct vt_rec *r, struct vt_chain *c, struct vt_seg *segs, unsigned maxsegs)
{
	if (r->nseg == 0 || r->nseg > maxsegs)
		return -1;
	const uint8_t *data = r->payload;
	for (unsigned i = 0; i < r->nseg; i++) {
		const uint8_t *e = r->segtab + (size_t)i * VT_REC_SEG_LEN;
		uint32_t cap = vt_ld_le32(e + SEG_CAPLEN);
		/* Casting const away: the chain type is shared with the device
		 * side, which writes; this chain is documented read-only. */
		segs[i] = (struct vt_seg){
			.ptr = (uint8_t *)(uintptr_t)data,
			.len = cap,
			.gpa = 0,
			.writable = e[SEG_FLAGS] & VT_REC_SEG_WRITABLE,
		};
		data += cap;
	}
	*c = (struct vt_chain){
		.head = r->head,
		.indirect = r->flags & VT_REC_F_INDIRECT,
		.nread = r->nread,
		.nwrite = r->nwrite,
		.read_len = r->read_len,
		.write_len = r->write_len,
		.seg = segs,
	};
	return (r->flags & VT_REC_F_TRUNCATED) ? 1 : 0;
}

uint64_t vt_rec_drops(const struct vt_rec *r)
{
	unsigned long long n;

	if (r->kind != VT_REC_DROPS || !r->text || sscanf(r->text, "%llu", &n) != 1)
		return 0;
	return n;
}
