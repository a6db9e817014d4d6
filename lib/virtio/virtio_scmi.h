/* virtio-scmi wire format (virtio spec "SCMI Device", id 32, and Arm's
 * SCMI message header), like Linux's include/uapi/linux/virtio_scmi.h, and
 * the names of its codes. */
#ifndef VT_VIRTIO_VIRTIO_SCMI_H
#define VT_VIRTIO_VIRTIO_SCMI_H

#include <stdint.h>

#include "virtio/names.h"

/* Feature bits */
#define VIRTIO_SCMI_F_P2A_CHANNELS 0
#define VIRTIO_SCMI_F_SHARED_MEMORY 1

/* Queues */
#define VIRTIO_SCMI_VQ_TX 0   /* cmdq */
#define VIRTIO_SCMI_VQ_RX 1   /* eventq */

/* le32 message header: message id bits 7:0, type 9:8, protocol id 17:10,
 * token 27:18. */
#define VIRTIO_SCMI_HDR_MSG_ID(h)   ((h) & 0xffu)
#define VIRTIO_SCMI_HDR_TYPE(h)     (((h) >> 8) & 0x3u)
#define VIRTIO_SCMI_HDR_PROTOCOL(h) (((h) >> 10) & 0xffu)
#define VIRTIO_SCMI_HDR_TOKEN(h)    (((h) >> 18) & 0x3ffu)

#define VIRTIO_SCMI_TYPE_COMMAND      0
#define VIRTIO_SCMI_TYPE_DELAYED_RESP 2
#define VIRTIO_SCMI_TYPE_NOTIFICATION 3

#define VIRTIO_SCMI_SUCCESS 0   /* statuses are negative le32s */

extern const struct vt_tok vt_scmi_protocol_names[]; /* 0x13 "PERF" */
extern const struct vt_tok vt_scmi_type_names[];     /* "cmd", "delayed-resp", "notification" */
/* Status is a signed le32; the table holds its two's-complement value. */
extern const struct vt_tok vt_scmi_status_names[];   /* "SUCCESS", "NOT_FOUND" */

const char *vt_scmi_protocol_name(unsigned proto);   /* "PERF", "proto-0x80" */
const char *vt_scmi_type_name(unsigned type);        /* "cmd", "type-1" */
const char *vt_scmi_status_name(uint32_t status);    /* "SUCCESS", "status--42" */

#endif
