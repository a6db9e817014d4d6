/* virtio-rng driver (see rng.h). */
#include "drivers/rng.h"

#include <errno.h>
#include <string.h>

#include "util/log.h"
#include "util/loop.h"
#include "util/parse.h"
#include "virtio/virtio.h"
#include "virtio/virtio_rng.h"

bool vt_rng_check_words(char *const *words, unsigned n, char *err, size_t errlen)
{
	unsigned len;

	for (unsigned i = 0; i < n; i += 2) {
		if (strcmp(words[i], "read")) {
			snprintf(err, errlen, "'%s': expected 'read N'", words[i]);
			return false;
		}
		if (i + 1 >= n || !vt_parse_uint(words[i + 1], VT_RNG_READ_MAX, &len) || !len) {
			snprintf(err, errlen, "read: want a byte count, 1-%d", VT_RNG_READ_MAX);
			return false;
		}
	}
	return true;
}

int vt_rng_driver_start(struct vt_frontend *fe, uint16_t queue_size)
{
	struct vt_fe_opts o = {
		.nqueues = 1,
		.queue_size = queue_size,
		.want_features = VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VIRTIO_RING_F_EVENT_IDX),
		.use_event_idx = true,
	};

	return vt_fe_start(fe, &o);
}

/* One buffer of len bytes; *got the used length. */
static enum vt_run_result read_once(struct vt_frontend *fe, uint32_t len, int timeout_ms, uint8_t **data,
				    uint32_t *got, char *err, size_t errlen)
{
	uint64_t gpa;
	uint8_t *buf = vt_gmem_alloc(&fe->mem, len, 8, &gpa);
	struct vt_dseg seg = { .gpa = gpa, .len = len, .writable = true };
	static int token;

	if (!buf) {
		snprintf(err, errlen, "read %u: out of guest memory", len);
		return VT_RUN_USAGE;
	}
	vt_debug("rng: requestq: a device-writable buffer of %u bytes", len);
	int rc = vt_dvq_add(&fe->vq[VIRTIO_RNG_REQUESTQ], &seg, 1, false, &token);
	if (rc == 0)
		rc = vt_fe_kick(fe, VIRTIO_RNG_REQUESTQ);
	uint64_t deadline = vt_now_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 1000) * 1000000u;
	while (rc >= 0) {
		uint16_t head;
		if (vt_dvq_get(&fe->vq[VIRTIO_RNG_REQUESTQ], got, &head) == &token) {
			*data = buf;
			if (*got > len)
				*got = len;   /* a device claiming more than the buffer */
			return *got ? VT_RUN_OK : VT_RUN_DEVICE_ERR;
		}
		int ms = vt_ms_until(deadline);
		if (!ms) {
			snprintf(err, errlen, "read %u: no answer within %d ms", len, timeout_ms);
			return VT_RUN_TRANSPORT;
		}
		rc = vt_fe_wait(fe, VIRTIO_RNG_REQUESTQ, ms);
	}
	snprintf(err, errlen, "read %u: %s", len, fe->err[0] ? fe->err : strerror(-rc));
	return VT_RUN_TRANSPORT;
}

enum vt_run_result vt_rng_run_words(struct vt_frontend *fe, char *const *words, unsigned n,
				    const struct vt_run_opts *o, FILE *out, char *err, size_t errlen)
{
	if (!vt_rng_check_words(words, n, err, errlen))
		return VT_RUN_USAGE;
	for (unsigned i = 0; i + 1 < n; i += 2) {
		unsigned len = 0;
		uint8_t *data = NULL;
		uint32_t got = 0;
		uint64_t mark = vt_gmem_mark(&fe->mem);
		vt_parse_uint(words[i + 1], VT_RNG_READ_MAX, &len);
		enum vt_run_result r = read_once(fe, len, o->timeout_ms, &data, &got, err, errlen);
		if (r == VT_RUN_DEVICE_ERR)
			snprintf(err, errlen, "read %u: the device wrote nothing", len);
		for (uint32_t k = 0; r == VT_RUN_OK && k < got; k++)
			fprintf(out, "%02x%s", data[k], k + 1 < got ? " " : "\n");
		fflush(out);
		vt_gmem_release(&fe->mem, mark);
		if (r != VT_RUN_OK)
			return r;
	}
	return VT_RUN_OK;
}

/* ---- --bench: read N, taking turns ---- */

bool vt_rng_bench_plan(struct vt_frontend *fe, char *const *words, unsigned n, const struct vt_bench_conf *c,
		       struct vt_bench_plan *p, char *err, size_t errlen)
{
	unsigned len[64], nreq = 0;

	if (!vt_rng_check_words(words, n, err, errlen))
		return false;
	for (unsigned i = 0; i + 1 < n; i += 2) {
		if (nreq == sizeof(len) / sizeof(len[0])) {
			snprintf(err, errlen, "a bench repeats at most %zu requests", sizeof(len) / sizeof(len[0]));
			return false;
		}
		vt_parse_uint(words[i + 1], VT_RNG_READ_MAX, &len[nreq++]);
	}
	if (!vt_bench_alloc(p, c, nreq, err, errlen))
		return false;
	p->queue = VIRTIO_RNG_REQUESTQ;
	for (unsigned k = 0; k < p->nslots; k++) {
		struct vt_bench_slot *s = &p->slot[k];
		uint64_t gpa;
		if (!vt_gmem_alloc(&fe->mem, len[k % nreq], 8, &gpa)) {
			snprintf(err, errlen, "out of guest memory for %u requests", p->nslots);
			return false;
		}
		s->seg[0] = (struct vt_dseg){ .gpa = gpa, .len = len[k % nreq], .writable = true };
		s->nseg = 1;
		s->used = 0;   /* a device may place fewer bytes than asked: any but none */
	}
	return true;
}
