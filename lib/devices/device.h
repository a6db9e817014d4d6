/* A device model is a callback table (libvhost-user / vhost-device style).
 * The vhost-user backend owns the protocol, guest memory and the rings; the
 * model only sees chains and completes them.  The commands find a model
 * through its device type's descriptor (devices/registry.h). */
#ifndef VT_DEVICES_DEVICE_H
#define VT_DEVICES_DEVICE_H

#include <stdint.h>

#include "vhost/proto.h"
#include "virtio/virtio.h"
#include "virtio/vq.h"

struct vt_backend;

/* What the backend gives any model: split rings with indirect descriptors
 * and event index, and the vhost-user protocol features it implements for
 * every device.  A model ORs in its own: device feature bits, and
 * VHOST_USER_PROTOCOL_F_CONFIG when it has a config space. */
#define VT_MODEL_RING_FEATURES                                               \
	(VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VIRTIO_RING_F_INDIRECT_DESC) |  \
	 VT_BIT(VIRTIO_RING_F_EVENT_IDX) | VT_BIT(VIRTIO_F_NOTIFY_ON_EMPTY))
#define VT_MODEL_PROTOCOL_FEATURES                                           \
	(VT_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK) | VT_BIT(VHOST_USER_PROTOCOL_F_MQ) | \
	 VT_BIT(VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS) |                 \
	 VT_BIT(VHOST_USER_PROTOCOL_F_RESET_DEVICE) | VT_BIT(VHOST_USER_PROTOCOL_F_STATUS))

/* Returned by handle() when the model completes the chain later with
 * vt_backend_complete(). */
#define VT_DEFER (-1)

struct vt_device_model {
	const char *name;            /* "i2c": the word on the command line */
	uint32_t virtio_id;
	unsigned num_queues;
	uint16_t max_queue_size;
	uint64_t features;           /* offered: device bits and transport bits */
	uint64_t protocol_features;  /* offered vhost-user protocol features */
	uint32_t config_size;        /* 0: no config space */

	/* Copies config bytes [off, off+len) into buf; the backend has checked
	 * the range against config_size. */
	void (*get_config)(void *dev, uint32_t off, uint8_t *buf, uint32_t len);
	/* Optional; 0 or -errno. */
	int (*set_config)(void *dev, uint32_t off, const uint8_t *buf, uint32_t len);

	/* The backend serving this device was created: models that complete
	 * chains outside handle() keep b for vt_backend_complete().  Optional. */
	void (*attach)(void *dev, struct vt_backend *b);

	/* Features the driver acked (SET_FEATURES). Optional. */
	void (*set_features)(void *dev, uint64_t features);

	/* One available chain of queue q.  Returns the used length to complete
	 * it now, or VT_DEFER.  Every chain available at a kick is passed in one
	 * pass, then flush() (optional) runs once: batching. */
	int (*handle)(void *dev, struct vt_backend *b, unsigned q, const struct vt_chain *c);
	void (*flush)(void *dev, struct vt_backend *b, unsigned q);

	/* The rings stopped (GET_VRING_BASE, reset, disconnect): forget deferred
	 * chains of queue q, they will never be completed.  Optional. */
	void (*queue_stopped)(void *dev, unsigned q);

	/* The front-end reset the device (RESET_DEVICE, RESET_OWNER): back to
	 * the state after power-on, as a rebooted guest expects.  Not called on
	 * a plain disconnect: a VMM that reconnects keeps its guest's
	 * configuration and does not send it again.  Optional. */
	void (*reset)(void *dev);

	/* A new front-end (not the VMM that left, reconnecting with the same
	 * memory and rings) set up its first ring: forget what was the last
	 * driver's (gpio: line directions, IRQ types, latched edges).  What is
	 * the hardware's stays (i2c targets' contents, rng's stream).
	 * Optional. */
	void (*new_frontend)(void *dev);
};


#endif
