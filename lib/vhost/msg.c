/* vhost-user message I/O: framing, SCM_RIGHTS fds, request names and the
 * fixed payload sizes the protocol defines for each request. */
#include "vhost/msg.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/bytes.h"
#include "util/log.h"

/* ---- request table: name and fixed payload size (-1: variable / not
 * checked here).  Sizes follow docs/interop/vhost-user.rst and what QEMU
 * puts in hdr.size. */
struct req_info {
	const char *name;
	int size;
};

static const struct req_info req_table[VHOST_USER_REQUEST_MAX] = {
	[VHOST_USER_GET_FEATURES] = { "GET_FEATURES", 0 },
	[VHOST_USER_SET_FEATURES] = { "SET_FEATURES", 8 },
	[VHOST_USER_SET_OWNER] = { "SET_OWNER", 0 },
	[VHOST_USER_RESET_OWNER] = { "RESET_OWNER", 0 },
	[VHOST_USER_SET_MEM_TABLE] = { "SET_MEM_TABLE", -1 },
	[VHOST_USER_SET_LOG_BASE] = { "SET_LOG_BASE", -1 },
	[VHOST_USER_SET_LOG_FD] = { "SET_LOG_FD", -1 },
	[VHOST_USER_SET_VRING_NUM] = { "SET_VRING_NUM", 8 },
	[VHOST_USER_SET_VRING_ADDR] = { "SET_VRING_ADDR", 40 },
	[VHOST_USER_SET_VRING_BASE] = { "SET_VRING_BASE", 8 },
	[VHOST_USER_GET_VRING_BASE] = { "GET_VRING_BASE", 8 },
	[VHOST_USER_SET_VRING_KICK] = { "SET_VRING_KICK", 8 },
	[VHOST_USER_SET_VRING_CALL] = { "SET_VRING_CALL", 8 },
	[VHOST_USER_SET_VRING_ERR] = { "SET_VRING_ERR", 8 },
	[VHOST_USER_GET_PROTOCOL_FEATURES] = { "GET_PROTOCOL_FEATURES", 0 },
	[VHOST_USER_SET_PROTOCOL_FEATURES] = { "SET_PROTOCOL_FEATURES", 8 },
	[VHOST_USER_GET_QUEUE_NUM] = { "GET_QUEUE_NUM", 0 },
	[VHOST_USER_SET_VRING_ENABLE] = { "SET_VRING_ENABLE", 8 },
	[VHOST_USER_SEND_RARP] = { "SEND_RARP", 8 },
	[VHOST_USER_NET_SET_MTU] = { "NET_SET_MTU", 8 },
	[VHOST_USER_SET_BACKEND_REQ_FD] = { "SET_BACKEND_REQ_FD", 0 },
	[VHOST_USER_IOTLB_MSG] = { "IOTLB_MSG", -1 },
	[VHOST_USER_SET_VRING_ENDIAN] = { "SET_VRING_ENDIAN", 8 },
	[VHOST_USER_GET_CONFIG] = { "GET_CONFIG", -1 },
	[VHOST_USER_SET_CONFIG] = { "SET_CONFIG", -1 },
	[VHOST_USER_CREATE_CRYPTO_SESSION] = { "CREATE_CRYPTO_SESSION", -1 },
	[VHOST_USER_CLOSE_CRYPTO_SESSION] = { "CLOSE_CRYPTO_SESSION", 8 },
	[VHOST_USER_POSTCOPY_ADVISE] = { "POSTCOPY_ADVISE", 0 },
	[VHOST_USER_POSTCOPY_LISTEN] = { "POSTCOPY_LISTEN", 0 },
	[VHOST_USER_POSTCOPY_END] = { "POSTCOPY_END", 0 },
	[VHOST_USER_GET_INFLIGHT_FD] = { "GET_INFLIGHT_FD", -1 },
	[VHOST_USER_SET_INFLIGHT_FD] = { "SET_INFLIGHT_FD", -1 },
	[VHOST_USER_GPU_SET_SOCKET] = { "GPU_SET_SOCKET", 0 },
	[VHOST_USER_RESET_DEVICE] = { "RESET_DEVICE", 0 },
	[VHOST_USER_VRING_KICK] = { "VRING_KICK", 8 },
	[VHOST_USER_GET_MAX_MEM_SLOTS] = { "GET_MAX_MEM_SLOTS", 0 },
	[VHOST_USER_ADD_MEM_REG] = { "ADD_MEM_REG", 40 },
	[VHOST_USER_REM_MEM_REG] = { "REM_MEM_REG", 40 },
	[VHOST_USER_SET_STATUS] = { "SET_STATUS", 8 },
	[VHOST_USER_GET_STATUS] = { "GET_STATUS", 0 },
};

_Static_assert(sizeof(struct vt_vhost_vring_addr) == 40, "vring addr is 40 bytes");
_Static_assert(sizeof(struct vt_vhost_mem_single) == 40, "single region is 40 bytes");

const char *vt_vhost_request_name(uint32_t request)
{
	if (request < VHOST_USER_REQUEST_MAX && req_table[request].name)
		return req_table[request].name;
	return "UNKNOWN";
}

static const char *const backend_names[VHOST_USER_BACKEND_REQUEST_MAX] = {
	[VHOST_USER_BACKEND_IOTLB_MSG] = "IOTLB_MSG",
	[VHOST_USER_BACKEND_CONFIG_CHANGE_MSG] = "CONFIG_CHANGE_MSG",
	[VHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG] = "VRING_HOST_NOTIFIER_MSG",
	[VHOST_USER_BACKEND_VRING_CALL] = "VRING_CALL",
	[VHOST_USER_BACKEND_VRING_ERR] = "VRING_ERR",
	[VHOST_USER_BACKEND_SHARED_OBJECT_ADD] = "SHARED_OBJECT_ADD",
	[VHOST_USER_BACKEND_SHARED_OBJECT_REMOVE] = "SHARED_OBJECT_REMOVE",
	[VHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP] = "SHARED_OBJECT_LOOKUP",
};

const char *vt_vhost_backend_request_name(uint32_t request)
{
	if (request < VHOST_USER_BACKEND_REQUEST_MAX && backend_names[request])
		return backend_names[request];
	return "UNKNOWN";
}

bool vt_vhost_backend_reply_expected(const struct vt_vhost_msg *m)
{
	return (m->flags & VT_VHOST_FLAG_NEED_REPLY) || m->request == VHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP;
}

int vt_vhost_payload_size(uint32_t request)
{
	if (request < VHOST_USER_REQUEST_MAX && req_table[request].name)
		return req_table[request].size;
	return -1;
}

void vt_vhost_close_fds(struct vt_vhost_msg *m)
{
	for (unsigned i = 0; i < m->nfds && i < VT_VHOST_MAX_FDS; i++) {
		if (m->fds[i] >= 0)
			close(m->fds[i]);
		m->fds[i] = -1;
	}
	m->nfds = 0;
}

/* ---- receiving */

/* Waits until sock is ready for events (POLLIN / POLLOUT) or the
 * mid-message timeout expires: a peer that stalls inside a message must not
 * hold the caller forever. */
static int wait_ready(int sock, short events)
{
	struct pollfd p = { .fd = sock, .events = events };
	int r;

	do
		r = poll(&p, 1, VT_VHOST_RECV_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

/* Collects SCM_RIGHTS fds into m.  Every fd that arrived is either stored
 * or closed, so an error leaves nothing open. */
static int take_fds(struct msghdr *mh, struct vt_vhost_msg *m)
{
	int err = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		const uint8_t *data = CMSG_DATA(c);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, data + i * sizeof(int), sizeof(int));
			if (m->nfds < VT_VHOST_MAX_FDS)
				m->fds[m->nfds++] = fd;
			else {
				close(fd);
				err = -EPROTO;
			}
		}
	}
	if (err)
		vt_err("vhost-user: more than %d fds in one message", VT_VHOST_MAX_FDS);
	return err;
}

static int check_header(const struct vt_vhost_msg *m)
{
	if ((m->flags & VT_VHOST_VERSION_MASK) != VT_VHOST_VERSION) {
		vt_err("vhost-user: %s: bad version in flags 0x%x",
		       vt_vhost_request_name(m->request), m->flags);
		return -EPROTO;
	}
	if (m->size > VT_VHOST_MAX_PAYLOAD) {
		vt_err("vhost-user: %s: payload of %u bytes exceeds %d",
		       vt_vhost_request_name(m->request), m->size, VT_VHOST_MAX_PAYLOAD);
		return -EPROTO;
	}
	return 0;
}

void vt_vhost_rx_init(struct vt_vhost_rx *rx)
{
	rx->got = 0;
	rx->m.nfds = 0;
	for (unsigned i = 0; i < VT_VHOST_MAX_FDS; i++)
		rx->m.fds[i] = -1;
}

void vt_vhost_rx_reset(struct vt_vhost_rx *rx)
{
	vt_vhost_close_fds(&rx->m);
	vt_vhost_rx_init(rx);
}

size_t vt_vhost_rx_total(const struct vt_vhost_rx *rx)
{
	return VT_VHOST_HDR_SIZE + (rx->got >= VT_VHOST_HDR_SIZE ? (size_t)rx->m.size : 0);
}

/* Every read is a recvmsg, never past the current message: fds travel with
 * a message's first byte, and the kernel hands them over with the bytes
 * they came with. */
static int rx_step(int sock, struct vt_vhost_rx *rx)
{
	union {
		char buf[CMSG_SPACE(VT_VHOST_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	ssize_t n;

	if (rx->got < VT_VHOST_HDR_SIZE)
		iov = (struct iovec){ (uint8_t *)rx->hdr + rx->got, VT_VHOST_HDR_SIZE - rx->got };
	else
		iov = (struct iovec){ rx->m.p.raw + (rx->got - VT_VHOST_HDR_SIZE),
				      rx->m.size - (rx->got - VT_VHOST_HDR_SIZE) };
	do
		n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;   /* EOF, also mid-message: the peer went away */
	int r = take_fds(&mh, &rx->m);
	if (r == 0 && (mh.msg_flags & MSG_CTRUNC)) {
		vt_err("vhost-user: control data truncated (too many fds)");
		r = -EPROTO;
	}
	if (r < 0)
		return r;
	rx->got += (size_t)n;
	if (rx->got == VT_VHOST_HDR_SIZE) {
		rx->m.request = rx->hdr[0];
		rx->m.flags = rx->hdr[1];
		rx->m.size = rx->hdr[2];
		r = check_header(&rx->m);   /* before a payload byte is taken */
		if (r < 0)
			return r;
	}
	return 1;
}

int vt_vhost_rx_read(int sock, struct vt_vhost_rx *rx)
{
	for (;;) {
		if (rx->got >= VT_VHOST_HDR_SIZE && rx->got == vt_vhost_rx_total(rx))
			return 1;
		int r = rx_step(sock, rx);
		if (r < 0)
			vt_vhost_rx_reset(rx);
		if (r <= 0)
			return r;
	}
}

int vt_vhost_recv(int sock, struct vt_vhost_msg *m)
{
	static struct vt_vhost_rx rx;   /* 4 KiB: off the stack; one caller at a time (no threads) */
	int r;

	vt_vhost_rx_init(&rx);
	while ((r = vt_vhost_rx_read(sock, &rx)) == 0) {
		r = wait_ready(sock, POLLIN);
		if (r < 0) {
			vt_vhost_rx_reset(&rx);
			break;
		}
	}
	if (r > 0) {
		memcpy(m, &rx.m, sizeof(*m));
		return 0;
	}
	m->nfds = 0;
	return r;
}

/* ---- sending */

/* Fills one SCM_RIGHTS control message with fds. */
static void put_fds(struct msghdr *mh, char *buf, const int *fds, unsigned nfds)
{
	mh->msg_control = buf;
	mh->msg_controllen = CMSG_SPACE(nfds * sizeof(int));
	struct cmsghdr *c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
	memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
}

int vt_vhost_send(int sock, const struct vt_vhost_msg *m, const int *fds, unsigned nfds)
{
	union {
		char buf[CMSG_SPACE(VT_VHOST_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	uint32_t hdr[3] = { m->request, m->flags, m->size };
	size_t off = 0, total;

	if (nfds > VT_VHOST_MAX_FDS || m->size > VT_VHOST_MAX_PAYLOAD)
		return -EINVAL;
	total = VT_VHOST_HDR_SIZE + (size_t)m->size;
	memset(&ctl, 0, sizeof(ctl));
	while (off < total) {
		/* Header and payload are separate in m (alignment): two iovecs,
		 * advanced past what a short write already sent. */
		struct iovec iov[2];
		int niov = 0;
		if (off < VT_VHOST_HDR_SIZE)
			iov[niov++] = (struct iovec){ (uint8_t *)hdr + off, VT_VHOST_HDR_SIZE - off };
		size_t poff = off < VT_VHOST_HDR_SIZE ? 0 : off - VT_VHOST_HDR_SIZE;
		if (poff < m->size)
			iov[niov++] = (struct iovec){ (uint8_t *)m->p.raw + poff, m->size - poff };
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)niov };
		if (nfds > 0)   /* fds go with the first byte only */
			put_fds(&mh, ctl.buf, fds, nfds);
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			int r = wait_ready(sock, POLLOUT);
			if (r < 0)
				return r;
			continue;
		}
		off += (size_t)n;
		nfds = 0;
	}
	return 0;
}

long vt_vhost_send_bytes(int sock, const void *buf, size_t len, const int *fds, unsigned nfds)
{
	union {
		char buf[CMSG_SPACE(VT_VHOST_SEND_FDS_MAX * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds > VT_VHOST_SEND_FDS_MAX)
		return -EINVAL;
	memset(&ctl, 0, sizeof(ctl));
	if (nfds)
		put_fds(&mh, ctl.buf, fds, nfds);
	return sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
}

int vt_vhost_reply(int sock, const struct vt_vhost_msg *req, const void *payload, uint32_t size)
{
	struct vt_vhost_msg r;

	if (size > VT_VHOST_MAX_PAYLOAD)
		return -EINVAL;
	/* QEMU insists on flags == version | REPLY exactly. */
	r.request = req->request;
	r.flags = VT_VHOST_VERSION | VT_VHOST_FLAG_REPLY;
	r.size = size;
	if (size)
		memcpy(r.p.raw, payload, size);
	return vt_vhost_send(sock, &r, NULL, 0);
}

int vt_vhost_reply_u64(int sock, const struct vt_vhost_msg *req, uint64_t v)
{
	return vt_vhost_reply(sock, req, &v, sizeof(v));
}
