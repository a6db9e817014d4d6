/* virtio-blk decoder: one line per request, e.g.
 *   read sector 2048 len 4096 -> OK [00 00 ...]
 *   write sector 8 len 512 [de ad be ef ...] -> IOERR
 *   flush -> OK
 *   get-id -> OK "serial-1"
 * Layout (virtio spec, Block Device): readable le32 type, le32 reserved,
 * le64 sector, then data for OUT; writable data for IN/GET_ID, then u8
 * status (0 OK, 1 IOERR, 2 UNSUPP). */
#include "decode/decode.h"
#include "util/bytes.h"
#include "virtio/virtio.h"
#include "virtio/virtio_blk.h"

#define BLK_HDR VIRTIO_BLK_OUTHDR_SIZE
#define BLK_SHOW 16

static void show(struct vt_sb *out, const struct vt_chain *c, bool writable, uint64_t off, uint64_t len)
{
	uint8_t buf[BLK_SHOW + 1];
	size_t want = len < sizeof(buf) ? (size_t)len : sizeof(buf);
	size_t n = writable ? vt_chain_read_writable(c, off, buf, want) : vt_chain_read(c, off, buf, want);

	if (!n)
		return;
	vt_sb_printf(out, " [");
	vt_sb_hex(out, buf, n, BLK_SHOW);
	vt_sb_printf(out, "]");
}

static void blk_summary(struct vt_sb *out, unsigned queue, const struct vt_chain *c, bool completed,
			uint32_t used_len)
{
	uint8_t h[BLK_HDR];
	(void)queue;

	if (vt_chain_read(c, 0, h, sizeof(h)) < sizeof(h)) {
		vt_sb_printf(out, "malformed: header %llu bytes", (unsigned long long)c->read_len);
		out->trunc = true;
		return;
	}
	uint32_t type = vt_ld_le32(h);
	uint64_t sector = vt_ld_le64(h + 8);
	uint64_t wdata = c->read_len - BLK_HDR;
	uint64_t rdata = c->write_len ? c->write_len - 1 : 0;

	vt_sb_printf(out, "%s", vt_blk_type_name(type));
	switch (type) {
	case VIRTIO_BLK_T_IN:
		vt_sb_printf(out, " sector %llu len %llu", (unsigned long long)sector, (unsigned long long)rdata);
		break;
	case VIRTIO_BLK_T_OUT:
		vt_sb_printf(out, " sector %llu len %llu", (unsigned long long)sector, (unsigned long long)wdata);
		show(out, c, false, BLK_HDR, wdata);
		break;
	case VIRTIO_BLK_T_FLUSH:
	case VIRTIO_BLK_T_GET_ID:
		break;
	default:
		if (wdata)
			vt_sb_printf(out, " data %llu", (unsigned long long)wdata);
		break;
	}
	if (c->write_len == 0) {
		vt_sb_printf(out, " malformed: no status byte");
		out->trunc = true;
		return;
	}
	if (!vt_decode_has_response(out, completed, used_len))
		return;
	/* The status is the last writable byte, whatever used_len says. */
	uint8_t st = 0xff;
	if (vt_chain_read_writable(c, c->write_len - 1, &st, 1) < 1) {
		out->trunc = true;
		return;
	}
	vt_sb_printf(out, " -> %s", vt_blk_status_name(st));
	if (st == VIRTIO_BLK_S_OK && type == VIRTIO_BLK_T_IN && rdata)
		show(out, c, true, 0, rdata);
	if (st == VIRTIO_BLK_S_OK && type == VIRTIO_BLK_T_GET_ID && rdata) {
		char id[21] = "";
		uint8_t raw[20];
		size_t n = vt_chain_read_writable(c, 0, raw, rdata < 20 ? (size_t)rdata : 20);
		size_t k = 0;
		for (; k < n && raw[k]; k++)
			id[k] = (raw[k] >= 0x20 && raw[k] < 0x7f && raw[k] != '"') ? (char)raw[k] : '?';
		id[k] = '\0';
		vt_sb_printf(out, " \"%s\"", id);
	}
}

/* Key fields: type, sector, data length, status (the last writable byte). */
static void blk_fields(struct vt_decode_fields *f, unsigned queue, const struct vt_chain *c, bool completed,
		       uint32_t used_len)
{
	uint8_t h[BLK_HDR];
	(void)queue;

	if (vt_chain_read(c, 0, h, sizeof(h)) < sizeof(h))
		return;
	uint32_t type = vt_ld_le32(h);
	f->type = vt_blk_type_name(type);
	vt_decode_kv_str(f, "type", f->type);
	vt_decode_kv_uint(f, "sector", vt_ld_le64(h + 8));
	uint64_t len = type == VIRTIO_BLK_T_OUT ? c->read_len - BLK_HDR : (c->write_len ? c->write_len - 1 : 0);
	vt_decode_kv_uint(f, "len", len);
	if (!completed || c->write_len == 0)
		return;
	int st = vt_decode_status_byte(f, c, used_len);
	if (st >= 0)
		vt_decode_set_status(f, st == VIRTIO_BLK_S_OK, vt_blk_status_name((uint8_t)st));
}

const struct vt_decoder vt_decoder_blk = {
	.virtio_id = VIRTIO_ID_BLOCK,
	.name = "blk",
	.summary = blk_summary,
	.fields = blk_fields,
};
