/* vhost-user proxy (see proxy.h). */
#include "proxy/proxy.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "decode/decode.h"
#include "drivers/ident.h"
#include "fault/fault.h"
#include "proxy/channel.h"
#include "proxy/pending.h"
#include "proxy/rx.h"
#include "proxy/spawn.h"
#include "util/log.h"
#include "vhost/frontend.h"
#include "vhost/msg.h"
#include "vhost/rules.h"
#include "vhost/state.h"
#include "virtio/features.h"
#include "virtio/virtio.h"
#include "virtio/vq.h"
#include "virtio/vring.h"

/* Transport features the proxy cannot follow: packed (34) and in-order
 * (35) rings, IOMMU (33), notification data (38), ring reset (40), and
 * dirty logging (vhost's F_LOG_ALL, 26). */
#define MASKED_FEATURES                                                          \
	(VT_BIT(26) | VT_BIT(33) | VT_BIT(34) | VT_BIT(35) | VT_BIT(38) | VT_BIT(40))
/* Protocol features passed on: the rest need the proxy to see what it
 * cannot (dirty logs, postcopy faults, host notifiers that bypass the
 * kick, in-band notifications, memory slots it would have to renumber). */
#define KEPT_PROTOCOL_FEATURES                                                          \
	(VT_BIT(VHOST_USER_PROTOCOL_F_MQ) | VT_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK) |        \
	 VT_BIT(VHOST_USER_PROTOCOL_F_BACKEND_REQ) | VT_BIT(VHOST_USER_PROTOCOL_F_CONFIG) |  \
	 VT_BIT(VHOST_USER_PROTOCOL_F_BACKEND_SEND_FD) |                                     \
	 VT_BIT(VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD) |                                      \
	 VT_BIT(VHOST_USER_PROTOCOL_F_RESET_DEVICE) | VT_BIT(VHOST_USER_PROTOCOL_F_STATUS))

/* Passed on, but none of the VMM-side device state's business (it
 * implements neither): taken out of what it is told was acked. */
#define BACKEND_ONLY_PROTOCOL_FEATURES                                                  \
	(VT_BIT(VHOST_USER_PROTOCOL_F_BACKEND_SEND_FD) | VT_BIT(VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD))

/* The proxy's rings: per queue a slot with the avail ring at its start and
 * the used ring at USED_OFF (room for 32768 entries each), in one memfd the
 * back-end maps as an extra memory region.  Its GPA is above any guest's
 * memory and its UVA is non-canonical: no VMM address can be confused with
 * it. */
#define SLOT_SIZE (512u * 1024)
#define USED_OFF (128u * 1024)
#define RINGS_SIZE ((size_t)SLOT_SIZE * VT_VHOST_MAX_QUEUES)
#define RINGS_GPA (UINT64_C(1) << 52)
#define RINGS_UVA (UINT64_C(1) << 62)

#define REPLY_TIMEOUT_MS 5000

struct shadow {
	uint16_t num;           /* SET_VRING_NUM */
	uint16_t base;          /* SET_VRING_BASE */
	bool ready;             /* SET_VRING_ADDR forwarded: the back-end runs our rings */
	uint16_t avail_idx;     /* next avail slot we fill */
	uint16_t kicked_idx;    /* avail idx at the last publish */
	uint16_t last_used;     /* next used slot we read */
	struct vt_vring_avail *avail;
	struct vt_vring_used *used;
	int kick_fd, call_fd;   /* ours: given to the back-end */
	uint8_t *at_backend;    /* per head: 1 while the back-end holds it */
};

/* What the back-end was told of a ring, to tell a new one (restart). */
struct replay_ring {
	bool addr, kick, call;
	uint32_t enable;                  /* SET_VRING_ENABLE's num, or ~0: never sent */
	struct vt_vhost_vring_addr a;     /* as forwarded: the proxy's rings */
	int err_fd;                       /* a dup of the VMM's, or -1 */
};

/* What the back-end was told that sets it up (the last of each kind), to
 * tell it again after a restart. */
struct replay {
	bool owner, have_features, have_status, have_mem;
	uint64_t features, status;
	struct vt_vhost_mem_table mem;    /* as forwarded, the proxy's region included */
	uint32_t mem_size;
	int mem_fds[VT_VHOST_MEM_TABLE_MAX];   /* dups of the VMM's */
	unsigned mem_nfds;
	bool channel;                     /* the back-end was given a channel (SET_BACKEND_REQ_FD) */
	struct vt_vhost_inflight inflight;   /* SET_INFLIGHT_FD's, when inflight_fd >= 0 */
	int inflight_fd;                  /* a dup of the VMM's region, or -1 */
	struct replay_ring r[VT_VHOST_MAX_QUEUES];
};

struct call_ctx {
	struct vt_proxy *p;
	unsigned q;
};

struct vt_proxy {
	struct vt_loop *loop;
	struct vt_proxy_conf conf;
	pid_t pid;                       /* spawned back-end, or -1 */
	int up;                          /* connection to the back-end, or -1 */
	struct vt_pxrx up_rx;            /* its message as it arrives (on_upstream) */
	struct vt_backend *fe;           /* the VMM's side */
	struct vt_device_model model;
	const struct vt_device_type *type;
	const char *type_source;
	uint64_t offered, offered_protocol;   /* the back-end's, untrimmed */
	uint64_t queue_num;              /* its GET_QUEUE_NUM, 0 when not asked */
	uint64_t acked_protocol;         /* what the VMM acked (SET_PROTOCOL_FEATURES) */
	struct replay rp;
	struct vt_pxch ch;               /* the back-end channel */
	unsigned restarts, quick_restarts;
	uint64_t last_restart_ns;
	int rings_fd;
	uint8_t *rings;
	struct shadow sq[VT_VHOST_MAX_QUEUES];
	struct call_ctx cctx[VT_VHOST_MAX_QUEUES];
	struct vt_pxpend pend;           /* requests whose replies are due, oldest first */
	uint16_t *heads;                 /* reaping scratch: VT_VQ_MAX_SIZE each */
	uint32_t *lens;
	char *failure;                   /* why the proxy stopped (fail), or NULL */
	struct vt_vhost_msg in, out;     /* 4 KiB each: off the stack */
	struct vt_backend_hooks hooks;
};

/* A device type nothing fits: recorded with the hex decoder. */
static const struct vt_device_type unknown_type = {
	.name = "unknown", .virtio_id = 0, .num_queues = VT_VHOST_MAX_QUEUES, .decoder = &vt_decoder_hex,
};

/* ---- the connection to the back-end ---- */

static int up_send(struct vt_proxy *p, const struct vt_vhost_msg *m, const int *fds, unsigned nfds)
{
	if (p->up < 0)
		return -ENOTCONN;
	return vt_vhost_send(p->up, m, fds, nfds);
}

/* A reply to req, waited for (start-up only: the loop is not running). */
static int up_call(struct vt_proxy *p, uint32_t req, const void *payload, uint32_t size, struct vt_vhost_msg *r)
{
	struct vt_vhost_msg m = { .request = req, .flags = VT_VHOST_VERSION, .size = size };
	struct pollfd pf = { .fd = p->up, .events = POLLIN };
	int rc;

	if (size)
		memcpy(m.p.raw, payload, size);
	rc = up_send(p, &m, NULL, 0);
	if (rc < 0)
		return rc;
	if (!vt_vhost_reply_expected(&m, 0))
		return 0;
	rc = poll(&pf, 1, REPLY_TIMEOUT_MS);
	if (rc == 0)
		return -ETIMEDOUT;
	if (rc < 0)
		return -errno;
	rc = vt_vhost_recv(p->up, r);
	if (rc < 0)
		return rc;
	vt_vhost_close_fds(r);
	if (r->request != req || !(r->flags & VT_VHOST_FLAG_REPLY))
		return -EPROTO;
	return 0;
}

static int up_get_u64(struct vt_proxy *p, uint32_t req, uint64_t *v)
{
	int rc = up_call(p, req, NULL, 0, &p->in);

	if (rc == 0 && p->in.size != sizeof(uint64_t))
		rc = -EPROTO;
	if (rc == 0)
		*v = p->in.p.u64;
	return rc;
}

/* Connects, waiting up to connect_ms for the socket (and, with exec, for
 * the child to make it: a child that ends meanwhile fails at once). */
static int up_connect(struct vt_proxy *p, char *err, size_t errlen)
{
	uint64_t deadline = vt_now_ns() + (uint64_t)p->conf.connect_ms * 1000000u;
	struct vt_frontend fe;
	char how[64];
	int status;

	for (;;) {
		if (p->pid > 0 && !vt_spawn_alive(p->pid, &status)) {
			p->pid = -1;
			snprintf(err, errlen, "the back-end command %s before connecting: '%s'",
				 vt_spawn_how(status, how, sizeof(how)), p->conf.exec);
			return -ECHILD;
		}
		int ms = vt_ms_until(deadline);
		int rc = vt_fe_connect(&fe, p->conf.backend, ms < 100 ? ms : 100);
		if (rc == 0) {
			p->up = fe.sock;
			return 0;
		}
		if (!ms || (rc != -ENOENT && rc != -ECONNREFUSED)) {
			snprintf(err, errlen, "cannot connect to the back-end at %s: %s", p->conf.backend, fe.err);
			return -ECONNREFUSED;
		}
	}
}

/* What the back-end offers, asked before any VMM connects (queries the
 * protocol allows at any time; the VMM's own negotiation overrides the
 * protocol features acked here). */
static int probe(struct vt_proxy *p, char *err, size_t errlen)
{
	int rc = up_get_u64(p, VHOST_USER_GET_FEATURES, &p->offered);

	if (rc == 0 && (p->offered & VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES)))
		rc = up_get_u64(p, VHOST_USER_GET_PROTOCOL_FEATURES, &p->offered_protocol);
	if (rc == 0 && (p->offered_protocol & VT_BIT(VHOST_USER_PROTOCOL_F_MQ))) {
		uint64_t ack = p->offered_protocol & KEPT_PROTOCOL_FEATURES & ~VT_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK);
		rc = up_call(p, VHOST_USER_SET_PROTOCOL_FEATURES, &ack, sizeof(ack), &p->in);
		if (rc == 0)
			rc = up_get_u64(p, VHOST_USER_GET_QUEUE_NUM, &p->queue_num);
	}
	if (rc < 0)
		snprintf(err, errlen, "the back-end at %s did not answer what it offers: %s", p->conf.backend,
			 strerror(-rc));
	return rc;
}

/* The type: given, or the one registry type the offers fit. */
static void tell_type(struct vt_proxy *p)
{
	struct vt_backend_facts f = {
		.known = true, .offered = p->offered,
		.nqueues = (unsigned)(p->queue_num > 0xffff ? 0xffff : p->queue_num),
		.config = !!(p->offered_protocol & VT_BIT(VHOST_USER_PROTOCOL_F_CONFIG)),
	};

	if (p->conf.type) {
		p->type = p->conf.type;
		p->type_source = "given";
		return;
	}
	p->type = vt_ident_guess(&f);
	p->type_source = "offers";
	if (!p->type)
		p->type = &unknown_type;
}

/* ---- the proxy's rings ---- */

static void shadow_reset(struct vt_proxy *p, unsigned q)
{
	struct shadow *s = &p->sq[q];

	if (s->call_fd >= 0) {
		vt_loop_del_fd(p->loop, s->call_fd);
		close(s->call_fd);
	}
	if (s->kick_fd >= 0)
		close(s->kick_fd);
	free(s->at_backend);
	*s = (struct shadow){ .kick_fd = -1, .call_fd = -1 };
	s->avail = (struct vt_vring_avail *)(p->rings + (size_t)q * SLOT_SIZE);
	s->used = (struct vt_vring_used *)(p->rings + (size_t)q * SLOT_SIZE + USED_OFF);
	memset(p->rings + (size_t)q * SLOT_SIZE, 0, SLOT_SIZE);
}

static bool event_idx(const struct vt_proxy *p)
{
	return vt_vhost_state_acked(vt_backend_state(p->fe), VIRTIO_RING_F_EVENT_IDX);
}

/* used_event: the back-end signals for every entry from last_used on. */
static void want_calls(struct vt_proxy *p, struct shadow *s)
{
	if (event_idx(p))
		__atomic_store_n(&s->avail->ring[s->num], htole16(s->last_used), __ATOMIC_RELEASE);
}

/* avail_event as a back-end that never wrote it would have it: the first
 * publish from base kicks (a zeroed ring restarted at base != 0 would
 * suppress that kick, and the back-end would sleep on its first requests). */
static void kick_first(struct shadow *s)
{
	s->kicked_idx = s->avail_idx;
	__atomic_store_n((uint16_t *)(void *)&s->used->ring[s->num], htole16(s->avail_idx), __ATOMIC_RELEASE);
}

/* The back-end is about to run our rings of q from base. */
static void shadow_start(struct vt_proxy *p, unsigned q)
{
	struct shadow *s = &p->sq[q];

	memset(p->rings + (size_t)q * SLOT_SIZE, 0, SLOT_SIZE);
	free(s->at_backend);
	s->at_backend = s->num ? calloc(s->num, 1) : NULL;
	s->avail_idx = s->last_used = s->base;
	s->avail->idx = htole16(s->base);
	s->used->idx = htole16(s->base);
	want_calls(p, s);
	kick_first(s);
	s->ready = s->at_backend != NULL;
}

/* Each used entry the back-end wrote since the last look, to the engine
 * (one notification of the guest for all of them). */
static void reap(struct vt_proxy *p, unsigned q)
{
	struct shadow *s = &p->sq[q];
	unsigned n = 0;

	if (!s->ready)
		return;
	for (;;) {
		uint16_t idx = le16toh(__atomic_load_n(&s->used->idx, __ATOMIC_ACQUIRE));
		uint16_t more = (uint16_t)(idx - s->last_used);
		if (more > s->num) {
			vt_err("proxy: queue %u: the back-end moved its used index by %u on a ring of %u; "
			       "skipping to it", q, more, s->num);
			s->last_used = idx;
			break;
		}
		for (; s->last_used != idx; s->last_used++) {
			const struct vt_vring_used_elem *e = &s->used->ring[s->last_used % s->num];
			uint32_t id = le32toh(e->id);
			if (id >= s->num) {
				vt_err("proxy: queue %u: the back-end completed head %u of a ring of %u", q, id,
				       s->num);
				continue;
			}
			s->at_backend[id] = 0;
			if (n < VT_VQ_MAX_SIZE) {
				p->heads[n] = (uint16_t)id;
				p->lens[n++] = le32toh(e->len);
			}
		}
		want_calls(p, s);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (le16toh(__atomic_load_n(&s->used->idx, __ATOMIC_ACQUIRE)) == s->last_used)
			break;
	}
	if (n)
		vt_backend_complete_batch(p->fe, q, p->heads, p->lens, n);
}

/* The call fd is watched edge-triggered, as the engine watches kicks:
 * each write is a new edge, so it is never read (a system call a call
 * fewer; the counter fills after 2^64 calls).  The used ring says what
 * came back. */
static void on_call(struct vt_loop *loop, int fd, uint32_t events, void *arg)
{
	struct call_ctx *c = arg;

	(void)loop;
	(void)fd;
	(void)events;
	reap(c->p, c->q);
}

/* ---- the device model: each chain goes on to the back-end ---- */

static int px_handle(void *dev, struct vt_backend *b, unsigned q, const struct vt_chain *c)
{
	struct vt_proxy *p = dev;
	struct shadow *s = &p->sq[q];

	(void)b;
	if (!s->ready) {
		vt_err("proxy: queue %u: a request before the back-end's ring was set up; completed empty", q);
		return 0;
	}
	s->avail->ring[s->avail_idx % s->num] = htole16(c->head);
	s->avail_idx++;
	s->at_backend[c->head] = 1;
	return VT_DEFER;
}

/* The chains of one kick: published together, and the back-end kicked
 * only when it asks for it (avail_event, or NO_NOTIFY without EVENT_IDX):
 * a back-end still busy with the ring takes them without a wake-up, and
 * the proxy saves the write. */
static void px_flush(void *dev, struct vt_backend *b, unsigned q)
{
	struct vt_proxy *p = dev;
	struct shadow *s = &p->sq[q];
	uint64_t one = 1;

	(void)b;
	if (!s->ready || s->avail_idx == s->kicked_idx)
		return;
	__atomic_store_n(&s->avail->idx, htole16(s->avail_idx), __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint16_t old = s->kicked_idx;
	s->kicked_idx = s->avail_idx;
	bool want = event_idx(p)
		? vt_vring_need_event(le16toh(__atomic_load_n((uint16_t *)(void *)&s->used->ring[s->num],
								__ATOMIC_ACQUIRE)), s->avail_idx, old)
		: !(le16toh(__atomic_load_n(&s->used->flags, __ATOMIC_ACQUIRE)) & VT_VRING_USED_F_NO_NOTIFY);
	if (want && s->kick_fd >= 0 && write(s->kick_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		vt_err("proxy: queue %u: kicking the back-end: %s", q, strerror(errno));
}

/* ---- the VMM's messages ---- */

/* The proxy cannot go on: the VMM is dropped, the loop ends and the
 * command exits saying why (vt_proxy_failure). */
static void fail(struct vt_proxy *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct vt_proxy *p, const char *fmt, ...)
{
	va_list ap;

	free(p->failure);
	va_start(ap, fmt);
	if (vasprintf(&p->failure, fmt, ap) < 0)
		p->failure = NULL;
	va_end(ap);
	if (!p->failure)
		p->failure = strdup("out of memory");
	vt_backend_drop(p->fe, "the back-end is gone");
	vt_loop_stop(p->loop);
}

static void up_close(struct vt_proxy *p)
{
	vt_pxch_backend_gone(&p->ch);
	vt_pxrx_reset(&p->up_rx);
	if (p->up < 0)
		return;
	vt_loop_del_fd(p->loop, p->up);
	close(p->up);
	p->up = -1;
}

/* ---- restarts: the set-up told again ---- */

static uint16_t vring_index(const struct vt_vhost_msg *m);
static void on_upstream(struct vt_loop *loop, int fd, uint32_t events, void *arg);

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void replay_ring_clear(struct replay_ring *r)
{
	close_fd(&r->err_fd);
	*r = (struct replay_ring){ .enable = ~0u, .err_fd = -1 };
}

/* Forgets everything (the VMM left, or reset the device). */
static void replay_clear(struct replay *rp)
{
	for (unsigned i = 0; i < rp->mem_nfds; i++)
		close(rp->mem_fds[i]);
	for (unsigned q = 0; q < VT_VHOST_MAX_QUEUES; q++)
		close_fd(&rp->r[q].err_fd);
	close_fd(&rp->inflight_fd);
	*rp = (struct replay){ .inflight_fd = -1 };
	for (unsigned q = 0; q < VT_VHOST_MAX_QUEUES; q++)
		rp->r[q] = (struct replay_ring){ .enable = ~0u, .err_fd = -1 };
}

/* A dup of fd, -1 when there is none or dup fails (logged). */
static int keep_fd(int fd)
{
	int d = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;

	if (fd >= 0 && d < 0)
		vt_warn("proxy: keeping an fd for a restart: %s", strerror(errno));
	return d;
}

/* After m went to the back-end as f: what a new back-end must be told. */
static void remember(struct vt_proxy *p, const struct vt_vhost_msg *m, const struct vt_vhost_msg *f)
{
	struct replay *rp = &p->rp;
	unsigned q = vring_index(m);
	struct replay_ring *r = q < VT_VHOST_MAX_QUEUES ? &rp->r[q] : NULL;

	switch (m->request) {
	case VHOST_USER_SET_OWNER:
		rp->owner = true;
		break;
	case VHOST_USER_RESET_OWNER:
	case VHOST_USER_RESET_DEVICE:
		replay_clear(rp);
		break;
	case VHOST_USER_SET_FEATURES:
		rp->have_features = m->size == sizeof(uint64_t);
		rp->features = m->p.u64;
		break;
	case VHOST_USER_SET_STATUS:
		rp->have_status = m->size == sizeof(uint64_t);
		rp->status = m->p.u64;
		break;
	case VHOST_USER_SET_MEM_TABLE:
		if (f->size > sizeof(rp->mem) || m->nfds > VT_VHOST_MEM_TABLE_MAX)
			break;
		for (unsigned i = 0; i < rp->mem_nfds; i++)
			close(rp->mem_fds[i]);
		memcpy(&rp->mem, &f->p.mem, f->size);
		rp->mem_size = f->size;
		rp->mem_nfds = 0;
		for (unsigned i = 0; i < m->nfds; i++) {
			int d = keep_fd(m->fds[i]);
			if (d >= 0)
				rp->mem_fds[rp->mem_nfds++] = d;
		}
		rp->have_mem = rp->mem_nfds == m->nfds;
		break;
	case VHOST_USER_SET_BACKEND_REQ_FD:
		rp->channel = vt_pxch_active(&p->ch);
		break;
	case VHOST_USER_SET_INFLIGHT_FD:
		close_fd(&rp->inflight_fd);
		if (m->size == sizeof(m->p.inflight) && m->nfds == 1) {
			rp->inflight = m->p.inflight;
			rp->inflight_fd = keep_fd(m->fds[0]);
		}
		break;
	case VHOST_USER_SET_VRING_ADDR:
		if (r && f->size == sizeof(f->p.addr)) {
			r->addr = true;
			r->a = f->p.addr;
		}
		break;
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
		if (r && m->nfds == 1 && !(m->p.u64 & VT_VHOST_VRING_NOFD)) {
			if (m->request == VHOST_USER_SET_VRING_KICK)
				r->kick = true;
			else
				r->call = true;
		}
		break;
	case VHOST_USER_SET_VRING_ERR:
		if (r) {
			close_fd(&r->err_fd);
			if (m->nfds == 1)
				r->err_fd = keep_fd(m->fds[0]);
		}
		break;
	case VHOST_USER_SET_VRING_ENABLE:
		if (r && m->size == sizeof(m->p.state))
			r->enable = m->p.state.num;
		break;
	case VHOST_USER_GET_VRING_BASE:
		if (r)
			replay_ring_clear(r);   /* stopped: the VMM sets it up again to restart it */
		break;
	default:
		break;
	}
}

static int replay_send(struct vt_proxy *p, uint32_t req, const void *payload, uint32_t size, const int *fds,
		       unsigned nfds)
{
	struct vt_vhost_msg m = { .request = req, .flags = VT_VHOST_VERSION, .size = size };

	if (size)
		memcpy(m.p.raw, payload, size);
	m.nfds = nfds;
	vt_backend_record(p->fe, &m, VT_MSG_TO_BACKEND);   /* trace shows the restart */
	return up_send(p, &m, fds, nfds);
}

static int replay_state(struct vt_proxy *p, uint32_t req, unsigned q, uint32_t num)
{
	struct vt_vhost_vring_state st = { q, num };

	return replay_send(p, req, &st, sizeof(st), NULL, 0);
}

/* Whether every request of the device may be done twice (blk's reads,
 * writes and flushes, rng's buffers: it ends the same). */
static bool all_again(const struct vt_proxy *p)
{
	return p->type->virtio_id == VIRTIO_ID_BLOCK || p->type->virtio_id == VIRTIO_ID_RNG;
}

/* Requests the dead back-end held: submitted again where that is safe
 * (all_again, and event queues' buffers), else failed as the device's
 * fault rule fails a request (i2c, gpio, scmi: ERR; a type without one:
 * used 0).  Fills queue q's avail ring for the new back-end from base, in
 * the order the guest made them available; *n_again, *n_failed counted.
 * A back-end given the inflight region again that tracks its requests in
 * it (libvhost-user's: qemu-storage-daemon) takes the ones it had begun
 * from the region and starts the ring after them: they are the oldest
 * here, in the same order (it took them in ring order), so each is done
 * once. */
static void resubmit_or_fail(struct vt_proxy *p, unsigned q, unsigned *n_again, unsigned *n_failed)
{
	struct shadow *s = &p->sq[q];
	struct vt_queue *eq = vt_backend_engine_queue(p->fe, q);
	bool again = all_again(p) || (p->type->event_queues & (1u << q));
	unsigned nfail = 0;

	/* What the dead back-end completed is done: to the guest, not again
	 * (and base is then its used index, which its inflight region, if it
	 * kept one, counts from). */
	reap(p, q);
	memset(p->rings + (size_t)q * SLOT_SIZE, 0, SLOT_SIZE);
	s->base = s->avail_idx = s->last_used;
	for (const struct vt_inflight *f = eq ? vt_inflight_oldest(&eq->infl) : NULL; f;
	     f = vt_inflight_next(&eq->infl, f)) {
		if (f->head >= s->num || !s->at_backend[f->head])
			continue;   /* completed by the back-end (a fault may hold it): not its any more */
		if (again) {
			s->avail->ring[s->avail_idx % s->num] = htole16(f->head);
			s->avail_idx++;
			(*n_again)++;
			continue;
		}
		struct vt_chain c;
		uint32_t len = 0;
		if (p->type->faults && p->type->faults->fail && vt_backend_chain(p->fe, q, f->head, &c) == 0)
			len = p->type->faults->fail(q, &c, (uint32_t)c.write_len);
		s->at_backend[f->head] = 0;
		p->heads[nfail] = f->head;
		p->lens[nfail++] = len;
	}
	s->avail->idx = htole16(s->avail_idx);
	s->used->idx = htole16(s->base);
	want_calls(p, s);
	uint16_t filled = s->avail_idx;
	s->avail_idx = s->base;
	kick_first(s);   /* the new back-end is kicked for what was resubmitted */
	s->avail_idx = filled;
	*n_failed += nfail;
	if (nfail)
		vt_backend_complete_batch(p->fe, q, p->heads, p->lens, nfail);
}

/* Tells the new back-end what the VMM told the old one, in the VMM's
 * order (negotiation, channel, memory, each ring), then waits for it to
 * have taken all of it (GET_FEATURES' reply). */
static int replay(struct vt_proxy *p, unsigned *n_again, unsigned *n_failed)
{
	struct replay *rp = &p->rp;
	uint64_t v;
	int rc = up_get_u64(p, VHOST_USER_GET_FEATURES, &v);

	if (rc == 0 && (v & VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES))) {
		rc = up_get_u64(p, VHOST_USER_GET_PROTOCOL_FEATURES, &v);
		/* REPLY_ACK as the VMM acked it: the replay asks for no acks
		 * (no NEED_REPLY), but what the VMM sends from now on, and
		 * what it waits for that is asked again, does */
		uint64_t pf = p->acked_protocol;
		if (rc == 0)
			rc = replay_send(p, VHOST_USER_SET_PROTOCOL_FEATURES, &pf, sizeof(pf), NULL, 0);
	}
	if (rc == 0 && rp->owner)
		rc = replay_send(p, VHOST_USER_SET_OWNER, NULL, 0, NULL, 0);
	if (rc == 0 && rp->channel && vt_pxch_active(&p->ch)) {
		int end = vt_pxch_backend_end(&p->ch);   /* a new pair: the old one died with it */
		rc = end < 0 ? end : replay_send(p, VHOST_USER_SET_BACKEND_REQ_FD, NULL, 0, &end, 1);
		if (end >= 0)
			close(end);
	}
	/* Before the rings, as QEMU's vhost-user-blk sends it before it starts
	 * them (a back-end that tracks its requests in the region reads it when
	 * a ring's kick fd comes).  Only for a device whose requests are all
	 * submitted again: a back-end would resubmit from the region what the
	 * proxy failed (resubmit_or_fail). */
	if (rc == 0 && rp->inflight_fd >= 0 && all_again(p))
		rc = replay_send(p, VHOST_USER_SET_INFLIGHT_FD, &rp->inflight, sizeof(rp->inflight),
				 &rp->inflight_fd, 1);
	if (rc == 0 && rp->have_features)
		rc = replay_send(p, VHOST_USER_SET_FEATURES, &rp->features, sizeof(rp->features), NULL, 0);
	if (rc == 0 && rp->have_mem) {
		int fds[VT_VHOST_MEM_TABLE_MAX + 1];
		memcpy(fds, rp->mem_fds, rp->mem_nfds * sizeof(int));
		unsigned nfds = rp->mem_nfds;
		if (rp->mem.nregions == nfds + 1)
			fds[nfds++] = p->rings_fd;
		rc = replay_send(p, VHOST_USER_SET_MEM_TABLE, &rp->mem, rp->mem_size, fds, nfds);
	}
	for (unsigned q = 0; rc == 0 && q < VT_VHOST_MAX_QUEUES; q++) {
		struct replay_ring *r = &rp->r[q];
		struct shadow *s = &p->sq[q];
		if (!r->addr || !s->ready)
			continue;
		resubmit_or_fail(p, q, n_again, n_failed);
		rc = replay_state(p, VHOST_USER_SET_VRING_NUM, q, s->num);
		if (rc == 0)
			rc = replay_state(p, VHOST_USER_SET_VRING_BASE, q, s->base);
		if (rc == 0)
			rc = replay_send(p, VHOST_USER_SET_VRING_ADDR, &r->a, sizeof(r->a), NULL, 0);
		/* The call and error fds before the kick: a back-end may run the
		 * ring as soon as it has its kick fd (and the proxy's may hold a
		 * kick the dead one never took), and libvhost-user's gives up on
		 * a completion it has no call fd for. */
		uint64_t idx = q;
		if (rc == 0 && r->call && s->call_fd >= 0)
			rc = replay_send(p, VHOST_USER_SET_VRING_CALL, &idx, sizeof(idx), &s->call_fd, 1);
		if (rc == 0 && r->err_fd >= 0)
			rc = replay_send(p, VHOST_USER_SET_VRING_ERR, &idx, sizeof(idx), &r->err_fd, 1);
		if (rc == 0 && r->kick && s->kick_fd >= 0)
			rc = replay_send(p, VHOST_USER_SET_VRING_KICK, &idx, sizeof(idx), &s->kick_fd, 1);
		if (rc == 0 && r->enable != ~0u)
			rc = replay_state(p, VHOST_USER_SET_VRING_ENABLE, q, r->enable);
	}
	if (rc == 0 && rp->have_status)
		rc = replay_send(p, VHOST_USER_SET_STATUS, &rp->status, sizeof(rp->status), NULL, 0);
	if (rc == 0)
		rc = up_get_u64(p, VHOST_USER_GET_FEATURES, &v);
	/* what was resubmitted, kicked */
	for (unsigned q = 0; rc == 0 && q < VT_VHOST_MAX_QUEUES; q++)
		if (rp->r[q].addr && p->sq[q].ready && p->sq[q].avail_idx != p->sq[q].base)
			px_flush(p, NULL, q);
	return rc;
}

static void stop_guest_ring(struct vt_proxy *p, unsigned q);

/* The VMM still waits for the dead back-end's answers: the new one is
 * asked again (after the replay, so it is set up as the old one was),
 * except what only the dead one could answer or the replay already did:
 * GET_VRING_BASE (its ring was not replayed: the proxy answers from its
 * own ring) and SET_BACKEND_REQ_FD (replayed with a new pair). */
static int ask_again(struct vt_proxy *p)
{
	for (unsigned i = 0; i < p->pend.n; i++) {
		struct vt_pxpend_entry *e = vt_pxpend_at(&p->pend, i);
		e->answer_here = e->m.request == VHOST_USER_GET_VRING_BASE ||
				 e->m.request == VHOST_USER_SET_BACKEND_REQ_FD;
		if (e->answer_here)
			continue;
		vt_backend_record(p->fe, &e->m, VT_MSG_TO_BACKEND);
		int rc = up_send(p, &e->m, e->m.fds, e->m.nfds);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The oldest due answers that are the proxy's to give, in order. */
static void answer_here(struct vt_proxy *p)
{
	static struct vt_vhost_msg r;

	while (p->pend.n && vt_pxpend_at(&p->pend, 0)->answer_here) {
		const struct vt_vhost_msg *m = &vt_pxpend_at(&p->pend, 0)->m;
		r = (struct vt_vhost_msg){ .request = m->request, .flags = VT_VHOST_VERSION | VT_VHOST_FLAG_REPLY,
					   .size = sizeof(uint64_t) };
		if (m->request == VHOST_USER_GET_VRING_BASE) {
			unsigned q = m->p.state.index;
			r.size = sizeof(r.p.state);
			r.p.state.index = q;
			/* all the proxy made available: what the dead back-end
			 * held is lost with it, as on a device stop */
			r.p.state.num = q < VT_VHOST_MAX_QUEUES ? p->sq[q].avail_idx : 0;
			if (q < VT_VHOST_MAX_QUEUES)
				stop_guest_ring(p, q);
		}
		vt_pxpend_pop(&p->pend);
		vt_backend_send(p->fe, &r, NULL, 0);
	}
}

/* The back-end's connection ended or broke: start it again (--exec) or
 * reconnect, and, with a VMM connected, replay its set-up.  false: it
 * cannot be had again (err says why). */
static bool restart(struct vt_proxy *p, char *err, size_t errlen)
{
	uint64_t now = vt_now_ns();
	unsigned again = 0, failed = 0;

	/* A back-end that dies as it starts would be restarted forever. */
	if (p->restarts && now - p->last_restart_ns < UINT64_C(2000000000) && ++p->quick_restarts >= 5) {
		snprintf(err, errlen, "it died 5 times within 2 s of a restart: not restarting it again");
		return false;
	}
	if (now - p->last_restart_ns >= UINT64_C(2000000000))
		p->quick_restarts = 0;
	p->last_restart_ns = now;
	if (p->conf.exec) {
		vt_spawn_end(p->pid);
		p->pid = vt_spawn(p->conf.exec);
		if (p->pid < 0) {
			snprintf(err, errlen, "--exec: %s", strerror(errno));
			return false;
		}
	}
	/* A back-end still dying may accept a connection on its listening
	 * socket and reset it: tried again until --connect-timeout. */
	uint64_t deadline = now + (uint64_t)p->conf.connect_ms * 1000000u;
	for (;;) {
		if (up_connect(p, err, errlen) < 0)
			return false;
		int rc = vt_backend_connected(p->fe) ? replay(p, &again, &failed) : 0;
		if (rc == 0)
			rc = ask_again(p);
		if (rc == 0)
			break;
		up_close(p);
		if ((rc != -ECONNRESET && rc != -EPIPE) || vt_now_ns() >= deadline) {
			snprintf(err, errlen, "replaying the VMM's set-up to it: %s", strerror(-rc));
			return false;
		}
		again = 0;
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (vt_loop_add_fd(p->loop, p->up, EPOLLIN, on_upstream, p) < 0) {
		snprintf(err, errlen, "cannot watch its socket");
		return false;
	}
	p->restarts++;
	if (vt_backend_connected(p->fe))
		vt_warn("proxy: the back-end is back (restart %u): the VMM's set-up replayed, %u requests "
			"it held submitted again, %u failed%s", p->restarts, again, failed, p->pend.n ? ", "
			"and asked again what the VMM waits for" : "");
	else
		vt_warn("proxy: the back-end is back (restart %u)", p->restarts);
	answer_here(p);
	return true;
}

/* The back-end's end, said in full: the --exec command and the socket
 * path are the user's, of any length. */
static void backend_gone(struct vt_proxy *p, int err)
{
	char ended[64], why[1024];
	char *how = NULL;
	int status, n;

	up_close(p);
	/* A spawned back-end that dies closes its connection on its way out,
	 * a moment before its exit status is there: waited for, a little (one
	 * that only closed its connection is restarted 200 ms later). */
	bool alive = p->pid > 0 && vt_spawn_alive(p->pid, &status);
	for (int i = 0; alive && err == -ECONNRESET && i < 20; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		alive = vt_spawn_alive(p->pid, &status);
	}
	if (p->pid > 0 && !alive) {
		p->pid = -1;
		n = asprintf(&how, "(%s) %s", p->conf.exec, vt_spawn_how(status, ended, sizeof(ended)));
	} else {
		n = asprintf(&how, "at %s %s", p->conf.backend,
			     err == -ECONNRESET ? "closed its connection"
			     : err == -ETIMEDOUT ? "stopped inside a message" : strerror(-err));
	}
	if (n < 0)
		how = NULL;
	vt_warn("proxy: the back-end %s", how ? how : "is gone");
	if (!restart(p, why, sizeof(why)))
		fail(p, "the back-end %s, and then: %s", how ? how : "is gone", why);
	free(how);
}

static uint16_t vring_index(const struct vt_vhost_msg *m)
{
	switch (m->request) {
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		return (uint16_t)(m->p.u64 & VT_VHOST_VRING_IDX_MASK);
	default:
		return (uint16_t)m->p.state.index;
	}
}

/* The back-end's copy of m: the proxy's rings and eventfds in place of the
 * VMM's.  fds/nfds: what goes with it.  false: m is not for the back-end
 * as it is (logged). */
static bool rewrite(struct vt_proxy *p, const struct vt_vhost_msg *m, struct vt_vhost_msg *f, int *fds,
		    unsigned *nfds)
{
	unsigned q = vring_index(m);
	struct shadow *s = q < VT_VHOST_MAX_QUEUES ? &p->sq[q] : NULL;

	memcpy(fds, m->fds, m->nfds * sizeof(int));
	*nfds = m->nfds;
	switch (m->request) {
	case VHOST_USER_SET_MEM_TABLE: {
		uint32_t n = m->p.mem.nregions;
		if (m->size != 8 + n * sizeof(struct vt_vhost_mem_region) || n != m->nfds || n > VT_VHOST_MEM_TABLE_MAX)
			return true;   /* malformed: the state refuses it, the back-end may too */
		if (n == VT_VHOST_MEM_TABLE_MAX) {
			vt_err("proxy: SET_MEM_TABLE: %u regions leave no room for the proxy's rings", n);
			return true;
		}
		f->p.mem.regions[n] = (struct vt_vhost_mem_region){ RINGS_GPA, RINGS_SIZE, RINGS_UVA, 0 };
		f->p.mem.nregions = n + 1;
		f->size += sizeof(struct vt_vhost_mem_region);
		fds[(*nfds)++] = p->rings_fd;
		return true;
	}
	case VHOST_USER_SET_VRING_NUM:
		if (s && m->size == sizeof(m->p.state) && m->p.state.num <= VT_VQ_MAX_SIZE) {
			s->num = (uint16_t)m->p.state.num;
			s->ready = false;
		}
		return true;
	case VHOST_USER_SET_VRING_BASE:
		if (s && m->size == sizeof(m->p.state)) {
			s->base = (uint16_t)m->p.state.num;
			if (s->ready)
				shadow_start(p, q);
		}
		return true;
	case VHOST_USER_SET_VRING_ADDR:
		if (!s || m->size != sizeof(m->p.addr))
			return true;
		f->p.addr.avail_user_addr = RINGS_UVA + (uint64_t)q * SLOT_SIZE;
		f->p.addr.used_user_addr = RINGS_UVA + (uint64_t)q * SLOT_SIZE + USED_OFF;
		f->p.addr.flags = 0;   /* no dirty logging */
		shadow_start(p, q);
		return true;
	case VHOST_USER_SET_BACKEND_REQ_FD: {
		/* The VMM's end stays with the proxy; the back-end gets one end
		 * of a pair the proxy relays (channel.h).  Closed once sent. */
		if (m->nfds != 1)
			return true;
		int vmm = keep_fd(m->fds[0]);
		int end = vmm >= 0 && vt_pxch_set_vmm(&p->ch, vmm) == 0 ? vt_pxch_backend_end(&p->ch) : -1;
		if (end < 0) {
			vt_err("proxy: SET_BACKEND_REQ_FD: cannot relay the back-end channel");
			return false;
		}
		fds[0] = end;
		return true;
	}
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL: {
		bool kick = m->request == VHOST_USER_SET_VRING_KICK;
		if (!s || (m->p.u64 & VT_VHOST_VRING_NOFD) || m->nfds != 1)
			return true;
		int *fd = kick ? &s->kick_fd : &s->call_fd;
		if (*fd < 0) {
			*fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			if (*fd < 0) {
				vt_err("proxy: queue %u: eventfd: %s", q, strerror(errno));
				return false;
			}
			if (!kick && vt_loop_add_fd(p->loop, *fd, EPOLLIN | EPOLLET, on_call, &p->cctx[q]) < 0) {
				vt_err("proxy: queue %u: cannot watch the back-end's call", q);
				return false;
			}
		}
		fds[0] = *fd;
		return true;
	}
	default:
		return true;
	}
}

/* Which messages the VMM's device state must apply: what it maps, the
 * rings it runs, what was negotiated.  The rest only the back-end sees. */
static bool state_applies(uint32_t request)
{
	switch (request) {
	case VHOST_USER_SET_FEATURES:
	case VHOST_USER_SET_OWNER:
	case VHOST_USER_RESET_OWNER:
	case VHOST_USER_SET_MEM_TABLE:
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_ADDR:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
	case VHOST_USER_SET_PROTOCOL_FEATURES:
	case VHOST_USER_SET_VRING_ENABLE:
	case VHOST_USER_RESET_DEVICE:
	case VHOST_USER_SET_STATUS:
		return true;
	default:
		return false;
	}
}

static enum vt_backend_verdict on_vmm_msg(void *arg, struct vt_vhost_msg *m)
{
	struct vt_proxy *p = arg;
	/* The back-end answers by what it was told was acked. */
	bool reply = vt_vhost_reply_expected(m, p->acked_protocol);
	enum vt_backend_verdict v = state_applies(m->request) ? VT_BACKEND_APPLY : VT_BACKEND_TAKEN;
	/* The ring stops for the guest once the back-end answered: what it
	 * completed before its answer reaches the guest (on_upstream). */
	if (m->request == VHOST_USER_GET_VRING_BASE)
		v = VT_BACKEND_TAKEN;
	struct vt_vhost_msg *f = &p->out;
	int fds[VT_VHOST_MAX_FDS + 1];
	unsigned nfds;

	f->request = m->request;
	f->flags = m->flags;
	f->size = m->size <= sizeof(f->p) ? m->size : (uint32_t)sizeof(f->p);
	memcpy(f->p.raw, m->p.raw, f->size);
	if (!rewrite(p, m, f, fds, &nfds)) {
		vt_backend_drop(p->fe, "the proxy cannot forward it");
		return VT_BACKEND_TAKEN;
	}
	if (reply && vt_pxpend_full(&p->pend)) {
		vt_backend_drop(p->fe, "more than 32 requests wait for the back-end's replies");
		return VT_BACKEND_TAKEN;
	}
	int r = up_send(p, f, fds, nfds);
	/* Kept whether or not it arrived: a back-end that died before it
	 * answered, or before it got it, is told and asked again. */
	if (reply)
		vt_pxpend_push(&p->pend, f, fds, nfds, f->request != VHOST_USER_SET_BACKEND_REQ_FD);
	if (f->request == VHOST_USER_SET_BACKEND_REQ_FD && nfds == 1)
		close(fds[0]);   /* the back-end's end of the channel: its own now */
	remember(p, m, f);
	if (m->request == VHOST_USER_SET_PROTOCOL_FEATURES && m->size == sizeof(uint64_t)) {
		p->acked_protocol = m->p.u64;
		m->p.u64 &= ~BACKEND_ONLY_PROTOCOL_FEATURES;
	}
	if (r < 0)
		backend_gone(p, r);
	return v;
}

/* ---- the back-end's replies ---- */

/* What the VMM is told: the offers trimmed; the rest as they are. */
static void adjust_reply(struct vt_proxy *p, struct vt_vhost_msg *r)
{
	if (r->size != sizeof(uint64_t))
		return;
	switch (r->request) {
	case VHOST_USER_GET_FEATURES:
		r->p.u64 &= ~MASKED_FEATURES;
		break;
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		r->p.u64 &= KEPT_PROTOCOL_FEATURES;
		break;
	case VHOST_USER_GET_QUEUE_NUM:
		p->queue_num = r->p.u64;
		break;
	default:
		break;
	}
}

static void on_upstream(struct vt_loop *loop, int fd, uint32_t events, void *arg)
{
	struct vt_proxy *p = arg;
	struct vt_vhost_msg *r = &p->in;

	(void)loop;
	(void)events;
	int rc = vt_pxrx_read(&p->up_rx, fd, r);
	if (rc == 0)
		return;   /* the rest later: the loop serves on meanwhile */
	if (rc < 0) {
		backend_gone(p, rc);
		return;
	}
	if (!(r->flags & VT_VHOST_FLAG_REPLY) || !p->pend.n) {
		vt_warn("proxy: the back-end sent %s%s unasked on the front-end channel: ignored",
			vt_vhost_request_name(r->request), r->flags & VT_VHOST_FLAG_REPLY ? " (a reply)" : "");
		vt_vhost_close_fds(r);
		return;
	}
	uint32_t want = vt_pxpend_at(&p->pend, 0)->m.request;
	vt_pxpend_pop(&p->pend);
	if (r->request != want) {
		vt_vhost_close_fds(r);
		vt_backend_drop(p->fe, "the back-end's reply does not answer the request");
		vt_err("proxy: the back-end answered %s to %s", vt_vhost_request_name(r->request),
		       vt_vhost_request_name(want));
		return;
	}
	adjust_reply(p, r);
	if (r->request == VHOST_USER_GET_VRING_BASE && r->size == sizeof(r->p.state) &&
	    r->p.state.index < VT_VHOST_MAX_QUEUES) {
		reap(p, r->p.state.index);
		stop_guest_ring(p, r->p.state.index);
	}
	vt_backend_send(p->fe, r, r->fds, r->nfds);
	vt_vhost_close_fds(r);
	answer_here(p);
}

/* The guest's ring q stops (GET_VRING_BASE answered): the VMM-side state
 * applies it now. */
static void stop_guest_ring(struct vt_proxy *p, unsigned q)
{
	static struct vt_vhost_msg stop;

	stop = (struct vt_vhost_msg){ .request = VHOST_USER_GET_VRING_BASE, .flags = VT_VHOST_VERSION,
				      .size = sizeof(stop.p.state), .p.state = { q, 0 } };
	vt_backend_apply(p->fe, &stop);
}

/* The back-end began a message and did not finish it in time: it is
 * treated as gone (restarted or reconnected to). */
static void up_stalled(void *arg, size_t got, size_t total)
{
	struct vt_proxy *p = arg;

	vt_err("proxy: the back-end stopped inside a message (%zu of %zu bytes in %d ms)", got, total,
	       VT_VHOST_RECV_TIMEOUT_MS);
	backend_gone(p, -ETIMEDOUT);
}

/* ---- the VMM comes and goes ---- */

static void on_vmm_gone(void *arg)
{
	struct vt_proxy *p = arg;
	char err[1024];

	/* A new VMM gets a back-end as fresh as the first one did. */
	up_close(p);
	for (unsigned q = 0; q < VT_VHOST_MAX_QUEUES; q++)
		shadow_reset(p, q);
	vt_pxpend_clear(&p->pend);
	p->acked_protocol = 0;
	replay_clear(&p->rp);
	vt_pxch_close(&p->ch);
	if (p->failure)
		return;
	if (up_connect(p, err, sizeof(err)) < 0 ||
	    vt_loop_add_fd(p->loop, p->up, EPOLLIN, on_upstream, p) < 0) {
		fail(p, "%s", err);
		return;
	}
	vt_info("proxy: reconnected to the back-end at %s for the next front-end", p->conf.backend);
}

/* ---- public ---- */

struct vt_proxy *vt_proxy_new(struct vt_loop *loop, const struct vt_proxy_conf *c, char *err, size_t errlen)
{
	struct vt_proxy *p = calloc(1, sizeof(*p));

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->loop = loop;
	p->conf = *c;
	p->pid = -1;
	p->up = -1;
	p->rings_fd = -1;
	vt_pxrx_init(&p->up_rx, loop, up_stalled, p);
	vt_pxch_init(&p->ch, loop, NULL);
	for (unsigned q = 0; q < VT_VHOST_MAX_QUEUES; q++)
		p->rp.r[q].err_fd = -1;
	p->rp.inflight_fd = -1;
	replay_clear(&p->rp);
	for (unsigned q = 0; q < VT_VHOST_MAX_QUEUES; q++) {
		p->sq[q].kick_fd = p->sq[q].call_fd = -1;
		p->cctx[q] = (struct call_ctx){ p, q };
	}
	p->heads = calloc(VT_VQ_MAX_SIZE, sizeof(*p->heads));
	vt_pxpend_init(&p->pend);
	p->lens = calloc(VT_VQ_MAX_SIZE, sizeof(*p->lens));
	p->rings_fd = memfd_create("vitool-proxy-rings", MFD_CLOEXEC);
	if (!p->heads || !p->lens || !p->pend.e || p->rings_fd < 0 || ftruncate(p->rings_fd, (off_t)RINGS_SIZE) < 0) {
		snprintf(err, errlen, "the proxy's rings: %s", strerror(errno ? errno : ENOMEM));
		goto fail;
	}
	p->rings = mmap(NULL, RINGS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, p->rings_fd, 0);
	if (p->rings == MAP_FAILED) {
		p->rings = NULL;
		snprintf(err, errlen, "the proxy's rings: %s", strerror(errno));
		goto fail;
	}
	for (unsigned q = 0; q < VT_VHOST_MAX_QUEUES; q++)
		shadow_reset(p, q);
	if (c->exec) {
		p->pid = vt_spawn(c->exec);
		if (p->pid < 0) {
			snprintf(err, errlen, "--exec: %s", strerror(errno));
			goto fail;
		}
	}
	if (up_connect(p, err, errlen) < 0 || probe(p, err, errlen) < 0)
		goto fail;
	tell_type(p);
	unsigned nq = p->type->num_queues;
	if (p->queue_num)
		nq = p->queue_num < VT_VHOST_MAX_QUEUES ? (unsigned)p->queue_num : VT_VHOST_MAX_QUEUES;
	p->model = (struct vt_device_model){
		.name = p->type->name, .virtio_id = p->type->virtio_id, .num_queues = nq,
		.features = p->offered & ~MASKED_FEATURES,
		.protocol_features = p->offered_protocol & KEPT_PROTOCOL_FEATURES,
		.handle = px_handle, .flush = px_flush,
	};
	p->fe = vt_backend_new(loop, &p->model, p);
	if (!p->fe) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	p->ch.fe = p->fe;
	p->hooks = (struct vt_backend_hooks){ .message = on_vmm_msg, .disconnected = on_vmm_gone, .arg = p };
	vt_backend_set_hooks(p->fe, &p->hooks);
	if (vt_loop_add_fd(loop, p->up, EPOLLIN, on_upstream, p) < 0) {
		snprintf(err, errlen, "cannot watch the back-end's socket");
		goto fail;
	}
	return p;
fail:
	vt_proxy_free(p);
	return NULL;
}

void vt_proxy_free(struct vt_proxy *p)
{
	if (!p)
		return;
	vt_pxch_close(&p->ch);
	if (p->fe) {
		vt_backend_set_hooks(p->fe, NULL);
		vt_backend_free(p->fe);
	}
	up_close(p);
	replay_clear(&p->rp);
	for (unsigned q = 0; p->rings && q < VT_VHOST_MAX_QUEUES; q++)
		shadow_reset(p, q);
	if (p->rings)
		munmap(p->rings, RINGS_SIZE);
	if (p->rings_fd >= 0)
		close(p->rings_fd);
	if (p->pid > 0)
		vt_spawn_end(p->pid);
	vt_pxpend_free(&p->pend);
	free(p->failure);
	free(p->heads);
	free(p->lens);
	free(p);
}

struct vt_backend *vt_proxy_frontend(struct vt_proxy *p)
{
	return p->fe;
}

const struct vt_device_type *vt_proxy_type(const struct vt_proxy *p)
{
	return p->type;
}

const char *vt_proxy_type_source(const struct vt_proxy *p)
{
	return p->type_source;
}

void vt_proxy_info(struct vt_json *j, const struct vt_proxy *p)
{
	vt_json_str(j, "backend", p->conf.backend);
	if (p->conf.exec)
		vt_json_str(j, "exec", p->conf.exec);
	if (p->pid > 0)
		vt_json_uint(j, "backend_pid", (uint64_t)p->pid);
	vt_json_bool(j, "backend_connected", p->up >= 0);
	vt_json_uint(j, "backend_restarts", p->restarts);
	vt_json_bool(j, "backend_channel", vt_pxch_active(&p->ch));
	vt_json_uint(j, "channel_requests", p->ch.forwarded);
	vt_json_str(j, "device_from", p->type_source);
	vt_json_uint(j, "backend_features", p->offered);
	vt_json_uint(j, "backend_protocol_features", p->offered_protocol);
}

const char *vt_proxy_failure(const struct vt_proxy *p)
{
	return p->failure;
}
