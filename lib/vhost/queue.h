/* The queue engine of a device: runs each configured vring (vhost/state.h)
 * on the event loop.  Watches the kick fd, pops every available chain and
 * hands it to the device model, completes chains (now or deferred), and
 * notifies the driver through the call fd as the ring's suppression rules
 * say.  It also keeps, always and only here, the requests in flight of each
 * queue (request id, head, start time), whether or not anyone observes.
 *
 * Completion stage: every completion, whether the model returned a length
 * from handle() or called vt_backend_complete() later, passes through one
 * function before it reaches the used ring: the stage.  Without one set, it
 * is vt_queue_finish() itself.  A fault layer installs its own stage to
 *   - delay:   keep (queue, head, len) and call vt_queue_finish() later,
 *              from a timer;
 *   - fail:    rewrite the status byte in the chain's writable bytes
 *              (vt_engine_chain()) and then finish it;
 *   - drop:    never finish it: the request stays in flight (and is listed
 *              by `inflight`) until the ring stops;
 *   - reorder: hold several and finish them in another order.
 * The stage runs inside the kick's pop pass or inside the model's call; a
 * completion finished later is notified at once, one finished inside a
 * pass at the end of that pass.  vt_queue_finish() refuses (and logs) a head
 * that is not in flight any more, so a stage holding completions across a
 * ring stop cannot corrupt the ring. */
#ifndef VT_VHOST_QUEUE_H
#define VT_VHOST_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"
#include "util/lathist.h"
#include "util/loop.h"
#include "vhost/event.h"
#include "vhost/inflight.h"
#include "vhost/state.h"
#include "virtio/vq.h"

struct vt_engine;

struct vt_queue {
	struct vt_engine *e;
	unsigned index;
	struct vt_vq vq;
	bool started;            /* vt_vq_start() done; until stop */
	bool watching;           /* kick fd (watch_fd) is on the loop */
	int watch_fd;
	struct vt_inflight_list infl;   /* vq.num entries while started */
	struct vt_seg *scratch;     /* re-walking deferred chains for observers */
	struct vt_seg *model_segs;  /* vt_engine_chain() */
	uint64_t kicks, calls, avail, used, max_latency_ns;
	struct vt_lathist lat;   /* of every completion: `stats` percentiles */
	bool in_pass;            /* notification is left to the end of the pass */
	uint64_t pass_ns;        /* when the pass began: its events' time when unobserved */
	bool pushed;             /* used entries since the last notify check */
};

/* The stage every completion passes (see above).  It must eventually call
 * vt_queue_finish(q, head, len) or decide never to. */
typedef void (*vt_completion_stage_fn)(void *arg, struct vt_queue *q, uint16_t head, uint32_t len);

struct vt_engine {
	struct vt_loop *loop;
	const struct vt_device_model *model;
	void *dev;
	struct vt_backend *b;       /* what the model's callbacks get */
	struct vt_vhost_state *st;  /* the configuration the queues run from */
	vt_observer_fn obs;         /* NULL: nobody observes */
	void *obs_arg;
	vt_completion_stage_fn stage;
	void *stage_arg;
	uint64_t next_req_id;
	struct vt_queue q[VT_VHOST_MAX_QUEUES];
};

void vt_engine_init(struct vt_engine *e, struct vt_loop *loop, const struct vt_device_model *model,
		    void *dev, struct vt_backend *b, struct vt_vhost_state *st);
/* NULL restores the direct path (vt_queue_finish). */
void vt_engine_set_stage(struct vt_engine *e, vt_completion_stage_fn fn, void *arg);

/* The state's ops (ring_changed, ring_stop, ring_running, mem_changed,
 * kick) land here. */
void vt_engine_update(struct vt_engine *e, unsigned q);
uint16_t vt_engine_stop(struct vt_engine *e, unsigned q);
bool vt_engine_running(const struct vt_engine *e, unsigned q);
void vt_engine_remap(struct vt_engine *e);
void vt_engine_kick(struct vt_engine *e, unsigned q);

/* A completion from the model: through the stage to the used ring. */
void vt_engine_complete(struct vt_engine *e, unsigned q, uint16_t head, uint32_t used_len);
/* n completions at once: each through the stage, one notification at the
 * end (as for the completions of one pass). */
void vt_engine_complete_batch(struct vt_engine *e, unsigned q, const uint16_t *heads, const uint32_t *lens,
			      unsigned n);
/* The end of the stage: the used entry, the in-flight entry removed, the
 * USED event, and (outside a pass) the notification. */
void vt_queue_finish(struct vt_queue *q, uint16_t head, uint32_t used_len);

/* Re-walks the in-flight chain at head through the current memory table
 * (segments valid until the next call for this queue).  0 or -1. */
int vt_engine_chain(struct vt_engine *e, unsigned q, uint16_t head, struct vt_chain *c);

/* The request in flight at head of a running queue, NULL if none.  The
 * whole list: q->infl (vhost/inflight.h), empty while stopped. */
struct vt_inflight *vt_queue_inflight_at(const struct vt_queue *q, uint16_t head);

#endif
