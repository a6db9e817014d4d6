/* virtio-i2c end to end: a forked child runs vt_backend + vt_model_i2c over
 * a simulated bus (0x20 regs, 0x50 24c02) on a unix socket; the parent is
 * vitool's front-end and i2c driver.  Small rings make transfers and detect
 * go in several chunks. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices/i2c.h"
#include "drivers/i2c.h"
#include "raw_chain.h"
#include "tap.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/loop.h"
#include "vhost/backend.h"
#include "virtio/virtio.h"
#include "virtio/virtio_i2c.h"

#define TMO 3000

static char sock_path[108];
static pid_t child = -1;
static struct vt_frontend fe;
static bool started;

static void not_started(void)
{
	EXPECT(started);
}

static void run_backend(void)
{
	char err[128];
	alarm(30);  /* never outlive a broken test */
	struct vt_loop *loop = vt_loop_new();
	struct vt_i2c_bus *bus = vt_i2c_sim_new();
	if (!loop || !bus || vt_i2c_sim_add_target(bus, "0x50=24c02", err, sizeof(err)) < 0 ||
	    vt_i2c_sim_add_target(bus, "0x20=regs", err, sizeof(err)) < 0)
		_exit(3);
	void *dev = vt_i2c_dev_new(bus);
	struct vt_backend *b = vt_backend_new(loop, &vt_model_i2c, dev);
	if (!b || vt_backend_listen(b, sock_path) < 0)
		_exit(4);
	vt_backend_set_once(b, true);
	int rc = vt_loop_run(loop);
	vt_backend_free(b);
	vt_i2c_dev_free(dev);
	vt_i2c_bus_destroy(bus);
	vt_loop_free(loop);
	_exit(rc < 0 ? 5 : 0);
}

/* Parses and runs a transfer; returns vt_i2c_transfer's result. */
static int xfer(struct vt_i2c_xfer *x, const char *line, bool indirect)
{
	char buf[2048], err[256], *words[256];
	unsigned n = 0;
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok(buf, " "); t && n < 256; t = strtok(NULL, " "))
		words[n++] = t;
	vt_i2c_xfer_free(x);
	if (vt_i2c_parse_ops(words, n, x, err, sizeof(err)) < 0) {
		printf("# parse: %s\n", err);
		return -1000;
	}
	int rc = vt_i2c_transfer(&fe, x, indirect, TMO);
	if (rc < 0)
		printf("# transfer: %s\n", fe.err);
	return rc;
}

/* A hand-made chain on the requestq; *status is the last writable byte. */
static long raw(const uint8_t *rd, uint32_t rlen, uint32_t wlen, uint8_t *status)
{
	return raw_chain(&fe, 0, rd, rlen, wlen, wlen ? wlen - 1 : 0, status);
}

static void test_start(void)
{
	snprintf(sock_path, sizeof(sock_path), "/tmp/vt-i2c-e2e-%d.sock", (int)getpid());
	unlink(sock_path);
	child = fork();
	if (child == 0)
		run_backend();
	EXPECT(child > 0);
	memset(&fe, 0, sizeof(fe));
	int rc = vt_fe_connect(&fe, sock_path, TMO);
	if (rc == 0)
		rc = vt_i2c_driver_start(&fe, 16, false);
	if (rc < 0)
		printf("# start: %s\n", fe.err);
	EXPECT_EQ(rc, 0);
	EXPECT(fe.features & VT_BIT(VIRTIO_I2C_F_ZERO_LENGTH_REQUEST));
	EXPECT(fe.features & VT_BIT(VIRTIO_F_VERSION_1));
	started = rc == 0;
}

static void test_write_read_back(void)
{
	struct vt_i2c_xfer x = { .n = 0 };
	if (!started)
		return not_started();
	EXPECT_EQ(xfer(&x, "w3@0x50 0x10 0xaa 0xbb", false), 0);
	EXPECT_EQ(xfer(&x, "w1@0x50 0x10 r2", false), 0);
	EXPECT_EQ(x.op[1].status, VIRTIO_I2C_MSG_OK);
	EXPECT_EQ(x.op[1].data[0], 0xaa);
	EXPECT_EQ(x.op[1].data[1], 0xbb);
	/* same through indirect tables */
	EXPECT_EQ(xfer(&x, "w1@0x50 0x11 r1", true), 0);
	EXPECT_EQ(x.op[1].data[0], 0xbb);
	vt_i2c_xfer_free(&x);
}

static void test_page_wrap(void)
{
	struct vt_i2c_xfer x = { .n = 0 };
	if (!started)
		return not_started();
	EXPECT_EQ(xfer(&x, "w5@0x50 0x06 1 2 3 4", false), 0);
	EXPECT_EQ(xfer(&x, "w1@0x50 0x00 r8", false), 0);
	uint8_t want[8] = { 3, 4, 0xff, 0xff, 0xff, 0xff, 1, 2 };
	EXPECT(memcmp(x.op[1].data, want, 8) == 0);
	vt_i2c_xfer_free(&x);
}

static void test_group_fails(void)
{
	struct vt_i2c_xfer x = { .n = 0 };
	if (!started)
		return not_started();
	EXPECT_EQ(xfer(&x, "w1@0x50 0 r1@0x51 r1@0x50 w0@0x20", false), 1);
	EXPECT_EQ(x.op[0].status, VIRTIO_I2C_MSG_OK);
	EXPECT_EQ(x.op[1].status, VIRTIO_I2C_MSG_ERR);
	EXPECT_EQ(x.op[2].status, VIRTIO_I2C_MSG_ERR);
	EXPECT_EQ(x.op[3].status, VIRTIO_I2C_MSG_ERR);
	/* the group is over: the next transfer works */
	EXPECT_EQ(xfer(&x, "w0@0x50", false), 0);
	vt_i2c_xfer_free(&x);
}

static void test_group_larger_than_ring(void)
{
	struct vt_i2c_xfer x = { .n = 0 };
	char line[512] = "w1@0x50 0x00";
	if (!started)
		return not_started();
	/* 30 messages on a 16-entry ring: several chunks of one group */
	EXPECT_EQ(xfer(&x, "w9@0x50 0x00 10 11 12 13 14 15 16 17", false), 0);
	for (int i = 0; i < 29; i++)
		strcat(line, " r1");
	EXPECT_EQ(xfer(&x, line, false), 0);
	EXPECT_EQ(x.n, 30);
	EXPECT_EQ(x.op[1].data[0], 10);
	EXPECT_EQ(x.op[8].data[0], 17);
	EXPECT_EQ(x.op[29].data[0], 0xff);
	/* a failure in the first chunk fails the later chunks too */
	snprintf(line, sizeof(line), "w0@0x50 w0@0x52");
	for (int i = 0; i < 20; i++)
		strcat(line, " w0@0x50");
	EXPECT_EQ(xfer(&x, line, false), 1);
	EXPECT_EQ(x.op[0].status, VIRTIO_I2C_MSG_OK);
	for (unsigned i = 1; i < x.n; i++)
		EXPECT_EQ(x.op[i].status, VIRTIO_I2C_MSG_ERR);
	EXPECT_EQ(xfer(&x, "w0@0x50", true), 0);
	vt_i2c_xfer_free(&x);
}

static void test_probe_and_mrd(void)
{
	struct vt_i2c_xfer x = { .n = 0 };
	if (!started)
		return not_started();
	EXPECT_EQ(xfer(&x, "w0@0x50", false), 0);
	EXPECT_EQ(xfer(&x, "w0@0x51", false), 1);
	EXPECT_EQ(x.op[0].status, VIRTIO_I2C_MSG_ERR);
	EXPECT_EQ(xfer(&x, "r0@0x20", false), 0);
	/* M_RD: the read returns what the write stored */
	EXPECT_EQ(xfer(&x, "w3@0x20 0x40 0x12 0x34", false), 0);
	EXPECT_EQ(xfer(&x, "w1@0x20 0x40 r2", false), 0);
	EXPECT_EQ(x.op[1].data[0], 0x12);
	EXPECT_EQ(x.op[1].data[1], 0x34);
	vt_i2c_xfer_free(&x);
}

static void test_raw_chains(void)
{
	if (!started)
		return not_started();
	uint8_t hdr[8], st = 0;
	vt_st_le16(hdr, 0x50 << 1);
	vt_st_le16(hdr + 2, 0);
	vt_st_le32(hdr + 4, 0x4);            /* reserved flag */
	EXPECT_EQ(raw(hdr, 8, 1, &st), 1);
	EXPECT_EQ(st, VIRTIO_I2C_MSG_ERR);
	vt_st_le32(hdr + 4, 0);
	vt_st_le16(hdr, 0x7850);             /* 10-bit form */
	EXPECT_EQ(raw(hdr, 8, 1, &st), 1);
	EXPECT_EQ(st, VIRTIO_I2C_MSG_ERR);
	vt_st_le16(hdr, 0x50 << 1);
	EXPECT_EQ(raw(hdr, 8, 1, &st), 1);
	EXPECT_EQ(st, VIRTIO_I2C_MSG_OK);
	/* malformed: 5-byte header; then no status byte */
	EXPECT_EQ(raw(hdr, 5, 1, &st), 0);
	EXPECT_EQ(raw(hdr, 8, 0, &st), 0);
	/* the backend keeps serving */
	EXPECT_EQ(raw(hdr, 8, 1, &st), 1);
	EXPECT_EQ(st, VIRTIO_I2C_MSG_OK);
}

static void test_detect(void)
{
	bool present[128];
	if (!started)
		return not_started();
	EXPECT_EQ(vt_i2c_detect(&fe, 0x03, 0x77, present, false, TMO), 0);
	for (unsigned a = 0; a < 128; a++)
		EXPECT_EQ(present[a], a == 0x20 || a == 0x50);
	EXPECT_EQ(vt_i2c_detect(&fe, 0x00, 0x7f, present, true, TMO), 0);
	for (unsigned a = 0; a < 128; a++)
		EXPECT_EQ(present[a], a == 0x20 || a == 0x50);
}

static void test_stop(void)
{
	int status = -1;
	if (started)
		vt_fe_stop(&fe);
	if (child > 0) {
		if (!started)
			kill(child, SIGTERM);
		EXPECT_EQ(waitpid(child, &status, 0), child);
		EXPECT(WIFEXITED(status));
		EXPECT_EQ(WEXITSTATUS(status), 0);
	}
	unlink(sock_path);
}

int main(void)
{
	vt_log_set_quiet(1);
	signal(SIGPIPE, SIG_IGN);
	RUN(test_start);
	RUN(test_write_read_back);
	RUN(test_page_wrap);
	RUN(test_group_fails);
	RUN(test_group_larger_than_ring);
	RUN(test_probe_and_mrd);
	RUN(test_raw_chains);
	RUN(test_detect);
	RUN(test_stop);
	return tap_done();
}
