/* vhost-user message records (version 2): the direction, flags, size, fd
 * count and payload round trip through the encoder and parser; the view
 * (trace/msgview.h) decodes the key payloads; a record cut short or lying
 * about its message is shown as such, never read past (every parse runs
 * on an exact-size heap copy, so ASan sees any overrun). */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "trace/msgview.h"
#include "trace/record.h"
#include "util/bytes.h"
#include "util/loop.h"
#include "vhost/proto.h"
#include "virtio/virtio.h"

static char err[256];

static size_t enc(uint8_t *buf, size_t len, uint8_t dir, uint32_t req, uint32_t flags,
		  const void *payload, uint32_t size, uint8_t nfds, uint32_t snaplen)
{
	struct vt_event ev = {
		.kind = VT_EV_VHOST_MSG, .t_ns = vt_now_ns(), .request = req, .msg_dir = dir,
		.msg_flags = flags, .msg_size = size, .msg_payload = payload, .msg_nfds = nfds,
	};
	return vt_rec_encode(&ev, VIRTIO_ID_I2C, 0, 0, snaplen, buf, len);
}

/* Parses a heap copy of exactly n bytes, and the summary the view shows. */
static int view(const uint8_t *b, size_t n, char *line, size_t linelen, int *state)
{
	uint8_t *c = malloc(n ? n : 1);
	struct vt_rec r;
	struct vt_decode_fields f;
	struct vt_sb sb;

	memcpy(c, b, n);
	int rc = vt_rec_parse(c, n, &r, err, sizeof(err));
	line[0] = '\0';
	if (rc == 0) {
		memset(&f, 0, sizeof(f));
		vt_sb_init(&sb);
		*state = vt_trace_msg_view(&sb, &f, &r);
		snprintf(line, linelen, "%s", vt_sb_str(&sb));
	}
	free(c);
	return rc;
}

static void test_roundtrip(void)
{
	uint8_t buf[512];
	struct vt_vhost_vring_addr a = { .index = 1, .desc_user_addr = 0x1000, .avail_user_addr = 0x2000,
					 .used_user_addr = 0x3000 };
	size_t n = enc(buf, sizeof(buf), VT_MSG_TO_BACKEND, VHOST_USER_SET_VRING_ADDR,
		       VT_VHOST_VERSION | VT_VHOST_FLAG_NEED_REPLY, &a, sizeof(a), 0, 0);
	struct vt_rec r;
	struct vt_rec_msg m;

	EXPECT_EQ(n, VT_REC_MSG_HDR_LEN + VT_REC_SEG_LEN + sizeof(a));
	EXPECT_EQ(buf[0], VT_REC_VERSION);
	EXPECT_EQ(vt_ld_le16(buf + 2), VT_REC_MSG_HDR_LEN);
	EXPECT_EQ(buf[64], VT_MSG_TO_BACKEND);
	EXPECT_EQ(vt_ld_le32(buf + 68), VT_VHOST_VERSION | VT_VHOST_FLAG_NEED_REPLY);
	EXPECT_EQ(vt_ld_le32(buf + 72), sizeof(a));
	EXPECT_EQ(vt_rec_parse(buf, n, &r, err, sizeof(err)), 0);
	EXPECT(r.has_msg);
	EXPECT_EQ(vt_rec_msg(&r, &m), 0);
	EXPECT_EQ(m.dir, VT_MSG_TO_BACKEND);
	EXPECT(!m.reply && m.need_reply);
	EXPECT_EQ(m.request, VHOST_USER_SET_VRING_ADDR);
	EXPECT_EQ(m.size, sizeof(a));
	EXPECT_EQ(m.caplen, sizeof(a));
	EXPECT(m.data && memcmp(m.data, &a, sizeof(a)) == 0);

	char line[256];
	int st;
	EXPECT_EQ(view(buf, n, line, sizeof(line), &st), 0);
	EXPECT_EQ(st, 0);
	EXPECT(strcmp(line, "> SET_VRING_ADDR q1 desc 0x1000 avail 0x2000 used 0x3000 need-reply") == 0);

	/* A reply with fds counted, not carried. */
	uint64_t feat = 0x140000000ull;
	n = enc(buf, sizeof(buf), VT_MSG_TO_FRONTEND, VHOST_USER_GET_FEATURES,
		VT_VHOST_VERSION | VT_VHOST_FLAG_REPLY, &feat, 8, 3, 0);
	EXPECT_EQ(view(buf, n, line, sizeof(line), &st), 0);
	EXPECT(strcmp(line, "< GET_FEATURES reply 0x140000000 fds 3") == 0);

	/* Without a direction the record stays version-1 shaped. */
	struct vt_event ev = { .kind = VT_EV_VHOST_MSG, .request = 15 };
	n = vt_rec_encode(&ev, VIRTIO_ID_I2C, 0, 0, 0, buf, sizeof(buf));
	EXPECT_EQ(n, VT_REC_HDR_LEN);
	EXPECT_EQ(view(buf, n, line, sizeof(line), &st), 0);
	EXPECT_EQ(st, -1);
	EXPECT(strcmp(line, "GET_PROTOCOL_FEATURES") == 0);
}

static void test_cut_short(void)
{
	uint8_t buf[512], full[512];
	struct vt_vhost_vring_addr a = { .index = 0 };
	char line[256];
	int st;

	/* The snaplen cuts the payload: the decoder needs 40 bytes, has 8. */
	size_t n = enc(buf, sizeof(buf), VT_MSG_TO_BACKEND, VHOST_USER_SET_VRING_ADDR, VT_VHOST_VERSION,
		       &a, sizeof(a), 0, VT_REC_MSG_HDR_LEN + VT_REC_SEG_LEN + 8);
	EXPECT_EQ(n, VT_REC_MSG_HDR_LEN + VT_REC_SEG_LEN + 8);
	EXPECT_EQ(view(buf, n, line, sizeof(line), &st), 0);
	EXPECT_EQ(st, 1);
	EXPECT(strcmp(line, "> SET_VRING_ADDR [|vhost]") == 0);

	/* So short that the segment table is gone (NO_CHAIN). */
	n = enc(buf, sizeof(buf), VT_MSG_TO_BACKEND, VHOST_USER_SET_VRING_ADDR, VT_VHOST_VERSION, &a,
		sizeof(a), 0, VT_REC_MSG_HDR_LEN);
	EXPECT_EQ(n, VT_REC_MSG_HDR_LEN);
	EXPECT_EQ(view(buf, n, line, sizeof(line), &st), 0);
	EXPECT(strcmp(line, "> SET_VRING_ADDR [|vhost]") == 0);
	/* A snaplen below the message header: nothing written. */
	EXPECT_EQ(enc(buf, sizeof(buf), VT_MSG_TO_BACKEND, 1, 1, NULL, 0, 0, VT_REC_MSG_HDR_LEN - 1), 0);

	/* A file cut inside the message header or payload: every prefix is
	 * refused or shown, never read past. */
	n = enc(full, sizeof(full), VT_MSG_TO_BACKEND, VHOST_USER_SET_VRING_ADDR, VT_VHOST_VERSION, &a,
		sizeof(a), 0, 0);
	for (size_t len = 0; len < n; len++)
		EXPECT(view(full, len, line, sizeof(line), &st) < 0);
}

static void test_hostile(void)
{
	uint8_t good[512], b[512];
	uint64_t v = 64;
	size_t n = enc(good, sizeof(good), VT_MSG_TO_BACKEND, VHOST_USER_SET_VRING_NUM, VT_VHOST_VERSION,
		       &v, 8, 0, 0);
	char line[256];
	int st;

	struct { unsigned off; uint32_t val; int width; } lies[] = {
		{ 64, 0, 1 }, { 64, 5, 1 }, { 64, 0xff, 1 },         /* no such direction */
		{ 65, 9, 1 }, { 65, 0xff, 1 },                       /* more fds than a message takes */
		{ 72, 4097, 4 }, { 72, 0xffffffffu, 4 },             /* payload over the protocol's */
		{ 72, 7, 4 }, { 72, 0, 4 },                          /* size not the segment's */
		{ 80, 1, 1 },                                        /* the payload as writable */
	};
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		memcpy(b, good, n);
		if (lies[i].width == 1)
			b[lies[i].off] = (uint8_t)lies[i].val;
		else
			vt_st_le32(b + lies[i].off, lies[i].val);
		int rc = view(b, n, line, sizeof(line), &st);
		if (lies[i].off == 80) {   /* writable: a valid record, an impossible message */
			EXPECT_EQ(rc, 0);
		}
		if (rc == 0) {
			EXPECT_EQ(st, -2);
			EXPECT_STR_HAS(line, "(invalid)");
		}
	}

	/* The back-end channel's directions: its own request names, << and >> */
	n = enc(b, sizeof(b), VT_MSG_CHANNEL_REQUEST, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG,
		VT_VHOST_VERSION | VT_VHOST_FLAG_NEED_REPLY, NULL, 0, 0, 0);
	EXPECT_EQ(view(b, n, line, sizeof(line), &st), 0);
	EXPECT_EQ(st, 0);
	EXPECT_STR_HAS(line, "<< CONFIG_CHANGE_MSG need-reply");
	uint64_t zero = 0;
	n = enc(b, sizeof(b), VT_MSG_CHANNEL_REPLY, VHOST_USER_BACKEND_CONFIG_CHANGE_MSG,
		VT_VHOST_VERSION | VT_VHOST_FLAG_REPLY, &zero, 8, 0, 0);
	EXPECT_EQ(view(b, n, line, sizeof(line), &st), 0);
	EXPECT_STR_HAS(line, ">> CONFIG_CHANGE_MSG reply 0x0");

	/* A size too small for the request's layout is what was sent: shown,
	 * not read past. */
	n = enc(b, sizeof(b), VT_MSG_TO_BACKEND, VHOST_USER_SET_VRING_ADDR, VT_VHOST_VERSION, &v, 4, 0, 0);
	EXPECT_EQ(view(b, n, line, sizeof(line), &st), 0);
	EXPECT(strcmp(line, "> SET_VRING_ADDR (invalid)") == 0);

	/* A message header that header_len does not cover is not read: the
	 * record is version-1 shaped (request number only). */
	n = enc(b, sizeof(b), VT_MSG_TO_BACKEND, VHOST_USER_GET_FEATURES, VT_VHOST_VERSION, NULL, 0, 0, 0);
	vt_st_le16(b + 2, VT_REC_HDR_LEN + 8);
	memmove(b + VT_REC_HDR_LEN + 8, b + VT_REC_MSG_HDR_LEN, n - VT_REC_MSG_HDR_LEN);
	n -= VT_REC_MSG_HDR_LEN - VT_REC_HDR_LEN - 8;
	EXPECT_EQ(view(b, n, line, sizeof(line), &st), 0);
	EXPECT_EQ(st, -1);
	EXPECT(strcmp(line, "GET_FEATURES") == 0);

	/* Version 1 knows no message header: the same bytes are skipped. */
	n = enc(b, sizeof(b), VT_MSG_TO_BACKEND, VHOST_USER_SET_VRING_NUM, VT_VHOST_VERSION, &v, 8, 0, 0);
	b[0] = 1;
	EXPECT_EQ(view(b, n, line, sizeof(line), &st), 0);
	EXPECT_EQ(st, -1);
}

/* The decoded payloads of the usual conversation. */
static void test_payloads(void)
{
	uint8_t buf[512];
	char line[256];
	int st;
	struct vt_vhost_vring_state s = { 2, 256 };
	struct vt_vhost_mem_table mem = { .nregions = 2 };
	uint64_t call = 1 | VT_VHOST_VRING_NOFD;
	struct {
		uint32_t req, flags;
		const void *p;
		uint32_t size;
		uint8_t dir, nfds;
		const char *want;
	} t[] = {
		{ VHOST_USER_SET_VRING_NUM, 1, &s, 8, 1, 0, "> SET_VRING_NUM q2 num 256" },
		{ VHOST_USER_SET_VRING_BASE, 1, &s, 8, 1, 0, "> SET_VRING_BASE q2 base 256" },
		{ VHOST_USER_GET_VRING_BASE, 5, &s, 8, 2, 0, "< GET_VRING_BASE reply q2 base 256" },
		{ VHOST_USER_SET_VRING_ENABLE, 1, &s, 8, 1, 0, "> SET_VRING_ENABLE q2 enable 256" },
		{ VHOST_USER_SET_VRING_CALL, 1, &call, 8, 1, 0, "> SET_VRING_CALL q1 nofd" },
		{ VHOST_USER_SET_MEM_TABLE, 9, &mem, 8 + 64, 1, 2, "> SET_MEM_TABLE 2 regions need-reply fds 2" },
		{ VHOST_USER_SET_VRING_NUM, 5, &call, 8, 2, 0, "< SET_VRING_NUM reply 0x101" },
		{ VHOST_USER_SET_CONFIG, 1, buf, 20, 1, 0, "> SET_CONFIG 20 bytes" },
		{ 999, 1, NULL, 0, 1, 0, "> UNKNOWN" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t rec[512];
		size_t n = enc(rec, sizeof(rec), t[i].dir, t[i].req, t[i].flags, t[i].p, t[i].size,
			       t[i].nfds, 0);
		EXPECT_EQ(view(rec, n, line, sizeof(line), &st), 0);
		if (strcmp(line, t[i].want)) {
			printf("#   got \"%s\", want \"%s\"\n", line, t[i].want);
			EXPECT(0);
		}
	}
}

int main(void)
{
	RUN(test_roundtrip);
	RUN(test_cut_short);
	RUN(test_hostile);
	RUN(test_payloads);
	return tap_done();
}
