/* Trace records and their pcap files: encode/parse round trips, snaplen
 * truncation, every corruption the parser must refuse (with its reason),
 * forward compatibility, decoding a record with the real i2c decoder, and
 * pcap files written and read back (and opened by tcpdump when present). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode/decode.h"
#include "tap.h"
#include "trace/filter.h"
#include "trace/pcap.h"
#include "trace/print.h"
#include "trace/record.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/loop.h"
#include "virtio/virtio.h"
#include "virtio/virtio_i2c.h"

/* One virtio-i2c request over local buffers: header, data (readable for a
 * write, writable for a read), status. */
struct i2c_req {
	uint8_t hdr[8];
	uint8_t data[64];
	uint8_t status;
	struct vt_seg seg[3];
	struct vt_chain c;
};

static void i2c_build(struct i2c_req *r, uint16_t addr7, bool rd, uint32_t len)
{
	memset(r, 0, sizeof(*r));
	vt_st_le16(r->hdr, (uint16_t)(addr7 << 1));
	vt_st_le32(r->hdr + 4, rd ? VIRTIO_I2C_FLAGS_M_RD : 0);
	for (unsigned i = 0; i < sizeof(r->data); i++)
		r->data[i] = (uint8_t)(0xa0 + i);
	unsigned n = 0;
	r->seg[n++] = (struct vt_seg){ .ptr = r->hdr, .len = 8, .gpa = 0x1000 };
	r->c.nread = 1;
	r->c.read_len = 8;
	if (len) {
		r->seg[n++] = (struct vt_seg){ .ptr = r->data, .len = len, .gpa = 0x2000, .writable = rd };
		if (rd) {
			r->c.nwrite++;
			r->c.write_len += len;
		} else {
			r->c.nread++;
			r->c.read_len += len;
		}
	}
	r->seg[n++] = (struct vt_seg){ .ptr = &r->status, .len = 1, .gpa = 0x3000, .writable = true };
	r->c.nwrite++;
	r->c.write_len++;
	r->c.head = 5;
	r->c.seg = r->seg;
}

static struct vt_event ev_for(enum vt_event_kind k, const struct vt_chain *c, uint32_t used_len)
{
	return (struct vt_event){
		.kind = k,
		.queue = 0,
		.head = c ? c->head : 0,
		.req_id = 42,
		.t_ns = vt_now_ns(),
		.latency_ns = k == VT_EV_USED ? 123456 : 0,
		.used_len = used_len,
		.chain = c,
	};
}

static const char *summary(const struct vt_chain *c, bool completed, uint32_t used_len)
{
	static struct vt_sb sb;
	vt_sb_init(&sb);
	vt_decoder_i2c.summary(&sb, 0, c, completed, used_len);
	return vt_sb_str(&sb);
}

static char err[256];

static void test_kind_names(void)
{
	EXPECT(strcmp(vt_rec_kind_name(VT_REC_AVAIL), "avail") == 0);
	EXPECT(strcmp(vt_rec_kind_name(VT_REC_USED), "used") == 0);
	EXPECT(strcmp(vt_rec_kind_name(VT_REC_RING_ERROR), "ring-error") == 0);
	EXPECT(strcmp(vt_rec_kind_name(VT_REC_DISCONNECT), "disconnect") == 0);
	EXPECT(strcmp(vt_rec_kind_name(0), "kind-0") == 0);
	EXPECT(strcmp(vt_rec_kind_name(99), "kind-99") == 0);
	EXPECT_EQ(vt_rec_kind_of_event(VT_EV_AVAIL), VT_REC_AVAIL);
	EXPECT_EQ(vt_rec_kind_of_event(VT_EV_VHOST_MSG), VT_REC_VHOST_MSG);
	EXPECT_EQ(vt_rec_kind_of_event(VT_EV_DISCONNECT), VT_REC_DISCONNECT);
}

static void test_avail_used_roundtrip(void)
{
	struct i2c_req q;
	uint8_t buf[512];
	struct vt_rec r;

	i2c_build(&q, 0x50, true, 8);
	struct vt_event ev = ev_for(VT_EV_AVAIL, &q.c, 0);
	uint64_t before = vt_rec_wallclock_ns(vt_now_ns());
	size_t n = vt_rec_encode(&ev, VIRTIO_ID_I2C, 3, 0, 0, buf, sizeof(buf));
	uint64_t after = vt_rec_wallclock_ns(vt_now_ns());
	/* header + 3 segments + 8 header bytes (writable ones not captured) */
	EXPECT_EQ(n, 64 + 3 * 12 + 8);
	EXPECT_EQ(buf[0], 2);   /* version 2: VHOST_MSG records grew a message header */
	EXPECT_EQ(buf[1], VT_REC_AVAIL);
	EXPECT_EQ(vt_ld_le16(buf + 2), 64);   /* explicitly little-endian */
	EXPECT_EQ(vt_rec_parse(buf, n, &r, err, sizeof(err)), 0);
	EXPECT_EQ(r.version, 2);
	EXPECT_EQ(r.kind, VT_REC_AVAIL);
	EXPECT_EQ(r.header_len, 64);
	EXPECT_EQ(r.flags, 0);
	EXPECT_EQ(r.virtio_id, VIRTIO_ID_I2C);
	EXPECT_EQ(r.instance, 3);
	EXPECT_EQ(r.queue, 0);
	EXPECT_EQ(r.head, 5);
	EXPECT_EQ(r.nseg, 3);
	EXPECT_EQ(r.req_id, 42);
	/* wall clock of the event; the conversion reads two clocks, so allow
	 * a millisecond of jitter */
	EXPECT(r.ts_ns + 1000000 >= before && r.ts_ns <= after + 1000000);
	EXPECT_EQ(r.caplen, 8);
	EXPECT_EQ(r.origlen, 17);
	EXPECT_EQ(r.textlen, 0);
	EXPECT(r.text == NULL);
	EXPECT_EQ(r.nread, 1);
	EXPECT_EQ(r.nwrite, 2);
	EXPECT_EQ(r.read_len, 8);
	EXPECT_EQ(r.write_len, 9);
	EXPECT(memcmp(r.payload, q.hdr, 8) == 0);

	struct vt_rec_seg s;
	EXPECT_EQ(vt_rec_seg(&r, 1, &s), 0);
	EXPECT(s.writable);
	EXPECT_EQ(s.len, 8);
	EXPECT_EQ(s.caplen, 0);
	EXPECT_EQ(vt_rec_seg(&r, 3, &s), -1);

	/* The decoder gives the same line on the record as on the chain. */
	struct vt_chain c;
	struct vt_seg segs[4];
	EXPECT_EQ(vt_rec_chain(&r, &c, segs, 4), 0);
	EXPECT_EQ(c.head, 5);
	EXPECT(strcmp(summary(&c, false, 0), "0x50 read 8") == 0);
	EXPECT(strcmp(summary(&c, false, 0), summary(&q.c, false, 0)) == 0);
	EXPECT_EQ(vt_rec_chain(&r, &c, segs, 2), -1);  /* too few segments */

	/* USED: the device wrote 8 data bytes and OK; flags from the caller. */
	q.status = VIRTIO_I2C_MSG_OK;
	ev = ev_for(VT_EV_USED, &q.c, 9);
	n = vt_rec_encode(&ev, VIRTIO_ID_I2C, 3, VT_REC_F_LATE | VT_REC_F_OUT_OF_ORDER, 0, buf, sizeof(buf));
	EXPECT_EQ(n, 64 + 3 * 12 + 17);
	EXPECT_EQ(vt_rec_parse(buf, n, &r, err, sizeof(err)), 0);
	EXPECT_EQ(r.kind, VT_REC_USED);
	EXPECT_EQ(r.flags, VT_REC_F_LATE | VT_REC_F_OUT_OF_ORDER);
	EXPECT_EQ(r.req_id, 42);
	EXPECT_EQ(r.used_len, 9);
	EXPECT_EQ(r.latency_ns, 123456);
	EXPECT_EQ(r.caplen, 17);
	EXPECT(memcmp(r.payload + 8, q.data, 8) == 0);
	EXPECT_EQ(r.payload[16], VIRTIO_I2C_MSG_OK);
	EXPECT_EQ(vt_rec_chain(&r, &c, segs, 4), 0);
	EXPECT(strcmp(summary(&c, true, 9), "0x50 read 8 -> OK [a0 a1 a2 a3 a4 a5 a6 a7]") == 0);
	EXPECT(strcmp(summary(&c, true, 9), summary(&q.c, true, 9)) == 0);

	/* A write: data is readable, so captured at AVAIL already. */
	i2c_build(&q, 0x50, false, 2);
	q.data[0] = 0x00;
	q.data[1] = 0x10;
	ev = ev_for(VT_EV_AVAIL, &q.c, 0);
	n = vt_rec_encode(&ev, VIRTIO_ID_I2C, 0, 0, 0, buf, sizeof(buf));
	EXPECT_EQ(vt_rec_parse(buf, n, &r, err, sizeof(err)), 0);
	EXPECT_EQ(r.caplen, 10);
	EXPECT_EQ(vt_rec_chain(&r, &c, segs, 4), 0);
	EXPECT(strcmp(summary(&c, false, 0), "0x50 write 2 [00 10]") == 0);

	/* USED with a used_len shorter than the writable space: only what
	 * the device wrote is captured. */
	i2c_build(&q, 0x50, true, 8);
	ev = ev_for(VT_EV_USED, &q.c, 3);
	n = vt_rec_encode(&ev, VIRTIO_ID_I2C, 0, 0, 0, buf, sizeof(buf));
	EXPECT_EQ(vt_rec_parse(buf, n, &r, err, sizeof(err)), 0);
	EXPECT_EQ(r.caplen, 8 + 3);
	EXPECT_EQ(vt_rec_seg(&r, 1, &s), 0);
	EXPECT_EQ(s.caplen, 3);
	EXPECT_EQ(vt_rec_seg(&r, 2, &s), 0);
	EXPECT_EQ(s.caplen, 0);
	EXPECT_EQ(r.flags & VT_REC_F_TRUNCATED, 0);

	/* indirect is carried as a flag */
	q.c.indirect = true;
	ev = ev_for(VT_EV_AVAIL, &q.c, 0);
	n = vt_rec_encode(&ev, VIRTIO_ID_I2C, 0, 0, 0, buf, sizeof(buf));
	EXPECT_EQ(vt_rec_parse(buf, n, &r, err, sizeof(err)), 0);
	EXPECT(r.flags & VT_REC_F_INDIRECT);
	EXPECT_EQ(vt_rec_chain(&r, &c, segs, 4), 0);
	EXPECT(c.indirect);
}

static void test_snaplen(void)
{
	struct i2c_req q;
	uint8_t buf[512];
	struct vt_rec r;
	struct vt_chain c;
	struct vt_seg segs[4];

	/* 40-byte write: 48 readable bytes; snap at 20 payload bytes */
	i2c_build(&q, 0x50, false, 40);
	struct vt_event ev = ev_for(VT_EV_AVAIL, &q.c, 0);
	size_t n = vt_rec_encode(&ev, VIRTIO_ID_I2C, 0, 0, 64 + 36 + 20, buf, sizeof(buf));
	EXPECT_EQ(n, 64 + 36 + 20);
	EXPECT_EQ(vt_rec_parse(buf, n, &r, err, sizeof(err)), 0);
	EXPECT(r.flags & VT_REC_F_TRUNCATED);
	EXPECT_EQ(r.caplen, 20);
	EXPECT_EQ(r.origlen, 49);
	struct vt_rec_seg s;
	vt_rec_seg(&r, 0, &s);
	EXPECT_EQ(s.caplen, 8);
	vt_rec_seg(&r, 1, &s);
	EXPECT_EQ(s.len, 40);
	EXPECT_EQ(s.caplen, 12);
	EXPECT(memcmp(s.data, q.data, 12) == 0);
	/* Decoded: true length, the captured bytes, and 1 = mark truncated. */
	EXPECT_EQ(vt_rec_chain(&r, &c, segs, 4), 1);
	EXPECT_STR_HAS(summary(&c, false, 0), "0x50 write 40 [a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab]");

	/* buflen smaller than snaplen limits too; and not even a header: 0 */
	n = vt_rec_encode(&ev, VIRTIO_ID_I2C, 0, 0, 0, buf, 64 + 36 + 5);
	EXPECT_EQ(n, 64 + 36 + 5);
	EXPECT_EQ(vt_rec_encode(&ev, VIRTIO_ID_I2C, 0, 0, 63, buf, sizeof(buf)), 0);
	EXPECT_EQ(vt_rec_encode(&ev, VIRTIO_ID_I2C, 0, 0, 0, buf, 10), 0);

	/* Room for the header but not the table: recorded without the chain. */
	n = vt_rec_encode(&ev, VIRTIO_ID_I2C, 0, 0, 64 + 20, buf, sizeof(buf));
	EXPECT_EQ(n, 64);
	EXPECT_EQ(vt_rec_parse(buf, n, &r, err, sizeof(err)), 0);
	EXPECT(r.flags & VT_REC_F_NO_CHAIN);
	EXPECT(r.flags & VT_REC_F_TRUNCATED);
	EXPECT_EQ(r.nseg, 0);
	EXPECT_EQ(r.origlen, 49);
	EXPECT_EQ(vt_rec_chain(&r, &c, segs, 4), -1);

	/* Never writes past buflen: every size into an exact heap buffer
	 * (ASan), every result parses. */
	for (size_t len = 0; len <= 64 + 36 + 49 + 2; len++) {
		uint8_t *b = malloc(len ? len : 1);
		n = vt_rec_encode(&ev, VIRTIO_ID_I2C, 0, 0, 0, b, len);
		EXPECT(n <= len);
		if (len >= 64) {
			EXPECT(n > 0);
			EXPECT_EQ(vt_rec_parse(b, n, &r, err, sizeof(err)), 0);
			EXPECT_EQ(!!(r.flags & VT_REC_F_TRUNCATED), len < 64 + 36 + 48);
		}
		free(b);
	}
	/* Caller flags the encoder owns are recomputed, not trusted. */
	n = vt_rec_encode(&ev, VIRTIO_ID_I2C, 0, VT_REC_F_TRUNCATED | VT_REC_F_TIMED_OUT, 0, buf, sizeof(buf));
	EXPECT_EQ(vt_rec_parse(buf, n, &r, err, sizeof(err)), 0);
	EXPECT_EQ(r.flags, VT_REC_F_TIMED_OUT);
}

static void test_text_kinds(void)
{
	uint8_t buf[512];
	struct vt_rec r;
	const char *why = "queue 0 stopped: descriptor 7 next 300 >= num 256";

	struct vt_event ev = { .kind = VT_EV_RING_ERROR, .queue = 1, .t_ns = vt_now_ns(), .text = why };
	size_t n = vt_rec_encode(&ev, VIRTIO_ID_GPIO, 0, 0, 0, buf, sizeof(buf));
	EXPECT_EQ(n, 64 + strlen(why) + 1);
	EXPECT_EQ(vt_rec_parse(buf, n, &r, err, sizeof(err)), 0);
	EXPECT_EQ(r.kind, VT_REC_RING_ERROR);
	EXPECT_EQ(r.queue, 1);
	EXPECT_EQ(r.nseg, 0);
	EXPECT_EQ(r.textlen, strlen(why) + 1);
	EXPECT(r.text && strcmp(r.text, why) == 0);
	EXPECT_EQ(r.flags, 0);   /* RING_ERROR promises no chain */

	/* cut by the snaplen: still a string, flagged */
	n = vt_rec_encode(&ev, VIRTIO_ID_GPIO, 0, 0, 64 + 10, buf, sizeof(buf));
	EXPECT_EQ(n, 74);
	EXPECT_EQ(vt_rec_parse(buf, n, &r, err, sizeof(err)), 0);
	EXPECT(r.text && strcmp(r.text, "queue 0 s") == 0);
	EXPECT(r.flags & VT_REC_F_TRUNCATED);

	ev = (struct vt_event){ .kind = VT_EV_VHOST_MSG, .t_ns = vt_now_ns(), .request = 15 };
	n = vt_rec_encode(&ev, VIRTIO_ID_GPIO, 0, 0, 0, buf, sizeof(buf));
	EXPECT_EQ(n, 64);
	EXPECT_EQ(vt_rec_parse(buf, n, &r, err, sizeof(err)), 0);
	EXPECT_EQ(r.kind, VT_REC_VHOST_MSG);
	EXPECT_EQ(r.vhost_request, 15);

	ev = (struct vt_event){ .kind = VT_EV_KICK, .queue = 2, .t_ns = vt_now_ns() };
	n = vt_rec_encode(&ev, VIRTIO_ID_GPIO, 0, 0, 0, buf, sizeof(buf));
	EXPECT_EQ(vt_rec_parse(buf, n, &r, err, sizeof(err)), 0);
	EXPECT_EQ(r.kind, VT_REC_KICK);
	EXPECT_EQ(r.queue, 2);
	EXPECT_EQ(r.flags, 0);

	/* USED whose chain could not be walked */
	ev = (struct vt_event){ .kind = VT_EV_USED, .head = 9, .req_id = 7, .used_len = 1, .t_ns = vt_now_ns() };
	n = vt_rec_encode(&ev, VIRTIO_ID_GPIO, 0, 0, 0, buf, sizeof(buf));
	EXPECT_EQ(vt_rec_parse(buf, n, &r, err, sizeof(err)), 0);
	EXPECT_EQ(r.flags, VT_REC_F_NO_CHAIN);
	EXPECT_EQ(r.head, 9);

	/* unknown event kind: nothing encoded */
	ev.kind = (enum vt_event_kind)77;
	EXPECT_EQ(vt_rec_encode(&ev, VIRTIO_ID_GPIO, 0, 0, 0, buf, sizeof(buf)), 0);
}

/* What `vitool trace` prints for the record in buf (len bytes): the text
 * line (fmt NULL: default; else quiet) into line, the JSON object into
 * json; whether filter text matches it. */
static bool show(const uint8_t *buf, size_t len, bool quiet, char *line, size_t linelen, char *json,
		 size_t jsonlen, const char *filter)
{
	struct vt_rec r;
	struct vt_trace_view v;
	struct vt_trace_fmt fmt = { .ts = VT_TS_NONE, .quiet = quiet };
	char ferr[128];

	line[0] = json[0] = '\0';
	if (vt_rec_parse(buf, len, &r, err, sizeof(err)) < 0)
		return false;
	vt_trace_view_build(&v, &r);
	FILE *f = fmemopen(line, linelen, "w");
	if (f) {
		vt_trace_print_text(f, &v, &fmt);
		fclose(f);
	}
	f = fmemopen(json, jsonlen, "w");
	if (f) {
		vt_trace_print_json(f, &v, false);
		fclose(f);
	}
	struct vt_filter *flt = vt_filter_compile(filter, ferr, sizeof(ferr));
	bool m = flt && vt_filter_match(flt, &v);
	if (!flt)
		printf("#   filter \"%s\": %s\n", filter, ferr);
	vt_filter_free(flt);
	return m;
}

/* LOG records: the level in flags bits 8-9, the line as text; what trace
 * prints, its JSON, the filter words log and level; the --print sink
 * leaves them out (the instance printed them already). */
static void test_log_records(void)
{
	static const struct {
		int level;
		const char *name;
		bool warning_or_worse;
	} lv[] = { { VT_LOG_ERR, "error", true }, { VT_LOG_WARN, "warning", true },
		   { VT_LOG_INFO, "info", false }, { VT_LOG_DEBUG, "debug", false } };
	const char *text = "gpio: SET_IRQ_TYPE line 3: the line is an output";
	uint8_t buf[512];
	char line[512], json[1024], want[256];
	struct vt_rec r;

	for (size_t i = 0; i < VT_ARRAY_SIZE(lv); i++) {
		struct vt_event ev = { .t_ns = vt_now_ns(), .text = text };
		size_t n = vt_rec_encode_kind(VT_REC_LOG, &ev, VIRTIO_ID_GPIO, 1, vt_rec_level_flags(lv[i].level), 0,
					      buf, sizeof(buf));
		EXPECT_EQ(n, 64 + strlen(text) + 1);
		EXPECT_EQ(buf[1], 14);
		EXPECT_EQ(vt_ld_le32(buf + 4), (uint32_t)lv[i].level << 8);
		EXPECT_EQ(vt_rec_parse(buf, n, &r, err, sizeof(err)), 0);
		EXPECT_EQ(r.kind, VT_REC_LOG);
		EXPECT_EQ(vt_rec_log_level(&r), lv[i].level);
		EXPECT(!strcmp(vt_rec_level_name(vt_rec_log_level(&r)), lv[i].name));
		EXPECT(r.text && !strcmp(r.text, text));
		EXPECT(!strcmp(vt_rec_kind_name(r.kind), "log"));

		EXPECT(show(buf, n, false, line, sizeof(line), json, sizeof(json), "log"));
		snprintf(want, sizeof(want), "gpio.1 log %s: %s\n", lv[i].name, text);
		EXPECT(!strcmp(line, want));
		if (strcmp(line, want))
			printf("#   got \"%s\"\n", line);
		snprintf(want, sizeof(want), "\"event\":\"log\",\"kind\":14,\"level\":\"%s\",\"text\":\"%s\"",
			 lv[i].name, text);
		EXPECT_STR_HAS(json, want);
		EXPECT_EQ(show(buf, n, false, line, sizeof(line), json, sizeof(json), "level warning"),
			  lv[i].warning_or_worse);
		EXPECT_EQ(show(buf, n, false, line, sizeof(line), json, sizeof(json), "level warn and gpio"),
			  lv[i].warning_or_worse);
		EXPECT(show(buf, n, false, line, sizeof(line), json, sizeof(json), "level debug"));
		EXPECT_EQ(show(buf, n, false, line, sizeof(line), json, sizeof(json), "level err"), i == 0);
		EXPECT(!show(buf, n, false, line, sizeof(line), json, sizeof(json), "used or ring-error or drops"));
		/* -q: the level only */
		show(buf, n, true, line, sizeof(line), json, sizeof(json), "");
		snprintf(want, sizeof(want), "gpio.1 log %s\n", lv[i].name);
		EXPECT(!strcmp(line, want));

		/* serve --print (even -v): on stderr already, not on stdout again */
		char out[256] = "";
		FILE *f = fmemopen(out, sizeof(out), "w");
		struct vt_trace_printer p = { .out = f, .verbose = true };
		vt_trace_printer_record(&p, buf, n);
		fclose(f);
		EXPECT_EQ(strlen(out), 0);
	}

	/* Cut by the snap length: the text keeps its NUL, the line its marker. */
	struct vt_event ev = { .t_ns = vt_now_ns(), .text = text };
	size_t n = vt_rec_encode_kind(VT_REC_LOG, &ev, VIRTIO_ID_GPIO, 0, vt_rec_level_flags(VT_LOG_WARN), 64 + 11,
				      buf, sizeof(buf));
	EXPECT_EQ(n, 75);
	show(buf, n, false, line, sizeof(line), json, sizeof(json), "");
	EXPECT(!strcmp(line, "gpio log warning: gpio: SET_ [|]\n"));
	/* Control characters from the line print escaped. */
	ev.text = "bad\x1b[2Jline";
	n = vt_rec_encode_kind(VT_REC_LOG, &ev, VIRTIO_ID_GPIO, 0, vt_rec_level_flags(VT_LOG_ERR), 0, buf, sizeof(buf));
	show(buf, n, false, line, sizeof(line), json, sizeof(json), "");
	EXPECT(!strcmp(line, "gpio log error: bad\\x1b[2Jline\n"));
	/* Levels out of range are clamped by the writer; bits 8-9 mean a level
	 * only in a LOG record. */
	EXPECT_EQ(vt_rec_level_flags(-1), 0);
	EXPECT_EQ(vt_rec_level_flags(9), 3u << 8);
	EXPECT(vt_rec_level_name(4) == NULL);
	struct vt_event ke = { .kind = VT_EV_KICK, .t_ns = vt_now_ns() };
	n = vt_rec_encode(&ke, VIRTIO_ID_GPIO, 0, 3u << 8, 0, buf, sizeof(buf));
	EXPECT_EQ(vt_rec_parse(buf, n, &r, err, sizeof(err)), 0);
	EXPECT_EQ(vt_rec_log_level(&r), -1);
	EXPECT(!show(buf, n, false, line, sizeof(line), json, sizeof(json), "log or level debug"));
	/* The filter's word for a level is checked. */
	char ferr[128];
	EXPECT(vt_filter_compile("level loud", ferr, sizeof(ferr)) == NULL);
	EXPECT_STR_HAS(ferr, "at 7: expected error, warning, info or debug after 'level', got 'loud'");
	EXPECT(vt_filter_compile("level", ferr, sizeof(ferr)) == NULL);
	EXPECT_STR_HAS(ferr, "after 'level', got the end");
}

/* A valid USED record with text, to corrupt: i2c read 8 + text "x". */
static size_t good_record(uint8_t *buf, size_t len)
{
	static struct i2c_req q;
	i2c_build(&q, 0x50, true, 8);
	struct vt_event ev = ev_for(VT_EV_USED, &q.c, 9);
	ev.text = "x";
	return vt_rec_encode(&ev, VIRTIO_ID_I2C, 0, 0, 0, buf, len);
}

/* Parses a heap copy of exactly len bytes (ASan catches any over-read);
 * returns the parse result, reason in err. */
static int parse_copy(const uint8_t *buf, size_t len)
{
	struct vt_rec r;
	uint8_t *b = malloc(len ? len : 1);
	memcpy(b, buf, len);
	err[0] = '\0';
	int rc = vt_rec_parse(b, len, &r, err, sizeof(err));
	free(b);
	return rc;
}

#define SEG0 64   /* first segment table entry */

static void test_corrupt(void)
{
	uint8_t good[512], b[600];
	size_t n = good_record(good, sizeof(good));
	EXPECT_EQ(n, 64 + 36 + 17 + 2);
	EXPECT_EQ(parse_copy(good, n), 0);

	/* every truncation is refused */
	for (size_t len = 0; len < n; len++)
		EXPECT_EQ(parse_copy(good, len), -1);
	EXPECT_EQ(parse_copy(good, 63), -1);
	EXPECT_STR_HAS(err, "record too short: 63 bytes");
	EXPECT_EQ(parse_copy(good, n - 1), -1);
	EXPECT_STR_HAS(err, "text (2 bytes at 117) runs past the end");
	EXPECT_EQ(parse_copy(good, 64 + 20), -1);
	EXPECT_STR_HAS(err, "segment table (3 segments, 36 bytes at 64) runs past the end");
	EXPECT_EQ(parse_copy(good, 64 + 36 + 5), -1);
	EXPECT_STR_HAS(err, "payload (17 bytes at 100) runs past the end");

	memcpy(b, good, n);
	b[0] = 0;
	EXPECT_EQ(parse_copy(b, n), -1);
	EXPECT_STR_HAS(err, "version 0");

	memcpy(b, good, n);
	vt_st_le16(b + 2, 60);
	EXPECT_EQ(parse_copy(b, n), -1);
	EXPECT_STR_HAS(err, "header_len 60 is shorter than the fixed header");
	vt_st_le16(b + 2, 0);
	EXPECT_EQ(parse_copy(b, n), -1);
	EXPECT_STR_HAS(err, "header_len 0 is shorter");

	memcpy(b, good, n);
	vt_st_le16(b + 2, 5000);
	EXPECT_EQ(parse_copy(b, n), -1);
	EXPECT_STR_HAS(err, "header_len 5000 runs past the end of the record (119 bytes)");
	vt_st_le16(b + 2, 0xffff);
	EXPECT_EQ(parse_copy(b, n), -1);
	EXPECT_STR_HAS(err, "header_len 65535 runs past");

	memcpy(b, good, n);
	vt_st_le16(b + 18, 0xffff);   /* nseg */
	EXPECT_EQ(parse_copy(b, n), -1);
	EXPECT_STR_HAS(err, "segment table (65535 segments, 786420 bytes at 64) runs past the end");

	memcpy(b, good, n);
	vt_st_le32(b + SEG0 + 8, 9);  /* segment 0: caplen 9 > len 8 */
	EXPECT_EQ(parse_copy(b, n), -1);
	EXPECT_STR_HAS(err, "segment 0 captures 9 bytes of 8");

	memcpy(b, good, n);
	b[SEG0 + 12 * 2] = 0;         /* status segment made readable */
	EXPECT_EQ(parse_copy(b, n), -1);
	EXPECT_STR_HAS(err, "segment 2 is readable after a writable one");

	memcpy(b, good, n);
	vt_st_le32(b + 52, 16);       /* caplen */
	EXPECT_EQ(parse_copy(b, n), -1);
	EXPECT_STR_HAS(err, "segments capture 17 bytes but caplen is 16");

	memcpy(b, good, n);
	vt_st_le32(b + SEG0 + 12 + 8, 7);   /* segment 1 caplen 8 -> 7 */
	EXPECT_EQ(parse_copy(b, n), -1);
	EXPECT_STR_HAS(err, "segments capture 16 bytes but caplen is 17");

	memcpy(b, good, n);
	vt_st_le32(b + 56, 18);       /* origlen */
	EXPECT_EQ(parse_copy(b, n), -1);
	EXPECT_STR_HAS(err, "segment lengths add up to 17 but origlen is 18");

	/* Overflow-sized lengths: 3 x 0xffffffff captured must not wrap to
	 * something that fits. */
	memcpy(b, good, n);
	for (int i = 0; i < 3; i++) {
		vt_st_le32(b + SEG0 + 12 * i + 4, 0xffffffff);
		vt_st_le32(b + SEG0 + 12 * i + 8, 0xffffffff);
	}
	vt_st_le32(b + 52, 0xfffffffd);  /* (3 * 0xffffffff) mod 2^32 */
	EXPECT_EQ(parse_copy(b, n), -1);
	EXPECT_STR_HAS(err, "segments capture 12884901885 bytes but caplen is 4294967293");

	memcpy(b, good, n);
	vt_st_le32(b + SEG0 + 4, 0xffffffff);
	vt_st_le32(b + SEG0 + 8, 0xffffffff);
	vt_st_le32(b + 52, 0xffffffff);      /* seg0 all, others 0 */
	vt_st_le32(b + SEG0 + 12 + 8, 0);
	vt_st_le32(b + SEG0 + 24 + 8, 0);
	vt_st_le32(b + 56, 0xffffffff);      /* saturated sum */
	EXPECT_EQ(parse_copy(b, n), -1);
	EXPECT_STR_HAS(err, "payload (4294967295 bytes at 100) runs past the end");

	memcpy(b, good, n);
	vt_st_le32(b + 60, 0xffffffff);      /* textlen */
	EXPECT_EQ(parse_copy(b, n), -1);
	EXPECT_STR_HAS(err, "text (4294967295 bytes at 117) runs past the end");

	memcpy(b, good, n);
	b[n - 1] = 'y';
	EXPECT_EQ(parse_copy(b, n), -1);
	EXPECT_STR_HAS(err, "text is not NUL-terminated");

	memcpy(b, good, n);
	b[n] = 0;
	EXPECT_EQ(parse_copy(b, n + 1), -1);
	EXPECT_STR_HAS(err, "1 bytes left over after the text (lengths do not add up)");

	memcpy(b, good, n);
	vt_st_le32(b + 60, 0);               /* text dropped from the count */
	EXPECT_EQ(parse_copy(b, n), -1);
	EXPECT_STR_HAS(err, "2 bytes left over");

	/* NULL err is allowed */
	struct vt_rec r;
	EXPECT_EQ(vt_rec_parse(good, 10, &r, NULL, 0), -1);

	/* Unknown kinds and flag bits parse (the caller shows them). */
	memcpy(b, good, n);
	b[1] = 200;
	vt_st_le32(b + 4, 0x80000000u);
	EXPECT_EQ(parse_copy(b, n), 0);
}

/* A version-2 record with 8 more header bytes and a trailing section: a
 * version-1 reader decodes what it knows and skips the rest. */
static void test_newer_version(void)
{
	uint8_t good[512], b[600];
	size_t n = good_record(good, sizeof(good));
	struct vt_rec r1, r2;
	EXPECT_EQ(vt_rec_parse(good, n, &r1, err, sizeof(err)), 0);

	memcpy(b, good, 64);
	memset(b + 64, 0xee, 8);
	memcpy(b + 72, good + 64, n - 64);
	memset(b + 72 + n - 64, 0xdd, 5);
	b[0] = VT_REC_VERSION + 1;   /* newer than we know: trailing bytes skipped */
	vt_st_le16(b + 2, 72);
	size_t n2 = n + 8 + 5;
	EXPECT_EQ(parse_copy(b, n2), 0);
	EXPECT_EQ(vt_rec_parse(b, n2, &r2, err, sizeof(err)), 0);
	EXPECT_EQ(r2.version, VT_REC_VERSION + 1);
	EXPECT_EQ(r2.header_len, 72);
	EXPECT_EQ(r2.nseg, 3);
	EXPECT_EQ(r2.caplen, r1.caplen);
	EXPECT_EQ(r2.req_id, r1.req_id);
	EXPECT(memcmp(r2.payload, r1.payload, r1.caplen) == 0);
	EXPECT(r2.text && strcmp(r2.text, "x") == 0);
	EXPECT_EQ(r2.len, n2);

	struct vt_chain c1, c2;
	struct vt_seg s1[4], s2[4];
	EXPECT_EQ(vt_rec_chain(&r1, &c1, s1, 4), 0);
	EXPECT_EQ(vt_rec_chain(&r2, &c2, s2, 4), 0);
	char line[256];
	snprintf(line, sizeof(line), "%s", summary(&c1, true, 9));
	EXPECT(strcmp(summary(&c2, true, 9), line) == 0);

	/* Version 1 with a longer header is read the same way. */
	b[0] = 1;
	EXPECT_EQ(parse_copy(b, n2 - 5), 0);
}

/* ---- pcap ---- */

static char tmpdir[64];

static void tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static size_t file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fclose(f);
	return n > 0 ? (size_t)n : 0;
}

static void test_pcap_roundtrip(void)
{
	char path[128], cut[128], cmd[512];
	uint8_t recs[3][512];
	size_t lens[3];
	uint64_t ts[3];
	struct i2c_req q;

	tmp_path(path, sizeof(path), "three.pcap");
	i2c_build(&q, 0x50, true, 8);
	struct vt_event evs[3] = {
		ev_for(VT_EV_KICK, NULL, 0),
		ev_for(VT_EV_AVAIL, &q.c, 0),
		ev_for(VT_EV_USED, &q.c, 9),
	};
	for (int i = 0; i < 3; i++) {
		lens[i] = vt_rec_encode(&evs[i], VIRTIO_ID_I2C, 0, 0, 0, recs[i], sizeof(recs[i]));
		EXPECT(lens[i] >= 64);
		struct vt_rec r;
		EXPECT_EQ(vt_rec_parse(recs[i], lens[i], &r, err, sizeof(err)), 0);
		ts[i] = r.ts_ns + (uint64_t)i * 1001;  /* distinct ns digits */
	}

	struct vt_pcap_writer *w = vt_pcap_open_write(path, 0, 0, err, sizeof(err));
	EXPECT(w != NULL);
	if (!w)
		return;
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(vt_pcap_write(w, recs[i], lens[i], ts[i]), 0);
	EXPECT_EQ(vt_pcap_write(w, recs[0], 300000, ts[0]), -EMSGSIZE);
	EXPECT_EQ(vt_pcap_flush(w), 0);
	EXPECT_EQ(vt_pcap_close(w), 0);

	/* classic pcap, nanosecond magic, little-endian as written here,
	 * link type 147 */
	uint8_t fh[24] = { 0 };
	FILE *f = fopen(path, "rb");
	EXPECT(f && fread(fh, 1, 24, f) == 24);
	if (f)
		fclose(f);
	EXPECT_EQ(vt_ld_le32(fh), 0xa1b23c4d);
	EXPECT_EQ(vt_ld_le32(fh + 16), 262144);
	EXPECT_EQ(vt_ld_le32(fh + 20), 147);
	EXPECT_EQ(file_size(path), 24 + 3 * 16 + lens[0] + lens[1] + lens[2]);

	struct vt_pcap_reader *r = vt_pcap_open_read(path, err, sizeof(err));
	EXPECT(r != NULL);
	if (!r)
		return;
	EXPECT_EQ(vt_pcap_linktype(r), 147);
	EXPECT_EQ(vt_pcap_snaplen(r), 262144);
	const uint8_t *rec;
	size_t len;
	uint64_t t;
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(vt_pcap_next(r, &rec, &len, &t, err, sizeof(err)), 1);
		EXPECT_EQ(len, lens[i]);
		EXPECT_EQ(vt_pcap_wire_len(r), lens[i]);
		EXPECT(memcmp(rec, recs[i], lens[i]) == 0);
		EXPECT_EQ(t, ts[i]);
	}
	EXPECT_EQ(vt_pcap_next(r, &rec, &len, &t, err, sizeof(err)), 0);
	vt_pcap_close_read(r);

	/* tcpdump opens it: 3 packets (one line each, then its hex dump) */
	if (system("command -v tcpdump >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof(cmd), "tcpdump -nr '%s' 2>/dev/null | grep -c '^[0-9]'", path);
		FILE *p = popen(cmd, "r");
		int count = -1;
		EXPECT(p && fscanf(p, "%d", &count) == 1);
		if (p)
			pclose(p);
		EXPECT_EQ(count, 3);
	} else {
		printf("# tcpdump not installed: skipping the tcpdump -r check\n");
	}

	/* cut in the middle of the third record: two records, then a clean
	 * error from libpcap */
	tmp_path(cut, sizeof(cut), "cut.pcap");
	snprintf(cmd, sizeof(cmd), "head -c %zu '%s' > '%s'", file_size(path) - 10, path, cut);
	EXPECT_EQ(system(cmd), 0);
	r = vt_pcap_open_read(cut, err, sizeof(err));
	EXPECT(r != NULL);
	if (r) {
		EXPECT_EQ(vt_pcap_next(r, &rec, &len, &t, err, sizeof(err)), 1);
		EXPECT_EQ(vt_pcap_next(r, &rec, &len, &t, err, sizeof(err)), 1);
		EXPECT_EQ(vt_pcap_next(r, &rec, &len, &t, err, sizeof(err)), -1);
		EXPECT_STR_HAS(err, "record 3: truncated dump file");
		vt_pcap_close_read(r);
	}
	/* cut inside a packet header */
	snprintf(cmd, sizeof(cmd), "head -c %zu '%s' > '%s'", (size_t)24 + 16 + lens[0] + 5, path, cut);
	EXPECT_EQ(system(cmd), 0);
	r = vt_pcap_open_read(cut, err, sizeof(err));
	EXPECT(r != NULL);
	if (r) {
		EXPECT_EQ(vt_pcap_next(r, &rec, &len, &t, err, sizeof(err)), 1);
		EXPECT_EQ(vt_pcap_next(r, &rec, &len, &t, err, sizeof(err)), -1);
		EXPECT_STR_HAS(err, "record 2: truncated dump file");
		vt_pcap_close_read(r);
	}
}

static void test_pcap_errors(void)
{
	char path[128];

	tmp_path(path, sizeof(path), "not.pcap");
	FILE *f = fopen(path, "w");
	EXPECT(f != NULL);
	if (f) {
		fputs("this is not a pcap file, just some text\n", f);
		fclose(f);
	}
	EXPECT(vt_pcap_open_read(path, err, sizeof(err)) == NULL);
	EXPECT_STR_HAS(err, "unknown file format");

	tmp_path(path, sizeof(path), "missing.pcap");
	EXPECT(vt_pcap_open_read(path, err, sizeof(err)) == NULL);
	EXPECT_STR_HAS(err, "No such file");

	EXPECT(vt_pcap_open_write("/nonexistent-dir/x.pcap", 0, 0, err, sizeof(err)) == NULL);
	EXPECT_STR_HAS(err, "/nonexistent-dir/x.pcap: No such file");

	/* a microsecond file from elsewhere reads as ns too; custom link type */
	tmp_path(path, sizeof(path), "usec.pcap");
	f = fopen(path, "wb");
	uint8_t hdr[24 + 16 + 4];
	vt_st_le32(hdr, 0xa1b2c3d4);
	vt_st_le16(hdr + 4, 2);
	vt_st_le16(hdr + 6, 4);
	vt_st_le32(hdr + 8, 0);
	vt_st_le32(hdr + 12, 0);
	vt_st_le32(hdr + 16, 65535);
	vt_st_le32(hdr + 20, 148);
	vt_st_le32(hdr + 24, 1700000000);
	vt_st_le32(hdr + 28, 123456);
	vt_st_le32(hdr + 32, 4);
	vt_st_le32(hdr + 36, 4);
	memcpy(hdr + 40, "abcd", 4);
	EXPECT(f && fwrite(hdr, 1, sizeof(hdr), f) == sizeof(hdr));
	if (f)
		fclose(f);
	struct vt_pcap_reader *r = vt_pcap_open_read(path, err, sizeof(err));
	EXPECT(r != NULL);
	if (r) {
		const uint8_t *rec;
		size_t len;
		uint64_t t;
		EXPECT_EQ(vt_pcap_linktype(r), 148);
		EXPECT_EQ(vt_pcap_next(r, &rec, &len, &t, err, sizeof(err)), 1);
		EXPECT_EQ(t, 1700000000123456000ull);
		vt_pcap_close_read(r);
	}
}

int main(void)
{
	vt_log_set_quiet(1);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vt-trace-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_kind_names);
	RUN(test_avail_used_roundtrip);
	RUN(test_snaplen);
	RUN(test_text_kinds);
	RUN(test_log_records);
	RUN(test_corrupt);
	RUN(test_newer_version);
	RUN(test_pcap_roundtrip);
	RUN(test_pcap_errors);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return tap_done();
}
