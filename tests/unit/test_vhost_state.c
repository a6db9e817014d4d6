/* The vhost-user device state on its own, as a proxy uses it: no socket, no
 * queue engine (ops NULL), replies handed back instead of sent. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"
#include "util/log.h"
#include "vhost/rules.h"
#include "vhost/state.h"
#include "virtio/virtio.h"

static struct vt_vhost_state st;

static int fcntl_closed(int fd)
{
	return fcntl(fd, F_GETFD) < 0 && errno == EBADF;
}
static struct vt_vhost_msg m, rep;

static void setup(void)
{
	vt_vhost_state_init(&st, NULL, NULL);
	st.name = "test";
	st.offered_features = VT_BIT(VIRTIO_F_VERSION_1);
	st.offered_protocol_features = VT_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK);
	st.nq = 2;
}

static enum vt_vhost_answer send_msg(uint32_t req, uint32_t flags, const void *p, uint32_t size)
{
	memset(&m, 0, sizeof(m));
	memset(&rep, 0, sizeof(rep));
	m.request = req;
	m.flags = VT_VHOST_VERSION | flags;
	m.size = size;
	if (size)
		memcpy(m.p.raw, p, size);
	for (unsigned i = 0; i < VT_VHOST_MAX_FDS; i++)
		m.fds[i] = -1;
	return vt_vhost_state_handle(&st, &m, &rep);
}

static void test_negotiation(void)
{
	uint64_t f, pf = VT_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK);

	setup();
	vt_log_set_quiet(1);
	EXPECT_EQ(send_msg(VHOST_USER_GET_FEATURES, 0, NULL, 0), VT_VHOST_REPLY);
	EXPECT_EQ(rep.size, 8);
	EXPECT(rep.flags & VT_VHOST_FLAG_REPLY);
	memcpy(&f, rep.p.raw, 8);
	EXPECT_EQ(f, VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	/* Before REPLY_ACK is acked, NEED_REPLY gets nothing ... */
	EXPECT_EQ(send_msg(VHOST_USER_SET_OWNER, VT_VHOST_FLAG_NEED_REPLY, NULL, 0), VT_VHOST_NO_REPLY);
	/* ... the message that acks it already gets its answer. */
	EXPECT_EQ(send_msg(VHOST_USER_SET_PROTOCOL_FEATURES, VT_VHOST_FLAG_NEED_REPLY, &pf, 8),
		  VT_VHOST_REPLY);
	EXPECT_EQ(st.protocol_features, pf);
	/* Bits not offered: the errno with REPLY_ACK, nothing changed. */
	f = VT_BIT(40);
	EXPECT_EQ(send_msg(VHOST_USER_SET_FEATURES, VT_VHOST_FLAG_NEED_REPLY, &f, 8), VT_VHOST_REPLY);
	memcpy(&f, rep.p.raw, 8);
	EXPECT_EQ(f, EINVAL);
	EXPECT_EQ(st.features, 0);
	EXPECT_STR_HAS(vt_log_last(), "were not offered");
	vt_vhost_state_disconnect(&st);
	vt_log_set_quiet(0);
}

static void test_vrings_without_an_engine(void)
{
	struct vt_vhost_vring_state s = { .index = 1, .num = 64 };
	uint64_t u;

	setup();
	vt_log_set_quiet(1);
	EXPECT_EQ(send_msg(VHOST_USER_SET_VRING_NUM, 0, &s, sizeof(s)), VT_VHOST_NO_REPLY);
	EXPECT_EQ(st.vr[1].num, 64);
	s.num = 100;   /* not a power of two */
	send_msg(VHOST_USER_SET_VRING_NUM, 0, &s, sizeof(s));
	EXPECT_EQ(st.vr[1].num, 64);
	s = (struct vt_vhost_vring_state){ .index = 2, .num = 64 };   /* no queue 2 */
	send_msg(VHOST_USER_SET_VRING_NUM, 0, &s, sizeof(s));
	EXPECT_STR_HAS(vt_log_last(), "queue 2 out of range");
	s = (struct vt_vhost_vring_state){ .index = 1, .num = 7 };
	send_msg(VHOST_USER_SET_VRING_BASE, 0, &s, sizeof(s));
	EXPECT_EQ(send_msg(VHOST_USER_GET_VRING_BASE, 0, &s, sizeof(s)), VT_VHOST_REPLY);
	EXPECT_EQ(((struct vt_vhost_vring_state *)rep.p.raw)->num, 7);
	/* A kick fd is kept; the one it replaces is closed. */
	int fd = eventfd(0, EFD_CLOEXEC);
	u = 1;
	memset(&m, 0, sizeof(m));
	m.request = VHOST_USER_SET_VRING_KICK;
	m.flags = VT_VHOST_VERSION;
	m.size = 8;
	m.p.u64 = u;
	m.fds[0] = fd;
	m.nfds = 1;
	vt_vhost_state_handle(&st, &m, &rep);
	EXPECT_EQ(st.vr[1].kick_fd, fd);
	EXPECT(!vt_vhost_state_ring_ready(&st, 1));   /* no addresses yet */
	vt_vhost_state_disconnect(&st);
	EXPECT_EQ(st.vr[1].kick_fd, -1);
	EXPECT(fcntl_closed(fd));
	vt_log_set_quiet(0);
}

static void test_rules(void)
{
	EXPECT(vt_vhost_rule(VHOST_USER_GET_VRING_BASE)->mandatory);
	EXPECT(vt_vhost_rule(VHOST_USER_GET_VRING_BASE)->queue_arg);
	EXPECT_EQ(vt_vhost_rule(VHOST_USER_SET_BACKEND_REQ_FD)->min_fds, 1);
	EXPECT(vt_vhost_rule(0) == NULL);
	EXPECT(vt_vhost_rule(VHOST_USER_REQUEST_MAX) == NULL);
}

/* ---- a new front-end gets a reset device; a VMM reconnecting does not ---- */

static unsigned resets;

static void count_reset(void *arg)
{
	(void)arg;
	resets++;
}

/* One connection's set-up: a memory table of one memfd region at front-end
 * address uaddr, and queue 0's rings inside it (at uaddr + ring_off). */
static void connect_with(int memfd, uint64_t uaddr, uint64_t ring_off)
{
	struct {
		uint32_t nregions, padding;
		struct vt_vhost_mem_region r;
	} t = { 1, 0, { 0, 1 << 20, uaddr, 0 } };
	struct vt_vhost_vring_state num = { .index = 0, .num = 64 };
	struct vt_vhost_vring_addr a = {
		.index = 0,
		.desc_user_addr = uaddr + ring_off,
		.avail_user_addr = uaddr + ring_off + 0x1000,
		.used_user_addr = uaddr + ring_off + 0x2000,
	};

	memset(&m, 0, sizeof(m));
	m.request = VHOST_USER_SET_MEM_TABLE;
	m.flags = VT_VHOST_VERSION;
	m.size = sizeof(t);
	memcpy(m.p.raw, &t, sizeof(t));
	for (unsigned i = 0; i < VT_VHOST_MAX_FDS; i++)
		m.fds[i] = -1;
	m.fds[0] = dup(memfd);
	m.nfds = 1;
	vt_vhost_state_handle(&st, &m, &rep);
	send_msg(VHOST_USER_SET_VRING_NUM, 0, &num, sizeof(num));
	send_msg(VHOST_USER_SET_VRING_ADDR, 0, &a, sizeof(a));
	EXPECT(st.vr[0].addr_set);
}

static void test_new_frontend_resets(void)
{
	static const struct vt_vhost_state_ops ops = { .new_frontend = count_reset };
	int memfd = memfd_create("test", MFD_CLOEXEC);

	EXPECT(memfd >= 0 && ftruncate(memfd, 1 << 20) == 0);
	vt_vhost_state_init(&st, &ops, NULL);
	st.name = "test";
	st.offered_features = VT_BIT(VIRTIO_F_VERSION_1);
	st.nq = 2;
	vt_log_set_quiet(1);
	resets = 0;
	/* the first front-end finds the device as it was created */
	connect_with(memfd, 0x7f0000000000, 0);
	EXPECT_EQ(resets, 0);
	vt_vhost_state_disconnect(&st);
	/* the same memory and rings again: a VMM reconnecting to its guest */
	connect_with(memfd, 0x7f0000000000, 0);
	EXPECT_EQ(resets, 0);
	vt_vhost_state_disconnect(&st);
	/* other rings in the same memory: a new driver */
	connect_with(memfd, 0x7f0000000000, 0x10000);
	EXPECT_EQ(resets, 1);
	vt_vhost_state_disconnect(&st);
	/* other memory: a new front-end (another process, another guest) */
	connect_with(memfd, 0x7e0000000000, 0x10000);
	EXPECT_EQ(resets, 2);
	/* once per connection */
	struct vt_vhost_vring_addr a = { .index = 0, .desc_user_addr = 0x7e0000000000,
		.avail_user_addr = 0x7e0000001000, .used_user_addr = 0x7e0000002000 };
	send_msg(VHOST_USER_SET_VRING_ADDR, 0, &a, sizeof(a));
	EXPECT_EQ(resets, 2);
	vt_vhost_state_disconnect(&st);
	/* a connection that sets up no ring leaves the last one's state: the
	 * next one is compared with the last that had rings */
	vt_vhost_state_disconnect(&st);
	connect_with(memfd, 0x7e0000000000, 0);
	EXPECT_EQ(resets, 2);
	vt_vhost_state_disconnect(&st);
	close(memfd);
	vt_log_set_quiet(0);
}

int main(void)
{
	RUN(test_negotiation);
	RUN(test_vrings_without_an_engine);
	RUN(test_rules);
	RUN(test_new_frontend_resets);
	return tap_done();
}
