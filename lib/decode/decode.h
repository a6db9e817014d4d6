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

/* Status of a decoded completion, for the filter's `status ok|err`. */
enum vt_decode_status {
	VT_DECODE_ST_NONE = 0,  /* not a completion, or the device has no status */
	VT_DECODE_ST_OK,
	VT_DECODE_ST_ERR,       /* error status, or nothing written (used 0) */
};

/* A decoded field for JSON (the "i2c": {...} object and friends). */
struct vt_decode_kv {
	const char *key;
	bool is_str;
	bool is_data;             /* the request's data bytes: vt_decode_fields.data */
	uint64_t u;
	char s[48];
};

#define VT_DECODE_MAX_KV 12
/* Data bytes a request's fields carry (JSON "data"); longer data is cut
 * here (the record has them all: trace -v). */
#define VT_DECODE_DATA_MAX 1024

/* The key fields of one request, read once by its decoder: trace's JSON
 * object, the filter (addr, line, type, status) and the text all use these. */
struct vt_decode_fields {
	bool has_addr, has_line;
	uint16_t addr;            /* i2c: 7-bit address */
	uint16_t line;            /* gpio: line */
	const char *type;         /* "read", "write", "probe" (i2c); "GET_VALUE", "irq" (gpio);
				     "cmd", "notification" (scmi); "read", "flush" (blk); NULL */
	enum vt_decode_status status;
	const char *status_name;  /* "OK", "ERR", "SUCCESS", "IOERR", "VALID"; NULL */
	unsigned nkv;
	struct vt_decode_kv kv[VT_DECODE_MAX_KV];
	/* The data bytes (i2c: written or read; rng: the entropy), one run
	 * per request: vt_decode_kv_data(). */
	uint32_t ndata;
	uint8_t data[VT_DECODE_DATA_MAX];
	/* Pairing across queues (trace/pair.h), keys of the decoder's own
	 * making, never 0: what this request can be answered by (scmi: a
	 * command's token; a NOTIFY command's events), and the key of the
	 * request this message answers (scmi: a delayed response's command,
	 * a notification's NOTIFY).  answers_after: it should come after that
	 * request completed (a delayed response after its immediate one). */
	uint64_t offer[2];
	unsigned noffer;
	uint64_t answers;
	bool answers_after;
	/* The request awaits an answers_after answer to its first offer
	 * (scmi: an async command's delayed response): one that comes while
	 * an older such request still awaits its own is out of order. */
	bool offer_awaits;
};

struct vt_decoder {
	uint32_t virtio_id;
	const char *name;
	/* Request: from the chain's readable bytes.  completed: also the
	 * response from its writable bytes (used_len of them valid). */
	void (*summary)(struct vt_sb *out, unsigned queue, const struct vt_chain *c,
			bool completed, uint32_t used_len);
	/* The same request's key fields into f (zeroed by the caller). */
	void (*fields)(struct vt_decode_fields *f, unsigned queue, const struct vt_chain *c,
		       bool completed, uint32_t used_len);
	/* Values of `type NAME` that the filter also takes as words of their
	 * own ("read" for "type read"); NULL-terminated, or NULL. */
	const char *const *type_words;
};

/* Field helpers for the decoders' fields(): a field past VT_DECODE_MAX_KV
 * is dropped. */
void vt_decode_kv_uint(struct vt_decode_fields *f, const char *key, uint64_t u);
void vt_decode_kv_str(struct vt_decode_fields *f, const char *key, const char *s);
/* The request's data: len bytes at off of the chain's readable (or
 * writable) part, as far as the chain has them, at most
 * VT_DECODE_DATA_MAX; one per request (a second call is ignored). */
void vt_decode_kv_data(struct vt_decode_fields *f, const char *key, const struct vt_chain *c, bool writable,
		       uint64_t off, uint64_t len);
/* Sets the status (ok or error, and its name) and its "status" field. */
void vt_decode_set_status(struct vt_decode_fields *f, bool ok, const char *name);
/* For requests whose status is the last device-writable byte (i2c, blk):
 * that byte, or -1 with the status already set: "used-0" when the device
 * wrote nothing, "status-other" when the byte cannot be read.  The chain
 * must have a writable part. */
int vt_decode_status_byte(struct vt_decode_fields *f, const struct vt_chain *c, uint32_t used_len);

/* Decoder of a device id (its registry row's); the generic hex decoder when
 * there is none. */
const struct vt_decoder *vt_decoder_find(uint32_t virtio_id);

/* The rule every decoder applies before it reads a response: nothing to
 * show for a request that is not completed; a completion with used length 0
 * means the device wrote nothing (it rejected the buffers), which prints
 * " -> used 0".  True when the response should be decoded. */
bool vt_decode_has_response(struct vt_sb *out, bool completed, uint32_t used_len);

/* An eventq message of virtio-scmi (header first, n bytes) as its
 * decoder prints it: "notification SENSOR SENSOR_UPDATE token 0 agent 0
 * sensor 0 value 47000 timestamp 0" (drive scmi's events). */
void vt_scmi_decode_message(struct vt_sb *out, const uint8_t *msg, size_t n);

extern const struct vt_decoder vt_decoder_i2c;
extern const struct vt_decoder vt_decoder_gpio;
extern const struct vt_decoder vt_decoder_hex;
extern const struct vt_decoder vt_decoder_scmi;
extern const struct vt_decoder vt_decoder_blk;
extern const struct vt_decoder vt_decoder_rng;

#endif
