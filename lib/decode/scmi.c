/* virtio-scmi decoder: one line per message, every command, delayed
 * response and notification of the base, performance, clock and sensor
 * protocols by name with its parameters and return values, e.g.
 *   cmd SENSOR READING_GET token 5 sensor 0 flags 0x1 -> SUCCESS
 *   cmd PERF LEVEL_GET token 12 domain 0 -> SUCCESS level 1500000
 *   event buffer 136 -> delayed SENSOR READING_GET token 5 SUCCESS sensor 0 value 45000 timestamp 0
 *   event buffer 136 -> notification SENSOR SENSOR_UPDATE agent 0 sensor 0 value 47000 timestamp 0
 * Messages it does not know print their id and bytes in hex.
 * Layout (virtio spec, SCMI Device): cmdq readable le32 SCMI header then
 * parameters, writable le32 header then return values starting with le32
 * status; eventq writable only: le32 header then the payload (a delayed
 * response starts with its le32 status).  Header: message id bits 7:0,
 * type 9:8 (0 command, 2 delayed response, 3 notification), protocol id
 * 17:10, token 27:18. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "decode/decode.h"
#include "util/bytes.h"
#include "virtio/virtio.h"
#include "virtio/virtio_scmi.h"

#define SCMI_CMDQ VIRTIO_SCMI_VQ_TX
#define SCMI_EVENTQ VIRTIO_SCMI_VQ_RX
#define SCMI_SHOW 16
#define SCMI_READ 136   /* bytes of a message read for decoding: Linux's largest */

/* What a message carries, as "name:kind" words.  Kinds: u le32 decimal,
 * x le32 hex, q le64 (low word first) decimal, s the same signed, v a
 * version (major.minor), n a 16-byte name, N a 64-byte one, c a list's
 * count word (returned 11:0, bit 12 a range, remaining 31:16: the entries
 * after it are not shown), P DISCOVER_LIST_PROTOCOLS's count and ids, T a
 * trip point event's (the trip point, 7:0, and up when bit 16 is set). */
struct msg_fmt {
	uint8_t proto, msg;
	const char *cmd;      /* the command's parameters */
	const char *resp;     /* its immediate return values (after the status) */
	const char *delayed;  /* its delayed response's (after the status); NULL: none */
};

static const struct msg_fmt commands[] = {
	{ SCMI_PROTO_BASE, SCMI_PROTOCOL_ATTRIBUTES, "", "attributes:x", NULL },   /* agents 15:8, protocols 7:0 */
	{ SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_VENDOR, "", "vendor:n", NULL },
	{ SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_SUB_VENDOR, "", "sub-vendor:n", NULL },
	{ SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_IMPL_VERSION, "", "version:x", NULL },
	{ SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_LIST_PROTOCOLS, "skip:u", "protocols:P", NULL },
	{ SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_AGENT, "agent:u", "agent:u name:n", NULL },
	{ SCMI_PROTO_BASE, SCMI_BASE_NOTIFY_ERRORS, "control:x", "", NULL },
	{ SCMI_PROTO_PERF, SCMI_PROTOCOL_ATTRIBUTES, "", "attributes:x stats-low:x stats-high:x stats-len:u", NULL },
	{ SCMI_PROTO_PERF, SCMI_PERF_DOMAIN_ATTRIBUTES, "domain:u",
	  "flags:x rate-limit:u sustained-khz:u sustained-level:u name:n", NULL },
	{ SCMI_PROTO_PERF, SCMI_PERF_DESCRIBE_LEVELS, "domain:u index:u", "levels:c", NULL },
	{ SCMI_PROTO_PERF, SCMI_PERF_LIMITS_SET, "domain:u max:u min:u", "", NULL },
	{ SCMI_PROTO_PERF, SCMI_PERF_LIMITS_GET, "domain:u", "max:u min:u", NULL },
	{ SCMI_PROTO_PERF, SCMI_PERF_LEVEL_SET, "domain:u level:u", "", NULL },
	{ SCMI_PROTO_PERF, SCMI_PERF_LEVEL_GET, "domain:u", "level:u", NULL },
	{ SCMI_PROTO_PERF, SCMI_PERF_NOTIFY_LIMITS, "domain:u enable:u", "", NULL },
	{ SCMI_PROTO_PERF, SCMI_PERF_NOTIFY_LEVEL, "domain:u enable:u", "", NULL },
	{ SCMI_PROTO_PERF, SCMI_PERF_DESCRIBE_FASTCHANNEL, "domain:u msg:x", "", NULL },
	{ SCMI_PROTO_PERF, SCMI_PERF_DOMAIN_NAME_GET, "domain:u", "flags:x name:N", NULL },
	{ SCMI_PROTO_CLOCK, SCMI_PROTOCOL_ATTRIBUTES, "", "attributes:x", NULL },
	{ SCMI_PROTO_CLOCK, SCMI_CLOCK_ATTRIBUTES, "clock:u", "attributes:x name:n latency:u", NULL },
	{ SCMI_PROTO_CLOCK, SCMI_CLOCK_DESCRIBE_RATES, "clock:u index:u", "rates:c", NULL },
	{ SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_SET, "flags:x clock:u rate:q", "", "clock:u rate:q" },
	{ SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_GET, "clock:u", "rate:q", NULL },
	{ SCMI_PROTO_CLOCK, SCMI_CLOCK_CONFIG_SET, "clock:u attributes:x oem:x", "", NULL },
	{ SCMI_PROTO_CLOCK, SCMI_CLOCK_NAME_GET, "clock:u", "flags:x name:N", NULL },
	{ SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_NOTIFY, "clock:u enable:u", "", NULL },
	{ SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_CHANGE_REQ_NOTIFY, "clock:u enable:u", "", NULL },
	{ SCMI_PROTO_CLOCK, SCMI_CLOCK_CONFIG_GET, "clock:u flags:x", "attributes:x config:x oem:x", NULL },
	{ SCMI_PROTO_SENSOR, SCMI_PROTOCOL_ATTRIBUTES, "", "attributes:x reg-low:x reg-high:x reg-len:u", NULL },
	{ SCMI_PROTO_SENSOR, SCMI_SENSOR_DESCRIPTION_GET, "index:u", "sensors:c", NULL },
	{ SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_NOTIFY, "sensor:u control:x", "", NULL },
	{ SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_CONFIG, "sensor:u control:x value:s", "", NULL },
	{ SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, "sensor:u flags:x", "value:s timestamp:q",
	  "sensor:u value:s timestamp:q" },
	{ SCMI_PROTO_SENSOR, SCMI_SENSOR_AXIS_DESCRIPTION_GET, "sensor:u index:u", "axes:c", NULL },
	{ SCMI_PROTO_SENSOR, SCMI_SENSOR_LIST_UPDATE_INTERVALS, "sensor:u index:u", "intervals:c", NULL },
	{ SCMI_PROTO_SENSOR, SCMI_SENSOR_CONFIG_GET, "sensor:u", "config:x", NULL },
	{ SCMI_PROTO_SENSOR, SCMI_SENSOR_CONFIG_SET, "sensor:u config:x", "", NULL },
	{ SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY, "sensor:u enable:u", "", NULL },
	{ SCMI_PROTO_SENSOR, SCMI_SENSOR_NAME_GET, "sensor:u", "flags:x name:N", NULL },
};

/* Messages every protocol has; PROTOCOL_ATTRIBUTES is the protocol's. */
static const struct msg_fmt common[] = {
	{ 0, SCMI_PROTOCOL_VERSION, "", "version:v", NULL },
	{ 0, SCMI_PROTOCOL_ATTRIBUTES, "", "attributes:x", NULL },
	{ 0, SCMI_PROTOCOL_MESSAGE_ATTRIBUTES, "msg:x", "attributes:x", NULL },
	{ 0, SCMI_NEGOTIATE_PROTOCOL_VERSION, "version:v", "", NULL },
};

struct event_fmt {
	uint8_t proto, msg;
	const char *payload;
};

static const struct event_fmt events[] = {
	{ SCMI_PROTO_BASE, SCMI_BASE_ERROR_EVENT, "agent:u status:x" },
	{ SCMI_PROTO_PERF, SCMI_PERF_LIMITS_CHANGED, "agent:u domain:u max:u min:u" },
	{ SCMI_PROTO_PERF, SCMI_PERF_LEVEL_CHANGED, "agent:u domain:u level:u" },
	{ SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_CHANGED, "agent:u clock:u rate:q" },
	{ SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_CHANGE_REQUESTED, "agent:u clock:u rate:q" },
	{ SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_EVENT, "agent:u sensor:u trip:T" },
	{ SCMI_PROTO_SENSOR, SCMI_SENSOR_UPDATE, "agent:u sensor:u value:s timestamp:q" },
};

static const struct msg_fmt *command_fmt(unsigned proto, unsigned msg)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].proto == proto && commands[i].msg == msg)
			return &commands[i];
	if (!vt_tok_name(vt_scmi_protocol_names, proto))
		return NULL;
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (common[i].msg == msg)
			return &common[i];
	return NULL;
}

static const char *event_fmt(unsigned proto, unsigned msg)
{
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (events[i].proto == proto && events[i].msg == msg)
			return events[i].payload;
	return NULL;
}

static void hex(struct vt_sb *out, const uint8_t *p, size_t n)
{
	if (!n)
		return;
	vt_sb_printf(out, " [");
	vt_sb_hex(out, p, n, SCMI_SHOW);
	vt_sb_printf(out, "]");
}

static void name_field(struct vt_sb *out, const uint8_t *p, size_t n)
{
	vt_sb_printf(out, "\"");
	for (size_t i = 0; i < n && p[i]; i++)
		vt_sb_printf(out, p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' ? "%c" : "\\x%02x", p[i]);
	vt_sb_printf(out, "\"");
}

/* Prints the words of fmt over p (n bytes): " name value" each; bytes fmt
 * does not cover in hex.  A field cut short ends the line with " [|]". */
static void fields_of(struct vt_sb *out, const char *fmt, const uint8_t *p, size_t n)
{
	size_t off = 0;
	char name[24];
	const char *f = fmt;

	while (*f) {
		size_t wl = strcspn(f, " "), nl = strcspn(f, ":");
		char kind = nl < wl ? f[nl + 1] : 'u';
		size_t need = kind == 'q' || kind == 's' ? 8 : kind == 'n' ? 16 : kind == 'N' ? 64 : 4;
		snprintf(name, sizeof(name), "%.*s", (int)(nl < wl ? nl : wl), f);
		f += wl + (f[wl] == ' ');
		if (off == n)
			return;   /* the message ends here: what the sender gave */
		if (!vt_range_ok(off, need, n)) {
			out->trunc = true;
			return;
		}
		const uint8_t *v = p + off;
		uint32_t w = vt_ld_le32(v);
		vt_sb_printf(out, " %s ", name);
		switch (kind) {
		case 'x': vt_sb_printf(out, "0x%" PRIx32, w); break;
		case 'q': vt_sb_printf(out, "%" PRIu64, vt_ld_le64(v)); break;
		case 's': vt_sb_printf(out, "%" PRId64, (int64_t)vt_ld_le64(v)); break;
		case 'v': vt_sb_printf(out, "%u.%u", w >> 16, w & 0xffff); break;
		case 'T': vt_sb_printf(out, "%u %s", w & 0xff, w & SCMI_SENSOR_TP_UPWARDS ? "up" : "down"); break;
		case 'n':
		case 'N': name_field(out, v, need); break;
		case 'c':
			vt_sb_printf(out, "returned %u%s remaining %u", w & 0xfff, w & (1u << 12) ? " range" : "",
				     w >> 16);
			return;   /* the entries: -v shows them */
		case 'P': {
			vt_sb_printf(out, "%u", w);
			for (uint32_t i = 0; i < w && off + 4 + i < n && i < 32; i++)
				vt_sb_printf(out, "%s0x%02x", i ? "," : " ", p[off + 4 + i]);
			return;
		}
		default: vt_sb_printf(out, "%" PRIu32, w); break;
		}
		off += need;
	}
	hex(out, p + off, n - off);
}

static void header(struct vt_sb *out, uint32_t h)
{
	unsigned type = VIRTIO_SCMI_HDR_TYPE(h), proto = VIRTIO_SCMI_HDR_PROTOCOL(h), msg = VIRTIO_SCMI_HDR_MSG_ID(h);
	const char *name = vt_scmi_msg_name(proto, msg, type == VIRTIO_SCMI_TYPE_NOTIFICATION);

	vt_sb_printf(out, "%s %s", vt_scmi_type_name(type), vt_scmi_protocol_name(proto));
	if (name)
		vt_sb_printf(out, " %s", name);
	else
		vt_sb_printf(out, " msg 0x%x", msg);
	vt_sb_printf(out, " token %u", VIRTIO_SCMI_HDR_TOKEN(h));
}

static void cmd_summary(struct vt_sb *out, const struct vt_chain *c, bool completed, uint32_t used_len)
{
	uint8_t b[SCMI_READ];
	size_t n = vt_chain_read(c, 0, b, sizeof(b));

	if (n < 4) {
		vt_sb_printf(out, "malformed: header %llu bytes", (unsigned long long)c->read_len);
		out->trunc = true;
		return;
	}
	uint32_t h = vt_ld_le32(b);
	const struct msg_fmt *fmt = command_fmt(VIRTIO_SCMI_HDR_PROTOCOL(h), VIRTIO_SCMI_HDR_MSG_ID(h));
	header(out, h);
	if (fmt) {
		fields_of(out, fmt->cmd, b + 4, n - 4);
	} else if (c->read_len > 4) {
		vt_sb_printf(out, " params %llu", (unsigned long long)(c->read_len - 4));
		hex(out, b + 4, n - 4);
	}
	if (c->write_len < 8) {
		vt_sb_printf(out, " malformed: response buffer %llu", (unsigned long long)c->write_len);
		out->trunc = true;
		return;
	}
	if (!completed)
		return;
	if (used_len < 8) {
		vt_sb_printf(out, " -> used %u", used_len);
		return;
	}
	size_t rn = vt_chain_read_writable(c, 0, b, used_len < sizeof(b) ? used_len : sizeof(b));
	if (rn < 8) {
		out->trunc = true;
		return;
	}
	uint32_t rh = vt_ld_le32(b), st = vt_ld_le32(b + 4);
	vt_sb_printf(out, " -> %s", vt_scmi_status_name(st));
	if ((rh & 0x0ffffffu) != (h & 0x0ffffffu))
		vt_sb_printf(out, " header 0x%08x", rh);  /* not the request's */
	if (st == VIRTIO_SCMI_SUCCESS && fmt)
		fields_of(out, fmt->resp, b + 8, rn - 8);
	else if (used_len > 8) {
		vt_sb_printf(out, " ret %u", used_len - 8);
		hex(out, b + 8, rn - 8);
	}
}

static void event_summary(struct vt_sb *out, const struct vt_chain *c, bool completed, uint32_t used_len)
{
	uint8_t b[SCMI_READ];

	if (c->read_len)
		vt_sb_printf(out, "malformed: readable %llu ", (unsigned long long)c->read_len);
	vt_sb_printf(out, "event buffer %llu", (unsigned long long)c->write_len);
	if (!completed)
		return;
	size_t n = vt_chain_read_writable(c, 0, b, used_len < sizeof(b) ? used_len : sizeof(b));
	if (n < 4) {
		vt_sb_printf(out, " -> used %u", used_len);
		if (used_len >= 4)
			out->trunc = true;
		return;
	}
	vt_sb_printf(out, " -> ");
	vt_scmi_decode_message(out, b, n);
}

void vt_scmi_decode_message(struct vt_sb *out, const uint8_t *b, size_t n)
{
	if (n < 4) {
		out->trunc = true;
		return;
	}
	uint32_t h = vt_ld_le32(b);
	unsigned type = VIRTIO_SCMI_HDR_TYPE(h), proto = VIRTIO_SCMI_HDR_PROTOCOL(h), msg = VIRTIO_SCMI_HDR_MSG_ID(h);
	header(out, h);
	if (type == VIRTIO_SCMI_TYPE_DELAYED_RESP) {
		const struct msg_fmt *fmt = command_fmt(proto, msg);
		if (n < 8) {
			out->trunc = true;
			return;
		}
		uint32_t st = vt_ld_le32(b + 4);
		vt_sb_printf(out, " %s", vt_scmi_status_name(st));
		if (st == VIRTIO_SCMI_SUCCESS && fmt && fmt->delayed)
			fields_of(out, fmt->delayed, b + 8, n - 8);
		else
			hex(out, b + 8, n - 8);
		return;
	}
	const char *fmt = type == VIRTIO_SCMI_TYPE_NOTIFICATION ? event_fmt(proto, msg) : NULL;
	if (fmt)
		fields_of(out, fmt, b + 4, n - 4);
	else {
		vt_sb_printf(out, " len %zu", n - 4);
		hex(out, b + 4, n - 4);
	}
}

static void scmi_summary(struct vt_sb *out, unsigned queue, const struct vt_chain *c, bool completed,
			 uint32_t used_len)
{
	if (queue == SCMI_EVENTQ)
		event_summary(out, c, completed, used_len);
	else
		cmd_summary(out, c, completed, used_len);
}

static void header_fields(struct vt_decode_fields *f, uint32_t h)
{
	unsigned type = VIRTIO_SCMI_HDR_TYPE(h), proto = VIRTIO_SCMI_HDR_PROTOCOL(h), msg = VIRTIO_SCMI_HDR_MSG_ID(h);
	const char *name = vt_scmi_msg_name(proto, msg, type == VIRTIO_SCMI_TYPE_NOTIFICATION);

	f->type = vt_scmi_type_name(type);
	vt_decode_kv_str(f, "type", f->type);
	vt_decode_kv_str(f, "protocol", vt_scmi_protocol_name(proto));
	vt_decode_kv_uint(f, "protocol_id", proto);
	vt_decode_kv_uint(f, "msg_id", msg);
	if (name)
		vt_decode_kv_str(f, "message", name);
	vt_decode_kv_uint(f, "token", VIRTIO_SCMI_HDR_TOKEN(h));
}

/* ---- pairing (trace/pair.h) ---- */

/* A command by its header without the type: what its delayed response
 * repeats (bit 32 keeps the key from being 0). */
static uint64_t token_key(uint32_t h)
{
	return (h & ~(0x3u << 8)) | UINT64_C(1) << 32;
}

static uint64_t notify_key(unsigned proto, unsigned event, uint32_t domain)
{
	return UINT64_C(1) << 63 | (uint64_t)proto << 40 | (uint64_t)event << 32 | domain;
}

/* The notification a NOTIFY command turns on, -1 for another message. */
static int notify_event(unsigned proto, unsigned msg)
{
	switch (proto) {
	case SCMI_PROTO_BASE:
		return msg == SCMI_BASE_NOTIFY_ERRORS ? SCMI_BASE_ERROR_EVENT : -1;
	case SCMI_PROTO_SENSOR:
		return msg == SCMI_SENSOR_TRIP_POINT_NOTIFY ? SCMI_SENSOR_TRIP_POINT_EVENT
		       : msg == SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY ? SCMI_SENSOR_UPDATE : -1;
	case SCMI_PROTO_PERF:
		return msg == SCMI_PERF_NOTIFY_LIMITS ? SCMI_PERF_LIMITS_CHANGED
		       : msg == SCMI_PERF_NOTIFY_LEVEL ? SCMI_PERF_LEVEL_CHANGED : -1;
	case SCMI_PROTO_CLOCK:
		return msg == SCMI_CLOCK_RATE_NOTIFY ? SCMI_CLOCK_RATE_CHANGED
		       : msg == SCMI_CLOCK_RATE_CHANGE_REQ_NOTIFY ? SCMI_CLOCK_RATE_CHANGE_REQUESTED : -1;
	}
	return -1;
}

/* Does command h (parameters in c after the header) ask for a delayed
 * response?  SENSOR_READING_GET (sensor_id, flags) and CLOCK_RATE_SET
 * (flags, ...) with the async flag; a rate set that also says "ignore the
 * delayed response" gets none. */
static bool asks_delayed(const struct vt_chain *c, uint32_t h)
{
	unsigned proto = VIRTIO_SCMI_HDR_PROTOCOL(h), msg = VIRTIO_SCMI_HDR_MSG_ID(h);
	uint8_t p[4];

	if (proto == SCMI_PROTO_SENSOR && msg == SCMI_SENSOR_READING_GET)
		return vt_chain_read(c, 8, p, 4) == 4 && (vt_ld_le32(p) & SCMI_SENSOR_READ_ASYNC);
	if (proto == SCMI_PROTO_CLOCK && msg == SCMI_CLOCK_RATE_SET)
		return vt_chain_read(c, 4, p, 4) == 4 &&
		       (vt_ld_le32(p) & (SCMI_CLOCK_SET_ASYNC | SCMI_CLOCK_SET_IGNORE_RESP)) == SCMI_CLOCK_SET_ASYNC;
	return false;
}

/* A command offers its token (awaited when it asks for a delayed
 * response), and a NOTIFY that turns its event on offers the event
 * (domain id, enable bit 0 after it; base's has no domain). */
static void command_keys(struct vt_decode_fields *f, const struct vt_chain *c, uint32_t h)
{
	unsigned proto = VIRTIO_SCMI_HDR_PROTOCOL(h);
	int ev = notify_event(proto, VIRTIO_SCMI_HDR_MSG_ID(h));
	uint8_t p[8];

	f->offer[f->noffer++] = token_key(h);
	f->offer_awaits = asks_delayed(c, h);
	if (ev < 0)
		return;
	if (proto == SCMI_PROTO_BASE) {
		if (vt_chain_read(c, 4, p, 4) == 4 && (vt_ld_le32(p) & 1))
			f->offer[f->noffer++] = notify_key(proto, (unsigned)ev, 0);
	} else if (vt_chain_read(c, 4, p, 8) == 8 && (vt_ld_le32(p + 4) & 1)) {
		f->offer[f->noffer++] = notify_key(proto, (unsigned)ev, vt_ld_le32(p));
	}
}

/* A delayed response answers its command; a notification the NOTIFY of
 * its domain (the payload's word after the agent). */
static void event_keys(struct vt_decode_fields *f, const struct vt_chain *c, uint32_t h, uint32_t used_len)
{
	unsigned proto = VIRTIO_SCMI_HDR_PROTOCOL(h);
	uint8_t d[4];

	if (VIRTIO_SCMI_HDR_TYPE(h) == VIRTIO_SCMI_TYPE_DELAYED_RESP) {
		f->answers = token_key(h);
		f->answers_after = true;
	} else if (VIRTIO_SCMI_HDR_TYPE(h) == VIRTIO_SCMI_TYPE_NOTIFICATION) {
		uint32_t domain = 0;
		if (proto != SCMI_PROTO_BASE) {
			if (used_len < 12 || vt_chain_read_writable(c, 8, d, 4) < 4)
				return;
			domain = vt_ld_le32(d);
		}
		f->answers = notify_key(proto, VIRTIO_SCMI_HDR_MSG_ID(h), domain);
	}
}

/* Key fields: the header's type, protocol, message id and name, token;
 * status; the pairing keys. */
static void scmi_fields(struct vt_decode_fields *f, unsigned queue, const struct vt_chain *c, bool completed,
			uint32_t used_len)
{
	uint8_t b[8];

	if (queue == SCMI_EVENTQ) {   /* the message is the response */
		if (!completed || used_len < 4 || vt_chain_read_writable(c, 0, b, 4) < 4)
			return;
		uint32_t h = vt_ld_le32(b);
		header_fields(f, h);
		event_keys(f, c, h, used_len);
		if (VIRTIO_SCMI_HDR_TYPE(h) == VIRTIO_SCMI_TYPE_DELAYED_RESP && used_len >= 8 &&
		    vt_chain_read_writable(c, 4, b + 4, 4) == 4) {
			uint32_t st = vt_ld_le32(b + 4);
			vt_decode_set_status(f, st == VIRTIO_SCMI_SUCCESS, vt_scmi_status_name(st));
		}
		return;
	}
	if (vt_chain_read(c, 0, b, 4) < 4)
		return;
	header_fields(f, vt_ld_le32(b));
	command_keys(f, c, vt_ld_le32(b));
	if (!completed)
		return;
	if (used_len < 8 || vt_chain_read_writable(c, 0, b, 8) < 8) {
		vt_decode_set_status(f, false, "used-short");
		return;
	}
	uint32_t st = vt_ld_le32(b + 4);
	vt_decode_set_status(f, st == VIRTIO_SCMI_SUCCESS, vt_scmi_status_name(st));
}

static const char *const type_words[] = { "cmd", "delayed", "notification", NULL };

const struct vt_decoder vt_decoder_scmi = {
	.virtio_id = VIRTIO_ID_SCMI,
	.name = "scmi",
	.summary = scmi_summary,
	.fields = scmi_fields,
	.type_words = type_words,
};
