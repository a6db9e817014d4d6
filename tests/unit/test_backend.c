/* vhost-user backend: raw messages over a socketpair with the backend's
 * loop stepped in this thread (write -> vt_loop_run_once -> read reply), and
 * full sessions with vitool's own front-end against a backend thread.
 * Real sockets, memfds and eventfds; the device is a tiny "echo" model. */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tap.h"
#include "util/log.h"
#include "util/loop.h"
#include "vhost/backend.h"
#include "vhost/frontend.h"
#include "vhost/msg.h"
#include "virtio/dvq.h"
#include "virtio/gmem.h"
#include "virtio/virtio.h"

/* ---- the echo model: copies readable bytes to writable ones ----------- */

struct echo {
	unsigned handled[2];
	unsigned flushes;
	unsigned stopped[2];
	unsigned max_batch;      /* most chains handled before one flush */
	unsigned since_flush;
	uint64_t features;
	bool defer;              /* queue 1 only: complete later */
	uint16_t deferred[64];
	unsigned ndeferred;
	uint8_t cfg[8];
};

static int echo_handle(void *dev, struct vt_backend *b, unsigned q, const struct vt_chain *c)
{
	struct echo *e = dev;
	uint8_t buf[4096];

	(void)b;
	__atomic_add_fetch(&e->handled[q], 1, __ATOMIC_SEQ_CST);
	e->since_flush++;
	if (e->defer && q == 1 && e->ndeferred < 64) {
		e->deferred[e->ndeferred++] = c->head;
		return VT_DEFER;
	}
	size_t n = vt_chain_read(c, 0, buf, sizeof(buf));
	return (int)vt_chain_write(c, 0, buf, n);
}

static void echo_flush(void *dev, struct vt_backend *b, unsigned q)
{
	struct echo *e = dev;

	(void)b;
	(void)q;
	if (e->since_flush > e->max_batch)
		e->max_batch = e->since_flush;
	e->since_flush = 0;
	__atomic_add_fetch(&e->flushes, 1, __ATOMIC_SEQ_CST);
}

static void echo_stopped(void *dev, unsigned q)
{
	struct echo *e = dev;

	__atomic_add_fetch(&e->stopped[q], 1, __ATOMIC_SEQ_CST);
	if (q == 1)
		e->ndeferred = 0;
}

static void echo_set_features(void *dev, uint64_t f)
{
	((struct echo *)dev)->features = f;
}

static void echo_get_config(void *dev, uint32_t off, uint8_t *buf, uint32_t len)
{
	memcpy(buf, ((struct echo *)dev)->cfg + off, len);
}

static int echo_set_config(void *dev, uint32_t off, const uint8_t *buf, uint32_t len)
{
	memcpy(((struct echo *)dev)->cfg + off, buf, len);
	return 0;
}

#define ECHO_PF                                                                            \
	(VT_BIT(VHOST_USER_PROTOCOL_F_MQ) | VT_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK) |        \
	 VT_BIT(VHOST_USER_PROTOCOL_F_CONFIG) | VT_BIT(VHOST_USER_PROTOCOL_F_RESET_DEVICE) | \
	 VT_BIT(VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS) | VT_BIT(VHOST_USER_PROTOCOL_F_STATUS) | \
	 VT_BIT(VHOST_USER_PROTOCOL_F_BACKEND_REQ))

static const struct vt_device_model echo_model = {
	.name = "echo",
	.virtio_id = 0xffff,
	.num_queues = 2,
	.max_queue_size = 1024,
	.features = VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VIRTIO_RING_F_EVENT_IDX) |
		    VT_BIT(VIRTIO_RING_F_INDIRECT_DESC),
	.protocol_features = ECHO_PF,
	.config_size = 8,
	.get_config = echo_get_config,
	.set_config = echo_set_config,
	.set_features = echo_set_features,
	.handle = echo_handle,
	.flush = echo_flush,
	.queue_stopped = echo_stopped,
};

/* ---- observer ------------------------------------------------------------ */

struct obs {
	unsigned n[VT_EV_DISCONNECT + 1];
	char ring_error[200];
	uint64_t last_avail_id, last_used_id;
	unsigned used_without_chain;
	unsigned stop_after_disconnects;   /* stop the loop at this many (threads) */
	struct vt_loop *loop;
};

static void observe(void *arg, const struct vt_event *ev)
{
	struct obs *o = arg;

	__atomic_add_fetch(&o->n[ev->kind], 1, __ATOMIC_SEQ_CST);
	if (ev->kind == VT_EV_RING_ERROR)
		snprintf(o->ring_error, sizeof(o->ring_error), "%s", ev->text);
	if (ev->kind == VT_EV_AVAIL)
		o->last_avail_id = ev->req_id;
	if (ev->kind == VT_EV_USED) {
		o->last_used_id = ev->req_id;
		if (!ev->chain)
			o->used_without_chain++;
	}
	if (ev->kind == VT_EV_DISCONNECT && o->stop_after_disconnects &&
	    o->n[VT_EV_DISCONNECT] >= o->stop_after_disconnects)
		vt_loop_stop(o->loop);
}

/* ---- helpers ----------------------------------------------------------- */

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

static char *temp_sock(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/vt-test-%d-%s.sock", (int)getpid(), tag);
	unlink(buf);
	return buf;
}

/* ---- raw harness: backend stepped in this thread --------------------- */

struct raw {
	struct vt_loop *loop;
	struct vt_backend *b;
	struct echo dev;
	struct obs obs;
	int s;                  /* our end of the socketpair */
	struct vt_gmem mem;
	struct vt_dvq vq[2];
	int kick[2], call[2];
};

static void raw_open(struct raw *t)
{
	int sv[2];

	memset(t, 0, sizeof(*t));
	t->mem.fd = -1;
	t->kick[0] = t->kick[1] = t->call[0] = t->call[1] = -1;
	t->loop = vt_loop_new();
	t->b = vt_backend_new(t->loop, &echo_model, &t->dev);
	vt_backend_set_observer(t->b, observe, &t->obs);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	vt_backend_attach(t->b, sv[0]);
	t->s = sv[1];
}

static void raw_close(struct raw *t)
{
	vt_backend_free(t->b);
	vt_loop_free(t->loop);
	close(t->s);
	for (int i = 0; i < 2; i++) {
		if (t->vq[i].num)
			vt_dvq_free(&t->vq[i]);
		if (t->kick[i] >= 0)
			close(t->kick[i]);
		if (t->call[i] >= 0)
			close(t->call[i]);
	}
	if (t->mem.base)
		vt_gmem_destroy(&t->mem);
}

static void step(struct raw *t)
{
	vt_loop_run_once(t->loop, 100);
}

static void raw_send(struct raw *t, uint32_t req, uint32_t flags, const void *p, uint32_t size,
		     const int *fds, unsigned nfds)
{
	struct vt_vhost_msg m = { .request = req, .flags = VT_VHOST_VERSION | flags, .size = size };

	if (size)
		memcpy(m.p.raw, p, size);
	if (vt_vhost_send(t->s, &m, fds, nfds) < 0)
		printf("# send failed\n");
	step(t);
}

/* The backend's reply, or -ETIMEDOUT when it sent none. */
static int raw_reply(struct raw *t, struct vt_vhost_msg *m)
{
	struct pollfd p = { .fd = t->s, .events = POLLIN };

	if (poll(&p, 1, 100) <= 0)
		return -ETIMEDOUT;
	return vt_vhost_recv(t->s, m);
}

/* Sends with NEED_REPLY and returns the ack (UINT64_MAX: no proper ack). */
static uint64_t raw_ack(struct raw *t, uint32_t req, const void *p, uint32_t size, const int *fds,
			unsigned nfds)
{
	struct vt_vhost_msg m;

	raw_send(t, req, VT_VHOST_FLAG_NEED_REPLY, p, size, fds, nfds);
	if (raw_reply(t, &m) < 0 || m.request != req || m.size != 8 || m.flags != 5)
		return UINT64_MAX;
	return m.p.u64;
}

static uint64_t raw_ack_u64(struct raw *t, uint32_t req, uint64_t v)
{
	return raw_ack(t, req, &v, 8, NULL, 0);
}

static uint64_t raw_ack_state(struct raw *t, uint32_t req, uint32_t index, uint32_t num)
{
	struct vt_vhost_vring_state s = { index, num };

	return raw_ack(t, req, &s, sizeof(s), NULL, 0);
}

static uint64_t raw_get_u64(struct raw *t, uint32_t req)
{
	struct vt_vhost_msg m;

	raw_send(t, req, 0, NULL, 0, NULL, 0);
	if (raw_reply(t, &m) < 0 || m.request != req || m.size != 8)
		return UINT64_MAX;
	return m.p.u64;
}

/* GET_FEATURES .. SET_FEATURES, with every protocol feature offered. */
static void raw_negotiate(struct raw *t, uint64_t features)
{
	uint64_t offered = raw_get_u64(t, VHOST_USER_GET_FEATURES);

	EXPECT(offered & VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	uint64_t pf = raw_get_u64(t, VHOST_USER_GET_PROTOCOL_FEATURES);
	EXPECT_EQ(pf, ECHO_PF);
	raw_send(t, VHOST_USER_SET_PROTOCOL_FEATURES, 0, &pf, 8, NULL, 0);
	EXPECT_EQ(raw_ack(t, VHOST_USER_SET_OWNER, NULL, 0, NULL, 0), 0);
	EXPECT_EQ(raw_ack_u64(t, VHOST_USER_SET_FEATURES, features), 0);
}

struct region_msg {
	uint32_t nregions, padding;
	struct vt_vhost_mem_region r[2];
};

static struct vt_vhost_mem_region gmem_region(const struct vt_gmem *g)
{
	struct vt_vhost_mem_region r = { g->gpa_base, g->size, (uint64_t)(uintptr_t)g->base, 0 };
	return r;
}

static void raw_mem(struct raw *t)
{
	struct region_msg rm = { .nregions = 1 };

	EXPECT_EQ(vt_gmem_create(&t->mem, 1 << 20), 0);
	rm.r[0] = gmem_region(&t->mem);
	EXPECT_EQ(raw_ack(t, VHOST_USER_SET_MEM_TABLE, &rm, 8 + 32, &t->mem.fd, 1), 0);
}

static struct vt_vhost_vring_addr ring_addr(const struct vt_dvq *v, unsigned q)
{
	struct vt_vhost_vring_addr a = { .index = q, .desc_user_addr = vt_dvq_desc_uva(v),
					 .used_user_addr = vt_dvq_used_uva(v),
					 .avail_user_addr = vt_dvq_avail_uva(v) };
	return a;
}

static void raw_queue(struct raw *t, unsigned q, uint16_t num, bool eidx)
{
	struct vt_dvq *v = &t->vq[q];

	EXPECT_EQ(vt_dvq_init(v, &t->mem, num, eidx), 0);
	t->kick[q] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	t->call[q] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct vt_vhost_vring_addr a = ring_addr(v, q);
	EXPECT_EQ(raw_ack_state(t, VHOST_USER_SET_VRING_NUM, q, num), 0);
	EXPECT_EQ(raw_ack_state(t, VHOST_USER_SET_VRING_BASE, q, 0), 0);
	EXPECT_EQ(raw_ack(t, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0), 0);
	uint64_t idx = q;
	EXPECT_EQ(raw_ack(t, VHOST_USER_SET_VRING_KICK, &idx, 8, &t->kick[q], 1), 0);
	EXPECT_EQ(raw_ack(t, VHOST_USER_SET_VRING_CALL, &idx, 8, &t->call[q], 1), 0);
	EXPECT_EQ(raw_ack_state(t, VHOST_USER_SET_VRING_ENABLE, q, 1), 0);
}

/* Full raw setup: features, memory, both queues. */
static void raw_setup(struct raw *t, bool eidx)
{
	uint64_t f = VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES) |
		     VT_BIT(VIRTIO_RING_F_INDIRECT_DESC) | (eidx ? VT_BIT(VIRTIO_RING_F_EVENT_IDX) : 0);

	raw_open(t);
	raw_negotiate(t, f);
	raw_mem(t);
	raw_queue(t, 0, 16, eidx);
	raw_queue(t, 1, 16, eidx);
}

static int tokens[64];

/* One echo request on queue q: readable "len" bytes of pattern, writable
 * buffer of the same size. */
static int add_echo(struct raw *t, unsigned q, uint8_t pattern, uint32_t len, bool indirect)
{
	uint64_t in_gpa, out_gpa;
	uint8_t *in = vt_gmem_alloc(&t->mem, len, 8, &in_gpa);

	if (!in || !vt_gmem_alloc(&t->mem, len, 8, &out_gpa))
		return -ENOMEM;
	memset(in, pattern, len);
	struct vt_dseg segs[2] = { { in_gpa, len, false }, { out_gpa, len, true } };
	return vt_dvq_add(&t->vq[q], segs, 2, indirect, &tokens[pattern % 64]);
}

static void kick(struct raw *t, unsigned q)
{
	uint64_t one = 1;

	vt_dvq_publish(&t->vq[q]);
	if (write(t->kick[q], &one, 8) != 8)
		printf("# kick failed\n");
	step(t);
}

static unsigned reap(struct raw *t, unsigned q)
{
	uint32_t len;
	uint16_t head;
	unsigned n = 0;

	while (vt_dvq_get(&t->vq[q], &len, &head))
		n++;
	return n;
}

/* ---- raw-message tests ------------------------------------------------- */

static void test_short_read_then_new_frontend(void)
{
	struct vt_loop *loop = vt_loop_new();
	struct echo dev = { 0 };
	struct vt_backend *b = vt_backend_new(loop, &echo_model, &dev);
	char path[108];
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	uint8_t hdr[12];
	uint32_t h[3] = { VHOST_USER_SET_FEATURES, VT_VHOST_VERSION, 8 };

	temp_sock(path, sizeof(path), "short");
	strcpy(a.sun_path, path);
	EXPECT_EQ(vt_backend_listen(b, path), 0);

	int c1 = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	EXPECT_EQ(connect(c1, (struct sockaddr *)&a, sizeof(a)), 0);
	vt_loop_run_once(loop, 100);   /* accept */
	EXPECT(vt_backend_connected(b));
	memcpy(hdr, h, 12);
	EXPECT_EQ(write(c1, hdr, 12), 12);   /* header promises 8 bytes ... */
	close(c1);                           /* ... that never come */
	vt_loop_run_once(loop, 100);
	EXPECT(!vt_backend_connected(b));

	/* The backend listens again: a second front-end is served. */
	int c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	EXPECT_EQ(connect(c2, (struct sockaddr *)&a, sizeof(a)), 0);
	vt_loop_run_once(loop, 100);
	EXPECT(vt_backend_connected(b));
	struct vt_vhost_msg m = { .request = VHOST_USER_GET_FEATURES, .flags = VT_VHOST_VERSION };
	EXPECT_EQ(vt_vhost_send(c2, &m, NULL, 0), 0);
	vt_loop_run_once(loop, 100);
	EXPECT_EQ(vt_vhost_recv(c2, &m), 0);
	EXPECT_EQ(m.p.u64, echo_model.features | VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	close(c2);
	vt_loop_run_once(loop, 100);
	EXPECT(!vt_backend_connected(b));
	vt_backend_free(b);
	vt_loop_free(loop);
	EXPECT(access(path, F_OK) < 0);   /* the socket file went with the backend */
}

static void test_listen_refuses_non_socket(void)
{
	struct vt_loop *loop = vt_loop_new();
	struct echo dev = { 0 };
	struct vt_backend *b = vt_backend_new(loop, &echo_model, &dev);
	char path[108];

	temp_sock(path, sizeof(path), "file");
	FILE *f = fopen(path, "w");
	fclose(f);
	EXPECT_EQ(vt_backend_listen(b, path), -EEXIST);
	EXPECT_STR_HAS(vt_log_last(), "not a socket");
	EXPECT(access(path, F_OK) == 0);   /* left alone */
	unlink(path);

	/* A stale socket file (nobody listening) is replaced. */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, path);
	EXPECT_EQ(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	close(s);
	EXPECT_EQ(vt_backend_listen(b, path), 0);
	vt_backend_free(b);
	vt_loop_free(loop);
}

static void test_payload_size_checks(void)
{
	struct raw t;
	uint8_t big[16] = { 0 };

	raw_open(&t);
	raw_negotiate(&t, VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	/* SET_VRING_NUM carries 8 bytes; 16 is malformed. */
	EXPECT(raw_ack(&t, VHOST_USER_SET_VRING_NUM, big, 16, NULL, 0) != 0);
	EXPECT_STR_HAS(vt_log_last(), "SET_VRING_NUM: payload is 16 bytes, expected 8");
	EXPECT(raw_ack(&t, VHOST_USER_SET_FEATURES, big, 4, NULL, 0) != 0);
	EXPECT(vt_backend_connected(t.b));
	/* Still talking. */
	EXPECT_EQ(raw_ack_state(&t, VHOST_USER_SET_VRING_NUM, 0, 8), 0);

	/* More than 4096 bytes cannot be framed: the front-end is dropped. */
	uint32_t h[3] = { VHOST_USER_SET_CONFIG, VT_VHOST_VERSION, 5000 };
	EXPECT_EQ(write(t.s, h, 12), 12);
	step(&t);
	EXPECT(!vt_backend_connected(t.b));
	EXPECT_EQ(t.obs.n[VT_EV_DISCONNECT], 1);
	char c;
	EXPECT_EQ(read(t.s, &c, 1), 0);   /* we see EOF */
	raw_close(&t);
}

static void test_wrong_fd_counts(void)
{
	struct raw t;
	struct region_msg rm = { .nregions = 2 };
	struct vt_gmem g1, g2;

	raw_open(&t);
	raw_negotiate(&t, VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	EXPECT_EQ(vt_gmem_create(&g1, 1 << 16), 0);
	EXPECT_EQ(vt_gmem_create(&g2, 1 << 16), 0);
	rm.r[0] = gmem_region(&g1);
	rm.r[1] = gmem_region(&g2);
	rm.r[1].guest_phys_addr += 1 << 20;
	int before = count_fds();
	EXPECT(raw_ack(&t, VHOST_USER_SET_MEM_TABLE, &rm, 8 + 64, &g1.fd, 1) != 0);
	EXPECT_STR_HAS(vt_log_last(), "1 fds for 2 regions");
	EXPECT_EQ(count_fds(), before);   /* the fd that came was closed */

	/* Both fds: accepted. */
	int fds[2] = { g1.fd, g2.fd };
	EXPECT_EQ(raw_ack(&t, VHOST_USER_SET_MEM_TABLE, &rm, 8 + 64, fds, 2), 0);
	/* nregions 0 and 9 */
	rm.nregions = 0;
	EXPECT(raw_ack(&t, VHOST_USER_SET_MEM_TABLE, &rm, 8, NULL, 0) != 0);
	EXPECT_STR_HAS(vt_log_last(), "0 regions");
	/* Region larger than its file. */
	rm.nregions = 1;
	rm.r[0].memory_size = 1 << 20;
	EXPECT(raw_ack(&t, VHOST_USER_SET_MEM_TABLE, &rm, 8 + 32, &g1.fd, 1) != 0);

	/* SET_VRING_KICK with neither an fd nor the no-fd bit. */
	uint64_t idx = 0;
	EXPECT(raw_ack(&t, VHOST_USER_SET_VRING_KICK, &idx, 8, NULL, 0) != 0);
	EXPECT_STR_HAS(vt_log_last(), "SET_VRING_KICK: queue 0: 0 fds with the no-fd bit clear");
	/* An fd and the no-fd bit. */
	int efd = eventfd(0, EFD_CLOEXEC);
	before = count_fds();
	idx = VT_VHOST_VRING_NOFD;
	EXPECT(raw_ack(&t, VHOST_USER_SET_VRING_CALL, &idx, 8, &efd, 1) != 0);
	EXPECT_EQ(count_fds(), before);
	/* An fd on a message that takes none. */
	EXPECT(raw_ack_u64(&t, VHOST_USER_SET_STATUS, 0) == 0);
	uint64_t st = 0;
	EXPECT(raw_ack(&t, VHOST_USER_SET_STATUS, &st, 8, &efd, 1) != 0);
	EXPECT_EQ(count_fds(), before);
	close(efd);
	vt_gmem_destroy(&g1);
	vt_gmem_destroy(&g2);
	raw_close(&t);
}

static void test_queue_index_and_size(void)
{
	struct raw t;

	raw_open(&t);
	raw_negotiate(&t, VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	EXPECT(raw_ack_state(&t, VHOST_USER_SET_VRING_NUM, 9, 8) != 0);
	EXPECT_STR_HAS(vt_log_last(), "queue 9 out of range");
	EXPECT(raw_ack_state(&t, VHOST_USER_SET_VRING_NUM, 0, 100) != 0);
	EXPECT_STR_HAS(vt_log_last(), "size 100 is not a power of two");
	EXPECT(raw_ack_state(&t, VHOST_USER_SET_VRING_NUM, 0, 65536) != 0);
	EXPECT_STR_HAS(vt_log_last(), "size 65536");
	EXPECT(raw_ack_state(&t, VHOST_USER_SET_VRING_NUM, 0, 0) != 0);
	EXPECT(raw_ack_state(&t, VHOST_USER_SET_VRING_NUM, 1, 2048) != 0);   /* > model max */
	EXPECT_STR_HAS(vt_log_last(), "maximum 1024");
	EXPECT_EQ(raw_ack_state(&t, VHOST_USER_SET_VRING_NUM, 1, 1024), 0);
	/* Other per-queue messages check the index too. */
	EXPECT(raw_ack_state(&t, VHOST_USER_SET_VRING_ENABLE, 2, 1) != 0);
	uint64_t idx = 200 | VT_VHOST_VRING_NOFD;
	EXPECT(raw_ack(&t, VHOST_USER_SET_VRING_CALL, &idx, 8, NULL, 0) != 0);
	EXPECT_STR_HAS(vt_log_last(), "queue 200 out of range");
	/* GET_VRING_BASE on a bad queue still gets its (empty) reply. */
	struct vt_vhost_vring_state s = { 5, 0 };
	struct vt_vhost_msg m;
	raw_send(&t, VHOST_USER_GET_VRING_BASE, 0, &s, 8, NULL, 0);
	EXPECT_EQ(raw_reply(&t, &m), 0);
	EXPECT_EQ(m.size, 0);
	EXPECT(vt_backend_connected(t.b));
	raw_close(&t);
}

static void test_ring_addr_outside_memory(void)
{
	struct raw t;

	raw_open(&t);
	raw_negotiate(&t, VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	raw_mem(&t);
	uint64_t base = (uint64_t)(uintptr_t)t.mem.base;
	struct vt_vhost_vring_addr a = { .index = 0, .desc_user_addr = base,
					 .avail_user_addr = base + 4096, .used_user_addr = base + 8192 };
	/* Before SET_VRING_NUM there is no size to check against. */
	EXPECT(raw_ack(&t, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0) != 0);
	EXPECT_EQ(raw_ack_state(&t, VHOST_USER_SET_VRING_NUM, 0, 256), 0);
	EXPECT_EQ(raw_ack(&t, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0), 0);
	/* Used ring runs past the end of the only region. */
	a.used_user_addr = base + t.mem.size - 64;
	EXPECT(raw_ack(&t, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0) != 0);
	EXPECT_STR_HAS(vt_log_last(), "used ring");
	EXPECT_STR_HAS(vt_log_last(), "outside guest memory");
	/* Entirely elsewhere. */
	a.used_user_addr = base + 8192;
	a.desc_user_addr = 0x1000;
	EXPECT(raw_ack(&t, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0) != 0);
	EXPECT_STR_HAS(vt_log_last(), "descriptor ring 0x1000");
	/* Wrapping around the address space. */
	a.desc_user_addr = UINT64_MAX - 15;
	EXPECT(raw_ack(&t, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0) != 0);
	/* Misaligned. */
	a.desc_user_addr = base + 8;
	EXPECT(raw_ack(&t, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0) != 0);
	EXPECT_STR_HAS(vt_log_last(), "aligned");
	raw_close(&t);
}

static void test_config(void)
{
	struct raw t;
	struct vt_vhost_config c = { .offset = 0, .size = 8 };
	struct vt_vhost_msg m;

	raw_open(&t);
	memcpy(t.dev.cfg, "ABCDEFGH", 8);
	raw_negotiate(&t, VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	raw_send(&t, VHOST_USER_GET_CONFIG, 0, &c, 12 + 8, NULL, 0);
	EXPECT_EQ(raw_reply(&t, &m), 0);
	EXPECT_EQ(m.size, 12 + 8);
	EXPECT_EQ(m.p.config.size, 8);
	EXPECT(memcmp(m.p.config.region, "ABCDEFGH", 8) == 0);

	c.offset = 6;
	c.size = 2;
	raw_send(&t, VHOST_USER_GET_CONFIG, 0, &c, 12 + 2, NULL, 0);
	EXPECT_EQ(raw_reply(&t, &m), 0);
	EXPECT_EQ(m.size, 14);
	EXPECT(memcmp(m.p.config.region, "GH", 2) == 0);

	/* Out of range: the reply has no payload (vhost-user.rst's error signal). */
	c.offset = 4;
	c.size = 8;
	raw_send(&t, VHOST_USER_GET_CONFIG, VT_VHOST_FLAG_NEED_REPLY, &c, 12 + 8, NULL, 0);
	EXPECT_EQ(raw_reply(&t, &m), 0);
	EXPECT_EQ(m.request, VHOST_USER_GET_CONFIG);
	EXPECT_EQ(m.flags, 5);
	EXPECT_EQ(m.size, 0);
	EXPECT_STR_HAS(vt_log_last(), "outside the 8-byte config space");
	EXPECT_EQ(raw_reply(&t, &m), -ETIMEDOUT);   /* and nothing else */
	c.offset = 0xfffffffc;
	raw_send(&t, VHOST_USER_GET_CONFIG, 0, &c, 12 + 8, NULL, 0);
	EXPECT_EQ(raw_reply(&t, &m), 0);
	EXPECT_EQ(m.size, 0);
	/* size field disagreeing with the payload */
	c.offset = 0;
	c.size = 8;
	raw_send(&t, VHOST_USER_GET_CONFIG, 0, &c, 12 + 4, NULL, 0);
	EXPECT_EQ(raw_reply(&t, &m), 0);
	EXPECT_EQ(m.size, 0);

	/* SET_CONFIG then read back. */
	c.offset = 2;
	c.size = 2;
	memcpy(c.region, "xy", 2);
	EXPECT_EQ(raw_ack(&t, VHOST_USER_SET_CONFIG, &c, 14, NULL, 0), 0);
	EXPECT(memcmp(t.dev.cfg, "ABxyEFGH", 8) == 0);
	c.offset = 7;
	EXPECT(raw_ack(&t, VHOST_USER_SET_CONFIG, &c, 14, NULL, 0) != 0);
	raw_close(&t);
}

static void test_reply_ack_and_unknown(void)
{
	struct raw t;
	struct vt_vhost_msg m;

	raw_open(&t);
	/* Before REPLY_ACK is negotiated NEED_REPLY gets nothing. */
	raw_send(&t, VHOST_USER_SET_OWNER, VT_VHOST_FLAG_NEED_REPLY, NULL, 0, NULL, 0);
	EXPECT_EQ(raw_reply(&t, &m), -ETIMEDOUT);
	raw_negotiate(&t, VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	EXPECT_EQ(raw_ack_u64(&t, VHOST_USER_SET_STATUS, 1), 0);
	EXPECT_EQ(raw_ack(&t, VHOST_USER_SET_OWNER, NULL, 0, NULL, 0), 0);
	/* Without NEED_REPLY: no reply. */
	raw_send(&t, VHOST_USER_SET_OWNER, 0, NULL, 0, NULL, 0);
	EXPECT_EQ(raw_reply(&t, &m), -ETIMEDOUT);

	EXPECT(raw_ack(&t, 77, NULL, 0, NULL, 0) != 0);
	EXPECT_STR_HAS(vt_log_last(), "unknown request 77");
	EXPECT(raw_ack(&t, 0, NULL, 0, NULL, 0) != 0);
	/* Unknown request with fds: they are closed, the connection lives. */
	int efd = eventfd(0, EFD_CLOEXEC);
	int before = count_fds();
	EXPECT(raw_ack(&t, 1000, NULL, 0, &efd, 1) != 0);
	EXPECT_EQ(count_fds(), before);
	close(efd);
	/* Unsupported ones say so. */
	EXPECT(raw_ack(&t, VHOST_USER_GET_INFLIGHT_FD, NULL, 0, NULL, 0) != 0);
	EXPECT_STR_HAS(vt_log_last(), "GET_INFLIGHT_FD is not supported");
	/* ... and one whose reply is mandatory gets an empty one, NEED_REPLY
	 * or not: the front-end waits for it. */
	raw_send(&t, VHOST_USER_GET_INFLIGHT_FD, 0, NULL, 0, NULL, 0);
	EXPECT_EQ(raw_reply(&t, &m), 0);
	EXPECT_EQ(m.request, VHOST_USER_GET_INFLIGHT_FD);
	EXPECT_EQ(m.size, 0);
	EXPECT_EQ(m.nfds, 0);
	/* Features that were not offered. */
	EXPECT(raw_ack_u64(&t, VHOST_USER_SET_FEATURES, VT_BIT(50)) != 0);
	EXPECT(raw_ack_u64(&t, VHOST_USER_SET_PROTOCOL_FEATURES, VT_BIT(1)) != 0);
	EXPECT_EQ(raw_get_u64(&t, VHOST_USER_GET_QUEUE_NUM), 2);
	EXPECT_EQ(raw_get_u64(&t, VHOST_USER_GET_MAX_MEM_SLOTS), VT_MEM_MAX_REGIONS);
	/* A backend channel fd is kept (not leaked on disconnect either). */
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	EXPECT_EQ(raw_ack(&t, VHOST_USER_SET_BACKEND_REQ_FD, NULL, 0, &sv[0], 1), 0);
	close(sv[0]);
	EXPECT(vt_backend_connected(t.b));
	raw_close(&t);
	char c;
	EXPECT_EQ(read(sv[1], &c, 1), 0);   /* the backend closed its copy */
	close(sv[1]);
}

static void test_status_round_trip(void)
{
	struct raw t;

	raw_open(&t);
	raw_negotiate(&t, VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	EXPECT_EQ(raw_get_u64(&t, VHOST_USER_GET_STATUS), 0);
	EXPECT_EQ(raw_ack_u64(&t, VHOST_USER_SET_STATUS, 0x0f), 0);
	EXPECT_EQ(raw_get_u64(&t, VHOST_USER_GET_STATUS), 0x0f);
	raw_send(&t, VHOST_USER_SET_STATUS, 0, &(uint64_t){ 0x07 }, 8, NULL, 0);
	EXPECT_EQ(raw_get_u64(&t, VHOST_USER_GET_STATUS), 0x07);
	raw_close(&t);
}

/* A proxy's hooks: the hook sees each message first; TAKEN keeps it from
 * the state (its owner answers with vt_backend_send), APPLY lets the state
 * apply it without answering, STATE is the plain path; disconnected runs
 * after the state was torn down. */
struct hook_log {
	uint32_t seen[16];
	unsigned n, gone;
	struct vt_backend *b;
};

static enum vt_backend_verdict hook_message(void *arg, struct vt_vhost_msg *m)
{
	struct hook_log *h = arg;

	if (h->n < 16)
		h->seen[h->n++] = m->request;
	switch (m->request) {
	case VHOST_USER_GET_FEATURES:
		return VT_BACKEND_TAKEN;
	case VHOST_USER_SET_STATUS:
		return VT_BACKEND_APPLY;
	default:
		return VT_BACKEND_STATE;
	}
}

static void hook_gone(void *arg)
{
	struct hook_log *h = arg;

	h->gone++;
	EXPECT(!vt_backend_connected(h->b));
}

static void test_proxy_hooks(void)
{
	struct hook_log h = { 0 };
	struct vt_backend_hooks hooks = { .message = hook_message, .disconnected = hook_gone, .arg = &h };
	struct vt_vhost_msg m;
	struct raw t;

	raw_open(&t);
	h.b = t.b;
	vt_backend_set_hooks(t.b, &hooks);
	/* TAKEN: no answer from the state; the owner's answer is sent and
	 * recorded as going to the front-end */
	raw_send(&t, VHOST_USER_GET_FEATURES, 0, NULL, 0, NULL, 0);
	EXPECT_EQ(raw_reply(&t, &m), -ETIMEDOUT);
	struct vt_vhost_msg r = { .request = VHOST_USER_GET_FEATURES,
				  .flags = VT_VHOST_VERSION | VT_VHOST_FLAG_REPLY, .size = 8, .p.u64 = 0x1234 };
	unsigned before = t.obs.n[VT_EV_VHOST_MSG];
	EXPECT_EQ(vt_backend_send(t.b, &r, NULL, 0), 0);
	EXPECT_EQ(raw_reply(&t, &m), 0);
	EXPECT_EQ(m.p.u64, 0x1234);
	EXPECT_EQ(t.obs.n[VT_EV_VHOST_MSG], before + 1);   /* recorded */
	/* APPLY: applied (GET_STATUS, the plain path, says so), not answered
	 * even with NEED_REPLY */
	raw_negotiate(&t, VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	raw_send(&t, VHOST_USER_SET_STATUS, VT_VHOST_FLAG_NEED_REPLY, &(uint64_t){ 0x0b }, 8, NULL, 0);
	EXPECT_EQ(raw_reply(&t, &m), -ETIMEDOUT);
	EXPECT_EQ(raw_get_u64(&t, VHOST_USER_GET_STATUS), 0x0b);
	EXPECT(h.n >= 4);
	EXPECT_EQ(h.seen[0], VHOST_USER_GET_FEATURES);
	EXPECT_EQ(h.seen[h.n - 1], VHOST_USER_GET_STATUS);
	/* the front-end leaves: the hook hears it once */
	close(t.s);
	t.s = -1;
	step(&t);
	EXPECT_EQ(h.gone, 1);
	EXPECT_EQ(vt_backend_send(t.b, &r, NULL, 0), -ENOTCONN);
	raw_close(&t);
}

static void test_requests_then_get_vring_base(void)
{
	struct raw t;

	raw_setup(&t, false);
	for (int i = 0; i < 5; i++)
		EXPECT_EQ(add_echo(&t, 0, (uint8_t)(i + 1), 16, false), 0);
	kick(&t, 0);
	EXPECT_EQ(t.dev.handled[0], 5);
	EXPECT_EQ(reap(&t, 0), 5);
	EXPECT_EQ(t.obs.n[VT_EV_KICK], 1);
	EXPECT_EQ(t.obs.n[VT_EV_AVAIL], 5);
	EXPECT_EQ(t.obs.n[VT_EV_USED], 5);
	EXPECT_EQ(t.obs.last_avail_id, 5);
	EXPECT_EQ(t.obs.last_used_id, 5);
	EXPECT(t.obs.n[VT_EV_CALL] >= 1);

	struct vt_vhost_vring_state s = { 0, 0 };
	struct vt_vhost_msg m;
	raw_send(&t, VHOST_USER_GET_VRING_BASE, 0, &s, 8, NULL, 0);
	EXPECT_EQ(raw_reply(&t, &m), 0);
	EXPECT_EQ(m.size, 8);
	EXPECT_EQ(m.p.state.index, 0);
	EXPECT_EQ(m.p.state.num, 5);
	EXPECT_EQ(t.dev.stopped[0], 1);

	/* Stopped: a new chain and a kick are not processed. */
	EXPECT_EQ(add_echo(&t, 0, 9, 16, false), 0);
	kick(&t, 0);
	EXPECT_EQ(t.dev.handled[0], 5);
	/* The other queue still works. */
	EXPECT_EQ(add_echo(&t, 1, 7, 16, false), 0);
	kick(&t, 1);
	EXPECT_EQ(t.dev.handled[1], 1);
	raw_close(&t);
}

static void test_mem_reg_add_remove(void)
{
	struct raw t;
	struct vt_gmem g;
	struct vt_vhost_mem_single reg = { 0 };

	raw_open(&t);
	raw_negotiate(&t, VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	EXPECT_EQ(vt_gmem_create(&g, 1 << 16), 0);
	reg.region = gmem_region(&g);
	/* ADD_MEM_REG needs exactly one fd. */
	EXPECT(raw_ack(&t, VHOST_USER_ADD_MEM_REG, &reg, sizeof(reg), NULL, 0) != 0);
	EXPECT_EQ(raw_ack(&t, VHOST_USER_ADD_MEM_REG, &reg, sizeof(reg), &g.fd, 1), 0);
	/* Overlapping the same region again is refused. */
	EXPECT(raw_ack(&t, VHOST_USER_ADD_MEM_REG, &reg, sizeof(reg), &g.fd, 1) != 0);

	struct vt_vhost_vring_addr a = { .index = 0, .desc_user_addr = reg.region.userspace_addr,
					 .avail_user_addr = reg.region.userspace_addr + 4096,
					 .used_user_addr = reg.region.userspace_addr + 8192 };
	EXPECT_EQ(raw_ack_state(&t, VHOST_USER_SET_VRING_NUM, 0, 64), 0);
	EXPECT_EQ(raw_ack(&t, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0), 0);

	/* REM_MEM_REG: with a stray fd (closed by the backend) */
	int before = count_fds();
	EXPECT_EQ(raw_ack(&t, VHOST_USER_REM_MEM_REG, &reg, sizeof(reg), &g.fd, 1), 0);
	EXPECT_EQ(count_fds(), before);
	/* The ring's memory is gone now. */
	EXPECT(raw_ack(&t, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0) != 0);
	EXPECT(raw_ack(&t, VHOST_USER_REM_MEM_REG, &reg, sizeof(reg), NULL, 0) != 0);
	EXPECT_STR_HAS(vt_log_last(), "REM_MEM_REG: no region");
	/* And back. */
	EXPECT_EQ(raw_ack(&t, VHOST_USER_ADD_MEM_REG, &reg, sizeof(reg), &g.fd, 1), 0);
	EXPECT_EQ(raw_ack(&t, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0), 0);
	vt_gmem_destroy(&g);
	raw_close(&t);
}

static void test_running_ring_loses_memory(void)
{
	struct raw t;

	raw_setup(&t, false);
	EXPECT_EQ(add_echo(&t, 0, 1, 8, false), 0);
	kick(&t, 0);
	EXPECT_EQ(t.dev.handled[0], 1);
	struct vt_vhost_mem_single reg = { .region = gmem_region(&t.mem) };
	EXPECT_EQ(raw_ack(&t, VHOST_USER_REM_MEM_REG, &reg, sizeof(reg), NULL, 0), 0);
	EXPECT_EQ(t.obs.n[VT_EV_RING_ERROR], 2);   /* both running rings stop */
	EXPECT_STR_HAS(t.obs.ring_error, "removed");
	EXPECT(raw_get_u64(&t, VHOST_USER_GET_FEATURES) != UINT64_MAX);
	raw_close(&t);
}

static void test_reset_device(void)
{
	struct raw t;

	raw_setup(&t, true);
	EXPECT_EQ(add_echo(&t, 0, 1, 8, false), 0);
	kick(&t, 0);
	EXPECT_EQ(t.dev.handled[0], 1);
	EXPECT(vt_backend_features(t.b) & VT_BIT(VIRTIO_RING_F_EVENT_IDX));
	EXPECT_EQ(raw_ack_u64(&t, VHOST_USER_SET_STATUS, 0x0f), 0);

	EXPECT_EQ(raw_ack(&t, VHOST_USER_RESET_DEVICE, NULL, 0, NULL, 0), 0);
	EXPECT_EQ(vt_backend_features(t.b), 0);
	EXPECT_EQ(t.dev.stopped[0], 1);
	EXPECT_EQ(t.dev.stopped[1], 1);
	EXPECT_EQ(vt_backend_queue(t.b, 0)->num, 0);
	EXPECT(!vt_backend_queue(t.b, 0)->event_idx);
	EXPECT_EQ(raw_get_u64(&t, VHOST_USER_GET_STATUS), 0);
	/* Its kick fd is gone: kicks do nothing. */
	EXPECT_EQ(add_echo(&t, 0, 2, 8, false), 0);
	kick(&t, 0);
	EXPECT_EQ(t.dev.handled[0], 1);
	/* Protocol features stay: REPLY_ACK still answers. */
	EXPECT_EQ(raw_ack(&t, VHOST_USER_SET_OWNER, NULL, 0, NULL, 0), 0);
	raw_close(&t);
}

/* The completion stage: a stage that holds every completion keeps the
 * requests in flight (listed, oldest first) and out of the used ring until
 * it finishes them, in the order it likes. */
struct held {
	struct vt_queue *q;
	uint16_t head[8];
	uint32_t len[8];
	unsigned n;
};

static void hold_stage(void *arg, struct vt_queue *q, uint16_t head, uint32_t len)
{
	struct held *h = arg;

	h->q = q;
	if (h->n < 8) {
		h->head[h->n] = head;
		h->len[h->n++] = len;
	}
}

static void test_completion_stage(void)
{
	struct raw t;
	struct held h = { 0 };

	raw_setup(&t, false);
	vt_backend_set_stage(t.b, hold_stage, &h);
	EXPECT_EQ(add_echo(&t, 0, 1, 8, false), 0);
	EXPECT_EQ(add_echo(&t, 0, 2, 8, false), 0);
	kick(&t, 0);
	EXPECT_EQ(t.dev.handled[0], 2);
	EXPECT_EQ(h.n, 2);
	EXPECT_EQ(reap(&t, 0), 0);   /* held: nothing used yet */
	struct vt_queue *q = vt_backend_engine_queue(t.b, 0);
	const struct vt_inflight *f = vt_inflight_oldest(&q->infl);
	EXPECT(f && f->head == h.head[0]);
	EXPECT(f && vt_inflight_next(&q->infl, f) && vt_inflight_next(&q->infl, f)->head == h.head[1]);
	struct vt_queue_stats st;
	vt_backend_stats(t.b, 0, &st);
	EXPECT_EQ(st.inflight, 2);
	/* Reordered: the newer first. */
	uint64_t id0 = f ? f->req_id : 0;
	vt_queue_finish(h.q, h.head[1], h.len[1]);
	step(&t);
	EXPECT_EQ(reap(&t, 0), 1);
	f = vt_inflight_oldest(&q->infl);
	EXPECT(f && f->req_id == id0);
	vt_queue_finish(h.q, h.head[0], h.len[0]);
	vt_queue_finish(h.q, h.head[0], h.len[0]);   /* twice: refused, the ring untouched */
	EXPECT_STR_HAS(vt_log_last(), "not in flight");
	step(&t);
	EXPECT_EQ(reap(&t, 0), 1);
	EXPECT(vt_inflight_oldest(&q->infl) == NULL);
	EXPECT_EQ(t.obs.n[VT_EV_USED], 2);
	/* Without a stage, straight through again. */
	vt_backend_set_stage(t.b, NULL, NULL);
	EXPECT_EQ(add_echo(&t, 0, 3, 8, false), 0);
	kick(&t, 0);
	EXPECT_EQ(reap(&t, 0), 1);
	EXPECT_EQ(h.n, 2);
	raw_close(&t);
}

static void test_broken_queue_isolated(void)
{
	struct raw t;

	raw_setup(&t, false);
	/* A descriptor pointing outside guest memory. */
	struct vt_dseg bad[2] = { { 0x10, 16, false }, { 0x20, 16, true } };
	EXPECT_EQ(vt_dvq_add(&t.vq[0], bad, 2, false, &tokens[0]), 0);
	kick(&t, 0);
	EXPECT_EQ(t.dev.handled[0], 0);
	EXPECT_EQ(t.obs.n[VT_EV_RING_ERROR], 1);
	EXPECT_STR_HAS(vt_log_last(), "queue 0 stopped");
	EXPECT(t.obs.ring_error[0] != 0);
	EXPECT(vt_backend_queue(t.b, 0)->broken);
	/* The control connection still answers ... */
	EXPECT_EQ(raw_get_u64(&t, VHOST_USER_GET_FEATURES),
		  echo_model.features | VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	/* ... and queue 1 still works. */
	EXPECT_EQ(add_echo(&t, 1, 3, 32, true), 0);
	kick(&t, 1);
	EXPECT_EQ(t.dev.handled[1], 1);
	EXPECT_EQ(reap(&t, 1), 1);
	/* Further kicks on the broken queue do nothing. */
	EXPECT_EQ(add_echo(&t, 0, 4, 8, false), 0);
	kick(&t, 0);
	EXPECT_EQ(t.dev.handled[0], 0);
	raw_close(&t);
}

static void test_deferred_completion(void)
{
	struct raw t;

	raw_setup(&t, true);
	t.dev.defer = true;
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(add_echo(&t, 1, (uint8_t)(10 + i), 8, false), 0);
	kick(&t, 1);
	EXPECT_EQ(t.dev.ndeferred, 3);
	EXPECT_EQ(reap(&t, 1), 0);
	EXPECT_EQ(t.obs.n[VT_EV_USED], 0);
	/* Out of order, later. */
	vt_backend_complete(t.b, 1, t.dev.deferred[2], 4);
	vt_backend_complete(t.b, 1, t.dev.deferred[0], 4);
	EXPECT_EQ(t.obs.n[VT_EV_USED], 2);
	EXPECT_EQ(t.obs.last_used_id, 1);
	EXPECT_EQ(t.obs.used_without_chain, 0);   /* re-walked for the observer */
	EXPECT_EQ(reap(&t, 1), 2);
	/* Twice, or a head never made available: ignored. */
	vt_backend_complete(t.b, 1, t.dev.deferred[0], 4);
	vt_backend_complete(t.b, 1, 15, 4);
	vt_backend_complete(t.b, 7, 0, 4);
	EXPECT_EQ(t.obs.n[VT_EV_USED], 2);
	/* After GET_VRING_BASE the last one is forgotten. */
	struct vt_vhost_vring_state s = { 1, 0 };
	struct vt_vhost_msg m;
	uint16_t last = t.dev.deferred[1];
	raw_send(&t, VHOST_USER_GET_VRING_BASE, 0, &s, 8, NULL, 0);
	EXPECT_EQ(raw_reply(&t, &m), 0);
	EXPECT_EQ(m.p.state.num, 3);
	vt_backend_complete(t.b, 1, last, 4);
	EXPECT_EQ(t.obs.n[VT_EV_USED], 2);
	raw_close(&t);
}

static void test_enable_and_inband_kick(void)
{
	struct raw t;

	/* Without PROTOCOL_FEATURES a ring runs as soon as it has a kick fd. */
	raw_open(&t);
	raw_negotiate(&t, VT_BIT(VIRTIO_F_VERSION_1));
	raw_mem(&t);
	EXPECT_EQ(vt_dvq_init(&t.vq[0], &t.mem, 8, false), 0);
	t.kick[0] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct vt_vhost_vring_addr a = ring_addr(&t.vq[0], 0);
	EXPECT_EQ(raw_ack_state(&t, VHOST_USER_SET_VRING_NUM, 0, 8), 0);
	EXPECT_EQ(raw_ack(&t, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0), 0);
	uint64_t idx = 0;
	EXPECT_EQ(raw_ack(&t, VHOST_USER_SET_VRING_KICK, &idx, 8, &t.kick[0], 1), 0);
	EXPECT_EQ(add_echo(&t, 0, 1, 8, false), 0);
	kick(&t, 0);
	EXPECT_EQ(t.dev.handled[0], 1);
	raw_close(&t);

	/* With it, only after SET_VRING_ENABLE 1; 0 pauses the ring. */
	raw_open(&t);
	raw_negotiate(&t, VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	raw_mem(&t);
	EXPECT_EQ(vt_dvq_init(&t.vq[0], &t.mem, 8, false), 0);
	t.kick[0] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	a = ring_addr(&t.vq[0], 0);
	EXPECT_EQ(raw_ack_state(&t, VHOST_USER_SET_VRING_NUM, 0, 8), 0);
	EXPECT_EQ(raw_ack(&t, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0), 0);
	EXPECT_EQ(raw_ack(&t, VHOST_USER_SET_VRING_KICK, &idx, 8, &t.kick[0], 1), 0);
	EXPECT_EQ(add_echo(&t, 0, 1, 8, false), 0);
	kick(&t, 0);
	EXPECT_EQ(t.dev.handled[0], 0);
	EXPECT_EQ(raw_ack_state(&t, VHOST_USER_SET_VRING_ENABLE, 0, 1), 0);
	step(&t);   /* the pending kick */
	EXPECT_EQ(t.dev.handled[0], 1);
	EXPECT_EQ(raw_ack_state(&t, VHOST_USER_SET_VRING_ENABLE, 0, 0), 0);
	EXPECT_EQ(add_echo(&t, 0, 2, 8, false), 0);
	kick(&t, 0);
	EXPECT_EQ(t.dev.handled[0], 1);
	EXPECT_EQ(t.dev.stopped[0], 0);   /* paused, not stopped */
	EXPECT(raw_ack_state(&t, VHOST_USER_SET_VRING_ENABLE, 0, 2) != 0);
	EXPECT_EQ(raw_ack_state(&t, VHOST_USER_SET_VRING_ENABLE, 0, 1), 0);
	EXPECT_EQ(t.dev.handled[0], 2);
	/* In-band VRING_KICK. */
	EXPECT_EQ(add_echo(&t, 0, 3, 8, false), 0);
	vt_dvq_publish(&t.vq[0]);
	EXPECT_EQ(raw_ack_state(&t, VHOST_USER_VRING_KICK, 0, 0), 0);
	EXPECT_EQ(t.dev.handled[0], 3);
	EXPECT_EQ(t.obs.used_without_chain, 0);
	raw_close(&t);
}

/* ---- front-end <-> backend in two threads ----------------------------- */

struct server {
	struct vt_loop *loop;
	struct vt_backend *b;
	struct echo dev;
	struct obs obs;
	pthread_t th;
	char path[108];
};

static void *server_main(void *arg)
{
	struct server *s = arg;

	vt_loop_run(s->loop);
	return NULL;
}

static void server_start(struct server *s, const char *tag, unsigned disconnects)
{
	memset(s, 0, sizeof(*s));
	s->loop = vt_loop_new();
	s->b = vt_backend_new(s->loop, &echo_model, &s->dev);
	s->obs.loop = s->loop;
	s->obs.stop_after_disconnects = disconnects;
	vt_backend_set_observer(s->b, observe, &s->obs);
	temp_sock(s->path, sizeof(s->path), tag);
	EXPECT_EQ(vt_backend_listen(s->b, s->path), 0);
	pthread_create(&s->th, NULL, server_main, s);
}

static void server_join(struct server *s)
{
	pthread_join(s->th, NULL);
	vt_backend_free(s->b);
	vt_loop_free(s->loop);
}

static int fe_echo(struct vt_frontend *fe, unsigned q, uint8_t pattern, uint32_t len, bool indirect)
{
	uint64_t in_gpa, out_gpa;
	uint8_t *in = vt_gmem_alloc(&fe->mem, len, 8, &in_gpa);

	if (!in || !vt_gmem_alloc(&fe->mem, len, 8, &out_gpa))
		return -ENOMEM;
	memset(in, pattern, len);
	struct vt_dseg segs[3] = { { in_gpa, len / 2, false }, { in_gpa + len / 2, len - len / 2, false },
				   { out_gpa, len, true } };
	return vt_dvq_add(&fe->vq[q], segs, 3, indirect, &tokens[pattern % 64]);
}

/* Collects n completions; checks each echoed its pattern. */
static unsigned fe_collect(struct vt_frontend *fe, unsigned q, unsigned n, uint32_t len)
{
	unsigned got = 0;

	while (got < n && vt_fe_wait(fe, q, 2000) == 1) {
		uint32_t ulen;
		uint16_t head;
		int *tok;
		while ((tok = vt_dvq_get(&fe->vq[q], &ulen, &head)) != NULL) {
			EXPECT_EQ(ulen, len);
			got++;
		}
	}
	return got;
}

static void test_full_session(void)
{
	struct server s;
	struct vt_frontend fe;
	struct vt_fe_opts o = {
		.nqueues = 2,
		.queue_size = 64,
		.want_features = VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VIRTIO_RING_F_INDIRECT_DESC),
		.use_event_idx = true,
	};

	server_start(&s, "full", 1);
	EXPECT_EQ(vt_fe_connect(&fe, s.path, 1000), 0);
	int r = vt_fe_start(&fe, &o);
	EXPECT_EQ(r, 0);
	if (r < 0) {
		printf("# %s\n", fe.err);
		vt_fe_stop(&fe);
		server_join(&s);
		return;
	}
	EXPECT(fe.features & VT_BIT(VIRTIO_RING_F_EVENT_IDX));
	EXPECT(fe.protocol_features & VT_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK));

	uint8_t cfg[8];
	memcpy(s.dev.cfg, "12345678", 8);
	EXPECT_EQ(vt_fe_get_config(&fe, 0, cfg, 8), 0);
	EXPECT(memcmp(cfg, "12345678", 8) == 0);
	EXPECT(vt_fe_get_config(&fe, 4, cfg, 8) < 0);
	EXPECT_STR_HAS(fe.err, "0 bytes");

	/* One direct, one indirect. */
	uint64_t mark = vt_gmem_mark(&fe.mem);
	EXPECT_EQ(fe_echo(&fe, 0, 1, 64, false), 0);
	EXPECT_EQ(vt_fe_kick(&fe, 0), 0);
	EXPECT_EQ(fe_collect(&fe, 0, 1, 64), 1);
	EXPECT_EQ(fe_echo(&fe, 0, 2, 100, true), 0);
	EXPECT_EQ(vt_fe_kick(&fe, 0), 0);
	EXPECT_EQ(fe_collect(&fe, 0, 1, 100), 1);
	vt_gmem_release(&fe.mem, mark);

	/* Batching: 8 chains in one kick are handled in one pass. */
	unsigned flushes = __atomic_load_n(&s.dev.flushes, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 8; i++)
		EXPECT_EQ(fe_echo(&fe, 1, (uint8_t)(20 + i), 32, i & 1), 0);
	EXPECT_EQ(vt_fe_kick(&fe, 1), 0);
	EXPECT_EQ(fe_collect(&fe, 1, 8, 32), 8);
	EXPECT_EQ(__atomic_load_n(&s.dev.handled[1], __ATOMIC_SEQ_CST), 8);
	EXPECT_EQ(__atomic_load_n(&s.dev.flushes, __ATOMIC_SEQ_CST) - flushes, 1);
	vt_gmem_release(&fe.mem, mark);

	/* Nothing pending: wait times out. */
	EXPECT_EQ(vt_fe_wait(&fe, 0, 20), 0);
	vt_fe_stop(&fe);
	server_join(&s);
	EXPECT_EQ(s.dev.max_batch, 8);
	EXPECT(s.dev.features & VT_BIT(VIRTIO_RING_F_EVENT_IDX));
	EXPECT_EQ(s.dev.stopped[0], 1);
	EXPECT_EQ(s.dev.stopped[1], 1);
	EXPECT_EQ(s.obs.n[VT_EV_AVAIL], 10);
	EXPECT_EQ(s.obs.n[VT_EV_USED], 10);
	EXPECT_EQ(s.obs.n[VT_EV_DISCONNECT], 1);
}

static void test_two_frontends_in_a_row(void)
{
	struct server s;
	struct vt_fe_opts o = {
		.nqueues = 1,
		.queue_size = 8,
		.want_features = VT_BIT(VIRTIO_F_VERSION_1),
	};

	server_start(&s, "recon", 2);
	for (int round = 0; round < 2; round++) {
		struct vt_frontend fe;
		EXPECT_EQ(vt_fe_connect(&fe, s.path, 1000), 0);
		int r = vt_fe_start(&fe, &o);
		EXPECT_EQ(r, 0);
		if (r < 0) {
			printf("# round %d: %s\n", round, fe.err);
			continue;
		}
		EXPECT(!(fe.features & VT_BIT(VIRTIO_RING_F_EVENT_IDX)));
		EXPECT_EQ(fe_echo(&fe, 0, (uint8_t)(round + 1), 16, false), 0);
		EXPECT_EQ(vt_fe_kick(&fe, 0), 0);
		EXPECT_EQ(fe_collect(&fe, 0, 1, 16), 1);
		vt_fe_stop(&fe);
	}
	server_join(&s);
	EXPECT_EQ(s.obs.n[VT_EV_CONNECT], 2);
	EXPECT_EQ(s.obs.n[VT_EV_DISCONNECT], 2);
	EXPECT_EQ(s.dev.handled[0], 2);
	/* req ids keep counting across connections */
	EXPECT_EQ(s.obs.last_used_id, 2);
}

static void test_fe_connect_timeout(void)
{
	struct vt_frontend fe;
	char path[108];

	temp_sock(path, sizeof(path), "none");
	uint64_t t0 = vt_now_ns();
	EXPECT_EQ(vt_fe_connect(&fe, path, 60), -ENOENT);
	EXPECT((vt_now_ns() - t0) >= 60000000u);
	EXPECT_STR_HAS(fe.err, "connecting to");
	/* Starting without a connection fails cleanly. */
	struct vt_fe_opts o = { .nqueues = 1, .queue_size = 8, .want_features = VT_BIT(VIRTIO_F_VERSION_1) };
	EXPECT(vt_fe_start(&fe, &o) < 0);
	vt_fe_stop(&fe);
}

int main(void)
{
	vt_log_set_quiet(1);
	RUN(test_short_read_then_new_frontend);
	RUN(test_proxy_hooks);
	RUN(test_listen_refuses_non_socket);
	RUN(test_payload_size_checks);
	RUN(test_wrong_fd_counts);
	RUN(test_queue_index_and_size);
	RUN(test_ring_addr_outside_memory);
	RUN(test_config);
	RUN(test_reply_ack_and_unknown);
	RUN(test_status_round_trip);
	RUN(test_requests_then_get_vring_base);
	RUN(test_mem_reg_add_remove);
	RUN(test_running_ring_loses_memory);
	RUN(test_reset_device);
	RUN(test_broken_queue_isolated);
	RUN(test_deferred_completion);
	RUN(test_enable_and_inband_kick);
	RUN(test_completion_stage);
	RUN(test_full_session);
	RUN(test_two_frontends_in_a_row);
	RUN(test_fe_connect_timeout);
	return tap_done();
}
