/* vhost-user backend (device side): a unix socket server that speaks the
 * protocol to a VMM (QEMU) or vitool's own front-end, maps guest memory,
 * runs the virtqueues of one device model on the event loop, and listens
 * again after the front-end disconnects (reconnect).  Its parts: the device
 * state (vhost/state.h), the queue engine (vhost/queue.h), the listener
 * (util/listen.h). */
#ifndef VT_VHOST_BACKEND_H
#define VT_VHOST_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"
#include "util/loop.h"
#include "vhost/event.h"
#include "vhost/proto.h"
#include "vhost/queue.h"
#include "virtio/vq.h"

#define VT_BACKEND_MAX_QUEUES VT_VHOST_MAX_QUEUES

struct vt_backend;


struct vt_backend *vt_backend_new(struct vt_loop *loop, const struct vt_device_model *model, void *dev);
void vt_backend_free(struct vt_backend *b);

/* Creates the socket at path (replacing a stale socket file, refusing any
 * other existing file) and accepts one front-end at a time on the loop.
 * -errno. */
int vt_backend_listen(struct vt_backend *b, const char *path);
/* Serves an already-connected socket (unit tests use a socketpair).  The
 * backend owns fd from now on. */
int vt_backend_attach(struct vt_backend *b, int fd);
/* Stop the loop after the first front-end disconnects (--once). */
void vt_backend_set_once(struct vt_backend *b, bool once);
bool vt_backend_connected(const struct vt_backend *b);

void vt_backend_set_observer(struct vt_backend *b, vt_observer_fn fn, void *arg);

/* Installs the completion stage (vhost/queue.h) every completion passes;
 * NULL: completions go straight to the used ring. */
void vt_backend_set_stage(struct vt_backend *b, vt_completion_stage_fn fn, void *arg);

/* Completes a deferred chain: used entry + notification as needed. */
void vt_backend_complete(struct vt_backend *b, unsigned q, uint16_t head, uint32_t used_len);

/* Re-walks the chain at head of queue q through the current memory table
 * into *c (segments valid until the next call for this queue).  Models
 * that complete a chain long after handle() (gpio eventq) use this instead
 * of keeping host pointers: the memory table may have changed meanwhile.
 * 0, or -1 when the chain is not in flight or no longer valid. */
int vt_backend_chain(struct vt_backend *b, unsigned q, uint16_t head, struct vt_chain *c);

/* The request id in flight at head of queue q (vt_event.req_id), 0 when
 * nothing is (completed, or dropped because the ring stopped).  The trace
 * recorder uses it to forget requests that will never complete. */
uint64_t vt_backend_req_id(const struct vt_backend *b, unsigned q, uint16_t head);

/* Queue q's engine state: its in-flight list (vt_queue_inflight_oldest),
 * always kept.  NULL when q is out of range. */
struct vt_queue *vt_backend_engine_queue(struct vt_backend *b, unsigned q);
const struct vt_device_model *vt_backend_model(const struct vt_backend *b);

struct vt_trace_source;
/* The backend as the trace recorder's event source (trace/source.h): its
 * observer, the engine's in-flight lists and chain re-walks; identity from
 * the model, instance 0 and no event queues (the caller knows those). */
void vt_backend_trace_source(struct vt_backend *b, struct vt_trace_source *src);

/* Counters per queue, since the backend started (control socket `stats`). */
struct vt_queue_stats {
	bool started;
	bool broken;
	uint16_t num;
	uint64_t kicks, calls;
	uint64_t avail, used;          /* chains popped / completed */
	unsigned inflight;             /* popped, not completed */
	uint64_t max_latency_ns;       /* of completed chains */
	struct vt_lathist lat;         /* their latencies (util/lathist.h) */
	char why[200];                 /* broken: the reason */
};
int vt_backend_stats(const struct vt_backend *b, unsigned q, struct vt_queue_stats *st);
/* Zeroes the counters of every queue (kicks, calls, avail, used, latency);
 * what is in flight stays (`stats reset`). */
void vt_backend_reset_stats(struct vt_backend *b);
/* The vhost-user socket's accepts, failed accepts and back-offs (zero when
 * the backend was only attached to a connection). */
struct vt_listen_stats;
void vt_backend_listen_stats(const struct vt_backend *b, struct vt_listen_stats *st);
unsigned vt_backend_num_queues(const struct vt_backend *b);

/* ---- a proxy's hooks (lib/proxy): the front-end's side of a proxy is a
 * backend whose messages go on to another backend ---- */

/* What becomes of a front-end message after the hook saw it. */
enum vt_backend_verdict {
	VT_BACKEND_STATE,   /* the device state handles and answers it (no hook) */
	VT_BACKEND_APPLY,   /* the state applies it (and takes the fds left in m);
	                       its answer is not sent: the hook's owner answers
	                       later with vt_backend_send() */
	VT_BACKEND_TAKEN,   /* the state never sees it; fds left in m are closed */
};

struct vt_backend_hooks {
	/* Each message from the front-end, recorded, before the state. */
	enum vt_backend_verdict (*message)(void *arg, struct vt_vhost_msg *m);
	/* A front-end connected; it left (after the state was torn down). */
	void (*connected)(void *arg);
	void (*disconnected)(void *arg);
	void *arg;
};
/* h must outlive b; NULL removes them. */
void vt_backend_set_hooks(struct vt_backend *b, const struct vt_backend_hooks *h);
/* Sends m (with nfds fds) to the connected front-end and records it
 * (VT_MSG_TO_FRONTEND).  A failed send drops the connection.  -errno. */
int vt_backend_send(struct vt_backend *b, const struct vt_vhost_msg *m, const int *fds, unsigned nfds);
/* Records m as part of the conversation (dir: enum vt_msg_dir) without
 * sending it: a proxy's replay of the VMM's set-up to a restarted
 * back-end, which trace shows where it happened. */
void vt_backend_record(struct vt_backend *b, const struct vt_vhost_msg *m, unsigned dir);
/* Applies m to the device state now, as a message from the front-end
 * would be, its answer discarded (a proxy applies GET_VRING_BASE once the
 * back-end answered it: the completions it made before reach the guest).
 * Takes m's fds. */
void vt_backend_apply(struct vt_backend *b, struct vt_vhost_msg *m);
/* Drops the front-end (a proxy whose back-end is gone); it may connect
 * again. */
void vt_backend_drop(struct vt_backend *b, const char *why);
/* Completes n chains of queue q at once (a proxy relaying a back-end's
 * used ring): through the stage, one notification at the end, as for the
 * chains of one kick. */
void vt_backend_complete_batch(struct vt_backend *b, unsigned q, const uint16_t *heads, const uint32_t *lens,
			       unsigned n);
/* The device state (a proxy reads the front-end's memory table, ring
 * configuration and negotiated features from it). */
const struct vt_vhost_state *vt_backend_state(const struct vt_backend *b);

/* For tests and diagnostics. */
struct vt_vq *vt_backend_queue(struct vt_backend *b, unsigned q);
uint64_t vt_backend_features(const struct vt_backend *b);   /* acked */

#endif
