/* A proxy's back-end channel (lib/proxy/channel.c) between a VMM's end and
 * a back-end's, both real socketpairs, the proxy's loop stepped in this
 * thread: requests pass with their fds (another descriptor of the same
 * file), NEED_REPLY answers come back, every message is recorded with its
 * direction, and a back-end or VMM that goes away leaves nobody waiting:
 * the VMM's late answer to a dead back-end is dropped, and a back-end
 * whose VMM closed its end is answered "failed". */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proxy/channel.h"
#include "tap.h"
#include "util/log.h"
#include "util/loop.h"
#include "vhost/backend.h"
#include "vhost/event.h"
#include "vhost/msg.h"

static int nop_handle(void *dev, struct vt_backend *b, unsigned q, const struct vt_chain *c)
{
	(void)dev, (void)b, (void)q, (void)c;
	return 0;
}

static const struct vt_device_model nop_model = { .name = "nop", .virtio_id = 2, .num_queues = 1,
						  .handle = nop_handle };

/* What the backend recorded: direction and request of each message. */
struct rec {
	unsigned dir;
	uint32_t request, flags;
};
static struct rec recs[16];
static unsigned nrecs;

static void observe(void *arg, const struct vt_event *ev)
{
	(void)arg;
	if (ev->kind == VT_EV_VHOST_MSG && nrecs < 16)
		recs[nrecs++] = (struct rec){ ev->msg_dir, ev->request, ev->msg_flags };
}

struct rig {
	struct vt_loop *loop;
	struct vt_backend *b;
	struct vt_pxch ch;
	int vmm;       /* the VMM's own end (the proxy has the other) */
	int backend;   /* the back-end's end (vt_pxch_backend_end) */
};

static void rig_open(struct rig *r)
{
	int sv[2];

	r->loop = vt_loop_new();
	r->b = vt_backend_new(r->loop, &nop_model, NULL);
	vt_backend_set_observer(r->b, observe, NULL);
	nrecs = 0;
	vt_pxch_init(&r->ch, r->loop, r->b);
	EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	r->vmm = sv[1];
	EXPECT_EQ(vt_pxch_set_vmm(&r->ch, sv[0]), 0);
	EXPECT(vt_pxch_active(&r->ch));
	r->backend = vt_pxch_backend_end(&r->ch);
	EXPECT(r->backend >= 0);
}

static void rig_close(struct rig *r)
{
	vt_pxch_close(&r->ch);
	if (r->vmm >= 0)
		close(r->vmm);
	if (r->backend >= 0)
		close(r->backend);
	vt_backend_free(r->b);
	vt_loop_free(r->loop);
}

static void send_msg(int fd, uint32_t req, uint32_t flags, uint64_t v, uint32_t size, const int *fds, unsigned nfds)
{
	struct vt_vhost_msg m = { .request = req, .flags = VT_VHOST_VERSION | flags, .size = size, .p.u64 = v };

	EXPECT_EQ(vt_vhost_send(fd, &m, fds, nfds), 0);
}

/* A message on fd within 1 s, or -ETIMEDOUT. */
static int recv_msg(int fd, struct vt_vhost_msg *m)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 1000) <= 0)
		return -ETIMEDOUT;
	return vt_vhost_recv(fd, m);
}

/* Nothing arrives on fd within 100 ms. */
static bool quiet(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 100) == 0;
}

static void step(struct rig *r)
{
	vt_loop_run_once(r->loop, 200);
}

/* The back-end asks (NEED_REPLY) and the VMM gets the request. */
static void backend_asks(struct rig *r)
{
	struct vt_vhost_msg m;

	send_msg(r->backend, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG, VT_VHOST_FLAG_NEED_REPLY, 0, 0, NULL, 0);
	step(r);
	EXPECT_EQ(recv_msg(r->vmm, &m), 0);
	EXPECT_EQ(m.request, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG);
}

static void test_request_with_fd_and_answer(void)
{
	struct rig r;
	struct vt_vhost_msg m;
	struct stat a, b;

	rig_open(&r);
	/* a shared object's fd, as SHARED_OBJECT_ADD would carry one */
	int obj = memfd_create("shared-object", MFD_CLOEXEC);
	EXPECT(obj >= 0);
	send_msg(r.backend, VHOST_USER_BACKEND_SHARED_OBJECT_ADD, VT_VHOST_FLAG_NEED_REPLY, 0x1234, 16, &obj, 1);
	step(&r);
	EXPECT_EQ(recv_msg(r.vmm, &m), 0);
	EXPECT_EQ(m.request, VHOST_USER_BACKEND_SHARED_OBJECT_ADD);
	EXPECT_EQ(m.flags, VT_VHOST_VERSION | VT_VHOST_FLAG_NEED_REPLY);
	EXPECT_EQ(m.size, 16);
	EXPECT_EQ(m.p.u64, 0x1234);
	EXPECT_EQ(m.nfds, 1);
	EXPECT(fstat(obj, &a) == 0 && fstat(m.fds[0], &b) == 0 && a.st_ino == b.st_ino);
	vt_vhost_close_fds(&m);
	close(obj);
	/* the VMM's answer goes back to the back-end */
	EXPECT(quiet(r.backend));
	send_msg(r.vmm, VHOST_USER_BACKEND_SHARED_OBJECT_ADD, VT_VHOST_FLAG_REPLY, 0, 8, NULL, 0);
	step(&r);
	EXPECT_EQ(recv_msg(r.backend, &m), 0);
	EXPECT_EQ(m.request, VHOST_USER_BACKEND_SHARED_OBJECT_ADD);
	EXPECT_EQ(m.flags, VT_VHOST_VERSION | VT_VHOST_FLAG_REPLY);
	EXPECT_EQ(m.p.u64, 0);
	/* a notice without NEED_REPLY: passed, nothing owed */
	send_msg(r.backend, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG, 0, 0, 0, NULL, 0);
	step(&r);
	EXPECT_EQ(recv_msg(r.vmm, &m), 0);
	EXPECT_EQ(m.request, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG);
	EXPECT_EQ(r.ch.n, 0);
	EXPECT_EQ(r.ch.forwarded, 2);
	/* recorded: request, answer, notice, with the channel's directions */
	EXPECT_EQ(nrecs, 3);
	EXPECT_EQ(recs[0].dir, VT_MSG_CHANNEL_REQUEST);
	EXPECT_EQ(recs[0].request, VHOST_USER_BACKEND_SHARED_OBJECT_ADD);
	EXPECT_EQ(recs[1].dir, VT_MSG_CHANNEL_REPLY);
	EXPECT_EQ(recs[1].flags, VT_VHOST_VERSION | VT_VHOST_FLAG_REPLY);
	EXPECT_EQ(recs[2].dir, VT_MSG_CHANNEL_REQUEST);
	EXPECT_EQ(recs[2].request, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG);
	rig_close(&r);
}

static void test_lookup_is_answered_without_need_reply(void)
{
	struct rig r;
	struct vt_vhost_msg m;

	rig_open(&r);
	send_msg(r.backend, VHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP, 0, 7, 16, NULL, 0);
	step(&r);
	EXPECT_EQ(recv_msg(r.vmm, &m), 0);
	EXPECT_EQ(r.ch.n, 1);
	int obj = memfd_create("found", MFD_CLOEXEC);
	send_msg(r.vmm, VHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP, VT_VHOST_FLAG_REPLY, 0, 8, &obj, 1);
	close(obj);
	step(&r);
	EXPECT_EQ(recv_msg(r.backend, &m), 0);
	EXPECT_EQ(m.nfds, 1);   /* the object's fd comes with the answer */
	vt_vhost_close_fds(&m);
	rig_close(&r);
}

static void test_backend_gone_vmm_answers_late(void)
{
	struct rig r;
	struct vt_vhost_msg m;

	rig_open(&r);
	backend_asks(&r);
	/* the back-end dies; a new one gets a new pair */
	close(r.backend);
	step(&r);
	r.backend = vt_pxch_backend_end(&r.ch);
	EXPECT(r.backend >= 0);
	/* the late answer is the dead one's: not the new back-end's */
	send_msg(r.vmm, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG, VT_VHOST_FLAG_REPLY, 0, 8, NULL, 0);
	step(&r);
	EXPECT(quiet(r.backend));
	EXPECT_EQ(r.ch.discard, 0);
	/* the new one's requests pass as before */
	backend_asks(&r);
	send_msg(r.vmm, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG, VT_VHOST_FLAG_REPLY, 0, 8, NULL, 0);
	step(&r);
	EXPECT_EQ(recv_msg(r.backend, &m), 0);
	EXPECT_EQ(m.p.u64, 0);
	rig_close(&r);
}

static void test_vmm_end_closed_answers_failed(void)
{
	struct rig r;
	struct vt_vhost_msg m;

	rig_open(&r);
	backend_asks(&r);
	close(r.vmm);
	r.vmm = -1;
	step(&r);
	/* the back-end is not left waiting: "failed" */
	EXPECT_EQ(recv_msg(r.backend, &m), 0);
	EXPECT_EQ(m.flags, VT_VHOST_VERSION | VT_VHOST_FLAG_REPLY);
	EXPECT_EQ(m.p.u64, 1);
	EXPECT(!vt_pxch_active(&r.ch));
	/* and a request after that too */
	send_msg(r.backend, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG, VT_VHOST_FLAG_NEED_REPLY, 0, 0, NULL, 0);
	step(&r);
	EXPECT_EQ(recv_msg(r.backend, &m), 0);
	EXPECT_EQ(m.p.u64, 1);
	EXPECT_STR_HAS(vt_log_last(), "CONFIG_CHANGE_MSG not passed to the VMM");
	rig_close(&r);
}

static void test_hostile_backend(void)
{
	struct rig r;
	struct vt_vhost_msg m;

	rig_open(&r);
	/* a "reply" nobody asked for is dropped, the channel lives */
	send_msg(r.backend, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG, VT_VHOST_FLAG_REPLY, 0, 8, NULL, 0);
	step(&r);
	EXPECT(quiet(r.vmm));
	EXPECT_STR_HAS(vt_log_last(), "nobody asked");
	/* more owed answers than the proxy keeps: the extra one fails at once */
	for (unsigned i = 0; i < VT_PXCH_MAX_PENDING + 1; i++) {
		send_msg(r.backend, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG, VT_VHOST_FLAG_NEED_REPLY, 0, 0, NULL, 0);
		step(&r);
	}
	EXPECT_EQ(r.ch.n, VT_PXCH_MAX_PENDING);
	EXPECT_EQ(recv_msg(r.backend, &m), 0);
	EXPECT_EQ(m.p.u64, 1);
	/* a broken header closes the back-end's end only */
	uint32_t bad[3] = { 2, 0x7, 0 };
	EXPECT_EQ(write(r.backend, bad, sizeof(bad)), (ssize_t)sizeof(bad));
	step(&r);
	EXPECT_EQ(r.ch.up, -1);
	EXPECT(vt_pxch_active(&r.ch));
	rig_close(&r);
}

int main(void)
{
	vt_log_set_quiet(1);
	RUN(test_request_with_fd_and_answer);
	RUN(test_lookup_is_answered_without_need_reply);
	RUN(test_backend_gone_vmm_answers_late);
	RUN(test_vmm_end_closed_answers_failed);
	RUN(test_hostile_backend);
	return tap_done();
}
