/* virtio-gpio wire format (virtio spec "GPIO Device", id 41), like Linux's
 * include/uapi/linux/virtio_gpio.h, and the names of its codes: the one
 * place the model, the decoder, the driver and the control commands take
 * them from. */
#ifndef VT_VIRTIO_VIRTIO_GPIO_H
#define VT_VIRTIO_VIRTIO_GPIO_H

#include "virtio/names.h"

/* Feature bits */
#define VIRTIO_GPIO_F_IRQ 0

/* Config space: le16 ngpio, le16 padding, le32 gpio_names_size */
#define VIRTIO_GPIO_CONFIG_SIZE 8

/* The largest gpio_names_size (the names block: every line's name and its
 * NUL) vitool serves and vitool's front-end accepts: one limit for both
 * sides, so that `serve gpio --names` never offers what `drive gpio` then
 * refuses.  The field is le32, but a GET_LINE_NAMES response is one buffer
 * the driver allocates: 64 KiB is 1024 lines of 63-character names. */
#define VT_GPIO_NAMES_SIZE_MAX 65535u

/* Queues */
#define VIRTIO_GPIO_REQUESTQ 0
#define VIRTIO_GPIO_EVENTQ   1

/* requestq: le16 type, le16 gpio, le32 value; response u8 status, u8 value */
#define VIRTIO_GPIO_REQ_SIZE 8
#define VIRTIO_GPIO_MSG_GET_LINE_NAMES 1
#define VIRTIO_GPIO_MSG_GET_DIRECTION  2
#define VIRTIO_GPIO_MSG_SET_DIRECTION  3
#define VIRTIO_GPIO_MSG_GET_VALUE      4
#define VIRTIO_GPIO_MSG_SET_VALUE      5
#define VIRTIO_GPIO_MSG_SET_IRQ_TYPE   6

#define VIRTIO_GPIO_STATUS_OK  0
#define VIRTIO_GPIO_STATUS_ERR 1

#define VIRTIO_GPIO_DIRECTION_NONE 0
#define VIRTIO_GPIO_DIRECTION_OUT  1
#define VIRTIO_GPIO_DIRECTION_IN   2

#define VIRTIO_GPIO_IRQ_TYPE_NONE         0
#define VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING  1
#define VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING 2
#define VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH    3
#define VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH   4
#define VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW    8

/* eventq: le16 gpio; response u8 status */
#define VIRTIO_GPIO_IRQ_STATUS_INVALID 0
#define VIRTIO_GPIO_IRQ_STATUS_VALID   1

/* Name tables ({0, NULL}-terminated, for vt_tok2str()). */
extern const struct vt_tok vt_gpio_msg_names[];        /* "GET_VALUE" */
extern const struct vt_tok vt_gpio_status_names[];     /* "OK", "ERR" */
extern const struct vt_tok vt_gpio_direction_names[];  /* "none", "out", "in" */
extern const struct vt_tok vt_gpio_irq_type_names[];   /* "edge-rising", ... */
extern const struct vt_tok vt_gpio_irq_status_names[]; /* "INVALID", "VALID" */

const char *vt_gpio_msg_name(unsigned type);      /* "GET_VALUE", or NULL */
const char *vt_gpio_irq_type_name(unsigned type); /* "edge-rising", ..., or NULL */

#endif
