/*
 * test_tspace: the index space numbers every (address, port) pair once;
 * overlapping targets and exclusions (with and without ports) cut it as
 * nmap's --exclude does; its size is checked.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/tspace.h"

static struct addr_span S(const char *s)
{
	struct addr_span sp;
	char err[256];
	int r = addr_span_parse(s, &sp, err, sizeof(err));
	if (r == 0) {
		struct netaddr a;
		assert_int_equal(netaddr_parse(s, &a), 0);
		addr_span_single(&a, &sp);
		return sp;
	}
	assert_int_equal(r, 1);
	return sp;
}

/* Every pair of the space as "ADDR:PORT" lines, sorted, into buf. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *pairs(const struct tspace *ts)
{
	char **v = calloc(ts->n ? ts->n : 1, sizeof(*v));
	size_t len = 1;
	assert_non_null(v);
	for (uint64_t i = 0; i < ts->n; i++) {
		struct netaddr a;
		uint16_t p;
		size_t t;
		char ab[NETADDR_STRLEN];
		tspace_at(ts, i, &a, &p, &t);
		v[i] = malloc(96);
		snprintf(v[i], 96, "%s:%u/%zu", netaddr_str(&a, ab, sizeof(ab)), (unsigned)p, t);
		len += strlen(v[i]) + 1;
	}
	qsort(v, ts->n, sizeof(*v), cmp_str);
	char *out = calloc(1, len);
	for (uint64_t i = 0; i < ts->n; i++) {
		strcat(out, v[i]);
		strcat(out, " ");
		free(v[i]);
	}
	free(v);
	return out;
}

static void assert_pairs(struct tspace *ts, const char *want)
{
	assert_int_equal(tspace_finish(ts), 0);
	char *got = pairs(ts);
	assert_string_equal(got, want);
	free(got);
}

static const uint16_t p80[] = { 80 }, p22_80[] = { 22, 80 }, p22_80_443[] = { 22, 80, 443 };

static void test_prefix_times_ports(void **state)
{
	struct tspace ts;
	tspace_init(&ts);
	struct addr_span sp = S("10.0.0.0/16");
	assert_int_equal(tspace_add(&ts, &sp, p22_80_443, 3, 0), 0);
	assert_int_equal(tspace_finish(&ts), 0);
	assert_int_equal(ts.n, 65536 * 3);
	assert_int_equal(ts.nseg, 1);
	/* Index order: an address's ports together (the sweep permutes). */
	struct netaddr a;
	uint16_t p;
	size_t t;
	char ab[NETADDR_STRLEN];
	tspace_at(&ts, 3 * 258 + 2, &a, &p, &t);
	assert_string_equal(netaddr_str(&a, ab, sizeof(ab)), "10.0.1.2");
	assert_int_equal(p, 443);
	tspace_at(&ts, ts.n - 1, &a, &p, &t);
	assert_string_equal(netaddr_str(&a, ab, sizeof(ab)), "10.0.255.255");
	tspace_free(&ts);
}

static void test_segments_numbered_in_order(void **state)
{
	struct tspace ts;
	tspace_init(&ts);
	struct addr_span a = S("10.0.0.1-10.0.0.2"), b = S("fd00::/127"), c = S("192.0.2.9");
	assert_int_equal(tspace_add(&ts, &a, p22_80, 2, 0), 0);
	assert_int_equal(tspace_add(&ts, &b, p80, 1, 1), 0);
	assert_int_equal(tspace_add(&ts, &c, p80, 1, 2), 0);
	assert_pairs(&ts, "10.0.0.1:22/0 10.0.0.1:80/0 10.0.0.2:22/0 10.0.0.2:80/0 192.0.2.9:80/2 "
			  "fd00::1:80/1 fd00:::80/1 ");
	assert_int_equal(ts.n, 7);
	tspace_free(&ts);
}

static void test_overlapping_targets_once(void **state)
{
	/* 10.0.0.0/30 on 22,80 then 10.0.0.2:80,443 and 10.0.0.1-10.0.0.5:80:
	 * each pair once, under the first target that names it. */
	struct tspace ts;
	tspace_init(&ts);
	struct addr_span a = S("10.0.0.0/30"), b = S("10.0.0.2"), c = S("10.0.0.1-10.0.0.5");
	static const uint16_t p80_443[] = { 80, 443 };
	assert_int_equal(tspace_add(&ts, &a, p22_80, 2, 0), 0);
	assert_int_equal(tspace_add(&ts, &b, p80_443, 2, 1), 0);
	assert_int_equal(tspace_add(&ts, &c, p80, 1, 2), 0);
	assert_pairs(&ts, "10.0.0.0:22/0 10.0.0.0:80/0 10.0.0.1:22/0 10.0.0.1:80/0 10.0.0.2:22/0 "
			  "10.0.0.2:443/1 10.0.0.2:80/0 10.0.0.3:22/0 10.0.0.3:80/0 10.0.0.4:80/2 "
			  "10.0.0.5:80/2 ");
	tspace_free(&ts);
}

static void test_host_before_span(void **state)
{
	struct tspace ts;
	tspace_init(&ts);
	struct addr_span h = S("10.0.0.2"), sp = S("10.0.0.0/30");
	assert_int_equal(tspace_add(&ts, &h, p80, 1, 0), 0);
	assert_int_equal(tspace_add(&ts, &sp, p80, 1, 1), 0);
	assert_pairs(&ts, "10.0.0.0:80/1 10.0.0.1:80/1 10.0.0.2:80/0 10.0.0.3:80/1 ");
	tspace_free(&ts);
}

static void test_exclusions(void **state)
{
	struct tspace ts;
	tspace_init(&ts);
	struct addr_span sp = S("10.0.0.0/29");
	assert_int_equal(tspace_add(&ts, &sp, p22_80, 2, 0), 0);
	struct tspace_cut cuts[] = {
		{ .span = S("10.0.0.0/31") },                   /* .0 and .1, every port */
		{ .span = S("10.0.0.4"), .ports = p80, .nports = 1 }, /* only port 80 of .4 */
		{ .span = S("10.0.0.7-10.0.0.9") },              /* past the end too */
		{ .span = S("fd00::/65") },                      /* another family: nothing */
	};
	assert_int_equal(tspace_cut(&ts, cuts, 4), 0);
	assert_pairs(&ts, "10.0.0.2:22/0 10.0.0.2:80/0 10.0.0.3:22/0 10.0.0.3:80/0 10.0.0.4:22/0 "
			  "10.0.0.5:22/0 10.0.0.5:80/0 10.0.0.6:22/0 10.0.0.6:80/0 ");
	tspace_free(&ts);
}

static void test_everything_excluded(void **state)
{
	struct tspace ts;
	tspace_init(&ts);
	struct addr_span sp = S("10.0.0.0/24");
	assert_int_equal(tspace_add(&ts, &sp, p80, 1, 0), 0);
	struct tspace_cut all = { .span = S("10.0.0.0/8") };
	assert_int_equal(tspace_cut(&ts, &all, 1), 0);
	assert_int_equal(tspace_finish(&ts), 0);
	assert_int_equal(ts.n, 0);
	tspace_free(&ts);
}

static void test_too_large(void **state)
{
	struct tspace ts;
	tspace_init(&ts);
	struct addr_span sp = S("2001:db8::/65"); /* 2^63 addresses */
	assert_int_equal(tspace_add(&ts, &sp, p22_80, 2, 0), 0);
	assert_int_equal(tspace_finish(&ts), -1);
	tspace_free(&ts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_times_ports),
		cmocka_unit_test(test_segments_numbered_in_order),
		cmocka_unit_test(test_overlapping_targets_once),
		cmocka_unit_test(test_host_before_span),
		cmocka_unit_test(test_exclusions),
		cmocka_unit_test(test_everything_excluded),
		cmocka_unit_test(test_too_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
