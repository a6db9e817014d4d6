/* A latency histogram in nanoseconds fine enough for percentiles: 16
 * buckets per power of two (each at most 1/16 = 6.25 % wide), exact below
 * 16 ns, up to 2^64 ns.  What `drive --bench` reports p50/p99/p99.9 from
 * and plots; `stats` keeps the coarser log2 one (util/lathist.h).  Adding
 * is a clz and an increment. */
#ifndef VT_UTIL_NSHIST_H
#define VT_UTIL_NSHIST_H

#include <stdint.h>

#define VT_NSHIST_SUB 16
#define VT_NSHIST_BUCKETS (61 * VT_NSHIST_SUB)

struct vt_nshist {
	uint64_t count;
	uint64_t min, max;          /* of what was added; min UINT64_MAX when empty */
	uint64_t b[VT_NSHIST_BUCKETS];
};

void vt_nshist_init(struct vt_nshist *h);
unsigned vt_nshist_bucket(uint64_t ns);
/* Bucket k holds [low, high): high - 1 for the last. */
uint64_t vt_nshist_low(unsigned k);
uint64_t vt_nshist_high(unsigned k);
void vt_nshist_add(struct vt_nshist *h, uint64_t ns);
/* Adds n of the same latency (a batch completed together). */
void vt_nshist_add_n(struct vt_nshist *h, uint64_t ns, uint64_t n);
/* The value below which a fraction q (0 < q <= 1) of the latencies fall:
 * the middle of the bucket that holds it, clamped to [min, max] (the
 * max itself for the last rank); 0 when empty. */
uint64_t vt_nshist_quantile(const struct vt_nshist *h, double q);

#endif
