/*
 * test_retry: the sweep's timeout follows RFC 6298 within its floor and -W,
 * the same for every try but the last (no backoff), which waits twice it
 * and at least the tail; the retry count follows the loss seen, within
 * the cap.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/retry.h"

#define MS 1000000ull
#define S 1000000000ull

static void test_timeout_before_and_after_answers(void **state)
{
	struct retry r;
	retry_init(&r, 2 * S, 10, 65535);
	/* Nothing seen: the initial RTO, 1 s, within -W. */
	assert_int_equal(retry_timeout(&r, 0), 1 * S);
	struct retry short_w;
	retry_init(&short_w, 300 * MS, 10, 1);
	assert_int_equal(retry_timeout(&short_w, 0), 300 * MS);

	/* First answer 40 ms: SRTT 40, RTTVAR 20, timeout 120 ms. */
	retry_answer(&r, 40 * MS, 0);
	assert_int_equal(retry_timeout(&r, 0), 120 * MS);
	/* The last try: twice it (the tail, 4 x 40 ms, is shorter). */
	assert_int_equal(retry_timeout(&r, 1), 240 * MS);
	/* Never above -W. */
	assert_int_equal(retry_timeout(&short_w, 1), 300 * MS);
	/* A second, equal answer: RTTVAR 15, SRTT 40: 100 ms. */
	retry_answer(&r, 40 * MS, 0);
	assert_int_equal(retry_timeout(&r, 0), 100 * MS);
}

static void test_timeout_floor(void **state)
{
	struct retry r;
	retry_init(&r, 2 * S, 10, 65535);
	for (int i = 0; i < 50; i++)
		retry_answer(&r, 50000, 0); /* 50 us on a lab link */
	assert_int_equal(retry_timeout(&r, 0), RETRY_FLOOR_NS);
	assert_int_equal(retry_timeout(&r, 1), 2 * RETRY_FLOOR_NS);
}

static void test_last_try_waits_the_tail(void **state)
{
	/* Mostly 1 ms answers, one of 30 ms: the timeout stays near the
	 * many, the last try waits four times the slowest seen. */
	struct retry r;
	retry_init(&r, 2 * S, 10, 65535);
	retry_answer(&r, 30 * MS, 0);
	for (int i = 0; i < 200; i++)
		retry_answer(&r, 1 * MS, 0);
	assert_int_equal(retry_timeout(&r, 0), RETRY_FLOOR_NS);
	assert_int_equal(retry_timeout(&r, 1), 120 * MS);
}

static void test_tail_few_times_largest_rtt(void **state)
{
	struct retry r;
	retry_init(&r, 2 * S, 10, 100);
	assert_int_equal(retry_tail(&r), 2 * S); /* nothing seen: all of -W */
	retry_answer(&r, 3 * MS, 0);
	retry_answer(&r, 30 * MS, 0);
	retry_answer(&r, 5 * MS, 0);
	assert_int_equal(retry_tail(&r), 120 * MS);
	retry_answer(&r, 900 * MS, 0);
	assert_int_equal(retry_tail(&r), 2 * S);
}

static void test_retries_follow_loss(void **state)
{
	struct retry r;

	/* No answer yet: one retransmission. */
	retry_init(&r, 2 * S, 15, 65535);
	assert_int_equal(retry_allowed(&r), 1);

	/* No loss over a whole sweep: one. */
	for (int i = 0; i < 65535; i++)
		retry_answer(&r, MS, 0);
	assert_int_equal(retry_allowed(&r), 1);

	/* 36% per try (20% each way): 65535 * 0.36^k < 0.001 needs k = 18
	 * tries: capped at 15 retransmissions. */
	retry_init(&r, 2 * S, 15, 65535);
	for (int i = 0; i < 6400; i++)
		retry_answer(&r, MS, 0);
	for (int i = 0; i < 3600; i++)
		retry_answer(&r, MS, 1);
	assert_int_equal(retry_allowed(&r), 15);

	/* 1% per try: 65535 * 0.01^k < 0.001 needs k = 4 tries: 3. */
	retry_init(&r, 2 * S, 15, 65535);
	for (int i = 0; i < 9900; i++)
		retry_answer(&r, MS, 0);
	for (int i = 0; i < 100; i++)
		retry_answer(&r, MS, 1);
	assert_int_equal(retry_allowed(&r), 3);

	/* Answers, but none needed a retransmission: no sign of loss. */
	retry_init(&r, 2 * S, 15, 65535);
	for (int i = 0; i < 3; i++)
		retry_answer(&r, MS, 0);
	assert_int_equal(retry_allowed(&r), 1);

	/* The first retransmission answered, few answers in all: the estimate
	 * stays cautious. */
	retry_answer(&r, MS, 1);
	assert_true(retry_allowed(&r) >= 10);

	/* --retries 0: never. */
	retry_init(&r, 2 * S, 0, 65535);
	retry_answer(&r, MS, 1);
	assert_int_equal(retry_allowed(&r), 0);
}

static void test_queueing_is_delay_not_loss(void **state)
{
	struct retry r;
	retry_init(&r, 2 * S, 15, 1000);
	assert_false(retry_queueing(&r)); /* nothing seen */
	for (int i = 0; i < 20; i++)
		retry_answer(&r, 100000, i % 3 == 0); /* 0.1 ms, a third retried */
	assert_false(retry_queueing(&r)); /* loss without delay is no queue */
	for (int i = 0; i < 40; i++)
		retry_answer(&r, 20 * MS, 0); /* a queue: 200 times the path's RTT */
	assert_true(retry_queueing(&r));
	assert_int_equal(r.rtt_min_ns, 100000);
	for (int i = 0; i < 60; i++)
		retry_answer(&r, 200000, 0); /* drained */
	assert_false(retry_queueing(&r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeout_before_and_after_answers),
		cmocka_unit_test(test_timeout_floor),
		cmocka_unit_test(test_last_try_waits_the_tail),
		cmocka_unit_test(test_tail_few_times_largest_rtt),
		cmocka_unit_test(test_retries_follow_loss),
		cmocka_unit_test(test_queueing_is_delay_not_loss),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
