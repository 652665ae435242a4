/*
 * test_netaddr: the address value type every module compares and prints.
 *
 * Equality must look only at the meaningful bytes of the right family, and
 * the hash must agree with equality, or the match table loses replies.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "core/netaddr.h"

static void test_parse_v4(void **state)
{
	struct netaddr a;
	static const uint8_t want[16] = { 192, 0, 2, 33 };

	memset(&a, 0xee, sizeof(a));
	assert_int_equal(netaddr_parse("192.0.2.33", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.b, want, 16); /* rest zero */
	assert_int_equal(netaddr_len(&a), 4);
}

static void test_parse_v6(void **state)
{
	struct netaddr a;
	static const uint8_t want[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0xab, [15] = 0xcd };

	assert_int_equal(netaddr_parse("2001:db8::abcd", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_memory_equal(a.b, want, 16);
	assert_int_equal(netaddr_len(&a), 16);

	assert_int_equal(netaddr_parse("::ffff:192.0.2.1", &a), 0);
	assert_int_equal(a.family, AF_INET6); /* mapped stays IPv6 */
	assert_int_equal(a.b[10], 0xff);
	assert_int_equal(a.b[15], 1);
}

static void test_parse_invalid(void **state)
{
	struct netaddr a;
	const char *bad[] = { "", "192.0.2", "192.0.2.256", "example.com", "2001:db8:::1",
			      "1.2.3.4 ", "fe80::1%lo" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&a, 0xee, sizeof(a));
		assert_int_equal(netaddr_parse(bad[i], &a), -1);
		assert_int_equal(a.family, 0);
		assert_int_equal(netaddr_len(&a), 0);
	}
}

static void test_set_and_eq(void **state)
{
	struct netaddr a, b, c, u1, u2;
	static const uint8_t bytes[16] = { 10, 1, 2, 3, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99 };

	netaddr_set(&a, AF_INET, bytes);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.b[3], 3);
	assert_int_equal(a.b[4], 0); /* only 4 bytes copied */
	assert_int_equal(netaddr_parse("10.1.2.3", &b), 0);
	assert_true(netaddr_eq(&a, &b));

	/* the same leading bytes as IPv6 are a different address */
	netaddr_set(&c, AF_INET6, bytes);
	assert_int_equal(c.b[15], 99);
	assert_false(netaddr_eq(&a, &c));
	assert_false(netaddr_eq(&c, &a));

	/* garbage past the meaningful bytes does not matter */
	b.b[8] = 0x77;
	assert_true(netaddr_eq(&a, &b));
	assert_int_equal(netaddr_hash(&a), netaddr_hash(&b));

	assert_int_equal(netaddr_parse("10.1.2.4", &b), 0);
	assert_false(netaddr_eq(&a, &b));

	memset(&u1, 0, sizeof(u1));
	memset(&u2, 0, sizeof(u2));
	assert_true(netaddr_eq(&u1, &u2));
	assert_false(netaddr_eq(&u1, &a));
}

static void test_str(void **state)
{
	struct netaddr a;
	char buf[NETADDR_STRLEN];
	char tiny[4];

	assert_int_equal(netaddr_parse("198.51.100.200", &a), 0);
	assert_string_equal(netaddr_str(&a, buf, sizeof(buf)), "198.51.100.200");
	assert_int_equal(netaddr_parse("2001:DB8:0:0:0:0:0:1", &a), 0);
	assert_string_equal(netaddr_str(&a, buf, sizeof(buf)), "2001:db8::1");
	assert_ptr_equal(netaddr_str(&a, buf, sizeof(buf)), buf);
	assert_string_equal(netaddr_str(&a, tiny, sizeof(tiny)), "?");
	memset(&a, 0, sizeof(a));
	assert_string_equal(netaddr_str(&a, buf, sizeof(buf)), "?");
}

static void test_hash(void **state)
{
	struct netaddr a, b;
	char text[32];
	uint32_t first;
	int distinct = 0;

	assert_int_equal(netaddr_parse("192.0.2.1", &a), 0);
	assert_int_equal(netaddr_parse("192.0.2.1", &b), 0);
	assert_int_equal(netaddr_hash(&a), netaddr_hash(&b));
	first = netaddr_hash(&a);
	/* neighbours hash apart (FNV-1a: the last byte changes the result) */
	for (int i = 2; i < 66; i++) {
		snprintf(text, sizeof(text), "192.0.2.%d", i);
		assert_int_equal(netaddr_parse(text, &b), 0);
		if (netaddr_hash(&b) != first)
			distinct++;
	}
	assert_int_equal(distinct, 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_v4),
		cmocka_unit_test(test_parse_v6),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_set_and_eq),
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
