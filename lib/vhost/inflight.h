/* The requests in flight on one queue: popped from the available ring, not
 * yet in the used ring.  Indexed by descriptor head (a head is in flight at
 * most once) and linked in request-id order, oldest first: the oldest is
 * what an out-of-order completion overtook, and with one timeout for all,
 * the timed-out requests are always a prefix of the list.
 *
 * The queue engine keeps one per running queue, whether or not anyone
 * watches; an event source without an engine of its own (a trace replayed
 * into the recorder, a proxy's view of the two sides) keeps one fed from
 * its events.  Same code either way. */
#ifndef VT_VHOST_INFLIGHT_H
#define VT_VHOST_INFLIGHT_H

#include <stdbool.h>
#include <stdint.h>

#define VT_INFLIGHT_END 0xffffffffu

struct vt_inflight {
	uint64_t req_id;       /* 0: this head is not in flight */
	uint64_t t_avail;      /* vt_now_ns() when it was popped */
	uint16_t head;
	uint8_t marks;         /* bits an observer keeps with it (VT_INFL_*) */
	uint32_t prev, next;   /* req_id order; VT_INFLIGHT_END */
};

/* marks */
#define VT_INFL_TIMED_OUT 0x01   /* the recorder reported a timeout */

struct vt_inflight_list {
	struct vt_inflight *v;   /* cap entries, by head */
	uint32_t cap;
	bool grows;              /* cap 0 at init: grows with the heads seen */
	uint32_t oldest, newest;
	unsigned n;
};

/* cap: the queue size; 0: grow as heads arrive (sources without a ring). */
int vt_inflight_init(struct vt_inflight_list *l, uint32_t cap);
void vt_inflight_free(struct vt_inflight_list *l);
void vt_inflight_clear(struct vt_inflight_list *l);

/* Adds head as the newest request; a request still at head is replaced
 * (its chain was dropped: the ring restarted).  -ENOMEM, -ERANGE (head
 * beyond a fixed capacity). */
int vt_inflight_add(struct vt_inflight_list *l, uint16_t head, uint64_t req_id, uint64_t t_ns);
void vt_inflight_remove(struct vt_inflight_list *l, uint16_t head);

/* NULL when head is not in flight. */
struct vt_inflight *vt_inflight_at(const struct vt_inflight_list *l, uint16_t head);
/* Oldest first; NULL at the end. */
struct vt_inflight *vt_inflight_oldest(const struct vt_inflight_list *l);
struct vt_inflight *vt_inflight_next(const struct vt_inflight_list *l, const struct vt_inflight *f);

#endif
