/* The bench's latency histogram (util/nshist.h): every value lands in the
 * bucket whose bounds hold it, buckets are at most 1/16 wide, and the
 * quantiles of known distributions come out within a bucket. */
#include <stdlib.h>

#include "tap.h"
#include "util/nshist.h"

static void test_buckets_hold_their_values(void)
{
	uint64_t v[] = { 0, 1, 15, 16, 17, 31, 32, 33, 1000, 123456789, UINT64_C(1) << 40,
			 (UINT64_C(1) << 63) + 12345, UINT64_MAX };
	for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unsigned k = vt_nshist_bucket(v[i]);
		EXPECT(k < VT_NSHIST_BUCKETS);
		EXPECT(vt_nshist_low(k) <= v[i]);
		EXPECT(v[i] < vt_nshist_high(k) || (k == VT_NSHIST_BUCKETS - 1 && v[i] == UINT64_MAX));
	}
	/* contiguous, and never wider than 1/16 of their start (past 16 ns) */
	for (unsigned k = 0; k + 1 < VT_NSHIST_BUCKETS; k++) {
		EXPECT_EQ(vt_nshist_high(k), vt_nshist_low(k + 1));
		uint64_t lo = vt_nshist_low(k), w = vt_nshist_high(k) - lo;
		if (lo >= 16)
			EXPECT(w * 16 <= lo);
		else
			EXPECT_EQ(w, 1);
	}
}

static void test_quantiles(void)
{
	struct vt_nshist h;

	vt_nshist_init(&h);
	EXPECT_EQ(vt_nshist_quantile(&h, 0.5), 0);
	/* 1000 requests of 10 us, 10 of 1 ms: p50 and p99 at 10 us, p99.9 at 1 ms */
	vt_nshist_add_n(&h, 10000, 1000);
	for (int i = 0; i < 10; i++)
		vt_nshist_add(&h, 1000000);
	EXPECT_EQ(h.count, 1010);
	EXPECT_EQ(h.min, 10000);
	EXPECT_EQ(h.max, 1000000);
	uint64_t p50 = vt_nshist_quantile(&h, 0.5), p99 = vt_nshist_quantile(&h, 0.99);
	uint64_t p999 = vt_nshist_quantile(&h, 0.999);
	EXPECT(p50 >= 9500 && p50 <= 10700);
	EXPECT(p99 >= 9500 && p99 <= 10700);
	EXPECT(p999 >= 950000 && p999 <= 1000000);   /* clamped to the max seen */
	EXPECT_EQ(vt_nshist_quantile(&h, 1.0), 1000000);
	/* a uniform 1..100000 ns: the median within 1/16 of 50000 */
	vt_nshist_init(&h);
	for (uint64_t v = 1; v <= 100000; v++)
		vt_nshist_add(&h, v);
	p50 = vt_nshist_quantile(&h, 0.5);
	EXPECT(p50 > 50000 - 50000 / 16 && p50 < 50000 + 50000 / 16);
	EXPECT_EQ(vt_nshist_quantile(&h, 0.00001), 1);
}

int main(void)
{
	RUN(test_buckets_hold_their_values);
	RUN(test_quantiles);
	return tap_done();
}
