/* vhost-user messages out without waiting (vhost/tx.c), over a real unix
 * socketpair whose peer does not read: what the socket cannot take is
 * queued, goes out in order once the peer reads, fds with the first byte
 * of their message; a full queue and a closed peer are errors, not waits. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "vhost/msg.h"
#include "vhost/tx.h"

static void msg_of(struct vt_vhost_msg *m, uint32_t req, uint32_t size, uint8_t fill)
{
	memset(m, 0, sizeof(*m));
	m->request = req;
	m->flags = 1;
	m->size = size;
	memset(m->p.raw, fill, size);
}

static void pair(int sv[2])
{
	int small = 4096;

	EXPECT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
}

/* Reads whole messages from the peer end until it is empty: the number
 * read, with their requests in order checked against first..; the fds that
 * came are closed, their count added to *nfds. */
static int drain(int sock, uint32_t first, unsigned *nfds)
{
	struct vt_vhost_rx rx;
	int n = 0;

	vt_vhost_rx_init(&rx);
	for (;;) {
		int r = vt_vhost_rx_read(sock, &rx);
		if (r <= 0)
			break;
		EXPECT_EQ(rx.m.request, first + (uint32_t)n);
		*nfds += rx.m.nfds;
		vt_vhost_close_fds(&rx.m);
		vt_vhost_rx_init(&rx);
		n++;
	}
	vt_vhost_rx_reset(&rx);
	return n;
}

static void test_sent_at_once_when_room(void)
{
	int sv[2];
	struct vt_vhost_tx tx;
	struct vt_vhost_msg m;
	unsigned nfds = 0;

	pair(sv);
	vt_vhost_tx_init(&tx);
	msg_of(&m, 1, 8, 0xaa);
	EXPECT_EQ(vt_vhost_tx_send(sv[0], &tx, &m, NULL, 0), 0);
	EXPECT(!vt_vhost_tx_pending(&tx));
	EXPECT_EQ(drain(sv[1], 1, &nfds), 1);
	close(sv[0]);
	close(sv[1]);
}

static void test_queued_in_order_with_fds_when_full(void)
{
	int sv[2], fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct vt_vhost_tx tx;
	struct vt_vhost_msg m;
	unsigned nfds = 0;
	uint32_t req = 1;
	int r, got = 0;

	pair(sv);
	vt_vhost_tx_init(&tx);
	/* Large messages, each with an fd, until the queue takes them. */
	do {
		msg_of(&m, req, 3000, (uint8_t)req);
		r = vt_vhost_tx_send(sv[0], &tx, &m, &fd, 1);
		EXPECT(r == 0 || r == 1);
		req++;
	} while (r == 0 && req < 1000);
	EXPECT(vt_vhost_tx_pending(&tx));
	/* More behind it: queued too, never sent ahead of the first. */
	for (int k = 0; k < 3; k++) {
		msg_of(&m, req++, 16, 0x11);
		EXPECT_EQ(vt_vhost_tx_send(sv[0], &tx, &m, &fd, 1), 1);
	}
	/* The caller's fd stays the caller's. */
	EXPECT(fcntl(fd, F_GETFD) >= 0);
	/* The peer reads, the queue goes out, in order, every fd with it. */
	for (int spins = 0; spins < 1000 && (vt_vhost_tx_pending(&tx) || got < (int)req - 1); spins++) {
		got += drain(sv[1], 1 + (uint32_t)got, &nfds);
		r = vt_vhost_tx_flush(sv[0], &tx);
		EXPECT(r >= 0);
	}
	got += drain(sv[1], 1 + (uint32_t)got, &nfds);
	EXPECT(!vt_vhost_tx_pending(&tx));
	EXPECT_EQ(got, req - 1);
	EXPECT_EQ(nfds, req - 1);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

static void test_full_queue_and_closed_peer_are_errors(void)
{
	int sv[2];
	struct vt_vhost_tx tx;
	struct vt_vhost_msg m;
	int r = 0;
	unsigned k;

	pair(sv);
	vt_vhost_tx_init(&tx);
	for (k = 0; k < 10000; k++) {
		msg_of(&m, 1, 4000, 0x22);
		r = vt_vhost_tx_send(sv[0], &tx, &m, NULL, 0);
		if (r < 0)
			break;
	}
	EXPECT_EQ(r, -ENOBUFS);
	EXPECT_EQ(tx.n, VT_VHOST_TX_MAX);
	close(sv[1]);
	EXPECT_EQ(vt_vhost_tx_flush(sv[0], &tx), -EPIPE);
	vt_vhost_tx_reset(&tx);
	EXPECT(!vt_vhost_tx_pending(&tx));
	msg_of(&m, 1, 0, 0);
	m.size = VT_VHOST_MAX_PAYLOAD + 1;
	EXPECT_EQ(vt_vhost_tx_send(sv[0], &tx, &m, NULL, 0), -EINVAL);
	close(sv[0]);
}

/* reset closes the queued messages' fds: none leak. */
static void test_reset_closes_queued_fds(void)
{
	int sv[2], fd = open("/dev/null", O_RDONLY | O_CLOEXEC), before, after;
	struct vt_vhost_tx tx;
	struct vt_vhost_msg m;
	char path[64];
	struct stat st;

	pair(sv);
	vt_vhost_tx_init(&tx);
	before = fcntl(fd, F_DUPFD, 0);   /* the lowest free descriptor before */
	close(before);
	for (int k = 0; k < 200 && !vt_vhost_tx_pending(&tx); k++) {
		msg_of(&m, 1, 4000, 0x33);
		EXPECT(vt_vhost_tx_send(sv[0], &tx, &m, &fd, 1) >= 0);
	}
	EXPECT(vt_vhost_tx_pending(&tx));
	msg_of(&m, 2, 4, 0);
	EXPECT_EQ(vt_vhost_tx_send(sv[0], &tx, &m, &fd, 1), 1);   /* its dup is open */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", before);
	EXPECT(stat(path, &st) == 0);
	vt_vhost_tx_reset(&tx);
	after = fcntl(fd, F_DUPFD, 0);
	EXPECT_EQ(after, before);   /* the queued dups are closed again */
	close(after);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	RUN(test_sent_at_once_when_room);
	RUN(test_queued_in_order_with_fds_when_full);
	RUN(test_full_queue_and_closed_peer_are_errors);
	RUN(test_reset_closes_queued_fds);
	return tap_done();
}
