/* The proxy's reader of one vhost-user socket (the back-end's, and each
 * end of the back-end channel): vt_vhost_rx, which never waits, and the
 * bound vhost/backend.c gives a begun message: VT_VHOST_RECV_TIMEOUT_MS
 * from its first byte, then the peer is given up on (stalled).  A peer
 * that stops, or trickles, inside a message holds nothing else up: the
 * proxy's loop serves the VMM, the other sockets and the control socket
 * meanwhile. */
#ifndef VT_PROXY_RX_H
#define VT_PROXY_RX_H

#include <stddef.h>

#include "util/loop.h"
#include "vhost/msg.h"

/* A begun message did not come whole in time: got of total bytes (the
 * partial message is dropped already). */
typedef void (*vt_pxrx_stalled_fn)(void *arg, size_t got, size_t total);

struct vt_pxrx {
	struct vt_vhost_rx rx;
	struct vt_loop *loop;
	struct vt_timer *deadline;   /* armed while a message is incomplete */
	vt_pxrx_stalled_fn stalled;
	void *arg;
};

void vt_pxrx_init(struct vt_pxrx *r, struct vt_loop *loop, vt_pxrx_stalled_fn stalled, void *arg);
/* What fd has, up to the end of the current message.  1: *m is a whole
 * message, its fds the caller's; 0: nothing more now; < 0: the socket is
 * closed or broken, or the message was refused (vt_vhost_rx_read). */
int vt_pxrx_read(struct vt_pxrx *r, int fd, struct vt_vhost_msg *m);
/* Drops a partial message and its deadline (its socket is closed). */
void vt_pxrx_reset(struct vt_pxrx *r);

#endif
