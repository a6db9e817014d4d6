/* A proxy's back-end channel (see channel.h). */
#include "proxy/channel.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/log.h"
#include "vhost/event.h"
#include "vhost/msg.h"

/* One message at a time, off the stack (4 KiB of payload). */
static struct vt_vhost_msg chmsg;

/* The reader of an end (its partial message dropped with it). */
static struct vt_pxrx *rx_of(struct vt_pxch *ch, const int *fd)
{
	return fd == &ch->up ? &ch->rx_up : &ch->rx_vmm;
}

static void unwatch(struct vt_pxch *ch, int *fd)
{
	vt_pxrx_reset(rx_of(ch, fd));
	if (*fd < 0)
		return;
	vt_loop_del_fd(ch->loop, *fd);
	close(*fd);
	*fd = -1;
}

/* The back-end waits for an answer the VMM cannot give (its end is gone,
 * or sending to it failed): it gets a failure, not silence. */
static void answer_failed(struct vt_pxch *ch, uint32_t request)
{
	static struct vt_vhost_msg r;

	if (ch->up < 0)
		return;
	r = (struct vt_vhost_msg){ .request = request, .flags = VT_VHOST_VERSION | VT_VHOST_FLAG_REPLY,
				   .size = sizeof(uint64_t), .p.u64 = 1 };
	vt_backend_record(ch->fe, &r, VT_MSG_CHANNEL_REPLY);
	if (vt_vhost_send(ch->up, &r, NULL, 0) < 0)
		vt_warn("proxy: back-end channel: answering %s failed", vt_vhost_backend_request_name(request));
}

/* A request of the back-end's: recorded and passed to the VMM with its
 * fds; the answer it expects is owed. */
static void from_backend(struct vt_pxch *ch, int rc)
{
	struct vt_vhost_msg *m = &chmsg;

	if (rc < 0) {
		/* closed (the back-end is going) or broken: no more requests */
		if (rc != -ECONNRESET)
			vt_warn("proxy: back-end channel: %s; closed", strerror(-rc));
		vt_pxch_backend_gone(ch);
		return;
	}
	vt_backend_record(ch->fe, m, VT_MSG_CHANNEL_REQUEST);
	const char *name = vt_vhost_backend_request_name(m->request);
	bool reply = vt_vhost_backend_reply_expected(m);
	if (m->flags & VT_VHOST_FLAG_REPLY) {
		vt_warn("proxy: back-end channel: the back-end sent a reply to %s, which nobody asked: dropped", name);
		vt_vhost_close_fds(m);
		return;
	}
	if (reply && ch->n == VT_PXCH_MAX_PENDING) {
		vt_err("proxy: back-end channel: %s: %u answers already due from the VMM", name, ch->n);
		answer_failed(ch, m->request);
		vt_vhost_close_fds(m);
		return;
	}
	rc = ch->vmm >= 0 ? vt_vhost_send(ch->vmm, m, m->fds, m->nfds) : -ENOTCONN;
	vt_vhost_close_fds(m);
	if (rc < 0) {
		vt_warn("proxy: back-end channel: %s not passed to the VMM: %s", name, strerror(-rc));
		if (reply)
			answer_failed(ch, m->request);
		return;
	}
	ch->forwarded++;
	if (reply)
		ch->pending[(ch->head + ch->n++) % VT_PXCH_MAX_PENDING] = m->request;
}

/* The VMM's answer: back to the back-end that asked (one that is gone
 * gets nothing). */
static void from_vmm(struct vt_pxch *ch, int rc)
{
	struct vt_vhost_msg *m = &chmsg;

	if (rc < 0) {
		if (rc != -ECONNRESET)
			vt_warn("proxy: back-end channel: the VMM's end: %s; closed", strerror(-rc));
		unwatch(ch, &ch->vmm);
		/* what it owed will not come */
		while (ch->n) {
			answer_failed(ch, ch->pending[ch->head]);
			ch->head = (ch->head + 1) % VT_PXCH_MAX_PENDING;
			ch->n--;
		}
		return;
	}
	vt_backend_record(ch->fe, m, VT_MSG_CHANNEL_REPLY);
	if (ch->discard) {
		ch->discard--;
		vt_vhost_close_fds(m);
		return;
	}
	if (!ch->n || !(m->flags & VT_VHOST_FLAG_REPLY)) {
		vt_warn("proxy: back-end channel: the VMM sent %s unasked: dropped",
			vt_vhost_backend_request_name(m->request));
		vt_vhost_close_fds(m);
		return;
	}
	uint32_t want = ch->pending[ch->head];
	ch->head = (ch->head + 1) % VT_PXCH_MAX_PENDING;
	ch->n--;
	if (m->request != want)
		vt_warn("proxy: back-end channel: the VMM answered %s to %s", vt_vhost_backend_request_name(m->request),
			vt_vhost_backend_request_name(want));
	rc = ch->up >= 0 ? vt_vhost_send(ch->up, m, m->fds, m->nfds) : -ENOTCONN;
	vt_vhost_close_fds(m);
	if (rc < 0)
		vt_warn("proxy: back-end channel: the answer to %s did not reach the back-end: %s",
			vt_vhost_backend_request_name(want), strerror(-rc));
}

/* Either end has bytes (or closed): a whole message into chmsg goes on;
 * a partial one waits for the rest without holding the loop up. */
static void on_readable(struct vt_loop *loop, int fd, uint32_t events, void *arg)
{
	struct vt_pxch *ch = arg;
	bool up = fd == ch->up;
	int rc = vt_pxrx_read(up ? &ch->rx_up : &ch->rx_vmm, fd, &chmsg);

	(void)loop;
	(void)events;
	if (rc == 0)
		return;
	if (up)
		from_backend(ch, rc < 0 ? rc : 0);
	else
		from_vmm(ch, rc < 0 ? rc : 0);
}

/* An end stopped inside a message: closed as if it had broken. */
static void stalled(struct vt_pxch *ch, bool up, size_t got, size_t total)
{
	vt_warn("proxy: back-end channel: the %s stopped inside a message (%zu of %zu bytes in %d ms)",
		up ? "back-end" : "VMM", got, total, VT_VHOST_RECV_TIMEOUT_MS);
	if (up)
		from_backend(ch, -ETIMEDOUT);
	else
		from_vmm(ch, -ETIMEDOUT);
}

static void up_stalled(void *arg, size_t got, size_t total)
{
	stalled(arg, true, got, total);
}

static void vmm_stalled(void *arg, size_t got, size_t total)
{
	stalled(arg, false, got, total);
}

void vt_pxch_init(struct vt_pxch *ch, struct vt_loop *loop, struct vt_backend *fe)
{
	*ch = (struct vt_pxch){ .loop = loop, .fe = fe, .vmm = -1, .up = -1 };
	vt_pxrx_init(&ch->rx_vmm, loop, vmm_stalled, ch);
	vt_pxrx_init(&ch->rx_up, loop, up_stalled, ch);
}

int vt_pxch_set_vmm(struct vt_pxch *ch, int fd)
{
	unwatch(ch, &ch->vmm);
	int rc = vt_loop_add_fd(ch->loop, fd, EPOLLIN, on_readable, ch);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	ch->vmm = fd;
	return 0;
}

bool vt_pxch_active(const struct vt_pxch *ch)
{
	return ch->vmm >= 0;
}

int vt_pxch_backend_end(struct vt_pxch *ch)
{
	int sv[2];

	vt_pxch_backend_gone(ch);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	int rc = vt_loop_add_fd(ch->loop, sv[0], EPOLLIN, on_readable, ch);
	if (rc < 0) {
		close(sv[0]);
		close(sv[1]);
		return rc;
	}
	ch->up = sv[0];
	return sv[1];
}

void vt_pxch_backend_gone(struct vt_pxch *ch)
{
	unwatch(ch, &ch->up);
	ch->discard += ch->n;
	ch->n = ch->head = 0;
}

void vt_pxch_close(struct vt_pxch *ch)
{
	unwatch(ch, &ch->up);
	unwatch(ch, &ch->vmm);
	ch->n = ch->head = ch->discard = 0;
}
