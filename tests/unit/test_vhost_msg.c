/* vhost-user framing: header + payload + SCM_RIGHTS over real socketpairs. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "util/log.h"
#include "vhost/msg.h"

static int sp[2];

static void pair(void)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		perror("socketpair");
		exit(1);
	}
}

static void unpair(void)
{
	if (sp[0] >= 0)
		close(sp[0]);
	if (sp[1] >= 0)
		close(sp[1]);
	sp[0] = sp[1] = -1;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void put_hdr(uint8_t *buf, uint32_t req, uint32_t flags, uint32_t size)
{
	memcpy(buf, &req, 4);
	memcpy(buf + 4, &flags, 4);
	memcpy(buf + 8, &size, 4);
}

/* What vt_vhost_send refuses to send: bytes as they are. */
static ssize_t raw_send(int s, const void *buf, size_t len, const int *fds, unsigned nfds)
{
	return vt_vhost_send_bytes(s, buf, len, fds, nfds);
}

static void test_roundtrip_with_fd(void)
{
	struct vt_vhost_msg m = { .request = VHOST_USER_SET_VRING_KICK, .flags = VT_VHOST_VERSION,
				  .size = 8 };
	struct vt_vhost_msg got;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t v = 7;

	pair();
	m.p.u64 = 3;
	EXPECT_EQ(vt_vhost_send(sp[1], &m, &efd, 1), 0);
	EXPECT_EQ(vt_vhost_recv(sp[0], &got), 0);
	EXPECT_EQ(got.request, VHOST_USER_SET_VRING_KICK);
	EXPECT_EQ(got.flags, VT_VHOST_VERSION);
	EXPECT_EQ(got.size, 8);
	EXPECT_EQ(got.p.u64, 3);
	EXPECT_EQ(got.nfds, 1);
	/* The received fd is the same eventfd. */
	EXPECT_EQ(write(got.fds[0], &v, 8), 8);
	v = 0;
	EXPECT_EQ(read(efd, &v, 8), 8);
	EXPECT_EQ(v, 7);
	vt_vhost_close_fds(&got);
	EXPECT_EQ(got.nfds, 0);
	close(efd);
	unpair();
}

static void test_reply_flags(void)
{
	struct vt_vhost_msg req = { .request = VHOST_USER_GET_FEATURES, .flags = VT_VHOST_VERSION };
	struct vt_vhost_msg got;

	pair();
	EXPECT_EQ(vt_vhost_reply_u64(sp[1], &req, 0x1234), 0);
	EXPECT_EQ(vt_vhost_recv(sp[0], &got), 0);
	EXPECT_EQ(got.request, VHOST_USER_GET_FEATURES);
	EXPECT_EQ(got.flags, 0x5);   /* QEMU accepts exactly this */
	EXPECT_EQ(got.size, 8);
	EXPECT_EQ(got.p.u64, 0x1234);
	EXPECT_EQ(got.nfds, 0);
	unpair();
}

static void test_eight_fds_and_mem_table(void)
{
	struct vt_vhost_msg m = { .request = VHOST_USER_SET_MEM_TABLE, .flags = VT_VHOST_VERSION };
	struct vt_vhost_msg got;
	int fds[8];

	pair();
	m.p.mem.nregions = 8;
	for (int i = 0; i < 8; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC);
		m.p.mem.regions[i].guest_phys_addr = (uint64_t)i << 20;
		m.p.mem.regions[i].memory_size = 1 << 20;
	}
	m.size = 8 + 8 * 32;
	EXPECT_EQ(vt_vhost_send(sp[1], &m, fds, 8), 0);
	EXPECT_EQ(vt_vhost_recv(sp[0], &got), 0);
	EXPECT_EQ(got.size, 8 + 8 * 32);
	EXPECT_EQ(got.nfds, 8);
	EXPECT_EQ(got.p.mem.nregions, 8);
	EXPECT_EQ(got.p.mem.regions[7].guest_phys_addr, 7u << 20);
	vt_vhost_close_fds(&got);
	for (int i = 0; i < 8; i++)
		close(fds[i]);
	unpair();
}

static void test_split_header(void)
{
	uint8_t buf[20];
	struct vt_vhost_msg got;
	uint64_t v = 0xabcdef;

	pair();
	put_hdr(buf, VHOST_USER_SET_FEATURES, VT_VHOST_VERSION, 8);
	memcpy(buf + 12, &v, 8);
	pid_t pid = fork();
	if (pid == 0) {
		/* The peer writes the header in pieces, slowly. */
		close(sp[0]);
		if (write(sp[1], buf, 5) != 5)
			_exit(1);
		usleep(30000);
		if (write(sp[1], buf + 5, 10) != 10)
			_exit(1);
		usleep(30000);
		if (write(sp[1], buf + 15, 5) != 5)
			_exit(1);
		_exit(0);
	}
	EXPECT_EQ(vt_vhost_recv(sp[0], &got), 0);
	EXPECT_EQ(got.request, VHOST_USER_SET_FEATURES);
	EXPECT_EQ(got.p.u64, 0xabcdef);
	waitpid(pid, NULL, 0);
	unpair();
}

/* The non-waiting reader: a message in pieces, its fd on the first byte,
 * completes over several calls that each return at once; nothing of the
 * next message is taken; a bad header is refused before its payload; a
 * partial message dropped closes its fds. */
static void test_rx_pieces(void)
{
	uint8_t buf[40];
	struct vt_vhost_rx rx;
	uint64_t v = 0x1122334455667788ull;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), before;

	pair();
	vt_vhost_rx_init(&rx);
	EXPECT_EQ(vt_vhost_rx_read(sp[0], &rx), 0);   /* nothing yet */
	EXPECT_EQ(rx.got, 0);
	put_hdr(buf, VHOST_USER_SET_VRING_KICK, VT_VHOST_VERSION, 8);
	memcpy(buf + 12, &v, 8);
	put_hdr(buf + 20, VHOST_USER_GET_FEATURES, VT_VHOST_VERSION, 0);
	EXPECT_EQ(raw_send(sp[1], buf, 3, &efd, 1), 3);
	EXPECT_EQ(vt_vhost_rx_read(sp[0], &rx), 0);
	EXPECT_EQ(rx.got, 3);
	EXPECT_EQ(vt_vhost_rx_total(&rx), 12);
	EXPECT_EQ(raw_send(sp[1], buf + 3, 12, NULL, 0), 12);
	EXPECT_EQ(vt_vhost_rx_read(sp[0], &rx), 0);
	EXPECT_EQ(rx.got, 15);
	EXPECT_EQ(vt_vhost_rx_total(&rx), 20);
	/* the rest and the whole next message at once: only the rest is taken */
	EXPECT_EQ(raw_send(sp[1], buf + 15, 17, NULL, 0), 17);
	EXPECT_EQ(vt_vhost_rx_read(sp[0], &rx), 1);
	EXPECT_EQ(rx.m.request, VHOST_USER_SET_VRING_KICK);
	EXPECT_EQ(rx.m.p.u64, v);
	EXPECT_EQ(rx.m.nfds, 1);
	vt_vhost_close_fds(&rx.m);
	vt_vhost_rx_init(&rx);
	EXPECT_EQ(vt_vhost_rx_read(sp[0], &rx), 1);
	EXPECT_EQ(rx.m.request, VHOST_USER_GET_FEATURES);
	EXPECT_EQ(rx.m.size, 0);
	/* a partial message with an fd, dropped: the fd is closed */
	vt_vhost_rx_init(&rx);
	before = count_fds();
	EXPECT_EQ(raw_send(sp[1], buf, 14, &efd, 1), 14);
	EXPECT_EQ(vt_vhost_rx_read(sp[0], &rx), 0);
	EXPECT_EQ(count_fds(), before + 1);
	vt_vhost_rx_reset(&rx);
	EXPECT_EQ(count_fds(), before);
	EXPECT_EQ(rx.got, 0);
	unpair();
	/* a bad version is refused as soon as the header is whole */
	pair();
	vt_vhost_rx_init(&rx);
	put_hdr(buf, VHOST_USER_GET_FEATURES, 7, 8);
	EXPECT_EQ(raw_send(sp[1], buf, 12, NULL, 0), 12);
	EXPECT_EQ(vt_vhost_rx_read(sp[0], &rx), -EPROTO);
	EXPECT_EQ(rx.got, 0);
	unpair();
	close(efd);
}

static void test_eof(void)
{
	struct vt_vhost_msg got;
	uint8_t buf[16];

	pair();
	close(sp[1]);
	sp[1] = -1;
	EXPECT_EQ(vt_vhost_recv(sp[0], &got), -ECONNRESET);
	unpair();

	/* EOF in the middle of the header. */
	pair();
	put_hdr(buf, VHOST_USER_GET_FEATURES, VT_VHOST_VERSION, 0);
	EXPECT_EQ(write(sp[1], buf, 6), 6);
	close(sp[1]);
	sp[1] = -1;
	EXPECT_EQ(vt_vhost_recv(sp[0], &got), -ECONNRESET);
	unpair();
}

static void test_eof_mid_payload_closes_fds(void)
{
	struct vt_vhost_msg got;
	uint8_t buf[16];
	int efd = eventfd(0, EFD_CLOEXEC);

	pair();
	int before = count_fds();
	put_hdr(buf, VHOST_USER_SET_VRING_CALL, VT_VHOST_VERSION, 8);
	EXPECT_EQ(raw_send(sp[1], buf, 16, &efd, 1), 16);   /* 4 of 8 payload bytes */
	close(sp[1]);
	sp[1] = -1;
	EXPECT_EQ(vt_vhost_recv(sp[0], &got), -ECONNRESET);
	EXPECT_EQ(got.nfds, 0);
	EXPECT_EQ(count_fds(), before - 1);   /* only our sp[1] went away */
	close(efd);
	unpair();
}

static void test_bad_version(void)
{
	struct vt_vhost_msg got;
	uint8_t buf[12];

	vt_log_set_quiet(1);
	pair();
	put_hdr(buf, VHOST_USER_GET_FEATURES, 0x2, 0);
	EXPECT_EQ(write(sp[1], buf, 12), 12);
	EXPECT_EQ(vt_vhost_recv(sp[0], &got), -EPROTO);
	EXPECT_STR_HAS(vt_log_last(), "bad version");
	unpair();
}

static void test_oversized(void)
{
	struct vt_vhost_msg got;
	uint8_t buf[12];
	int efd = eventfd(0, EFD_CLOEXEC);

	pair();
	int before = count_fds();
	put_hdr(buf, VHOST_USER_SET_CONFIG, VT_VHOST_VERSION, VT_VHOST_MAX_PAYLOAD + 1);
	EXPECT_EQ(raw_send(sp[1], buf, 12, &efd, 1), 12);
	EXPECT_EQ(vt_vhost_recv(sp[0], &got), -EPROTO);
	EXPECT_STR_HAS(vt_log_last(), "exceeds");
	EXPECT_EQ(count_fds(), before);   /* the fd that came along was closed */
	close(efd);
	unpair();
}

static void test_too_many_fds(void)
{
	struct vt_vhost_msg got;
	uint8_t buf[12];
	int fds[9];

	pair();
	int before = count_fds();
	for (int i = 0; i < 9; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	put_hdr(buf, VHOST_USER_SET_MEM_TABLE, VT_VHOST_VERSION, 0);
	EXPECT_EQ(raw_send(sp[1], buf, 12, fds, 9), 12);
	for (int i = 0; i < 9; i++)
		close(fds[i]);
	EXPECT_EQ(vt_vhost_recv(sp[0], &got), -EPROTO);
	EXPECT_EQ(got.nfds, 0);
	EXPECT_EQ(count_fds(), before);   /* none of the nine leaked */
	unpair();
}

static void test_send_refuses(void)
{
	struct vt_vhost_msg m = { .request = 1, .flags = 1, .size = VT_VHOST_MAX_PAYLOAD + 1 };
	int fds[9] = { 0 };

	pair();
	EXPECT_EQ(vt_vhost_send(sp[1], &m, NULL, 0), -EINVAL);
	m.size = 0;
	EXPECT_EQ(vt_vhost_send(sp[1], &m, fds, 9), -EINVAL);
	unpair();
	/* A closed peer is an error, not SIGPIPE. */
	pair();
	close(sp[0]);
	sp[0] = -1;
	EXPECT(vt_vhost_send(sp[1], &m, NULL, 0) < 0);
	unpair();
}

static void test_names(void)
{
	EXPECT_STR_HAS(vt_vhost_request_name(VHOST_USER_SET_VRING_KICK), "SET_VRING_KICK");
	EXPECT(strcmp(vt_vhost_request_name(VHOST_USER_GET_FEATURES), "GET_FEATURES") == 0);
	EXPECT(strcmp(vt_vhost_request_name(VHOST_USER_GET_STATUS), "GET_STATUS") == 0);
	EXPECT(strcmp(vt_vhost_request_name(0), "UNKNOWN") == 0);
	EXPECT(strcmp(vt_vhost_request_name(VHOST_USER_REQUEST_MAX), "UNKNOWN") == 0);
	EXPECT(strcmp(vt_vhost_request_name(0xffffffffu), "UNKNOWN") == 0);
	for (uint32_t r = 1; r < VHOST_USER_REQUEST_MAX; r++)
		EXPECT(strcmp(vt_vhost_request_name(r), "UNKNOWN") != 0);
}

static void test_payload_sizes(void)
{
	EXPECT_EQ(vt_vhost_payload_size(VHOST_USER_GET_FEATURES), 0);
	EXPECT_EQ(vt_vhost_payload_size(VHOST_USER_SET_FEATURES), 8);
	EXPECT_EQ(vt_vhost_payload_size(VHOST_USER_SET_VRING_NUM), 8);
	EXPECT_EQ(vt_vhost_payload_size(VHOST_USER_SET_VRING_ADDR), 40);
	EXPECT_EQ(vt_vhost_payload_size(VHOST_USER_GET_VRING_BASE), 8);
	EXPECT_EQ(vt_vhost_payload_size(VHOST_USER_ADD_MEM_REG), 40);
	EXPECT_EQ(vt_vhost_payload_size(VHOST_USER_SET_BACKEND_REQ_FD), 0);
	EXPECT_EQ(vt_vhost_payload_size(VHOST_USER_SET_MEM_TABLE), -1);
	EXPECT_EQ(vt_vhost_payload_size(VHOST_USER_GET_CONFIG), -1);
	EXPECT_EQ(vt_vhost_payload_size(VHOST_USER_SET_CONFIG), -1);
	EXPECT_EQ(vt_vhost_payload_size(999), -1);
}

int main(void)
{
	sp[0] = sp[1] = -1;
	vt_log_set_quiet(1);
	RUN(test_roundtrip_with_fd);
	RUN(test_reply_flags);
	RUN(test_eight_fds_and_mem_table);
	RUN(test_split_header);
	RUN(test_rx_pieces);
	RUN(test_eof);
	RUN(test_eof_mid_payload_closes_fds);
	RUN(test_bad_version);
	RUN(test_oversized);
	RUN(test_too_many_fds);
	RUN(test_send_refuses);
	RUN(test_names);
	RUN(test_payload_sizes);
	return tap_done();
}
