#include "util/lathist.h"

unsigned vt_lathist_bucket(uint64_t ns)
{
	uint64_t us = ns / 1000u;

	if (!us)
		return 0;
	/* us in [2^(k-1), 2^k): k = bit length of us */
	unsigned k = 64u - (unsigned)__builtin_clzll(us);
	return k < VT_LATHIST_BUCKETS ? k : VT_LATHIST_BUCKETS - 1;
}

void vt_lathist_add(struct vt_lathist *h, uint64_t ns)
{
	h->b[vt_lathist_bucket(ns)]++;
	h->count++;
}

uint64_t vt_lathist_upper_us(unsigned k)
{
	return k >= VT_LATHIST_BUCKETS - 1 ? UINT64_MAX : (uint64_t)1 << k;
}

uint64_t vt_lathist_percentile_us(const struct vt_lathist *h, unsigned pct, uint64_t max_us)
{
	if (!h->count || !pct)
		return 0;
	if (pct > 100)
		pct = 100;
	/* The rank of the percentile, rounded up: p50 of 3 is the 2nd. */
	uint64_t rank = (h->count / 100u) * pct + ((h->count % 100u) * pct + 99u) / 100u, seen = 0;
	if (!rank)
		rank = 1;
	for (unsigned k = 0; k < VT_LATHIST_BUCKETS; k++) {
		seen += h->b[k];
		if (seen >= rank) {
			uint64_t up = vt_lathist_upper_us(k);
			return up < max_us ? up : max_us;
		}
	}
	return max_us;
}

unsigned vt_lathist_used(const struct vt_lathist *h)
{
	unsigned n = 0;

	for (unsigned k = 0; k < VT_LATHIST_BUCKETS; k++)
		if (h->b[k])
			n = k + 1;
	return n;
}
