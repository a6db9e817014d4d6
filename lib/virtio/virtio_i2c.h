/* virtio-i2c wire format (virtio spec "I2C Adapter Device", id 34), like
 * Linux's include/uapi/linux/virtio_i2c.h, and the names of its codes. */
#ifndef VT_VIRTIO_VIRTIO_I2C_H
#define VT_VIRTIO_VIRTIO_I2C_H

#include "virtio/names.h"

/* Feature bits */
#define VIRTIO_I2C_F_ZERO_LENGTH_REQUEST 0

/* Queues */
#define VIRTIO_I2C_REQUESTQ 0

/* Request: readable le16 addr, le16 padding, le32 flags, write data;
 * writable read data, then u8 status. */
#define VIRTIO_I2C_OUT_HDR_SIZE 8
#define VIRTIO_I2C_FLAGS_FAIL_NEXT  (1u << 0)
#define VIRTIO_I2C_FLAGS_M_RD       (1u << 1)

#define VIRTIO_I2C_MSG_OK  0
#define VIRTIO_I2C_MSG_ERR 1

extern const struct vt_tok vt_i2c_status_names[];   /* "OK", "ERR" */

#endif
