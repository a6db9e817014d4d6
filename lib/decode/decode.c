/* Decoder table and the response rule shared by every decoder. */
#include "decode/decode.h"

#include "util/bytes.h"
#include "virtio/virtio.h"

/* One row per device type with a decoder; everything else prints hex. */
static const struct {
	uint32_t virtio_id;
	const struct vt_decoder *dec;
} decoders[] = {
	{ VIRTIO_ID_I2C, &vt_decoder_i2c },
	{ VIRTIO_ID_GPIO, &vt_decoder_gpio },
	{ VIRTIO_ID_SCMI, &vt_decoder_scmi },
	{ VIRTIO_ID_BLOCK, &vt_decoder_blk },
	{ VIRTIO_ID_RNG, &vt_decoder_rng },
};

const struct vt_decoder *vt_decoder_find(uint32_t virtio_id)
{
	for (size_t i = 0; i < VT_ARRAY_SIZE(decoders); i++)
		if (decoders[i].virtio_id == virtio_id)
			return decoders[i].dec;
	return &vt_decoder_hex;
}

bool vt_decode_has_response(struct vt_sb *out, bool completed, uint32_t used_len)
{
	if (!completed)
		return false;
	if (used_len == 0) {
		vt_sb_printf(out, " -> used 0");
		return false;
	}
	return true;
}
