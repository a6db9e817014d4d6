/* virtio-scmi driver for vitool's front-end (`drive scmi`): what Linux's
 * drivers/firmware/arm_scmi/transports/virtio.c puts on the rings, from
 * user space.  A command is a device-readable buffer (header, parameters)
 * and a device-writable one of 136 bytes (Linux's 8 + 128); the eventq
 * keeps buffers of the same size posted for delayed responses and
 * notifications, each posted again once read.  Several commands may be in
 * flight at once: each has its own token, and responses are matched to
 * their command by it, in whatever order they come. */
#ifndef VT_DRIVERS_SCMI_H
#define VT_DRIVERS_SCMI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhost/frontend.h"

#define VT_SCMI_DRV_MSG 136        /* a message buffer: header, status, 128 bytes */
#define VT_SCMI_DRV_PARAMS 8       /* parameter words of a command */
#define VT_SCMI_DRV_INBOX 64       /* notifications kept until read */

/* One command and what came back for it. */
struct vt_scmi_xfer {
	uint8_t proto, msg;
	uint32_t param[VT_SCMI_DRV_PARAMS];
	unsigned nparam;
	bool async;                /* a delayed response is expected too */
	/* filled in */
	uint16_t token;
	bool done;                 /* the immediate response came */
	int32_t status;
	uint8_t ret[VT_SCMI_DRV_MSG];
	uint32_t retlen;           /* return values after the status */
	bool delayed;              /* the delayed response came */
	int32_t dstatus;
	uint8_t dret[VT_SCMI_DRV_MSG];
	uint32_t dretlen;
	bool overtook;             /* ... while the immediate one had not */
	/* the driver's */
	uint8_t *g_resp;
};

/* A notification as it came: header, then its payload. */
struct vt_scmi_note {
	uint32_t hdr;
	uint8_t payload[VT_SCMI_DRV_MSG];
	uint32_t len;
};

struct vt_scmi_driver {
	struct vt_frontend *fe;
	bool p2a;                  /* VIRTIO_SCMI_F_P2A_CHANNELS negotiated: an eventq */
	uint16_t next_token;
	uint8_t *ev;               /* eventq buffers, nev of VT_SCMI_DRV_MSG bytes */
	unsigned nev;
	/* commands in flight, for matching delayed responses by token */
	struct vt_scmi_xfer *inflight[64];
	unsigned ninflight;
	struct vt_scmi_note inbox[VT_SCMI_DRV_INBOX];
	unsigned inbox_first, ninbox;
	uint64_t unmatched;        /* delayed responses for no command in flight */
};

/* Starts the front-end (2 queues when P2A_CHANNELS is offered, else 1;
 * VERSION_1, EVENT_IDX) on a connected fe and posts the eventq buffers.
 * -errno with fe->err set. */
int vt_scmi_driver_start(struct vt_scmi_driver *d, struct vt_frontend *fe, uint16_t queue_size);

/* Puts the commands x[0..n) on the cmdq at once (one kick), then waits
 * until each is answered: its immediate response, and its delayed one
 * when async.  done(arg, x) runs for each as it completes, in the order
 * they complete.  Notifications that come meanwhile go to the inbox.
 * 0; -ETIMEDOUT (fe->err names what did not come); -EPROTO for a response
 * that is not one (fe->err says why); -errno.  Guest memory taken is
 * given back. */
int vt_scmi_run(struct vt_scmi_driver *d, struct vt_scmi_xfer *const *x, unsigned n, int timeout_ms,
		void (*done)(void *arg, const struct vt_scmi_xfer *x), void *arg);
/* One command, waited for. */
int vt_scmi_call(struct vt_scmi_driver *d, struct vt_scmi_xfer *x, int timeout_ms);

/* The oldest notification received (waiting up to timeout_ms for one).
 * 0, or -ETIMEDOUT, -errno. */
int vt_scmi_next_note(struct vt_scmi_driver *d, struct vt_scmi_note *out, int timeout_ms);

/* A command with its parameter words. */
void vt_scmi_xfer_init(struct vt_scmi_xfer *x, unsigned proto, unsigned msg, const uint32_t *param,
		       unsigned nparam);

#endif
