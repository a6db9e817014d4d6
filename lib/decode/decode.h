/* Decoders: one per device type (tcpdump print-*.c style).  Each reads a
 * chain through bounds-checked accessors and appends a one-line summary;
 * short data ends the line with the truncation marker " [|]". */
#ifndef VT_DECODE_DECODE_H
#define VT_DECODE_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/strbuf.h"
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

/* Value -> name tables (tcpdump's tok2str). */
struct vt_tok {
	uint32_t v;
	const char *s;
};
/* The name of v in table t (terminated by {0, NULL}), or fallback formatted
 * with v ("type-%u") in a static buffer. */
const char *vt_tok2str(const struct vt_tok *t, const char *fallback, uint32_t v);

extern const struct vt_decoder vt_decoder_i2c;
extern const struct vt_decoder vt_decoder_gpio;
extern const struct vt_decoder vt_decoder_hex;
extern const struct vt_decoder vt_decoder_scmi;
extern const struct vt_decoder vt_decoder_blk;
extern const struct vt_decoder vt_decoder_rng;

/* Names the scmi and blk decoders print, for trace's JSON and filters. */
const char *vt_scmi_protocol_name(unsigned proto);   /* "PERF", "proto-0x80" */
const char *vt_scmi_type_name(unsigned type);        /* "cmd", "delayed-resp", "notification" */
const char *vt_scmi_status_name(uint32_t status);    /* "SUCCESS", "NOT_FOUND", "status--42" */
const char *vt_blk_type_name(uint32_t type);         /* "read", "write", "flush", "get-id" */
const char *vt_blk_status_name(uint8_t status);      /* "OK", "IOERR", "UNSUPP" */

#endif
