/* virtio-i2c decoder: one line per request, e.g.
 *   0x50 write 2 [00 10] fail-next
 *   0x50 read 8 -> OK [01 02 03 04 05 06 07 08]
 *   0x51 probe -> ERR
 * Layout (virtio spec, I2C Adapter Device): readable le16 addr, le16
 * padding, le32 flags, write data; writable read data, then u8 status. */
#include "decode/decode.h"
#include "util/bytes.h"
#include "virtio/virtio.h"
#include "virtio/virtio_i2c.h"

#define I2C_HDR VIRTIO_I2C_OUT_HDR_SIZE
#define I2C_SHOW 32   /* data bytes shown before "..." */

/* Hex of up to I2C_SHOW bytes of a stream, bounds-checked by the chain
 * accessors: one byte more than shown tells vt_sb_hex to add "...". */
static void show_data(struct vt_sb *out, const struct vt_chain *c, bool writable, uint64_t off,
		      uint64_t len)
{
	uint8_t buf[I2C_SHOW + 1];
	size_t want = len < sizeof(buf) ? (size_t)len : sizeof(buf);
	size_t n = writable ? vt_chain_read_writable(c, off, buf, want) : vt_chain_read(c, off, buf, want);

	vt_sb_printf(out, " [");
	vt_sb_hex(out, buf, n, I2C_SHOW);
	vt_sb_printf(out, "]");
}

static void i2c_summary(struct vt_sb *out, unsigned queue, const struct vt_chain *c,
			bool completed, uint32_t used_len)
{
	uint8_t hdr[I2C_HDR];
	(void)queue;

	size_t got = vt_chain_read(c, 0, hdr, sizeof(hdr));
	if (got < sizeof(hdr)) {
		vt_sb_printf(out, "malformed: header %zu bytes", got);
		out->trunc = true;  /* short data: vt_sb_str() ends the line with " [|]" */
		return;
	}
	uint16_t addr = vt_ld_le16(hdr);
	uint32_t flags = vt_ld_le32(hdr + 4);
	uint64_t wdata = c->read_len - I2C_HDR;
	uint64_t rdata = c->write_len ? c->write_len - 1 : 0;
	bool rd = flags & VIRTIO_I2C_FLAGS_M_RD;

	if (addr <= 0xfe && !(addr & 1))
		vt_sb_printf(out, "0x%02x", addr >> 1);
	else
		vt_sb_printf(out, "addr 0x%04x", addr);  /* 10-bit form or stray bits */

	if (rd) {
		vt_sb_printf(out, " read %llu", (unsigned long long)rdata);
		if (wdata)  /* invalid: the device answers ERR */
			vt_sb_printf(out, " write-data %llu", (unsigned long long)wdata);
	} else if (wdata == 0 && rdata == 0) {
		vt_sb_printf(out, " probe");
	} else {
		vt_sb_printf(out, " write %llu", (unsigned long long)wdata);
		if (wdata)
			show_data(out, c, false, I2C_HDR, wdata);
		if (rdata)  /* invalid: the device answers ERR */
			vt_sb_printf(out, " read-buf %llu", (unsigned long long)rdata);
	}
	if (flags & VIRTIO_I2C_FLAGS_FAIL_NEXT)
		vt_sb_printf(out, " fail-next");
	uint32_t reserved = flags & ~(VIRTIO_I2C_FLAGS_FAIL_NEXT | VIRTIO_I2C_FLAGS_M_RD);
	if (reserved)
		vt_sb_printf(out, " flags 0x%x", reserved);

	if (c->write_len == 0) {
		vt_sb_printf(out, " malformed: no status byte");
		out->trunc = true;
		return;
	}
	if (!vt_decode_has_response(out, completed, used_len))
		return;
	uint8_t st = 0xff;
	vt_chain_read_writable(c, c->write_len - 1, &st, 1);
	vt_sb_printf(out, " -> %s", vt_tok2str(vt_i2c_status_names, "status-%u", st));
	if (rd && st == VIRTIO_I2C_MSG_OK && rdata)
		show_data(out, c, true, 0, rdata < used_len ? rdata : used_len);
	if (used_len != c->write_len)
		vt_sb_printf(out, " used %u", used_len);
}

/* Key fields: address (7-bit form when the guest sent it shifted), flags,
 * type, data length, status (the last writable byte). */
static void i2c_fields(struct vt_decode_fields *f, unsigned queue, const struct vt_chain *c, bool completed,
		       uint32_t used_len)
{
	uint8_t h[I2C_HDR];
	(void)queue;

	if (vt_chain_read(c, 0, h, sizeof(h)) < sizeof(h))
		return;
	uint16_t raw = vt_ld_le16(h);
	uint32_t flags = vt_ld_le32(h + 4);
	uint64_t wdata = c->read_len - I2C_HDR, rdata = c->write_len ? c->write_len - 1 : 0;
	bool rd = flags & VIRTIO_I2C_FLAGS_M_RD;

	f->has_addr = true;
	f->addr = raw <= 0xfe && !(raw & 1) ? raw >> 1 : raw;
	vt_decode_kv_uint(f, "addr", f->addr);
	vt_decode_kv_uint(f, "flags", flags);
	f->type = rd ? "read" : (wdata || rdata) ? "write" : "probe";
	vt_decode_kv_str(f, "type", f->type);
	vt_decode_kv_uint(f, "len", rd ? rdata : wdata);
	if (!rd && wdata)
		vt_decode_kv_data(f, "data", c, false, I2C_HDR, wdata);
	if (!completed || c->write_len == 0)
		return;
	int st = vt_decode_status_byte(f, c, used_len);
	if (st >= 0)
		vt_decode_set_status(f, st == VIRTIO_I2C_MSG_OK, vt_tok2str(vt_i2c_status_names, "status-other", (unsigned)st));
	/* The bytes read, as the summary shows them: an OK read's. */
	if (rd && st == VIRTIO_I2C_MSG_OK && rdata)
		vt_decode_kv_data(f, "data", c, true, 0, rdata < used_len ? rdata : used_len);
}

static const char *const i2c_type_words[] = { "read", "write", "probe", NULL };

const struct vt_decoder vt_decoder_i2c = {
	.virtio_id = VIRTIO_ID_I2C,
	.name = "i2c",
	.summary = i2c_summary,
	.fields = i2c_fields,
	.type_words = i2c_type_words,
};
