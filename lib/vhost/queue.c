/* The queue engine (see queue.h). */
#include "vhost/queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "util/log.h"
#include "virtio/virtio.h"

/* Re-check rounds per kick: EVENT_IDX needs at least one re-check after
 * publishing avail_event; the cap keeps a driver that adds buffers as fast
 * as we consume them from starving the other fds of the loop. */
#define MAX_PASSES 16

static void emit(struct vt_engine *e, struct vt_event *ev)
{
	ev->t_ns = vt_now_ns();
	e->obs(e->obs_arg, ev);
}

static void signal_fd(int fd)
{
	uint64_t one = 1;

	/* A full eventfd counter (EAGAIN) already means "signalled". */
	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		vt_debug("vhost-user: eventfd write failed: %s", strerror(errno));
}

static const struct vt_vhost_vring *vring(const struct vt_queue *q)
{
	return &q->e->st->vr[q->index];
}

struct vt_inflight *vt_queue_inflight_at(const struct vt_queue *q, uint16_t head)
{
	return q->started ? vt_inflight_at(&q->infl, head) : NULL;
}

/* ---- the ring ---- */

static void unwatch(struct vt_queue *q)
{
	if (q->watching)
		vt_loop_del_fd(q->e->loop, q->watch_fd);
	q->watching = false;
	q->watch_fd = -1;
}

static void ring_error(struct vt_queue *q)
{
	/* The other queues and the control connection keep going. */
	unwatch(q);
	signal_fd(vring(q)->err_fd);
	if (q->e->obs) {
		struct vt_event ev = { .kind = VT_EV_RING_ERROR, .queue = q->index, .text = q->vq.why };
		emit(q->e, &ev);
	}
}

static void notify(struct vt_queue *q)
{
	if (!q->pushed)
		return;
	q->pushed = false;
	if (!vt_vq_should_notify(&q->vq))
		return;
	signal_fd(vring(q)->call_fd);
	q->calls++;
	if (q->e->obs) {
		struct vt_event ev = { .kind = VT_EV_CALL, .queue = q->index };
		emit(q->e, &ev);
	}
}

/* The time of an event on q.  A clock read costs about as much as a small
 * request (~90 ns on a loaded VM): unobserved, a pass reads it once for
 * every pop and completion in it; observed, each event gets its own, so
 * --print and trace show true latencies. */
static uint64_t now_ns(const struct vt_queue *q)
{
	return q->in_pass && !q->e->obs ? q->pass_ns : vt_now_ns();
}

/* The used entry; c is the chain when the caller has it walked. */
static void finish(struct vt_queue *q, uint16_t head, uint32_t len, const struct vt_chain *c)
{
	const struct vt_inflight *f = vt_inflight_at(&q->infl, head);
	uint64_t now = now_ns(q), lat = now > f->t_avail ? now - f->t_avail : 0;

	vt_vq_push(&q->vq, head, len);
	q->pushed = true;
	q->used++;
	if (lat > q->max_latency_ns)
		q->max_latency_ns = lat;
	vt_lathist_add(&q->lat, lat);
	/* Observers see the request still in the list: the recorder asks
	 * whether an older one is in flight and whether it timed out. */
	if (q->e->obs) {
		struct vt_event ev = { .kind = VT_EV_USED, .queue = q->index, .head = head,
				       .req_id = f->req_id, .used_len = len, .chain = c,
				       .latency_ns = lat };
		emit(q->e, &ev);
	}
	vt_inflight_remove(&q->infl, head);
}

/* A completion whose chain nobody walked (deferred, or through a stage):
 * walked again for the observer only. */
static void finish_unwalked(struct vt_queue *q, uint16_t head, uint32_t len)
{
	struct vt_chain c, *cp = NULL;

	if (q->e->obs && !q->vq.broken) {
		char why[sizeof(q->vq.why)];
		if (!q->scratch)
			q->scratch = calloc(q->vq.num, sizeof(*q->scratch));
		if (q->scratch && vt_vq_walk(&q->vq, head, &c, q->scratch, why, sizeof(why)) == 0)
			cp = &c;
	}
	finish(q, head, len, cp);
}

void vt_queue_finish(struct vt_queue *q, uint16_t head, uint32_t used_len)
{
	if (!vt_queue_inflight_at(q, head)) {
		/* The ring stopped meanwhile (queue_stopped told the model), or
		 * a model bug: never touch the ring for it. */
		vt_warn("queue %u: completion of head %u ignored: not in flight", q->index, head);
		return;
	}
	finish_unwalked(q, head, used_len);
	if (!q->in_pass)
		notify(q);
}

/* A completion with its chain at hand: straight to the ring unless a
 * stage wants it. */
static void complete(struct vt_queue *q, uint16_t head, uint32_t len, const struct vt_chain *c)
{
	struct vt_engine *e = q->e;

	if (e->stage)
		e->stage(e->stage_arg, q, head, len);
	else if (c)
		finish(q, head, len, c);
	else
		vt_queue_finish(q, head, len);
}

static void handle_chain(struct vt_queue *q, const struct vt_chain *c)
{
	struct vt_engine *e = q->e;

	uint64_t req_id = ++e->next_req_id;

	/* pop guarantees head < num, and a popped head is not in flight */
	vt_inflight_add(&q->infl, c->head, req_id, now_ns(q));
	q->avail++;
	if (e->obs) {
		struct vt_event ev = { .kind = VT_EV_AVAIL, .queue = q->index, .head = c->head,
				       .req_id = req_id, .chain = c };
		emit(e, &ev);
	}
	int r = e->model->handle(e->dev, e->b, q->index, c);
	if (r == VT_DEFER)
		return;
	if (r < 0) {
		/* Not part of the model contract; completing keeps the
		 * driver's descriptors from leaking. */
		vt_err("queue %u: %s model returned %d for head %u; completing with length 0",
		       q->index, e->model->name, r, c->head);
		r = 0;
	}
	complete(q, c->head, (uint32_t)r, c);
}

/* Pops and handles every available chain; returns how many. */
static unsigned pop_pass(struct vt_queue *q)
{
	struct vt_chain c;
	unsigned n = 0;

	while (vt_vq_pop(&q->vq, &c) == 1) {
		handle_chain(q, &c);
		n++;
	}
	return n;
}

static void process_queue(struct vt_queue *q)
{
	struct vt_engine *e = q->e;

	if (!q->started || q->vq.broken)
		return;
	q->in_pass = true;
	q->pass_ns = vt_now_ns();
	for (int pass = 0; pass < MAX_PASSES; pass++) {
		unsigned n = pop_pass(q);
		if (n > 0 && e->model->flush)
			e->model->flush(e->dev, e->b, q->index);
		if (q->vq.broken)
			break;
		/* Publish how far we got, then look again: a buffer added
		 * before the driver saw avail_event would get no kick. */
		vt_vq_update_avail_event(&q->vq);
		if (n == 0)
			break;
	}
	q->in_pass = false;
	if (q->vq.broken)
		ring_error(q);
	notify(q);
}

/* The kick fd is watched edge-triggered: every write to an eventfd is a
 * new edge, so a kick wakes us without a read to reset its counter (one
 * system call per kick fewer; the counter would need 2^64 kicks to fill).
 * A pass takes everything available, kicks coalesced or not. */
static void on_kick(struct vt_loop *loop, int fd, uint32_t events, void *arg)
{
	struct vt_queue *q = arg;

	(void)loop;
	(void)fd;
	if (events & (EPOLLERR | EPOLLHUP)) {
		/* Not an eventfd, or a broken one. */
		vt_err("queue %u: kick fd unusable (%s); no longer watching it", q->index,
		       events & EPOLLERR ? "error" : "hung up");
		unwatch(q);
		return;
	}
	q->kicks++;
	if (q->e->obs) {
		struct vt_event ev = { .kind = VT_EV_KICK, .queue = q->index };
		emit(q->e, &ev);
	}
	process_queue(q);
}

void vt_engine_kick(struct vt_engine *e, unsigned qi)
{
	struct vt_queue *q = &e->q[qi];

	if (e->obs) {
		struct vt_event ev = { .kind = VT_EV_KICK, .queue = qi };
		emit(e, &ev);
	}
	if (q->watching)
		process_queue(q);
}

/* The ring pointers for the current memory table. */
static bool map_ring(struct vt_queue *q)
{
	void *d, *a, *u;
	bool ok = vt_vhost_state_ring_map(q->e->st, q->index, &d, &a, &u);

	q->vq.desc = d;
	q->vq.avail = a;
	q->vq.used = u;
	return ok;
}

static void sync_features(struct vt_queue *q)
{
	const struct vt_vhost_state *st = q->e->st;

	q->vq.event_idx = vt_vhost_state_acked(st, VIRTIO_RING_F_EVENT_IDX);
	q->vq.notify_on_empty = vt_vhost_state_acked(st, VIRTIO_F_NOTIFY_ON_EMPTY);
	q->vq.indirect_ok = vt_vhost_state_acked(st, VIRTIO_RING_F_INDIRECT_DESC);
}

static int start_ring(struct vt_queue *q)
{
	const struct vt_vhost_vring *v = vring(q);
	unsigned idx = q->index;
	int r;

	memset(&q->vq, 0, sizeof(q->vq));
	q->vq.index = idx;
	q->vq.mem = &q->e->st->mem;
	q->vq.num = v->num;
	/* Split rings: the index to resume from; the used idx matches it as
	 * nothing is in flight across a stop. */
	q->vq.last_avail = q->vq.used_idx = v->base;
	sync_features(q);
	map_ring(q);
	r = vt_vq_start(&q->vq);
	if (r == 0 && (r = vt_inflight_init(&q->infl, q->vq.num)) < 0)
		vt_vq_stop(&q->vq);
	if (r < 0) {
		vt_err("queue %u: cannot start the ring: %s", idx, strerror(-r));
		return r;
	}
	q->started = true;
	return 0;
}

/* Rings start with a kick fd, addresses, and (with PROTOCOL_FEATURES)
 * SET_VRING_ENABLE 1.  A disabled started ring is only paused: it keeps its
 * in-flight chains, which the model may still complete. */
void vt_engine_update(struct vt_engine *e, unsigned qi)
{
	struct vt_queue *q = &e->q[qi];
	const struct vt_vhost_vring *v = vring(q);

	if (!q->started)
		q->vq.num = v->num;   /* what diagnostics see before the ring starts */
	else if (v->mapped)
		map_ring(q);   /* SET_VRING_ADDR while running: follow the new addresses */
	sync_features(q);
	if (!vt_vhost_state_ring_ready(e->st, qi) || (q->watching && q->watch_fd != v->kick_fd)) {
		unwatch(q);
		if (!vt_vhost_state_ring_ready(e->st, qi))
			return;
	}
	if (!q->started && start_ring(q) < 0)
		return;
	if (q->vq.broken || q->watching)
		return;
	int r = vt_loop_add_fd(e->loop, v->kick_fd, EPOLLIN | EPOLLET, on_kick, q);
	if (r < 0) {
		vt_err("queue %u: cannot watch the kick fd: %s", qi, strerror(-r));
		return;
	}
	q->watching = true;
	q->watch_fd = v->kick_fd;
	/* Buffers made available before we watched must not wait for a kick
	 * that already happened. */
	process_queue(q);
}

uint16_t vt_engine_stop(struct vt_engine *e, unsigned qi)
{
	struct vt_queue *q = &e->q[qi];

	unwatch(q);
	if (!q->started)
		return q->vq.last_avail;
	vt_vq_stop(&q->vq);
	vt_inflight_free(&q->infl);
	free(q->scratch);
	q->scratch = NULL;
	free(q->model_segs);
	q->model_segs = NULL;
	q->started = false;
	q->pushed = false;
	if (e->model->queue_stopped)
		e->model->queue_stopped(e->dev, qi);
	return q->vq.last_avail;
}

bool vt_engine_running(const struct vt_engine *e, unsigned q)
{
	return e->q[q].started;
}

/* After the memory table changed: running rings follow their UVAs into the
 * new mappings; one whose memory went away stops (it would otherwise point
 * at unmapped memory).  The state calls vt_engine_update for each next. */
void vt_engine_remap(struct vt_engine *e)
{
	for (unsigned i = 0; i < e->st->nq; i++) {
		struct vt_queue *q = &e->q[i];
		if (!q->started)
			continue;
		if (!map_ring(q) && !q->vq.broken) {
			vt_vq_fail(&q->vq, "ring memory was removed from the memory table");
			ring_error(q);
		}
	}
}

void vt_engine_complete(struct vt_engine *e, unsigned qi, uint16_t head, uint32_t used_len)
{
	if (qi >= e->st->nq) {
		vt_err("vhost-user: completion for queue %u, device has %u", qi, e->st->nq);
		return;
	}
	struct vt_queue *q = &e->q[qi];
	if (!vt_queue_inflight_at(q, head)) {
		vt_warn("queue %u: completion of head %u ignored: not in flight", qi, head);
		return;
	}
	complete(q, head, used_len, NULL);
}

void vt_engine_complete_batch(struct vt_engine *e, unsigned qi, const uint16_t *heads, const uint32_t *lens,
			      unsigned n)
{
	if (qi >= e->st->nq) {
		vt_err("vhost-user: completion for queue %u, device has %u", qi, e->st->nq);
		return;
	}
	struct vt_queue *q = &e->q[qi];
	bool outer = q->in_pass;
	q->in_pass = true;
	q->pass_ns = vt_now_ns();
	for (unsigned i = 0; i < n; i++)
		vt_engine_complete(e, qi, heads[i], lens[i]);
	q->in_pass = outer;
	if (!outer)
		notify(q);
}

int vt_engine_chain(struct vt_engine *e, unsigned qi, uint16_t head, struct vt_chain *c)
{
	char why[sizeof(e->q[0].vq.why)];
	struct vt_queue *q;

	if (qi >= e->st->nq)
		return -1;
	q = &e->q[qi];
	if (q->vq.broken || !vt_queue_inflight_at(q, head))
		return -1;
	if (!q->model_segs)
		q->model_segs = calloc(q->vq.num, sizeof(*q->model_segs));
	if (!q->model_segs)
		return -1;
	if (vt_vq_walk(&q->vq, head, c, q->model_segs, why, sizeof(why)) < 0) {
		vt_warn("queue %u: in-flight chain at head %u is no longer valid: %s", qi, head, why);
		return -1;
	}
	return 0;
}

void vt_engine_init(struct vt_engine *e, struct vt_loop *loop, const struct vt_device_model *model,
		    void *dev, struct vt_backend *b, struct vt_vhost_state *st)
{
	memset(e, 0, sizeof(*e));
	e->loop = loop;
	e->model = model;
	e->dev = dev;
	e->b = b;
	e->st = st;
	for (unsigned i = 0; i < VT_VHOST_MAX_QUEUES; i++) {
		struct vt_queue *q = &e->q[i];
		q->e = e;
		q->index = i;
		q->vq.index = i;
		q->vq.mem = &st->mem;
		q->watch_fd = -1;
		vt_inflight_init(&q->infl, 0);
	}
}

void vt_engine_set_stage(struct vt_engine *e, vt_completion_stage_fn fn, void *arg)
{
	e->stage = fn;
	e->stage_arg = arg;
}
