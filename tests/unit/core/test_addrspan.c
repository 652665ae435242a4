/*
 * test_addrspan: prefixes and IPv4 ranges parse to (first, count), host
 * bits are cleared, bad ones say why, sizes need --allow-large past /8 or
 * /104, and address arithmetic carries across bytes and halves.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "core/addrspan.h"

static void assert_addr(const struct netaddr *a, const char *want)
{
	char buf[NETADDR_STRLEN];
	assert_string_equal(netaddr_str(a, buf, sizeof(buf)), want);
}

static void test_prefixes(void **state)
{
	struct addr_span sp;
	char err[256];

	assert_int_equal(addr_span_parse("10.0.0.0/16", &sp, err, sizeof(err)), 1);
	assert_addr(&sp.lo, "10.0.0.0");
	assert_int_equal(sp.n, 65536);
	assert_int_equal(sp.prefix_len, 16);

	/* Host bits are ignored, as nmap does. */
	assert_int_equal(addr_span_parse("10.1.2.3/24", &sp, err, sizeof(err)), 1);
	assert_addr(&sp.lo, "10.1.2.0");
	assert_int_equal(sp.n, 256);

	assert_int_equal(addr_span_parse("192.0.2.7/32", &sp, err, sizeof(err)), 1);
	assert_int_equal(sp.n, 1);
	assert_int_equal(addr_span_parse("0.0.0.0/0", &sp, err, sizeof(err)), 1);
	assert_int_equal(sp.n, 1ull << 32);

	assert_int_equal(addr_span_parse("fd00::ff/112", &sp, err, sizeof(err)), 1);
	assert_addr(&sp.lo, "fd00::");
	assert_int_equal(sp.n, 65536);
	assert_int_equal(addr_span_parse("2001:db8::/65", &sp, err, sizeof(err)), 1);
	assert_int_equal(sp.n, 1ull << 63);
}

static void test_ranges(void **state)
{
	struct addr_span sp;
	char err[256];

	assert_int_equal(addr_span_parse("10.0.0.1-10.0.0.254", &sp, err, sizeof(err)), 1);
	assert_addr(&sp.lo, "10.0.0.1");
	assert_int_equal(sp.n, 254);
	assert_int_equal(sp.prefix_len, -1);
	assert_int_equal(addr_span_parse("10.0.0.9-10.0.0.9", &sp, err, sizeof(err)), 1);
	assert_int_equal(sp.n, 1);
	assert_int_equal(addr_span_parse("10.0.255.250-10.1.0.5", &sp, err, sizeof(err)), 1);
	assert_int_equal(sp.n, 12);
	assert_int_equal(addr_span_parse("0.0.0.0-255.255.255.255", &sp, err, sizeof(err)), 1);
	assert_int_equal(sp.n, 1ull << 32);
}

static void test_not_spans(void **state)
{
	struct addr_span sp;
	char err[256];
	/* Names (dashes included) and single addresses are for the resolver. */
	static const char *const hosts[] = { "example.com", "my-host", "my-host.example", "10.0.0.1",
					     "::1", "fd00::1", "10-0-0-1.example" };
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		assert_int_equal(addr_span_parse(hosts[i], &sp, err, sizeof(err)), 0);
}

static void test_bad_spans(void **state)
{
	static const struct {
		const char *in, *msg;
	} rows[] = {
		{ "10.0.0.0/33", "invalid prefix '10.0.0.0/33': the length must be 0 to 32" },
		{ "fd00::/129", "invalid prefix 'fd00::/129': the length must be 0 to 128" },
		{ "10.0.0.0/", "invalid prefix '10.0.0.0/': the length must be 0 to 32" },
		{ "10.0.0.0/-1", "invalid prefix '10.0.0.0/-1': the length must be 0 to 32" },
		{ "10.0.0.0/8x", "invalid prefix '10.0.0.0/8x': the length must be 0 to 32" },
		{ "/24", "invalid prefix '/24': expected ADDRESS/LENGTH like 10.0.0.0/24" },
		{ "example.com/24", "invalid prefix 'example.com/24': 'example.com' is not an IPv4 or IPv6 address" },
		{ "10.0.0.5-10.0.0.1", "invalid range '10.0.0.5-10.0.0.1': the last address is below the first" },
		{ "10.0.0.1-x", "invalid range '10.0.0.1-x': expected FIRST-LAST IPv4 addresses like 10.0.0.1-10.0.0.254" },
		{ "10.0.0.1-", "invalid range '10.0.0.1-': expected FIRST-LAST IPv4 addresses like 10.0.0.1-10.0.0.254" },
		{ "fd00::/64", "prefix 'fd00::/64' has 2^64 addresses: too many to sweep (at most 2^63)" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct addr_span sp;
		char err[256] = "";
		assert_int_equal(addr_span_parse(rows[i].in, &sp, err, sizeof(err)), -1);
		assert_string_equal(err, rows[i].msg);
	}
}

static void test_sizes(void **state)
{
	struct addr_span sp;
	char err[256];

	assert_int_equal(addr_span_parse("10.0.0.0/8", &sp, err, sizeof(err)), 1);
	assert_true(addr_span_size_ok(&sp, false, "10.0.0.0/8", err, sizeof(err)));
	assert_int_equal(addr_span_parse("10.0.0.0/7", &sp, err, sizeof(err)), 1);
	assert_false(addr_span_size_ok(&sp, false, "10.0.0.0/7", err, sizeof(err)));
	assert_string_equal(err, "'10.0.0.0/7' has 33554432 addresses, more than a /8 (16777216): add "
				 "--allow-large to sweep it");
	assert_true(addr_span_size_ok(&sp, true, "10.0.0.0/7", err, sizeof(err)));
	assert_int_equal(addr_span_parse("fd00::/104", &sp, err, sizeof(err)), 1);
	assert_true(addr_span_size_ok(&sp, false, "fd00::/104", err, sizeof(err)));
	assert_int_equal(addr_span_parse("fd00::/103", &sp, err, sizeof(err)), 1);
	assert_false(addr_span_size_ok(&sp, false, "fd00::/103", err, sizeof(err)));
	assert_non_null(strstr(err, "more than a /104"));
}

static void test_arithmetic(void **state)
{
	struct addr_span sp;
	struct netaddr a;
	char err[256];

	assert_int_equal(addr_span_parse("10.0.0.0/16", &sp, err, sizeof(err)), 1);
	addr_span_at(&sp, 0, &a);
	assert_addr(&a, "10.0.0.0");
	addr_span_at(&sp, 258, &a);
	assert_addr(&a, "10.0.1.2");
	addr_span_at(&sp, 65535, &a);
	assert_addr(&a, "10.0.255.255");
	assert_int_equal(addr_span_offset(&sp, &a), 65535);

	/* A carry from the low 64 bits of an IPv6 address into the high. */
	struct netaddr lo;
	assert_int_equal(netaddr_parse("fd00::ffff:ffff:ffff:ffff", &lo), 0);
	addr_span_single(&lo, &sp);
	sp.n = 16;
	addr_span_at(&sp, 2, &a);
	assert_addr(&a, "fd00:0:0:1::1");
	assert_int_equal(addr_span_offset(&sp, &a), 2);

	/* Outside, and the other family, are -1. */
	assert_int_equal(netaddr_parse("fd00::1", &a), 0);
	assert_int_equal(addr_span_offset(&sp, &a), -1);
	assert_int_equal(netaddr_parse("10.0.0.1", &a), 0);
	assert_int_equal(addr_span_offset(&sp, &a), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_not_spans),
		cmocka_unit_test(test_bad_spans),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_arithmetic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
