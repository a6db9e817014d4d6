/* Driver side of a split virtqueue, for vitool's own front-end: builds
 * chains in vt_gmem memory, publishes them, reaps used entries. */
#ifndef VT_VIRTIO_DVQ_H
#define VT_VIRTIO_DVQ_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/gmem.h"
#include "virtio/vring.h"

/* A buffer to put on the ring. */
struct vt_dseg {
	uint64_t gpa;
	uint32_t len;
	bool writable;
};

struct vt_dvq {
	uint16_t num;
	struct vt_vring_desc *desc;   /* in guest memory */
	struct vt_vring_avail *avail;
	struct vt_vring_used *used;
	struct vt_gmem *mem;
	bool event_idx;

	uint16_t free_head, num_free;
	uint16_t avail_idx;           /* next avail idx to publish */
	uint16_t published_idx;       /* avail idx at the last vt_dvq_publish */
	uint16_t last_used;           /* next used ring slot to reap */
	void **token;                 /* per head */
	uint16_t *ndesc;              /* descriptors used per head */
	struct vt_vring_desc **ind;   /* per head: indirect table, or NULL */
};

/* Allocates rings (and per-head indirect tables of up to num entries) from
 * g.  num a power of two <= 32768. -errno. */
int vt_dvq_init(struct vt_dvq *q, struct vt_gmem *g, uint16_t num, bool event_idx);
void vt_dvq_free(struct vt_dvq *q);

/* Adds a chain of n segments (readable ones first) tagged with token (not
 * NULL).  indirect: put it in an indirect table (one ring descriptor).
 * 0, or -ENOSPC when the ring has no room, -EINVAL for n == 0. */
int vt_dvq_add(struct vt_dvq *q, const struct vt_dseg *segs, unsigned n, bool indirect, void *token);

/* Makes every chain added since the last publish visible to the device
 * (one avail idx store).  Returns true when the device wants a kick
 * (EVENT_IDX avail_event / NO_NOTIFY flag). */
bool vt_dvq_publish(struct vt_dvq *q);

/* Next used entry: its token, *len = used length, *head.  NULL when none.
 * Frees the chain's descriptors. */
void *vt_dvq_get(struct vt_dvq *q, uint32_t *len, uint16_t *head);

/* With EVENT_IDX, ask to be called when the next entry is used (used_event =
 * last_used); without, clear NO_INTERRUPT. */
void vt_dvq_enable_cb(struct vt_dvq *q);

/* Addresses for SET_VRING_ADDR (the front-end's virtual addresses). */
static inline uint64_t vt_dvq_desc_uva(const struct vt_dvq *q)  { return (uint64_t)(uintptr_t)q->desc; }
static inline uint64_t vt_dvq_avail_uva(const struct vt_dvq *q) { return (uint64_t)(uintptr_t)q->avail; }
static inline uint64_t vt_dvq_used_uva(const struct vt_dvq *q)  { return (uint64_t)(uintptr_t)q->used; }

#endif
