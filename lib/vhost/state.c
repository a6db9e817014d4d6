/* The vhost-user device state (see state.h).
 *
 * Messages go through one handler table; the generic code checks each with
 * rules.c before a handler sees it, so handlers only deal with meaning.
 * The front-end is not trusted: every malformed message gets one vt_err
 * line and an error answer (or is ignored), and every fd that arrives is
 * either kept or closed. */
#include "vhost/state.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/bytes.h"
#include "util/log.h"
#include "vhost/msg.h"
#include "vhost/rules.h"
#include "virtio/virtio.h"
#include "virtio/vq.h"
#include "virtio/vring.h"

/* What the protocol side implements; the device chooses which to offer. */
#define STATE_PROTOCOL_FEATURES                                          \
	(VT_BIT(VHOST_USER_PROTOCOL_F_MQ) | VT_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK) | \
	 VT_BIT(VHOST_USER_PROTOCOL_F_BACKEND_REQ) | VT_BIT(VHOST_USER_PROTOCOL_F_CONFIG) | \
	 VT_BIT(VHOST_USER_PROTOCOL_F_RESET_DEVICE) |                     \
	 VT_BIT(VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS) | VT_BIT(VHOST_USER_PROTOCOL_F_STATUS))

/* A handler's return value when it already filled the reply. */
#define REPLIED 1

/* One message being handled. */
struct ctx {
	struct vt_vhost_state *st;
	struct vt_vhost_msg *m;
	struct vt_vhost_msg *reply;
};

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

static uint64_t offered_features(const struct vt_vhost_state *st)
{
	return st->offered_features | VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
}

static uint64_t offered_protocol_features(const struct vt_vhost_state *st)
{
	return st->offered_protocol_features & STATE_PROTOCOL_FEATURES;
}

static int reply(struct ctx *x, const void *p, uint32_t size)
{
	x->reply->request = x->m->request;
	x->reply->flags = VT_VHOST_VERSION | VT_VHOST_FLAG_REPLY;
	x->reply->size = size;
	x->reply->nfds = 0;
	if (size)
		memcpy(x->reply->p.raw, p, size);
	return REPLIED;
}

static int reply_u64(struct ctx *x, uint64_t v)
{
	return reply(x, &v, sizeof(v));
}

/* ---- the owner's side ---- */

static void ring_changed(struct vt_vhost_state *st, unsigned q)
{
	if (st->ops && st->ops->ring_changed)
		st->ops->ring_changed(st->arg, q);
}

static bool ring_running(const struct vt_vhost_state *st, unsigned q)
{
	return st->ops && st->ops->ring_running && st->ops->ring_running(st->arg, q);
}

static void ring_stop(struct vt_vhost_state *st, unsigned q)
{
	if (ring_running(st, q) && st->ops->ring_stop)
		st->vr[q].base = st->ops->ring_stop(st->arg, q);
}

bool vt_vhost_state_acked(const struct vt_vhost_state *st, unsigned feature_bit)
{
	return st->features & VT_BIT(feature_bit);
}

bool vt_vhost_state_ring_map(const struct vt_vhost_state *st, unsigned q, void **desc, void **avail,
			     void **used)
{
	const struct vt_vhost_vring *v = &st->vr[q];

	*desc = vt_mem_uva(&st->mem, v->desc_uva, vt_vring_desc_size(v->num));
	*avail = vt_mem_uva(&st->mem, v->avail_uva, vt_vring_avail_size(v->num));
	*used = vt_mem_uva(&st->mem, v->used_uva, vt_vring_used_size(v->num));
	if (*desc && *avail && *used)
		return true;
	*desc = *avail = *used = NULL;
	return false;
}

static bool remap(struct vt_vhost_state *st, unsigned q)
{
	void *d, *a, *u;

	st->vr[q].mapped = st->vr[q].addr_set && vt_vhost_state_ring_map(st, q, &d, &a, &u);
	return st->vr[q].mapped;
}

bool vt_vhost_state_ring_ready(const struct vt_vhost_state *st, unsigned q)
{
	const struct vt_vhost_vring *v = &st->vr[q];
	bool enabled = v->enabled || !vt_vhost_state_acked(st, VHOST_USER_F_PROTOCOL_FEATURES);

	return v->kick_fd >= 0 && enabled && v->addr_set && v->mapped;
}

/* Stops queue q and forgets its configuration (reset, disconnect). */
static void reset_vring(struct vt_vhost_state *st, unsigned q)
{
	struct vt_vhost_vring *v = &st->vr[q];

	ring_stop(st, q);
	close_fd(&v->kick_fd);
	close_fd(&v->call_fd);
	close_fd(&v->err_fd);
	memset(v, 0, sizeof(*v));
	v->kick_fd = v->call_fd = v->err_fd = -1;
}

static void memory_changed(struct vt_vhost_state *st)
{
	for (unsigned q = 0; q < st->nq; q++)
		remap(st, q);
	if (st->ops && st->ops->mem_changed)
		st->ops->mem_changed(st->arg);
	for (unsigned q = 0; q < st->nq; q++)
		if (st->vr[q].addr_set)
			ring_changed(st, q);
}

void vt_vhost_state_init(struct vt_vhost_state *st, const struct vt_vhost_state_ops *ops, void *arg)
{
	st->ops = ops;
	st->arg = arg;
	st->features = st->protocol_features = 0;
	st->status = 0;
	st->backend_req_fd = -1;
	memset(&st->last, 0, sizeof(st->last));
	st->compared = false;
	vt_mem_init(&st->mem);
	for (unsigned q = 0; q < VT_VHOST_MAX_QUEUES; q++) {
		memset(&st->vr[q], 0, sizeof(st->vr[q]));
		st->vr[q].kick_fd = st->vr[q].call_fd = st->vr[q].err_fd = -1;
	}
}

/* What a reconnecting VMM would send again (see state.h's last). */
static void remember_frontend(struct vt_vhost_state *st)
{
	bool any = false;

	for (unsigned q = 0; q < st->nq; q++)
		any |= st->vr[q].addr_set;
	if (!any)
		return;   /* it set up no ring: the device state is still the last one's */
	for (unsigned q = 0; q < st->nq; q++) {
		const struct vt_vhost_vring *v = &st->vr[q];
		st->last.ring[q].set = v->addr_set;
		st->last.ring[q].desc = v->desc_uva;
		st->last.ring[q].avail = v->avail_uva;
		st->last.ring[q].used = v->used_uva;
	}
	st->last.valid = true;
	st->last.nregions = st->mem.n;
	for (unsigned i = 0; i < st->mem.n && i < VT_MEM_MAX_REGIONS; i++) {
		st->last.region[i].gpa = st->mem.r[i].gpa;
		st->last.region[i].size = st->mem.r[i].size;
		st->last.region[i].uaddr = st->mem.r[i].uaddr;
	}
}

static bool same_frontend(const struct vt_vhost_state *st, unsigned q)
{
	const struct vt_vhost_vring *v = &st->vr[q];

	if (st->mem.n != st->last.nregions || !st->last.ring[q].set ||
	    v->desc_uva != st->last.ring[q].desc || v->avail_uva != st->last.ring[q].avail ||
	    v->used_uva != st->last.ring[q].used)
		return false;
	for (unsigned i = 0; i < st->mem.n; i++)
		if (st->mem.r[i].gpa != st->last.region[i].gpa || st->mem.r[i].size != st->last.region[i].size ||
		    st->mem.r[i].uaddr != st->last.region[i].uaddr)
			return false;
	return true;
}

/* The first ring of a connection: a new front-end must not get what the
 * last driver left (a gpio device's line state, latched edges and IRQ
 * types); the model decides what that is. */
static void check_new_frontend(struct vt_vhost_state *st, unsigned q)
{
	if (st->compared)
		return;
	st->compared = true;
	if (!st->last.valid || same_frontend(st, q))
		return;
	vt_info("vhost-user: a new front-end (other memory or rings than the last one's)");
	if (st->ops && st->ops->new_frontend)
		st->ops->new_frontend(st->arg);
}

void vt_vhost_state_disconnect(struct vt_vhost_state *st)
{
	remember_frontend(st);
	st->compared = false;
	for (unsigned q = 0; q < st->nq; q++)
		reset_vring(st, q);
	vt_mem_clear(&st->mem);
	close_fd(&st->backend_req_fd);
	st->features = 0;
	st->protocol_features = 0;
	st->status = 0;
	for (unsigned q = 0; q < st->nq; q++)
		ring_changed(st, q);
}

static void reset_device(struct vt_vhost_state *st)
{
	for (unsigned q = 0; q < st->nq; q++)
		reset_vring(st, q);
	if (st->ops && st->ops->reset)
		st->ops->reset(st->arg);
	st->features = 0;
	st->status = 0;
	for (unsigned q = 0; q < st->nq; q++)
		ring_changed(st, q);
}

/* ---- negotiation ---- */

typedef int (*handler_fn)(struct ctx *x);

static int h_get_features(struct ctx *x)
{
	return reply_u64(x, offered_features(x->st));
}

static int h_set_features(struct ctx *x)
{
	struct vt_vhost_state *st = x->st;
	uint64_t f = x->m->p.u64, extra = f & ~offered_features(st);

	if (extra) {
		vt_err("vhost-user: SET_FEATURES 0x%llx: bits 0x%llx were not offered",
		       (unsigned long long)f, (unsigned long long)extra);
		return -EINVAL;
	}
	st->features = f;
	if (st->ops && st->ops->set_features)
		st->ops->set_features(st->arg, f);
	/* Without PROTOCOL_FEATURES, rings are enabled as soon as they start. */
	for (unsigned q = 0; q < st->nq; q++)
		ring_changed(st, q);
	return 0;
}

static int h_set_owner(struct ctx *x)
{
	(void)x;
	return 0;
}

static int h_reset(struct ctx *x)
{
	reset_device(x->st);
	return 0;
}

static int h_get_protocol_features(struct ctx *x)
{
	return reply_u64(x, offered_protocol_features(x->st));
}

static int h_set_protocol_features(struct ctx *x)
{
	uint64_t f = x->m->p.u64, extra = f & ~offered_protocol_features(x->st);

	if (extra) {
		vt_err("vhost-user: SET_PROTOCOL_FEATURES 0x%llx: bits 0x%llx were not offered",
		       (unsigned long long)f, (unsigned long long)extra);
		return -EINVAL;
	}
	x->st->protocol_features = f;
	return 0;
}

static int h_get_queue_num(struct ctx *x)
{
	return reply_u64(x, x->st->nq);
}

static int h_get_max_mem_slots(struct ctx *x)
{
	return reply_u64(x, VT_MEM_MAX_REGIONS);
}

static int h_set_backend_req_fd(struct ctx *x)
{
	/* Kept for CONFIG_CHANGE_MSG and friends; closed on disconnect. */
	close_fd(&x->st->backend_req_fd);
	x->st->backend_req_fd = take_fd(x->m, 0);
	return 0;
}

static int h_set_status(struct ctx *x)
{
	x->st->status = (uint8_t)x->m->p.u64;
	return 0;
}

static int h_get_status(struct ctx *x)
{
	return reply_u64(x, x->st->status);
}

static int h_unsupported(struct ctx *x)
{
	vt_err("vhost-user: %s is not supported", vt_vhost_request_name(x->m->request));
	return -EOPNOTSUPP;
}

/* ---- memory table ---- */

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

static int h_set_mem_table(struct ctx *x)
{
	struct vt_vhost_msg *m = x->m;
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
	/* Running rings point into the old mappings until mem_changed moves
	 * them: the old table goes only after that. */
	struct vt_mem old = x->st->mem;
	x->st->mem = nm;
	memory_changed(x->st);
	vt_mem_clear(&old);
	return 0;
}

static int h_add_mem_reg(struct ctx *x)
{
	const struct vt_vhost_mem_region *r = &x->m->p.memreg.region;
	int rc = add_region(&x->st->mem, x->m->fds[0], r);

	if (rc < 0) {
		vt_err("vhost-user: ADD_MEM_REG (gpa 0x%llx size 0x%llx): %s",
		       (unsigned long long)r->guest_phys_addr, (unsigned long long)r->memory_size,
		       strerror(-rc));
		return rc;
	}
	memory_changed(x->st);
	return 0;
}

static int h_rem_mem_reg(struct ctx *x)
{
	/* An fd may come along (older front-ends); the generic code closes it. */
	const struct vt_vhost_mem_region *r = &x->m->p.memreg.region;
	int rc = vt_mem_remove(&x->st->mem, r->guest_phys_addr, r->memory_size, r->userspace_addr);

	if (rc < 0) {
		vt_err("vhost-user: REM_MEM_REG: no region gpa 0x%llx size 0x%llx uaddr 0x%llx",
		       (unsigned long long)r->guest_phys_addr, (unsigned long long)r->memory_size,
		       (unsigned long long)r->userspace_addr);
		return rc;
	}
	memory_changed(x->st);
	return 0;
}

/* ---- vrings ---- */

static int check_stopped(struct ctx *x, unsigned q, const char *what)
{
	if (!ring_running(x->st, q))
		return 0;
	vt_err("vhost-user: %s: queue %u is running (stop it with GET_VRING_BASE first)", what, q);
	return -EBUSY;
}

static int h_set_vring_num(struct ctx *x)
{
	struct vt_vhost_state *st = x->st;
	unsigned q = x->m->p.state.index;
	uint32_t num = x->m->p.state.num;
	unsigned max = st->max_queue_size ? st->max_queue_size : VT_VQ_MAX_SIZE;

	if (check_stopped(x, q, "SET_VRING_NUM"))
		return -EBUSY;
	if (num == 0 || num > VT_VQ_MAX_SIZE || (num & (num - 1))) {
		vt_err("vhost-user: SET_VRING_NUM: queue %u: size %u is not a power of two in 1..%d",
		       q, num, VT_VQ_MAX_SIZE);
		return -EINVAL;
	}
	if (num > max) {
		vt_err("vhost-user: SET_VRING_NUM: queue %u: size %u exceeds the device's maximum %u",
		       q, num, max);
		return -EINVAL;
	}
	st->vr[q].num = (uint16_t)num;
	if (st->vr[q].addr_set && !remap(st, q))
		st->vr[q].addr_set = false;   /* the rings no longer fit: need a new SET_VRING_ADDR */
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

static int h_set_vring_addr(struct ctx *x)
{
	struct vt_vhost_state *st = x->st;
	const struct vt_vhost_vring_addr *a = &x->m->p.addr;
	unsigned q = a->index, num = st->vr[q].num;
	int r;

	if (num == 0) {
		vt_err("vhost-user: SET_VRING_ADDR: queue %u has no size yet (SET_VRING_NUM)", q);
		return -EINVAL;
	}
	size_t dl = vt_vring_desc_size(num), al = vt_vring_avail_size(num), ul = vt_vring_used_size(num);
	r = check_ring_part("descriptor", q, a->desc_user_addr, dl, VT_VRING_DESC_ALIGN,
			    vt_mem_uva(&st->mem, a->desc_user_addr, dl));
	if (!r)
		r = check_ring_part("available", q, a->avail_user_addr, al, VT_VRING_AVAIL_ALIGN,
				    vt_mem_uva(&st->mem, a->avail_user_addr, al));
	if (!r)
		r = check_ring_part("used", q, a->used_user_addr, ul, VT_VRING_USED_ALIGN,
				    vt_mem_uva(&st->mem, a->used_user_addr, ul));
	if (r)
		return r;
	/* Also accepted while running: QEMU re-sends addresses to toggle
	 * dirty logging (which we do not do). */
	st->vr[q].desc_uva = a->desc_user_addr;
	st->vr[q].avail_uva = a->avail_user_addr;
	st->vr[q].used_uva = a->used_user_addr;
	st->vr[q].addr_set = true;
	st->vr[q].addr_set = remap(st, q);
	if (st->vr[q].addr_set)
		check_new_frontend(st, q);
	ring_changed(st, q);
	return 0;
}

static int h_set_vring_base(struct ctx *x)
{
	unsigned q = x->m->p.state.index;

	if (check_stopped(x, q, "SET_VRING_BASE"))
		return -EBUSY;
	/* Split rings: the index to resume from; the used idx matches it as
	 * nothing is in flight across a stop. */
	x->st->vr[q].base = (uint16_t)x->m->p.state.num;
	return 0;
}

static int h_get_vring_base(struct ctx *x)
{
	struct vt_vhost_state *st = x->st;
	unsigned q = x->m->p.state.index;
	struct vt_vhost_vring_state s = { .index = q };

	ring_stop(st, q);
	/* A later SET_VRING_KICK restarts the ring; until then old kicks
	 * must not reach us. */
	close_fd(&st->vr[q].kick_fd);
	ring_changed(st, q);
	s.num = st->vr[q].base;
	return reply(x, &s, sizeof(s));
}

/* SET_VRING_KICK/CALL/ERR: queue in bits 0-7, bit 8 "no fd".  Returns the
 * vring's fd member to replace, NULL (error logged) if the message is bad. */
static int *vring_fd_arg(struct ctx *x, unsigned *qp)
{
	const struct vt_vhost_msg *m = x->m;
	const char *name = vt_vhost_request_name(m->request);
	unsigned q = (unsigned)(m->p.u64 & VT_VHOST_VRING_IDX_MASK);
	bool nofd = m->p.u64 & VT_VHOST_VRING_NOFD;

	if (q >= x->st->nq) {
		vt_err("vhost-user: %s: queue %u out of range (device has %u)", name, q, x->st->nq);
		return NULL;
	}
	if (m->nfds != (nofd ? 0u : 1u)) {
		vt_err("vhost-user: %s: queue %u: %u fds with the no-fd bit %s", name, q, m->nfds,
		       nofd ? "set" : "clear");
		return NULL;
	}
	*qp = q;
	struct vt_vhost_vring *v = &x->st->vr[q];
	return m->request == VHOST_USER_SET_VRING_KICK ? &v->kick_fd :
	       m->request == VHOST_USER_SET_VRING_CALL ? &v->call_fd : &v->err_fd;
}

static int h_set_vring_fd(struct ctx *x)
{
	unsigned q;
	int *fd = vring_fd_arg(x, &q);

	if (!fd)
		return -EINVAL;
	bool kick = x->m->request == VHOST_USER_SET_VRING_KICK;
	if (kick) {
		/* The engine stops watching the old fd before it is closed. */
		int old = *fd;
		*fd = -1;
		ring_changed(x->st, q);
		*fd = old;
	}
	close_fd(fd);
	if (x->m->nfds)
		*fd = take_fd(x->m, 0);
	else if (kick)
		vt_warn("vhost-user: queue %u: polling mode (no kick fd) is not supported", q);
	if (kick)
		ring_changed(x->st, q);
	return 0;
}

static int h_set_vring_enable(struct ctx *x)
{
	unsigned q = x->m->p.state.index;

	if (x->m->p.state.num > 1) {
		vt_err("vhost-user: SET_VRING_ENABLE: queue %u: value %u is not 0 or 1", q,
		       x->m->p.state.num);
		return -EINVAL;
	}
	x->st->vr[q].enabled = x->m->p.state.num;
	ring_changed(x->st, q);
	return 0;
}

static int h_vring_kick(struct ctx *x)
{
	if (x->st->ops && x->st->ops->kick)
		x->st->ops->kick(x->st->arg, x->m->p.state.index);
	return 0;
}

/* ---- config space ---- */

/* GET_CONFIG / SET_CONFIG: header fields and range, checked alike. */
static int config_arg(struct ctx *x)
{
	const struct vt_vhost_msg *m = x->m;
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
	if (!vt_range_ok(c->offset, c->size, x->st->config_size)) {
		vt_err("vhost-user: %s: bytes %u..+%u are outside the %u-byte config space",
		       name, c->offset, c->size, x->st->config_size);
		return -EINVAL;
	}
	return 0;
}

static int h_get_config(struct ctx *x)
{
	const struct vt_vhost_state_ops *ops = x->st->ops;
	int r = config_arg(x);

	if (r)
		return r;   /* the generic error path replies with size 0 */
	if (!ops || !ops->get_config) {
		vt_err("vhost-user: GET_CONFIG: the %s model has no config space", x->st->name);
		return -EOPNOTSUPP;
	}
	/* The reply echoes offset/size/flags: QEMU wants the same size back. */
	struct vt_vhost_config *c = &x->m->p.config;
	memset(c->region, 0, c->size);
	ops->get_config(x->st->arg, c->offset, c->region, c->size);
	return reply(x, c, x->m->size);
}

static int h_set_config(struct ctx *x)
{
	const struct vt_vhost_state_ops *ops = x->st->ops;
	const struct vt_vhost_config *c = &x->m->p.config;
	int r = config_arg(x);

	if (r)
		return r;
	if (!ops || !ops->set_config) {
		vt_err("vhost-user: SET_CONFIG: the %s config space is read-only", x->st->name);
		return -EPERM;
	}
	r = ops->set_config(x->st->arg, c->offset, c->region, c->size);
	if (r < 0)
		vt_err("vhost-user: SET_CONFIG at %u+%u refused: %s", c->offset, c->size, strerror(-r));
	return r < 0 ? r : 0;
}

/* ---- dispatch ---- */

static const handler_fn handlers[VHOST_USER_REQUEST_MAX] = {
	[VHOST_USER_GET_FEATURES] = h_get_features,
	[VHOST_USER_SET_FEATURES] = h_set_features,
	[VHOST_USER_SET_OWNER] = h_set_owner,
	[VHOST_USER_RESET_OWNER] = h_reset,
	[VHOST_USER_SET_MEM_TABLE] = h_set_mem_table,
	[VHOST_USER_SET_VRING_NUM] = h_set_vring_num,
	[VHOST_USER_SET_VRING_ADDR] = h_set_vring_addr,
	[VHOST_USER_SET_VRING_BASE] = h_set_vring_base,
	[VHOST_USER_GET_VRING_BASE] = h_get_vring_base,
	[VHOST_USER_SET_VRING_KICK] = h_set_vring_fd,
	[VHOST_USER_SET_VRING_CALL] = h_set_vring_fd,
	[VHOST_USER_SET_VRING_ERR] = h_set_vring_fd,
	[VHOST_USER_GET_PROTOCOL_FEATURES] = h_get_protocol_features,
	[VHOST_USER_SET_PROTOCOL_FEATURES] = h_set_protocol_features,
	[VHOST_USER_GET_QUEUE_NUM] = h_get_queue_num,
	[VHOST_USER_SET_VRING_ENABLE] = h_set_vring_enable,
	[VHOST_USER_SET_BACKEND_REQ_FD] = h_set_backend_req_fd,
	[VHOST_USER_GET_CONFIG] = h_get_config,
	[VHOST_USER_SET_CONFIG] = h_set_config,
	[VHOST_USER_RESET_DEVICE] = h_reset,
	[VHOST_USER_VRING_KICK] = h_vring_kick,
	[VHOST_USER_GET_MAX_MEM_SLOTS] = h_get_max_mem_slots,
	[VHOST_USER_ADD_MEM_REG] = h_add_mem_reg,
	[VHOST_USER_REM_MEM_REG] = h_rem_mem_reg,
	[VHOST_USER_SET_STATUS] = h_set_status,
	[VHOST_USER_GET_STATUS] = h_get_status,
};

enum vt_vhost_answer vt_vhost_state_handle(struct vt_vhost_state *st, struct vt_vhost_msg *m,
					   struct vt_vhost_msg *rep)
{
	struct ctx x = { st, m, rep };
	int r = vt_vhost_check(m, st->nq);

	if (r == 0) {
		handler_fn fn = handlers[m->request];
		r = fn ? fn(&x) : h_unsupported(&x);
	}
	vt_vhost_close_fds(m);   /* whatever the handler did not keep */
	if (r == REPLIED)
		return VT_VHOST_REPLY;
	const struct vt_vhost_rule *rule = vt_vhost_rule(m->request);
	if (rule && rule->mandatory) {
		/* The front-end waits for this reply whatever happens; an empty
		 * payload is the protocol's error signal (GET_CONFIG) and fails
		 * QEMU's size check for the others. */
		reply(&x, NULL, 0);
		return VT_VHOST_REPLY;
	}
	/* Checked after the handler: SET_PROTOCOL_FEATURES may just have
	 * acked REPLY_ACK. */
	if (vt_vhost_reply_expected(m, st->protocol_features)) {
		reply_u64(&x, r < 0 ? (uint64_t)-r : 0);
		return VT_VHOST_REPLY;
	}
	return VT_VHOST_NO_REPLY;
}
