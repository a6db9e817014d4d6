/* Virtio constants shared by every part: device ids, transport feature bits,
 * split-ring flags (each device's own: virtio_DEVICE.h).  Numbers from the virtio 1.3 specification. */
#ifndef VT_VIRTIO_VIRTIO_H
#define VT_VIRTIO_VIRTIO_H

#include <stdint.h>

#define VT_BIT(n) (UINT64_C(1) << (n))

/* Device ids */
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_RNG   4
#define VIRTIO_ID_SCMI  32
#define VIRTIO_ID_I2C   34
#define VIRTIO_ID_GPIO  41

/* Transport feature bits */
#define VIRTIO_F_NOTIFY_ON_EMPTY     24
#define VIRTIO_F_ANY_LAYOUT          27
#define VIRTIO_RING_F_INDIRECT_DESC  28
#define VIRTIO_RING_F_EVENT_IDX      29
#define VHOST_USER_F_PROTOCOL_FEATURES 30
#define VIRTIO_F_VERSION_1           32
#define VIRTIO_F_RING_RESET          40

/* Split ring */
#define VT_VRING_DESC_F_NEXT      1
#define VT_VRING_DESC_F_WRITE     2
#define VT_VRING_DESC_F_INDIRECT  4
#define VT_VRING_AVAIL_F_NO_INTERRUPT 1
#define VT_VRING_USED_F_NO_NOTIFY 1
#define VT_VQ_MAX_SIZE 32768

#endif
