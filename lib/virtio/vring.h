/* Split virtqueue memory layout (virtio 1.x, little-endian fields), shared
 * by the device side (vq.h) and the driver side (dvq.h). */
#ifndef VT_VIRTIO_VRING_H
#define VT_VIRTIO_VRING_H

#include <stddef.h>
#include <stdint.h>

struct vt_vring_desc {
	uint64_t addr;   /* le64 guest-physical */
	uint32_t len;    /* le32 */
	uint16_t flags;  /* le16 VT_VRING_DESC_F_* */
	uint16_t next;   /* le16 */
};

struct vt_vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];  /* num entries, then le16 used_event (EVENT_IDX) */
};

struct vt_vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vt_vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vt_vring_used_elem ring[];  /* num entries, then le16 avail_event */
};

_Static_assert(sizeof(struct vt_vring_desc) == 16, "descriptor is 16 bytes");

static inline size_t vt_vring_desc_size(unsigned num)  { return 16u * (size_t)num; }
static inline size_t vt_vring_avail_size(unsigned num) { return 6u + 2u * (size_t)num; }
static inline size_t vt_vring_used_size(unsigned num)  { return 6u + 8u * (size_t)num; }

/* Alignment the spec requires of each part. */
#define VT_VRING_DESC_ALIGN  16
#define VT_VRING_AVAIL_ALIGN 2
#define VT_VRING_USED_ALIGN  4

/* The EVENT_IDX test: has new_idx moved past event_idx since old_idx? */
static inline int vt_vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

#endif
