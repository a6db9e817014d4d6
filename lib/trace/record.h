/* Trace records: one self-describing, explicitly little-endian, versioned
 * binary record per observed event.  The same bytes are the live stream of
 * `serve`/`proxy`, the payload of each pcap packet (link type USER0) and the
 * input of `trace -r` and of the Wireshark dissector.  The byte layout is
 * documented in man/vitool-pcap.5; this header is its C side.
 *
 *   offset size field
 *        0    1 version        VT_REC_VERSION (2)
 *        1    1 kind           VT_REC_AVAIL ...
 *        2    2 header_len     bytes before the segment table (>= 64)
 *        4    4 flags          VT_REC_F_*
 *        8    4 virtio_id      device type (VIRTIO_ID_*)
 *       12    2 instance
 *       14    2 queue
 *       16    2 head           descriptor head
 *       18    2 nseg           segment table entries
 *       20    4 used_len       USED
 *       24    8 req_id         pairs AVAIL and USED
 *       32    8 ts_ns          CLOCK_REALTIME, ns since the epoch
 *       40    8 latency_ns     USED: since AVAIL
 *       48    4 vhost_request  VHOST_MSG
 *       52    4 caplen         payload bytes that follow the table
 *       56    4 origlen        sum of segment lengths (saturated)
 *       60    4 textlen        text bytes after the payload, NUL included
 *   VHOST_MSG records from version 2 on extend the header (header_len 80):
 *       64    1 msg_dir        VT_MSG_TO_BACKEND (1) / VT_MSG_TO_FRONTEND (2),
 *                               on the back-end channel VT_MSG_CHANNEL_REQUEST
 *                               (3) / VT_MSG_CHANNEL_REPLY (4)
 *       65    1 msg_nfds       fds that came with the message (not payload)
 *       66    2 reserved       0
 *       68    4 msg_flags      the message's flags word (version, REPLY, ...)
 *       72    4 msg_size       its payload size as on the wire
 *       76    4 reserved       0
 *     and carry the message payload as one readable segment (len msg_size).
 *   header_len + 12*i: u8 seg flags, u8 pad[3], le32 len, le32 caplen
 *   then the payload (each segment's caplen bytes in order), then the text.
 *
 * Readers honour header_len (newer versions append header fields) and
 * accept unknown kinds and flags; see vt_rec_parse(). */
#ifndef VT_TRACE_RECORD_H
#define VT_TRACE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhost/event.h"
#include "virtio/vq.h"

#define VT_REC_VERSION 2
#define VT_REC_HDR_LEN 64        /* version 1 fixed header */
#define VT_REC_MSG_HDR_LEN 80    /* VHOST_MSG header of version 2 */
#define VT_REC_SEG_LEN 12        /* one segment table entry */
/* Largest record we write by default: tcpdump's default snaplen, and
 * libpcap's limit for most link types (a larger packet makes it refuse the
 * file).  Records are never larger than the snaplen they were encoded with. */
#define VT_REC_SNAPLEN_MAX 262144u

/* Kinds (u8).  Values are part of the file format: never renumber. */
enum vt_rec_kind {
	VT_REC_AVAIL = 1,         /* driver made a chain available */
	VT_REC_USED = 2,          /* device completed it */
	VT_REC_KICK = 3,          /* driver notified the device */
	VT_REC_CALL = 4,          /* device notified the driver */
	VT_REC_IRQ_INJECTED = 5,  /* simulated interrupt raised (gpio) */
	VT_REC_TIMEOUT = 6,       /* request in flight past the threshold */
	VT_REC_LATE = 7,          /* completion of a timed-out request */
	VT_REC_VHOST_MSG = 8,     /* vhost-user message; vhost_request */
	VT_REC_CONFIG = 9,        /* config space access */
	VT_REC_RING_ERROR = 10,   /* queue stopped; text says why */
	VT_REC_CONNECT = 11,      /* front-end connected */
	VT_REC_DISCONNECT = 12,   /* front-end went away */
	VT_REC_DROPS = 13,        /* live stream: records lost to a slow reader;
				     text "N records dropped" */
	VT_REC_LOG = 14,          /* a log line of the instance (its stderr's,
				     without "vitool: "); the level in flags */
};

/* Record flags (le32).  Bits 0-2 come from the caller (it tracks requests),
 * bits 3-5 are set by the encoder. */
#define VT_REC_F_TIMED_OUT    (1u << 0)  /* in flight longer than the threshold */
#define VT_REC_F_LATE         (1u << 1)  /* completed after timing out */
#define VT_REC_F_OUT_OF_ORDER (1u << 2)  /* completed before an older request */
#define VT_REC_F_TRUNCATED    (1u << 3)  /* payload or text cut by the snaplen */
#define VT_REC_F_NO_CHAIN     (1u << 4)  /* chain unavailable (walk failed, or its
					    segment table did not fit the snaplen) */
#define VT_REC_F_INDIRECT     (1u << 5)  /* chain went through an indirect table */
/* LOG records: bits 8-9 hold the line's level, lib/util/log.h's numbers
 * (0 error, 1 warning, 2 info, 3 debug); 0 in records of other kinds.  A
 * field of flags rather than a new header field: the fixed header keeps
 * its size, and readers that do not know it ignore the bits. */
#define VT_REC_F_LEVEL_SHIFT  8
#define VT_REC_F_LEVEL_MASK   (3u << VT_REC_F_LEVEL_SHIFT)

/* Segment flags (u8). */
#define VT_REC_SEG_WRITABLE (1u << 0)

/* A parsed record: header fields in host order, pointers into the buffer
 * given to vt_rec_parse() (valid as long as it is). */
struct vt_rec {
	uint8_t version;
	uint8_t kind;
	uint16_t header_len;
	uint32_t flags;
	uint32_t virtio_id;
	uint16_t instance;
	uint16_t queue;
	uint16_t head;
	uint16_t nseg;
	uint32_t used_len;
	uint64_t req_id;
	uint64_t ts_ns;
	uint64_t latency_ns;
	uint32_t vhost_request;
	uint32_t caplen;
	uint32_t origlen;
	uint32_t textlen;

	/* VHOST_MSG of version >= 2 (has_msg): the message header words. */
	bool has_msg;
	uint8_t msg_dir;
	uint8_t msg_nfds;
	uint32_t msg_flags;
	uint32_t msg_size;

	const uint8_t *segtab;   /* nseg entries, checked; read with vt_rec_seg() */
	const uint8_t *payload;  /* caplen bytes */
	const char *text;        /* NUL-terminated, or NULL when textlen == 0 */
	size_t len;              /* bytes the record occupies */
	unsigned nread, nwrite;  /* readable then writable segments */
	uint64_t read_len, write_len;  /* segment lengths, as the driver posted them */
};

/* One segment of a parsed record. */
struct vt_rec_seg {
	bool writable;
	uint32_t len;            /* as in the descriptor */
	uint32_t caplen;         /* bytes captured (<= len) */
	const uint8_t *data;     /* caplen bytes inside the record's payload */
};

/* Encodes ev (emitted by the backend of device virtio_id, instance) into
 * buf.  flags: VT_REC_F_TIMED_OUT/LATE/OUT_OF_ORDER as the caller knows
 * them; the encoder adds TRUNCATED, NO_CHAIN and INDIRECT.  ev->t_ns is
 * vt_now_ns() (CLOCK_MONOTONIC) and is stored converted to CLOCK_REALTIME.
 *
 * Payload: AVAIL captures the readable segments (the writable ones hold
 * nothing the device wrote yet); USED captures the readable segments and
 * the first used_len writable bytes; VHOST_MSG with ev->msg_dir set gets
 * the message header (header_len 80) and its payload as one readable
 * segment (ev->chain is not used).  The record never exceeds
 * min(snaplen, buflen) (snaplen 0: buflen): the text is kept first, then
 * payload bytes in chain order until the space ends (TRUNCATED).  A chain
 * whose segment table alone would not fit is recorded without it
 * (NO_CHAIN, nseg 0, origlen kept).  Returns the record length, or 0 when
 * not even the fixed header fits or ev->kind is unknown. */
size_t vt_rec_encode(const struct vt_event *ev, uint32_t virtio_id, uint16_t instance,
		     uint32_t flags, uint32_t snaplen, uint8_t *buf, size_t buflen);

/* The same for kinds the backend has no event for (TIMEOUT, LATE,
 * IRQ_INJECTED, DROPS, LOG) or to relabel one: kind is the record kind; ev gives
 * the common fields, chain and text.  Writable bytes are captured (up to
 * used_len) only for kinds USED and LATE, vhost_request only for VHOST_MSG. */
size_t vt_rec_encode_kind(unsigned kind, const struct vt_event *ev, uint32_t virtio_id,
			  uint16_t instance, uint32_t flags, uint32_t snaplen, uint8_t *buf,
			  size_t buflen);

/* The record kind of a backend event kind; 0 for none. */
unsigned vt_rec_kind_of_event(enum vt_event_kind k);

/* CLOCK_MONOTONIC ns (vt_now_ns()) -> CLOCK_REALTIME ns, by the current
 * offset between the two clocks. */
uint64_t vt_rec_wallclock_ns(uint64_t mono_ns);

/* Parses and checks the record at buf (len bytes: a pcap packet or a
 * stream frame).  0, or -1 with the reason in err: record shorter than the
 * fixed header, version 0, header_len < 64 or past the end, segment table
 * past the end, a segment with caplen > len, readable after writable,
 * segment caplens not adding up to caplen or lengths to origlen, payload
 * or text past the end, text without its NUL, bytes left over in a record of
 * version 1 or 2.  A VHOST_MSG of version 2 gets its message header
 * (has_msg); whether that message is possible, vt_rec_msg() says.
 * Never reads outside [buf, buf+len).  Newer versions (> 2) are accepted:
 * their extra header bytes (header_len > 64) and trailing bytes are
 * skipped; unknown kinds and flag bits are kept for the caller to show. */
int vt_rec_parse(const uint8_t *buf, size_t len, struct vt_rec *r, char *err, size_t errlen);
/* The count a DROPS record carries ("N records dropped"); 0 for any other
 * record. */
uint64_t vt_rec_drops(const struct vt_rec *r);

/* Segment i (< r->nseg) of a parsed record.  0, or -1 if i is out of range. */
int vt_rec_seg(const struct vt_rec *r, unsigned i, struct vt_rec_seg *s);

/* Rebuilds a chain from a parsed record so the decoders run on it: the
 * segments point into the record's payload and are caplen bytes long (a
 * segment not captured has length 0), so the chain accessors never read
 * past the capture; read_len/write_len are the lengths the driver posted,
 * so decoders print true sizes ("read 8") while short data just reads
 * short.  The chain is read-only (never vt_chain_write() it).  Returns 0,
 * or 1 when the snaplen cut the payload (VT_REC_F_TRUNCATED: the caller
 * ends the line with " [|]"; writable bytes left out of an AVAIL record by
 * design do not count), -1 when the record has no chain or more than
 * maxsegs segments. */
int vt_rec_chain(const struct vt_rec *r, struct vt_chain *c, struct vt_seg *segs, unsigned maxsegs);

/* The vhost-user message of a VHOST_MSG record, checked against what the
 * protocol allows (the record itself is only known to be well-formed). */
struct vt_rec_msg {
	uint8_t dir;              /* enum vt_msg_dir */
	bool reply;               /* flags has VHOST_USER_REPLY */
	bool need_reply;
	unsigned nfds;
	uint32_t request, flags, size;
	const uint8_t *data;      /* caplen bytes of the payload */
	uint32_t caplen;          /* <= size */
};
/* 0, or 1 when the snaplen cut the payload (caplen < size); -1 when the
 * record has no message header (version 1: request number only) and -2
 * when its message is impossible: unknown direction (not 1-4), more than 8 fds, a
 * payload over 4096 bytes, or a segment table other than one readable
 * segment of msg_size bytes. */
int vt_rec_msg(const struct vt_rec *r, struct vt_rec_msg *m);

/* "avail", "used", ... or "kind-N" (static buffer) for unknown kinds. */
const char *vt_rec_kind_name(unsigned kind);

/* The level of a LOG record (VT_LOG_ERR .. VT_LOG_DEBUG), -1 for any other
 * kind. */
int vt_rec_log_level(const struct vt_rec *r);
/* "error", "warning", "info", "debug" for levels 0-3; NULL otherwise. */
const char *vt_rec_level_name(int level);
/* The flags word of a LOG record of level (clamped to 0-3). */
uint32_t vt_rec_level_flags(int level);

#endif
