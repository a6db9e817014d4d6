/* vhost-user wire format (QEMU docs/interop/vhost-user.rst): message header,
 * request numbers, payload layouts.  Native byte order, as on the wire. */
#ifndef VT_VHOST_PROTO_H
#define VT_VHOST_PROTO_H

#include <stdint.h>

#define VT_VHOST_HDR_SIZE 12
#define VT_VHOST_MAX_FDS 8
#define VT_VHOST_MAX_PAYLOAD 4096
#define VT_VHOST_MEM_TABLE_MAX 8         /* regions in one SET_MEM_TABLE */
#define VT_VHOST_CONFIG_MAX 256          /* bytes of config space */

#define VT_VHOST_VERSION      0x1
#define VT_VHOST_VERSION_MASK 0x3
#define VT_VHOST_FLAG_REPLY      (1u << 2)
#define VT_VHOST_FLAG_NEED_REPLY (1u << 3)

/* Low 8 bits of the u64 of SET_VRING_KICK/CALL/ERR: queue; bit 8: no fd. */
#define VT_VHOST_VRING_IDX_MASK 0xffu
#define VT_VHOST_VRING_NOFD     (1u << 8)

enum vt_vhost_request {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_RESET_OWNER = 4,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_LOG_BASE = 6,
	VHOST_USER_SET_LOG_FD = 7,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_SET_VRING_ERR = 14,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
	VHOST_USER_SEND_RARP = 19,
	VHOST_USER_NET_SET_MTU = 20,
	VHOST_USER_SET_BACKEND_REQ_FD = 21,
	VHOST_USER_IOTLB_MSG = 22,
	VHOST_USER_SET_VRING_ENDIAN = 23,
	VHOST_USER_GET_CONFIG = 24,
	VHOST_USER_SET_CONFIG = 25,
	VHOST_USER_CREATE_CRYPTO_SESSION = 26,
	VHOST_USER_CLOSE_CRYPTO_SESSION = 27,
	VHOST_USER_POSTCOPY_ADVISE = 28,
	VHOST_USER_POSTCOPY_LISTEN = 29,
	VHOST_USER_POSTCOPY_END = 30,
	VHOST_USER_GET_INFLIGHT_FD = 31,
	VHOST_USER_SET_INFLIGHT_FD = 32,
	VHOST_USER_GPU_SET_SOCKET = 33,
	VHOST_USER_RESET_DEVICE = 34,
	VHOST_USER_VRING_KICK = 35,
	VHOST_USER_GET_MAX_MEM_SLOTS = 36,
	VHOST_USER_ADD_MEM_REG = 37,
	VHOST_USER_REM_MEM_REG = 38,
	VHOST_USER_SET_STATUS = 39,
	VHOST_USER_GET_STATUS = 40,
	VHOST_USER_REQUEST_MAX
};

/* Requests a back-end sends on the back-end channel (SET_BACKEND_REQ_FD):
 * numbered on their own, from 1. */
enum vt_vhost_backend_request {
	VHOST_USER_BACKEND_IOTLB_MSG = 1,
	VHOST_USER_BACKEND_CONFIG_CHANGE_MSG = 2,
	VHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG = 3,
	VHOST_USER_BACKEND_VRING_CALL = 4,
	VHOST_USER_BACKEND_VRING_ERR = 5,
	VHOST_USER_BACKEND_SHARED_OBJECT_ADD = 6,
	VHOST_USER_BACKEND_SHARED_OBJECT_REMOVE = 7,
	VHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP = 8,
	VHOST_USER_BACKEND_REQUEST_MAX
};

/* Protocol feature bits */
#define VHOST_USER_PROTOCOL_F_MQ              0
#define VHOST_USER_PROTOCOL_F_LOG_SHMFD       1
#define VHOST_USER_PROTOCOL_F_REPLY_ACK       3
#define VHOST_USER_PROTOCOL_F_BACKEND_REQ     5
#define VHOST_USER_PROTOCOL_F_CONFIG          9
#define VHOST_USER_PROTOCOL_F_BACKEND_SEND_FD 10
#define VHOST_USER_PROTOCOL_F_HOST_NOTIFIER   11
#define VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD  12
#define VHOST_USER_PROTOCOL_F_RESET_DEVICE    13
#define VHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS 14
#define VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS  15
#define VHOST_USER_PROTOCOL_F_STATUS          16

struct vt_vhost_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vt_vhost_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc_user_addr;
	uint64_t used_user_addr;
	uint64_t avail_user_addr;
	uint64_t log_guest_addr;
};

struct vt_vhost_mem_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

struct vt_vhost_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vt_vhost_mem_region regions[VT_VHOST_MEM_TABLE_MAX];
};

/* ADD_MEM_REG / REM_MEM_REG */
struct vt_vhost_mem_single {
	uint64_t padding;
	struct vt_vhost_mem_region region;
};

struct vt_vhost_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t region[VT_VHOST_CONFIG_MAX];
};
#define VT_VHOST_CONFIG_HDR_SIZE 12

struct vt_vhost_inflight {
	uint64_t mmap_size;
	uint64_t mmap_offset;
	uint16_t num_queues;
	uint16_t queue_size;
};

struct vt_vhost_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size;    /* payload bytes that follow the header */
	union {
		uint64_t u64;
		struct vt_vhost_vring_state state;
		struct vt_vhost_vring_addr addr;
		struct vt_vhost_mem_table mem;
		struct vt_vhost_mem_single memreg;
		struct vt_vhost_config config;
		struct vt_vhost_inflight inflight;
		uint8_t raw[VT_VHOST_MAX_PAYLOAD];
	} p;
	int fds[VT_VHOST_MAX_FDS];
	unsigned nfds;
};

#endif
