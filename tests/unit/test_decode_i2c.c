/* virtio-i2c decoder: one-line summaries of requests and completions, built
 * from chains pointing into local buffers. */
#include <string.h>

#include "decode/decode.h"
#include "tap.h"
#include "util/bytes.h"
#include "util/log.h"
#include "virtio/virtio.h"
#include "virtio/virtio_i2c.h"

struct req {
	uint8_t hdr[8];
	uint8_t data[64];
	uint8_t status;
	struct vt_seg seg[3];
	struct vt_chain c;
};

/* hdr + optional data (readable for a write, writable for a read) + status */
static void build(struct req *r, uint16_t addr7, uint32_t flags, uint32_t len, bool with_status)
{
	memset(r, 0, sizeof(*r));
	vt_st_le16(r->hdr, (uint16_t)(addr7 << 1));
	vt_st_le32(r->hdr + 4, flags);
	bool rd = flags & VIRTIO_I2C_FLAGS_M_RD;
	unsigned n = 0;
	r->seg[n++] = (struct vt_seg){ .ptr = r->hdr, .len = 8 };
	r->c.nread = 1;
	r->c.read_len = 8;
	for (unsigned i = 0; i < sizeof(r->data); i++)
		r->data[i] = (uint8_t)(i + 1);
	if (len && !rd) {
		r->seg[n++] = (struct vt_seg){ .ptr = r->data, .len = len };
		r->c.nread++;
		r->c.read_len += len;
	}
	if (len && rd) {
		r->seg[n++] = (struct vt_seg){ .ptr = r->data, .len = len, .writable = true };
		r->c.nwrite++;
		r->c.write_len += len;
	}
	if (with_status) {
		r->seg[n++] = (struct vt_seg){ .ptr = &r->status, .len = 1, .writable = true };
		r->c.nwrite++;
		r->c.write_len += 1;
	}
	r->c.seg = r->seg;
}

static const char *sum(struct req *r, bool completed, uint32_t used)
{
	static struct vt_sb sb;
	vt_sb_init(&sb);
	vt_decoder_i2c.summary(&sb, 0, &r->c, completed, used);
	return vt_sb_str(&sb);
}

static void test_find(void)
{
	EXPECT(vt_decoder_find(VIRTIO_ID_I2C) == &vt_decoder_i2c);
	EXPECT(vt_decoder_find(12345) == &vt_decoder_hex);
	EXPECT(strcmp(vt_decoder_find(VIRTIO_ID_I2C)->name, "i2c") == 0);
}

static void test_tok2str(void)
{
	static const struct vt_tok t[] = { { 1, "one" }, { 2, "two" }, { 0, NULL } };
	EXPECT(strcmp(vt_tok2str(t, "type-%u", 2), "two") == 0);
	EXPECT(strcmp(vt_tok2str(t, "type-%u", 7), "type-7") == 0);
}

static void test_requests(void)
{
	struct req r;
	build(&r, 0x50, VIRTIO_I2C_FLAGS_FAIL_NEXT, 2, true);
	r.data[0] = 0x00;
	r.data[1] = 0x10;
	EXPECT(strcmp(sum(&r, false, 0), "0x50 write 2 [00 10] fail-next") == 0);
	EXPECT_STR_HAS(sum(&r, false, 0), "0x50 write 2 [00 10] fail-next");

	build(&r, 0x50, VIRTIO_I2C_FLAGS_M_RD, 8, true);
	EXPECT(strcmp(sum(&r, false, 0), "0x50 read 8") == 0);

	build(&r, 0x50, 0, 0, true);
	EXPECT(strcmp(sum(&r, false, 0), "0x50 probe") == 0);

	build(&r, 0x50, VIRTIO_I2C_FLAGS_M_RD, 0, true);
	EXPECT(strcmp(sum(&r, false, 0), "0x50 read 0") == 0);

	build(&r, 0x23, VIRTIO_I2C_FLAGS_M_RD | 0x10, 1, true);
	EXPECT(strcmp(sum(&r, false, 0), "0x23 read 1 flags 0x10") == 0);

	/* 10-bit / stray bits are shown raw */
	build(&r, 0, 0, 0, true);
	vt_st_le16(r.hdr, 0x7801);
	EXPECT(strcmp(sum(&r, false, 0), "addr 0x7801 probe") == 0);

	/* long write: 32 bytes shown then "..." */
	build(&r, 0x50, 0, 40, true);
	EXPECT_STR_HAS(sum(&r, false, 0), "0x50 write 40 [01 02 03");
	EXPECT_STR_HAS(sum(&r, false, 0), " 1f 20 ...]");
}

static void test_completions(void)
{
	struct req r;
	build(&r, 0x50, VIRTIO_I2C_FLAGS_M_RD, 3, true);
	r.status = VIRTIO_I2C_MSG_OK;
	EXPECT(strcmp(sum(&r, true, 4), "0x50 read 3 -> OK [01 02 03]") == 0);
	r.status = VIRTIO_I2C_MSG_ERR;
	EXPECT(strcmp(sum(&r, true, 4), "0x50 read 3 -> ERR") == 0);
	r.status = 7;
	EXPECT(strcmp(sum(&r, true, 4), "0x50 read 3 -> status-7") == 0);

	build(&r, 0x50, VIRTIO_I2C_FLAGS_M_RD, 40, true);
	EXPECT_STR_HAS(sum(&r, true, 41), "-> OK [01 02");
	EXPECT_STR_HAS(sum(&r, true, 41), " 20 ...]");

	build(&r, 0x51, 0, 0, true);
	r.status = VIRTIO_I2C_MSG_ERR;
	EXPECT(strcmp(sum(&r, true, 1), "0x51 probe -> ERR") == 0);
	EXPECT(strcmp(sum(&r, true, 0), "0x51 probe -> used 0") == 0);

	build(&r, 0x50, VIRTIO_I2C_FLAGS_FAIL_NEXT, 1, true);
	EXPECT(strcmp(sum(&r, true, 1), "0x50 write 1 [01] fail-next -> OK") == 0);
}

static void test_malformed(void)
{
	struct req r;
	build(&r, 0x50, 0, 0, true);
	r.seg[0].len = 5;
	r.c.read_len = 5;
	EXPECT(strcmp(sum(&r, false, 0), "malformed: header 5 bytes [|]") == 0);
	EXPECT(strcmp(sum(&r, true, 0), "malformed: header 5 bytes [|]") == 0);

	build(&r, 0x50, 0, 2, false);
	EXPECT(strcmp(sum(&r, false, 0), "0x50 write 2 [01 02] malformed: no status byte [|]") == 0);

	/* header split over two segments reads as one stream */
	uint8_t a[3], b[5];
	build(&r, 0x50, VIRTIO_I2C_FLAGS_M_RD, 0, true);
	memcpy(a, r.hdr, 3);
	memcpy(b, r.hdr + 3, 5);
	struct vt_seg segs[3] = { { .ptr = a, .len = 3 }, { .ptr = b, .len = 5 }, r.seg[1] };
	r.c.seg = segs;
	r.c.nread = 2;
	EXPECT(strcmp(sum(&r, false, 0), "0x50 read 0") == 0);
}

static void test_hex(void)
{
	struct req r;
	struct vt_sb sb;
	build(&r, 0x50, 0, 2, true);
	r.status = 0;
	vt_sb_init(&sb);
	vt_decoder_hex.summary(&sb, 0, &r.c, false, 0);
	EXPECT(strcmp(vt_sb_str(&sb), "read 10 write 1 [a0 00 00 00 00 00 00 00 01 02]") == 0);
	vt_sb_init(&sb);
	vt_decoder_hex.summary(&sb, 0, &r.c, true, 1);
	EXPECT_STR_HAS(vt_sb_str(&sb), "-> used 1 [00]");
}

int main(void)
{
	vt_log_set_quiet(1);
	RUN(test_find);
	RUN(test_tok2str);
	RUN(test_requests);
	RUN(test_completions);
	RUN(test_malformed);
	RUN(test_hex);
	return tap_done();
}
