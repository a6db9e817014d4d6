/* A latency histogram with fixed log2 buckets: what `stats` reports per
 * queue and `vitool top` draws.  Bucket 0 counts latencies below 1 us,
 * bucket k (1..VT_LATHIST_BUCKETS-1) those of at least 2^(k-1) us and below
 * 2^k us; the last bucket also takes everything longer.  Adding is a few
 * instructions (a clz), so the queue engine keeps one per queue always. */
#ifndef VT_UTIL_LATHIST_H
#define VT_UTIL_LATHIST_H

#include <stdint.h>

#define VT_LATHIST_BUCKETS 32   /* the last starts at 2^30 us, about 18 minutes */

struct vt_lathist {
	uint64_t count;
	uint64_t b[VT_LATHIST_BUCKETS];
};

/* The bucket of a latency in nanoseconds. */
unsigned vt_lathist_bucket(uint64_t ns);
void vt_lathist_add(struct vt_lathist *h, uint64_t ns);
/* The upper bound in microseconds of bucket k (2^k; the last: UINT64_MAX). */
uint64_t vt_lathist_upper_us(unsigned k);
/* The pct-th percentile (0 < pct <= 100) in microseconds: the upper bound
 * of the bucket that holds it, but never more than max_us (the largest
 * latency seen: a bucket's bound can be far above it).  0 when empty. */
uint64_t vt_lathist_percentile_us(const struct vt_lathist *h, unsigned pct, uint64_t max_us);
/* Buckets up to the last non-empty one (0 when empty): what `stats`
 * lists. */
unsigned vt_lathist_used(const struct vt_lathist *h);

#endif
