/* util/lathist: the log2 latency buckets behind `stats` (p50, p99,
 * latency_hist) and top's histogram. */
#include <stdint.h>

#include "tap.h"
#include "util/lathist.h"

static void buckets_are_powers_of_two_microseconds(void)
{
	EXPECT_EQ(vt_lathist_bucket(0), 0);
	EXPECT_EQ(vt_lathist_bucket(999), 0);          /* below 1 us */
	EXPECT_EQ(vt_lathist_bucket(1000), 1);         /* [1, 2) us */
	EXPECT_EQ(vt_lathist_bucket(1999), 1);
	EXPECT_EQ(vt_lathist_bucket(2000), 2);         /* [2, 4) us */
	EXPECT_EQ(vt_lathist_bucket(1023999), 10);     /* 1023 us: [512, 1024) */
	EXPECT_EQ(vt_lathist_bucket(1024000), 11);
	EXPECT_EQ(vt_lathist_bucket(UINT64_MAX), VT_LATHIST_BUCKETS - 1);   /* the last takes the rest */
	EXPECT_EQ(vt_lathist_upper_us(0), 1);
	EXPECT_EQ(vt_lathist_upper_us(11), 2048);
	EXPECT(vt_lathist_upper_us(VT_LATHIST_BUCKETS - 1) == UINT64_MAX);
}

static void percentiles_are_bucket_bounds_capped_by_the_max(void)
{
	struct vt_lathist h = { 0 };

	EXPECT_EQ(vt_lathist_percentile_us(&h, 50, 0), 0);   /* empty */
	EXPECT_EQ(vt_lathist_used(&h), 0);
	/* 98 fast completions (3 us: bucket [2, 4)), 2 slow ones (500 ms) */
	for (int i = 0; i < 98; i++)
		vt_lathist_add(&h, 3000);
	vt_lathist_add(&h, 500000000);
	vt_lathist_add(&h, 500000000);
	EXPECT_EQ(h.count, 100);
	EXPECT_EQ(vt_lathist_percentile_us(&h, 50, 500000), 4);
	EXPECT_EQ(vt_lathist_percentile_us(&h, 98, 500000), 4);      /* the 98th is still fast */
	EXPECT_EQ(vt_lathist_percentile_us(&h, 99, 500000), 500000); /* bucket bound 524288, capped */
	EXPECT_EQ(vt_lathist_percentile_us(&h, 100, 500000), 500000);
	EXPECT_EQ(vt_lathist_used(&h), 19 + 1);   /* 500000 us is in [2^18, 2^19) */
	/* one sample: every percentile is it */
	struct vt_lathist one = { 0 };
	vt_lathist_add(&one, 7000);
	EXPECT_EQ(vt_lathist_percentile_us(&one, 1, 7), 7);
	EXPECT_EQ(vt_lathist_percentile_us(&one, 99, 7), 7);
}

static void percentile_rank_rounds_up(void)
{
	struct vt_lathist h = { 0 };

	/* 3 samples in 3 buckets: p50 is the 2nd (rank ceil(1.5)) */
	vt_lathist_add(&h, 0);
	vt_lathist_add(&h, 1500);
	vt_lathist_add(&h, 100000);
	EXPECT_EQ(vt_lathist_percentile_us(&h, 50, 100), 2);
	EXPECT_EQ(vt_lathist_percentile_us(&h, 33, 100), 1);   /* rank ceil(0.99) = 1: below 1 us */
}

int main(void)
{
	RUN(buckets_are_powers_of_two_microseconds);
	RUN(percentiles_are_bucket_bounds_capped_by_the_max);
	RUN(percentile_rank_rounds_up);
	return tap_done();
}
