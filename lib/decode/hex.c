/* Generic decoder for device types without their own: byte counts of the
 * two directions and the first bytes of each, in hex. */
#include "decode/decode.h"

#define HEX_SHOW 16

static void hex_summary(struct vt_sb *out, unsigned queue, const struct vt_chain *c,
			bool completed, uint32_t used_len)
{
	uint8_t buf[HEX_SHOW + 1];
	(void)queue;

	vt_sb_printf(out, "read %llu write %llu", (unsigned long long)c->read_len,
		     (unsigned long long)c->write_len);
	size_t n = vt_chain_read(c, 0, buf, sizeof(buf));
	if (n) {
		vt_sb_printf(out, " [");
		vt_sb_hex(out, buf, n, HEX_SHOW);
		vt_sb_printf(out, "]");
	}
	if (!completed)
		return;
	vt_sb_printf(out, " -> used %u", used_len);
	/* The device wrote used_len bytes from the start of the writable part. */
	uint64_t valid = used_len < c->write_len ? used_len : c->write_len;
	n = vt_chain_read_writable(c, 0, buf, valid < sizeof(buf) ? (size_t)valid : sizeof(buf));
	if (n) {
		vt_sb_printf(out, " [");
		vt_sb_hex(out, buf, n, HEX_SHOW);
		vt_sb_printf(out, "]");
	}
}

static void hex_fields(struct vt_decode_fields *f, unsigned queue, const struct vt_chain *c, bool completed,
		       uint32_t used_len)
{
	(void)queue;
	vt_decode_kv_uint(f, "read_len", c->read_len);
	vt_decode_kv_uint(f, "write_len", c->write_len);
	if (completed)
		vt_decode_kv_uint(f, "used_len", used_len);
}

const struct vt_decoder vt_decoder_hex = {
	.virtio_id = 0,
	.name = "hex",
	.summary = hex_summary,
	.fields = hex_fields,
};
