/* virtio-blk driver (see blk.h). */
#include "drivers/blk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "vhost/proto.h"
#include "util/hexdump.h"
#include "util/log.h"
#include "util/loop.h"
#include "util/parse.h"
#include "vhost/msg.h"
#include "virtio/virtio.h"
#include "virtio/virtio_blk.h"

#define SECTOR VIRTIO_BLK_SECTOR_SIZE

/* ---- words ---- */

enum blk_op { OP_READ, OP_WRITE, OP_FLUSH, OP_ID, OP_CAPACITY, OP_WAIT_CONFIG };

struct blk_word {
	enum blk_op op;
	uint64_t sector;
	unsigned count;        /* read */
	const char *file;      /* write */
	unsigned used;         /* words taken */
};

static bool is_number(const char *s)
{
	uint64_t v;

	return vt_parse_u64(s, UINT64_MAX, &v);
}

/* The operation at words[0]: false with err set. */
static bool parse_word(char *const *words, unsigned n, struct blk_word *w, char *err, size_t errlen)
{
	*w = (struct blk_word){ .count = 1, .used = 1 };
	if (!strcmp(words[0], "flush")) {
		w->op = OP_FLUSH;
		return true;
	}
	if (!strcmp(words[0], "id")) {
		w->op = OP_ID;
		return true;
	}
	if (!strcmp(words[0], "capacity")) {
		w->op = OP_CAPACITY;
		return true;
	}
	if (!strcmp(words[0], "wait-config")) {
		w->op = OP_WAIT_CONFIG;
		return true;
	}
	if (strcmp(words[0], "read") && strcmp(words[0], "write")) {
		snprintf(err, errlen,
			 "'%s': expected read SECTOR [COUNT], write SECTOR FILE|-, flush, id, capacity or wait-config",
			 words[0]);
		return false;
	}
	w->op = words[0][0] == 'r' ? OP_READ : OP_WRITE;
	/* The last sector a request may start at: its byte offset fits 64 bits. */
	if (n < 2 || !vt_parse_u64(words[1], UINT64_MAX / SECTOR, &w->sector)) {
		snprintf(err, errlen, "%s: want a sector number, 0-%llu", words[0],
			 (unsigned long long)(UINT64_MAX / SECTOR));
		return false;
	}
	w->used = 2;
	if (w->op == OP_READ) {
		if (n > 2 && is_number(words[2])) {
			if (!vt_parse_uint(words[2], VT_BLK_COUNT_MAX, &w->count) || !w->count) {
				snprintf(err, errlen, "read %s %s: want a sector count, 1-%u", words[1], words[2],
					 VT_BLK_COUNT_MAX);
				return false;
			}
			w->used = 3;
		}
		return true;
	}
	if (n < 3) {
		snprintf(err, errlen, "write %s: which FILE ('-': standard input)?", words[1]);
		return false;
	}
	w->file = words[2];
	w->used = 3;
	return true;
}

bool vt_blk_check_words(char *const *words, unsigned n, char *err, size_t errlen)
{
	bool stdin_taken = false;
	struct blk_word w;

	for (unsigned i = 0; i < n; i += w.used) {
		if (!parse_word(words + i, n - i, &w, err, errlen))
			return false;
		if (w.op == OP_WRITE && !strcmp(w.file, "-")) {
			if (stdin_taken) {
				snprintf(err, errlen, "write %s -: standard input is read once only", words[i + 1]);
				return false;
			}
			stdin_taken = true;
		}
	}
	return true;
}

/* ---- start ---- */

static int read_config(struct vt_blk_disk *d);

int vt_blk_driver_start(struct vt_frontend *fe, uint16_t queue_size, bool indirect, struct vt_blk_disk *d)
{
	struct vt_fe_opts o = {
		.nqueues = 1,
		.queue_size = queue_size,
		.want_features = VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VIRTIO_RING_F_EVENT_IDX) |
				 VT_BIT(VIRTIO_BLK_F_SIZE_MAX) | VT_BIT(VIRTIO_BLK_F_SEG_MAX) |
				 VT_BIT(VIRTIO_BLK_F_RO) | VT_BIT(VIRTIO_BLK_F_BLK_SIZE) |
				 VT_BIT(VIRTIO_BLK_F_FLUSH) |
				 (indirect ? VT_BIT(VIRTIO_RING_F_INDIRECT_DESC) : 0),
		.use_event_idx = true,
	};
	int r;

	*d = (struct vt_blk_disk){ .fe = fe, .chunk = VT_BLK_CHUNK };
	r = vt_fe_start(fe, &o);
	if (r < 0)
		return r;
	if (indirect && !(fe->features & VT_BIT(VIRTIO_RING_F_INDIRECT_DESC))) {
		snprintf(fe->err, sizeof(fe->err), "device does not offer VIRTIO_RING_F_INDIRECT_DESC");
		return -ENOTSUP;
	}
	d->ro = fe->features & VT_BIT(VIRTIO_BLK_F_RO);
	d->flush = fe->features & VT_BIT(VIRTIO_BLK_F_FLUSH);
	if (!(fe->protocol_features & VT_BIT(VHOST_USER_PROTOCOL_F_CONFIG)))
		return 0;   /* no config space to read: requests go out unchecked */
	r = read_config(d);
	if (r < 0)
		return r;
	vt_info("drive: blk: capacity %llu sectors (%llu bytes), block size %u%s%s",
		(unsigned long long)d->capacity, (unsigned long long)d->capacity * SECTOR, d->blk_size,
		d->ro ? ", read-only" : "", d->flush ? ", flush" : "");
	return 0;
}

/* The config space read again: capacity, block size, size_max. */
static int read_config(struct vt_blk_disk *d)
{
	struct vt_frontend *fe = d->fe;
	uint8_t cfg[VIRTIO_BLK_CFG_SIZE];
	int r = vt_fe_get_config(fe, 0, cfg, sizeof(cfg));

	if (r < 0)
		return r;
	d->have_config = true;
	d->capacity = vt_ld_le64(cfg + VIRTIO_BLK_CFG_CAPACITY);
	if (fe->features & VT_BIT(VIRTIO_BLK_F_BLK_SIZE))
		d->blk_size = vt_ld_le32(cfg + VIRTIO_BLK_CFG_BLK_SIZE);
	if (fe->features & VT_BIT(VIRTIO_BLK_F_SIZE_MAX)) {
		uint32_t max = vt_ld_le32(cfg + VIRTIO_BLK_CFG_SIZE_MAX) / SECTOR * SECTOR;
		if (max && max < d->chunk)
			d->chunk = max;
	}
	return 0;
}

/* ---- one request ---- */

/* err becomes "what: err". */
static void prefix_err(char *err, size_t errlen, const char *what)
{
	char tmp[512];

	snprintf(tmp, sizeof(tmp), "%s", err);
	snprintf(err, errlen, "%s: %s", what, tmp);
}

/* Sends header (+ out data) readable, then in_len writable bytes and the
 * status byte, and waits for the completion.  *status the device's. */
static enum vt_run_result submit(struct vt_blk_disk *d, uint32_t type, uint64_t sector, const uint8_t *out,
				 uint32_t out_len, uint8_t **in, uint32_t in_len, const struct vt_run_opts *o,
				 uint8_t *status, char *err, size_t errlen)
{
	struct vt_frontend *fe = d->fe;
	uint64_t gpa_hdr, gpa_data = 0, gpa_st;
	uint8_t *hdr = vt_gmem_alloc(&fe->mem, VIRTIO_BLK_OUTHDR_SIZE + out_len, 16, &gpa_hdr);
	uint8_t *data = in_len ? vt_gmem_alloc(&fe->mem, in_len, 16, &gpa_data) : NULL;
	uint8_t *st = vt_gmem_alloc(&fe->mem, 1, 1, &gpa_st);
	struct vt_dseg seg[3];
	unsigned nseg = 0;
	static int token;
	int timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 1000;

	if (!hdr || (in_len && !data) || !st) {
		snprintf(err, errlen, "out of guest memory");
		return VT_RUN_TRANSPORT;
	}
	vt_st_le32(hdr, type);
	vt_st_le32(hdr + 4, 0);
	vt_st_le64(hdr + 8, sector);
	if (out_len)
		memcpy(hdr + VIRTIO_BLK_OUTHDR_SIZE, out, out_len);
	*st = 0xff;   /* a device that completes without writing it says nothing valid */
	seg[nseg++] = (struct vt_dseg){ .gpa = gpa_hdr, .len = VIRTIO_BLK_OUTHDR_SIZE + out_len };
	if (in_len)
		seg[nseg++] = (struct vt_dseg){ .gpa = gpa_data, .len = in_len, .writable = true };
	seg[nseg++] = (struct vt_dseg){ .gpa = gpa_st, .len = 1, .writable = true };
	vt_debug("blk: requestq: %s sector %llu, %u bytes out, %u in", vt_blk_type_name(type),
		 (unsigned long long)sector, out_len, in_len);
	int rc = vt_dvq_add(&fe->vq[0], seg, nseg, o->indirect, &token);
	if (rc == 0)
		rc = vt_fe_kick(fe, 0);
	uint64_t deadline = vt_now_ns() + (uint64_t)timeout_ms * 1000000u;
	while (rc >= 0) {
		uint32_t got;
		uint16_t head;
		if (vt_dvq_get(&fe->vq[0], &got, &head) == &token) {
			*status = *st;
			if (in)
				*in = data;
			return VT_RUN_OK;
		}
		int ms = vt_ms_until(deadline);
		if (!ms) {
			snprintf(err, errlen, "no answer within %d ms", timeout_ms);
			return VT_RUN_TRANSPORT;
		}
		rc = vt_fe_wait(fe, 0, ms);
	}
	snprintf(err, errlen, "%s", fe->err[0] ? fe->err : strerror(-rc));
	return VT_RUN_TRANSPORT;
}

/* What a status byte means for the run; err says which request. */
static enum vt_run_result judge(const struct vt_blk_disk *d, uint8_t st, const char *what, char *err,
				size_t errlen)
{
	if (st == VIRTIO_BLK_S_OK)
		return VT_RUN_OK;
	if (st == VIRTIO_BLK_S_IOERR || st == VIRTIO_BLK_S_UNSUPP) {
		if (d->have_config)
			snprintf(err, errlen, "%s: the device answered %s (capacity %llu sectors)", what,
				 vt_blk_status_name(st), (unsigned long long)d->capacity);
		else
			snprintf(err, errlen, "%s: the device answered %s", what, vt_blk_status_name(st));
		return VT_RUN_DEVICE_ERR;
	}
	snprintf(err, errlen, "%s: status byte 0x%02x, which no block device writes", what, st);
	return VT_RUN_NOT_DEVICE;
}

static enum vt_run_result do_read(struct vt_blk_disk *d, const struct blk_word *w, const struct vt_run_opts *o,
				  FILE *out, char *err, size_t errlen)
{
	uint64_t left = (uint64_t)w->count * SECTOR, sector = w->sector;

	while (left) {
		uint32_t len = left < d->chunk ? (uint32_t)left : d->chunk;
		uint64_t mark = vt_gmem_mark(&d->fe->mem);
		uint8_t *data = NULL, st = 0xff;
		char what[64];
		snprintf(what, sizeof(what), "read sector %llu", (unsigned long long)sector);
		enum vt_run_result r = submit(d, VIRTIO_BLK_T_IN, sector, NULL, 0, &data, len, o, &st, err, errlen);
		if (r == VT_RUN_OK)
			r = judge(d, st, what, err, errlen);
		else
			prefix_err(err, errlen, what);
		if (r == VT_RUN_OK)
			vt_hexdump(out, "", 8, sector * SECTOR, data, len);
		vt_gmem_release(&d->fe->mem, mark);
		if (r != VT_RUN_OK)
			return r;
		left -= len;
		sector += len / SECTOR;
	}
	fflush(out);
	return VT_RUN_OK;
}

/* The whole of FILE ('-': stdin), at most VT_BLK_WRITE_MAX bytes. */
static uint8_t *slurp(const char *file, size_t *n, char *err, size_t errlen)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
	uint8_t *buf = malloc(VT_BLK_WRITE_MAX + 1);

	*n = 0;
	if (!f || !buf) {
		snprintf(err, errlen, "write: %s: %s", file, strerror(f ? ENOMEM : errno));
		free(buf);
		if (f && f != stdin)
			fclose(f);
		return NULL;
	}
	*n = fread(buf, 1, VT_BLK_WRITE_MAX + 1, f);
	bool bad = ferror(f);
	if (f != stdin)
		fclose(f);
	if (bad || *n > VT_BLK_WRITE_MAX || !*n) {
		snprintf(err, errlen, "write: %s: %s", file,
			 bad ? "read error" : *n ? "more than 32 MiB" : "empty: nothing to write");
		free(buf);
		return NULL;
	}
	return buf;
}

/* The file's bytes from SECTOR on, the last sector padded with zeros. */
static enum vt_run_result do_write(struct vt_blk_disk *d, const struct blk_word *w, const struct vt_run_opts *o,
				   char *err, size_t errlen)
{
	size_t n;
	uint8_t *buf;
	uint64_t sector = w->sector;

	if (d->ro) {
		snprintf(err, errlen, "write sector %llu: the device is read-only (VIRTIO_BLK_F_RO)",
			 (unsigned long long)sector);
		return VT_RUN_DEVICE_ERR;
	}
	buf = slurp(w->file, &n, err, errlen);
	if (!buf)
		return VT_RUN_TRANSPORT;
	size_t total = (n + SECTOR - 1) / SECTOR * SECTOR;
	memset(buf + n, 0, total - n);   /* buf has VT_BLK_WRITE_MAX + 1 bytes: total fits */
	enum vt_run_result r = VT_RUN_OK;
	for (size_t off = 0; off < total && r == VT_RUN_OK;) {
		uint32_t len = total - off < d->chunk ? (uint32_t)(total - off) : d->chunk;
		uint64_t mark = vt_gmem_mark(&d->fe->mem);
		uint8_t st = 0xff;
		char what[64];
		snprintf(what, sizeof(what), "write sector %llu", (unsigned long long)sector);
		r = submit(d, VIRTIO_BLK_T_OUT, sector, buf + off, len, NULL, 0, o, &st, err, errlen);
		if (r == VT_RUN_OK)
			r = judge(d, st, what, err, errlen);
		else
			prefix_err(err, errlen, what);
		vt_gmem_release(&d->fe->mem, mark);
		off += len;
		sector += len / SECTOR;
	}
	free(buf);
	return r;
}

static enum vt_run_result do_simple(struct vt_blk_disk *d, const struct blk_word *w, const struct vt_run_opts *o,
				    FILE *out, char *err, size_t errlen)
{
	uint64_t mark = vt_gmem_mark(&d->fe->mem);
	bool id = w->op == OP_ID;
	const char *what = id ? "id" : "flush";
	uint8_t *data = NULL, st = 0xff;
	enum vt_run_result r;

	if (!id && !d->flush) {
		snprintf(err, errlen, "flush: the device does not offer VIRTIO_BLK_F_FLUSH (its writes are "
			 "not cached)");
		return VT_RUN_DEVICE_ERR;
	}
	r = submit(d, id ? VIRTIO_BLK_T_GET_ID : VIRTIO_BLK_T_FLUSH, 0, NULL, 0, id ? &data : NULL,
		   id ? VIRTIO_BLK_ID_BYTES : 0, o, &st, err, errlen);
	if (r == VT_RUN_OK)
		r = judge(d, st, what, err, errlen);
	else
		prefix_err(err, errlen, what);
	if (r == VT_RUN_OK && id) {
		/* Up to 20 bytes, NUL-terminated when shorter (virtio spec). */
		char s[VIRTIO_BLK_ID_BYTES + 1];
		size_t k = 0;
		for (; k < VIRTIO_BLK_ID_BYTES && data[k]; k++)
			s[k] = data[k] >= 0x20 && data[k] < 0x7f ? (char)data[k] : '?';
		s[k] = '\0';
		fprintf(out, "%s\n", s);
		fflush(out);
	}
	vt_gmem_release(&d->fe->mem, mark);
	return r;
}

/* capacity: the config space's, asked now.  wait-config: until the device
 * says its config changed (CONFIG_CHANGE_MSG on the back-end channel, as
 * qemu-storage-daemon does after a block_resize), then read again. */
static enum vt_run_result do_config(struct vt_blk_disk *d, const struct blk_word *w, const struct vt_run_opts *o,
				    FILE *out, char *err, size_t errlen)
{
	struct vt_frontend *fe = d->fe;
	const char *what = w->op == OP_CAPACITY ? "capacity" : "wait-config";
	int timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 1000;
	uint64_t deadline = vt_now_ns() + (uint64_t)timeout_ms * 1000000u;
	int r;

	if (!(fe->protocol_features & VT_BIT(VHOST_USER_PROTOCOL_F_CONFIG))) {
		snprintf(err, errlen, "%s: the backend has no config space (protocol feature CONFIG)", what);
		return VT_RUN_DEVICE_ERR;
	}
	if (w->op == OP_WAIT_CONFIG) {
		uint32_t req = 0;
		do {
			int ms = vt_ms_until(deadline);
			r = ms ? vt_fe_channel_wait(fe, ms, &req) : 0;
			if (r == 0) {
				snprintf(err, errlen, "wait-config: no config change within %d ms", timeout_ms);
				return VT_RUN_DEVICE_ERR;
			}
			if (r < 0) {
				snprintf(err, errlen, "wait-config: %s", fe->err);
				return r == -ENOTSUP ? VT_RUN_DEVICE_ERR : VT_RUN_TRANSPORT;
			}
			vt_debug("blk: back-end channel: %s", vt_vhost_backend_request_name(req));
		} while (req != VHOST_USER_BACKEND_CONFIG_CHANGE_MSG);
	}
	r = read_config(d);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", what, fe->err);
		return VT_RUN_TRANSPORT;
	}
	if (w->op == OP_CAPACITY) {
		fprintf(out, "%llu sectors (%llu bytes)\n", (unsigned long long)d->capacity,
			(unsigned long long)d->capacity * SECTOR);
		fflush(out);
	}
	return VT_RUN_OK;
}

enum vt_run_result vt_blk_run_words(struct vt_blk_disk *d, char *const *words, unsigned n,
				    const struct vt_run_opts *o, FILE *out, char *err, size_t errlen)
{
	struct blk_word w;

	if (!vt_blk_check_words(words, n, err, errlen))
		return VT_RUN_USAGE;
	for (unsigned i = 0; i < n; i += w.used) {
		enum vt_run_result r;
		parse_word(words + i, n - i, &w, err, errlen);
		switch (w.op) {
		case OP_READ:
			r = do_read(d, &w, o, out, err, errlen);
			break;
		case OP_WRITE:
			r = do_write(d, &w, o, err, errlen);
			break;
		case OP_CAPACITY:
		case OP_WAIT_CONFIG:
			r = do_config(d, &w, o, out, err, errlen);
			break;
		default:
			r = do_simple(d, &w, o, out, err, errlen);
			break;
		}
		if (r != VT_RUN_OK)
			return r;
	}
	return VT_RUN_OK;
}

/* ---- --bench: read SECTOR [COUNT] | write SECTOR [COUNT] | flush, the
 * requests taking turns; write sends COUNT sectors of 0xa5 ---- */

struct bench_req {
	uint32_t type;
	uint64_t sector;
	uint32_t len;          /* data bytes */
};

/* The request at words[0]; how many words it took, 0 with err set. */
static unsigned bench_word(char *const *words, unsigned n, void *req, char *err, size_t errlen)
{
	struct bench_req *r = req;
	unsigned count = 8, used = 2;

	*r = (struct bench_req){ .type = VIRTIO_BLK_T_FLUSH };
	if (!strcmp(words[0], "flush"))
		return 1;
	if (strcmp(words[0], "read") && strcmp(words[0], "write")) {
		snprintf(err, errlen, "'%s': a bench repeats read SECTOR [COUNT], write SECTOR [COUNT] or flush",
			 words[0]);
		return 0;
	}
	r->type = words[0][0] == 'r' ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT;
	if (n < 2 || !vt_parse_u64(words[1], UINT64_MAX / SECTOR, &r->sector)) {
		snprintf(err, errlen, "%s: want a sector number, 0-%llu", words[0],
			 (unsigned long long)(UINT64_MAX / SECTOR));
		return 0;
	}
	if (n > 2 && is_number(words[2])) {
		if (!vt_parse_uint(words[2], VT_BLK_CHUNK / SECTOR, &count) || !count) {
			snprintf(err, errlen, "%s %s %s: a bench request has 1-%u sectors", words[0], words[1],
				 words[2], VT_BLK_CHUNK / SECTOR);
			return 0;
		}
		used = 3;
	}
	r->len = count * SECTOR;
	return used;
}

bool vt_blk_bench_check(char *const *words, unsigned n, char *err, size_t errlen)
{
	struct bench_req r[VT_BENCH_MAX_REQS];

	return vt_bench_words(words, n, bench_word, r, sizeof(r[0]), err, errlen) > 0;
}

static bool bench_slot(struct vt_frontend *fe, const struct bench_req *r, struct vt_bench_slot *s)
{
	bool out = r->type == VIRTIO_BLK_T_OUT, in = r->type == VIRTIO_BLK_T_IN;
	uint64_t gpa;
	uint8_t *hdr = vt_gmem_alloc(&fe->mem, VIRTIO_BLK_OUTHDR_SIZE + (out ? r->len : 0), 16, &gpa);

	if (!hdr)
		return false;
	vt_st_le32(hdr, r->type);
	vt_st_le64(hdr + 8, r->sector);
	if (out)
		memset(hdr + VIRTIO_BLK_OUTHDR_SIZE, 0xa5, r->len);
	s->seg[s->nseg++] = (struct vt_dseg){ .gpa = gpa, .len = VIRTIO_BLK_OUTHDR_SIZE + (out ? r->len : 0) };
	if (in) {
		if (!vt_gmem_alloc(&fe->mem, r->len, 16, &gpa))
			return false;
		s->seg[s->nseg++] = (struct vt_dseg){ .gpa = gpa, .len = r->len, .writable = true };
	}
	s->status = vt_gmem_alloc(&fe->mem, 1, 1, &gpa);
	if (!s->status)
		return false;
	s->seg[s->nseg++] = (struct vt_dseg){ .gpa = gpa, .len = 1, .writable = true };
	s->ok = VIRTIO_BLK_S_OK;
	s->used = in ? r->len + 1 : 1;
	return true;
}

bool vt_blk_bench_plan(struct vt_blk_disk *d, char *const *words, unsigned n, const struct vt_bench_conf *c,
		       struct vt_bench_plan *p, char *err, size_t errlen)
{
	struct bench_req r[VT_BENCH_MAX_REQS];
	unsigned nreq = vt_bench_words(words, n, bench_word, r, sizeof(r[0]), err, errlen);

	if (!nreq)
		return false;
	for (unsigned i = 0; i < nreq; i++)
		if (r[i].type == VIRTIO_BLK_T_FLUSH && !d->flush) {
			snprintf(err, errlen, "flush: the device does not offer VIRTIO_BLK_F_FLUSH");
			return false;
		}
	if (!vt_bench_alloc(p, c, nreq, err, errlen))
		return false;
	for (unsigned k = 0; k < p->nslots; k++)
		if (!bench_slot(d->fe, &r[k % nreq], &p->slot[k])) {
			snprintf(err, errlen, "out of guest memory for %u requests", p->nslots);
			return false;
		}
	return true;
}
