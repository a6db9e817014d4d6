/* virtio-scmi device model end to end: a forked child runs vt_backend +
 * vt_model_scmi over a platform with an async sensor on a unix socket; the
 * parent is a hand-made driver on vitool's front-end, so it decides when it
 * takes a used entry.  What is checked is the order of an async read's two
 * responses: the delayed one (eventq) goes out only once the driver has
 * taken the immediate one (cmdq), which it says with EVENT_IDX's used_event;
 * without EVENT_IDX right after the immediate one; and after the wait
 * (VT_SCMI_ORDER_WAIT_MS, shortened here) even if the driver never says. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices/scmi.h"
#include "tap.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/loop.h"
#include "vhost/backend.h"
#include "vhost/frontend.h"
#include "virtio/virtio.h"
#include "virtio/virtio_scmi.h"

#define TMO 3000
#define CMDQ VIRTIO_SCMI_VQ_TX
#define EVENTQ VIRTIO_SCMI_VQ_RX
#define MSG 128

static char sock_path[108];
static pid_t child = -1;
static struct vt_frontend fe;
static uint8_t *ev_buf, *resp[4];

/* The backend, with the order wait wait_ms. */
static void run_backend(unsigned wait_ms)
{
	char err[128];
	static struct vt_scmi_platform p;

	alarm(30);   /* never outlive a broken test */
	struct vt_loop *loop = vt_loop_new();
	vt_scmi_platform_init(&p);
	if (!loop || vt_scmi_conf_sensor(&p, "soc:45000:async", err, sizeof(err)) < 0)
		_exit(3);
	vt_scmi_platform_defaults(&p);
	void *dev = vt_scmi_dev_new(loop, &p);
	struct vt_backend *b = dev ? vt_backend_new(loop, &vt_model_scmi, dev) : NULL;
	if (!b || vt_backend_listen(b, sock_path) < 0)
		_exit(4);
	vt_scmi_dev_set_order_wait(dev, (uint64_t)wait_ms * 1000000u);
	vt_backend_set_once(b, true);
	int rc = vt_loop_run(loop);
	vt_backend_free(b);
	vt_scmi_dev_free(dev);
	vt_loop_free(loop);
	_exit(rc < 0 ? 5 : 0);
}

/* A backend, and the front-end started on it (EVENT_IDX as asked) with four
 * eventq buffers given.  false (and a diagnostic) when it did not start. */
static bool start(unsigned wait_ms, bool event_idx)
{
	static unsigned n;
	uint64_t gpa;

	snprintf(sock_path, sizeof(sock_path), "/tmp/vt-scmi-dev-%d-%u.sock", (int)getpid(), n++);
	unlink(sock_path);
	child = fork();
	if (child == 0)
		run_backend(wait_ms);
	EXPECT(child > 0);
	memset(&fe, 0, sizeof(fe));
	struct vt_fe_opts o = {
		.nqueues = 2,
		.queue_size = 16,
		.want_features = VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VIRTIO_SCMI_F_P2A_CHANNELS) |
				 (event_idx ? VT_BIT(VIRTIO_RING_F_EVENT_IDX) : 0),
		.use_event_idx = event_idx,
	};
	int rc = vt_fe_connect(&fe, sock_path, TMO);
	if (rc == 0)
		rc = vt_fe_start(&fe, &o);
	if (rc < 0) {
		printf("# start: %s\n", fe.err);
		EXPECT_EQ(rc, 0);
		return false;
	}
	EXPECT_EQ(!!(fe.features & VT_BIT(VIRTIO_RING_F_EVENT_IDX)), event_idx);
	ev_buf = vt_gmem_alloc(&fe.mem, 4 * MSG, 8, &gpa);
	for (unsigned i = 0; ev_buf && i < 4; i++) {
		struct vt_dseg seg = { .gpa = gpa + i * MSG, .len = MSG, .writable = true };
		EXPECT_EQ(vt_dvq_add(&fe.vq[EVENTQ], &seg, 1, false, ev_buf + i * MSG), 0);
	}
	EXPECT_EQ(vt_fe_kick(&fe, EVENTQ), 0);
	return ev_buf != NULL;
}

static void stop(void)
{
	int st;

	vt_fe_stop(&fe);
	if (child > 0 && waitpid(child, &st, 0) == child)
		EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	child = -1;
	unlink(sock_path);
}

/* Command slot i: (proto, msg, token) with up to two parameters, kicked. */
static void command(unsigned i, unsigned proto, unsigned msg, unsigned token, unsigned np, uint32_t a,
		    uint32_t b)
{
	uint64_t gpa_req, gpa_resp;
	uint8_t *req = vt_gmem_alloc(&fe.mem, 12, 8, &gpa_req);

	resp[i] = vt_gmem_alloc(&fe.mem, MSG, 8, &gpa_resp);
	vt_st_le32(req, VIRTIO_SCMI_HDR(proto, msg, VIRTIO_SCMI_TYPE_COMMAND, token));
	vt_st_le32(req + 4, a);
	vt_st_le32(req + 8, b);
	struct vt_dseg segs[2] = {
		{ .gpa = gpa_req, .len = 4 + 4 * np },
		{ .gpa = gpa_resp, .len = MSG, .writable = true },
	};
	EXPECT_EQ(vt_dvq_add(&fe.vq[CMDQ], segs, 2, false, resp[i]), 0);
	EXPECT_EQ(vt_fe_kick(&fe, CMDQ), 0);
}

/* Used entries the device put on q so far, taken or not. */
static uint16_t used(unsigned q)
{
	return vt_ld_le16(&fe.vq[q].used->idx);
}

/* Waits (up to ~3 s) until q's used ring has n entries, taken or not: the
 * ring itself is watched, for the device need not notify an entry after
 * one the driver has not taken (used_event stays behind). */
static bool wait_used(unsigned q, uint16_t n)
{
	for (int tries = 0; tries < 3000 && used(q) != n; tries++)
		usleep(1000);
	return used(q) == n;
}

/* The delayed response of READING_GET token 5 (sensor 0, 45000) in the
 * eventq's next buffer. */
static void expect_delayed(void)
{
	uint32_t len = 0;
	uint8_t *m = vt_dvq_get(&fe.vq[EVENTQ], &len, NULL);

	EXPECT(m != NULL);
	if (!m)
		return;
	EXPECT_EQ(len, 28);
	EXPECT_EQ(vt_ld_le32(m), VIRTIO_SCMI_HDR(SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET,
						 VIRTIO_SCMI_TYPE_DELAYED_RESP, 5));
	EXPECT_EQ(vt_ld_le32(m + 4), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(vt_ld_le32(m + 8), 0);        /* sensor 0 */
	EXPECT_EQ(vt_ld_le32(m + 12), 45000);
}

/* EVENT_IDX: the immediate response used and notified, then a second
 * command answered (the device has run its loop again since), and still
 * no delayed response while the driver has not taken the first; it comes
 * once the driver took it (no kick: the device looks at used_event, which
 * the front-end writes after each entry it takes). */
static void test_delayed_waits_for_driver(void)
{
	if (!start(10000, true))
		return;
	command(0, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, 5, 2, 0, SCMI_SENSOR_READ_ASYNC);
	EXPECT(wait_used(CMDQ, 1));
	command(1, SCMI_PROTO_BASE, SCMI_PROTOCOL_VERSION, 6, 0, 0, 0);
	EXPECT(wait_used(CMDQ, 2));
	EXPECT_EQ(used(EVENTQ), 0);
	EXPECT(vt_dvq_get(&fe.vq[CMDQ], NULL, NULL) == resp[0]);
	EXPECT_EQ(vt_ld_le32(resp[0] + 4), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(vt_fe_wait(&fe, EVENTQ, TMO), 1);
	expect_delayed();
	EXPECT(vt_dvq_get(&fe.vq[CMDQ], NULL, NULL) == resp[1]);
	stop();
}

/* An async read whose immediate response the driver never takes: the
 * delayed response comes all the same, after the immediate one. */
static void read_untaken(unsigned wait_ms, bool event_idx)
{
	if (!start(wait_ms, event_idx))
		return;
	command(0, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, 5, 2, 0, SCMI_SENSOR_READ_ASYNC);
	EXPECT_EQ(vt_fe_wait(&fe, EVENTQ, TMO), 1);
	EXPECT_EQ(used(CMDQ), 1);
	expect_delayed();
	stop();
}

/* Without EVENT_IDX the driver cannot say it took it: the delayed response
 * follows the immediate one at once (the wait, 10 s, would fail the wait
 * for the eventq). */
static void test_no_event_idx_follows_at_once(void)
{
	read_untaken(10000, false);
}

/* With EVENT_IDX, after the wait (50 ms here). */
static void test_wait_ends(void)
{
	read_untaken(50, true);
}

int main(void)
{
	vt_log_set_quiet(1);
	signal(SIGPIPE, SIG_IGN);
	RUN(test_delayed_waits_for_driver);
	RUN(test_no_event_idx_follows_at_once);
	RUN(test_wait_ends);
	return tap_done();
}
