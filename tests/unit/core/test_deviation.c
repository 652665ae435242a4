/*
 * Unit tests for deviation: stable, unique codes; formatting; the list.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/deviation.h"

static void test_names_stable_and_unique(void **state)
{
	(void)state;
	const char *want[DEV_COUNT] = {"wrong-ack",      "no-ack-of-fin", "fin-never-sent",
				       "rst-instead-of-fin", "data-after-fin", "fin-seq-wrong",
				       "seq-gap",        "ack-of-unsent", "unexpected-syn",
				       "illegal-transition"};
	for (int i = 0; i < DEV_COUNT; i++) {
		assert_string_equal(deviation_name((enum deviation_code)i), want[i]);
		assert_true(strlen(deviation_describe((enum deviation_code)i)) > 10);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(deviation_name((enum deviation_code)i),
						deviation_name((enum deviation_code)j));
	}
	assert_string_equal(deviation_name(DEV_COUNT), "?");
}

static void test_format(void **state)
{
	(void)state;
	char b[256];
	struct deviation d = {.code = DEV_WRONG_ACK, .field = "ack", .has_values = true,
			      .expected = 1001, .actual = 1000};
	assert_string_equal(deviation_format(&d, b, sizeof(b)), "ack: expected 1001, got 1000");
	strcpy(d.detail, "peer in CLOSE_WAIT");
	assert_string_equal(deviation_format(&d, b, sizeof(b)),
			    "ack: expected 1001, got 1000 (peer in CLOSE_WAIT)");
	struct deviation e = {.code = DEV_FIN_NEVER_SENT};
	assert_string_equal(deviation_format(&e, b, sizeof(b)),
			    "the peer never sent its FIN (stuck in CLOSE_WAIT)");
}

static void test_list_grows(void **state)
{
	(void)state;
	struct deviation_list l;
	deviation_list_init(&l);
	for (uint32_t i = 0; i < 100; i++) {
		struct deviation d = {.code = DEV_SEQ_GAP, .has_values = true, .expected = i, .actual = i + 1};
		assert_int_equal(deviation_list_add(&l, &d), 0);
	}
	assert_int_equal(l.n, 100);
	assert_int_equal(l.v[99].expected, 99);
	assert_int_equal(l.v[0].actual, 1);
	deviation_list_free(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_stable_and_unique),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_list_grows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
