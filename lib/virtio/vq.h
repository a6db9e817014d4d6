/* Device side of a split virtqueue: pops descriptor chains the driver made
 * available, pushes used entries, decides when to notify the driver.
 *
 * The driver is hostile: every violation of the ring rules stops the queue
 * (vq->broken, the reason in vq->why, one vt_err() line "queue N stopped:
 * REASON") and is never a crash or an access outside guest memory. */
#ifndef VT_VIRTIO_VQ_H
#define VT_VIRTIO_VQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/mem.h"
#include "virtio/vring.h"

/* One buffer of a chain, already translated to a host pointer. */
struct vt_seg {
	uint8_t *ptr;
	uint32_t len;
	uint64_t gpa;
	bool writable;
};

/* A descriptor chain: readable segments first, then writable ones. */
struct vt_chain {
	uint16_t head;          /* descriptor index, as reported in the used ring */
	bool indirect;          /* went through an indirect table */
	unsigned nread, nwrite; /* segment counts */
	uint64_t read_len, write_len;  /* byte totals */
	struct vt_seg *seg;     /* nread + nwrite entries (storage not owned) */
};

struct vt_vq {
	unsigned index;
	/* Set up by the front-end (backend fills these in). */
	uint16_t num;                  /* queue size; power of two */
	struct vt_vring_desc *desc;    /* host pointers into guest memory */
	struct vt_vring_avail *avail;
	struct vt_vring_used *used;
	const struct vt_mem *mem;
	bool event_idx;                /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool notify_on_empty;          /* VIRTIO_F_NOTIFY_ON_EMPTY negotiated */
	bool indirect_ok;              /* VIRTIO_RING_F_INDIRECT_DESC negotiated */

	/* Device state. */
	uint16_t last_avail;           /* next avail ring slot to consume */
	uint16_t used_idx;             /* our copy of used->idx */
	uint16_t signalled_used;       /* used idx at the last notification */
	bool signalled_used_valid;
	unsigned inflight;             /* popped and not yet pushed */
	bool broken;
	char why[200];

	struct vt_seg *segs;           /* num entries: storage for vt_vq_pop() */
};

/* Prepares a configured queue (num, desc/avail/used, mem set): allocates
 * segment storage.  last_avail/used_idx keep what SET_VRING_BASE gave.
 * -EINVAL if num is not a power of two in 1..32768 or a ring pointer is NULL
 * or not aligned as the spec requires (desc 16, avail 2, used 4).  Clears
 * broken/why/inflight: a restarted ring is a new driver. */
int vt_vq_start(struct vt_vq *vq);
/* Frees segment storage; the queue keeps its indices (GET_VRING_BASE). */
void vt_vq_stop(struct vt_vq *vq);

/* Takes the next available chain into *c (segments in vq->segs, valid until
 * the next pop).  1: got one; 0: nothing available; -1: the queue is broken
 * (now or before).  Checks, each stopping the queue with its own reason:
 * avail idx more than num ahead of last_avail, head >= num, next >= num, a
 * loop / chain longer than num, address outside guest memory (or addr+len
 * overflow), INDIRECT with NEXT, INDIRECT inside an indirect table, indirect
 * length 0 or not a multiple of 16, INDIRECT not negotiated, readable after
 * writable. */
int vt_vq_pop(struct vt_vq *vq, struct vt_chain *c);

/* Walks the chain starting at head again (e.g. to decode a completion later)
 * into segs (num entries).  Same checks as pop; does not stop the queue.
 * 0 or -1. */
int vt_vq_walk(const struct vt_vq *vq, uint16_t head, struct vt_chain *c, struct vt_seg *segs,
	       char *why, size_t whylen);

/* Puts (head, len) in the used ring and publishes used->idx.  Does nothing
 * on a broken queue. */
void vt_vq_push(struct vt_vq *vq, uint16_t head, uint32_t len);

/* After one or more pushes: should the driver be notified now?  Applies
 * EVENT_IDX (used_event) or NO_INTERRUPT, and NOTIFY_ON_EMPTY (notify when
 * the ring became empty even if suppressed).  Records the notification.
 * Always false on a broken queue. */
bool vt_vq_should_notify(struct vt_vq *vq);

/* With EVENT_IDX: the driver's used_event, the used index it wants the
 * next notification at, which it writes when it (re-)enables callbacks
 * (Linux's virtqueue_enable_cb(): its last_used_idx, after the entries it
 * took), so it tells how far the driver has taken the used ring.  false
 * without EVENT_IDX or on a broken queue. */
bool vt_vq_used_event(const struct vt_vq *vq, uint16_t *ev);

/* With EVENT_IDX: tell the driver up to where we have consumed (avail_event
 * = last_avail), so it kicks only for newer buffers.  Without EVENT_IDX:
 * nothing.  Call after a pop pass, then pop once more: a buffer made
 * available just before the store gets no kick (a full fence orders the
 * store before that re-check). */
void vt_vq_update_avail_event(struct vt_vq *vq);

/* Stops the queue: sets broken/why and logs "queue N stopped: why". */
void vt_vq_fail(struct vt_vq *vq, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Gather from the chain's readable bytes / scatter into its writable bytes,
 * starting at byte offset off of that stream.  Return bytes copied (less
 * than len at the end of the stream). */
size_t vt_chain_read(const struct vt_chain *c, uint64_t off, void *dst, size_t len);
size_t vt_chain_write(const struct vt_chain *c, uint64_t off, const void *src, size_t len);
/* Reads back writable bytes (decoding a response after completion). */
size_t vt_chain_read_writable(const struct vt_chain *c, uint64_t off, void *dst, size_t len);

#endif
