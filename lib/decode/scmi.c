/* virtio-scmi decoder: one line per message, e.g.
 *   cmd PERF msg 0x7 token 12 params 4 [00 00 00 00] -> SUCCESS
 *   cmd CLOCK msg 0x8 token 5 -> NOT_FOUND
 *   event buffer 128 -> notification SENSOR msg 0x0 token 0 len 16
 * Layout (virtio spec, SCMI Device): cmdq readable le32 SCMI header then
 * parameters, writable le32 header then return values starting with le32
 * status; eventq writable only: le32 header then the payload (a delayed
 * response starts with its le32 status).  Header: message id bits 7:0,
 * type 9:8 (0 command, 2 delayed response, 3 notification), protocol id
 * 17:10, token 27:18. */
#include <stdio.h>

#include "decode/decode.h"
#include "util/bytes.h"
#include "virtio/virtio.h"
#include "virtio/virtio_scmi.h"

#define SCMI_CMDQ VIRTIO_SCMI_VQ_TX
#define SCMI_EVENTQ VIRTIO_SCMI_VQ_RX
#define SCMI_SHOW 16

static void header(struct vt_sb *out, uint32_t h)
{
	vt_sb_printf(out, "%s %s msg 0x%x token %u", vt_scmi_type_name(VIRTIO_SCMI_HDR_TYPE(h)),
		     vt_scmi_protocol_name(VIRTIO_SCMI_HDR_PROTOCOL(h)), VIRTIO_SCMI_HDR_MSG_ID(h),
		     VIRTIO_SCMI_HDR_TOKEN(h));
}

static void show(struct vt_sb *out, const struct vt_chain *c, bool writable, uint64_t off, uint64_t len)
{
	uint8_t buf[SCMI_SHOW + 1];
	size_t want = len < sizeof(buf) ? (size_t)len : sizeof(buf);
	size_t n = writable ? vt_chain_read_writable(c, off, buf, want) : vt_chain_read(c, off, buf, want);

	if (!n)
		return;
	vt_sb_printf(out, " [");
	vt_sb_hex(out, buf, n, SCMI_SHOW);
	vt_sb_printf(out, "]");
}

static void cmd_summary(struct vt_sb *out, const struct vt_chain *c, bool completed, uint32_t used_len)
{
	uint8_t b[4];

	if (vt_chain_read(c, 0, b, 4) < 4) {
		vt_sb_printf(out, "malformed: header %llu bytes", (unsigned long long)c->read_len);
		out->trunc = true;
		return;
	}
	uint32_t h = vt_ld_le32(b);
	header(out, h);
	if (c->read_len > 4) {
		vt_sb_printf(out, " params %llu", (unsigned long long)(c->read_len - 4));
		show(out, c, false, 4, c->read_len - 4);
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
	uint8_t r[8];
	if (vt_chain_read_writable(c, 0, r, 8) < 8) {
		out->trunc = true;
		return;
	}
	uint32_t rh = vt_ld_le32(r);
	vt_sb_printf(out, " -> %s", vt_scmi_status_name(vt_ld_le32(r + 4)));
	if ((rh & 0x0ffffffu) != (h & 0x0ffffffu))
		vt_sb_printf(out, " header 0x%08x", rh);  /* not the request's */
	if (used_len > 8) {
		vt_sb_printf(out, " ret %u", used_len - 8);
		show(out, c, true, 8, used_len - 8);
	}
}

static void event_summary(struct vt_sb *out, const struct vt_chain *c, bool completed, uint32_t used_len)
{
	if (c->read_len)
		vt_sb_printf(out, "malformed: readable %llu ", (unsigned long long)c->read_len);
	vt_sb_printf(out, "event buffer %llu", (unsigned long long)c->write_len);
	if (!completed)
		return;
	uint8_t b[8];
	size_t n = vt_chain_read_writable(c, 0, b, used_len < 8 ? used_len : 8);
	if (n < 4) {
		vt_sb_printf(out, " -> used %u", used_len);
		if (used_len >= 4)
			out->trunc = true;
		return;
	}
	uint32_t h = vt_ld_le32(b);
	vt_sb_printf(out, " -> ");
	header(out, h);
	if (VIRTIO_SCMI_HDR_TYPE(h) == VIRTIO_SCMI_TYPE_DELAYED_RESP && n >= 8)
		vt_sb_printf(out, " %s", vt_scmi_status_name(vt_ld_le32(b + 4)));
	vt_sb_printf(out, " len %u", used_len - 4);
	show(out, c, true, 4, used_len - 4);
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
	f->type = vt_scmi_type_name(VIRTIO_SCMI_HDR_TYPE(h));
	vt_decode_kv_str(f, "type", f->type);
	vt_decode_kv_str(f, "protocol", vt_scmi_protocol_name(VIRTIO_SCMI_HDR_PROTOCOL(h)));
	vt_decode_kv_uint(f, "protocol_id", VIRTIO_SCMI_HDR_PROTOCOL(h));
	vt_decode_kv_uint(f, "msg_id", VIRTIO_SCMI_HDR_MSG_ID(h));
	vt_decode_kv_uint(f, "token", VIRTIO_SCMI_HDR_TOKEN(h));
}

/* Key fields: the header's type, protocol, message id and token; status. */
static void scmi_fields(struct vt_decode_fields *f, unsigned queue, const struct vt_chain *c, bool completed,
			uint32_t used_len)
{
	uint8_t b[8];

	if (queue == SCMI_EVENTQ) {   /* the message is the response */
		if (!completed || used_len < 4 || vt_chain_read_writable(c, 0, b, 4) < 4)
			return;
		uint32_t h = vt_ld_le32(b);
		header_fields(f, h);
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
	if (!completed)
		return;
	if (used_len < 8 || vt_chain_read_writable(c, 0, b, 8) < 8) {
		vt_decode_set_status(f, false, "used-short");
		return;
	}
	uint32_t st = vt_ld_le32(b + 4);
	vt_decode_set_status(f, st == VIRTIO_SCMI_SUCCESS, vt_scmi_status_name(st));
}

const struct vt_decoder vt_decoder_scmi = {
	.virtio_id = VIRTIO_ID_SCMI,
	.name = "scmi",
	.summary = scmi_summary,
	.fields = scmi_fields,
};
