/*
 * Unit tests for sched: order of sends, per-target interval, rate cap.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/sched.h"

#define MS 1000000ull

/* Drive the scheduler as the engine does, sending exactly when due. */
static size_t run(struct sched *s, size_t *flows, uint64_t *times, size_t max)
{
	size_t n = 0, f;
	uint64_t due;
	while (n < max && sched_next(s, &f, &due)) {
		flows[n] = f;
		times[n] = due;
		sched_sent(s, due);
		n++;
	}
	return n;
}

static void test_rounds_without_rate(void **state)
{
	(void)state;
	struct sched s;
	size_t flows[16];
	uint64_t t[16];
	sched_init(&s, 3, 2, 1000 * MS, 0, 5000);
	assert_int_equal(run(&s, flows, t, 16), 6);
	size_t want_f[] = {0, 1, 2, 0, 1, 2};
	uint64_t want_t[] = {5000, 5000, 5000, 5000 + 1000 * MS, 5000 + 1000 * MS, 5000 + 1000 * MS};
	for (int i = 0; i < 6; i++) {
		assert_int_equal(flows[i], want_f[i]);
		assert_int_equal(t[i], want_t[i]);
	}
}

static void test_rate_spaces_all_sends(void **state)
{
	(void)state;
	struct sched s;
	size_t flows[16];
	uint64_t t[16];
	/* 4 targets, 2 probes, interval 10 ms, 100 pps: 10 ms between any two
	 * sends, so each round takes 40 ms and the interval is exceeded. */
	sched_init(&s, 4, 2, 10 * MS, 100.0, 0);
	assert_int_equal(run(&s, flows, t, 16), 8);
	for (int i = 1; i < 8; i++)
		assert_int_equal(t[i] - t[i - 1], 10 * MS);
	/* Same target's consecutive probes: at least the interval apart. */
	assert_true(t[4] - t[0] >= 10 * MS);
}

static void test_interval_respected_when_late(void **state)
{
	(void)state;
	struct sched s;
	size_t f;
	uint64_t due;
	sched_init(&s, 1, 3, 100 * MS, 0, 0);
	assert_true(sched_next(&s, &f, &due));
	assert_int_equal(due, 0);
	sched_sent(&s, 30 * MS); /* sent late */
	assert_true(sched_next(&s, &f, &due));
	assert_int_equal(due, 130 * MS); /* interval from the real send */
}

static void test_unbounded_and_empty(void **state)
{
	(void)state;
	struct sched s;
	size_t flows[1000];
	uint64_t t[1000];
	sched_init(&s, 2, 0, MS, 0, 0);
	assert_int_equal(run(&s, flows, t, 1000), 1000); /* count 0 never ends */
	sched_init(&s, 0, 4, MS, 0, 0);
	size_t f;
	uint64_t due;
	assert_false(sched_next(&s, &f, &due));
}

static void test_rate_catches_up_after_small_delays(void **state)
{
	(void)state;
	struct sched s;
	size_t f;
	uint64_t due;
	sched_init(&s, 10, 1, MS, 10000.0, 0); /* 100 us between sends */
	assert_true(sched_next(&s, &f, &due));
	sched_sent(&s, 0);
	assert_true(sched_next(&s, &f, &due));
	assert_int_equal(due, 100000);
	sched_sent(&s, 150000); /* 50 us late: keeps its slot */
	assert_true(sched_next(&s, &f, &due));
	assert_int_equal(due, 200000);
	sched_sent(&s, 200000);
	assert_true(sched_next(&s, &f, &due));
	sched_sent(&s, 9000000); /* a 9 ms stall: pacing starts afresh */
	assert_true(sched_next(&s, &f, &due));
	assert_int_equal(due, 9100000);
}

static void test_charge_counts_extra_packets(void **state)
{
	(void)state;
	struct sched s;
	size_t f;
	uint64_t due;
	sched_init(&s, 2, 1, MS, 100.0, 0); /* 10 ms between packets */
	assert_true(sched_next(&s, &f, &due));
	sched_sent(&s, 0);
	sched_charge(&s, 1 * MS); /* an RST right after */
	assert_true(sched_next(&s, &f, &due));
	assert_int_equal(due, 20 * MS); /* the RST took the 10 ms slot */
	struct sched u;
	sched_init(&u, 1, 2, MS, 0, 0);
	sched_sent(&u, 0);
	sched_charge(&u, 5); /* no cap: nothing changes */
	assert_true(sched_next(&u, &f, &due));
	assert_int_equal(due, MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rounds_without_rate),
		cmocka_unit_test(test_rate_spaces_all_sends),
		cmocka_unit_test(test_interval_respected_when_late),
		cmocka_unit_test(test_unbounded_and_empty),
		cmocka_unit_test(test_charge_counts_extra_packets),
		cmocka_unit_test(test_rate_catches_up_after_small_delays),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
