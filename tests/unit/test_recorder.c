/* The trace recorder: flag logic (late, out of order, timeout once) and
 * drop counting fed with synthetic events; then end to end: `serve -w`
 * (the vitool binary when built, else the same wiring in a child) parses
 * into AVAIL/USED pairs, and a `trace` subscriber on the control socket that
 * does not read never stops the device and learns about its drops in band. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "ctl/trace_cmds.h"
#include "devices/i2c.h"
#include "drivers/i2c.h"
#include "hw/i2c_bus.h"
#include "tap.h"
#include "trace/pcap.h"
#include "trace/record.h"
#include "trace/recorder.h"
#include "util/bytes.h"
#include "util/json.h"
#include "util/log.h"
#include "util/loop.h"
#include "vhost/backend.h"
#include "virtio/virtio.h"

#define TMO 3000
#define MS 1000000ull

/* ---- reading streams back ---- */

struct got {
	unsigned kind;
	uint32_t flags;
	unsigned queue;
	uint16_t head;
	uint64_t req_id;
	char text[80];
};

struct gots {
	struct got *v;
	size_t n;
	int err;        /* a record that did not parse */
	int linktype;
};

static void gots_free(struct gots *g)
{
	free(g->v);
	memset(g, 0, sizeof(*g));
}

/* Every record of a pcap reader; a truncated last record (a live stream
 * read mid-flight) just ends it. */
static void collect(struct vt_pcap_reader *rd, struct gots *g)
{
	const uint8_t *rec;
	size_t len;
	uint64_t ts;
	char err[256];

	g->linktype = vt_pcap_linktype(rd);
	while (vt_pcap_next(rd, &rec, &len, &ts, err, sizeof(err)) == 1) {
		struct vt_rec r;
		if (vt_rec_parse(rec, len, &r, err, sizeof(err)) < 0) {
			printf("# parse: %s\n", err);
			g->err++;
			continue;
		}
		struct got *v = realloc(g->v, (g->n + 1) * sizeof(*v));
		if (!v)
			break;
		g->v = v;
		g->v[g->n++] = (struct got){ .kind = r.kind, .flags = r.flags, .queue = r.queue,
					     .head = r.head, .req_id = r.req_id };
		snprintf(g->v[g->n - 1].text, sizeof(g->v[0].text), "%s", r.text ? r.text : "");
	}
	vt_pcap_close_read(rd);
}

static void collect_mem(const void *buf, size_t len, struct gots *g)
{
	char err[256];
	FILE *f = fmemopen((void *)buf, len, "rb");
	struct vt_pcap_reader *rd = f ? vt_pcap_open_read_file(f, err, sizeof(err)) : NULL;

	if (!rd) {
		printf("# pcap: %s\n", f ? err : "fmemopen");
		g->err++;
		return;
	}
	collect(rd, g);
}

/* Everything readable on fd until it stays quiet for quiet_ms (or EOF). */
static size_t drain(int fd, uint8_t **buf, size_t *len, int quiet_ms)
{
	size_t cap = *len + 65536;
	size_t start = *len;

	*buf = realloc(*buf, cap);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, quiet_ms) <= 0)
			break;
		if (cap - *len < 65536) {
			cap *= 2;
			*buf = realloc(*buf, cap);
		}
		ssize_t n = recv(fd, *buf + *len, cap - *len, MSG_DONTWAIT);
		if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
			break;
		if (n > 0)
			*len += (size_t)n;
	}
	return *len - start;
}

static size_t count_kind(const struct gots *g, unsigned kind)
{
	size_t n = 0;
	for (size_t i = 0; i < g->n; i++)
		n += g->v[i].kind == kind;
	return n;
}

static const struct got *find(const struct gots *g, unsigned kind, uint64_t req_id)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].kind == kind && g->v[i].req_id == req_id)
			return &g->v[i];
	return NULL;
}

/* ---- synthetic events ---- */

static uint64_t base;

static void ev_avail(struct vt_recorder *r, unsigned q, uint16_t head, uint64_t id, uint64_t at_ms)
{
	struct vt_event ev = { .kind = VT_EV_AVAIL, .queue = q, .head = head, .req_id = id,
			       .t_ns = base + at_ms * MS };
	vt_recorder_event(r, &ev);
}

static void ev_used(struct vt_recorder *r, unsigned q, uint16_t head, uint64_t id, uint64_t at_ms)
{
	struct vt_event ev = { .kind = VT_EV_USED, .queue = q, .head = head, .req_id = id,
			       .t_ns = base + at_ms * MS, .used_len = 1 };
	vt_recorder_event(r, &ev);
}

/* A recorder (no loop, no backend) with one subscriber; *peer reads it. */
static struct vt_recorder *synthetic(int *peer, uint64_t timeout_ms, uint32_t event_queues)
{
	int sv[2];
	struct vt_trace_source src = { .device = "i2c", .virtio_id = VIRTIO_ID_I2C,
				       .event_queues = event_queues };
	struct vt_recorder_conf conf = { .timeout_ms = timeout_ms };
	struct vt_recorder *r = vt_recorder_new(NULL, &src, &conf);

	base = vt_now_ns();
	if (!r || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return NULL;
	EXPECT(!vt_recorder_listening(r));
	EXPECT_EQ(vt_recorder_subscribe(r, sv[0], 0, 0, "hello\n", 6), 0);
	EXPECT(vt_recorder_listening(r));
	*peer = sv[1];
	return r;
}

/* The stream after the prefix line. */
static void read_synthetic(int peer, struct gots *g)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	drain(peer, &buf, &len, 50);
	EXPECT(len > 6 && !memcmp(buf, "hello\n", 6));
	if (len > 6)
		collect_mem(buf + 6, len - 6, g);
	free(buf);
}

static void test_late_and_out_of_order(void)
{
	int peer = -1;
	struct vt_recorder *r = synthetic(&peer, 100, 0);
	struct vt_recorder_qstats qs;
	struct gots g = { 0 };

	if (!r)
		{ EXPECT(!"set up"); return; }
	ev_avail(r, 0, 0, 1, 0);
	ev_avail(r, 0, 1, 2, 1);
	ev_avail(r, 0, 2, 3, 2);
	ev_used(r, 0, 1, 2, 10);        /* #1 still in flight: out of order */
	vt_recorder_scan(r, base + 50 * MS);   /* nothing due yet */
	vt_recorder_scan(r, base + 150 * MS);  /* #1 and #3 time out */
	vt_recorder_scan(r, base + 300 * MS);  /* once each */
	ev_used(r, 0, 0, 1, 310);       /* oldest, late */
	ev_used(r, 0, 2, 3, 320);       /* late, in order now */
	EXPECT_EQ(vt_recorder_queue_stats(r, 0, &qs), 0);
	EXPECT_EQ(qs.inflight, 0);
	EXPECT_EQ(qs.timeouts, 2);
	EXPECT_EQ(qs.late, 2);
	EXPECT_EQ(qs.out_of_order, 1);
	read_synthetic(peer, &g);
	EXPECT_EQ(g.err, 0);
	EXPECT_EQ(g.linktype, VT_PCAP_LINKTYPE_USER0);
	EXPECT_EQ(count_kind(&g, VT_REC_AVAIL), 3);
	EXPECT_EQ(count_kind(&g, VT_REC_USED), 3);
	EXPECT_EQ(count_kind(&g, VT_REC_TIMEOUT), 2);
	EXPECT_EQ(count_kind(&g, VT_REC_LATE), 2);
	const struct got *u2 = find(&g, VT_REC_USED, 2), *u1 = find(&g, VT_REC_USED, 1);
	const struct got *u3 = find(&g, VT_REC_USED, 3), *t1 = find(&g, VT_REC_TIMEOUT, 1);
	const struct got *l3 = find(&g, VT_REC_LATE, 3);
	EXPECT(u2 && u1 && u3 && t1 && l3 && find(&g, VT_REC_TIMEOUT, 3));
	if (u2 && u1 && u3 && t1 && l3) {
		EXPECT_EQ(u2->flags & 7, VT_REC_F_OUT_OF_ORDER);
		EXPECT_EQ(u1->flags & 7, VT_REC_F_TIMED_OUT | VT_REC_F_LATE);
		EXPECT_EQ(u3->flags & 7, VT_REC_F_TIMED_OUT | VT_REC_F_LATE);
		EXPECT_EQ(t1->flags & 7, VT_REC_F_TIMED_OUT);
		EXPECT_EQ(t1->head, 0);
		EXPECT_STR_HAS(t1->text, "threshold 100 ms");
		EXPECT_EQ(l3->head, 2);
		EXPECT_STR_HAS(l3->text, "completed after 318 ms");
		/* the LATE record follows its USED record */
		EXPECT(l3 == u3 + 1);
	}
	gots_free(&g);
	EXPECT_EQ(vt_recorder_free(r), 0);
	close(peer);
}

static void test_timeout_rules(void)
{
	int peer = -1;
	struct vt_recorder *r = synthetic(&peer, 100, 1u << 1);   /* q1: an event queue */
	struct vt_recorder_qstats qs;
	struct gots g = { 0 };

	if (!r)
		{ EXPECT(!"set up"); return; }
	ev_avail(r, 1, 0, 1, 0);        /* event queue: waits as long as it likes */
	ev_avail(r, 0, 5, 2, 0);
	ev_avail(r, 0, 5, 3, 1);        /* head 5 again: #2 is gone (ring restarted) */
	ev_avail(r, 0, 6, 4, 2);
	ev_used(r, 0, 6, 4, 3);         /* #3 in flight: out of order */
	ev_used(r, 1, 0, 1, 500);       /* event queue: never late nor out of order */
	vt_recorder_scan(r, base + 1000 * MS);   /* only #3 */
	EXPECT_EQ(vt_recorder_queue_stats(r, 0, &qs), 0);
	EXPECT_EQ(qs.timeouts, 1);
	EXPECT_EQ(qs.out_of_order, 1);
	EXPECT_EQ(qs.inflight, 1);
	/* a disconnect stops the rings: nothing is in flight any more */
	struct vt_event dis = { .kind = VT_EV_DISCONNECT, .t_ns = base + 1001 * MS };
	vt_recorder_event(r, &dis);
	EXPECT_EQ(vt_recorder_queue_stats(r, 0, &qs), 0);
	EXPECT_EQ(qs.inflight, 0);
	vt_recorder_scan(r, base + 5000 * MS);
	ev_used(r, 0, 5, 3, 5001);      /* unknown now: unmarked */
	vt_recorder_irq(r, 1, "line 3 (button)");
	EXPECT_EQ(vt_recorder_queue_stats(r, 1, &qs), 0);
	EXPECT_EQ(qs.timeouts + qs.out_of_order + qs.late, 0);
	read_synthetic(peer, &g);
	EXPECT_EQ(count_kind(&g, VT_REC_TIMEOUT), 1);
	const struct got *t = find(&g, VT_REC_TIMEOUT, 3), *u1 = find(&g, VT_REC_USED, 1);
	EXPECT(t && u1);
	if (u1)
		EXPECT_EQ(u1->flags & 7, 0);
	EXPECT_EQ(count_kind(&g, VT_REC_LATE), 0);
	EXPECT_EQ(count_kind(&g, VT_REC_DISCONNECT), 1);
	const struct got *u3 = find(&g, VT_REC_USED, 3);
	EXPECT(u3 && (u3->flags & 7) == 0);
	/* interrupts: one record, on the queue and with the text given */
	EXPECT_EQ(count_kind(&g, VT_REC_IRQ_INJECTED), 1);
	if (g.n) {
		EXPECT_EQ(g.v[g.n - 1].kind, VT_REC_IRQ_INJECTED);
		EXPECT_EQ(g.v[g.n - 1].queue, 1);
		EXPECT_STR_HAS(g.v[g.n - 1].text, "line 3 (button)");
	}
	gots_free(&g);
	vt_recorder_free(r);
	close(peer);
}

/* A subscriber with a tiny queue that does not read: records are dropped
 * and counted, and the count arrives in band once it reads again. */
static void test_drops(void)
{
	struct vt_loop *loop = vt_loop_new();
	struct vt_trace_source src = { .device = "i2c", .virtio_id = VIRTIO_ID_I2C };
	struct vt_recorder *r = vt_recorder_new(loop, &src, NULL);
	struct vt_recorder_stats st;
	int sv[2], small = 4096;
	const unsigned N = 3000;

	if (!loop || !r || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		{ EXPECT(!"set up"); return; }
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	EXPECT_EQ(vt_recorder_subscribe(r, sv[0], 0, 2048, NULL, 0), 0);
	base = vt_now_ns();
	for (unsigned i = 0; i < N; i++) {
		struct vt_event ev = { .kind = VT_EV_KICK, .queue = 0, .t_ns = vt_now_ns() };
		vt_recorder_event(r, &ev);
		if (i % 100 == 0)
			vt_loop_run_once(loop, 0);   /* batches end; the reader still sleeps */
	}
	vt_recorder_stats(r, &st);
	EXPECT_EQ(st.subscribers, 1);
	EXPECT(st.sub_drops > 0);
	EXPECT_EQ(st.sub_records + st.sub_drops, N);
	/* The reader wakes up: read, let the loop send, until quiet. */
	uint8_t *buf = NULL;
	size_t len = 0;
	for (int quiet = 0; quiet < 5;) {
		vt_loop_run_once(loop, 10);
		quiet = drain(sv[1], &buf, &len, 10) ? 0 : quiet + 1;
	}
	struct gots g = { 0 };
	collect_mem(buf, len, &g);
	EXPECT_EQ(g.err, 0);
	EXPECT_EQ(count_kind(&g, VT_REC_KICK), st.sub_records);
	uint64_t said = 0;
	for (size_t i = 0; i < g.n; i++)
		if (g.v[i].kind == VT_REC_DROPS) {
			EXPECT_STR_HAS(g.v[i].text, " records dropped");
			said += strtoull(g.v[i].text, NULL, 10);
		}
	EXPECT(count_kind(&g, VT_REC_DROPS) >= 1);
	EXPECT_EQ(said, st.sub_drops);
	printf("# %llu records, %llu dropped, %zu DROPS records\n", (unsigned long long)st.sub_records,
	       (unsigned long long)st.sub_drops, count_kind(&g, VT_REC_DROPS));
	gots_free(&g);
	free(buf);
	/* The reader leaves: the recorder stops listening. */
	close(sv[1]);
	struct vt_event ev = { .kind = VT_EV_KICK, .t_ns = vt_now_ns() };
	vt_recorder_event(r, &ev);
	for (int i = 0; i < 5 && vt_recorder_listening(r); i++)
		vt_loop_run_once(loop, 20);
	EXPECT(!vt_recorder_listening(r));
	vt_recorder_free(r);
	vt_loop_free(loop);
}

/* The instance's log lines (vt_log_set_tee, as vt_daemon_log_to does it)
 * become LOG records of every sink, with their level; a line the
 * recorder logs itself in the middle of a record (its file failed) comes
 * whole after that record, and one logged while a log line is being
 * recorded is printed only: nothing re-enters. */
static void test_log_lines(void)
{
	char err[256];
	int peer;
	struct vt_recorder *r = synthetic(&peer, 0, 0);

	if (!r)
		{ EXPECT(!"set up"); return; }
	vt_log_set_tee(VT_LOG_INFO, vt_recorder_log, r);
	vt_warn("gpio: SET_IRQ_TYPE line %u: the line is an output", 3);
	vt_info("vhost-user: front-end connected");
	vt_debug("not recorded at the default verbosity");
	/* A file whose writes fail: the record in progress is a KICK; the
	 * recorder's own error line follows it. */
	EXPECT_EQ(vt_recorder_open_file(r, "/dev/full", 0, err, sizeof(err)), 0);
	struct vt_event ev = { .kind = VT_EV_KICK, .queue = 1, .t_ns = vt_now_ns() };
	vt_recorder_event(r, &ev);
	EXPECT_STR_HAS(vt_log_last(), "trace: writing /dev/full failed: No space left on device");
	/* Failing while a log line is written: said on stderr, not recorded. */
	EXPECT_EQ(vt_recorder_open_file(r, "/dev/full", 0, err, sizeof(err)), 0);
	vt_err("queue 0 stopped: a ring error");
	EXPECT_STR_HAS(vt_log_last(), "trace: writing /dev/full failed");
	vt_log_set_tee(VT_LOG_ERR, NULL, NULL);
	vt_warn("after the tee is gone");

	struct gots g = { 0 };
	read_synthetic(peer, &g);
	EXPECT_EQ(g.err, 0);
	EXPECT_EQ(g.n, 5);
	static const struct { unsigned kind; uint32_t flags; const char *text; } want[] = {
		{ VT_REC_LOG, 1u << 8, "gpio: SET_IRQ_TYPE line 3: the line is an output" },
		{ VT_REC_LOG, 2u << 8, "vhost-user: front-end connected" },
		{ VT_REC_KICK, 0, "" },
		{ VT_REC_LOG, 0, "trace: writing /dev/full failed: No space left on device; no longer recording to it" },
		{ VT_REC_LOG, 0, "queue 0 stopped: a ring error" },
	};
	for (size_t i = 0; i < g.n && i < VT_ARRAY_SIZE(want); i++) {
		EXPECT_EQ(g.v[i].kind, want[i].kind);
		EXPECT_EQ(g.v[i].flags, want[i].flags);
		EXPECT(!strncmp(g.v[i].text, want[i].text, sizeof(g.v[i].text) - 1));
		if (strncmp(g.v[i].text, want[i].text, sizeof(g.v[i].text) - 1))
			printf("#   record %zu: \"%s\"\n", i, g.v[i].text);
	}
	/* Log lines belong to no queue: no drops counted against one. */
	struct vt_recorder_qstats qs;
	EXPECT_EQ(vt_recorder_queue_stats(r, 0, &qs), 0);
	EXPECT_EQ(qs.drops, 0);
	gots_free(&g);
	/* No sink: nothing is encoded, nothing kept. */
	close(peer);
	vt_recorder_log(r, VT_LOG_WARN, "nobody listens");
	EXPECT(!vt_recorder_listening(r));
	vt_recorder_free(r);
}

/* The loop's timer finds timeouts by itself, once per request, and stops
 * once nothing can time out any more. */
static void test_timer(void)
{
	struct vt_loop *loop = vt_loop_new();
	struct vt_trace_source src = { .device = "i2c", .virtio_id = VIRTIO_ID_I2C };
	struct vt_recorder_conf conf = { .timeout_ms = 30 };
	struct vt_recorder *r = vt_recorder_new(loop, &src, &conf);
	struct vt_recorder_qstats qs;
	int sv[2];

	if (!loop || !r || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		{ EXPECT(!"set up"); return; }
	EXPECT_EQ(vt_recorder_subscribe(r, sv[0], 0, 0, NULL, 0), 0);
	base = vt_now_ns();
	ev_avail(r, 0, 0, 1, 0);
	ev_avail(r, 0, 1, 2, 0);
	uint64_t end = vt_now_ns() + 150 * MS;
	int callbacks = 0;
	while (vt_now_ns() < end) {
		int n = vt_loop_run_once(loop, 10);
		callbacks += n > 0 ? n : 0;
	}
	EXPECT_EQ(vt_recorder_queue_stats(r, 0, &qs), 0);
	EXPECT_EQ(qs.timeouts, 2);
	EXPECT(callbacks < 10);   /* not polling: one scan, one flush (and EPOLLIN none) */
	uint8_t *buf = NULL;
	size_t len = 0;
	struct gots g = { 0 };
	drain(sv[1], &buf, &len, 20);
	collect_mem(buf, len, &g);
	EXPECT_EQ(count_kind(&g, VT_REC_TIMEOUT), 2);
	gots_free(&g);
	free(buf);
	vt_recorder_free(r);
	vt_loop_free(loop);
	close(sv[1]);
}

/* ---- end to end ---- */

static char sock_path[108], ctl_path[108], cap_path[108];
static struct vt_frontend fe;

/* What serve does, in a forked child: i2c over a simulated 24c02 at 0x50,
 * the recorder, -w when wfile, the control socket with the trace commands. */
static void run_instance(const char *wfile)
{
	char err[256];
	alarm(30);
	struct vt_loop *loop = vt_loop_new();
	struct vt_i2c_bus *bus = vt_i2c_sim_new();
	if (!loop || !bus || vt_i2c_sim_add_target(bus, "0x50=24c02", err, sizeof(err)) < 0)
		_exit(3);
	void *dev = vt_i2c_dev_new(bus);
	struct vt_backend *b = vt_backend_new(loop, &vt_model_i2c, dev);
	struct vt_trace_source src;
	if (b)
		vt_backend_trace_source(b, &src);
	struct vt_recorder *rec = b ? vt_recorder_new(loop, &src, NULL) : NULL;
	if (!b || !rec || vt_backend_listen(b, sock_path) < 0)
		_exit(4);
	if (wfile && vt_recorder_open_file(rec, wfile, 0, err, sizeof(err)) < 0)
		_exit(5);
	struct vt_ctl_server *s = vt_ctl_server_new(loop, ctl_path, "rec", err, sizeof(err));
	if (!s)
		_exit(6);
	vt_ctl_add_trace(s, rec);
	vt_backend_set_once(b, true);
	int rc = vt_loop_run(loop);
	vt_ctl_server_free(s);
	int we = vt_recorder_free(rec);
	vt_backend_free(b);
	vt_i2c_dev_free(dev);
	vt_i2c_bus_destroy(bus);
	vt_loop_free(loop);
	_exit(rc < 0 || we < 0 ? 7 : 0);
}

static int xfer(const char *line)
{
	struct vt_i2c_xfer x = { .n = 0 };
	char buf[4096], err[256], *words[256];
	unsigned n = 0;
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok(buf, " "); t && n < 256; t = strtok(NULL, " "))
		words[n++] = t;
	if (vt_i2c_parse_ops(words, n, &x, err, sizeof(err)) < 0) {
		printf("# parse: %s\n", err);
		return -1000;
	}
	int rc = vt_i2c_transfer(&fe, &x, false, TMO);
	if (rc < 0)
		printf("# transfer: %s\n", fe.err);
	vt_i2c_xfer_free(&x);
	return rc;
}

static int start_fe(void)
{
	memset(&fe, 0, sizeof(fe));
	int rc = vt_fe_connect(&fe, sock_path, TMO);
	if (rc == 0)
		rc = vt_i2c_driver_start(&fe, 64, false);
	if (rc < 0)
		printf("# start: %s\n", fe.err);
	return rc;
}

static void paths(const char *tag)
{
	snprintf(sock_path, sizeof(sock_path), "/tmp/vt-rec-%s-%d.sock", tag, (int)getpid());
	snprintf(ctl_path, sizeof(ctl_path), "/tmp/vt-rec-%s-%d.ctl", tag, (int)getpid());
	snprintf(cap_path, sizeof(cap_path), "/tmp/vt-rec-%s-%d.pcap", tag, (int)getpid());
	unlink(sock_path);
	unlink(ctl_path);
	unlink(cap_path);
}

static int wait_child(pid_t pid)
{
	int status = -1;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The vitool binary next to the tests, if built. */
static const char *vitool_bin(void)
{
	const char *e = getenv("VITOOL");
	if (e && access(e, X_OK) == 0)
		return e;
	if (access("./vitool", X_OK) == 0)
		return "./vitool";
	return NULL;
}

static void test_serve_write(void)
{
	const char *bin = vitool_bin();
	paths("w");
	pid_t pid = fork();
	if (pid == 0) {
		if (bin) {
			int null = open("/dev/null", O_WRONLY);
			if (null >= 0)
				dup2(null, STDERR_FILENO);
			execl(bin, "vitool", "serve", "i2c", "--socket", sock_path, "--target", "0x50=24c02",
			      "-w", cap_path, "--once", "-C", ctl_path, (char *)NULL);
			_exit(127);
		}
		run_instance(cap_path);
	}
	printf("# serve -w through %s\n", bin ? bin : "the recorder in a child (no ./vitool)");
	EXPECT(pid > 0);
	int rc = start_fe();
	EXPECT_EQ(rc, 0);
	for (int i = 0; rc == 0 && i < 5; i++)
		EXPECT_EQ(xfer("w1@0x50 0x00 r4"), 0);
	if (rc == 0)
		vt_fe_stop(&fe);
	else
		kill(pid, SIGTERM);
	EXPECT_EQ(wait_child(pid), 0);

	char err[256];
	struct gots g = { 0 };
	struct vt_pcap_reader *rd = vt_pcap_open_read(cap_path, err, sizeof(err));
	EXPECT(rd);
	if (!rd) {
		printf("# %s\n", err);
		return;
	}
	collect(rd, &g);
	EXPECT_EQ(g.err, 0);
	EXPECT_EQ(g.linktype, VT_PCAP_LINKTYPE_USER0);
	EXPECT_EQ(count_kind(&g, VT_REC_AVAIL), 10);
	EXPECT_EQ(count_kind(&g, VT_REC_USED), 10);
	/* The connection frames the capture (serve's log lines about it, LOG
	 * records, may stand outside). */
	size_t first = 0, last = g.n;
	while (first < g.n && g.v[first].kind == VT_REC_LOG)
		first++;
	while (last > first && g.v[last - 1].kind == VT_REC_LOG)
		last--;
	EXPECT(first < g.n && g.v[first].kind == VT_REC_CONNECT);
	EXPECT(last > first && g.v[last - 1].kind == VT_REC_DISCONNECT);
	for (size_t i = 0; i < g.n; i++) {
		if (g.v[i].kind != VT_REC_USED)
			continue;
		const struct got *a = find(&g, VT_REC_AVAIL, g.v[i].req_id);
		EXPECT(a && a < &g.v[i]);
		if (a) {
			EXPECT_EQ(a->head, g.v[i].head);
			EXPECT_EQ(a->queue, g.v[i].queue);
		}
		EXPECT_EQ(g.v[i].flags & 7, 0);
	}
	gots_free(&g);
	unlink(cap_path);
}

static void test_slow_reader(void)
{
	char err[256], *reply = NULL;
	paths("slow");
	pid_t pid = fork();
	if (pid == 0)
		run_instance(NULL);
	EXPECT(pid > 0);
	int rc = start_fe();
	EXPECT_EQ(rc, 0);
	int fd = rc == 0 ? vt_ctl_connect(ctl_path, err, sizeof(err)) : -1;
	EXPECT(fd >= 0);
	if (fd < 0) {
		printf("# control: %s\n", err);
		kill(pid, SIGTERM);
		wait_child(pid);
		return;
	}
	int small = 4096;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	EXPECT_EQ(vt_ctl_call(fd, "trace snaplen 1000", &reply, TMO, err, sizeof(err)), 0);
	EXPECT_STR_HAS(reply, "\"linktype\":147");
	EXPECT_STR_HAS(reply, "\"snaplen\":1000");
	EXPECT_STR_HAS(reply, "\"device\":\"i2c\"");
	EXPECT_STR_HAS(reply, "\"virtio_id\":34");
	free(reply);

	/* The subscriber sleeps; the device must keep serving. */
	char line[4096] = "w1@0x50 0x00";
	for (int i = 0; i < 16; i++)
		strcat(line, " r200");
	int ok = 0;
	for (int i = 0; i < 400; i++)
		ok += xfer(line) == 0;
	EXPECT_EQ(ok, 400);

	/* The instance saw the drops... */
	int fd2 = vt_ctl_connect(ctl_path, err, sizeof(err));
	EXPECT(fd2 >= 0);
	if (fd2 >= 0 && vt_ctl_call(fd2, "trace-stats", &reply, TMO, err, sizeof(err)) == 0) {
		json_int_t drops = 0, subs = 0;
		json_t *stats = vt_ctl_parse_reply(reply, err, sizeof(err));
		EXPECT(json_unpack(stats, "{s:I, s:I}", "drops", &drops, "subscribers", &subs) == 0);
		EXPECT(drops > 0);
		EXPECT_EQ(subs, 1);
		json_decref(stats);
		printf("# %s\n", reply);
		free(reply);
	}
	if (fd2 >= 0)
		close(fd2);

	/* ...and the reader, when it reads again, learns about them in band. */
	uint8_t *buf = NULL;
	size_t len = 0;
	drain(fd, &buf, &len, 300);
	struct gots g = { 0 };
	collect_mem(buf, len, &g);
	EXPECT_EQ(g.err, 0);
	EXPECT(count_kind(&g, VT_REC_USED) > 0);
	EXPECT(count_kind(&g, VT_REC_DROPS) >= 1);
	for (size_t i = 0; i < g.n; i++)
		if (g.v[i].kind == VT_REC_DROPS)
			EXPECT_STR_HAS(g.v[i].text, " records dropped");
	printf("# reader got %zu records, %zu DROPS\n", g.n, count_kind(&g, VT_REC_DROPS));
	gots_free(&g);
	free(buf);

	close(fd);
	vt_fe_stop(&fe);
	EXPECT_EQ(wait_child(pid), 0);
}

int main(void)
{
	vt_log_set_quiet(1);
	signal(SIGPIPE, SIG_IGN);
	RUN(test_late_and_out_of_order);
	RUN(test_timeout_rules);
	RUN(test_drops);
	RUN(test_log_lines);
	RUN(test_timer);
	RUN(test_serve_write);
	RUN(test_slow_reader);
	unlink(sock_path);
	unlink(ctl_path);
	return tap_done();
}
