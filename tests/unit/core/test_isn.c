/*
 * Unit tests for isn: the permutation is a bijection and keyed.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/isn.h"

static void test_roundtrip(void **state)
{
	(void)state;
	struct isn_gen g;
	isn_seed(&g, 42);
	for (uint32_t i = 0; i < 200000; i++)
		assert_int_equal(isn_decode(&g, isn_encode(&g, i)), i);
	assert_int_equal(isn_decode(&g, isn_encode(&g, UINT32_MAX)), UINT32_MAX);
}

static void test_distinct_and_not_linear(void **state)
{
	(void)state;
	struct isn_gen g;
	isn_seed(&g, 7);
	/* Consecutive indices must not give consecutive or equally spaced ISNs. */
	uint32_t a = isn_encode(&g, 0), b = isn_encode(&g, 1), c = isn_encode(&g, 2);
	assert_int_not_equal(a, b);
	assert_int_not_equal(b - a, c - b);
	assert_int_not_equal(b, a + 1);
}

static void test_keys_differ(void **state)
{
	(void)state;
	struct isn_gen g1, g2;
	isn_seed(&g1, 1);
	isn_seed(&g2, 2);
	int same = 0;
	for (uint32_t i = 0; i < 1000; i++)
		same += isn_encode(&g1, i) == isn_encode(&g2, i);
	assert_true(same < 5);
	/* A foreign ISN decodes to some index, but not the one the other run used. */
	assert_int_not_equal(isn_decode(&g2, isn_encode(&g1, 5)), 5);
}

static void test_seed_is_deterministic(void **state)
{
	(void)state;
	struct isn_gen g1, g2;
	isn_seed(&g1, 99);
	isn_seed(&g2, 99);
	assert_int_equal(isn_encode(&g1, 12345), isn_encode(&g2, 12345));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_distinct_and_not_linear),
		cmocka_unit_test(test_keys_differ),
		cmocka_unit_test(test_seed_is_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
