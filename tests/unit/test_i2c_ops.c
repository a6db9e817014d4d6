/* i2ctransfer-style word parser: good shapes and the exact error texts. */
#include <stdlib.h>
#include <string.h>

#include "drivers/i2c.h"
#include "tap.h"
#include "util/log.h"

static char err[256];
static struct vt_i2c_xfer x;

/* Splits a line into words (modifies a copy) and parses it. */
static int parse(const char *line)
{
	static char buf[1024];
	char *words[200];
	unsigned n = 0;
	strncpy(buf, line, sizeof(buf) - 1);
	for (char *t = strtok(buf, " "); t && n < 200; t = strtok(NULL, " "))
		words[n++] = t;
	err[0] = '\0';
	vt_i2c_xfer_free(&x);
	return vt_i2c_parse_ops(words, n, &x, err, sizeof(err));
}

static void test_good(void)
{
	EXPECT_EQ(parse("w2@0x50 0x00 0x10 r8@0x50 r4"), 0);
	EXPECT_EQ(x.n, 3);
	EXPECT_EQ(x.op[0].addr, 0x50);
	EXPECT(!x.op[0].read);
	EXPECT_EQ(x.op[0].len, 2);
	EXPECT_EQ(x.op[0].data[0], 0x00);
	EXPECT_EQ(x.op[0].data[1], 0x10);
	EXPECT(x.op[1].read);
	EXPECT_EQ(x.op[1].len, 8);
	EXPECT(x.op[1].data != NULL);
	EXPECT_EQ(x.op[2].addr, 0x50);   /* inherited */
	EXPECT_EQ(x.op[2].len, 4);

	EXPECT_EQ(parse("w0@0x50"), 0);
	EXPECT_EQ(x.n, 1);
	EXPECT_EQ(x.op[0].len, 0);
	EXPECT(x.op[0].data == NULL);

	EXPECT_EQ(parse("w3@0x20 1 255 017 r1@0 r0@127"), 0);
	EXPECT_EQ(x.op[0].data[1], 255);
	EXPECT_EQ(x.op[0].data[2], 15);   /* leading 0: octal, like strtol base 0 */
	EXPECT_EQ(x.op[1].addr, 0);
	EXPECT_EQ(x.op[2].addr, 127);

	EXPECT_EQ(parse("r65535@0x50"), 0);
	EXPECT_EQ(x.op[0].len, 65535);
}

static void test_bad(void)
{
	struct { const char *line, *msg; } bad[] = {
		{ "w2@0x50 0x00", "w2@0x50: expected 2 data bytes, got 1" },
		{ "w2@0x50 0x00 r1", "w2@0x50: expected 2 data bytes, got 1" },
		{ "x3@0x50", "x3@0x50: expected rLEN[@ADDR] or wLEN[@ADDR]" },
		{ "r1@0x80", "r1@0x80: address must be 0x00-0x7f" },
		{ "r1@zz", "r1@zz: address must be 0x00-0x7f" },
		{ "r1@", "r1@: address must be 0x00-0x7f" },
		{ "r8", "r8: no address (give the first message one: r8@ADDR)" },
		{ "r65536@0x50", "r65536@0x50: length must be 0-65535" },
		{ "rx@0x50", "rx@0x50: expected rLEN[@ADDR] or wLEN[@ADDR]" },
		{ "r@0x50", "r@0x50: expected rLEN[@ADDR] or wLEN[@ADDR]" },
		{ "w1@0x50 0x100", "w1@0x50: data byte \"0x100\" is not 0-255" },
		{ "w1@0x50 abc", "w1@0x50: data byte \"abc\" is not 0-255" },
		{ "w1@0x50 1 2", "2: expected rLEN[@ADDR] or wLEN[@ADDR]" },
		{ "", "no messages" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(parse(bad[i].line), -1);
		EXPECT_STR_HAS(err, bad[i].msg);
	}
}

static void test_too_many(void)
{
	char line[1024] = "";
	for (int i = 0; i < VT_I2C_MAX_OPS + 1; i++)
		strcat(line, i ? " r1" : "r1@0x50");
	EXPECT_EQ(parse(line), -1);
	EXPECT_STR_HAS(err, "r1: too many messages (at most 64)");
	EXPECT_EQ(x.n, VT_I2C_MAX_OPS);  /* freed by vt_i2c_xfer_free */
}

int main(void)
{
	vt_log_set_quiet(1);
	RUN(test_good);
	RUN(test_bad);
	RUN(test_too_many);
	vt_i2c_xfer_free(&x);
	return tap_done();
}
