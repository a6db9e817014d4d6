/* virtio-scmi wire format (virtio spec "SCMI Device", id 32, and Arm's
 * SCMI specification DEN0056: the message header, the protocols' message
 * ids and status codes), like Linux's include/uapi/linux/virtio_scmi.h and
 * drivers/firmware/arm_scmi, and the names of its codes. */
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
#define VIRTIO_SCMI_HDR(proto, msg, type, token)                                   \
	((((uint32_t)(token) & 0x3ffu) << 18) | (((uint32_t)(proto) & 0xffu) << 10) | \
	 (((uint32_t)(type) & 0x3u) << 8) | ((uint32_t)(msg) & 0xffu))
/* The header with another type: a delayed response repeats its command's
 * protocol, message id and token. */
#define VIRTIO_SCMI_HDR_RETYPE(h, type) (((h) & ~(0x3u << 8)) | (((uint32_t)(type) & 0x3u) << 8))

#define VIRTIO_SCMI_TYPE_COMMAND      0
#define VIRTIO_SCMI_TYPE_DELAYED_RESP 2
#define VIRTIO_SCMI_TYPE_NOTIFICATION 3

/* Statuses: negative le32s. */
#define VIRTIO_SCMI_SUCCESS            0
#define VIRTIO_SCMI_NOT_SUPPORTED      (-1)
#define VIRTIO_SCMI_INVALID_PARAMETERS (-2)
#define VIRTIO_SCMI_DENIED             (-3)
#define VIRTIO_SCMI_NOT_FOUND          (-4)
#define VIRTIO_SCMI_OUT_OF_RANGE       (-5)
#define VIRTIO_SCMI_BUSY               (-6)
#define VIRTIO_SCMI_COMMS_ERROR        (-7)
#define VIRTIO_SCMI_GENERIC_ERROR      (-8)
#define VIRTIO_SCMI_HARDWARE_ERROR     (-9)
#define VIRTIO_SCMI_PROTOCOL_ERROR     (-10)

/* Protocols */
#define SCMI_PROTO_BASE   0x10
#define SCMI_PROTO_POWER  0x11
#define SCMI_PROTO_SYSTEM 0x12
#define SCMI_PROTO_PERF   0x13
#define SCMI_PROTO_CLOCK  0x14
#define SCMI_PROTO_SENSOR 0x15

/* Messages every protocol has. */
#define SCMI_PROTOCOL_VERSION            0x0
#define SCMI_PROTOCOL_ATTRIBUTES         0x1
#define SCMI_PROTOCOL_MESSAGE_ATTRIBUTES 0x2
#define SCMI_NEGOTIATE_PROTOCOL_VERSION  0x10

/* Base protocol (4.2). */
#define SCMI_BASE_DISCOVER_VENDOR          0x3
#define SCMI_BASE_DISCOVER_SUB_VENDOR      0x4
#define SCMI_BASE_DISCOVER_IMPL_VERSION    0x5
#define SCMI_BASE_DISCOVER_LIST_PROTOCOLS  0x6
#define SCMI_BASE_DISCOVER_AGENT           0x7
#define SCMI_BASE_NOTIFY_ERRORS            0x8
#define SCMI_BASE_SET_DEVICE_PERMISSIONS   0x9
#define SCMI_BASE_SET_PROTOCOL_PERMISSIONS 0xa
#define SCMI_BASE_RESET_AGENT_CONFIG       0xb
#define SCMI_BASE_ERROR_EVENT              0x0   /* notification */

/* Performance domain management (4.5). */
#define SCMI_PERF_DOMAIN_ATTRIBUTES    0x3
#define SCMI_PERF_DESCRIBE_LEVELS      0x4
#define SCMI_PERF_LIMITS_SET           0x5
#define SCMI_PERF_LIMITS_GET           0x6
#define SCMI_PERF_LEVEL_SET            0x7
#define SCMI_PERF_LEVEL_GET            0x8
#define SCMI_PERF_NOTIFY_LIMITS        0x9
#define SCMI_PERF_NOTIFY_LEVEL         0xa
#define SCMI_PERF_DESCRIBE_FASTCHANNEL 0xb
#define SCMI_PERF_DOMAIN_NAME_GET      0xc
#define SCMI_PERF_LIMITS_CHANGED       0x0   /* notifications */
#define SCMI_PERF_LEVEL_CHANGED        0x1
/* PERF_DOMAIN_ATTRIBUTES flags */
#define SCMI_PERF_DOM_SET_LIMITS     (1u << 31)
#define SCMI_PERF_DOM_SET_LEVEL      (1u << 30)
#define SCMI_PERF_DOM_LIMITS_NOTIFY  (1u << 29)
#define SCMI_PERF_DOM_LEVEL_NOTIFY   (1u << 28)
#define SCMI_PERF_DOM_EXTENDED_NAME  (1u << 26)

/* Clock management (4.6). */
#define SCMI_CLOCK_ATTRIBUTES            0x3
#define SCMI_CLOCK_DESCRIBE_RATES        0x4
#define SCMI_CLOCK_RATE_SET              0x5
#define SCMI_CLOCK_RATE_GET              0x6
#define SCMI_CLOCK_CONFIG_SET            0x7
#define SCMI_CLOCK_NAME_GET              0x8
#define SCMI_CLOCK_RATE_NOTIFY           0x9
#define SCMI_CLOCK_RATE_CHANGE_REQ_NOTIFY 0xa
#define SCMI_CLOCK_CONFIG_GET            0xb
#define SCMI_CLOCK_RATE_CHANGED          0x0   /* notifications */
#define SCMI_CLOCK_RATE_CHANGE_REQUESTED 0x1
/* CLOCK_ATTRIBUTES attributes */
#define SCMI_CLOCK_ATTR_RATE_NOTIFY     (1u << 31)
#define SCMI_CLOCK_ATTR_REQ_NOTIFY      (1u << 30)
#define SCMI_CLOCK_ATTR_EXTENDED_NAME   (1u << 29)
#define SCMI_CLOCK_ATTR_ENABLED         (1u << 0)
/* CLOCK_RATE_SET flags */
#define SCMI_CLOCK_SET_ASYNC       (1u << 0)
#define SCMI_CLOCK_SET_IGNORE_RESP (1u << 1)
#define SCMI_CLOCK_SET_ROUND_UP    (1u << 2)
#define SCMI_CLOCK_SET_ROUND_AUTO  (1u << 3)
/* CLOCK_DESCRIBE_RATES num_rates_flags */
#define SCMI_CLOCK_RATES_RANGE     (1u << 12)

/* Sensor management (4.7). */
#define SCMI_SENSOR_DESCRIPTION_GET        0x3
#define SCMI_SENSOR_TRIP_POINT_NOTIFY      0x4
#define SCMI_SENSOR_TRIP_POINT_CONFIG      0x5
#define SCMI_SENSOR_READING_GET            0x6
#define SCMI_SENSOR_AXIS_DESCRIPTION_GET   0x7
#define SCMI_SENSOR_LIST_UPDATE_INTERVALS  0x8
#define SCMI_SENSOR_CONFIG_GET             0x9
#define SCMI_SENSOR_CONFIG_SET             0xa
#define SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY 0xb
#define SCMI_SENSOR_NAME_GET               0xc
#define SCMI_SENSOR_AXIS_NAME_GET          0xd
#define SCMI_SENSOR_TRIP_POINT_EVENT       0x0   /* notifications */
#define SCMI_SENSOR_UPDATE                 0x1
/* descriptor attributes_low */
#define SCMI_SENSOR_ASYNC          (1u << 31)
#define SCMI_SENSOR_UPDATE_NOTIFY  (1u << 30)
#define SCMI_SENSOR_EXTENDED_NAME  (1u << 29)
#define SCMI_SENSOR_EXTENDED_ATTRS (1u << 8)
/* READING_GET flags */
#define SCMI_SENSOR_READ_ASYNC     (1u << 0)
/* TRIP_POINT_CONFIG event_control: bits 1:0 the mode, 11:4 the trip point */
#define SCMI_SENSOR_TP_MODE(c)     ((c) & 0x3u)
#define SCMI_SENSOR_TP_ID(c)       (((c) >> 4) & 0xffu)
#define SCMI_SENSOR_TP_POSITIVE    1u
#define SCMI_SENSOR_TP_NEGATIVE    2u
/* TRIP_POINT_EVENT trip_point_desc: bits 7:0 the trip point, bit 16 set
 * when the value crossed it upwards */
#define SCMI_SENSOR_TP_UPWARDS     (1u << 16)

/* Strings: short names are 16 bytes (NUL included), extended ones 64. */
#define SCMI_SHORT_NAME 16
#define SCMI_LONG_NAME 64

extern const struct vt_tok vt_scmi_protocol_names[]; /* 0x13 "PERF" */
extern const struct vt_tok vt_scmi_type_names[];     /* "cmd", "delayed", "notification" */
/* Status is a signed le32; the table holds its two's-complement value. */
extern const struct vt_tok vt_scmi_status_names[];   /* "SUCCESS", "NOT_FOUND" */
extern const struct vt_tok vt_scmi_unit_names[];     /* sensor units: 2 "temperature" */

const char *vt_scmi_protocol_name(unsigned proto);   /* "PERF", "proto-0x80" */
const char *vt_scmi_type_name(unsigned type);        /* "cmd", "type-1" */
const char *vt_scmi_status_name(uint32_t status);    /* "SUCCESS", "status--42" */
/* The name of a command of a protocol ("READING_GET"), or of a
 * notification (notification true: "SENSOR_UPDATE"); NULL when unknown. */
const char *vt_scmi_msg_name(unsigned proto, unsigned msg, int notification);

#endif
