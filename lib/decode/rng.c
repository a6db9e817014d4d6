/* virtio-rng (entropy) decoder, e.g.
 *   request 64 -> 64 bytes [3f 91 ...]
 * Layout (virtio spec, Entropy Device): one queue of device-writable
 * buffers; the device fills used_len bytes of entropy. */
#include "decode/decode.h"
#include "virtio/virtio.h"
#include "virtio/virtio_rng.h"

#define RNG_SHOW 16

static void rng_summary(struct vt_sb *out, unsigned queue, const struct vt_chain *c, bool completed,
			uint32_t used_len)
{
	(void)queue;
	vt_sb_printf(out, "request %llu", (unsigned long long)c->write_len);
	if (c->read_len)
		vt_sb_printf(out, " malformed: readable %llu", (unsigned long long)c->read_len);
	if (!completed)
		return;
	vt_sb_printf(out, " -> %u byte%s", used_len, used_len == 1 ? "" : "s");
	uint8_t buf[RNG_SHOW + 1];
	size_t want = used_len < sizeof(buf) ? used_len : sizeof(buf);
	size_t n = vt_chain_read_writable(c, 0, buf, want);
	if (n) {
		vt_sb_printf(out, " [");
		vt_sb_hex(out, buf, n, RNG_SHOW);
		vt_sb_printf(out, "]");
	}
}

/* Key fields: how much the driver asked for, how much it got. */
static void rng_fields(struct vt_decode_fields *f, unsigned queue, const struct vt_chain *c, bool completed,
		       uint32_t used_len)
{
	(void)queue;
	vt_decode_kv_uint(f, "len", c->write_len);
	if (completed) {
		vt_decode_kv_uint(f, "got", used_len);
		vt_decode_kv_data(f, "data", c, true, 0, used_len);
	}
}

const struct vt_decoder vt_decoder_rng = {
	.virtio_id = VIRTIO_ID_RNG,
	.name = "rng",
	.summary = rng_summary,
	.fields = rng_fields,
};
