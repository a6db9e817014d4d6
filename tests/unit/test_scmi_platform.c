/* The simulated SCMI platform against DEN0056's message layouts: each
 * command is built byte by byte as the spec lays it out (le32 header:
 * message id 7:0, type 9:8, protocol 17:10, token 27:18; le32 parameters)
 * and each response checked word by word (header, le32 status, return
 * values), with what the platform posts for the eventq (delayed responses,
 * notifications). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "hw/scmi_platform.h"
#include "tap.h"
#include "util/bytes.h"
#include "util/log.h"
#include "virtio/virtio_scmi.h"

static char err[256];

/* What the platform posted for the eventq. */
static struct {
	unsigned n;
	uint8_t msg[8][VT_SCMI_MSG_MAX];
	size_t len[8];
} posted;

static void on_post(void *arg, const uint8_t *msg, size_t len)
{
	(void)arg;
	if (posted.n < 8) {
		memcpy(posted.msg[posted.n], msg, len);
		posted.len[posted.n] = len;
	}
	posted.n++;
}

static struct vt_scmi_platform plat;

static struct vt_scmi_platform *platform(const char *const *sensors, const char *const *clocks,
					 const char *const *perfs)
{
	vt_scmi_platform_init(&plat);
	for (; sensors && *sensors; sensors++)
		if (vt_scmi_conf_sensor(&plat, *sensors, err, sizeof(err)) < 0)
			printf("# sensor %s: %s\n", *sensors, err);
	for (; clocks && *clocks; clocks++)
		if (vt_scmi_conf_clock(&plat, *clocks, err, sizeof(err)) < 0)
			printf("# clock %s: %s\n", *clocks, err);
	for (; perfs && *perfs; perfs++)
		if (vt_scmi_conf_perf(&plat, *perfs, err, sizeof(err)) < 0)
			printf("# perf %s: %s\n", *perfs, err);
	plat.post = on_post;
	vt_scmi_platform_reset(&plat);
	memset(&posted, 0, sizeof(posted));
	return &plat;
}

static const char *const two_sensors[] = { "soc:45000:async:trips=2", "vin:3300:type=voltage", NULL };
static const char *const one_clock[] = { "uart:24M,48M,96M", NULL };
static const char *const one_perf[] = { "cpu:500000,1000000,1500000", NULL };

/* A response: resp[] words, n of them; cap bytes of room. */
static uint8_t resp[VT_SCMI_MSG_MAX];
static size_t resp_len;

static uint32_t hdr(unsigned proto, unsigned msg, unsigned token)
{
	return VIRTIO_SCMI_HDR(proto, msg, VIRTIO_SCMI_TYPE_COMMAND, token);
}

static int32_t cmd_cap(struct vt_scmi_platform *p, uint32_t h, const uint32_t *param, unsigned n, size_t cap)
{
	uint8_t msg[64];

	vt_st_le32(msg, h);
	for (unsigned i = 0; i < n; i++)
		vt_st_le32(msg + 4 + 4 * i, param[i]);
	memset(resp, 0xee, sizeof(resp));
	resp_len = vt_scmi_platform_command(p, msg, 4 + 4 * (size_t)n, resp, cap);
	if (resp_len < 8)
		return 1;   /* no status: never a real one */
	EXPECT_EQ(vt_ld_le32(resp), h);   /* the response repeats the command's header */
	return (int32_t)vt_ld_le32(resp + 4);
}

static int32_t cmd(struct vt_scmi_platform *p, unsigned proto, unsigned msg, const uint32_t *param, unsigned n)
{
	return cmd_cap(p, hdr(proto, msg, 7), param, n, sizeof(resp));
}

/* Return value word i (after header and status). */
static uint32_t ret(unsigned i)
{
	return vt_ld_le32(resp + 8 + 4 * i);
}

static unsigned nret(void)
{
	return resp_len >= 8 ? (unsigned)(resp_len - 8) / 4 : 0;
}

static void test_base_discovery(void)
{
	struct vt_scmi_platform *p = platform(two_sensors, one_clock, one_perf);
	uint32_t a;

	EXPECT_EQ(cmd(p, SCMI_PROTO_BASE, SCMI_PROTOCOL_VERSION, NULL, 0), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 0x20001);   /* major 15:0 high half, minor low half */
	EXPECT_EQ(resp_len, 12);
	EXPECT_EQ(cmd(p, SCMI_PROTO_BASE, SCMI_PROTOCOL_ATTRIBUTES, NULL, 0), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0) & 0xff, 3);          /* num_protocols: perf, clock, sensor */
	EXPECT_EQ((ret(0) >> 8) & 0xff, 1);   /* num_agents */
	EXPECT_EQ(cmd(p, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_VENDOR, NULL, 0), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(resp_len, 8 + 16);
	EXPECT(!strcmp((char *)resp + 8, "vitool"));
	EXPECT_EQ(resp[8 + 15], 0);   /* NUL-padded field of 16 */
	EXPECT_EQ(cmd(p, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_SUB_VENDOR, NULL, 0), VIRTIO_SCMI_SUCCESS);
	EXPECT(!strcmp((char *)resp + 8, "sim"));
	EXPECT_EQ(cmd(p, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_IMPL_VERSION, NULL, 0), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 0x10000);
	/* the list: count, then ids packed four to a word, ascending */
	a = 0;
	EXPECT_EQ(cmd(p, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_LIST_PROTOCOLS, &a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 3);
	EXPECT_EQ(ret(1), 0x151413);
	EXPECT_EQ(resp_len, 8 + 8);
	a = 2;
	EXPECT_EQ(cmd(p, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_LIST_PROTOCOLS, &a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 1);
	EXPECT_EQ(ret(1), 0x15);
	a = 4;
	EXPECT_EQ(cmd(p, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_LIST_PROTOCOLS, &a, 1), VIRTIO_SCMI_INVALID_PARAMETERS);
	EXPECT_EQ(resp_len, 8);   /* a failure has no return values */
	/* agents: 0 the platform, 1 the OSPM, 0xffffffff the caller */
	a = 0;
	EXPECT_EQ(cmd(p, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_AGENT, &a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 0);
	EXPECT(!strcmp((char *)resp + 12, "platform"));
	a = 0xffffffffu;
	EXPECT_EQ(cmd(p, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_AGENT, &a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 1);
	EXPECT(!strcmp((char *)resp + 12, "OSPM"));
	a = 2;
	EXPECT_EQ(cmd(p, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_AGENT, &a, 1), VIRTIO_SCMI_NOT_FOUND);
}

/* Only the protocols with domains are listed, and the others answer
 * NOT_SUPPORTED: what Linux's base protocol reads before probing any. */
static void test_protocols_present(void)
{
	struct vt_scmi_platform *p = platform(NULL, one_clock, NULL);
	uint32_t a = 0;

	EXPECT_EQ(cmd(p, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_LIST_PROTOCOLS, &a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 1);
	EXPECT_EQ(ret(1), 0x14);
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_PROTOCOL_VERSION, NULL, 0), VIRTIO_SCMI_NOT_SUPPORTED);
	EXPECT_EQ(cmd(p, SCMI_PROTO_POWER, SCMI_PROTOCOL_VERSION, NULL, 0), VIRTIO_SCMI_NOT_SUPPORTED);
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_PROTOCOL_VERSION, NULL, 0), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 0x30000);
}

/* PROTOCOL_MESSAGE_ATTRIBUTES: NOT_FOUND for what is not implemented
 * (Linux's protocol_msg_check), and the NOTIFY commands only with an
 * eventq. */
static void test_message_attributes(void)
{
	struct vt_scmi_platform *p = platform(two_sensors, one_clock, one_perf);
	uint32_t m;

	m = SCMI_SENSOR_READING_GET;
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_PROTOCOL_MESSAGE_ATTRIBUTES, &m, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 0);
	m = SCMI_SENSOR_AXIS_DESCRIPTION_GET;
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_PROTOCOL_MESSAGE_ATTRIBUTES, &m, 1), VIRTIO_SCMI_NOT_FOUND);
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_AXIS_DESCRIPTION_GET, &m, 1), VIRTIO_SCMI_NOT_SUPPORTED);
	m = SCMI_NEGOTIATE_PROTOCOL_VERSION;
	EXPECT_EQ(cmd(p, SCMI_PROTO_PERF, SCMI_PROTOCOL_MESSAGE_ATTRIBUTES, &m, 1), VIRTIO_SCMI_NOT_FOUND);
	m = SCMI_PERF_DESCRIBE_FASTCHANNEL;
	EXPECT_EQ(cmd(p, SCMI_PROTO_PERF, SCMI_PROTOCOL_MESSAGE_ATTRIBUTES, &m, 1), VIRTIO_SCMI_NOT_FOUND);
	m = SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY;
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_PROTOCOL_MESSAGE_ATTRIBUTES, &m, 1), VIRTIO_SCMI_SUCCESS);
	p->p2a = false;
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_PROTOCOL_MESSAGE_ATTRIBUTES, &m, 1), VIRTIO_SCMI_NOT_FOUND);
	uint32_t en[2] = { 0, 1 };
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY, en, 2), VIRTIO_SCMI_NOT_SUPPORTED);
}

/* Hostile messages: short parameters, a response on the cmdq, no room. */
static void test_malformed(void)
{
	struct vt_scmi_platform *p = platform(two_sensors, one_clock, one_perf);
	uint32_t one = 0;

	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, &one, 1), VIRTIO_SCMI_PROTOCOL_ERROR);
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_SET, &one, 1), VIRTIO_SCMI_PROTOCOL_ERROR);
	EXPECT_EQ(cmd(p, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_AGENT, NULL, 0), VIRTIO_SCMI_PROTOCOL_ERROR);
	EXPECT_EQ(cmd_cap(p, VIRTIO_SCMI_HDR(SCMI_PROTO_BASE, 0, VIRTIO_SCMI_TYPE_DELAYED_RESP, 3), NULL, 0,
			  sizeof(resp)),
		  VIRTIO_SCMI_PROTOCOL_ERROR);
	EXPECT_EQ(cmd_cap(p, hdr(SCMI_PROTO_BASE, 0, 1), NULL, 0, 7), 1);   /* no room for the status */
	EXPECT_EQ(resp_len, 0);
	EXPECT_EQ(resp[0], 0xee);
	uint8_t m[2] = { 0, 0 };
	EXPECT_EQ(vt_scmi_platform_command(p, m, 2, resp, sizeof(resp)), 0);   /* no header */
	/* a fixed response cut to the room the buffer has */
	EXPECT_EQ(cmd_cap(p, hdr(SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_VENDOR, 1), NULL, 0, 12), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(resp_len, 8);
	EXPECT_EQ(posted.n, 0);
}

static void test_sensor_description(void)
{
	struct vt_scmi_platform *p = platform(two_sensors, NULL, NULL);
	uint32_t a = 0;

	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_PROTOCOL_VERSION, NULL, 0), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 0x30001);
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_PROTOCOL_ATTRIBUTES, NULL, 0), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0) & 0xffff, 2);          /* num_sensors */
	EXPECT_EQ((ret(0) >> 16) & 0xff, 16);   /* max pending asynchronous reads */
	EXPECT_EQ(nret(), 4);                   /* + register block low, high, length */
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_DESCRIPTION_GET, &a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 2);                   /* returned 2, remaining 0 */
	EXPECT_EQ(resp_len, 8 + 4 + 2 * 28);    /* descriptors of 28 bytes */
	EXPECT_EQ(ret(1), 0);                   /* sensor id */
	EXPECT_EQ(ret(2), (1u << 31) | (1u << 30) | 2);   /* async, update notifications, 2 trip points */
	EXPECT_EQ(ret(3), (0x1du << 11) | 2);   /* scale -3 (5-bit two's complement), degrees C */
	EXPECT(!strcmp((char *)resp + 8 + 16, "soc"));
	EXPECT_EQ(ret(8), 1);
	EXPECT_EQ(ret(9), 1u << 30);            /* vin: sync only, no trip points */
	EXPECT_EQ(ret(10), (0x1du << 11) | 5);  /* volts */
	/* a buffer with room for one descriptor: returned 1, remaining 1 */
	a = 0;
	EXPECT_EQ(cmd_cap(p, hdr(SCMI_PROTO_SENSOR, SCMI_SENSOR_DESCRIPTION_GET, 2), &a, 1, 8 + 4 + 28 + 27),
		  VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 1 | 1u << 16);
	a = 1;
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_DESCRIPTION_GET, &a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 1);
	EXPECT_EQ(ret(1), 1);
	a = 3;
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_DESCRIPTION_GET, &a, 1), VIRTIO_SCMI_INVALID_PARAMETERS);
	/* without an eventq neither async reads nor notifications are offered */
	p->p2a = false;
	a = 0;
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_DESCRIPTION_GET, &a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(2), 2);
}

/* Sync: the reading (value low, high, timestamp low, high).  Async: an
 * empty immediate response, then SENSOR_READING_COMPLETE with the
 * command's protocol, message id and token, type 2. */
static void test_sensor_reading(void)
{
	struct vt_scmi_platform *p = platform(two_sensors, NULL, NULL);
	uint32_t a[2] = { 1, 0 };

	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, a, 2), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(nret(), 4);
	EXPECT_EQ(ret(0), 3300);
	EXPECT_EQ(ret(1), 0);
	EXPECT_EQ(posted.n, 0);
	a[1] = SCMI_SENSOR_READ_ASYNC;
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, a, 2), VIRTIO_SCMI_NOT_SUPPORTED);   /* vin is sync */
	EXPECT_EQ(vt_scmi_set_sensor(p, 0, -5000, err, sizeof(err)), 0);
	a[0] = 0;
	EXPECT_EQ(cmd_cap(p, hdr(SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, 0x2a5), a, 2, sizeof(resp)),
		  VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(resp_len, 8);
	EXPECT_EQ(posted.n, 1);
	EXPECT_EQ(posted.len[0], 8 + 4 + 16);
	EXPECT_EQ(vt_ld_le32(posted.msg[0]),
		  VIRTIO_SCMI_HDR(SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, VIRTIO_SCMI_TYPE_DELAYED_RESP, 0x2a5));
	EXPECT_EQ(vt_ld_le32(posted.msg[0] + 4), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(vt_ld_le32(posted.msg[0] + 8), 0);   /* sensor id */
	EXPECT_EQ((int64_t)vt_ld_le64(posted.msg[0] + 12), -5000);
	a[0] = 2;
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, a, 2), VIRTIO_SCMI_NOT_FOUND);
	/* no eventq: an async read has nowhere to go */
	p->p2a = false;
	a[0] = 0;
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, a, 2), VIRTIO_SCMI_NOT_SUPPORTED);
	EXPECT_EQ(posted.n, 1);
}

/* Trip points fire when the value reaches or passes them in a direction
 * their mode takes; SENSOR_TRIP_POINT_EVENT is agent, sensor, trip point
 * (7:0) with bit 16 set upwards.  SENSOR_UPDATE carries the reading. */
static void test_sensor_notifications(void)
{
	struct vt_scmi_platform *p = platform(two_sensors, NULL, NULL);
	uint32_t tp[4] = { 0, 1u << 4 | SCMI_SENSOR_TP_POSITIVE, 50000, 0 }, en[2] = { 0, 1 };

	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_CONFIG, tp, 4), VIRTIO_SCMI_SUCCESS);
	tp[1] = 2u << 4 | 3;
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_CONFIG, tp, 4), VIRTIO_SCMI_INVALID_PARAMETERS);
	EXPECT_EQ(vt_scmi_set_sensor(p, 0, 51000, err, sizeof(err)), 0);
	EXPECT_EQ(posted.n, 0);   /* events are off until TRIP_POINT_NOTIFY */
	EXPECT_EQ(vt_scmi_set_sensor(p, 0, 45000, err, sizeof(err)), 0);
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_NOTIFY, en, 2), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(vt_scmi_set_sensor(p, 0, 49999, err, sizeof(err)), 0);
	EXPECT_EQ(posted.n, 0);
	EXPECT_EQ(vt_scmi_set_sensor(p, 0, 50000, err, sizeof(err)), 0);   /* reached */
	EXPECT_EQ(posted.n, 1);
	EXPECT_EQ(vt_ld_le32(posted.msg[0]),
		  VIRTIO_SCMI_HDR(SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_EVENT, VIRTIO_SCMI_TYPE_NOTIFICATION, 0));
	EXPECT_EQ(posted.len[0], 16);
	EXPECT_EQ(vt_ld_le32(posted.msg[0] + 4), VT_SCMI_AGENT_PLATFORM);
	EXPECT_EQ(vt_ld_le32(posted.msg[0] + 8), 0);
	EXPECT_EQ(vt_ld_le32(posted.msg[0] + 12), 1 | SCMI_SENSOR_TP_UPWARDS);
	EXPECT_EQ(vt_scmi_set_sensor(p, 0, 40000, err, sizeof(err)), 0);   /* down: the mode is up only */
	EXPECT_EQ(posted.n, 1);
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY, en, 2), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(vt_scmi_set_sensor(p, 0, 40000, err, sizeof(err)), 0);   /* no change, no update */
	EXPECT_EQ(posted.n, 1);
	EXPECT_EQ(vt_scmi_set_sensor(p, 0, 41000, err, sizeof(err)), 0);
	EXPECT_EQ(posted.n, 2);
	EXPECT_EQ(vt_ld_le32(posted.msg[1]),
		  VIRTIO_SCMI_HDR(SCMI_PROTO_SENSOR, SCMI_SENSOR_UPDATE, VIRTIO_SCMI_TYPE_NOTIFICATION, 0));
	EXPECT_EQ(posted.len[1], 4 + 8 + 16);
	EXPECT_EQ(vt_ld_le32(posted.msg[1] + 8), 0);
	EXPECT_EQ(vt_ld_le64(posted.msg[1] + 12), 41000);
	EXPECT_EQ(vt_scmi_set_sensor(p, 2, 1, err, sizeof(err)), -1);
	EXPECT_STR_HAS(err, "no sensor 2");
	/* a reset driver has asked for nothing */
	vt_scmi_platform_reset(p);
	EXPECT_EQ(vt_scmi_set_sensor(p, 0, 60000, err, sizeof(err)), 0);
	EXPECT_EQ(posted.n, 2);
	EXPECT_EQ(p->sensor[0].value, 60000);
}

static void test_sensor_config_and_names(void)
{
	static const char *const long_name[] = { "board-inlet-temperature:21000", NULL };
	struct vt_scmi_platform *p = platform(long_name, NULL, NULL);
	uint32_t a[2] = { 0, 0 };

	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_DESCRIPTION_GET, a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT(ret(2) & SCMI_SENSOR_EXTENDED_NAME);
	EXPECT(!strcmp((char *)resp + 8 + 16, "board-inlet-tem"));   /* 15 and a NUL */
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_NAME_GET, a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(resp_len, 8 + 4 + 64);
	EXPECT(!strcmp((char *)resp + 12, "board-inlet-temperature"));
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONFIG_GET, a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 1);   /* enabled */
	a[1] = 0;
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONFIG_SET, a, 2), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONFIG_GET, a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 0);
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_LIST_UPDATE_INTERVALS, a, 2), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 1);          /* one interval, not segmented, none remaining */
	EXPECT_EQ(ret(1), 1u << 5);    /* 1 s: seconds 20:5, exponent 4:0 */
	platform(two_sensors, NULL, NULL);
	EXPECT_EQ(cmd(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_NAME_GET, a, 1), VIRTIO_SCMI_NOT_SUPPORTED);
}

static void test_clock(void)
{
	static const char *const clocks[] = { "uart:24M,48M,96M", "bus:100M-400M/100M:off", NULL };
	struct vt_scmi_platform *p = platform(NULL, clocks, NULL);
	uint32_t a[4] = { 0, 0 };

	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_PROTOCOL_ATTRIBUTES, NULL, 0), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 2 | 16u << 16);   /* num_clocks, max_async_req */
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_ATTRIBUTES, a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), SCMI_CLOCK_ATTR_RATE_NOTIFY | SCMI_CLOCK_ATTR_REQ_NOTIFY | SCMI_CLOCK_ATTR_ENABLED);
	EXPECT(!strcmp((char *)resp + 12, "uart"));
	EXPECT_EQ(resp_len, 8 + 4 + 16 + 4);   /* + clock_enable_latency */
	/* the list in pages: room for two rates, then the third */
	EXPECT_EQ(cmd_cap(p, hdr(SCMI_PROTO_CLOCK, SCMI_CLOCK_DESCRIBE_RATES, 3), a, 2, 8 + 4 + 16 + 7),
		  VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 2 | 1u << 16);
	EXPECT_EQ(ret(1), 24000000);
	EXPECT_EQ(ret(3), 48000000);
	a[1] = 2;
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_DESCRIBE_RATES, a, 2), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 1);
	EXPECT_EQ(ret(1), 96000000);
	/* a range: the triplet lowest, highest, step, bit 12 set */
	a[0] = 1;
	a[1] = 0;
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_DESCRIBE_RATES, a, 2), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 3 | SCMI_CLOCK_RATES_RANGE);
	EXPECT_EQ(ret(1), 100000000);
	EXPECT_EQ(ret(3), 400000000);
	EXPECT_EQ(ret(5), 100000000);
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_ATTRIBUTES, a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0) & SCMI_CLOCK_ATTR_ENABLED, 0);   /* :off */
	/* RATE_SET (flags, id, rate): rounded down, up or to the nearer */
	uint32_t set[4] = { 0, 0, 30000000, 0 };
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_SET, set, 4), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(p->clock[0].rate, 24000000);
	set[0] = SCMI_CLOCK_SET_ROUND_UP;
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_SET, set, 4), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(p->clock[0].rate, 48000000);
	set[0] = SCMI_CLOCK_SET_ROUND_AUTO;
	set[2] = 80000000;
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_SET, set, 4), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(p->clock[0].rate, 96000000);
	set[2] = 1000;
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_SET, set, 4), VIRTIO_SCMI_OUT_OF_RANGE);
	a[0] = 0;
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_GET, a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 96000000);
	EXPECT_EQ(ret(1), 0);
	/* async: CLOCK_RATE_SET_COMPLETE (id, rate) on the eventq, and the
	 * rate change for an agent that asked */
	uint32_t en[2] = { 0, 1 };
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_NOTIFY, en, 2), VIRTIO_SCMI_SUCCESS);
	set[0] = SCMI_CLOCK_SET_ASYNC;
	set[2] = 48000000;
	EXPECT_EQ(cmd_cap(p, hdr(SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_SET, 9), set, 4, sizeof(resp)), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(resp_len, 8);
	EXPECT_EQ(posted.n, 2);
	EXPECT_EQ(vt_ld_le32(posted.msg[0]),
		  VIRTIO_SCMI_HDR(SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_SET, VIRTIO_SCMI_TYPE_DELAYED_RESP, 9));
	EXPECT_EQ(vt_ld_le32(posted.msg[0] + 8), 0);
	EXPECT_EQ(vt_ld_le64(posted.msg[0] + 12), 48000000);
	EXPECT_EQ(vt_ld_le32(posted.msg[1]),
		  VIRTIO_SCMI_HDR(SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_CHANGED, VIRTIO_SCMI_TYPE_NOTIFICATION, 0));
	EXPECT_EQ(vt_ld_le32(posted.msg[1] + 4), VT_SCMI_AGENT_OSPM);
	EXPECT_EQ(vt_ld_le64(posted.msg[1] + 12), 48000000);
	set[0] = SCMI_CLOCK_SET_ASYNC | SCMI_CLOCK_SET_IGNORE_RESP;
	set[2] = 24000000;
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_SET, set, 4), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(posted.n, 3);   /* the change only */
	/* CONFIG_SET (id, attributes 1:0 state, oem): off, on, unchanged */
	uint32_t cfg[3] = { 0, 0, 0 };
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_CONFIG_SET, cfg, 3), VIRTIO_SCMI_SUCCESS);
	uint32_t get[2] = { 0, 0 };
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_CONFIG_GET, get, 2), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(1), 0);
	cfg[1] = 1;
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_CONFIG_SET, cfg, 3), VIRTIO_SCMI_SUCCESS);
	cfg[1] = 3;
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_CONFIG_SET, cfg, 3), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_CONFIG_GET, get, 2), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(1), 1);
	cfg[1] = 2;
	EXPECT_EQ(cmd(p, SCMI_PROTO_CLOCK, SCMI_CLOCK_CONFIG_SET, cfg, 3), VIRTIO_SCMI_INVALID_PARAMETERS);
	/* the platform's own change: a rate it has */
	EXPECT_EQ(vt_scmi_set_clock(p, 1, 300000000, err, sizeof(err)), 0);
	EXPECT_EQ(vt_scmi_set_clock(p, 1, 250000000, err, sizeof(err)), -1);
	EXPECT_STR_HAS(err, "has no rate 250000000");
}

static void test_perf(void)
{
	struct vt_scmi_platform *p = platform(NULL, NULL, one_perf);
	uint32_t a[3] = { 0, 0, 0 };

	EXPECT_EQ(cmd(p, SCMI_PROTO_PERF, SCMI_PROTOCOL_VERSION, NULL, 0), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 0x40000);
	EXPECT_EQ(cmd(p, SCMI_PROTO_PERF, SCMI_PROTOCOL_ATTRIBUTES, NULL, 0), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 1 | 1u << 16);   /* one domain; power in mW */
	EXPECT_EQ(cmd(p, SCMI_PROTO_PERF, SCMI_PERF_DOMAIN_ATTRIBUTES, a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 0xf0000000u);    /* set limits, set level, limits and level notifications */
	EXPECT_EQ(ret(2), 1500000);        /* sustained kHz */
	EXPECT_EQ(ret(3), 1500000);        /* sustained level: Linux's factor 1000 */
	EXPECT(!strcmp((char *)resp + 8 + 16, "cpu"));
	/* v4 levels: level, power, attributes (latency us), frequency, index */
	EXPECT_EQ(cmd(p, SCMI_PROTO_PERF, SCMI_PERF_DESCRIBE_LEVELS, a, 2), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 3);
	EXPECT_EQ(resp_len, 8 + 4 + 3 * 20);
	EXPECT_EQ(ret(1), 500000);
	EXPECT_EQ(ret(3) & 0xffff, 50);
	EXPECT_EQ(ret(4), 500000);
	EXPECT_EQ(ret(11), 1500000);
	EXPECT_EQ(ret(15), 2);
	EXPECT_EQ(cmd(p, SCMI_PROTO_PERF, SCMI_PERF_LEVEL_GET, a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 1500000);   /* boots at the top */
	uint32_t en[2] = { 0, 1 };
	EXPECT_EQ(cmd(p, SCMI_PROTO_PERF, SCMI_PERF_NOTIFY_LEVEL, en, 2), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(cmd(p, SCMI_PROTO_PERF, SCMI_PERF_NOTIFY_LIMITS, en, 2), VIRTIO_SCMI_SUCCESS);
	/* LIMITS_SET (domain, max, min): the level moves inside */
	uint32_t lim[3] = { 0, 1000000, 500000 };
	EXPECT_EQ(cmd(p, SCMI_PROTO_PERF, SCMI_PERF_LIMITS_SET, lim, 3), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(posted.n, 2);
	EXPECT_EQ(vt_ld_le32(posted.msg[0]),
		  VIRTIO_SCMI_HDR(SCMI_PROTO_PERF, SCMI_PERF_LIMITS_CHANGED, VIRTIO_SCMI_TYPE_NOTIFICATION, 0));
	EXPECT_EQ(vt_ld_le32(posted.msg[0] + 12), 1000000);   /* agent, domain, max, min */
	EXPECT_EQ(vt_ld_le32(posted.msg[0] + 16), 500000);
	EXPECT_EQ(vt_ld_le32(posted.msg[1]),
		  VIRTIO_SCMI_HDR(SCMI_PROTO_PERF, SCMI_PERF_LEVEL_CHANGED, VIRTIO_SCMI_TYPE_NOTIFICATION, 0));
	EXPECT_EQ(vt_ld_le32(posted.msg[1] + 12), 1000000);
	EXPECT_EQ(cmd(p, SCMI_PROTO_PERF, SCMI_PERF_LIMITS_GET, a, 1), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(ret(0), 1000000);
	EXPECT_EQ(ret(1), 500000);
	uint32_t lv[2] = { 0, 1500000 };
	EXPECT_EQ(cmd(p, SCMI_PROTO_PERF, SCMI_PERF_LEVEL_SET, lv, 2), VIRTIO_SCMI_OUT_OF_RANGE);
	lv[1] = 700000;   /* between levels: the one below */
	EXPECT_EQ(cmd(p, SCMI_PROTO_PERF, SCMI_PERF_LEVEL_SET, lv, 2), VIRTIO_SCMI_SUCCESS);
	EXPECT_EQ(p->perf[0].level, 500000);
	EXPECT_EQ(posted.n, 3);
	lim[1] = 400000;
	lim[2] = 600000;
	EXPECT_EQ(cmd(p, SCMI_PROTO_PERF, SCMI_PERF_LIMITS_SET, lim, 3), VIRTIO_SCMI_INVALID_PARAMETERS);
	/* the platform's own: a level it has, inside the limits */
	EXPECT_EQ(vt_scmi_set_perf_level(p, 0, 1500000, err, sizeof(err)), -1);
	EXPECT_STR_HAS(err, "outside the limits");
	EXPECT_EQ(vt_scmi_set_perf_limits(p, 0, 500000, 1500000, err, sizeof(err)), 0);
	EXPECT_EQ(vt_scmi_set_perf_level(p, 0, 1500000, err, sizeof(err)), 0);
	EXPECT_EQ(vt_ld_le32(posted.msg[posted.n - 1] + 4), VT_SCMI_AGENT_PLATFORM);
	EXPECT_EQ(vt_scmi_set_perf_level(p, 0, 1200000, err, sizeof(err)), -1);
	EXPECT_STR_HAS(err, "no level 1200000");
}

static void test_conf_specs(void)
{
	static const struct { int kind; const char *spec, *msg; } bad[] = {
		{ 0, "soc", "want NAME:VALUE" },
		{ 0, "soc:hot", "value 'hot'" },
		{ 0, "soc:1:type=kettle", "type 'kettle'" },
		{ 0, "soc:1:scale=20", "scale '20'" },
		{ 0, "soc:1:trips=99", "trips '99'" },
		{ 0, "soc:1:loud", "unknown 'loud'" },
		{ 0, "3soc:1", "must not start with a digit" },
		{ 0, "so c:1", "letters, digits and punctuation" },
		{ 0, "soc::1", "an empty field" },
		{ 1, "uart:48M,24M", "ascending" },
		{ 1, "uart:0", "want a number from 1" },
		{ 1, "bus:400M-100M", "MIN below MAX" },
		{ 1, "uart:24M:rate=25M", "rate=25000000 is not one" },
		{ 2, "cpu:1,2:level=3", "level=3 is not one" },
		{ 2, "cpu:", "an empty field" },
	};
	struct vt_scmi_platform *p = platform(NULL, NULL, NULL);

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = bad[i].kind == 0 ? vt_scmi_conf_sensor(p, bad[i].spec, err, sizeof(err))
			 : bad[i].kind == 1 ? vt_scmi_conf_clock(p, bad[i].spec, err, sizeof(err))
					    : vt_scmi_conf_perf(p, bad[i].spec, err, sizeof(err));
		EXPECT_EQ(rc, -1);
		EXPECT_STR_HAS(err, bad[i].msg);
	}
	EXPECT_EQ(p->nsensors + p->nclocks + p->nperf, 0);
	EXPECT_EQ(vt_scmi_conf_sensor(p, "fan:1200:type=rpm", err, sizeof(err)), 0);
	EXPECT_EQ(p->sensor[0].unit, 19);
	EXPECT_EQ(p->sensor[0].scale, 0);   /* thousandths only for what hwmon shows */
	EXPECT_EQ(vt_scmi_conf_sensor(p, "fan:1", err, sizeof(err)), -1);
	EXPECT_STR_HAS(err, "given twice");
	EXPECT_EQ(vt_scmi_conf_clock(p, "uart:24M,48M:rate=48M:off", err, sizeof(err)), 0);
	EXPECT_EQ(p->clock[0].rate, 48000000);
	EXPECT(!p->clock[0].enabled);
	EXPECT_EQ(vt_scmi_find_sensor(p, "fan"), 0);
	EXPECT_EQ(vt_scmi_find_sensor(p, "0"), 0);
	EXPECT_EQ(vt_scmi_find_sensor(p, "1"), -1);
	EXPECT_EQ(vt_scmi_find_clock(p, "uart"), 0);
	/* a bare serve gets one of each */
	p = platform(NULL, NULL, NULL);
	vt_scmi_platform_defaults(p);
	EXPECT_EQ(p->nsensors, 1);
	EXPECT_EQ(p->nclocks, 1);
	EXPECT_EQ(p->nperf, 1);
	EXPECT_EQ(p->sensor[0].value, 45000);
}

static void test_conf_file(void)
{
	char path[] = "/tmp/vitool-scmi-conf-XXXXXX";
	int fd = mkstemp(path);
	struct vt_scmi_platform *p = platform(NULL, NULL, NULL);
	static const char good[] = "# a board\n"
				   "vendor acme\n"
				   "  sensor  soc:52000:async \n"
				   "clock uart:24M\n"
				   "\n"
				   "perf big:1G,2G\n"
				   "impl-version 0x20\n";
	static const char bad[] = "sensor soc:1\nclock uart\n";

	EXPECT(fd >= 0);
	EXPECT(write(fd, good, sizeof(good) - 1) == (ssize_t)sizeof(good) - 1);
	close(fd);
	EXPECT_EQ(vt_scmi_conf_file(p, path, err, sizeof(err)), 0);
	EXPECT(!strcmp(p->vendor, "acme"));
	EXPECT_EQ(p->impl_version, 0x20);
	EXPECT_EQ(p->sensor[0].value, 52000);
	EXPECT(p->sensor[0].async);
	EXPECT_EQ(p->perf[0].levels[1], 2000000000u);
	fd = open(path, O_WRONLY | O_TRUNC);
	EXPECT(write(fd, bad, sizeof(bad) - 1) == (ssize_t)sizeof(bad) - 1);
	close(fd);
	p = platform(NULL, NULL, NULL);
	EXPECT_EQ(vt_scmi_conf_file(p, path, err, sizeof(err)), -1);
	EXPECT_STR_HAS(err, ":2: 'uart': want NAME:HZ");
	unlink(path);
	EXPECT_EQ(vt_scmi_conf_file(p, path, err, sizeof(err)), -2);
	EXPECT_STR_HAS(err, "No such file");
}

int main(void)
{
	vt_log_set_quiet(1);
	RUN(test_base_discovery);
	RUN(test_protocols_present);
	RUN(test_message_attributes);
	RUN(test_malformed);
	RUN(test_sensor_description);
	RUN(test_sensor_reading);
	RUN(test_sensor_notifications);
	RUN(test_sensor_config_and_names);
	RUN(test_clock);
	RUN(test_perf);
	RUN(test_conf_specs);
	RUN(test_conf_file);
	return tap_done();
}
