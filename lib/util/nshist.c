/* Log-linear latency histogram (see nshist.h). */
#include "util/nshist.h"

#include <string.h>

void vt_nshist_init(struct vt_nshist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/* Below 16: the value itself.  Else with e the top bit's position (4..63)
 * and s the next 4 bits: (e - 3) * 16 + s. */
unsigned vt_nshist_bucket(uint64_t ns)
{
	if (ns < VT_NSHIST_SUB)
		return (unsigned)ns;
	unsigned e = 63u - (unsigned)__builtin_clzll(ns);
	return (e - 3) * VT_NSHIST_SUB + (unsigned)((ns >> (e - 4)) & (VT_NSHIST_SUB - 1));
}

uint64_t vt_nshist_low(unsigned k)
{
	if (k < VT_NSHIST_SUB)
		return k;
	unsigned e = k / VT_NSHIST_SUB + 3, s = k % VT_NSHIST_SUB;
	return (uint64_t)(VT_NSHIST_SUB + s) << (e - 4);
}

uint64_t vt_nshist_high(unsigned k)
{
	return k + 1 < VT_NSHIST_BUCKETS ? vt_nshist_low(k + 1) : UINT64_MAX;
}

void vt_nshist_add_n(struct vt_nshist *h, uint64_t ns, uint64_t n)
{
	if (!n)
		return;
	h->b[vt_nshist_bucket(ns)] += n;
	h->count += n;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

void vt_nshist_add(struct vt_nshist *h, uint64_t ns)
{
	vt_nshist_add_n(h, ns, 1);
}

uint64_t vt_nshist_quantile(const struct vt_nshist *h, double q)
{
	if (!h->count)
		return 0;
	/* The rank of the value asked for, 1-based: ceil(q * count). */
	double want = q * (double)h->count;
	uint64_t rank = (uint64_t)want;
	if ((double)rank < want)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank >= h->count)
		return h->max;   /* the largest is known exactly */
	uint64_t seen = 0;
	for (unsigned k = 0; k < VT_NSHIST_BUCKETS; k++) {
		seen += h->b[k];
		if (seen < rank)
			continue;
		uint64_t lo = vt_nshist_low(k), hi = vt_nshist_high(k);
		uint64_t mid = lo + (hi - lo) / 2;
		if (mid < h->min)
			mid = h->min;
		if (mid > h->max)
			mid = h->max;
		return mid;
	}
	return h->max;
}
