/* vhost-user messages out without waiting (tx.h). */
#include "vhost/tx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhost/msg.h"

void vt_vhost_tx_init(struct vt_vhost_tx *tx)
{
	memset(tx, 0, sizeof(*tx));
}

static void drop(struct vt_vhost_tx_msg *e)
{
	for (unsigned i = 0; i < e->nfds; i++)
		close(e->fds[i]);
	free(e->bytes);
	memset(e, 0, sizeof(*e));
}

/* One sendmsg: bytes sent, 0 when the socket is full, or -errno. */
static long send_some(int sock, const uint8_t *buf, size_t len, const int *fds, unsigned nfds)
{
	for (;;) {
		long n = vt_vhost_send_bytes(sock, buf, len, fds, nfds);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	}
}

int vt_vhost_tx_send(int sock, struct vt_vhost_tx *tx, const struct vt_vhost_msg *m, const int *fds,
		     unsigned nfds)
{
	uint8_t wire[VT_VHOST_HDR_SIZE + VT_VHOST_MAX_PAYLOAD];
	uint32_t hdr[3] = { m->request, m->flags, m->size };

	if (nfds > VT_VHOST_MAX_FDS || m->size > VT_VHOST_MAX_PAYLOAD)
		return -EINVAL;
	size_t len = VT_VHOST_HDR_SIZE + (size_t)m->size, off = 0;
	memcpy(wire, hdr, VT_VHOST_HDR_SIZE);
	memcpy(wire + VT_VHOST_HDR_SIZE, m->p.raw, m->size);
	if (!tx->n) {   /* nothing ahead of it: straight out */
		long n = send_some(sock, wire, len, fds, nfds);
		if (n < 0)
			return (int)n;
		off = (size_t)n;
		if (off == len)
			return 0;
		if (off)
			nfds = 0;   /* they went with the first byte */
	}
	if (tx->n == VT_VHOST_TX_MAX)
		return -ENOBUFS;
	struct vt_vhost_tx_msg *e = &tx->q[(tx->head + tx->n) % VT_VHOST_TX_MAX];
	e->bytes = malloc(len - off);
	if (!e->bytes)
		return -ENOMEM;
	memcpy(e->bytes, wire + off, len - off);
	e->len = len - off;
	e->off = 0;
	e->nfds = 0;
	for (unsigned i = 0; i < nfds; i++) {
		int d = fcntl(fds[i], F_DUPFD_CLOEXEC, 0);
		if (d < 0) {
			int err = -errno;
			drop(e);
			return err;
		}
		e->fds[e->nfds++] = d;
	}
	tx->n++;
	return 1;
}

int vt_vhost_tx_flush(int sock, struct vt_vhost_tx *tx)
{
	while (tx->n) {
		struct vt_vhost_tx_msg *e = &tx->q[tx->head];
		long n = send_some(sock, e->bytes + e->off, e->len - e->off, e->fds, e->nfds);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return 1;
		e->off += (size_t)n;
		for (unsigned i = 0; i < e->nfds; i++)   /* sent with that first byte */
			close(e->fds[i]);
		e->nfds = 0;
		if (e->off < e->len)
			return 1;
		drop(e);
		tx->head = (tx->head + 1) % VT_VHOST_TX_MAX;
		tx->n--;
	}
	return 0;
}

void vt_vhost_tx_reset(struct vt_vhost_tx *tx)
{
	for (; tx->n; tx->n--, tx->head = (tx->head + 1) % VT_VHOST_TX_MAX)
		drop(&tx->q[tx->head]);
	tx->head = 0;
}
