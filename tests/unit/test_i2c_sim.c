/* Simulated I2C bus: target specs and the EEPROM / register file rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/i2c_bus.h"
#include "tap.h"
#include "util/log.h"

static char err[256];

static struct vt_i2c_bus *bus_with(const char *spec)
{
	struct vt_i2c_bus *bus = vt_i2c_sim_new();
	err[0] = '\0';
	if (spec && vt_i2c_sim_add_target(bus, spec, err, sizeof(err)) < 0)
		printf("# add_target(%s): %s\n", spec, err);
	return bus;
}

static unsigned wr(struct vt_i2c_bus *bus, uint16_t addr, const uint8_t *d, uint32_t n)
{
	struct vt_i2c_msg m = { .addr = addr, .read = false, .len = n, .buf = (uint8_t *)d };
	return vt_i2c_xfer(bus, &m, 1);
}

static unsigned rd(struct vt_i2c_bus *bus, uint16_t addr, uint8_t *d, uint32_t n)
{
	struct vt_i2c_msg m = { .addr = addr, .read = true, .len = n, .buf = d };
	return vt_i2c_xfer(bus, &m, 1);
}

/* Write word address then read, as one combined transfer. */
static unsigned wr_rd(struct vt_i2c_bus *bus, uint16_t addr, const uint8_t *a, uint32_t alen,
		      uint8_t *d, uint32_t n)
{
	struct vt_i2c_msg m[2] = {
		{ .addr = addr, .read = false, .len = alen, .buf = (uint8_t *)a },
		{ .addr = addr, .read = true, .len = n, .buf = d },
	};
	return vt_i2c_xfer(bus, m, 2);
}

static void test_erased_and_seq_read_wrap(void)
{
	struct vt_i2c_bus *bus = bus_with("0x50=24c02");
	uint8_t a = 0xfe, d[4];
	EXPECT_EQ(wr_rd(bus, 0x50, &a, 1, d, 4), 2);
	EXPECT_EQ(d[0], 0xff);
	/* write 0xaa at 0x00, then read from 0xfe: ff ff aa (wrapped) */
	uint8_t w[2] = { 0x00, 0xaa };
	EXPECT_EQ(wr(bus, 0x50, w, 2), 1);
	EXPECT_EQ(wr_rd(bus, 0x50, &a, 1, d, 4), 2);
	EXPECT_EQ(d[0], 0xff);
	EXPECT_EQ(d[1], 0xff);
	EXPECT_EQ(d[2], 0xaa);
	EXPECT_EQ(d[3], 0xff);
	vt_i2c_bus_destroy(bus);
}

static void test_24c02_page_wrap(void)
{
	struct vt_i2c_bus *bus = bus_with("0x50=24c02");
	/* 4 bytes at 0x06: 0x06, 0x07, then wrap to 0x00, 0x01 of the page */
	uint8_t w[5] = { 0x06, 1, 2, 3, 4 };
	EXPECT_EQ(wr(bus, 0x50, w, 5), 1);
	uint8_t a = 0x00, d[10];
	EXPECT_EQ(wr_rd(bus, 0x50, &a, 1, d, 10), 2);
	EXPECT_EQ(d[0], 3);
	EXPECT_EQ(d[1], 4);
	EXPECT_EQ(d[2], 0xff);
	EXPECT_EQ(d[6], 1);
	EXPECT_EQ(d[7], 2);
	EXPECT_EQ(d[8], 0xff);  /* next page untouched */
	vt_i2c_bus_destroy(bus);
}

static void test_address_set_then_read(void)
{
	struct vt_i2c_bus *bus = bus_with("0x50=24c02");
	uint8_t w[4] = { 0x10, 0x11, 0x22, 0x33 };
	EXPECT_EQ(wr(bus, 0x50, w, 4), 1);
	/* separate messages: set address (write of just the word address) */
	uint8_t a = 0x11, d[2];
	EXPECT_EQ(wr(bus, 0x50, &a, 1), 1);
	EXPECT_EQ(rd(bus, 0x50, d, 1), 1);
	EXPECT_EQ(d[0], 0x22);
	/* a read with no address continues from the current address */
	EXPECT_EQ(rd(bus, 0x50, d, 1), 1);
	EXPECT_EQ(d[0], 0x33);
	vt_i2c_bus_destroy(bus);
}

static void test_24c32(void)
{
	struct vt_i2c_bus *bus = bus_with("0x51=24c32");
	/* two-byte address 0x0123, masked to 12 bits from 0xf123 */
	uint8_t w[4] = { 0xf1, 0x23, 0xab, 0xcd };
	EXPECT_EQ(wr(bus, 0x51, w, 4), 1);
	uint8_t a[2] = { 0x01, 0x23 }, d[2];
	EXPECT_EQ(wr_rd(bus, 0x51, a, 2, d, 2), 2);
	EXPECT_EQ(d[0], 0xab);
	EXPECT_EQ(d[1], 0xcd);
	/* page wrap: 32-byte pages, write 3 bytes at 0x03f ->0x03f, 0x020, 0x021 */
	uint8_t w2[5] = { 0x00, 0x3f, 7, 8, 9 };
	EXPECT_EQ(wr(bus, 0x51, w2, 5), 1);
	uint8_t a2[2] = { 0x00, 0x20 }, d2[32];
	EXPECT_EQ(wr_rd(bus, 0x51, a2, 2, d2, 32), 2);
	EXPECT_EQ(d2[0], 8);
	EXPECT_EQ(d2[1], 9);
	EXPECT_EQ(d2[2], 0xff);
	EXPECT_EQ(d2[31], 7);
	/* sequential read wraps at 4 KiB */
	uint8_t a3[2] = { 0x0f, 0xff }, d3[2];
	uint8_t w3[3] = { 0x00, 0x00, 0x5a };
	EXPECT_EQ(wr(bus, 0x51, w3, 3), 1);
	EXPECT_EQ(wr_rd(bus, 0x51, a3, 2, d3, 2), 2);
	EXPECT_EQ(d3[0], 0xff);
	EXPECT_EQ(d3[1], 0x5a);
	/* partial word address: sets the high byte, keeps the low byte */
	EXPECT_EQ(wr(bus, 0x51, (uint8_t[]){ 0x01, 0x24, 0x77 }, 3), 1);
	EXPECT_EQ(wr(bus, 0x51, (uint8_t[]){ 0x00, 0x24, 0x66 }, 3), 1);
	EXPECT_EQ(wr(bus, 0x51, (uint8_t[]){ 0x01, 0x24 }, 2), 1);  /* cur = 0x124 */
	EXPECT_EQ(wr(bus, 0x51, (uint8_t[]){ 0x00 }, 1), 1);        /* cur = 0x024 */
	EXPECT_EQ(rd(bus, 0x51, d, 1), 1);
	EXPECT_EQ(d[0], 0x66);
	EXPECT_EQ(wr(bus, 0x51, (uint8_t[]){ 0x00, 0x24 }, 2), 1);  /* cur = 0x024 */
	EXPECT_EQ(wr(bus, 0x51, (uint8_t[]){ 0x01 }, 1), 1);        /* cur = 0x124 */
	EXPECT_EQ(rd(bus, 0x51, d, 1), 1);
	EXPECT_EQ(d[0], 0x77);
	vt_i2c_bus_destroy(bus);
}

static void test_regs(void)
{
	struct vt_i2c_bus *bus = bus_with("0x20=regs");
	uint8_t r = 0x05, d[4];
	EXPECT_EQ(wr_rd(bus, 0x20, &r, 1, d, 1), 2);
	EXPECT_EQ(d[0], 0x00);
	/* auto-increment write wrapping at 256: regs 0xfe, 0xff, 0x00 */
	uint8_t w[4] = { 0xfe, 1, 2, 3 };
	EXPECT_EQ(wr(bus, 0x20, w, 4), 1);
	r = 0xfe;
	EXPECT_EQ(wr_rd(bus, 0x20, &r, 1, d, 4), 2);
	EXPECT_EQ(d[0], 1);
	EXPECT_EQ(d[1], 2);
	EXPECT_EQ(d[2], 3);
	EXPECT_EQ(d[3], 0);
	/* reads auto-increment: continue from 0x02 */
	EXPECT_EQ(rd(bus, 0x20, d, 1), 1);
	EXPECT_EQ(d[0], 0);
	/* no page wrap for registers: 10 bytes from 0x06 */
	uint8_t w2[11] = { 0x06, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	EXPECT_EQ(wr(bus, 0x20, w2, 11), 1);
	r = 0x0f;
	EXPECT_EQ(wr_rd(bus, 0x20, &r, 1, d, 1), 2);
	EXPECT_EQ(d[0], 10);
	vt_i2c_bus_destroy(bus);
}

static void test_file_seed(void)
{
	char path[] = "/tmp/vt-i2c-simXXXXXX";
	int fd = mkstemp(path);
	EXPECT(fd >= 0);
	uint8_t img[3] = { 0x11, 0x22, 0x33 };
	EXPECT_EQ(write(fd, img, 3), 3);
	close(fd);

	char spec[128];
	snprintf(spec, sizeof(spec), "0x50=24c02:file=%s", path);
	struct vt_i2c_bus *bus = bus_with(spec);
	EXPECT_EQ(err[0], '\0');
	uint8_t a = 0, d[4];
	EXPECT_EQ(wr_rd(bus, 0x50, &a, 1, d, 4), 2);
	EXPECT_EQ(d[0], 0x11);
	EXPECT_EQ(d[2], 0x33);
	EXPECT_EQ(d[3], 0xff);  /* short file: the rest stays erased */
	snprintf(spec, sizeof(spec), "0x20=regs:file=%s", path);
	EXPECT_EQ(vt_i2c_sim_add_target(bus, spec, err, sizeof(err)), 0);
	EXPECT_EQ(wr_rd(bus, 0x20, &a, 1, d, 4), 2);
	EXPECT_EQ(d[1], 0x22);
	EXPECT_EQ(d[3], 0x00);
	vt_i2c_bus_destroy(bus);

	/* larger than the part */
	FILE *f = fopen(path, "wb");
	for (int i = 0; i < 300; i++)
		fputc(i, f);
	fclose(f);
	bus = vt_i2c_sim_new();
	snprintf(spec, sizeof(spec), "0x50=24c02:file=%s", path);
	EXPECT_EQ(vt_i2c_sim_add_target(bus, spec, err, sizeof(err)), -2);
	EXPECT_STR_HAS(err, "larger than the 256 bytes of a 24c02");
	snprintf(spec, sizeof(spec), "0x50=24c32:file=%s", path);
	EXPECT_EQ(vt_i2c_sim_add_target(bus, spec, err, sizeof(err)), 0);
	unlink(path);

	EXPECT_EQ(vt_i2c_sim_add_target(bus, "0x51=24c02:file=/nonexistent/e.bin", err,
					sizeof(err)), -2);
	EXPECT_STR_HAS(err, "/nonexistent/e.bin: No such file or directory");
	vt_i2c_bus_destroy(bus);
}

static void test_absent_and_probe(void)
{
	struct vt_i2c_bus *bus = bus_with("0x50=24c02");
	EXPECT_EQ(wr(bus, 0x50, NULL, 0), 1);   /* zero-length probe: ACK */
	EXPECT_EQ(rd(bus, 0x50, NULL, 0), 1);
	EXPECT_EQ(wr(bus, 0x51, NULL, 0), 0);   /* NACK */
	uint8_t d[1];
	EXPECT_EQ(rd(bus, 0x7f, d, 1), 0);
	/* xfer stops at the first absent address */
	uint8_t a = 0;
	struct vt_i2c_msg m[3] = {
		{ .addr = 0x50, .len = 1, .buf = &a },
		{ .addr = 0x52, .read = true, .len = 1, .buf = d },
		{ .addr = 0x50, .read = true, .len = 1, .buf = d },
	};
	EXPECT_EQ(vt_i2c_xfer(bus, m, 3), 1);
	vt_i2c_bus_destroy(bus);
}

static void test_bad_specs(void)
{
	struct vt_i2c_bus *bus = bus_with("0x50=24c02");
	struct { const char *spec, *msg; } bad[] = {
		{ "0x50", "0x50: expected ADDR=MODEL[:file=PATH]" },
		{ "0x02=24c02", "0x02=24c02: address must be 0x03-0x77" },
		{ "0x78=regs", "0x78=regs: address must be 0x03-0x77" },
		{ "zz=regs", "zz=regs: address must be 0x03-0x77" },
		{ "0x50=regs", "0x50=regs: address 0x50 already has a target" },
		{ "0x51=24c08", "0x51=24c08: unknown model \"24c08\" (24c02, 24c32, regs)" },
		{ "0x51=regs:size=3", "0x51=regs:size=3: unknown option \"size=3\" (expected file=PATH)" },
		{ "0x51=regs:file=", "unknown option \"file=\"" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		EXPECT_EQ(vt_i2c_sim_add_target(bus, bad[i].spec, err, sizeof(err)), -1);
		EXPECT_STR_HAS(err, bad[i].msg);
	}
	EXPECT_EQ(vt_i2c_sim_add_target(bus, "3=regs", err, sizeof(err)), 0);
	EXPECT_EQ(vt_i2c_sim_add_target(bus, "0x77=24c32", err, sizeof(err)), 0);
	EXPECT_EQ(wr(bus, 0x03, NULL, 0), 1);
	EXPECT_EQ(wr(bus, 0x77, NULL, 0), 1);
	EXPECT(strcmp(vt_i2c_sim_models[0], "24c02") == 0);
	EXPECT(vt_i2c_sim_models[3] == NULL);
	vt_i2c_bus_destroy(bus);
}

int main(void)
{
	vt_log_set_quiet(1);
	RUN(test_erased_and_seq_read_wrap);
	RUN(test_24c02_page_wrap);
	RUN(test_address_set_then_read);
	RUN(test_24c32);
	RUN(test_regs);
	RUN(test_file_seed);
	RUN(test_absent_and_probe);
	RUN(test_bad_specs);
	return tap_done();
}
