/* libFuzzer target: the vhost-user back-end as a hostile front-end meets it:
 * the message reader (lib/vhost/msg.c), the protocol state machine and its
 * rules (state.c, rules.c), and what the messages set up, down to the queue
 * engine walking rings in guest memory the input wrote (queue.c, vq.c) and
 * the i2c device model serving them.
 *
 * Input: the first 4096 bytes are guest memory (a memfd); the rest is a
 * stream of messages, each a 12-byte header and as much payload as its size
 * says (or as is left).  Headers are sent as they are, bad versions and
 * sizes included.  The fds a request needs come from the harness:
 * SET_MEM_TABLE gets the memory's memfd for each region it declares,
 * ADD_MEM_REG one, SET_VRING_KICK / CALL / ERR an eventfd (which is then
 * kicked), SET_INFLIGHT_FD and SET_LOG_BASE a memfd.  Replies are read and
 * dropped.  Each input is one connection of a long-lived back-end. */
#include "fuzz.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/i2c.h"
#include "hw/i2c_bus.h"
#include "util/bytes.h"
#include "util/loop.h"
#include "vhost/backend.h"
#include "vhost/msg.h"
#include "vhost/proto.h"

#define MEM_BYTES 4096u

static struct vt_loop *loop;
static struct vt_backend *be;

static void setup(void)
{
	char err[128];

	fuzz_init();
	loop = vt_loop_new();
	struct vt_i2c_bus *bus = vt_i2c_sim_new();
	if (!loop || !bus || vt_i2c_sim_add_target(bus, "0x50=24c02", err, sizeof(err)) < 0 ||
	    vt_i2c_sim_add_target(bus, "0x20=regs", err, sizeof(err)) < 0)
		abort();
	be = vt_backend_new(loop, &vt_model_i2c, vt_i2c_dev_new(bus));
	if (!be)
		abort();
}

/* What the back-end says goes nowhere; reading it keeps its sends from
 * waiting. */
static void drain(int fd)
{
	char buf[4096];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void pump(int fd)
{
	for (int i = 0; i < 8; i++) {
		drain(fd);
		if (vt_loop_run_once(loop, 0) <= 0)
			break;
	}
	drain(fd);
}

/* The fds the request of hdr carries: nfds of them into fds (closed by the
 * caller after sending: the back-end has its own copies). */
static unsigned fds_for(uint32_t req, const uint8_t *payload, uint32_t plen, int memfd, int *fds)
{
	unsigned n = 0;

	switch (req) {
	case VHOST_USER_SET_MEM_TABLE: {
		uint32_t regions = plen >= 4 ? vt_ld_le32(payload) : 0;
		for (; n < regions && n < VT_VHOST_MAX_FDS; n++)
			fds[n] = dup(memfd);
		break;
	}
	case VHOST_USER_ADD_MEM_REG:
		fds[n++] = dup(memfd);
		break;
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		fds[n++] = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);   /* already kicked */
		break;
	case VHOST_USER_SET_INFLIGHT_FD:
	case VHOST_USER_SET_LOG_BASE:
		fds[n++] = dup(memfd);
		break;
	default:
		break;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sp[2];

	if (!loop)
		setup();
	if (size < 12)
		return 0;
	int memfd = memfd_create("guest", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, MEM_BYTES) < 0)
		abort();
	size_t m = size > MEM_BYTES + 12 ? MEM_BYTES : size / 2;
	if (pwrite(memfd, data, m, 0) != (ssize_t)m)
		abort();
	data += m;
	size -= m;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		abort();
	if (vt_backend_attach(be, sp[1]) < 0) {
		close(sp[0]);
		close(memfd);
		return 0;
	}
	while (size >= 12 && vt_backend_connected(be)) {
		uint32_t req = vt_ld_le32(data), psize = vt_ld_le32(data + 8);
		size_t len = 12 + (psize < size - 12 ? psize : size - 12);
		int fds[VT_VHOST_MAX_FDS];
		unsigned nfds = fds_for(req, data + 12, (uint32_t)(len - 12), memfd, fds);
		vt_vhost_send_bytes(sp[0], data, len, fds, nfds);
		for (unsigned i = 0; i < nfds; i++)
			close(fds[i]);
		pump(sp[0]);
		data += len;
		size -= len;
	}
	close(sp[0]);   /* the front-end goes: the back-end tears the connection down */
	for (int i = 0; i < 4 && vt_backend_connected(be); i++)
		vt_loop_run_once(loop, 0);
	close(memfd);
	return 0;
}
