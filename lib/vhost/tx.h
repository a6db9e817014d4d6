/* vhost-user messages out without waiting: what the socket does not take
 * now waits in a small queue, sent in order when the socket is writable
 * again.  The mirror of vt_vhost_rx: an event loop never sleeps in a send
 * because a peer stopped reading. */
#ifndef VT_VHOST_TX_H
#define VT_VHOST_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhost/proto.h"

/* Queued messages at most: one a reply is the rule (the backend stops
 * reading while a reply waits), a few more come from a proxy; past this
 * the peer is not reading at all. */
#define VT_VHOST_TX_MAX 32

struct vt_vhost_tx_msg {
	uint8_t *bytes;                /* header and payload, as on the wire */
	size_t len, off;               /* off: bytes already sent */
	int fds[VT_VHOST_MAX_FDS];     /* ours (dup'd), sent with the first byte */
	unsigned nfds;
};

struct vt_vhost_tx {
	struct vt_vhost_tx_msg q[VT_VHOST_TX_MAX];
	unsigned head, n;
};

void vt_vhost_tx_init(struct vt_vhost_tx *tx);
static inline bool vt_vhost_tx_pending(const struct vt_vhost_tx *tx)
{
	return tx->n > 0;
}
/* Sends m with fds (still the caller's) as far as the socket takes it now,
 * behind what is queued; the rest is queued (bytes copied, fds dup'd).
 * 0: all sent; 1: queued, call vt_vhost_tx_flush when the socket is
 * writable; <0: -errno (-EINVAL: a message vt_vhost_send refuses too,
 * -ENOBUFS: the queue is full). */
int vt_vhost_tx_send(int sock, struct vt_vhost_tx *tx, const struct vt_vhost_msg *m, const int *fds,
		     unsigned nfds);
/* 0: the queue is empty; 1: the socket is full again; <0: -errno. */
int vt_vhost_tx_flush(int sock, struct vt_vhost_tx *tx);
/* Drops what is queued, closing its fds. */
void vt_vhost_tx_reset(struct vt_vhost_tx *tx);

#endif
