/* Generator of the golden captures in tests/trace/ (checked in: the tests
 * never run this).  Each capture holds records made by the real encoder
 * (vt_rec_encode) from synthetic chains, one per decoder, with fixed
 * timestamps so that the expected outputs do not depend on the clock.
 * Regenerate with tests/trace/regen.sh (then review the diff of the
 * expected outputs: they are the contract).
 *
 *   gen DIR [NAME...]
 *               writes DIR/NAME.pcap of each NAME (i2c gpio scmi blk rng hex
 *               events broken vhost log scmi-names), all without NAMEs; broken is
 *               truncated.pcap, corrupt.pcap, notpcap.pcap, recut.pcap.
 *
 * The captures but vhost and log hold version-1 records and stay as version 1
 * wrote them: they are what proves that old captures still read, so
 * regen.sh no longer rewrites them (the encoder writes version 2). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/pcap.h"
#include "trace/record.h"
#include "util/bytes.h"
#include "virtio/virtio.h"
#include "vhost/proto.h"
#include "virtio/virtio_i2c.h"
#include "virtio/virtio_scmi.h"

/* 2026-01-02 12:01:02.000000000 UTC */
#define T0 1767355262000000000ull

struct gen {
	struct vt_pcap_writer *w;
	uint32_t vid;
	uint64_t ts;
	uint32_t snaplen;
};

struct seg {
	const void *data;   /* NULL: zeroes */
	uint32_t len;
	int writable;
};

static uint8_t store[64][512];

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* A chain of n segments; writable segments are filled by `resp` later. */
static void mk_chain(struct vt_chain *c, struct vt_seg *segs, const struct seg *s, unsigned n)
{
	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < n; i++) {
		if (s[i].len > sizeof(store[0]))
			die("segment too long");
		memset(store[i], 0, sizeof(store[i]));
		if (s[i].data)
			memcpy(store[i], s[i].data, s[i].len);
		segs[i] = (struct vt_seg){ .ptr = store[i], .len = s[i].len, .writable = s[i].writable };
		if (s[i].writable) {
			c->nwrite++;
			c->write_len += s[i].len;
		} else {
			c->nread++;
			c->read_len += s[i].len;
		}
	}
	c->seg = segs;
}

static void emit_raw(struct gen *g, const struct vt_event *ev, uint32_t flags, int kind, uint16_t instance)
{
	uint8_t buf[4096];
	size_t len = vt_rec_encode(ev, g->vid, instance, flags, g->snaplen, buf, sizeof(buf));

	if (!len)
		die("encode failed");
	if (kind)
		buf[1] = (uint8_t)kind;
	vt_st_le64(buf + 32, g->ts);   /* fixed time, not the clock's */
	if (vt_pcap_write(g->w, buf, len, g->ts) < 0)
		die("write failed");
}

static void ev_simple(struct gen *g, enum vt_event_kind k, unsigned q, const char *text, uint32_t request,
		      int kind)
{
	struct vt_event ev = { .kind = k, .queue = q, .text = text, .request = request };

	g->ts += 1000;
	emit_raw(g, &ev, 0, kind, 0);
}

/* One request: avail at now, used (or another completion kind) lat_ns
 * later, with the writable bytes of resp (used bytes of them). */
static uint64_t next_id = 1;

static void request(struct gen *g, unsigned q, const struct seg *s, unsigned n, const void *resp,
		    uint32_t used, uint64_t lat_ns, uint32_t used_flags, int used_kind, bool avail)
{
	struct vt_chain c;
	struct vt_seg segs[16];
	uint64_t id = next_id++;
	uint16_t head = (uint16_t)(id * 3 % 16);

	mk_chain(&c, segs, s, n);
	c.head = head;
	struct vt_event ev = { .kind = VT_EV_AVAIL, .queue = q, .head = head, .req_id = id, .chain = &c };
	g->ts += 1000;
	if (avail)
		emit_raw(g, &ev, 0, 0, 0);
	/* The device writes its response into the writable segments. */
	const uint8_t *rp = resp;
	uint32_t off = 0;
	for (unsigned i = 0; i < n && rp; i++) {
		if (!segs[i].writable)
			continue;
		uint32_t k = segs[i].len;
		if (off + k > used)
			k = used > off ? used - off : 0;
		memcpy(segs[i].ptr, rp + off, k);
		off += segs[i].len;
	}
	ev.kind = VT_EV_USED;
	ev.used_len = used;
	ev.latency_ns = lat_ns;
	g->ts += lat_ns;
	emit_raw(g, &ev, used_flags, used_kind, 0);
}

static struct gen open_gen(const char *dir, const char *name, uint32_t vid)
{
	char path[512], err[256];
	struct gen g = { .vid = vid, .ts = T0 };

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	g.w = vt_pcap_open_write(path, 0, 0, err, sizeof(err));
	if (!g.w)
		die("%s", err);
	return g;
}

static void close_gen(struct gen *g)
{
	if (vt_pcap_close(g->w) < 0)
		die("close failed");
}

/* ---- i2c ---- */

static void i2c_hdr(uint8_t *h, unsigned addr7, uint32_t flags)
{
	vt_st_le16(h, (uint16_t)(addr7 << 1));
	vt_st_le16(h + 2, 0);
	vt_st_le32(h + 4, flags);
}

static void gen_i2c(const char *dir)
{
	struct gen g = open_gen(dir, "i2c.pcap", VIRTIO_ID_I2C);
	uint8_t h[8], wd[2] = { 0x00, 0x10 }, ok[1] = { 0 }, errst[1] = { 1 };
	uint8_t rd[9] = { 0x76, 0x69, 0x74, 0x6f, 0x6f, 0x6c, 0x21, 0x0a, 0x00 };

	ev_simple(&g, VT_EV_CONNECT, 0, NULL, 0, 0);
	ev_simple(&g, VT_EV_VHOST_MSG, 0, NULL, 1, 0);
	ev_simple(&g, VT_EV_VHOST_MSG, 0, NULL, 8, 0);
	/* write 2 bytes to 0x50, FAIL_NEXT, then read 8: one group */
	i2c_hdr(h, 0x50, VIRTIO_I2C_FLAGS_FAIL_NEXT);
	request(&g, 0, (struct seg[]){ { h, 8, 0 }, { wd, 2, 0 }, { NULL, 1, 1 } }, 3, ok, 1, 41000, 0, 0, true);
	ev_simple(&g, VT_EV_KICK, 0, NULL, 0, 0);
	i2c_hdr(h, 0x50, VIRTIO_I2C_FLAGS_M_RD);
	request(&g, 0, (struct seg[]){ { h, 8, 0 }, { NULL, 8, 1 }, { NULL, 1, 1 } }, 3, rd, 9, 8300, 0, 0, true);
	ev_simple(&g, VT_EV_CALL, 0, NULL, 0, 0);
	/* probe of 0x30: nobody answers */
	i2c_hdr(h, 0x30, 0);
	request(&g, 0, (struct seg[]){ { h, 8, 0 }, { NULL, 1, 1 } }, 2, errst, 1, 2500, 0, 0, true);
	/* a read of 0x51 that timed out, then completed late */
	i2c_hdr(h, 0x51, VIRTIO_I2C_FLAGS_M_RD);
	uint8_t rd2[3] = { 0x12, 0x34, 0 };
	{
		struct vt_chain c;
		struct vt_seg segs[3];
		uint64_t id = next_id++;
		mk_chain(&c, segs, (struct seg[]){ { h, 8, 0 }, { NULL, 2, 1 }, { NULL, 1, 1 } }, 3);
		c.head = 7;
		struct vt_event ev = { .kind = VT_EV_AVAIL, .queue = 0, .head = 7, .req_id = id, .chain = &c };
		g.ts += 1000;
		emit_raw(&g, &ev, 0, 0, 0);
		ev.latency_ns = 1000000000;
		g.ts += 1000000000;
		emit_raw(&g, &ev, VT_REC_F_TIMED_OUT, VT_REC_TIMEOUT, 0);
		memcpy(segs[1].ptr, rd2, 2);
		memcpy(segs[2].ptr, rd2 + 2, 1);
		ev.kind = VT_EV_USED;
		ev.used_len = 3;
		ev.latency_ns = 1250000000;
		g.ts += 250000000;
		emit_raw(&g, &ev, VT_REC_F_TIMED_OUT | VT_REC_F_LATE, VT_REC_LATE, 0);
	}
	/* an out-of-order completion and a failed write to 0x20 */
	i2c_hdr(h, 0x20, 0);
	uint8_t wr3[3] = { 0x01, 0xaa, 0x55 };
	request(&g, 0, (struct seg[]){ { h, 8, 0 }, { wr3, 3, 0 }, { NULL, 1, 1 } }, 3, errst, 1, 15200, VT_REC_F_OUT_OF_ORDER, 0, true);
	/* a request the device wrote nothing for */
	i2c_hdr(h, 0x50, 0);
	request(&g, 0, (struct seg[]){ { h, 8, 0 }, { wd, 2, 0 }, { NULL, 1, 1 } }, 3, NULL, 0, 900, 0, 0, false);
	ev_simple(&g, VT_EV_RING_ERROR, 0, "descriptor 5 points outside guest memory", 0, 0);
	ev_simple(&g, VT_EV_RING_ERROR, 0, "5 records dropped", 0, 13);
	ev_simple(&g, VT_EV_DISCONNECT, 0, NULL, 0, 0);
	close_gen(&g);
}

/* ---- gpio ---- */

static void gpio_req(uint8_t *r, uint16_t type, uint16_t line, uint32_t value)
{
	vt_st_le16(r, type);
	vt_st_le16(r + 2, line);
	vt_st_le32(r + 4, value);
}

static void gen_gpio(const char *dir)
{
	struct gen g = open_gen(dir, "gpio.pcap", VIRTIO_ID_GPIO);
	uint8_t r[8];
	uint8_t names[1 + 20] = "\0reset\0led\0button\0\0";
	uint8_t ok[2] = { 0, 0 }, one[2] = { 0, 1 }, in[2] = { 0, 2 }, err[2] = { 1, 0 }, valid[1] = { 1 };

	gpio_req(r, 1, 0, 0);
	request(&g, 0, (struct seg[]){ { r, 8, 0 }, { NULL, 20, 1 } }, 2, names, 20, 12000, 0, 0, true);
	gpio_req(r, 3, 3, 1);
	request(&g, 0, (struct seg[]){ { r, 8, 0 }, { NULL, 2, 1 } }, 2, ok, 2, 5100, 0, 0, true);
	gpio_req(r, 5, 3, 1);
	request(&g, 0, (struct seg[]){ { r, 8, 0 }, { NULL, 2, 1 } }, 2, ok, 2, 4800, 0, 0, true);
	gpio_req(r, 4, 2, 0);
	request(&g, 0, (struct seg[]){ { r, 8, 0 }, { NULL, 2, 1 } }, 2, one, 2, 4700, 0, 0, true);
	gpio_req(r, 2, 2, 0);
	request(&g, 0, (struct seg[]){ { r, 8, 0 }, { NULL, 2, 1 } }, 2, in, 2, 4600, 0, 0, true);
	gpio_req(r, 6, 2, 1);
	request(&g, 0, (struct seg[]){ { r, 8, 0 }, { NULL, 2, 1 } }, 2, ok, 2, 6000, 0, 0, true);
	gpio_req(r, 5, 9, 1);
	request(&g, 0, (struct seg[]){ { r, 8, 0 }, { NULL, 2, 1 } }, 2, err, 2, 3900, 0, 0, true);
	uint8_t ev[2];
	vt_st_le16(ev, 2);
	ev_simple(&g, VT_EV_KICK, 1, NULL, 0, 0);
	request(&g, 1, (struct seg[]){ { ev, 2, 0 }, { NULL, 1, 1 } }, 2, valid, 1, 250000000, 0, 0, true);
	ev_simple(&g, VT_EV_CALL, 1, NULL, 0, 0);
	close_gen(&g);
}

/* ---- scmi ---- */

static uint32_t scmi_hdr(unsigned proto, unsigned msg, unsigned type, unsigned token)
{
	return msg | type << 8 | proto << 10 | token << 18;
}

static void gen_scmi(const char *dir)
{
	struct gen g = open_gen(dir, "scmi.pcap", VIRTIO_ID_SCMI);
	uint8_t req[8], resp[16];

	/* PERF (0x13) LEVEL_GET (msg 8) of domain 0 */
	vt_st_le32(req, scmi_hdr(0x13, 8, 0, 12));
	vt_st_le32(req + 4, 0);
	vt_st_le32(resp, scmi_hdr(0x13, 8, 0, 12));
	vt_st_le32(resp + 4, 0);
	vt_st_le32(resp + 8, 1200000);
	request(&g, 0, (struct seg[]){ { req, 8, 0 }, { NULL, 12, 1 } }, 2, resp, 12, 35000, 0, 0, true);
	/* CLOCK (0x14) msg 3 of a clock that does not exist */
	vt_st_le32(req, scmi_hdr(0x14, 3, 0, 13));
	vt_st_le32(req + 4, 99);
	vt_st_le32(resp, scmi_hdr(0x14, 3, 0, 13));
	vt_st_le32(resp + 4, (uint32_t)-4);
	request(&g, 0, (struct seg[]){ { req, 8, 0 }, { NULL, 16, 1 } }, 2, resp, 8, 21000, 0, 0, true);
	/* BASE PROTOCOL_VERSION */
	vt_st_le32(req, scmi_hdr(0x10, 0, 0, 14));
	vt_st_le32(resp, scmi_hdr(0x10, 0, 0, 14));
	vt_st_le32(resp + 4, 0);
	vt_st_le32(resp + 8, 0x20000);
	request(&g, 0, (struct seg[]){ { req, 4, 0 }, { NULL, 12, 1 } }, 2, resp, 12, 9000, 0, 0, true);
	/* eventq: a SENSOR notification and a delayed response, out of order */
	vt_st_le32(resp, scmi_hdr(0x15, 0, 3, 0));
	vt_st_le32(resp + 4, 0);
	vt_st_le32(resp + 8, 3);
	vt_st_le32(resp + 12, 4200);
	request(&g, 1, (struct seg[]){ { NULL, 64, 1 } }, 1, resp, 16, 800000000, 0, 0, true);
	vt_st_le32(resp, scmi_hdr(0x14, 5, 2, 15));
	vt_st_le32(resp + 4, 0);
	vt_st_le32(resp + 8, 1);
	request(&g, 1, (struct seg[]){ { NULL, 64, 1 } }, 1, resp, 12, 120000, VT_REC_F_OUT_OF_ORDER, 0, true);
	close_gen(&g);
}

/* Every name the decoder knows (lib/virtio/virtio_scmi.c), one message
 * each, and one of each kind it does not: the Lua dissector's tables are
 * checked against it (trace.bats).  Commands of every protocol with a
 * SUCCESS response; BASE PROTOCOL_VERSION answered with every status; the
 * notifications; delayed responses; an unknown protocol, message and
 * type. */
static void scmi_names_cmd(struct gen *g, unsigned proto, unsigned msg, uint32_t status)
{
	static unsigned token;
	uint8_t req[4], resp[8];

	vt_st_le32(req, scmi_hdr(proto, msg, 0, token));
	vt_st_le32(resp, scmi_hdr(proto, msg, 0, token));
	vt_st_le32(resp + 4, status);
	token = (token + 1) % 1024;
	request(g, 0, (struct seg[]){ { req, 4, 0 }, { NULL, 8, 1 } }, 2, resp, 8, 1000, 0, 0, true);
}

static void scmi_names_event(struct gen *g, unsigned proto, unsigned msg, unsigned type)
{
	uint8_t ev[8];

	vt_st_le32(ev, scmi_hdr(proto, msg, type, type == 2 ? 7 : 0));
	vt_st_le32(ev + 4, 0);
	request(g, 1, (struct seg[]){ { NULL, 64, 1 } }, 1, ev, 8, 1000, 0, 0, true);
}

static void gen_scmi_names(const char *dir)
{
	struct gen g = open_gen(dir, "scmi-names.pcap", VIRTIO_ID_SCMI);
	static const unsigned protos[] = { 0x10, 0x13, 0x14, 0x15 };

	for (unsigned i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		for (unsigned msg = 0; msg < 256; msg++)
			if (vt_scmi_msg_name(protos[i], msg, 0))
				scmi_names_cmd(&g, protos[i], msg, 0);
		scmi_names_cmd(&g, protos[i], 0xfe, 0);
		for (unsigned msg = 0; msg < 256; msg++)
			if (vt_scmi_msg_name(protos[i], msg, 1))
				scmi_names_event(&g, protos[i], msg, 3);
		scmi_names_event(&g, protos[i], 0xfe, 3);
	}
	for (unsigned p = 0x11; p <= 0x19; p++)   /* named protocols without messages of their own */
		if (p != 0x13 && p != 0x14 && p != 0x15)
			scmi_names_cmd(&g, p, 0x3, 0);
	scmi_names_cmd(&g, 0x80, 0, 0);
	for (int st = 0; st >= -12; st--)
		scmi_names_cmd(&g, 0x10, 0, (uint32_t)st);
	scmi_names_event(&g, 0x15, 6, 2);
	scmi_names_event(&g, 0x14, 5, 2);
	scmi_names_event(&g, 0x10, 3, 1);
	close_gen(&g);
}

/* ---- blk ---- */

static void blk_hdr(uint8_t *h, uint32_t type, uint64_t sector)
{
	vt_st_le32(h, type);
	vt_st_le32(h + 4, 0);
	vt_st_le64(h + 8, sector);
}

static void gen_blk(const char *dir)
{
	struct gen g = open_gen(dir, "blk.pcap", VIRTIO_ID_BLOCK);
	uint8_t h[16], data[512], resp[513];

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	memcpy(resp, data, 512);
	resp[512] = 0;
	blk_hdr(h, 0, 2048);
	request(&g, 0, (struct seg[]){ { h, 16, 0 }, { NULL, 512, 1 }, { NULL, 1, 1 } }, 3, resp, 513, 61000, 0, 0, true);
	blk_hdr(h, 1, 8);
	uint8_t st[1] = { 0 };
	request(&g, 0, (struct seg[]){ { h, 16, 0 }, { data, 512, 0 }, { NULL, 1, 1 } }, 3, st, 1, 72000, 0, 0, true);
	blk_hdr(h, 4, 0);
	request(&g, 0, (struct seg[]){ { h, 16, 0 }, { NULL, 1, 1 } }, 2, st, 1, 150000, 0, 0, true);
	blk_hdr(h, 8, 0);
	uint8_t id[21] = "vitool-disk-0";
	request(&g, 0, (struct seg[]){ { h, 16, 0 }, { NULL, 20, 1 }, { NULL, 1, 1 } }, 3, id, 21, 11000, 0, 0, true);
	blk_hdr(h, 1, 1 << 20);
	uint8_t ioerr[1] = { 1 };
	request(&g, 0, (struct seg[]){ { h, 16, 0 }, { data, 512, 0 }, { NULL, 1, 1 } }, 3, ioerr, 1, 5200000, 0, 0, true);
	close_gen(&g);
}

/* ---- rng and an unknown device ---- */

static void gen_rng(const char *dir)
{
	struct gen g = open_gen(dir, "rng.pcap", VIRTIO_ID_RNG);
	uint8_t e[64];

	for (unsigned i = 0; i < sizeof(e); i++)
		e[i] = (uint8_t)(i * 37 + 11);
	request(&g, 0, (struct seg[]){ { NULL, 64, 1 } }, 1, e, 64, 14000, 0, 0, true);
	request(&g, 0, (struct seg[]){ { NULL, 32, 1 } }, 1, e, 16, 9000, 0, 0, true);
	close_gen(&g);
}

static void gen_hex(const char *dir)
{
	struct gen g = open_gen(dir, "hex.pcap", 7);
	uint8_t req[24], resp[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	for (unsigned i = 0; i < sizeof(req); i++)
		req[i] = (uint8_t)(0xa0 + i);
	request(&g, 2, (struct seg[]){ { req, 24, 0 }, { NULL, 8, 1 } }, 2, resp, 8, 3300, 0, 0, true);
	close_gen(&g);
}

/* A record cut by a small snap length (TRUNCATED, " [|]"), an indirect
 * chain, and an instance number: the header paths decoders do not see. */
static void gen_events(const char *dir)
{
	struct gen g = open_gen(dir, "events.pcap", VIRTIO_ID_I2C);
	uint8_t h[8], wd[40];

	for (unsigned i = 0; i < sizeof(wd); i++)
		wd[i] = (uint8_t)i;
	i2c_hdr(h, 0x50, 0);
	g.snaplen = 64 + 3 * 12 + 20;
	request(&g, 0, (struct seg[]){ { h, 8, 0 }, { wd, 40, 0 }, { NULL, 1, 1 } }, 3, (uint8_t[]){ 0 }, 1, 30000, 0, 0, true);
	g.snaplen = 0;
	{
		struct vt_chain c;
		struct vt_seg segs[3];
		i2c_hdr(h, 0x51, VIRTIO_I2C_FLAGS_M_RD);
		mk_chain(&c, segs, (struct seg[]){ { h, 8, 0 }, { NULL, 1, 1 }, { NULL, 1, 1 } }, 3);
		c.indirect = true;
		c.head = 2;
		struct vt_event ev = { .kind = VT_EV_AVAIL, .queue = 0, .head = 2, .req_id = 99, .chain = &c };
		g.ts += 1000;
		emit_raw(&g, &ev, 0, 0, 3);
		segs[1].ptr[0] = 0x42;
		ev.kind = VT_EV_USED;
		ev.used_len = 2;
		ev.latency_ns = 7000;
		g.ts += 7000;
		emit_raw(&g, &ev, 0, 0, 3);
		/* the chain could not be walked */
		ev.chain = NULL;
		ev.req_id = 100;
		g.ts += 1000;
		emit_raw(&g, &ev, 0, 0, 3);
	}
	close_gen(&g);
}

/* ---- broken files ---- */

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	static uint8_t buf[1 << 16];

	if (!f)
		die("%s: cannot open", path);
	*len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return buf;
}

static void spit(const char *path, const uint8_t *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(p, 1, len, f) != len || fclose(f) != 0)
		die("%s: cannot write", path);
}

static void gen_broken(const char *dir)
{
	char in[512], out[512];
	size_t len;

	snprintf(in, sizeof(in), "%s/i2c.pcap", dir);
	uint8_t *p = slurp(in, &len);
	/* Cut in the middle of the 6th packet's data. */
	size_t off = 24;
	for (int i = 0; i < 5; i++)
		off += 16 + vt_ld_le32(p + off + 8);
	snprintf(out, sizeof(out), "%s/truncated.pcap", dir);
	spit(out, p, off + 16 + 20);

	/* 5th record: a segment caplen that does not add up. */
	off = 24;
	for (int i = 0; i < 4; i++)
		off += 16 + vt_ld_le32(p + off + 8);
	uint8_t *rec = p + off + 16;
	vt_st_le32(rec + 64 + 8, vt_ld_le32(rec + 64 + 8) + 1);
	snprintf(out, sizeof(out), "%s/corrupt.pcap", dir);
	spit(out, p, len);
	vt_st_le32(rec + 64 + 8, vt_ld_le32(rec + 64 + 8) - 1);

	/* A capture of the 4th record re-cut by a smaller snaplen. */
	off = 24;
	for (int i = 0; i < 3; i++)
		off += 16 + vt_ld_le32(p + off + 8);
	uint32_t cap = vt_ld_le32(p + off + 8);
	vt_st_le32(p + off + 8, 70);
	vt_st_le32(p + off + 12, cap);
	memmove(p + off + 16 + 70, p + off + 16 + cap, len - (off + 16 + cap));
	snprintf(out, sizeof(out), "%s/recut.pcap", dir);
	spit(out, p, len - (cap - 70));

	snprintf(out, sizeof(out), "%s/notpcap.pcap", dir);
	spit(out, (const uint8_t *)"this is not a capture\n", 22);
}

/* ---- vhost-user messages (version 2) ---- */

/* One message: dir, request, flags word, payload, fds; patch(buf) may
 * break the record afterwards (hostile input). */
static void msg(struct gen *g, uint8_t dir, uint32_t request, uint32_t flags, const void *payload,
		uint32_t size, uint8_t nfds, void (*patch)(uint8_t *rec))
{
	uint8_t buf[4096];
	struct vt_event ev = {
		.kind = VT_EV_VHOST_MSG, .request = request, .msg_dir = dir, .msg_flags = flags,
		.msg_size = size, .msg_payload = payload, .msg_nfds = nfds,
	};
	size_t len = vt_rec_encode(&ev, g->vid, 0, 0, g->snaplen, buf, sizeof(buf));

	if (!len)
		die("encode failed");
	g->ts += 1000;
	vt_st_le64(buf + 32, g->ts);
	if (patch)
		patch(buf);
	if (vt_pcap_write(g->w, buf, len, g->ts) < 0)
		die("write failed");
}

static void bad_dir(uint8_t *rec)
{
	rec[64] = 7;
}

static void gen_vhost(const char *dir)
{
	struct gen g = open_gen(dir, "vhost.pcap", VIRTIO_ID_I2C);
	const uint8_t F = VT_MSG_TO_BACKEND, B = VT_MSG_TO_FRONTEND;
	const uint32_t V = VT_VHOST_VERSION, R = V | VT_VHOST_FLAG_REPLY, N = V | VT_VHOST_FLAG_NEED_REPLY;
	uint64_t features = 0x171000001ull, acked = 0x170000001ull, ok = 0, kick = 0;
	struct vt_vhost_mem_table mem = { .nregions = 1, .regions = { { 0, 0x10000000, 0x7f0000000000ull, 0 } } };
	struct vt_vhost_vring_state num = { 0, 64 }, base = { 0, 0 }, last = { 0, 5 };
	struct vt_vhost_vring_addr addr = {
		.desc_user_addr = 0x7f0000001000ull, .avail_user_addr = 0x7f0000001400ull,
		.used_user_addr = 0x7f0000001488ull,
	};

	ev_simple(&g, VT_EV_CONNECT, 0, NULL, 0, 0);
	msg(&g, F, VHOST_USER_GET_FEATURES, V, NULL, 0, 0, NULL);
	msg(&g, B, VHOST_USER_GET_FEATURES, R, &features, 8, 0, NULL);
	msg(&g, F, VHOST_USER_SET_FEATURES, N, &acked, 8, 0, NULL);
	msg(&g, B, VHOST_USER_SET_FEATURES, R, &ok, 8, 0, NULL);
	msg(&g, F, VHOST_USER_SET_MEM_TABLE, N, &mem, 8 + 32, 1, NULL);
	msg(&g, F, VHOST_USER_SET_VRING_NUM, V, &num, 8, 0, NULL);
	msg(&g, F, VHOST_USER_SET_VRING_BASE, V, &base, 8, 0, NULL);
	msg(&g, F, VHOST_USER_SET_VRING_ADDR, V, &addr, sizeof(addr), 0, NULL);
	msg(&g, F, VHOST_USER_SET_VRING_KICK, V, &kick, 8, 1, NULL);
	msg(&g, F, VHOST_USER_SET_CONFIG, V, (uint8_t[20]){ 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, 20, 0, NULL);
	msg(&g, F, VHOST_USER_GET_VRING_BASE, V, &base, 8, 0, NULL);
	msg(&g, B, VHOST_USER_GET_VRING_BASE, R, &last, 8, 0, NULL);
	/* Hostile: cut by the snaplen inside the payload, and a direction
	 * that does not exist. */
	g.snaplen = VT_REC_MSG_HDR_LEN + VT_REC_SEG_LEN + 8;
	msg(&g, F, VHOST_USER_SET_VRING_ADDR, V, &addr, sizeof(addr), 0, NULL);
	g.snaplen = 0;
	msg(&g, F, VHOST_USER_SET_VRING_NUM, V, &num, 8, 0, bad_dir);
	ev_simple(&g, VT_EV_DISCONNECT, 0, NULL, 0, 0);
	close_gen(&g);
}

/* ---- log lines (kind LOG, version 2) ---- */

/* One log line of level, from device instance; snaplen 0: whole. */
static void log_line(struct gen *g, int level, uint16_t instance, const char *text)
{
	uint8_t buf[4096];
	struct vt_event ev = { .text = text };
	size_t len = vt_rec_encode_kind(VT_REC_LOG, &ev, g->vid, instance, vt_rec_level_flags(level), g->snaplen,
					buf, sizeof(buf));

	if (!len)
		die("encode failed");
	g->ts += 1000;
	vt_st_le64(buf + 32, g->ts);
	if (vt_pcap_write(g->w, buf, len, g->ts) < 0)
		die("write failed");
}

/* Every level, between the records they explain; a second instance; a
 * control character (printed escaped); a line cut by the snap length. */
static void gen_log(const char *dir)
{
	struct gen g = open_gen(dir, "log.pcap", VIRTIO_ID_GPIO);

	log_line(&g, 2, 0, "vhost-user: front-end connected");
	ev_simple(&g, VT_EV_CONNECT, 0, NULL, 0, 0);
	log_line(&g, 1, 0, "gpio: SET_IRQ_TYPE line 3: the line is an output");
	log_line(&g, 0, 0, "queue 0 stopped: descriptor 5: address 0x1000+0x20 is outside guest memory");
	ev_simple(&g, VT_EV_RING_ERROR, 0, "descriptor 5: address 0x1000+0x20 is outside guest memory", 0, 0);
	log_line(&g, 3, 0, "vhost-user: GET_CONFIG 20 bytes");
	log_line(&g, 1, 2, "gpio: bad request (head 7): 4 readable bytes (need 8)\tcompleted with used length 0");
	g.snaplen = VT_REC_HDR_LEN + 24;
	log_line(&g, 1, 0, "control: dropping a client that does not read its replies");
	g.snaplen = 0;
	log_line(&g, 2, 0, "vhost-user: front-end disconnected");
	ev_simple(&g, VT_EV_DISCONNECT, 0, NULL, 0, 0);
	close_gen(&g);
}

static const struct {
	const char *name;
	void (*gen)(const char *dir);
} gens[] = {
	{ "i2c", gen_i2c }, { "gpio", gen_gpio }, { "scmi", gen_scmi }, { "blk", gen_blk },
	{ "rng", gen_rng }, { "hex", gen_hex }, { "events", gen_events }, { "broken", gen_broken },
	{ "vhost", gen_vhost }, { "log", gen_log }, { "scmi-names", gen_scmi_names },
};

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: gen DIR [NAME...]");
	for (size_t i = 0; i < sizeof(gens) / sizeof(gens[0]); i++) {
		bool want = argc == 2;
		for (int a = 2; a < argc; a++)
			want |= !strcmp(argv[a], gens[i].name);
		if (want)
			gens[i].gen(argv[1]);
	}
	return 0;
}
