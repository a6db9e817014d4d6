/* virtio-rng wire format (virtio spec "Entropy Device", id 4), like Linux's
 * include/uapi/linux/virtio_rng.h: one queue of device-writable buffers the
 * device fills with entropy; no config space, no feature bits. */
#ifndef VT_VIRTIO_VIRTIO_RNG_H
#define VT_VIRTIO_VIRTIO_RNG_H

#define VIRTIO_RNG_REQUESTQ 0

#endif
