/* Decoders: one per device type (tcpdump print-*.c style).  Each reads a
 * chain through bounds-checked accessors and appends a one-line summary;
 * short data ends the line with the truncation marker " [|]". */
#ifndef VT_DECODE_DECODE_H
#define VT_DECODE_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/strbuf.h"
#include "virtio/names.h"
#include "virtio/vq.h"

struct vt_decoder {
	uint32_t virtio_id;
	const char *name;
	/* Request: from the chain's readable bytes.  completed: also the
	 * response from its writable bytes (used_len of them valid). */
	void (*summary)(struct vt_sb *out, unsigned queue, const struct vt_chain *c,
			bool completed, uint32_t used_len);
};

/* Decoder for a device id; the generic hex decoder when there is none. */
const struct vt_decoder *vt_decoder_find(uint32_t virtio_id);

/* The rule every decoder applies before it reads a response: nothing to
 * show for a request that is not completed; a completion with used length 0
 * means the device wrote nothing (it rejected the buffers), which prints
 * " -> used 0".  True when the response should be decoded. */
bool vt_decode_has_response(struct vt_sb *out, bool completed, uint32_t used_len);

extern const struct vt_decoder vt_decoder_i2c;
extern const struct vt_decoder vt_decoder_gpio;
extern const struct vt_decoder vt_decoder_hex;
extern const struct vt_decoder vt_decoder_scmi;
extern const struct vt_decoder vt_decoder_blk;
extern const struct vt_decoder vt_decoder_rng;

#endif
