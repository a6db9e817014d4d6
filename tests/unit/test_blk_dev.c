/* virtio-blk device model (`serve blk`) driven directly with chains built
 * by hand in local memory, as the backend would hand them over: what a
 * write stores a read returns, across any segment split; every sector and
 * length the driver gives is checked (IOERR past the end, for a sector
 * whose byte offset overflows, for data that is not whole sectors) and a
 * chain with no header or no status byte completes with nothing written.
 * The whole stack (sockets, rings) runs in tests/bats/serve_drive_blk.bats. */
#include <stdlib.h>
#include <string.h>

#include "devices/blk.h"
#include "tap.h"
#include "util/bytes.h"
#include "virtio/virtio.h"
#include "virtio/virtio_blk.h"

#define SECTOR 512

/* A request: header (+ write data) readable, then the read buffer and the
 * status byte writable, in segments of at most split bytes each. */
struct tc {
	uint8_t rd[16 + 8192];
	uint8_t wr[8192 + 1];
	struct vt_seg seg[256];
	struct vt_chain c;
};

static void add_segs(struct tc *t, uint8_t *p, uint32_t len, bool writable, uint32_t split, unsigned *n)
{
	for (uint32_t off = 0; off < len;) {
		uint32_t k = len - off < split ? len - off : split;
		t->seg[(*n)++] = (struct vt_seg){ .ptr = p + off, .len = k, .writable = writable };
		off += k;
	}
}

static struct tc *mk(uint32_t type, uint64_t sector, const uint8_t *wdata, uint32_t wlen, uint32_t rlen,
		     uint32_t split)
{
	struct tc *t = calloc(1, sizeof(*t));
	unsigned n = 0;

	vt_st_le32(t->rd, type);
	vt_st_le64(t->rd + 8, sector);
	if (wlen)
		memcpy(t->rd + 16, wdata, wlen);
	memset(t->wr, 0xee, sizeof(t->wr));
	add_segs(t, t->rd, 16 + wlen, false, split, &n);
	t->c.nread = n;
	add_segs(t, t->wr, rlen + 1, true, split, &n);
	t->c.nwrite = n - t->c.nread;
	t->c.read_len = 16 + wlen;
	t->c.write_len = rlen + 1;
	t->c.seg = t->seg;
	return t;
}

static void *dev;

static void *new_disk(uint64_t size, bool null)
{
	struct vt_blk_conf conf = { .size = size, .null = null };
	snprintf(conf.serial, sizeof(conf.serial), "%s", "disk-7");
	return vt_blk_dev_new(&conf);
}

/* handle(); the status byte it wrote (0xee: none). */
static uint8_t run(struct tc *t, int *used)
{
	*used = vt_model_blk.handle(dev, NULL, 0, &t->c);
	return t->wr[t->c.write_len - 1];
}

static void test_write_then_read_any_split(void)
{
	uint8_t data[2 * SECTOR];
	int used;

	dev = new_disk(1 << 20, false);
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	struct tc *w = mk(VIRTIO_BLK_T_OUT, 5, data, sizeof(data), 0, 100);
	EXPECT_EQ(run(w, &used), VIRTIO_BLK_S_OK);
	EXPECT_EQ(used, 1);
	/* read back across the written range's edge, 1-byte segments */
	struct tc *r = mk(VIRTIO_BLK_T_IN, 4, NULL, 0, 3 * SECTOR, 13);
	EXPECT_EQ(run(r, &used), VIRTIO_BLK_S_OK);
	EXPECT_EQ(used, 3 * SECTOR + 1);
	uint8_t zero[SECTOR] = { 0 };
	EXPECT(!memcmp(r->wr, zero, SECTOR));   /* sector 4: never written */
	EXPECT(!memcmp(r->wr + SECTOR, data, sizeof(data)));
	struct vt_blk_stats st;
	vt_blk_dev_stats(dev, &st);
	EXPECT_EQ(st.reads, 1);
	EXPECT_EQ(st.writes, 1);
	EXPECT_EQ(st.bytes_written, sizeof(data));
	EXPECT_EQ(st.bytes_read, 3 * SECTOR);
	EXPECT_EQ(st.errors, 0);
	free(w);
	free(r);
	vt_blk_dev_free(dev);
}

static void test_range_checks(void)
{
	uint8_t data[SECTOR] = { 1 };
	int used;
	struct {
		uint32_t type;
		uint64_t sector;
		uint32_t wlen, rlen;
		uint8_t want;
	} cases[] = {
		{ VIRTIO_BLK_T_IN, 2047, 0, SECTOR, VIRTIO_BLK_S_OK },          /* the last sector */
		{ VIRTIO_BLK_T_IN, 2047, 0, 2 * SECTOR, VIRTIO_BLK_S_IOERR },   /* runs past the end */
		{ VIRTIO_BLK_T_IN, 2048, 0, SECTOR, VIRTIO_BLK_S_IOERR },
		{ VIRTIO_BLK_T_IN, 2048, 0, 0, VIRTIO_BLK_S_OK },              /* nothing, at the end */
		{ VIRTIO_BLK_T_OUT, 2048, SECTOR, 0, VIRTIO_BLK_S_IOERR },
		{ VIRTIO_BLK_T_IN, UINT64_MAX, 0, SECTOR, VIRTIO_BLK_S_IOERR },   /* offset overflows */
		{ VIRTIO_BLK_T_OUT, UINT64_MAX / SECTOR + 1, SECTOR, 0, VIRTIO_BLK_S_IOERR },
		{ VIRTIO_BLK_T_IN, 0, 0, 100, VIRTIO_BLK_S_IOERR },             /* not whole sectors */
		{ VIRTIO_BLK_T_OUT, 0, 511, 0, VIRTIO_BLK_S_IOERR },
		{ VIRTIO_BLK_T_FLUSH, 0, 0, 0, VIRTIO_BLK_S_OK },
		{ VIRTIO_BLK_T_DISCARD, 0, 16, 0, VIRTIO_BLK_S_UNSUPP },
		{ 77, 0, 0, 0, VIRTIO_BLK_S_UNSUPP },
	};

	dev = new_disk(1 << 20, false);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tc *t = mk(cases[i].type, cases[i].sector, data, cases[i].wlen, cases[i].rlen, 4096);
		uint8_t st = run(t, &used);
		if (st != cases[i].want)
			printf("# case %u\n", i);
		EXPECT_EQ(st, cases[i].want);
		EXPECT_EQ(used, (int)cases[i].rlen + 1);
		if (st != VIRTIO_BLK_S_OK && cases[i].rlen)
			EXPECT_EQ(t->wr[0], 0xee);   /* nothing read into the buffer */
		free(t);
	}
	struct vt_blk_stats st;
	vt_blk_dev_stats(dev, &st);
	EXPECT_EQ(st.errors, 9);   /* 7 IOERR, 2 UNSUPP */
	vt_blk_dev_free(dev);
}

static void test_malformed_chain_gets_nothing(void)
{
	int used;

	dev = new_disk(1 << 20, false);
	/* a header of 12 bytes */
	struct tc *t = mk(VIRTIO_BLK_T_IN, 0, NULL, 0, SECTOR, 4096);
	t->c.read_len = 12;
	t->seg[0].len = 12;
	EXPECT_EQ(run(t, &used), 0xee);
	EXPECT_EQ(used, 0);
	free(t);
	/* no writable byte for the status */
	t = mk(VIRTIO_BLK_T_FLUSH, 0, NULL, 0, 0, 4096);
	t->c.nwrite = 0;
	t->c.write_len = 0;
	EXPECT_EQ(vt_model_blk.handle(dev, NULL, 0, &t->c), 0);
	EXPECT_EQ(t->wr[0], 0xee);
	free(t);
	vt_blk_dev_free(dev);
}

static void test_get_id_and_config(void)
{
	int used;
	uint8_t cfg[VIRTIO_BLK_CFG_SIZE];

	dev = new_disk(3 << 20, false);
	struct tc *t = mk(VIRTIO_BLK_T_GET_ID, 0, NULL, 0, VIRTIO_BLK_ID_BYTES, 4096);
	EXPECT_EQ(run(t, &used), VIRTIO_BLK_S_OK);
	EXPECT(!memcmp(t->wr, "disk-7\0\0\0\0\0\0\0\0\0\0\0\0\0\0", VIRTIO_BLK_ID_BYTES));
	free(t);
	/* a 4-byte buffer gets 4 bytes, no more */
	t = mk(VIRTIO_BLK_T_GET_ID, 0, NULL, 0, 4, 4096);
	EXPECT_EQ(run(t, &used), VIRTIO_BLK_S_OK);
	EXPECT(!memcmp(t->wr, "disk", 4));
	EXPECT_EQ(used, 5);
	free(t);
	EXPECT_EQ(vt_model_blk.config_size, VIRTIO_BLK_CFG_SIZE);
	vt_model_blk.get_config(dev, 0, cfg, sizeof(cfg));
	EXPECT_EQ(vt_ld_le64(cfg + VIRTIO_BLK_CFG_CAPACITY), 3 * 2048);
	EXPECT_EQ(vt_ld_le32(cfg + VIRTIO_BLK_CFG_BLK_SIZE), SECTOR);
	EXPECT(vt_ld_le32(cfg + VIRTIO_BLK_CFG_SEG_MAX) > 0);
	EXPECT(vt_model_blk.features & VT_BIT(VIRTIO_BLK_F_FLUSH));
	vt_blk_dev_free(dev);
}

static void test_null_stores_nothing(void)
{
	uint8_t data[SECTOR];
	int used;

	memset(data, 0x5a, sizeof(data));
	dev = new_disk(UINT64_C(1) << 40, true);   /* no memory behind it */
	struct tc *w = mk(VIRTIO_BLK_T_OUT, 9, data, sizeof(data), 0, 4096);
	EXPECT_EQ(run(w, &used), VIRTIO_BLK_S_OK);
	struct tc *r = mk(VIRTIO_BLK_T_IN, 9, NULL, 0, SECTOR, 4096);
	EXPECT_EQ(run(r, &used), VIRTIO_BLK_S_OK);
	EXPECT_EQ(r->wr[0], 0xee);   /* the buffer as the driver gave it */
	struct tc *far = mk(VIRTIO_BLK_T_IN, (UINT64_C(1) << 40) / SECTOR, NULL, 0, SECTOR, 4096);
	EXPECT_EQ(run(far, &used), VIRTIO_BLK_S_IOERR);   /* still a disk of that size */
	free(w);
	free(r);
	free(far);
	vt_blk_dev_free(dev);
}

int main(void)
{
	RUN(test_write_then_read_any_split);
	RUN(test_range_checks);
	RUN(test_malformed_chain_gets_nothing);
	RUN(test_get_id_and_config);
	RUN(test_null_stores_nothing);
	return tap_done();
}
