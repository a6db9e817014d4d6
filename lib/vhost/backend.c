/* vhost-user backend: the device side of the protocol.
 *
 * One front-end at a time talks to us over a unix stream socket; everything
 * runs on the event loop.  Messages go through one dispatch table that says,
 * per request, which handler runs, how many fds it may carry and whether its
 * payload starts with a queue index; the generic code checks all of that
 * before a handler sees the message, so handlers only deal with meaning.
 * The front-end is not trusted: every malformed message gets one vt_err line
 * and an error reply (or is ignored), framing errors drop the connection,
 * and every fd that arrives is either kept or closed. */
#include "vhost/backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/bytes.h"
#include "util/listen.h"
#include "util/log.h"
#include "vhost/msg.h"
#include "virtio/mem.h"
#include "virtio/virtio.h"
#include "virtio/vring.h"

/* What this backend implements; the model chooses which of them to offer. */
#define BACKEND_PROTOCOL_FEATURES                                        \
	(VT_BIT(VHOST_USER_PROTOCOL_F_MQ) | VT_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK) | \
	 VT_BIT(VHOST_USER_PROTOCOL_F_BACKEND_REQ) | VT_BIT(VHOST_USER_PROTOCOL_F_CONFIG) | \
	 VT_BIT(VHOST_USER_PROTOCOL_F_RESET_DEVICE) |                     \
	 VT_BIT(VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS) | VT_BIT(VHOST_USER_PROTOCOL_F_STATUS))

/* Re-check rounds per kick: EVENT_IDX needs at least one re-check after
 * publishing avail_event; the cap keeps a driver that adds buffers as fast
 * as we consume them from starving the other fds of the loop. */
#define MAX_PASSES 16

/* A handler's return value when it already sent the mandatory reply. */
#define REPLIED 1

struct inflight {
	uint64_t req_id;   /* 0: not in flight */
	uint64_t t_avail;  /* only when an observer was set */
};

struct bqueue {
	struct vt_backend *b;
	struct vt_vq vq;
	int kick_fd, call_fd, err_fd;
	bool enabled;       /* SET_VRING_ENABLE */
	bool started;       /* vt_vq_start() done; until GET_VRING_BASE / reset */
	bool watching;      /* kick fd is on the loop */
	bool addr_set;
	uint64_t desc_uva, avail_uva, used_uva;
	struct inflight *infl;   /* num entries, indexed by head */
	struct vt_seg *scratch;  /* re-walking deferred chains for observers */
	struct vt_seg *model_segs;  /* vt_backend_chain() */
	uint64_t kicks, calls, avail, used, max_latency_ns;
	bool in_pass;            /* notification is left to the end of the pass */
	bool pushed;             /* used entries since the last notify check */
};

struct vt_backend {
	struct vt_loop *loop;
	const struct vt_device_model *model;
	void *dev;
	unsigned nq;
	struct vt_listener *listener;   /* NULL: attached only (tests) */
	int conn_fd;
	bool once, send_failed;
	vt_observer_fn obs;
	void *obs_arg;

	uint64_t features;            /* acked (SET_FEATURES) */
	uint64_t protocol_features;   /* acked (SET_PROTOCOL_FEATURES) */
	uint8_t status;
	int backend_req_fd;
	struct vt_mem mem;
	struct bqueue q[VT_BACKEND_MAX_QUEUES];
	uint64_t next_req_id;
	struct vt_vhost_msg msg;      /* 4 KiB: kept off the stack */
};

/* ---- small helpers -------------------------------------------------- */

static void emit(struct vt_backend *b, struct vt_event *ev)
{
	ev->t_ns = vt_now_ns();
	b->obs(b->obs_arg, ev);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Takes fd i of the message: the generic code closes the others. */
static int take_fd(struct vt_vhost_msg *m, unsigned i)
{
	int fd = m->fds[i];

	m->fds[i] = -1;
	return fd;
}

static void signal_fd(int fd)
{
	uint64_t one = 1;

	/* A full eventfd counter (EAGAIN) already means "signalled". */
	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		vt_debug("vhost-user: eventfd write failed: %s", strerror(errno));
}

static bool acked(const struct vt_backend *b, unsigned pbit)
{
	return b->protocol_features & VT_BIT(pbit);
}

static uint64_t offered_features(const struct vt_backend *b)
{
	return b->model->features | VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
}

static uint64_t offered_protocol_features(const struct vt_backend *b)
{
	return b->model->protocol_features & BACKEND_PROTOCOL_FEATURES;
}

static void reply(struct vt_backend *b, const struct vt_vhost_msg *m, const void *p, uint32_t size)
{
	int r = vt_vhost_reply(b->conn_fd, m, p, size);

	if (r < 0) {
		vt_err("vhost-user: %s: sending the reply failed: %s",
		       vt_vhost_request_name(m->request), strerror(-r));
		b->send_failed = true;
	}
}

static void reply_u64(struct vt_backend *b, const struct vt_vhost_msg *m, uint64_t v)
{
	reply(b, m, &v, sizeof(v));
}

/* ---- rings ------------------------------------------------------------ */

static void unwatch(struct bqueue *bq)
{
	if (bq->watching)
		vt_loop_del_fd(bq->b->loop, bq->kick_fd);
	bq->watching = false;
}

/* Points the ring at guest memory for its UVAs and current size.  false
 * (pointers NULL) when some part lies outside the memory table. */
static bool translate(struct vt_backend *b, struct bqueue *bq)
{
	unsigned num = bq->vq.num;

	bq->vq.desc = vt_mem_uva(&b->mem, bq->desc_uva, vt_vring_desc_size(num));
	bq->vq.avail = vt_mem_uva(&b->mem, bq->avail_uva, vt_vring_avail_size(num));
	bq->vq.used = vt_mem_uva(&b->mem, bq->used_uva, vt_vring_used_size(num));
	if (bq->vq.desc && bq->vq.avail && bq->vq.used)
		return true;
	bq->vq.desc = NULL;
	bq->vq.avail = NULL;
	bq->vq.used = NULL;
	return false;
}

static void ring_error(struct vt_backend *b, struct bqueue *bq)
{
	/* The other queues and the control connection keep going. */
	unwatch(bq);
	signal_fd(bq->err_fd);
	if (b->obs) {
		struct vt_event ev = { .kind = VT_EV_RING_ERROR, .queue = bq->vq.index,
				       .text = bq->vq.why };
		emit(b, &ev);
	}
}

static void notify(struct vt_backend *b, struct bqueue *bq)
{
	if (!bq->pushed)
		return;
	bq->pushed = false;
	if (!vt_vq_should_notify(&bq->vq))
		return;
	signal_fd(bq->call_fd);
	bq->calls++;
	if (b->obs) {
		struct vt_event ev = { .kind = VT_EV_CALL, .queue = bq->vq.index };
		emit(b, &ev);
	}
}

static void complete_chain(struct vt_backend *b, struct bqueue *bq, uint16_t head, uint32_t len,
			   const struct vt_chain *c)
{
	struct inflight *f = &bq->infl[head];

	vt_vq_push(&bq->vq, head, len);
	bq->pushed = true;
	bq->used++;
	if (b->obs) {
		uint64_t now = vt_now_ns();
		if (f->t_avail && now - f->t_avail > bq->max_latency_ns)
			bq->max_latency_ns = now - f->t_avail;
		struct vt_event ev = { .kind = VT_EV_USED, .queue = bq->vq.index, .head = head,
				       .req_id = f->req_id, .used_len = len, .chain = c,
				       .latency_ns = f->t_avail ? now - f->t_avail : 0 };
		emit(b, &ev);
	}
	f->req_id = 0;
	f->t_avail = 0;
}

static void handle_chain(struct vt_backend *b, struct bqueue *bq, const struct vt_chain *c)
{
	struct inflight *f = &bq->infl[c->head];   /* pop guarantees head < num */
	unsigned q = bq->vq.index;

	f->req_id = ++b->next_req_id;
	bq->avail++;
	if (b->obs) {
		f->t_avail = vt_now_ns();
		struct vt_event ev = { .kind = VT_EV_AVAIL, .queue = q, .head = c->head,
				       .req_id = f->req_id, .chain = c };
		emit(b, &ev);
	}
	int r = b->model->handle(b->dev, b, q, c);
	if (r == VT_DEFER)
		return;
	if (r < 0) {
		/* Not part of the model contract; completing keeps the
		 * driver's descriptors from leaking. */
		vt_err("queue %u: %s model returned %d for head %u; completing with length 0",
		       q, b->model->name, r, c->head);
		r = 0;
	}
	complete_chain(b, bq, c->head, (uint32_t)r, c);
}

/* Pops and handles every available chain; returns how many. */
static unsigned pop_pass(struct vt_backend *b, struct bqueue *bq)
{
	struct vt_chain c;
	unsigned n = 0;

	while (vt_vq_pop(&bq->vq, &c) == 1) {
		handle_chain(b, bq, &c);
		n++;
	}
	return n;
}

static void process_queue(struct vt_backend *b, struct bqueue *bq)
{
	unsigned q = bq->vq.index;

	if (!bq->started || bq->vq.broken)
		return;
	bq->in_pass = true;
	for (int pass = 0; pass < MAX_PASSES; pass++) {
		unsigned n = pop_pass(b, bq);
		if (n > 0 && b->model->flush)
			b->model->flush(b->dev, b, q);
		if (bq->vq.broken)
			break;
		/* Publish how far we got, then look again: a buffer added
		 * before the driver saw avail_event would get no kick. */
		vt_vq_update_avail_event(&bq->vq);
		if (n == 0)
			break;
	}
	bq->in_pass = false;
	if (bq->vq.broken)
		ring_error(b, bq);
	notify(b, bq);
}

static void on_kick(struct vt_loop *loop, int fd, uint32_t events, void *arg)
{
	struct bqueue *bq = arg;
	struct vt_backend *b = bq->b;
	uint64_t v;
	ssize_t n;

	(void)loop;
	(void)events;
	n = read(fd, &v, sizeof(v));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != (ssize_t)sizeof(v)) {
		/* Not an eventfd, or a broken one: it would wake us forever. */
		vt_err("queue %u: kick fd unusable (%s); no longer watching it", bq->vq.index,
		       n < 0 ? strerror(errno) : "short read");
		unwatch(bq);
		return;
	}
	bq->kicks++;
	if (b->obs) {
		struct vt_event ev = { .kind = VT_EV_KICK, .queue = bq->vq.index };
		emit(b, &ev);
	}
	process_queue(b, bq);
}

static int start_ring(struct vt_backend *b, struct bqueue *bq)
{
	int r = vt_vq_start(&bq->vq);

	if (r == 0) {
		bq->infl = calloc(bq->vq.num, sizeof(*bq->infl));
		if (!bq->infl) {
			vt_vq_stop(&bq->vq);
			r = -ENOMEM;
		}
	}
	if (r < 0) {
		vt_err("queue %u: cannot start the ring: %s", bq->vq.index, strerror(-r));
		return r;
	}
	(void)b;
	bq->started = true;
	return 0;
}

/* Rings start with a kick fd, addresses, and (with PROTOCOL_FEATURES)
 * SET_VRING_ENABLE 1.  A disabled started ring is only paused: it keeps its
 * in-flight chains, which the model may still complete. */
static bool ring_ready(const struct vt_backend *b, const struct bqueue *bq)
{
	bool enabled = bq->enabled || !(b->features & VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES));

	return bq->kick_fd >= 0 && enabled && bq->addr_set && bq->vq.desc;
}

static void update_ring(struct vt_backend *b, struct bqueue *bq)
{
	if (!ring_ready(b, bq)) {
		unwatch(bq);
		return;
	}
	if (!bq->started && start_ring(b, bq) < 0)
		return;
	if (bq->vq.broken || bq->watching)
		return;
	int r = vt_loop_add_fd(b->loop, bq->kick_fd, EPOLLIN, on_kick, bq);
	if (r < 0) {
		vt_err("queue %u: cannot watch the kick fd: %s", bq->vq.index, strerror(-r));
		return;
	}
	bq->watching = true;
	/* Buffers made available before we watched must not wait for a kick
	 * that already happened. */
	process_queue(b, bq);
}

static void stop_ring(struct vt_backend *b, struct bqueue *bq)
{
	unwatch(bq);
	if (!bq->started)
		return;
	vt_vq_stop(&bq->vq);
	free(bq->infl);
	bq->infl = NULL;
	free(bq->scratch);
	bq->scratch = NULL;
	free(bq->model_segs);
	bq->model_segs = NULL;
	bq->started = false;
	bq->pushed = false;
	if (b->model->queue_stopped)
		b->model->queue_stopped(b->dev, bq->vq.index);
}

static void reset_queue(struct vt_backend *b, struct bqueue *bq)
{
	unsigned idx = bq->vq.index;

	stop_ring(b, bq);
	close_fd(&bq->kick_fd);
	close_fd(&bq->call_fd);
	close_fd(&bq->err_fd);
	memset(&bq->vq, 0, sizeof(bq->vq));
	bq->vq.index = idx;
	bq->vq.mem = &b->mem;
	bq->enabled = false;
	bq->addr_set = false;
	bq->desc_uva = bq->avail_uva = bq->used_uva = 0;
}

static void set_ring_features(struct vt_backend *b)
{
	for (unsigned i = 0; i < b->nq; i++) {
		struct vt_vq *vq = &b->q[i].vq;
		vq->event_idx = b->features & VT_BIT(VIRTIO_RING_F_EVENT_IDX);
		vq->notify_on_empty = b->features & VT_BIT(VIRTIO_F_NOTIFY_ON_EMPTY);
		vq->indirect_ok = b->features & VT_BIT(VIRTIO_RING_F_INDIRECT_DESC);
	}
}

/* After the memory table changed: rings follow their UVAs into the new
 * mappings; a running ring whose memory went away stops (it would
 * otherwise point at unmapped memory). */
static void remap_rings(struct vt_backend *b)
{
	for (unsigned i = 0; i < b->nq; i++) {
		struct bqueue *bq = &b->q[i];
		if (!bq->addr_set)
			continue;
		if (!translate(b, bq) && bq->started && !bq->vq.broken) {
			vt_vq_fail(&bq->vq, "ring memory was removed from the memory table");
			ring_error(b, bq);
			continue;
		}
		update_ring(b, bq);
	}
}

static void reset_device(struct vt_backend *b)
{
	for (unsigned i = 0; i < b->nq; i++)
		reset_queue(b, &b->q[i]);
	if (b->model->reset)
		b->model->reset(b->dev);
	b->features = 0;
	b->status = 0;
	set_ring_features(b);
}

/* ---- message handlers ------------------------------------------------ */

/* Each returns 0, -errno (the error has been logged), or REPLIED. */
typedef int (*handler_fn)(struct vt_backend *b, struct vt_vhost_msg *m);

static int h_get_features(struct vt_backend *b, struct vt_vhost_msg *m)
{
	reply_u64(b, m, offered_features(b));
	return REPLIED;
}

static int h_set_features(struct vt_backend *b, struct vt_vhost_msg *m)
{
	uint64_t f = m->p.u64, extra = f & ~offered_features(b);

	if (extra) {
		vt_err("vhost-user: SET_FEATURES 0x%llx: bits 0x%llx were not offered",
		       (unsigned long long)f, (unsigned long long)extra);
		return -EINVAL;
	}
	b->features = f;
	set_ring_features(b);
	if (b->model->set_features)
		b->model->set_features(b->dev, f);
	/* Without PROTOCOL_FEATURES, rings are enabled as soon as they start. */
	for (unsigned i = 0; i < b->nq; i++)
		update_ring(b, &b->q[i]);
	return 0;
}

static int h_set_owner(struct vt_backend *b, struct vt_vhost_msg *m)
{
	(void)b;
	(void)m;
	return 0;
}

static int h_reset(struct vt_backend *b, struct vt_vhost_msg *m)
{
	(void)m;
	reset_device(b);
	return 0;
}

static int h_get_protocol_features(struct vt_backend *b, struct vt_vhost_msg *m)
{
	reply_u64(b, m, offered_protocol_features(b));
	return REPLIED;
}

static int h_set_protocol_features(struct vt_backend *b, struct vt_vhost_msg *m)
{
	uint64_t f = m->p.u64, extra = f & ~offered_protocol_features(b);

	if (extra) {
		vt_err("vhost-user: SET_PROTOCOL_FEATURES 0x%llx: bits 0x%llx were not offered",
		       (unsigned long long)f, (unsigned long long)extra);
		return -EINVAL;
	}
	b->protocol_features = f;
	return 0;
}

static int h_get_queue_num(struct vt_backend *b, struct vt_vhost_msg *m)
{
	reply_u64(b, m, b->nq);
	return REPLIED;
}

static int h_get_max_mem_slots(struct vt_backend *b, struct vt_vhost_msg *m)
{
	reply_u64(b, m, VT_MEM_MAX_REGIONS);
	return REPLIED;
}

static int h_set_backend_req_fd(struct vt_backend *b, struct vt_vhost_msg *m)
{
	/* Kept for CONFIG_CHANGE_MSG and friends; closed on disconnect. */
	close_fd(&b->backend_req_fd);
	b->backend_req_fd = take_fd(m, 0);
	return 0;
}

/* Mapping past the end of a file "works" and then raises SIGBUS on first
 * touch: refuse regions a regular file (memfd, hugetlbfs, tmpfs) cannot
 * back.  Other fd kinds are left to mmap. */
static int check_region_fd(int fd, uint64_t mmap_offset, uint64_t size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode) && !vt_range_ok(mmap_offset, size, (uint64_t)st.st_size))
		return -ERANGE;
	return 0;
}

static int add_region(struct vt_mem *mem, int fd, const struct vt_vhost_mem_region *r)
{
	int rc = check_region_fd(fd, r->mmap_offset, r->memory_size);

	if (rc == 0)
		rc = vt_mem_add_fd(mem, fd, r->guest_phys_addr, r->memory_size, r->userspace_addr,
				   r->mmap_offset);
	return rc;
}

static int h_set_mem_table(struct vt_backend *b, struct vt_vhost_msg *m)
{
	const struct vt_vhost_mem_table *t = &m->p.mem;
	struct vt_mem nm;

	if (m->size < 8) {
		vt_err("vhost-user: SET_MEM_TABLE: payload of %u bytes is too short", m->size);
		return -EINVAL;
	}
	uint32_t n = t->nregions;
	if (n < 1 || n > VT_VHOST_MEM_TABLE_MAX) {
		vt_err("vhost-user: SET_MEM_TABLE: %u regions, expected 1..%d", n, VT_VHOST_MEM_TABLE_MAX);
		return -EINVAL;
	}
	if (m->size != 8 + n * sizeof(struct vt_vhost_mem_region)) {
		vt_err("vhost-user: SET_MEM_TABLE: payload is %u bytes, %u regions need %zu",
		       m->size, n, 8 + n * sizeof(struct vt_vhost_mem_region));
		return -EINVAL;
	}
	if (m->nfds != n) {
		vt_err("vhost-user: SET_MEM_TABLE: %u fds for %u regions", m->nfds, n);
		return -EINVAL;
	}
	/* Build the new table aside: a bad region leaves the old one intact. */
	vt_mem_init(&nm);
	for (uint32_t i = 0; i < n; i++) {
		const struct vt_vhost_mem_region *r = &t->regions[i];
		int rc = add_region(&nm, m->fds[i], r);
		if (rc < 0) {
			vt_err("vhost-user: SET_MEM_TABLE: region %u (gpa 0x%llx size 0x%llx): %s", i,
			       (unsigned long long)r->guest_phys_addr,
			       (unsigned long long)r->memory_size, strerror(-rc));
			vt_mem_clear(&nm);
			return rc;
		}
	}
	vt_mem_clear(&b->mem);
	b->mem = nm;
	remap_rings(b);
	return 0;
}

static int h_add_mem_reg(struct vt_backend *b, struct vt_vhost_msg *m)
{
	const struct vt_vhost_mem_region *r = &m->p.memreg.region;
	int rc = add_region(&b->mem, m->fds[0], r);

	if (rc < 0) {
		vt_err("vhost-user: ADD_MEM_REG (gpa 0x%llx size 0x%llx): %s",
		       (unsigned long long)r->guest_phys_addr, (unsigned long long)r->memory_size,
		       strerror(-rc));
		return rc;
	}
	remap_rings(b);
	return 0;
}

static int h_rem_mem_reg(struct vt_backend *b, struct vt_vhost_msg *m)
{
	/* An fd may come along (older front-ends); the generic code closes it. */
	const struct vt_vhost_mem_region *r = &m->p.memreg.region;
	int rc = vt_mem_remove(&b->mem, r->guest_phys_addr, r->memory_size, r->userspace_addr);

	if (rc < 0) {
		vt_err("vhost-user: REM_MEM_REG: no region gpa 0x%llx size 0x%llx uaddr 0x%llx",
		       (unsigned long long)r->guest_phys_addr, (unsigned long long)r->memory_size,
		       (unsigned long long)r->userspace_addr);
		return rc;
	}
	remap_rings(b);
	return 0;
}

static int check_stopped(const struct bqueue *bq, const char *what)
{
	if (!bq->started)
		return 0;
	vt_err("vhost-user: %s: queue %u is running (stop it with GET_VRING_BASE first)",
	       what, bq->vq.index);
	return -EBUSY;
}

static int h_set_vring_num(struct vt_backend *b, struct vt_vhost_msg *m)
{
	struct bqueue *bq = &b->q[m->p.state.index];
	uint32_t num = m->p.state.num;
	unsigned max = b->model->max_queue_size ? b->model->max_queue_size : VT_VQ_MAX_SIZE;

	if (check_stopped(bq, "SET_VRING_NUM"))
		return -EBUSY;
	if (num == 0 || num > VT_VQ_MAX_SIZE || (num & (num - 1))) {
		vt_err("vhost-user: SET_VRING_NUM: queue %u: size %u is not a power of two in 1..%d",
		       bq->vq.index, num, VT_VQ_MAX_SIZE);
		return -EINVAL;
	}
	if (num > max) {
		vt_err("vhost-user: SET_VRING_NUM: queue %u: size %u exceeds the device's maximum %u",
		       bq->vq.index, num, max);
		return -EINVAL;
	}
	bq->vq.num = (uint16_t)num;
	if (bq->addr_set && !translate(b, bq))
		bq->addr_set = false;   /* the rings no longer fit: need a new SET_VRING_ADDR */
	return 0;
}

static int check_ring_part(const char *what, unsigned q, uint64_t uva, size_t len,
			   unsigned align, const void *host)
{
	if (uva & (align - 1)) {
		vt_err("vhost-user: SET_VRING_ADDR: queue %u: %s ring 0x%llx is not %u-byte aligned",
		       q, what, (unsigned long long)uva, align);
		return -EINVAL;
	}
	if (!host) {
		vt_err("vhost-user: SET_VRING_ADDR: queue %u: %s ring 0x%llx+%zu is outside guest memory",
		       q, what, (unsigned long long)uva, len);
		return -EFAULT;
	}
	return 0;
}

static int h_set_vring_addr(struct vt_backend *b, struct vt_vhost_msg *m)
{
	const struct vt_vhost_vring_addr *a = &m->p.addr;
	struct bqueue *bq = &b->q[a->index];
	unsigned num = bq->vq.num, q = a->index;
	int r;

	if (num == 0) {
		vt_err("vhost-user: SET_VRING_ADDR: queue %u has no size yet (SET_VRING_NUM)", q);
		return -EINVAL;
	}
	size_t dl = vt_vring_desc_size(num), al = vt_vring_avail_size(num), ul = vt_vring_used_size(num);
	r = check_ring_part("descriptor", q, a->desc_user_addr, dl, VT_VRING_DESC_ALIGN,
			    vt_mem_uva(&b->mem, a->desc_user_addr, dl));
	if (!r)
		r = check_ring_part("available", q, a->avail_user_addr, al, VT_VRING_AVAIL_ALIGN,
				    vt_mem_uva(&b->mem, a->avail_user_addr, al));
	if (!r)
		r = check_ring_part("used", q, a->used_user_addr, ul, VT_VRING_USED_ALIGN,
				    vt_mem_uva(&b->mem, a->used_user_addr, ul));
	if (r)
		return r;
	/* Also accepted while running: QEMU re-sends addresses to toggle
	 * dirty logging (which we do not do). */
	bq->desc_uva = a->desc_user_addr;
	bq->avail_uva = a->avail_user_addr;
	bq->used_uva = a->used_user_addr;
	bq->addr_set = translate(b, bq);
	update_ring(b, bq);
	return 0;
}

static int h_set_vring_base(struct vt_backend *b, struct vt_vhost_msg *m)
{
	struct bqueue *bq = &b->q[m->p.state.index];

	if (check_stopped(bq, "SET_VRING_BASE"))
		return -EBUSY;
	/* Split rings: the index to resume from; the used idx matches it as
	 * nothing is in flight across a stop. */
	bq->vq.last_avail = (uint16_t)m->p.state.num;
	bq->vq.used_idx = (uint16_t)m->p.state.num;
	bq->vq.signalled_used_valid = false;
	return 0;
}

static int h_get_vring_base(struct vt_backend *b, struct vt_vhost_msg *m)
{
	struct bqueue *bq = &b->q[m->p.state.index];
	struct vt_vhost_vring_state s = { .index = m->p.state.index };

	stop_ring(b, bq);
	/* A later SET_VRING_KICK restarts the ring; until then old kicks
	 * must not reach us. */
	close_fd(&bq->kick_fd);
	s.num = bq->vq.last_avail;
	reply(b, m, &s, sizeof(s));
	return REPLIED;
}

/* SET_VRING_KICK/CALL/ERR: queue in bits 0-7, bit 8 "no fd". */
static int vring_fd_arg(struct vt_backend *b, const struct vt_vhost_msg *m, struct bqueue **bq)
{
	const char *name = vt_vhost_request_name(m->request);
	unsigned q = (unsigned)(m->p.u64 & VT_VHOST_VRING_IDX_MASK);
	bool nofd = m->p.u64 & VT_VHOST_VRING_NOFD;

	if (q >= b->nq) {
		vt_err("vhost-user: %s: queue %u out of range (device has %u)", name, q, b->nq);
		return -EINVAL;
	}
	if (m->nfds != (nofd ? 0u : 1u)) {
		vt_err("vhost-user: %s: queue %u: %u fds with the no-fd bit %s", name, q, m->nfds,
		       nofd ? "set" : "clear");
		return -EINVAL;
	}
	*bq = &b->q[q];
	return 0;
}

static int h_set_vring_kick(struct vt_backend *b, struct vt_vhost_msg *m)
{
	struct bqueue *bq;
	int r = vring_fd_arg(b, m, &bq);

	if (r)
		return r;
	unwatch(bq);
	close_fd(&bq->kick_fd);
	if (m->nfds)
		bq->kick_fd = take_fd(m, 0);
	else
		vt_warn("vhost-user: queue %u: polling mode (no kick fd) is not supported", bq->vq.index);
	update_ring(b, bq);
	return 0;
}

static int h_set_vring_call(struct vt_backend *b, struct vt_vhost_msg *m)
{
	struct bqueue *bq;
	int r = vring_fd_arg(b, m, &bq);

	if (r)
		return r;
	close_fd(&bq->call_fd);
	if (m->nfds)
		bq->call_fd = take_fd(m, 0);
	return 0;
}

static int h_set_vring_err(struct vt_backend *b, struct vt_vhost_msg *m)
{
	struct bqueue *bq;
	int r = vring_fd_arg(b, m, &bq);

	if (r)
		return r;
	close_fd(&bq->err_fd);
	if (m->nfds)
		bq->err_fd = take_fd(m, 0);
	return 0;
}

static int h_set_vring_enable(struct vt_backend *b, struct vt_vhost_msg *m)
{
	struct bqueue *bq = &b->q[m->p.state.index];

	if (m->p.state.num > 1) {
		vt_err("vhost-user: SET_VRING_ENABLE: queue %u: value %u is not 0 or 1",
		       bq->vq.index, m->p.state.num);
		return -EINVAL;
	}
	bq->enabled = m->p.state.num;
	update_ring(b, bq);
	return 0;
}

static int h_vring_kick(struct vt_backend *b, struct vt_vhost_msg *m)
{
	struct bqueue *bq = &b->q[m->p.state.index];

	if (b->obs) {
		struct vt_event ev = { .kind = VT_EV_KICK, .queue = bq->vq.index };
		emit(b, &ev);
	}
	if (bq->watching)
		process_queue(b, bq);
	return 0;
}

/* GET_CONFIG / SET_CONFIG: header fields and range, checked alike. */
static int config_arg(struct vt_backend *b, const struct vt_vhost_msg *m)
{
	const char *name = vt_vhost_request_name(m->request);
	const struct vt_vhost_config *c = &m->p.config;

	if (m->size < VT_VHOST_CONFIG_HDR_SIZE) {
		vt_err("vhost-user: %s: payload of %u bytes is too short", name, m->size);
		return -EINVAL;
	}
	if (c->size > VT_VHOST_CONFIG_MAX || m->size != VT_VHOST_CONFIG_HDR_SIZE + c->size) {
		vt_err("vhost-user: %s: size %u does not match the payload of %u bytes (at most %d)",
		       name, c->size, m->size, VT_VHOST_CONFIG_MAX);
		return -EINVAL;
	}
	if (!vt_range_ok(c->offset, c->size, b->model->config_size)) {
		vt_err("vhost-user: %s: bytes %u..+%u are outside the %u-byte config space",
		       name, c->offset, c->size, b->model->config_size);
		return -EINVAL;
	}
	return 0;
}

static int h_get_config(struct vt_backend *b, struct vt_vhost_msg *m)
{
	int r = config_arg(b, m);

	if (r)
		return r;   /* the generic error path replies with size 0 */
	if (!b->model->get_config) {
		vt_err("vhost-user: GET_CONFIG: the %s model has no config space", b->model->name);
		return -EOPNOTSUPP;
	}
	/* The reply echoes offset/size/flags: QEMU wants the same size back. */
	struct vt_vhost_config *c = &m->p.config;
	memset(c->region, 0, c->size);
	b->model->get_config(b->dev, c->offset, c->region, c->size);
	reply(b, m, c, m->size);
	return REPLIED;
}

static int h_set_config(struct vt_backend *b, struct vt_vhost_msg *m)
{
	const struct vt_vhost_config *c = &m->p.config;
	int r = config_arg(b, m);

	if (r)
		return r;
	if (!b->model->set_config) {
		vt_err("vhost-user: SET_CONFIG: the %s config space is read-only", b->model->name);
		return -EPERM;
	}
	r = b->model->set_config(b->dev, c->offset, c->region, c->size);
	if (r < 0)
		vt_err("vhost-user: SET_CONFIG at %u+%u refused: %s", c->offset, c->size, strerror(-r));
	return r < 0 ? r : 0;
}

static int h_set_status(struct vt_backend *b, struct vt_vhost_msg *m)
{
	b->status = (uint8_t)m->p.u64;
	return 0;
}

static int h_get_status(struct vt_backend *b, struct vt_vhost_msg *m)
{
	reply_u64(b, m, b->status);
	return REPLIED;
}

static int h_unsupported(struct vt_backend *b, struct vt_vhost_msg *m)
{
	(void)b;
	vt_err("vhost-user: %s is not supported", vt_vhost_request_name(m->request));
	return -EOPNOTSUPP;
}

/* ---- dispatch ----------------------------------------------------------- */

struct handler {
	handler_fn fn;
	uint8_t min_fds, max_fds;
	bool queue_arg;   /* payload starts with a u32 queue index to check */
	bool mandatory;   /* always answered, even without REPLY_ACK */
};

#define ANY_FDS 0, VT_VHOST_MAX_FDS

static const struct handler handlers[VHOST_USER_REQUEST_MAX] = {
	[VHOST_USER_GET_FEATURES] = { h_get_features, 0, 0, false, true },
	[VHOST_USER_SET_FEATURES] = { h_set_features, 0, 0, false, false },
	[VHOST_USER_SET_OWNER] = { h_set_owner, 0, 0, false, false },
	[VHOST_USER_RESET_OWNER] = { h_reset, 0, 0, false, false },
	[VHOST_USER_SET_MEM_TABLE] = { h_set_mem_table, ANY_FDS, false, false },
	[VHOST_USER_SET_LOG_BASE] = { h_unsupported, ANY_FDS, false, false },
	[VHOST_USER_SET_LOG_FD] = { h_unsupported, ANY_FDS, false, false },
	[VHOST_USER_SET_VRING_NUM] = { h_set_vring_num, 0, 0, true, false },
	[VHOST_USER_SET_VRING_ADDR] = { h_set_vring_addr, 0, 0, true, false },
	[VHOST_USER_SET_VRING_BASE] = { h_set_vring_base, 0, 0, true, false },
	[VHOST_USER_GET_VRING_BASE] = { h_get_vring_base, 0, 0, true, true },
	[VHOST_USER_SET_VRING_KICK] = { h_set_vring_kick, 0, 1, false, false },
	[VHOST_USER_SET_VRING_CALL] = { h_set_vring_call, 0, 1, false, false },
	[VHOST_USER_SET_VRING_ERR] = { h_set_vring_err, 0, 1, false, false },
	[VHOST_USER_GET_PROTOCOL_FEATURES] = { h_get_protocol_features, 0, 0, false, true },
	[VHOST_USER_SET_PROTOCOL_FEATURES] = { h_set_protocol_features, 0, 0, false, false },
	[VHOST_USER_GET_QUEUE_NUM] = { h_get_queue_num, 0, 0, false, true },
	[VHOST_USER_SET_VRING_ENABLE] = { h_set_vring_enable, 0, 0, true, false },
	[VHOST_USER_SEND_RARP] = { h_unsupported, ANY_FDS, false, false },
	[VHOST_USER_NET_SET_MTU] = { h_unsupported, ANY_FDS, false, false },
	[VHOST_USER_SET_BACKEND_REQ_FD] = { h_set_backend_req_fd, 1, 1, false, false },
	[VHOST_USER_IOTLB_MSG] = { h_unsupported, ANY_FDS, false, false },
	[VHOST_USER_SET_VRING_ENDIAN] = { h_unsupported, ANY_FDS, false, false },
	[VHOST_USER_GET_CONFIG] = { h_get_config, 0, 0, false, true },
	[VHOST_USER_SET_CONFIG] = { h_set_config, 0, 0, false, false },
	[VHOST_USER_CREATE_CRYPTO_SESSION] = { h_unsupported, ANY_FDS, false, false },
	[VHOST_USER_CLOSE_CRYPTO_SESSION] = { h_unsupported, ANY_FDS, false, false },
	[VHOST_USER_POSTCOPY_ADVISE] = { h_unsupported, ANY_FDS, false, false },
	[VHOST_USER_POSTCOPY_LISTEN] = { h_unsupported, ANY_FDS, false, false },
	[VHOST_USER_POSTCOPY_END] = { h_unsupported, ANY_FDS, false, false },
	[VHOST_USER_GET_INFLIGHT_FD] = { h_unsupported, ANY_FDS, false, false },
	[VHOST_USER_SET_INFLIGHT_FD] = { h_unsupported, ANY_FDS, false, false },
	[VHOST_USER_GPU_SET_SOCKET] = { h_unsupported, ANY_FDS, false, false },
	[VHOST_USER_RESET_DEVICE] = { h_reset, 0, 0, false, false },
	[VHOST_USER_VRING_KICK] = { h_vring_kick, 0, 0, true, false },
	[VHOST_USER_GET_MAX_MEM_SLOTS] = { h_get_max_mem_slots, 0, 0, false, true },
	[VHOST_USER_ADD_MEM_REG] = { h_add_mem_reg, 1, 1, false, false },
	[VHOST_USER_REM_MEM_REG] = { h_rem_mem_reg, 0, 1, false, false },
	[VHOST_USER_SET_STATUS] = { h_set_status, 0, 0, false, false },
	[VHOST_USER_GET_STATUS] = { h_get_status, 0, 0, false, true },
};

static const struct handler *find_handler(uint32_t request)
{
	if (request < VHOST_USER_REQUEST_MAX && handlers[request].fn)
		return &handlers[request];
	return NULL;
}

/* The checks every message of a kind needs, from the table. */
static int validate(const struct vt_backend *b, const struct handler *h, const struct vt_vhost_msg *m)
{
	const char *name = vt_vhost_request_name(m->request);
	int want = vt_vhost_payload_size(m->request);

	if (want >= 0 && m->size != (uint32_t)want) {
		vt_err("vhost-user: %s: payload is %u bytes, expected %d", name, m->size, want);
		return -EINVAL;
	}
	if (m->nfds < h->min_fds || m->nfds > h->max_fds) {
		vt_err("vhost-user: %s: %u fds, expected %u..%u", name, m->nfds, h->min_fds, h->max_fds);
		return -EINVAL;
	}
	if (h->queue_arg && m->p.state.index >= b->nq) {
		vt_err("vhost-user: %s: queue %u out of range (device has %u)", name,
		       m->p.state.index, b->nq);
		return -EINVAL;
	}
	return 0;
}

static void dispatch(struct vt_backend *b, struct vt_vhost_msg *m)
{
	const struct handler *h = find_handler(m->request);
	int r;

	vt_debug("vhost-user: %s (%u bytes, %u fds)", vt_vhost_request_name(m->request), m->size, m->nfds);
	if (b->obs) {
		struct vt_event ev = { .kind = VT_EV_VHOST_MSG, .request = m->request };
		emit(b, &ev);
	}
	if (!h) {
		vt_err("vhost-user: unknown request %u", m->request);
		r = -EOPNOTSUPP;
	} else {
		r = validate(b, h, m);
		if (r == 0)
			r = h->fn(b, m);
	}
	vt_vhost_close_fds(m);   /* whatever the handler did not keep */
	if (r == REPLIED)
		return;
	if (h && h->mandatory) {
		/* The front-end waits for this reply whatever happens; an empty
		 * payload is the protocol's error signal (GET_CONFIG) and fails
		 * QEMU's size check for the others. */
		reply(b, m, NULL, 0);
		return;
	}
	/* Checked after the handler: SET_PROTOCOL_FEATURES may just have
	 * acked REPLY_ACK. */
	if ((m->flags & VT_VHOST_FLAG_NEED_REPLY) && acked(b, VHOST_USER_PROTOCOL_F_REPLY_ACK))
		reply_u64(b, m, r < 0 ? (uint64_t)-r : 0);
}

/* ---- connection ------------------------------------------------------ */

static void teardown(struct vt_backend *b)
{
	for (unsigned i = 0; i < b->nq; i++)
		reset_queue(b, &b->q[i]);
	vt_mem_clear(&b->mem);
	close_fd(&b->backend_req_fd);
	b->features = 0;
	b->protocol_features = 0;
	b->status = 0;
	set_ring_features(b);
	vt_loop_del_fd(b->loop, b->conn_fd);
	close_fd(&b->conn_fd);
	b->send_failed = false;
}

static void disconnect(struct vt_backend *b, int err)
{
	if (err == -ECONNRESET)
		vt_info("vhost-user: front-end disconnected");
	else
		vt_err("vhost-user: dropping the front-end: %s", strerror(-err));
	teardown(b);
	if (b->obs) {
		struct vt_event ev = { .kind = VT_EV_DISCONNECT };
		emit(b, &ev);
	}
	if (b->once) {
		vt_loop_stop(b->loop);
		return;
	}
	/* Accept the next front-end (those that tried meanwhile waited in the
	 * listen backlog). */
	if (b->listener && vt_listener_resume(b->listener) < 0)
		vt_err("vhost-user: cannot listen again on %s", vt_listener_path(b->listener));
}

static void on_conn(struct vt_loop *loop, int fd, uint32_t events, void *arg)
{
	struct vt_backend *b = arg;
	struct vt_vhost_msg *m = &b->msg;

	(void)loop;
	(void)events;
	memset(m, 0, sizeof(*m));
	int r = vt_vhost_recv(fd, m);
	if (r == -EAGAIN || r == -EINTR)
		return;
	if (r < 0) {
		disconnect(b, r);
		return;
	}
	dispatch(b, m);
	if (b->send_failed)
		disconnect(b, -EPIPE);
}

static int attach_conn(struct vt_backend *b, int fd)
{
	int r = vt_loop_add_fd(b->loop, fd, EPOLLIN, on_conn, b);

	if (r < 0) {
		close(fd);
		return r;
	}
	b->conn_fd = fd;
	if (b->listener)
		vt_listener_pause(b->listener);   /* one front-end at a time */
	vt_info("vhost-user: front-end connected");
	if (b->obs) {
		struct vt_event ev = { .kind = VT_EV_CONNECT };
		emit(b, &ev);
	}
	return 0;
}

static void on_accept(void *arg, int c)
{
	struct vt_backend *b = arg;

	if (b->conn_fd >= 0) {
		close(c);   /* cannot happen: we stop listening while connected */
		return;
	}
	attach_conn(b, c);
}

int vt_backend_listen(struct vt_backend *b, const char *path)
{
	/* The connection stays blocking: a message is read whole once it
	 * starts arriving (msg.c bounds the wait). */
	static const struct vt_listen_conf conf = {
		.what = "vhost-user", .backlog = 8, .accept_flags = SOCK_CLOEXEC,
	};
	char err[256];
	int r;

	if (b->listener)
		return -EBUSY;
	b->listener = vt_listen_unix(b->loop, path, &conf, on_accept, b, &r, err, sizeof(err));
	if (!b->listener) {
		vt_err("%s", err);
		return r;
	}
	if (b->conn_fd >= 0)
		vt_listener_pause(b->listener);
	return 0;
}

int vt_backend_attach(struct vt_backend *b, int fd)
{
	if (b->conn_fd >= 0) {
		close(fd);
		return -EBUSY;
	}
	return attach_conn(b, fd);
}

/* ---- public --------------------------------------------------------------- */

struct vt_backend *vt_backend_new(struct vt_loop *loop, const struct vt_device_model *model, void *dev)
{
	if (model->num_queues == 0 || model->num_queues > VT_BACKEND_MAX_QUEUES || !model->handle) {
		vt_err("vhost-user: model %s: %u queues (1..%d) / no handler", model->name,
		       model->num_queues, VT_BACKEND_MAX_QUEUES);
		return NULL;
	}
	struct vt_backend *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->loop = loop;
	b->model = model;
	b->dev = dev;
	b->nq = model->num_queues;
	b->conn_fd = b->backend_req_fd = -1;
	vt_mem_init(&b->mem);
	for (unsigned i = 0; i < VT_BACKEND_MAX_QUEUES; i++) {
		struct bqueue *bq = &b->q[i];
		bq->b = b;
		bq->kick_fd = bq->call_fd = bq->err_fd = -1;
		bq->vq.index = i;
		bq->vq.mem = &b->mem;
	}
	if (model->attach)
		model->attach(dev, b);
	return b;
}

void vt_backend_free(struct vt_backend *b)
{
	if (!b)
		return;
	if (b->conn_fd >= 0)
		teardown(b);
	vt_listener_free(b->listener);
	free(b);
}

void vt_backend_set_once(struct vt_backend *b, bool once)
{
	b->once = once;
}

bool vt_backend_connected(const struct vt_backend *b)
{
	return b->conn_fd >= 0;
}

void vt_backend_set_observer(struct vt_backend *b, vt_observer_fn fn, void *arg)
{
	b->obs = fn;
	b->obs_arg = arg;
}

void vt_backend_complete(struct vt_backend *b, unsigned q, uint16_t head, uint32_t used_len)
{
	if (q >= b->nq) {
		vt_err("vhost-user: completion for queue %u, device has %u", q, b->nq);
		return;
	}
	struct bqueue *bq = &b->q[q];
	if (!bq->started || head >= bq->vq.num || !bq->infl[head].req_id) {
		/* The ring stopped meanwhile (queue_stopped told the model), or
		 * a model bug: never touch the ring for it. */
		vt_warn("queue %u: completion of head %u ignored: not in flight", q, head);
		return;
	}
	struct vt_chain c, *cp = NULL;
	if (b->obs && !bq->vq.broken) {
		char why[sizeof(bq->vq.why)];
		if (!bq->scratch)
			bq->scratch = calloc(bq->vq.num, sizeof(*bq->scratch));
		if (bq->scratch && vt_vq_walk(&bq->vq, head, &c, bq->scratch, why, sizeof(why)) == 0)
			cp = &c;
	}
	complete_chain(b, bq, head, used_len, cp);
	if (!bq->in_pass)
		notify(b, bq);
}

int vt_backend_chain(struct vt_backend *b, unsigned q, uint16_t head, struct vt_chain *c)
{
	char why[sizeof(b->q[0].vq.why)];
	struct bqueue *bq;

	if (q >= b->nq)
		return -1;
	bq = &b->q[q];
	if (!bq->started || bq->vq.broken || head >= bq->vq.num || !bq->infl[head].req_id)
		return -1;
	if (!bq->model_segs)
		bq->model_segs = calloc(bq->vq.num, sizeof(*bq->model_segs));
	if (!bq->model_segs)
		return -1;
	if (vt_vq_walk(&bq->vq, head, c, bq->model_segs, why, sizeof(why)) < 0) {
		vt_warn("queue %u: in-flight chain at head %u is no longer valid: %s", q, head, why);
		return -1;
	}
	return 0;
}

uint64_t vt_backend_req_id(const struct vt_backend *b, unsigned q, uint16_t head)
{
	if (q >= b->nq)
		return 0;
	const struct bqueue *bq = &b->q[q];
	if (!bq->started || !bq->infl || head >= bq->vq.num)
		return 0;
	return bq->infl[head].req_id;
}

int vt_backend_stats(const struct vt_backend *b, unsigned q, struct vt_queue_stats *st)
{
	const struct bqueue *bq;

	if (q >= b->nq)
		return -1;
	bq = &b->q[q];
	memset(st, 0, sizeof(*st));
	st->started = bq->started;
	st->broken = bq->vq.broken;
	st->num = bq->vq.num;
	st->kicks = bq->kicks;
	st->calls = bq->calls;
	st->avail = bq->avail;
	st->used = bq->used;
	/* Counted, not derived from avail - used: a stopped ring drops what
	 * was in flight without completing it. */
	for (unsigned h = 0; bq->infl && h < bq->vq.num; h++)
		st->inflight += bq->infl[h].req_id != 0;
	st->max_latency_ns = bq->max_latency_ns;
	snprintf(st->why, sizeof(st->why), "%s", bq->vq.why);
	return 0;
}

unsigned vt_backend_num_queues(const struct vt_backend *b)
{
	return b->nq;
}

struct vt_vq *vt_backend_queue(struct vt_backend *b, unsigned q)
{
	return q < b->nq ? &b->q[q].vq : NULL;
}

uint64_t vt_backend_features(const struct vt_backend *b)
{
	return b->features;
}
