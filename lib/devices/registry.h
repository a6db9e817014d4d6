/* The device registry: one descriptor per device type, and the only list
 * of device types.  Commands (serve, drive, loopback), trace's printing and
 * filters take everything device-specific from a descriptor; the
 * completions and man pages are checked against it (tests/bats).
 *
 * A new device type is its wire header (lib/virtio/virtio_DEV.h), its
 * decoder (lib/decode/DEV.c), its descriptor next to its model
 * (lib/devices/DEV_type.c) and one row in registry.c. */
#ifndef VT_DEVICES_REGISTRY_H
#define VT_DEVICES_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vt_decoder;

struct vt_device_type {
	const char *name;               /* "i2c": the word on command lines and in filters */
	uint32_t virtio_id;
	unsigned num_queues;
	const char *const *queue_names; /* "requestq", "eventq" */
	/* Queues whose buffers the device holds until something happens (an
	 * interrupt): never timed out nor out of order (bit per queue). */
	uint32_t event_queues;
	const struct vt_decoder *decoder;
};

/* Every type, in the registry's order (the order help texts list them). */
size_t vt_device_count(void);
const struct vt_device_type *vt_device_at(size_t i);
/* By name or virtio id; NULL when there is none. */
const struct vt_device_type *vt_device_find(const char *name);
const struct vt_device_type *vt_device_by_id(uint32_t virtio_id);

#endif
