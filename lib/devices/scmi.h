/* virtio-scmi device model (virtio spec "SCMI Device", id 32): the cmdq
 * carries commands to a simulated SCMI platform (hw/scmi_platform.h) and
 * their immediate responses back; the eventq (VIRTIO_SCMI_F_P2A_CHANNELS)
 * carries the platform's delayed responses and notifications in buffers
 * the driver gave beforehand. */
#ifndef VT_DEVICES_SCMI_H
#define VT_DEVICES_SCMI_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"
#include "hw/scmi_platform.h"
#include "virtio/virtio_scmi.h"

struct vt_loop;

extern const struct vt_device_model vt_model_scmi;

/* A device over platform p (not owned; its post callback is taken over),
 * on loop (messages for the eventq go out from a timer, after the
 * immediate response of the command that caused them, once the driver has
 * taken it: see scmi.c). */
void *vt_scmi_dev_new(struct vt_loop *loop, struct vt_scmi_platform *p);
void vt_scmi_dev_free(void *dev);

/* Messages for the eventq are sent at once when a buffer is there, else
 * they wait, at most this many (the oldest is dropped then). */
#define VT_SCMI_PENDING_MAX 64
/* How long a delayed response waits for the driver to take its command's
 * immediate response (a driver that never re-enables the cmdq's callbacks
 * does not say it took it); the kernel waits 2 s for a delayed response. */
#define VT_SCMI_ORDER_WAIT_MS 200
/* Another wait than VT_SCMI_ORDER_WAIT_MS (tests). */
void vt_scmi_dev_set_order_wait(void *dev, uint64_t ns);

/* What `info` shows. */
struct vt_scmi_stats {
	uint64_t commands;       /* cmdq requests answered */
	uint64_t delayed;        /* delayed responses sent on the eventq */
	uint64_t notifications;  /* notifications sent */
	uint64_t dropped;        /* eventq messages lost: no buffer for too long, or no P2A channel */
	uint64_t unordered;      /* sent before the driver took their command's immediate response
	                            (it had not within VT_SCMI_ORDER_WAIT_MS) */
	unsigned pending;        /* waiting for an eventq buffer now */
	unsigned buffers;        /* eventq buffers the driver gave, unused */
	bool p2a;                /* the driver acked VIRTIO_SCMI_F_P2A_CHANNELS */
};
void vt_scmi_dev_stats(void *dev, struct vt_scmi_stats *st);

#endif
