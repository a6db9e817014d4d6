/* virtio-i2c device model driven directly with chains built by hand in
 * local memory: calls vt_model_i2c.handle/flush/queue_stopped as the
 * backend would.  Deferred completions go to the recording
 * vt_backend_complete below (a test double: this test does not link the
 * real backend; test_i2c_e2e.c runs the whole stack). */
#include <stdlib.h>
#include <string.h>

#include "devices/i2c.h"
#include "tap.h"
#include "util/bytes.h"
#include "util/log.h"
#include "virtio/virtio.h"
#include "virtio/virtio_i2c.h"

/* ---- recording backend double -------------------------------------------- */

struct done_rec { unsigned q; uint16_t head; uint32_t len; };
static struct done_rec done[64];
static unsigned ndone;

void vt_backend_complete(struct vt_backend *b, unsigned q, uint16_t head, uint32_t used_len)
{
	(void)b;
	if (ndone < 64)
		done[ndone++] = (struct done_rec){ q, head, used_len };
}

static struct vt_backend *const B = (struct vt_backend *)&done;

/* ---- chains ---------------------------------------------------------------- */

enum layout {
	L_SPLIT,    /* hdr | data | status: what Linux does */
	L_MERGED,   /* hdr+data readable in one buffer, data+status in one */
	L_BYTES,    /* every byte its own segment */
};

struct tc {
	uint8_t rd[8 + 70000];   /* readable stream */
	uint8_t *wr;             /* writable stream (read data + status) */
	uint32_t rlen, wlen;
	struct vt_seg seg[64];
	struct vt_chain c;
};

static struct tc *mk(uint16_t head, uint16_t raw_addr, uint32_t flags, const uint8_t *wdata,
		     uint32_t wdlen, uint32_t rdlen, enum layout lay)
{
	struct tc *t = calloc(1, sizeof(*t));
	vt_st_le16(t->rd, raw_addr);
	vt_st_le32(t->rd + 4, flags);
	if (wdlen && wdata)
		memcpy(t->rd + 8, wdata, wdlen);
	t->rlen = 8 + wdlen;
	t->wlen = rdlen + 1;
	t->wr = calloc(1, t->wlen);
	t->wr[rdlen] = 0xee;   /* status not written yet */
	unsigned n = 0;
	if (lay == L_BYTES) {
		for (uint32_t i = 0; i < t->rlen && n < 32; i++)
			t->seg[n++] = (struct vt_seg){ .ptr = t->rd + i, .len = 1 };
		t->c.nread = n;
		for (uint32_t i = 0; i < t->wlen && n < 64; i++)
			t->seg[n++] = (struct vt_seg){ .ptr = t->wr + i, .len = 1, .writable = true };
		t->c.nwrite = n - t->c.nread;
	} else if (lay == L_MERGED) {
		t->seg[n++] = (struct vt_seg){ .ptr = t->rd, .len = t->rlen };
		t->seg[n++] = (struct vt_seg){ .ptr = t->wr, .len = t->wlen, .writable = true };
		t->c.nread = t->c.nwrite = 1;
	} else {
		t->seg[n++] = (struct vt_seg){ .ptr = t->rd, .len = 8 };
		if (wdlen)
			t->seg[n++] = (struct vt_seg){ .ptr = t->rd + 8, .len = wdlen };
		t->c.nread = n;
		if (rdlen)
			t->seg[n++] = (struct vt_seg){ .ptr = t->wr, .len = rdlen, .writable = true };
		t->seg[n++] = (struct vt_seg){ .ptr = t->wr + rdlen, .len = 1, .writable = true };
		t->c.nwrite = n - t->c.nread;
	}
	t->c.head = head;
	t->c.read_len = t->rlen;
	t->c.write_len = t->wlen;
	t->c.seg = t->seg;
	return t;
}

static void tc_free(struct tc *t)
{
	free(t->wr);
	free(t);
}

static uint8_t status(const struct tc *t)
{
	return t->wr[t->wlen - 1];
}

/* The backend's vq.segs storage is reused by the next pop: simulate that by
 * scribbling over the chain's segment array once handle() returned. */
static int handle(void *dev, struct tc *t)
{
	int r = vt_model_i2c.handle(dev, B, 0, &t->c);
	struct vt_seg junk = { .ptr = NULL, .len = 0xdead };
	for (unsigned i = 0; i < t->c.nread + t->c.nwrite; i++)
		t->seg[i] = junk;
	return r;
}

static struct vt_i2c_bus *bus;
static void *dev;

static void setup(void)
{
	char err[128];
	bus = vt_i2c_sim_new();
	EXPECT_EQ(vt_i2c_sim_add_target(bus, "0x50=24c02", err, sizeof(err)), 0);
	EXPECT_EQ(vt_i2c_sim_add_target(bus, "0x20=regs", err, sizeof(err)), 0);
	dev = vt_i2c_dev_new(bus);
	ndone = 0;
	vt_log_set_quiet(1);
}

static void teardown(void)
{
	vt_i2c_dev_free(dev);
	vt_i2c_bus_destroy(bus);
}

#define A(x) ((uint16_t)((x) << 1))
#define RD VIRTIO_I2C_FLAGS_M_RD
#define FN VIRTIO_I2C_FLAGS_FAIL_NEXT

/* ---- tests ------------------------------------------------------------------- */

static void test_model(void)
{
	EXPECT(strcmp(vt_model_i2c.name, "i2c") == 0);
	EXPECT_EQ(vt_model_i2c.virtio_id, 34);
	EXPECT_EQ(vt_model_i2c.num_queues, 1);
	EXPECT_EQ(vt_model_i2c.config_size, 0);
	EXPECT(vt_model_i2c.features & VT_BIT(VIRTIO_I2C_F_ZERO_LENGTH_REQUEST));
	EXPECT(vt_model_i2c.features & VT_BIT(VIRTIO_F_VERSION_1));
	EXPECT(!(vt_model_i2c.protocol_features & VT_BIT(9)));   /* no CONFIG */
}

static void test_write_read_back(void)
{
	setup();
	for (int lay = L_SPLIT; lay <= L_BYTES; lay++) {
		uint8_t w[4] = { 0x10, 0xaa, 0xbb, (uint8_t)lay };
		struct tc *t = mk(1, A(0x50), 0, w, 4, 0, lay);
		EXPECT_EQ(handle(dev, t), 1);
		EXPECT_EQ(status(t), VIRTIO_I2C_MSG_OK);
		tc_free(t);
		/* set address (FAIL_NEXT), then read 3: one combined transfer */
		uint8_t a = 0x10;
		struct tc *t1 = mk(2, A(0x50), FN, &a, 1, 0, lay);
		struct tc *t2 = mk(3, A(0x50), RD, NULL, 0, 3, lay);
		EXPECT_EQ(handle(dev, t1), VT_DEFER);
		EXPECT_EQ(ndone, 0);
		EXPECT_EQ(handle(dev, t2), 4);            /* read data + status */
		EXPECT_EQ(ndone, 1);
		EXPECT_EQ(done[0].head, 2);
		EXPECT_EQ(done[0].len, 1);
		EXPECT_EQ(status(t1), VIRTIO_I2C_MSG_OK);
		EXPECT_EQ(status(t2), VIRTIO_I2C_MSG_OK);
		EXPECT_EQ(t2->wr[0], 0xaa);
		EXPECT_EQ(t2->wr[1], 0xbb);
		EXPECT_EQ(t2->wr[2], lay);
		vt_model_i2c.flush(dev, B, 0);            /* nothing pending */
		EXPECT_EQ(ndone, 1);
		ndone = 0;
		tc_free(t1);
		tc_free(t2);
	}
	teardown();
}

static void test_group_second_fails(void)
{
	setup();
	uint8_t a = 0;
	struct tc *t[4] = {
		mk(10, A(0x50), FN, &a, 1, 0, L_SPLIT),
		mk(11, A(0x51), FN | RD, NULL, 0, 2, L_SPLIT),   /* absent */
		mk(12, A(0x50), FN | RD, NULL, 0, 2, L_SPLIT),
		mk(13, A(0x50), RD, NULL, 0, 1, L_SPLIT),
	};
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(handle(dev, t[i]), VT_DEFER);
	EXPECT_EQ(handle(dev, t[3]), 2);
	EXPECT_EQ(ndone, 3);
	EXPECT_EQ(status(t[0]), VIRTIO_I2C_MSG_OK);
	EXPECT_EQ(status(t[1]), VIRTIO_I2C_MSG_ERR);
	EXPECT_EQ(status(t[2]), VIRTIO_I2C_MSG_ERR);
	EXPECT_EQ(status(t[3]), VIRTIO_I2C_MSG_ERR);
	EXPECT_EQ(done[0].head, 10);
	EXPECT_EQ(done[2].head, 12);
	EXPECT_EQ(done[2].len, 3);
	for (int i = 0; i < 4; i++)
		tc_free(t[i]);
	/* the next transfer is a fresh group */
	struct tc *p = mk(14, A(0x50), 0, NULL, 0, 0, L_SPLIT);
	EXPECT_EQ(handle(dev, p), 1);
	EXPECT_EQ(status(p), VIRTIO_I2C_MSG_OK);
	tc_free(p);
	teardown();
}

static void test_group_across_passes(void)
{
	setup();
	/* pass 1 ends in the middle of a group: flush performs it */
	uint8_t w[2] = { 0x40, 0x77 };
	struct tc *t1 = mk(1, A(0x50), FN, w, 2, 0, L_SPLIT);
	EXPECT_EQ(handle(dev, t1), VT_DEFER);
	vt_model_i2c.flush(dev, B, 0);
	EXPECT_EQ(ndone, 1);
	EXPECT_EQ(status(t1), VIRTIO_I2C_MSG_OK);
	/* pass 2: the rest of the group */
	uint8_t a = 0x40;
	struct tc *t2 = mk(2, A(0x50), FN, &a, 1, 0, L_SPLIT);
	struct tc *t3 = mk(3, A(0x50), RD, NULL, 0, 1, L_SPLIT);
	EXPECT_EQ(handle(dev, t2), VT_DEFER);
	EXPECT_EQ(handle(dev, t3), 2);
	EXPECT_EQ(status(t3), VIRTIO_I2C_MSG_OK);
	EXPECT_EQ(t3->wr[0], 0x77);
	tc_free(t1);
	tc_free(t2);
	tc_free(t3);

	/* a group failing in pass 1 keeps failing in pass 2 */
	ndone = 0;
	t1 = mk(4, A(0x33), FN, NULL, 0, 0, L_SPLIT);      /* absent */
	EXPECT_EQ(handle(dev, t1), VT_DEFER);
	vt_model_i2c.flush(dev, B, 0);
	EXPECT_EQ(status(t1), VIRTIO_I2C_MSG_ERR);
	t2 = mk(5, A(0x50), FN, &a, 1, 0, L_SPLIT);
	t3 = mk(6, A(0x50), 0, NULL, 0, 0, L_SPLIT);
	EXPECT_EQ(handle(dev, t2), VT_DEFER);
	vt_model_i2c.flush(dev, B, 0);
	EXPECT_EQ(status(t2), VIRTIO_I2C_MSG_ERR);
	EXPECT_EQ(handle(dev, t3), 1);
	EXPECT_EQ(status(t3), VIRTIO_I2C_MSG_ERR);
	EXPECT_EQ(ndone, 2);
	/* ... and the group is over */
	struct tc *t4 = mk(7, A(0x50), 0, NULL, 0, 0, L_SPLIT);
	EXPECT_EQ(handle(dev, t4), 1);
	EXPECT_EQ(status(t4), VIRTIO_I2C_MSG_OK);
	tc_free(t1);
	tc_free(t2);
	tc_free(t3);
	tc_free(t4);
	teardown();
}

static void test_probe(void)
{
	setup();
	struct tc *t = mk(1, A(0x50), 0, NULL, 0, 0, L_SPLIT);
	EXPECT_EQ(t->c.nread + t->c.nwrite, 2);   /* no data descriptor */
	EXPECT_EQ(handle(dev, t), 1);
	EXPECT_EQ(status(t), VIRTIO_I2C_MSG_OK);
	tc_free(t);
	t = mk(2, A(0x51), 0, NULL, 0, 0, L_SPLIT);
	EXPECT_EQ(handle(dev, t), 1);
	EXPECT_EQ(status(t), VIRTIO_I2C_MSG_ERR);
	tc_free(t);
	t = mk(3, A(0x20), RD, NULL, 0, 0, L_SPLIT);   /* zero-length read */
	EXPECT_EQ(handle(dev, t), 1);
	EXPECT_EQ(status(t), VIRTIO_I2C_MSG_OK);
	tc_free(t);
	teardown();
}

static void test_invalid(void)
{
	setup();
	uint8_t w[2] = { 1, 2 };
	struct { uint16_t addr; uint32_t flags; uint32_t wd, rd; const char *log; } cases[] = {
		{ A(0x50), 0x4, 0, 0, "reserved flag bits 0x4" },
		{ A(0x50), 0x80000000u | RD, 0, 1, "reserved flag bits 0x80000000" },
		{ A(0x50), RD, 2, 2, "read request with 2 bytes of write data" },
		{ A(0x50), 0, 2, 2, "write request with a 2-byte read buffer" },
		{ 0x7850, 0, 0, 0, "10-bit addressing is not supported" },
		{ 0x00a1, 0, 0, 0, "0x00a1 is not a 7-bit address" },
		{ 0x01fe, 0, 0, 0, "not a 7-bit address" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tc *t = mk((uint16_t)i, cases[i].addr, cases[i].flags, w, cases[i].wd,
				  cases[i].rd, L_SPLIT);
		EXPECT_EQ(handle(dev, t), (int)cases[i].rd + 1);
		EXPECT_EQ(status(t), VIRTIO_I2C_MSG_ERR);
		EXPECT_STR_HAS(vt_log_last(), cases[i].log);
		tc_free(t);
	}
	/* M_RD honoured: a read reads, it does not write */
	uint8_t ww[3] = { 0x00, 0x12, 0x34 };
	struct tc *t = mk(20, A(0x20), 0, ww, 3, 0, L_SPLIT);
	EXPECT_EQ(handle(dev, t), 1);
	tc_free(t);
	t = mk(21, A(0x20), RD, NULL, 0, 2, L_SPLIT);
	EXPECT_EQ(handle(dev, t), 3);
	EXPECT_EQ(t->wr[0], 0x00);        /* regs pointer was at 0x02 after the write */
	tc_free(t);
	/* too long: 65536 bytes of write data */
	static uint8_t big[65536];
	t = mk(22, A(0x50), 0, big, sizeof(big), 0, L_SPLIT);
	EXPECT_EQ(handle(dev, t), 1);
	EXPECT_EQ(status(t), VIRTIO_I2C_MSG_ERR);
	EXPECT_STR_HAS(vt_log_last(), "65536 data bytes, more than 65535");
	tc_free(t);
	/* an invalid message inside a group: the ones before it run, the rest fail */
	uint8_t set[2] = { 0x05, 0x99 };
	struct tc *g1 = mk(30, A(0x20), FN, set, 2, 0, L_SPLIT);
	struct tc *g2 = mk(31, A(0x20), FN | 0x8, NULL, 0, 0, L_SPLIT);
	struct tc *g3 = mk(32, A(0x20), RD, NULL, 0, 1, L_SPLIT);
	EXPECT_EQ(handle(dev, g1), VT_DEFER);
	EXPECT_EQ(handle(dev, g2), VT_DEFER);
	EXPECT_EQ(handle(dev, g3), 2);
	EXPECT_EQ(status(g1), VIRTIO_I2C_MSG_OK);
	EXPECT_EQ(status(g2), VIRTIO_I2C_MSG_ERR);
	EXPECT_EQ(status(g3), VIRTIO_I2C_MSG_ERR);
	tc_free(g1);
	tc_free(g2);
	tc_free(g3);
	teardown();
}

static void test_malformed(void)
{
	setup();
	struct tc *t = mk(5, A(0x50), 0, NULL, 0, 0, L_SPLIT);
	t->seg[0].len = 5;
	t->c.read_len = 5;
	EXPECT_EQ(handle(dev, t), 0);
	EXPECT_STR_HAS(vt_log_last(), "bad request (head 5): 5 readable bytes (need 8)");
	tc_free(t);
	t = mk(6, A(0x50), 0, NULL, 0, 0, L_SPLIT);
	t->c.nwrite = 0;
	t->c.write_len = 0;
	EXPECT_EQ(handle(dev, t), 0);
	EXPECT_STR_HAS(vt_log_last(), "0 writable (need 1)");
	tc_free(t);
	/* the device keeps serving */
	t = mk(7, A(0x50), 0, NULL, 0, 0, L_SPLIT);
	EXPECT_EQ(handle(dev, t), 1);
	EXPECT_EQ(status(t), VIRTIO_I2C_MSG_OK);
	tc_free(t);
	/* malformed inside a group: the group fails */
	struct tc *g1 = mk(8, A(0x50), FN, NULL, 0, 0, L_SPLIT);
	struct tc *g2 = mk(9, A(0x50), FN, NULL, 0, 0, L_SPLIT);
	struct tc *g3 = mk(10, A(0x50), 0, NULL, 0, 0, L_SPLIT);
	g2->c.write_len = 0;
	g2->c.nwrite = 0;
	EXPECT_EQ(handle(dev, g1), VT_DEFER);
	EXPECT_EQ(handle(dev, g2), 0);
	EXPECT_EQ(handle(dev, g3), 1);
	EXPECT_EQ(status(g1), VIRTIO_I2C_MSG_ERR);
	EXPECT_EQ(status(g3), VIRTIO_I2C_MSG_ERR);
	tc_free(g1);
	tc_free(g2);
	tc_free(g3);
	/* ... and when the malformed one was the last of its group, the group
	 * ends with it */
	ndone = 0;
	g1 = mk(11, A(0x50), FN, NULL, 0, 0, L_SPLIT);
	g2 = mk(12, A(0x50), 0, NULL, 0, 0, L_SPLIT);
	g3 = mk(13, A(0x50), 0, NULL, 0, 0, L_SPLIT);
	g2->c.write_len = 0;
	g2->c.nwrite = 0;
	EXPECT_EQ(handle(dev, g1), VT_DEFER);
	EXPECT_EQ(handle(dev, g2), 0);
	EXPECT_EQ(ndone, 1);
	EXPECT_EQ(done[0].head, 11);
	EXPECT_EQ(status(g1), VIRTIO_I2C_MSG_ERR);
	EXPECT_EQ(handle(dev, g3), 1);
	EXPECT_EQ(status(g3), VIRTIO_I2C_MSG_OK);
	tc_free(g1);
	tc_free(g2);
	tc_free(g3);
	teardown();
}

static void test_queue_stopped(void)
{
	setup();
	struct tc *t = mk(1, A(0x50), FN, NULL, 0, 0, L_SPLIT);
	EXPECT_EQ(handle(dev, t), VT_DEFER);
	vt_model_i2c.queue_stopped(dev, 0);
	vt_model_i2c.flush(dev, B, 0);
	EXPECT_EQ(ndone, 0);
	EXPECT_EQ(status(t), 0xee);     /* never completed */
	tc_free(t);
	t = mk(2, A(0x51), 0, NULL, 0, 0, L_SPLIT);
	EXPECT_EQ(handle(dev, t), 1);   /* a fresh group, answered at once */
	EXPECT_EQ(status(t), VIRTIO_I2C_MSG_ERR);
	tc_free(t);
	teardown();
}

int main(void)
{
	vt_log_set_quiet(1);
	RUN(test_model);
	RUN(test_write_read_back);
	RUN(test_group_second_fails);
	RUN(test_group_across_passes);
	RUN(test_probe);
	RUN(test_invalid);
	RUN(test_malformed);
	RUN(test_queue_stopped);
	return tap_done();
}
