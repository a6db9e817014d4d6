/* vhost-user message records -> summary and fields (see msgview.h).
 *
 * The payload is hostile like everything in a capture: each decoder says
 * how many bytes it needs and reads only when that many were captured;
 * a message whose size is too small for its request's layout is shown as
 * such, not read past.  Payload words are little-endian (vhost-user is
 * native order and vitool runs on little-endian hosts). */
#include "trace/msgview.h"

#include <inttypes.h>

#include "util/bytes.h"
#include "vhost/msg.h"
#include "vhost/proto.h"

const char *vt_trace_msg_dest(unsigned dir)
{
	switch (dir) {
	case VT_MSG_TO_BACKEND: return "back-end";
	case VT_MSG_TO_FRONTEND: return "front-end";
	case VT_MSG_CHANNEL_REQUEST: return "front-end (back-end channel)";
	case VT_MSG_CHANNEL_REPLY: return "back-end (back-end channel)";
	default: return "?";
	}
}

/* The line's arrow: > and < on the front-end's channel, << and >> on the
 * back-end channel (its requests go the other way). */
static const char *arrow(unsigned dir)
{
	switch (dir) {
	case VT_MSG_TO_BACKEND: return ">";
	case VT_MSG_TO_FRONTEND: return "<";
	case VT_MSG_CHANNEL_REQUEST: return "<<";
	case VT_MSG_CHANNEL_REPLY: return ">>";
	default: return "?";
	}
}

/* What a back-end channel message needs decoded: its replies are a u64
 * (REPLY_ACK's verdict); CONFIG_CHANGE_MSG has no payload; the rest are
 * shown by size. */
static uint32_t channel_needs(bool reply, uint32_t size)
{
	return reply && size == 8 ? 8 : 0;
}

/* How many payload bytes decoding request needs: 0 nothing to decode.
 * Replies are a u64 (a value, or REPLY_ACK's 0 / error) but for
 * GET_VRING_BASE's vring state. */
static uint32_t needs(uint32_t request, bool reply, uint32_t size)
{
	if (reply && request != VHOST_USER_GET_VRING_BASE)
		return size == 8 ? 8 : 0;
	switch (request) {
	case VHOST_USER_SET_VRING_ADDR:
		return sizeof(struct vt_vhost_vring_addr);
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_GET_VRING_BASE:
	case VHOST_USER_SET_VRING_ENABLE:
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		return 8;
	case VHOST_USER_SET_MEM_TABLE:
		return 4;
	default:
		/* Any other 8-byte payload is one u64: features, a count, a
		 * status, a REPLY_ACK result. */
		return size == 8 ? 8 : 0;
	}
}

static void decode(struct vt_sb *sb, struct vt_decode_fields *f, uint32_t request, bool reply,
		   const uint8_t *p)
{
	uint32_t idx = vt_ld_le32(p);

	switch (reply && request != VHOST_USER_GET_VRING_BASE ? 0 : request) {
	case VHOST_USER_SET_VRING_ADDR: {
		uint64_t desc = vt_ld_le64(p + 8), used = vt_ld_le64(p + 16), avail = vt_ld_le64(p + 24);
		vt_sb_printf(sb, " q%u desc 0x%" PRIx64 " avail 0x%" PRIx64 " used 0x%" PRIx64, idx, desc,
			     avail, used);
		if (vt_ld_le32(p + 4) & 1)
			vt_sb_printf(sb, " log 0x%" PRIx64, vt_ld_le64(p + 32));
		vt_decode_kv_uint(f, "queue", idx);
		vt_decode_kv_uint(f, "desc", desc);
		vt_decode_kv_uint(f, "avail", avail);
		vt_decode_kv_uint(f, "used", used);
		return;
	}
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_GET_VRING_BASE:
	case VHOST_USER_SET_VRING_ENABLE: {
		const char *what = request == VHOST_USER_SET_VRING_NUM ? "num" :
				   request == VHOST_USER_SET_VRING_ENABLE ? "enable" : "base";
		uint32_t v = vt_ld_le32(p + 4);
		vt_sb_printf(sb, " q%u %s %u", idx, what, v);
		vt_decode_kv_uint(f, "queue", idx);
		vt_decode_kv_uint(f, what, v);
		return;
	}
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR: {
		uint64_t u = vt_ld_le64(p);
		vt_sb_printf(sb, " q%u%s", (unsigned)(u & VT_VHOST_VRING_IDX_MASK),
			     (u & VT_VHOST_VRING_NOFD) ? " nofd" : "");
		vt_decode_kv_uint(f, "queue", u & VT_VHOST_VRING_IDX_MASK);
		return;
	}
	case VHOST_USER_SET_MEM_TABLE:
		vt_sb_printf(sb, " %u region%s", idx, idx == 1 ? "" : "s");
		vt_decode_kv_uint(f, "regions", idx);
		return;
	default: {
		uint64_t u = vt_ld_le64(p);
		vt_sb_printf(sb, " 0x%" PRIx64, u);
		vt_decode_kv_uint(f, "value", u);
		return;
	}
	}
}

int vt_trace_msg_view(struct vt_sb *sb, struct vt_decode_fields *f, const struct vt_rec *r)
{
	struct vt_rec_msg m;
	int rc = vt_rec_msg(r, &m);

	if (rc == -1) {   /* version 1: the request number is all there is */
		vt_sb_printf(sb, "%s", vt_vhost_request_name(r->vhost_request));
		return rc;
	}
	bool channel = m.dir == VT_MSG_CHANNEL_REQUEST || m.dir == VT_MSG_CHANNEL_REPLY;
	const char *name = channel ? vt_vhost_backend_request_name(m.request) : vt_vhost_request_name(m.request);
	vt_sb_printf(sb, "%s %s", arrow(m.dir), name);
	f->type = name;
	if (rc == -2) {
		vt_sb_printf(sb, " (invalid)");
		return rc;
	}
	if (m.reply)
		vt_sb_printf(sb, " reply");
	uint32_t want = channel ? channel_needs(m.reply, m.size) : needs(m.request, m.reply, m.size);
	if (want && m.size < want)
		vt_sb_printf(sb, " (invalid)");   /* too short for its layout: what was sent */
	else if (want && m.caplen < want)
		vt_sb_printf(sb, " [|vhost]");
	else if (want)
		decode(sb, f, channel ? 0 : m.request, m.reply, m.data);
	else if (m.size)
		vt_sb_printf(sb, " %u bytes", m.size);
	if (m.need_reply)
		vt_sb_printf(sb, " need-reply");
	if (m.nfds)
		vt_sb_printf(sb, " fds %u", m.nfds);
	return rc;
}
