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
	uint16_t *next;               /* host copy of chain/free-list links (the
	                                 device could scribble on desc[].next) */
	uint16_t cb_delay;            /* vt_dvq_enable_cb asks for a call at the
	                                 (cb_delay + 1)-th next used entry */
	bool cb_off;                  /* vt_dvq_disable_cb: vt_dvq_get leaves
	                                 used_event alone */
	bool broken;                  /* the device broke the used ring protocol
	                                 (bad id / used idx); vt_dvq_get then
	                                 returns NULL for good */
};

/* Indirect tables are allocated per head at init with this many entries at
 * most (min(num, VT_DVQ_INDIRECT_MAX)), to bound the memory they take:
 * num * min(num, 64) * 16 bytes of guest memory (256 KiB for num 256, 1 MiB
 * for 1024).  Longer indirect chains get -EINVAL from vt_dvq_add. */
#define VT_DVQ_INDIRECT_MAX 64
static inline unsigned vt_dvq_indirect_max(const struct vt_dvq *q)
{
	return q->num < VT_DVQ_INDIRECT_MAX ? q->num : VT_DVQ_INDIRECT_MAX;
}

/* Guest memory vt_dvq_init takes for a queue of num entries (rings,
 * indirect tables, alignment slack), so a front-end can size its memory. */
static inline uint64_t vt_dvq_mem_needed(unsigned num)
{
	uint64_t per_head = num < VT_DVQ_INDIRECT_MAX ? num : VT_DVQ_INDIRECT_MAX;
	return vt_vring_desc_size(num) + vt_vring_avail_size(num) + vt_vring_used_size(num) +
	       (uint64_t)num * per_head * sizeof(struct vt_vring_desc) + 4 * 64;
}

/* Allocates rings (and per-head indirect tables of vt_dvq_indirect_max()
 * entries) from g.  num a power of two <= 32768. -errno (-ENOMEM when g is
 * too small). */
int vt_dvq_init(struct vt_dvq *q, struct vt_gmem *g, uint16_t num, bool event_idx);
void vt_dvq_free(struct vt_dvq *q);

/* Adds a chain of n segments (readable ones first) tagged with token (not
 * NULL).  indirect: put it in an indirect table (one ring descriptor).
 * 0, or -ENOSPC when the ring has no room, -EINVAL for n == 0, a NULL
 * token, a readable segment after a writable one, a direct chain longer
 * than num or an indirect one longer than vt_dvq_indirect_max(). */
int vt_dvq_add(struct vt_dvq *q, const struct vt_dseg *segs, unsigned n, bool indirect, void *token);

/* Makes every chain added since the last publish visible to the device
 * (one avail idx store).  Returns true when the device wants a kick
 * (EVENT_IDX avail_event / NO_NOTIFY flag). */
bool vt_dvq_publish(struct vt_dvq *q);

/* Next used entry: its token, *len = used length, *head.  NULL when none.
 * Frees the chain's descriptors.  With EVENT_IDX it also moves used_event
 * along (callbacks stay enabled).  A device that reports an id not in flight
 * or moves used idx more than num ahead sets q->broken (logged with
 * vt_err) and NULL is returned from then on. */
void *vt_dvq_get(struct vt_dvq *q, uint32_t *len, uint16_t *head);

/* With EVENT_IDX, ask to be called when the next entry is used (used_event =
 * last_used, or cb_delay entries later); without, clear NO_INTERRUPT. */
void vt_dvq_enable_cb(struct vt_dvq *q);

/* No call wanted until vt_dvq_enable_cb, as Linux's drivers do while they
 * reap: vt_dvq_get stops moving used_event along (it stays behind, which
 * asks for nothing), or NO_INTERRUPT is set.  vt_fe_wait enables callbacks
 * again before it sleeps. */
void vt_dvq_disable_cb(struct vt_dvq *q);

/* Addresses for SET_VRING_ADDR (the front-end's virtual addresses). */
static inline uint64_t vt_dvq_desc_uva(const struct vt_dvq *q)  { return (uint64_t)(uintptr_t)q->desc; }
static inline uint64_t vt_dvq_avail_uva(const struct vt_dvq *q) { return (uint64_t)(uintptr_t)q->avail; }
static inline uint64_t vt_dvq_used_uva(const struct vt_dvq *q)  { return (uint64_t)(uintptr_t)q->used; }

#endif
