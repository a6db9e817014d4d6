/* virtio-gpio decoder: one-line summaries of requestq messages and eventq
 * buffers, built from chains pointing into local buffers. */
#include <string.h>

#include "decode/decode.h"
#include "virtio/virtio_gpio.h"
#include "hw/gpio_chip.h"
#include "tap.h"
#include "util/bytes.h"
#include "util/log.h"
#include "virtio/virtio.h"

struct msg {
	uint8_t req[8];
	uint8_t resp[128];
	struct vt_seg seg[2];
	struct vt_chain c;
};

/* requestq: rlen readable bytes of req (8 normally), wlen writable */
static void build(struct msg *m, uint16_t type, uint16_t line, uint32_t value, uint32_t rlen, uint32_t wlen)
{
	memset(m, 0, sizeof(*m));
	vt_st_le16(m->req, type);
	vt_st_le16(m->req + 2, line);
	vt_st_le32(m->req + 4, value);
	unsigned n = 0;
	if (rlen) {
		m->seg[n++] = (struct vt_seg){ .ptr = m->req, .len = rlen };
		m->c.nread = 1;
		m->c.read_len = rlen;
	}
	if (wlen) {
		m->seg[n++] = (struct vt_seg){ .ptr = m->resp, .len = wlen, .writable = true };
		m->c.nwrite = 1;
		m->c.write_len = wlen;
	}
	m->c.seg = m->seg;
}

/* eventq: le16 gpio (rlen bytes of it), wlen status bytes */
static void build_ev(struct msg *m, uint16_t line, uint32_t rlen, uint32_t wlen)
{
	build(m, line, 0, 0, rlen, wlen);
}

static const char *sum(struct msg *m, unsigned q, bool completed, uint32_t used)
{
	static struct vt_sb sb;
	vt_sb_init(&sb);
	vt_decoder_gpio.summary(&sb, q, &m->c, completed, used);
	return vt_sb_str(&sb);
}

static void expect_sum(struct msg *m, unsigned q, bool completed, uint32_t used, const char *want)
{
	const char *got = sum(m, q, completed, used);
	if (strcmp(got, want) != 0)
		printf("#   got \"%s\"\n#  want \"%s\"\n", got, want);
	EXPECT(strcmp(got, want) == 0);
}

static void test_names_tables(void)
{
	EXPECT(strcmp(vt_gpio_msg_name(VIRTIO_GPIO_MSG_GET_LINE_NAMES), "GET_LINE_NAMES") == 0);
	EXPECT(strcmp(vt_gpio_msg_name(VIRTIO_GPIO_MSG_SET_IRQ_TYPE), "SET_IRQ_TYPE") == 0);
	EXPECT(vt_gpio_msg_name(0) == NULL);
	EXPECT(vt_gpio_msg_name(7) == NULL);
	EXPECT(strcmp(vt_gpio_irq_type_name(VIRTIO_GPIO_IRQ_TYPE_NONE), "none") == 0);
	EXPECT(strcmp(vt_gpio_irq_type_name(VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH), "edge-both") == 0);
	EXPECT(strcmp(vt_gpio_irq_type_name(VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW), "level-low") == 0);
	EXPECT(vt_gpio_irq_type_name(5) == NULL);
	EXPECT(strcmp(vt_decoder_gpio.name, "gpio") == 0);
	EXPECT_EQ(vt_decoder_gpio.virtio_id, VIRTIO_ID_GPIO);
}

static void test_requests(void)
{
	struct msg m;
	build(&m, VIRTIO_GPIO_MSG_GET_VALUE, 3, 0, 8, 2);
	expect_sum(&m, 0, false, 0, "GET_VALUE line 3");
	build(&m, VIRTIO_GPIO_MSG_SET_VALUE, 3, 1, 8, 2);
	expect_sum(&m, 0, false, 0, "SET_VALUE line 3 = 1");
	build(&m, VIRTIO_GPIO_MSG_SET_DIRECTION, 3, VT_GPIO_DIR_OUT, 8, 2);
	expect_sum(&m, 0, false, 0, "SET_DIRECTION line 3 out");
	build(&m, VIRTIO_GPIO_MSG_SET_DIRECTION, 3, VT_GPIO_DIR_IN, 8, 2);
	expect_sum(&m, 0, false, 0, "SET_DIRECTION line 3 in");
	build(&m, VIRTIO_GPIO_MSG_SET_DIRECTION, 3, 7, 8, 2);
	expect_sum(&m, 0, false, 0, "SET_DIRECTION line 3 dir-7");
	build(&m, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 3, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH, 8, 2);
	expect_sum(&m, 0, false, 0, "SET_IRQ_TYPE line 3 edge-both");
	build(&m, VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 3, 5, 8, 2);
	expect_sum(&m, 0, false, 0, "SET_IRQ_TYPE line 3 irq-type-5");
	build(&m, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, 8, 9);
	expect_sum(&m, 0, false, 0, "GET_LINE_NAMES");
	build(&m, VIRTIO_GPIO_MSG_GET_DIRECTION, 3, 0, 8, 2);
	expect_sum(&m, 0, false, 0, "GET_DIRECTION line 3");
	build(&m, 9, 3, 0, 8, 2);
	expect_sum(&m, 0, false, 0, "type 9 line 3");
	/* a response buffer of the wrong size is pointed out */
	build(&m, VIRTIO_GPIO_MSG_GET_VALUE, 3, 0, 8, 3);
	expect_sum(&m, 0, false, 0, "GET_VALUE line 3 resp-buf 3");
}

static void test_completions(void)
{
	struct msg m;
	build(&m, VIRTIO_GPIO_MSG_GET_VALUE, 3, 0, 8, 2);
	m.resp[0] = VIRTIO_GPIO_STATUS_OK;
	m.resp[1] = 1;
	expect_sum(&m, 0, true, 2, "GET_VALUE line 3 -> OK value 1");
	build(&m, VIRTIO_GPIO_MSG_GET_DIRECTION, 3, 0, 8, 2);
	m.resp[1] = VT_GPIO_DIR_OUT;
	expect_sum(&m, 0, true, 2, "GET_DIRECTION line 3 -> OK out");
	build(&m, VIRTIO_GPIO_MSG_SET_VALUE, 3, 1, 8, 2);
	expect_sum(&m, 0, true, 2, "SET_VALUE line 3 = 1 -> OK");
	build(&m, VIRTIO_GPIO_MSG_SET_VALUE, 3, 2, 8, 2);
	m.resp[0] = VIRTIO_GPIO_STATUS_ERR;
	expect_sum(&m, 0, true, 2, "SET_VALUE line 3 = 2 -> ERR");
	build(&m, VIRTIO_GPIO_MSG_GET_VALUE, 3, 0, 8, 2);
	m.resp[0] = VIRTIO_GPIO_STATUS_ERR;
	expect_sum(&m, 0, true, 2, "GET_VALUE line 3 -> ERR");
	build(&m, VIRTIO_GPIO_MSG_GET_VALUE, 3, 0, 8, 2);
	m.resp[0] = 7;
	expect_sum(&m, 0, true, 2, "GET_VALUE line 3 -> status-7");
	/* the device refused the buffers */
	build(&m, VIRTIO_GPIO_MSG_GET_VALUE, 3, 0, 8, 3);
	expect_sum(&m, 0, true, 0, "GET_VALUE line 3 resp-buf 3 -> used 0");
	/* an odd used length is shown */
	build(&m, VIRTIO_GPIO_MSG_GET_VALUE, 3, 0, 8, 2);
	expect_sum(&m, 0, true, 1, "GET_VALUE line 3 -> OK used 1");
}

static void test_line_names(void)
{
	struct msg m;
	static const char block[] = "reset\0led\0\0button";   /* + final NUL: 18 bytes */
	build(&m, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, 8, 1 + sizeof(block));
	m.resp[0] = VIRTIO_GPIO_STATUS_OK;
	memcpy(m.resp + 1, block, sizeof(block));
	expect_sum(&m, 0, true, 1 + sizeof(block), "GET_LINE_NAMES -> OK 4 names [reset led \"\" button]");

	/* more than 8 names: the first 8, then ... */
	char big[64];
	size_t off = 0;
	for (int i = 0; i < 10; i++) {
		big[off++] = (char)('a' + i);
		big[off++] = '\0';
	}
	build(&m, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, 8, 1 + (uint32_t)off);
	memcpy(m.resp + 1, big, off);
	expect_sum(&m, 0, true, 1 + (uint32_t)off, "GET_LINE_NAMES -> OK 10 names [a b c d e f g h ...]");

	/* a block without its final NUL */
	build(&m, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, 8, 5);
	memcpy(m.resp + 1, "a\0bc", 4);
	expect_sum(&m, 0, true, 5, "GET_LINE_NAMES -> OK 1 name [a] unterminated");

	/* ERR: no names shown */
	build(&m, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, 8, 1);
	m.resp[0] = VIRTIO_GPIO_STATUS_ERR;
	expect_sum(&m, 0, true, 1, "GET_LINE_NAMES -> ERR");

	/* a long name is cut */
	build(&m, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, 8, 1 + 41);
	memset(m.resp + 1, 'x', 40);
	m.resp[41] = 0;
	const char *s = sum(&m, 0, true, 42);
	EXPECT_STR_HAS(s, "1 name [xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...]");
}

static void test_eventq(void)
{
	struct msg m;
	build_ev(&m, 3, 2, 1);
	expect_sum(&m, 1, false, 0, "irq line 3 armed");
	m.resp[0] = VIRTIO_GPIO_IRQ_STATUS_VALID;
	expect_sum(&m, 1, true, 1, "irq line 3 armed -> VALID");
	m.resp[0] = VIRTIO_GPIO_IRQ_STATUS_INVALID;
	expect_sum(&m, 1, true, 1, "irq line 3 armed -> INVALID");
	expect_sum(&m, 1, true, 0, "irq line 3 armed -> used 0");
	build_ev(&m, 3, 2, 2);
	expect_sum(&m, 1, false, 0, "irq line 3 armed resp-buf 2");
}

static void test_truncation(void)
{
	struct msg m;
	build(&m, VIRTIO_GPIO_MSG_GET_VALUE, 3, 0, 5, 2);
	expect_sum(&m, 0, false, 0, "malformed: header 5 bytes [|]");
	build(&m, VIRTIO_GPIO_MSG_GET_VALUE, 3, 0, 0, 2);
	expect_sum(&m, 0, true, 2, "malformed: header 0 bytes [|]");
	build(&m, VIRTIO_GPIO_MSG_GET_VALUE, 3, 0, 8, 0);
	expect_sum(&m, 0, true, 0, "GET_VALUE line 3 malformed: no response buffer [|]");
	build_ev(&m, 3, 1, 1);
	expect_sum(&m, 1, false, 0, "irq malformed: header 1 bytes [|]");
	build_ev(&m, 3, 2, 0);
	expect_sum(&m, 1, true, 0, "irq line 3 armed malformed: no status byte [|]");
}

int main(void)
{
	vt_log_set_quiet(1);
	RUN(test_names_tables);
	RUN(test_requests);
	RUN(test_completions);
	RUN(test_line_names);
	RUN(test_eventq);
	RUN(test_truncation);
	return tap_done();
}
