/* virtio-i2c driver for vitool's front-end: what the Linux driver does,
 * from user space.  Also parses the i2ctransfer-like operation syntax used by
 * `vitool drive i2c` and loopback scripts. */
#ifndef VT_DRIVERS_I2C_H
#define VT_DRIVERS_I2C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/bench.h"
#include "vhost/frontend.h"
#include "virtio/virtio_i2c.h"

#define VT_I2C_MAX_OPS 64

/* One message of a transfer. */
struct vt_i2c_op {
	uint16_t addr;        /* 7-bit */
	bool read;
	uint32_t len;
	uint8_t *data;        /* write: bytes to send; read: filled in (malloc'd) */
	uint8_t status;       /* VIRTIO_I2C_MSG_OK / _ERR after the transfer */
};

struct vt_i2c_xfer {
	struct vt_i2c_op op[VT_I2C_MAX_OPS];
	unsigned n;
};

/* Parses i2ctransfer-style words: "w2@0x50 0x00 0x10 r8@0x50 r4".  A
 * message without @ADDR uses the previous message's address.  Write data:
 * exactly LEN byte values (0-255, decimal or 0x).  On error -1 with a
 * one-line reason in err naming the bad word.  Frees nothing on error;
 * call vt_i2c_xfer_free. */
int vt_i2c_parse_ops(char *const *words, unsigned nwords, struct vt_i2c_xfer *x, char *err, size_t errlen);
void vt_i2c_xfer_free(struct vt_i2c_xfer *x);

/* Starts a front-end for virtio-i2c on a connected fe (1 queue). */
int vt_i2c_driver_start(struct vt_frontend *fe, uint16_t queue_size, bool indirect);

/* Sends the messages as one FAIL_NEXT group (every message but the last
 * carries FAIL_NEXT), all in one kick, and waits for every completion.
 * Fills op[i].status and read data.  Returns 0 when every message
 * completed OK, 1 when a message failed (status ERR), -errno on transport
 * failure or timeout (fe->err says why): -EBADMSG for a status byte
 * neither OK nor ERR, which no i2c device writes. */
int vt_i2c_transfer(struct vt_frontend *fe, struct vt_i2c_xfer *x, bool indirect, int timeout_ms);

/* Zero-length write probe of each address in [first, last], batched.
 * present[a] = true when address a answered OK.  0 or -errno. */
int vt_i2c_detect(struct vt_frontend *fe, uint16_t first, uint16_t last, bool present[128],
		  bool indirect, int timeout_ms);

/* --bench (drivers/bench.h): the words are messages in i2ctransfer syntax,
 * each sent as its own request (its own group: no FAIL_NEXT), taking
 * turns.  A good answer is OK with the used length of the message's
 * writable bytes. */
bool vt_i2c_bench_check(char *const *words, unsigned n, char *err, size_t errlen);
bool vt_i2c_bench_plan(struct vt_frontend *fe, char *const *words, unsigned n, const struct vt_bench_conf *c,
		       struct vt_bench_plan *p, char *err, size_t errlen);

#endif
