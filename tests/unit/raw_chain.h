/* Test helper shared by the end-to-end unit tests: puts one hand-made chain
 * (rlen readable bytes copied from rd, then wlen writable bytes filled with
 * 0xee) on queue q of a started front-end, kicks, and reaps it.  Returns the
 * used length, or -1 (add/kick failed, another chain completed, or nothing
 * within ~5 s); *status gets writable byte status_at.  Use it only while
 * no other buffer of that queue can complete. */
#ifndef VT_TESTS_RAW_CHAIN_H
#define VT_TESTS_RAW_CHAIN_H

#include <string.h>

#include "vhost/frontend.h"

static inline long raw_chain(struct vt_frontend *fe, unsigned q, const uint8_t *rd, uint32_t rlen,
			     uint32_t wlen, uint32_t status_at, uint8_t *status)
{
	static int token;
	struct vt_dseg segs[2];
	unsigned n = 0;
	uint64_t mark = vt_gmem_mark(&fe->mem), gpa;
	uint8_t *w = NULL;

	if (rlen) {
		uint8_t *r = vt_gmem_alloc(&fe->mem, rlen, 8, &gpa);
		memcpy(r, rd, rlen);
		segs[n++] = (struct vt_dseg){ .gpa = gpa, .len = rlen };
	}
	if (wlen) {
		w = vt_gmem_alloc(&fe->mem, wlen, 1, &gpa);
		memset(w, 0xee, wlen);
		segs[n++] = (struct vt_dseg){ .gpa = gpa, .len = wlen, .writable = true };
	}
	if (vt_dvq_add(&fe->vq[q], segs, n, false, &token) < 0 || vt_fe_kick(fe, q) < 0)
		return -1;
	for (int tries = 0; tries < 50; tries++) {
		uint32_t len;
		uint16_t head;
		void *tok = vt_dvq_get(&fe->vq[q], &len, &head);
		if (tok) {
			if (tok != &token)
				return -1;
			if (w && status_at < wlen)
				*status = w[status_at];
			vt_gmem_release(&fe->mem, mark);
			return len;
		}
		vt_dvq_enable_cb(&fe->vq[q]);
		vt_fe_wait(fe, q, 100);
	}
	return -1;
}

#endif
