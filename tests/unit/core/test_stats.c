/*
 * test_stats: RTT summaries against figures worked out by hand.
 *
 * The numbers printed in text, JSON, nagios and prom all come from
 * stats_summarize, so each case below states how its expected values were
 * computed: nearest rank is ceil(p/100 * n) (1-based) in the sorted samples;
 * mdev is sqrt(mean(x^2) - mean(x)^2), as iputils ping computes it. Past
 * STATS_EXACT_MAX samples percentiles come from a histogram of ~1% buckets,
 * so those cases allow 1%; min/avg/max/mdev stay exact.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/stats.h"

static int cmp_sample(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void add_all(struct stats *s, const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(stats_add(s, v[i]), 0);
}

static void test_one_to_ten(void **state)
{
	/* 1..10: sum 55, avg 5.5; sum of squares 385, mean 38.5;
	 * mdev = sqrt(38.5 - 30.25) = sqrt(8.25) = 2.872281...
	 * p50: ceil(5) = rank 5 -> 5; p90: ceil(9) = rank 9 -> 9;
	 * p99: ceil(9.9) = rank 10 -> 10. */
	static const double v[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct stats s;
	struct stats_summary r;

	stats_init(&s);
	add_all(&s, v, 10);
	assert_int_equal(stats_summarize(&s, &r), 0);
	assert_int_equal(r.n, 10);
	assert_float_equal(r.min, 1.0, 1e-12);
	assert_float_equal(r.max, 10.0, 1e-12);
	assert_float_equal(r.avg, 5.5, 1e-12);
	assert_float_equal(r.mdev, 2.8722813, 1e-6);
	assert_float_equal(r.p50, 5.0, 0.0);
	assert_float_equal(r.p90, 9.0, 0.0);
	assert_float_equal(r.p99, 10.0, 0.0);
	stats_free(&s);
}

static void test_unsorted(void **state)
{
	/* The same ten values shuffled: the summary must not depend on order,
	 * and summarising must not reorder the caller's samples. */
	static const double v[] = { 7, 3, 10, 1, 9, 2, 8, 5, 6, 4 };
	struct stats s;
	struct stats_summary r;

	stats_init(&s);
	add_all(&s, v, 10);
	assert_int_equal(stats_summarize(&s, &r), 0);
	assert_float_equal(r.min, 1.0, 0.0);
	assert_float_equal(r.max, 10.0, 0.0);
	assert_float_equal(r.avg, 5.5, 1e-12);
	assert_float_equal(r.mdev, 2.8722813, 1e-6);
	assert_float_equal(r.p50, 5.0, 0.0);
	assert_float_equal(r.p90, 9.0, 0.0);
	assert_float_equal(r.p99, 10.0, 0.0);
	for (size_t i = 0; i < 10; i++)
		assert_float_equal(s.v[i], v[i], 0.0);
	stats_free(&s);
}

static void test_single(void **state)
{
	/* One sample: every figure is that sample, mdev 0. */
	struct stats s;
	struct stats_summary r;

	stats_init(&s);
	assert_int_equal(stats_add(&s, 0.213), 0);
	assert_int_equal(stats_summarize(&s, &r), 0);
	assert_int_equal(r.n, 1);
	assert_float_equal(r.min, 0.213, 0.0);
	assert_float_equal(r.avg, 0.213, 1e-15);
	assert_float_equal(r.max, 0.213, 0.0);
	assert_float_equal(r.mdev, 0.0, 0.0);
	assert_float_equal(r.p50, 0.213, 0.0);
	assert_float_equal(r.p90, 0.213, 0.0);
	assert_float_equal(r.p99, 0.213, 0.0);
	stats_free(&s);
}

static void test_empty(void **state)
{
	/* n = 0: all zeros, no crash, no allocation needed. */
	struct stats s;
	struct stats_summary r;

	stats_init(&s);
	r.n = 99;
	r.avg = r.mdev = r.p99 = 42.0;
	assert_int_equal(stats_summarize(&s, &r), 0);
	assert_int_equal(r.n, 0);
	assert_float_equal(r.min, 0.0, 0.0);
	assert_float_equal(r.avg, 0.0, 0.0);
	assert_float_equal(r.max, 0.0, 0.0);
	assert_float_equal(r.mdev, 0.0, 0.0);
	assert_float_equal(r.p50, 0.0, 0.0);
	assert_float_equal(r.p99, 0.0, 0.0);
	assert_float_equal(stats_percentile_sorted(NULL, 0, 50.0), 0.0, 0.0);
	stats_free(&s);
	stats_free(&s); /* freeing twice is harmless: free resets */
}

static void test_equal_samples_mdev_not_nan(void **state)
{
	/* 1000 identical values that are not exact in binary: mean(x^2) and
	 * mean(x)^2 may differ by a rounding error of either sign; mdev must be
	 * 0 (or a hair above), never NaN. */
	struct stats s;
	struct stats_summary r;

	stats_init(&s);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(stats_add(&s, 0.1), 0);
	assert_int_equal(stats_summarize(&s, &r), 0);
	assert_false(isnan(r.mdev));
	assert_float_equal(r.mdev, 0.0, 1e-12);
	assert_float_equal(r.avg, 0.1, 1e-12);
	stats_free(&s);
}

static void test_two_samples(void **state)
{
	/* 1 and 3: avg 2; mean(x^2) = 5, 5 - 4 = 1, mdev 1.
	 * p50: ceil(1.0) = rank 1 -> 1; p90: ceil(1.8) = 2 -> 3; p99 -> 3. */
	static const double v[] = { 3, 1 };
	struct stats s;
	struct stats_summary r;

	stats_init(&s);
	add_all(&s, v, 2);
	assert_int_equal(stats_summarize(&s, &r), 0);
	assert_float_equal(r.avg, 2.0, 0.0);
	assert_float_equal(r.mdev, 1.0, 1e-12);
	assert_float_equal(r.p50, 1.0, 0.0);
	assert_float_equal(r.p90, 3.0, 0.0);
	assert_float_equal(r.p99, 3.0, 0.0);
	stats_free(&s);
}

/* |got - want| within a fraction rel of want. */
static void assert_near(double got, double want, double rel)
{
	if (fabs(got - want) > rel * fabs(want))
		fail_msg("%.9g is not within %g%% of %.9g", got, rel * 100.0, want);
}

static void test_large(void **state)
{
	/* 100000 samples, k = 1..100000 added in a scrambled order
	 * (k * 7919 mod 100000 visits every residue once since gcd is 1; 0 maps
	 * to 100000). avg = (n+1)/2 = 50000.5; mdev = sqrt((n^2-1)/12) =
	 * 28867.513...; p50 = rank 50000 -> 50000; p90 = 90000; p99 = 99000,
	 * read from the histogram: within 1%. */
	const size_t n = 100000;
	struct stats s;
	struct stats_summary r;

	stats_init(&s);
	for (size_t i = 1; i <= n; i++) {
		size_t k = (i * 7919) % n;
		assert_int_equal(stats_add(&s, (double)(k ? k : n)), 0);
	}
	assert_int_equal(s.n, n);
	assert_int_equal(stats_summarize(&s, &r), 0);
	assert_int_equal(r.n, n);
	assert_float_equal(r.min, 1.0, 0.0);
	assert_float_equal(r.max, 100000.0, 0.0);
	assert_float_equal(r.avg, 50000.5, 1e-6);
	assert_float_equal(r.mdev, sqrt((1e10 - 1.0) / 12.0), 1e-6);
	assert_near(r.p50, 50000.0, 0.01);
	assert_near(r.p90, 90000.0, 0.01);
	assert_near(r.p99, 99000.0, 0.01);
	stats_free(&s);
}

/* A deterministic RTT-like spread: 0.05 ms to ~150 ms, log-uniform, so
 * every decade of buckets is used. */
static double spread_sample(uint32_t *x)
{
	*x = *x * 1664525u + 1013904223u;
	return 0.05 * exp((double)(*x >> 8) / (double)(1u << 24) * 8.0);
}

static void test_beyond_cap(void **state)
{
	/* Ten times the cap. The reference figures come from every sample,
	 * sorted here: min/max exact, avg and mdev to rounding (two-pass
	 * reference), p50/p90/p99 within 1% of the true nearest-rank samples. */
	const size_t n = 10 * STATS_EXACT_MAX;
	double *v = malloc(n * sizeof(*v));
	struct stats s;
	struct stats_summary r;
	uint32_t x = 12345;

	assert_non_null(v);
	stats_init(&s);
	for (size_t i = 0; i < n; i++) {
		v[i] = spread_sample(&x);
		assert_int_equal(stats_add(&s, v[i]), 0);
	}
	double sum = 0.0, var = 0.0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	double avg = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		var += (v[i] - avg) * (v[i] - avg);
	var /= (double)n;
	qsort(v, n, sizeof(*v), cmp_sample);

	assert_int_equal(stats_summarize(&s, &r), 0);
	assert_int_equal(r.n, n);
	assert_float_equal(r.min, v[0], 0.0);
	assert_float_equal(r.max, v[n - 1], 0.0);
	assert_near(r.avg, avg, 1e-12);
	assert_near(r.mdev, sqrt(var), 1e-12);
	assert_near(r.p50, stats_percentile_sorted(v, n, 50.0), 0.01);
	assert_near(r.p90, stats_percentile_sorted(v, n, 90.0), 0.01);
	assert_near(r.p99, stats_percentile_sorted(v, n, 99.0), 0.01);
	/* Memory stays bounded: no exact samples are kept past the cap. */
	assert_true(s.cap <= STATS_EXACT_MAX);
	stats_free(&s);
	free(v);
}

static void test_cap_edge(void **state)
{
	/* 1..STATS_EXACT_MAX: still exact, p50 = rank 2048 -> 2048 exactly.
	 * One more sample (0.5, below all the others) moves to the histogram:
	 * min is still exact, p50 (rank 2049 of 4097 -> 2048) within 1%. A
	 * sample of 0 (below the histogram's range) and one above it read as
	 * min and max. */
	struct stats s;
	struct stats_summary r;

	stats_init(&s);
	for (size_t i = 1; i <= STATS_EXACT_MAX; i++)
		assert_int_equal(stats_add(&s, (double)i), 0);
	assert_int_equal(stats_summarize(&s, &r), 0);
	assert_float_equal(r.p50, STATS_EXACT_MAX / 2, 0.0);
	assert_float_equal(r.p99, 4056.0, 0.0); /* ceil(4055.04) */
	assert_int_equal(stats_add(&s, 0.5), 0);
	assert_int_equal(stats_summarize(&s, &r), 0);
	assert_int_equal(r.n, STATS_EXACT_MAX + 1);
	assert_float_equal(r.min, 0.5, 0.0);
	assert_float_equal(r.max, STATS_EXACT_MAX, 0.0);
	assert_near(r.p50, STATS_EXACT_MAX / 2, 0.01);
	assert_int_equal(stats_add(&s, 0.0), 0);
	assert_int_equal(stats_add(&s, 1e9), 0);
	assert_int_equal(stats_summarize(&s, &r), 0);
	assert_float_equal(r.min, 0.0, 0.0);
	assert_float_equal(r.max, 1e9, 0.0);
	stats_free(&s);
	assert_null(s.hist);
}

static void test_percentile_edges(void **state)
{
	/* Nearest rank on 1..4: p25 -> rank 1; p25.1 -> ceil(1.004) = 2;
	 * p75 -> rank 3; p100 -> 4; a tiny p still names the first sample. */
	static const double v[] = { 1, 2, 3, 4 };

	assert_float_equal(stats_percentile_sorted(v, 4, 25.0), 1.0, 0.0);
	assert_float_equal(stats_percentile_sorted(v, 4, 25.1), 2.0, 0.0);
	assert_float_equal(stats_percentile_sorted(v, 4, 75.0), 3.0, 0.0);
	assert_float_equal(stats_percentile_sorted(v, 4, 100.0), 4.0, 0.0);
	assert_float_equal(stats_percentile_sorted(v, 4, 0.001), 1.0, 0.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_to_ten),
		cmocka_unit_test(test_unsorted),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_equal_samples_mdev_not_nan),
		cmocka_unit_test(test_two_samples),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_beyond_cap),
		cmocka_unit_test(test_cap_edge),
		cmocka_unit_test(test_percentile_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
