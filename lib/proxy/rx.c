/* The proxy's non-blocking vhost-user reader (see rx.h). */
#include "proxy/rx.h"

#include <errno.h>
#include <string.h>

static void disarm(struct vt_pxrx *r)
{
	if (r->deadline)
		vt_loop_timer_cancel(r->loop, r->deadline);
	r->deadline = NULL;
}

static void on_deadline(struct vt_loop *loop, void *arg)
{
	struct vt_pxrx *r = arg;
	size_t got = r->rx.got, total = vt_vhost_rx_total(&r->rx);

	(void)loop;
	r->deadline = NULL;   /* fired: the loop frees it */
	vt_vhost_rx_reset(&r->rx);
	r->stalled(r->arg, got, total);
}

void vt_pxrx_init(struct vt_pxrx *r, struct vt_loop *loop, vt_pxrx_stalled_fn stalled, void *arg)
{
	vt_vhost_rx_init(&r->rx);
	r->loop = loop;
	r->deadline = NULL;
	r->stalled = stalled;
	r->arg = arg;
}

int vt_pxrx_read(struct vt_pxrx *r, int fd, struct vt_vhost_msg *m)
{
	int rc = vt_vhost_rx_read(fd, &r->rx);

	if (rc == 0) {
		/* the rest comes later, or never: bounded from its first byte */
		if (r->rx.got && !r->deadline) {
			r->deadline = vt_loop_timer(r->loop, (uint64_t)VT_VHOST_RECV_TIMEOUT_MS * 1000000u,
						    on_deadline, r);
			if (!r->deadline) {
				vt_vhost_rx_reset(&r->rx);
				return -ENOMEM;
			}
		}
		return 0;
	}
	disarm(r);
	if (rc < 0)
		return rc;
	memcpy(m, &r->rx.m, sizeof(*m));
	vt_vhost_rx_init(&r->rx);   /* the fds are the caller's now */
	return 1;
}

void vt_pxrx_reset(struct vt_pxrx *r)
{
	disarm(r);
	vt_vhost_rx_reset(&r->rx);
}
