/* virtio-i2c driver for vitool's front-end, modelled on what Linux's
 * drivers/i2c/busses/i2c-virtio.c puts on the ring: one chain per message
 * (out header, optional data buffer, in status byte), FAIL_NEXT on every
 * message of a transfer but the last, all added before a single kick.
 * Plus the i2ctransfer-style word parser ("w2@0x50 0x00 0x10 r8"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/i2c.h"
#include "hw/i2c_bus.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/loop.h"
#include "util/parse.h"
#include "virtio/virtio.h"
#include "virtio/virtio_i2c.h"

#define I2C_HDR_SIZE 8

/* ---- i2ctransfer syntax --------------------------------------------------- */

static bool is_msg_word(const char *w)
{
	return (w[0] == 'r' || w[0] == 'w') && w[1] >= '0' && w[1] <= '9';
}

/* "rLEN[@ADDR]" / "wLEN[@ADDR]"; *addr untouched when there is no @. */
static int parse_msg_word(const char *w, struct vt_i2c_op *op, int *addr, char *err, size_t errlen)
{
	char len_s[16];
	const char *at = strchr(w, '@');
	size_t n = at ? (size_t)(at - w) - 1 : strlen(w) - 1;

	if (!is_msg_word(w) || n >= sizeof(len_s)) {
		snprintf(err, errlen, "%s: expected rLEN[@ADDR] or wLEN[@ADDR]", w);
		return -1;
	}
	memcpy(len_s, w + 1, n);
	len_s[n] = '\0';
	unsigned len;
	if (!vt_parse_uint(len_s, 65535, &len)) {
		snprintf(err, errlen, "%s: length must be 0-65535", w);
		return -1;
	}
	if (at) {
		unsigned a;
		if (!vt_parse_uint(at + 1, 0x7f, &a)) {
			snprintf(err, errlen, "%s: address must be 0x00-0x7f", w);
			return -1;
		}
		*addr = (int)a;
	}
	if (*addr < 0) {
		snprintf(err, errlen, "%s: no address (give the first message one: %s@ADDR)", w, w);
		return -1;
	}
	op->read = w[0] == 'r';
	op->len = len;
	op->addr = (uint16_t)*addr;
	return 0;
}

int vt_i2c_parse_ops(char *const *words, unsigned nwords, struct vt_i2c_xfer *x, char *err, size_t errlen)
{
	int addr = -1;
	unsigned i = 0;

	memset(x, 0, sizeof(*x));
	while (i < nwords) {
		const char *w = words[i++];
		if (x->n == VT_I2C_MAX_OPS) {
			snprintf(err, errlen, "%s: too many messages (at most %u)", w, VT_I2C_MAX_OPS);
			return -1;
		}
		struct vt_i2c_op *op = &x->op[x->n];
		if (parse_msg_word(w, op, &addr, err, errlen) < 0)
			return -1;
		if (op->len) {
			/* Reads get their buffer now; the transfer fills it. */
			op->data = calloc(1, op->len);
			if (!op->data) {
				snprintf(err, errlen, "%s: out of memory", w);
				return -1;
			}
		}
		x->n++;
		if (op->read)
			continue;
		for (uint32_t k = 0; k < op->len; k++) {
			if (i >= nwords || is_msg_word(words[i])) {
				snprintf(err, errlen, "%s: expected %u data bytes, got %u", w,
					 (unsigned)op->len, (unsigned)k);
				return -1;
			}
			unsigned v;
			if (!vt_parse_uint(words[i], 255, &v)) {
				snprintf(err, errlen, "%s: data byte \"%s\" is not 0-255", w, words[i]);
				return -1;
			}
			op->data[k] = (uint8_t)v;
			i++;
		}
	}
	if (x->n == 0) {
		snprintf(err, errlen, "no messages (expected rLEN[@ADDR] or wLEN[@ADDR] ...)");
		return -1;
	}
	return 0;
}

void vt_i2c_xfer_free(struct vt_i2c_xfer *x)
{
	for (unsigned i = 0; i < x->n && i < VT_I2C_MAX_OPS; i++) {
		free(x->op[i].data);
		x->op[i].data = NULL;
	}
	x->n = 0;
}

/* ---- driver ---------------------------------------------------------------- */

int vt_i2c_driver_start(struct vt_frontend *fe, uint16_t queue_size, bool indirect)
{
	struct vt_fe_opts o = {
		.nqueues = 1,
		.queue_size = queue_size,
		.want_features = VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VIRTIO_RING_F_INDIRECT_DESC) |
				 VT_BIT(VIRTIO_RING_F_EVENT_IDX) |
				 VT_BIT(VIRTIO_I2C_F_ZERO_LENGTH_REQUEST),
		.use_event_idx = true,
	};
	int rc = vt_fe_start(fe, &o);
	if (rc < 0)
		return rc;
	/* Like Linux (virtio_i2c_probe), refuse a device without zero-length
	 * requests: probing and SMBus quick commands depend on them. */
	if (!(fe->features & VT_BIT(VIRTIO_I2C_F_ZERO_LENGTH_REQUEST))) {
		snprintf(fe->err, sizeof(fe->err),
			 "device does not offer VIRTIO_I2C_F_ZERO_LENGTH_REQUEST, which is mandatory");
		return -ENOTSUP;
	}
	if (indirect && !(fe->features & VT_BIT(VIRTIO_RING_F_INDIRECT_DESC))) {
		snprintf(fe->err, sizeof(fe->err), "device does not offer VIRTIO_RING_F_INDIRECT_DESC");
		return -ENOTSUP;
	}
	return 0;
}

/* One message on its way through the ring. */
struct i2c_slot {
	uint16_t addr;
	bool read;
	uint32_t len;
	const uint8_t *wdata;   /* write: bytes to send */
	uint8_t *rdata;         /* read: where the data goes */
	uint32_t flags;
	/* Filled in by the batch. */
	uint8_t *g_data;        /* in guest memory */
	uint8_t *g_status;
	bool done;
	uint8_t status;
	uint32_t used;
};

/* Tokens carry a per-batch generation, so an entry the device uses after
 * we gave up on it (timeout) is recognised as late instead of being taken
 * for a message of a newer batch. */
static uintptr_t batch_gen;

static void *make_token(unsigned idx)
{
	return (void *)((batch_gen << 16) | (uintptr_t)(idx + 1));
}

static long token_index(void *tok)
{
	uintptr_t v = (uintptr_t)tok;
	if ((v >> 16) != (batch_gen & (UINTPTR_MAX >> 16)))
		return -1;
	return (long)(v & 0xffff) - 1;
}

/* Adds slot i; -ENOSPC when the ring or guest memory is full. */
static int add_slot(struct vt_frontend *fe, struct i2c_slot *s, unsigned i, bool indirect)
{
	struct vt_dseg segs[3];
	unsigned n = 0;
	uint64_t gpa;
	uint8_t *hdr = vt_gmem_alloc(&fe->mem, I2C_HDR_SIZE, 8, &gpa);
	if (!hdr)
		return -ENOSPC;
	vt_st_le16(hdr, (uint16_t)(s->addr << 1));   /* 7-bit address in bits 7..1 */
	vt_st_le16(hdr + 2, 0);
	vt_st_le32(hdr + 4, s->flags);
	segs[n++] = (struct vt_dseg){ .gpa = gpa, .len = I2C_HDR_SIZE, .writable = false };
	if (s->len) {
		/* A zero-length message carries no data descriptor at all. */
		s->g_data = vt_gmem_alloc(&fe->mem, s->len, 1, &gpa);
		if (!s->g_data)
			return -ENOSPC;
		if (!s->read)
			memcpy(s->g_data, s->wdata, s->len);
		segs[n++] = (struct vt_dseg){ .gpa = gpa, .len = s->len, .writable = s->read };
	}
	s->g_status = vt_gmem_alloc(&fe->mem, 1, 1, &gpa);
	if (!s->g_status)
		return -ENOSPC;
	*s->g_status = 0xff;  /* neither OK nor ERR until the device writes it */
	segs[n++] = (struct vt_dseg){ .gpa = gpa, .len = 1, .writable = true };
	return vt_dvq_add(&fe->vq[0], segs, n, indirect, make_token(i));
}

/* Reaps used entries until the n outstanding slots of this chunk are back
 * or the deadline passes.  0, -ETIMEDOUT or -errno. */
static int collect(struct vt_frontend *fe, struct i2c_slot *s, unsigned n, uint64_t deadline)
{
	unsigned outstanding = n;
	bool timed_out = false;

	for (;;) {
		uint32_t len;
		uint16_t head;
		void *tok;
		while (outstanding && (tok = vt_dvq_get(&fe->vq[0], &len, &head))) {
			long i = token_index(tok);
			if (i < 0 || s[i].done) {
				vt_debug("i2c: late completion of head %u from an earlier transfer", head);
				continue;
			}
			struct i2c_slot *m = &s[i];
			m->done = true;
			m->used = len;
			m->status = *m->g_status;
			if (m->read && m->len && m->status == VIRTIO_I2C_MSG_OK)
				memcpy(m->rdata, m->g_data, m->len);
			outstanding--;
		}
		if (!outstanding)
			return 0;
		if (timed_out) {
			snprintf(fe->err, sizeof(fe->err),
				 "timed out: %u of %u messages not completed", outstanding, n);
			return -ETIMEDOUT;
		}
		vt_dvq_enable_cb(&fe->vq[0]);
		int ms = vt_ms_until(deadline);
		int rc = ms ? vt_fe_wait(fe, 0, ms) : 0;
		if (rc < 0)
			return rc;
		if (rc == 0)
			timed_out = true;  /* one more look at the used ring, then give up */
	}
}

/* Puts the slots on the ring in as few kicks as the ring (and guest memory)
 * allow: fill, kick, wait for that chunk, repeat.  Slot flags are set by the
 * caller.  timeout_ms <= 0 means 1000 ms, the Linux adapter's timeout.
 * 0 or -errno (fe->err set). */
static int run_slots(struct vt_frontend *fe, struct i2c_slot *s, unsigned n, bool indirect,
		     int timeout_ms)
{
	if (timeout_ms <= 0)
		timeout_ms = 1000;
	uint64_t deadline = vt_now_ns() + (uint64_t)timeout_ms * 1000000;

	if (fe->nqueues < 1) {
		snprintf(fe->err, sizeof(fe->err), "i2c driver not started");
		return -EINVAL;
	}
	batch_gen++;
	for (unsigned i = 0; i < n;) {
		uint64_t mark = vt_gmem_mark(&fe->mem);
		unsigned start = i;
		int rc = 0;
		while (i < n && (rc = add_slot(fe, &s[i], i, indirect)) == 0)
			i++;
		if (rc != 0 && rc != -ENOSPC) {
			vt_gmem_release(&fe->mem, mark);
			unsigned room = indirect ? vt_dvq_indirect_max(&fe->vq[0]) : fe->vq[0].num;
			if (rc == -EINVAL && room < 3)
				snprintf(fe->err, sizeof(fe->err),
					 "message %u needs up to 3 descriptors but a chain on this queue "
					 "holds %u (queue size %u%s): use a larger queue size", i + 1,
					 room, fe->vq[0].num, indirect ? ", indirect" : "");
			else
				snprintf(fe->err, sizeof(fe->err), "adding message %u: %s", i + 1,
					 strerror(-rc));
			return rc;
		}
		if (i == start) {
			vt_gmem_release(&fe->mem, mark);
			snprintf(fe->err, sizeof(fe->err),
				 "message %u (%u bytes) does not fit in the ring or guest memory",
				 start + 1, (unsigned)s[start].len);
			return -ENOSPC;
		}
		/* The failed add_slot() may have taken guest memory: it goes with
		 * the release below. */
		rc = vt_fe_kick(fe, 0);
		if (rc < 0)
			return rc;
		rc = collect(fe, s, i - start, deadline);
		if (rc < 0)
			return rc;  /* the device may still write there: keep the memory */
		vt_gmem_release(&fe->mem, mark);
	}
	return 0;
}

/* An i2c device writes its status byte, OK or ERR, on every request: any
 * other byte (or none: the 0xff put there before) is not an i2c device's
 * answer. */
static int check_status(struct vt_frontend *fe, const struct i2c_slot *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (s[i].status == VIRTIO_I2C_MSG_OK || s[i].status == VIRTIO_I2C_MSG_ERR)
			continue;
		snprintf(fe->err, sizeof(fe->err), "message %u: status byte 0x%02x is neither OK nor ERR",
			 i + 1, s[i].status);
		return -EBADMSG;
	}
	return 0;
}

int vt_i2c_transfer(struct vt_frontend *fe, struct vt_i2c_xfer *x, bool indirect, int timeout_ms)
{
	struct i2c_slot s[VT_I2C_MAX_OPS];
	unsigned n = x->n;

	if (n == 0 || n > VT_I2C_MAX_OPS) {
		snprintf(fe->err, sizeof(fe->err), "transfer of %u messages (1-%u)", n, VT_I2C_MAX_OPS);
		return -EINVAL;
	}
	memset(s, 0, sizeof(s));
	for (unsigned i = 0; i < n; i++) {
		struct vt_i2c_op *op = &x->op[i];
		if (op->addr > 0x7f || op->len > VT_I2C_MAX_MSG_LEN) {
			snprintf(fe->err, sizeof(fe->err), "message %u: address 0x%x / length %u out of range",
				 i + 1, op->addr, (unsigned)op->len);
			return -EINVAL;
		}
		if (op->len && !op->data) {
			if (!op->read) {
				snprintf(fe->err, sizeof(fe->err), "message %u: write without data", i + 1);
				return -EINVAL;
			}
			op->data = calloc(1, op->len);
			if (!op->data) {
				snprintf(fe->err, sizeof(fe->err), "out of memory");
				return -ENOMEM;
			}
		}
		s[i].addr = op->addr;
		s[i].read = op->read;
		s[i].len = op->len;
		s[i].wdata = op->data;
		s[i].rdata = op->data;
		/* One group: every message but the last says "fail the next one
		 * if I fail", which also tells the device they belong together. */
		s[i].flags = (op->read ? VIRTIO_I2C_FLAGS_M_RD : 0) |
			     (i + 1 < n ? VIRTIO_I2C_FLAGS_FAIL_NEXT : 0);
	}
	/* -vv: what is about to go out, as i2ctransfer -v prints it. */
	for (unsigned i = 0; i < n && vt_log_verbosity >= VT_LOG_DEBUG; i++) {
		char buf[5 * 16 + 8] = "";
		size_t at = 0;
		for (uint32_t k = 0; !s[i].read && k < s[i].len && k < 16; k++)
			at += (size_t)snprintf(buf + at, sizeof(buf) - at, " 0x%02x", s[i].wdata[k]);
		if (!s[i].read && s[i].len > 16)
			snprintf(buf + at, sizeof(buf) - at, " ...");
		vt_debug("i2c: msg %u: addr 0x%02x, %s, len %u%s%s", i, s[i].addr, s[i].read ? "read" : "write",
			 (unsigned)s[i].len, !s[i].read && s[i].len ? ", buf" : "", buf);
	}
	int rc = run_slots(fe, s, n, indirect, timeout_ms);
	if (rc < 0)
		return rc;
	rc = check_status(fe, s, n);
	if (rc < 0)
		return rc;
	int ret = 0;
	for (unsigned i = 0; i < n; i++) {
		x->op[i].status = s[i].status == VIRTIO_I2C_MSG_OK ? VIRTIO_I2C_MSG_OK : VIRTIO_I2C_MSG_ERR;
		if (x->op[i].status != VIRTIO_I2C_MSG_OK) {
			ret = 1;
			continue;
		}
		/* A successful read must say it wrote the data and the status:
		 * anything else means the data cannot be trusted. */
		if (s[i].read && s[i].used != s[i].len + 1) {
			snprintf(fe->err, sizeof(fe->err), "message %u: used length %u, expected %u",
				 i + 1, (unsigned)s[i].used, (unsigned)s[i].len + 1);
			return -EPROTO;
		}
	}
	return ret;
}

int vt_i2c_detect(struct vt_frontend *fe, uint16_t first, uint16_t last, bool present[128],
		  bool indirect, int timeout_ms)
{
	for (unsigned a = 0; a < 128; a++)
		present[a] = false;
	if (first > last || last > 0x7f) {
		snprintf(fe->err, sizeof(fe->err), "bad address range 0x%02x-0x%02x", first, last);
		return -EINVAL;
	}
	unsigned n = (unsigned)(last - first) + 1;
	struct i2c_slot s[128];
	memset(s, 0, sizeof(s));
	/* Each probe is its own group (no FAIL_NEXT): a zero-length write,
	 * i2cdetect -q style; an absent address fails only its own probe. */
	for (unsigned i = 0; i < n; i++)
		s[i].addr = (uint16_t)(first + i);
	vt_debug("i2c: detect: a zero-length write to each of 0x%02x-0x%02x, each its own group", first, last);
	int rc = run_slots(fe, s, n, indirect, timeout_ms);
	if (rc == 0)
		rc = check_status(fe, s, n);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < n; i++)
		present[first + i] = s[i].status == VIRTIO_I2C_MSG_OK;
	return 0;
}

/* ---- --bench: each message its own request (no FAIL_NEXT), the
 * messages taking turns ---- */

bool vt_i2c_bench_check(char *const *words, unsigned n, char *err, size_t errlen)
{
	struct vt_i2c_xfer x;
	bool ok = vt_i2c_parse_ops(words, n, &x, err, errlen) == 0;

	vt_i2c_xfer_free(&x);
	return ok;
}

/* One message's chain in its slot: header, data, status. */
static bool bench_slot(struct vt_frontend *fe, const struct vt_i2c_op *op, struct vt_bench_slot *s)
{
	uint64_t gpa;
	uint8_t *hdr = vt_gmem_alloc(&fe->mem, I2C_HDR_SIZE, 8, &gpa);

	if (!hdr)
		return false;
	vt_st_le16(hdr, (uint16_t)(op->addr << 1));
	vt_st_le32(hdr + 4, op->read ? VIRTIO_I2C_FLAGS_M_RD : 0);
	s->seg[s->nseg++] = (struct vt_dseg){ .gpa = gpa, .len = I2C_HDR_SIZE };
	if (op->len) {
		uint8_t *data = vt_gmem_alloc(&fe->mem, op->len, 1, &gpa);
		if (!data)
			return false;
		if (!op->read)
			memcpy(data, op->data, op->len);
		s->seg[s->nseg++] = (struct vt_dseg){ .gpa = gpa, .len = op->len, .writable = op->read };
	}
	s->status = vt_gmem_alloc(&fe->mem, 1, 1, &gpa);
	if (!s->status)
		return false;
	s->seg[s->nseg++] = (struct vt_dseg){ .gpa = gpa, .len = 1, .writable = true };
	s->ok = VIRTIO_I2C_MSG_OK;
	s->used = op->read ? op->len + 1 : 1;
	return true;
}

bool vt_i2c_bench_plan(struct vt_frontend *fe, char *const *words, unsigned n, const struct vt_bench_conf *c,
		       struct vt_bench_plan *p, char *err, size_t errlen)
{
	struct vt_i2c_xfer x;
	bool ok = vt_i2c_parse_ops(words, n, &x, err, errlen) == 0 && vt_bench_alloc(p, c, x.n, err, errlen);

	for (unsigned k = 0; ok && k < p->nslots; k++)
		if (!bench_slot(fe, &x.op[k % x.n], &p->slot[k])) {
			snprintf(err, errlen, "out of guest memory for %u requests", p->nslots);
			ok = false;
		}
	vt_i2c_xfer_free(&x);
	return ok;
}
