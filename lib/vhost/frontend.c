/* vhost-user front-end: plays the VMM against any backend.  Guest memory is
 * one memfd (vt_gmem) shared with SET_MEM_TABLE, rings are built with
 * vt_dvq, kicks and calls are eventfds.  Every call is blocking with a
 * timeout, reports why it failed in fe->err and returns -errno. */
#include "vhost/frontend.h"

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/loop.h"
#include "vhost/event.h"
#include "vhost/msg.h"
#include "virtio/virtio.h"

#define FE_REPLY_TIMEOUT_MS 5000
#define FE_DEFAULT_MEM (4u << 20)
#define FE_RETRY_MS 20

/* Protocol features this front-end can use. */
#define FE_PROTOCOL_FEATURES                                                   \
	(VT_BIT(VHOST_USER_PROTOCOL_F_MQ) | VT_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK) | \
	 VT_BIT(VHOST_USER_PROTOCOL_F_CONFIG) | VT_BIT(VHOST_USER_PROTOCOL_F_BACKEND_REQ))

static int fail(struct vt_frontend *fe, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct vt_frontend *fe, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fe->err, sizeof(fe->err), fmt, ap);
	va_end(ap);
	return err < 0 ? err : -EPROTO;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static bool has_pf(const struct vt_frontend *fe, unsigned bit)
{
	return fe->protocol_features & VT_BIT(bit);
}

/* ---- messages ----------------------------------------------------------- */

static int fe_send(struct vt_frontend *fe, uint32_t req, uint32_t flags, const void *payload,
		   uint32_t size, const int *fds, unsigned nfds)
{
	struct vt_vhost_msg m;

	m.request = req;
	m.flags = VT_VHOST_VERSION | flags;
	m.size = size;
	if (size)
		memcpy(m.p.raw, payload, size);
	m.nfds = nfds;
	int r = vt_vhost_send(fe->sock, &m, fds, nfds);
	if (r < 0)
		return fail(fe, r, "sending %s: %s", vt_vhost_request_name(req), strerror(-r));
	if (fe->msg_tap)
		fe->msg_tap(fe->msg_tap_arg, &m, VT_MSG_TO_BACKEND);
	return 0;
}

static int fe_recv_fds(struct vt_frontend *fe, uint32_t req, struct vt_vhost_msg *m);

/* Waits for the reply to req; any fds in it are closed. */
static int fe_recv(struct vt_frontend *fe, uint32_t req, struct vt_vhost_msg *m)
{
	int r = fe_recv_fds(fe, req, m);

	vt_vhost_close_fds(m);
	return r;
}

/* The same, its fds left in m (the caller's; closed on error). */
static int fe_recv_fds(struct vt_frontend *fe, uint32_t req, struct vt_vhost_msg *m)
{
	const char *name = vt_vhost_request_name(req);
	struct pollfd p = { .fd = fe->sock, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, FE_REPLY_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return fail(fe, r < 0 ? -errno : -ETIMEDOUT, "no reply to %s", name);
	r = vt_vhost_recv(fe->sock, m);
	if (r < 0)
		return fail(fe, r, "reading the reply to %s: %s", name, strerror(-r));
	if (fe->msg_tap)
		fe->msg_tap(fe->msg_tap_arg, m, VT_MSG_TO_FRONTEND);
	r = 0;
	if (m->request != req)
		r = fail(fe, -EPROTO, "reply to %s has request %u", name, m->request);
	else if (m->flags != (VT_VHOST_VERSION | VT_VHOST_FLAG_REPLY))
		r = fail(fe, -EPROTO, "reply to %s has flags 0x%x", name, m->flags);
	if (r < 0)
		vt_vhost_close_fds(m);
	return r;
}

static int fe_get_u64(struct vt_frontend *fe, uint32_t req, uint64_t *v)
{
	struct vt_vhost_msg m;
	int r = fe_send(fe, req, 0, NULL, 0, NULL, 0);

	if (r == 0)
		r = fe_recv(fe, req, &m);
	if (r < 0)
		return r;
	if (m.size != sizeof(uint64_t))
		return fail(fe, -EPROTO, "reply to %s has %u bytes", vt_vhost_request_name(req), m.size);
	*v = m.p.u64;
	return 0;
}

/* A request without a mandatory reply: with REPLY_ACK we ask for the
 * backend's verdict and fail on a nonzero one. */
static int fe_set(struct vt_frontend *fe, uint32_t req, const void *payload, uint32_t size,
		  const int *fds, unsigned nfds)
{
	bool ack = has_pf(fe, VHOST_USER_PROTOCOL_F_REPLY_ACK);
	struct vt_vhost_msg m;
	int r = fe_send(fe, req, ack ? VT_VHOST_FLAG_NEED_REPLY : 0, payload, size, fds, nfds);

	if (r < 0 || !ack)
		return r;
	r = fe_recv(fe, req, &m);
	if (r < 0)
		return r;
	if (m.size != sizeof(uint64_t))
		return fail(fe, -EPROTO, "ack of %s has %u bytes", vt_vhost_request_name(req), m.size);
	if (m.p.u64 != 0)
		return fail(fe, -EIO, "backend refused %s (error %llu)", vt_vhost_request_name(req),
			    (unsigned long long)m.p.u64);
	return 0;
}

static int fe_set_u64(struct vt_frontend *fe, uint32_t req, uint64_t v)
{
	return fe_set(fe, req, &v, sizeof(v), NULL, 0);
}

static int fe_set_state(struct vt_frontend *fe, uint32_t req, unsigned q, uint32_t num)
{
	struct vt_vhost_vring_state s = { .index = q, .num = num };

	return fe_set(fe, req, &s, sizeof(s), NULL, 0);
}

/* ---- connect ------------------------------------------------------------ */

static void fe_init(struct vt_frontend *fe)
{
	memset(fe, 0, sizeof(*fe));
	fe->sock = -1;
	fe->channel_fd = -1;
	fe->inflight_fd = -1;
	fe->epfd = -1;
	fe->mem.fd = -1;
	for (unsigned i = 0; i < VT_FE_MAX_QUEUES; i++)
		fe->kick_fd[i] = fe->call_fd[i] = -1;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int vt_fe_connect(struct vt_frontend *fe, const char *path, int timeout_ms)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	uint64_t deadline = vt_now_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000u;

	fe_init(fe);
	if (strlen(path) >= sizeof(a.sun_path))
		return fail(fe, -ENAMETOOLONG, "%s: socket path too long", path);
	if (!*path)   /* would name an abstract socket */
		return fail(fe, -EINVAL, "empty socket path");
	strcpy(a.sun_path, path);
	for (;;) {
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return fail(fe, -errno, "socket: %s", strerror(errno));
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0) {
			fe->sock = s;
			return 0;
		}
		int e = errno;
		close(s);
		/* The backend may still be starting up. */
		if ((e != ENOENT && e != ECONNREFUSED) || vt_now_ns() >= deadline)
			return fail(fe, -e, "connecting to %s: %s", path, strerror(e));
		sleep_ms(FE_RETRY_MS);
	}
}

/* ---- start -------------------------------------------------------------- */

static void fe_release(struct vt_frontend *fe)
{
	for (unsigned i = 0; i < VT_FE_MAX_QUEUES; i++) {
		close_fd(&fe->kick_fd[i]);
		close_fd(&fe->call_fd[i]);
		if (fe->vq[i].num)
			vt_dvq_free(&fe->vq[i]);
		memset(&fe->vq[i], 0, sizeof(fe->vq[i]));
	}
	if (fe->mem.base || fe->mem.fd >= 0)
		vt_gmem_destroy(&fe->mem);
	fe->mem.fd = -1;
	close_fd(&fe->channel_fd);
	close_fd(&fe->inflight_fd);
	close_fd(&fe->sock);
	close_fd(&fe->epfd);
	fe->nqueues = 0;
}

static int check_opts(struct vt_frontend *fe, const struct vt_fe_opts *o)
{
	unsigned n = o->queue_size;

	if (o->nqueues < 1 || o->nqueues > VT_FE_MAX_QUEUES)
		return fail(fe, -EINVAL, "%u queues: expected 1..%d", o->nqueues, VT_FE_MAX_QUEUES);
	if (n == 0 || n > VT_VQ_MAX_SIZE || (n & (n - 1)))
		return fail(fe, -EINVAL, "queue size %u is not a power of two in 1..%d", n, VT_VQ_MAX_SIZE);
	if (fe->sock < 0)
		return fail(fe, -ENOTCONN, "not connected");
	return 0;
}

static int negotiate(struct vt_frontend *fe, const struct vt_fe_opts *o)
{
	int r = fe_get_u64(fe, VHOST_USER_GET_FEATURES, &fe->offered);

	if (r < 0)
		return r;
	fe->got_features = true;
	uint64_t f = o->want_features & fe->offered;
	f &= ~VT_BIT(VIRTIO_RING_F_EVENT_IDX);
	if (o->use_event_idx && !fe->no_event_idx)
		f |= fe->offered & VT_BIT(VIRTIO_RING_F_EVENT_IDX);
	if (!(f & VT_BIT(VIRTIO_F_VERSION_1)))
		return fail(fe, -ENOTSUP, "backend does not offer VERSION_1 (features 0x%llx)",
			    (unsigned long long)fe->offered);
	if (fe->offered & VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES)) {
		uint64_t pf;
		f |= VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
		r = fe_get_u64(fe, VHOST_USER_GET_PROTOCOL_FEATURES, &pf);
		if (r < 0)
			return r;
		fe->got_protocol = true;
		fe->offered_protocol = pf;
		pf &= FE_PROTOCOL_FEATURES;
		r = fe_set_u64(fe, VHOST_USER_SET_PROTOCOL_FEATURES, pf);
		if (r < 0)
			return r;
		fe->protocol_features = pf;   /* REPLY_ACK applies from here on */
	}
	fe->features = f;
	if (has_pf(fe, VHOST_USER_PROTOCOL_F_MQ)) {
		uint64_t nq;
		r = fe_get_u64(fe, VHOST_USER_GET_QUEUE_NUM, &nq);
		if (r < 0)
			return r;
		fe->queue_num = nq;
		if (nq < o->nqueues)
			return fail(fe, -EINVAL, "backend has %llu queues, %u wanted",
				    (unsigned long long)nq, o->nqueues);
	}
	if (has_pf(fe, VHOST_USER_PROTOCOL_F_BACKEND_REQ)) {
		/* As QEMU: the back-end's requests come on a socket of their own. */
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return fail(fe, -errno, "back-end channel: %s", strerror(errno));
		fe->channel_fd = sv[0];
		r = fe_set(fe, VHOST_USER_SET_BACKEND_REQ_FD, NULL, 0, &sv[1], 1);
		close(sv[1]);
		if (r < 0)
			return r;
	}
	r = fe_set(fe, VHOST_USER_SET_OWNER, NULL, 0, NULL, 0);
	if (r == 0)
		r = fe_set_u64(fe, VHOST_USER_SET_FEATURES, f);
	return r;
}

static int setup_memory(struct vt_frontend *fe, const struct vt_fe_opts *o)
{
	/* By default: the rings of every queue, plus room for requests. */
	uint64_t size = FE_DEFAULT_MEM + o->nqueues * vt_dvq_mem_needed(o->queue_size);
	if (o->mem_size)
		size = o->mem_size;
	if (size < fe->mem_size_min)
		size = fe->mem_size_min;
	int r = vt_gmem_create(&fe->mem, size);

	if (r < 0)
		return fail(fe, r, "guest memory: %s", strerror(-r));
	bool eidx = fe->features & VT_BIT(VIRTIO_RING_F_EVENT_IDX);
	for (unsigned i = 0; i < o->nqueues; i++) {
		r = vt_dvq_init(&fe->vq[i], &fe->mem, o->queue_size, eidx);
		if (r < 0)
			return fail(fe, r, "queue %u rings: %s", i, strerror(-r));
	}
	fe->nqueues = o->nqueues;   /* so that release frees the rings */

	struct {
		uint32_t nregions, padding;
		struct vt_vhost_mem_region r;
	} t = { 1, 0, { fe->mem.gpa_base, fe->mem.size, (uint64_t)(uintptr_t)fe->mem.base, 0 } };
	return fe_set(fe, VHOST_USER_SET_MEM_TABLE, &t, sizeof(t), &fe->mem.fd, 1);
}

static int new_eventfd(struct vt_frontend *fe, int *fd)
{
	*fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return *fd < 0 ? fail(fe, -errno, "eventfd: %s", strerror(errno)) : 0;
}

/* SET_VRING_KICK/CALL carry the queue in the u64 and the fd alongside. */
static int set_vring_fd(struct vt_frontend *fe, uint32_t req, unsigned q, int fd)
{
	uint64_t v = q;

	return fe_set(fe, req, &v, sizeof(v), &fd, 1);
}

static int start_queue(struct vt_frontend *fe, unsigned q)
{
	struct vt_dvq *v = &fe->vq[q];
	struct vt_vhost_vring_addr a = {
		.index = q,
		.desc_user_addr = vt_dvq_desc_uva(v),
		.used_user_addr = vt_dvq_used_uva(v),
		.avail_user_addr = vt_dvq_avail_uva(v),
	};
	int r = new_eventfd(fe, &fe->kick_fd[q]);

	if (!r)
		r = new_eventfd(fe, &fe->call_fd[q]);
	if (!r) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u32 = q };
		if (epoll_ctl(fe->epfd, EPOLL_CTL_ADD, fe->call_fd[q], &ev) < 0)
			r = fail(fe, -errno, "epoll: %s", strerror(errno));
	}
	if (!r)
		r = fe_set_state(fe, VHOST_USER_SET_VRING_NUM, q, v->num);
	if (!r)
		r = fe_set_state(fe, VHOST_USER_SET_VRING_BASE, q, 0);
	if (!r)
		r = fe_set(fe, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
	if (!r)
		r = set_vring_fd(fe, VHOST_USER_SET_VRING_KICK, q, fe->kick_fd[q]);
	if (!r)
		r = set_vring_fd(fe, VHOST_USER_SET_VRING_CALL, q, fe->call_fd[q]);
	if (!r && (fe->features & VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES)))
		r = fe_set_state(fe, VHOST_USER_SET_VRING_ENABLE, q, 1);
	return r;
}

/* GET_INFLIGHT_FD: the back-end's region for the queues, which must be a
 * file of the size it says (mapped once to prove it); handed back with
 * SET_INFLIGHT_FD, as a VMM does before it starts the rings. */
static int setup_inflight(struct vt_frontend *fe, const struct vt_fe_opts *o)
{
	struct vt_vhost_inflight in = { .num_queues = (uint16_t)o->nqueues, .queue_size = o->queue_size };
	struct vt_vhost_msg m;
	struct stat st;
	int r = fe_send(fe, VHOST_USER_GET_INFLIGHT_FD, 0, &in, sizeof(in), NULL, 0);

	if (r == 0)
		r = fe_recv_fds(fe, VHOST_USER_GET_INFLIGHT_FD, &m);
	if (r < 0)
		return r;
	if (m.size != sizeof(in) || m.nfds != 1) {
		vt_vhost_close_fds(&m);
		return fail(fe, -EPROTO, "GET_INFLIGHT_FD: the backend answered %u bytes and %u fds (no inflight region)",
			    m.size, m.nfds);
	}
	fe->inflight_fd = m.fds[0];
	in = m.p.inflight;
	if (!in.mmap_size || fstat(fe->inflight_fd, &st) < 0 || in.mmap_offset > (uint64_t)st.st_size ||
	    in.mmap_size > (uint64_t)st.st_size - in.mmap_offset)
		return fail(fe, -EPROTO, "GET_INFLIGHT_FD: a region of %llu bytes at %llu in a file of %lld",
			    (unsigned long long)in.mmap_size, (unsigned long long)in.mmap_offset, (long long)st.st_size);
	void *map = mmap(NULL, in.mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fe->inflight_fd, (off_t)in.mmap_offset);
	if (map == MAP_FAILED)
		return fail(fe, -errno, "GET_INFLIGHT_FD: mapping its region: %s", strerror(errno));
	munmap(map, in.mmap_size);
	fe->inflight_size = in.mmap_size;
	return fe_set(fe, VHOST_USER_SET_INFLIGHT_FD, &in, sizeof(in), &fe->inflight_fd, 1);
}

int vt_fe_start(struct vt_frontend *fe, const struct vt_fe_opts *o)
{
	int r = check_opts(fe, o);

	if (!r)
		r = negotiate(fe, o);
	if (!r)
		r = setup_memory(fe, o);
	if (!r && fe->want_inflight)
		r = setup_inflight(fe, o);
	if (!r && (fe->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		r = fail(fe, -errno, "epoll: %s", strerror(errno));
	for (unsigned q = 0; !r && q < o->nqueues; q++)
		r = start_queue(fe, q);
	if (r < 0)
		fe_release(fe);   /* fe->err says why */
	return r;
}

/* ---- config, kick, wait, stop -------------------------------------------- */

int vt_fe_get_config(struct vt_frontend *fe, uint32_t off, void *buf, uint32_t len)
{
	struct vt_vhost_config c = { .offset = off, .size = len };
	struct vt_vhost_msg m;
	uint32_t size = VT_VHOST_CONFIG_HDR_SIZE + len;

	if (!has_pf(fe, VHOST_USER_PROTOCOL_F_CONFIG))
		return fail(fe, -ENOTSUP, "backend does not offer protocol feature CONFIG");
	if (len > VT_VHOST_CONFIG_MAX)
		return fail(fe, -EINVAL, "config read of %u bytes: at most %d", len, VT_VHOST_CONFIG_MAX);
	int r = fe_send(fe, VHOST_USER_GET_CONFIG, 0, &c, size, NULL, 0);
	if (r == 0)
		r = fe_recv(fe, VHOST_USER_GET_CONFIG, &m);
	if (r < 0)
		return r;
	/* An empty reply is the backend's way of saying no. */
	if (m.size != size)
		return fail(fe, -EIO, "GET_CONFIG %u+%u: backend replied with %u bytes", off, len, m.size);
	memcpy(buf, m.p.config.region, len);
	return 0;
}

int vt_fe_channel_wait(struct vt_frontend *fe, int timeout_ms, uint32_t *request)
{
	struct pollfd p = { .fd = fe->channel_fd, .events = POLLIN };
	struct vt_vhost_msg m;
	int r;

	if (fe->channel_fd < 0)
		return fail(fe, -ENOTSUP, "the backend offers no back-end channel (protocol feature BACKEND_REQ)");
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return fail(fe, -errno, "waiting on the back-end channel: %s", strerror(errno));
	if (r == 0)
		return 0;
	r = vt_vhost_recv(fe->channel_fd, &m);
	if (r < 0)
		return fail(fe, r, "reading the back-end channel: %s",
			    r == -ECONNRESET ? "the backend closed it" : strerror(-r));
	if (fe->msg_tap)
		fe->msg_tap(fe->msg_tap_arg, &m, VT_MSG_CHANNEL_REQUEST);
	vt_vhost_close_fds(&m);
	*request = m.request;
	if (!vt_vhost_backend_reply_expected(&m))
		return 1;
	/* Done (a lookup: nothing found).  QEMU answers version | REPLY too. */
	struct vt_vhost_msg a = { .request = m.request, .flags = VT_VHOST_VERSION | VT_VHOST_FLAG_REPLY,
				  .size = sizeof(uint64_t), .p.u64 = m.request == VHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP };
	r = vt_vhost_send(fe->channel_fd, &a, NULL, 0);
	if (r < 0)
		return fail(fe, r, "answering %s: %s", vt_vhost_backend_request_name(m.request), strerror(-r));
	if (fe->msg_tap)
		fe->msg_tap(fe->msg_tap_arg, &a, VT_MSG_CHANNEL_REPLY);
	return 1;
}

int vt_fe_kick(struct vt_frontend *fe, unsigned q)
{
	uint64_t one = 1;

	if (q >= fe->nqueues)
		return fail(fe, -EINVAL, "queue %u not started", q);
	if (!vt_dvq_publish(&fe->vq[q]))
		return 0;   /* the device said it does not need a kick */
	if (write(fe->kick_fd[q], &one, sizeof(one)) < 0 && errno != EAGAIN)
		return fail(fe, -errno, "kick queue %u: %s", q, strerror(errno));
	fe->kicks++;
	return 0;
}

static bool used_pending(const struct vt_dvq *v)
{
	uint16_t idx = __atomic_load_n(&v->used->idx, __ATOMIC_ACQUIRE);

	return le16toh(idx) != v->last_used;
}

int vt_fe_wait_any(struct vt_frontend *fe, uint32_t queues, int timeout_ms)
{
	uint64_t deadline = vt_now_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000u;

	for (unsigned q = 0; q < VT_FE_MAX_QUEUES; q++)
		if ((queues & (1u << q)) && q >= fe->nqueues)
			return fail(fe, -EINVAL, "queue %u not started", q);
	for (;;) {
		/* An edge consumed by an earlier wait (of this queue or another)
		 * is not lost: the used rings are what counts, and they are
		 * looked at before every sleep. */
		for (unsigned q = 0; q < VT_FE_MAX_QUEUES; q++)
			if (queues & (1u << q)) {
				if (used_pending(&fe->vq[q]))
					return 1;
				vt_dvq_enable_cb(&fe->vq[q]);
				if (used_pending(&fe->vq[q]))   /* completed before the driver asked */
					return 1;
			}
		int ms = vt_ms_until(deadline);
		if (ms == 0)
			return 0;
		struct epoll_event ev[VT_FE_MAX_QUEUES];
		int r = epoll_wait(fe->epfd, ev, VT_FE_MAX_QUEUES, ms);
		if (r < 0 && errno != EINTR)
			return fail(fe, -errno, "waiting on the queues: %s", strerror(errno));
		if (r > 0)
			fe->calls_waited++;
	}
}

int vt_fe_wait(struct vt_frontend *fe, unsigned q, int timeout_ms)
{
	if (q >= fe->nqueues || q >= VT_FE_MAX_QUEUES)
		return fail(fe, -EINVAL, "queue %u not started", q);
	return vt_fe_wait_any(fe, 1u << q, timeout_ms);
}

void vt_fe_stop(struct vt_frontend *fe)
{
	for (unsigned q = 0; fe->sock >= 0 && q < fe->nqueues; q++) {
		struct vt_vhost_vring_state s = { .index = q };
		struct vt_vhost_msg m;
		if (fe_send(fe, VHOST_USER_GET_VRING_BASE, 0, &s, sizeof(s), NULL, 0) < 0 ||
		    fe_recv(fe, VHOST_USER_GET_VRING_BASE, &m) < 0)
			break;
	}
	fe_release(fe);
}
