/*
 * test_allow: the exporter's allow list. Nothing is allowed until both a
 * span and a port are; prefixes (of any length), addresses and IPv4 ranges
 * admit what they cover and nothing next to them; IPv4-mapped IPv6 is
 * IPv4 on both sides; a bad entry names itself and adds nothing; the 403
 * lines are exactly the documented ones.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "core/allow.h"

/* Whether addr:port passes a; why into buf. */
static bool ask(const struct allow *a, const char *addr, uint16_t port, char *why, size_t len)
{
	struct netaddr n;
	assert_int_equal(netaddr_parse(addr, &n), 0);
	why[0] = '\0';
	return allow_check(a, &n, port, why, len);
}

static void assert_allowed(const struct allow *a, const char *addr, uint16_t port)
{
	char why[256];
	if (!ask(a, addr, port, why, sizeof(why)))
		fail_msg("%s port %u refused: %s", addr, port, why);
}

static void assert_refused(const struct allow *a, const char *addr, uint16_t port, const char *want)
{
	char why[256];
	if (ask(a, addr, port, why, sizeof(why)))
		fail_msg("%s port %u allowed", addr, port);
	assert_string_equal(why, want);
}

static void build(struct allow *a, const char *targets, const char *ports)
{
	char err[256];
	allow_init(a);
	if (allow_add_targets(a, targets, err, sizeof(err)) < 0)
		fail_msg("%s: %s", targets, err);
	if (allow_add_ports(a, ports, err, sizeof(err)) < 0)
		fail_msg("%s: %s", ports, err);
}

static void test_nothing_by_default(void **state)
{
	struct allow a;
	char err[256];
	static const char nothing[] =
		"nothing is allowed: start tcpshake with --allow CIDR and --allow-ports PORTS";

	allow_init(&a);
	assert_refused(&a, "127.0.0.1", 80, nothing);
	/* Addresses without ports, ports without addresses: still nothing. */
	assert_int_equal(allow_add_targets(&a, "0.0.0.0/0", err, sizeof(err)), 0);
	assert_refused(&a, "127.0.0.1", 80, nothing);
	allow_free(&a);
	allow_init(&a);
	assert_int_equal(allow_add_ports(&a, "1-65535", err, sizeof(err)), 0);
	assert_refused(&a, "127.0.0.1", 80, nothing);
	allow_free(&a);
	allow_free(&a); /* twice is harmless */
}

static void test_prefixes_and_ports(void **state)
{
	struct allow a;

	build(&a, "10.0.0.0/8,fd00::/8 192.0.2.7", "22,80,443,8000-9000");
	assert_allowed(&a, "10.0.0.0", 80);
	assert_allowed(&a, "10.255.255.255", 443);
	assert_refused(&a, "11.0.0.0", 80, "11.0.0.0 is outside --allow");
	assert_refused(&a, "9.255.255.255", 80, "9.255.255.255 is outside --allow");
	assert_allowed(&a, "192.0.2.7", 22);
	assert_refused(&a, "192.0.2.6", 22, "192.0.2.6 is outside --allow");
	assert_refused(&a, "192.0.2.8", 22, "192.0.2.8 is outside --allow");
	assert_allowed(&a, "fd00::1", 8000);
	assert_allowed(&a, "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 9000);
	assert_refused(&a, "fe00::", 80, "fe00:: is outside --allow");
	assert_refused(&a, "fc00::1", 80, "fc00::1 is outside --allow");

	assert_refused(&a, "10.1.2.3", 25, "port 25 is not in --allow-ports");
	assert_refused(&a, "10.1.2.3", 7999, "port 7999 is not in --allow-ports");
	assert_refused(&a, "10.1.2.3", 9001, "port 9001 is not in --allow-ports");
	assert_refused(&a, "10.1.2.3", 0, "port 0 is not in --allow-ports");
	/* The address is judged first. */
	assert_refused(&a, "11.1.2.3", 25, "11.1.2.3 is outside --allow");
	allow_free(&a);
}

static void test_prefix_lengths(void **state)
{
	struct allow a;

	/* Host bits are ignored; a length off a byte boundary cuts mid-byte. */
	build(&a, "192.0.2.77/26", "80");
	assert_allowed(&a, "192.0.2.64", 80);
	assert_allowed(&a, "192.0.2.127", 80);
	assert_refused(&a, "192.0.2.63", 80, "192.0.2.63 is outside --allow");
	assert_refused(&a, "192.0.2.128", 80, "192.0.2.128 is outside --allow");
	allow_free(&a);

	build(&a, "0.0.0.0/0", "80");
	assert_allowed(&a, "0.0.0.0", 80);
	assert_allowed(&a, "255.255.255.255", 80);
	assert_refused(&a, "::1", 80, "::1 is outside --allow"); /* families apart */
	allow_free(&a);

	/* Wider than any sweep's span: still a prefix here. */
	build(&a, "::/0", "80");
	assert_allowed(&a, "::1", 80);
	assert_allowed(&a, "2001:db8::1", 80);
	assert_refused(&a, "10.0.0.1", 80, "10.0.0.1 is outside --allow");
	/* ::/0 holds ::ffff:0:0/96 but mapped addresses are IPv4. */
	assert_refused(&a, "::ffff:10.0.0.1", 80, "10.0.0.1 is outside --allow");
	allow_free(&a);

	build(&a, "2001:db8::/33 10.0.0.1/32 2001:db9::5/128", "80");
	assert_allowed(&a, "2001:db8:7fff::1", 80);
	assert_refused(&a, "2001:db8:8000::", 80, "2001:db8:8000:: is outside --allow");
	assert_allowed(&a, "10.0.0.1", 80);
	assert_refused(&a, "10.0.0.2", 80, "10.0.0.2 is outside --allow");
	assert_allowed(&a, "2001:db9::5", 80);
	assert_refused(&a, "2001:db9::4", 80, "2001:db9::4 is outside --allow");
	allow_free(&a);
}

static void test_ranges(void **state)
{
	struct allow a;

	build(&a, "10.0.0.250-10.0.1.5", "1,65535");
	assert_allowed(&a, "10.0.0.250", 1);
	assert_allowed(&a, "10.0.1.5", 65535);
	assert_refused(&a, "10.0.0.249", 1, "10.0.0.249 is outside --allow");
	assert_refused(&a, "10.0.1.6", 1, "10.0.1.6 is outside --allow");
	assert_refused(&a, "10.0.1.0", 2, "port 2 is not in --allow-ports");
	allow_free(&a);
}

static void test_mapped(void **state)
{
	struct allow a;

	/* A mapped address asked about is its IPv4 one. */
	build(&a, "10.0.0.0/8", "80");
	assert_allowed(&a, "::ffff:10.1.2.3", 80);
	assert_refused(&a, "::ffff:11.1.2.3", 80, "11.1.2.3 is outside --allow");
	allow_free(&a);

	/* Mapped entries are IPv4 ones: an address, a /104 (IPv4 /8). */
	build(&a, "::ffff:192.0.2.7,::ffff:10.0.0.0/104", "80");
	assert_allowed(&a, "192.0.2.7", 80);
	assert_allowed(&a, "::ffff:192.0.2.7", 80);
	assert_allowed(&a, "10.9.9.9", 80);
	assert_refused(&a, "11.0.0.0", 80, "11.0.0.0 is outside --allow");
	allow_free(&a);

	/* Shorter than /96 it covers IPv6 beyond the mapped block: IPv6. */
	build(&a, "::ffff:0:0/95", "80");
	assert_allowed(&a, "::fffe:0:1", 80);
	assert_refused(&a, "::ffff:10.0.0.1", 80, "10.0.0.1 is outside --allow");
	allow_free(&a);

	build(&a, "::ffff:0:0/96", "80"); /* all of IPv4 */
	assert_allowed(&a, "1.2.3.4", 80);
	assert_refused(&a, "::1", 80, "::1 is outside --allow");
	allow_free(&a);
}

static void test_separators_and_adding(void **state)
{
	struct allow a;
	char err[256];

	build(&a, " 10.0.0.1 ,\t10.0.0.2,,\n10.0.0.3 ", "80");
	assert_int_equal(a.nspans, 3);
	assert_allowed(&a, "10.0.0.3", 80);
	/* Adding keeps what is there; so do ports. */
	for (int i = 0; i < 20; i++)
		assert_int_equal(allow_add_targets(&a, "192.0.2.0/24", err, sizeof(err)), 0);
	assert_int_equal(a.nspans, 23);
	assert_int_equal(allow_add_ports(&a, "443", err, sizeof(err)), 0);
	assert_allowed(&a, "10.0.0.1", 80);
	assert_allowed(&a, "192.0.2.1", 443);
	allow_free(&a);
	assert_int_equal(a.nspans, 0);
	assert_null(a.spans);
}

/* list fails with exactly want, and leaves a as it was. */
static void assert_bad_targets(const char *list, const char *want)
{
	struct allow a;
	char err[256] = "";

	build(&a, "192.0.2.1", "80");
	assert_int_equal(allow_add_targets(&a, list, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_int_equal(a.nspans, 1);
	allow_free(&a);
}

#define ALLOWED "expected addresses or prefixes like 10.0.0.0/8, fd00::/8 or 192.0.2.7"

static void test_bad_targets(void **state)
{
	assert_bad_targets("", "empty allow list; " ALLOWED);
	assert_bad_targets(" , ", "empty allow list; " ALLOWED);
	assert_bad_targets("10.0.0.0/8,localhost",
			   "invalid allow entry 'localhost': not an address (names are not allowed); " ALLOWED);
	assert_bad_targets("example.org",
			   "invalid allow entry 'example.org': not an address (names are not allowed); " ALLOWED);
	assert_bad_targets("10.0.0.0/33", "invalid allow entry '10.0.0.0/33': the prefix length must be 0 to 32");
	assert_bad_targets("fd00::/129", "invalid allow entry 'fd00::/129': the prefix length must be 0 to 128");
	assert_bad_targets("10.0.0.0/", "invalid allow entry '10.0.0.0/': the prefix length must be 0 to 32");
	assert_bad_targets("10.0.0.0/8x", "invalid allow entry '10.0.0.0/8x': the prefix length must be 0 to 32");
	assert_bad_targets("10.0.0.0/-1", "invalid allow entry '10.0.0.0/-1': the prefix length must be 0 to 32");
	assert_bad_targets("10.0.0.0/99999999999999999999",
			   "invalid allow entry '10.0.0.0/99999999999999999999': the prefix length must be 0 to 32");
	assert_bad_targets("host/8",
			   "invalid allow entry 'host/8': 'host' is not an IPv4 or IPv6 address; " ALLOWED);
	assert_bad_targets("/8", "invalid allow entry '/8': '' is not an IPv4 or IPv6 address; " ALLOWED);
	assert_bad_targets("10.0.0.5-10.0.0.1",
			   "invalid range '10.0.0.5-10.0.0.1': the last address is below the first");
	assert_bad_targets("10.0.0.1-x", "invalid range '10.0.0.1-x': expected FIRST-LAST IPv4 addresses "
					 "like 10.0.0.1-10.0.0.254");
	assert_bad_targets("0123456789012345678901234567890123456789012345678901234567890123",
			   "invalid allow entry '012345678901234567890123456789012345678901234567890123456789...': "
			   "too long; " ALLOWED);
	/* 63 characters is read (and refused as no address). */
	assert_bad_targets("012345678901234567890123456789012345678901234567890123456789012",
			   "invalid allow entry '012345678901234567890123456789012345678901234567890123456789012': "
			   "not an address (names are not allowed); " ALLOWED);
	/* Bytes a terminal would act on are not quoted back. */
	assert_bad_targets("10.0.0.1\x1b[2J", "invalid allow entry: it holds a control character or a byte "
					     "beyond ASCII; " ALLOWED);
	assert_bad_targets("caf\xc3\xa9", "invalid allow entry: it holds a control character or a byte "
					 "beyond ASCII; " ALLOWED);
	char long_bad[100];
	memset(long_bad, 0xff, sizeof(long_bad) - 1);
	long_bad[sizeof(long_bad) - 1] = '\0';
	assert_bad_targets(long_bad, "invalid allow entry: it holds a control character or a byte "
				     "beyond ASCII; " ALLOWED);
	/* A good entry before a bad one is not added either. */
	assert_bad_targets("10.0.0.0/8 10.0.0.0/40",
			   "invalid allow entry '10.0.0.0/40': the prefix length must be 0 to 32");
}

static void test_bad_ports(void **state)
{
	struct allow a;
	char err[256];

	allow_init(&a);
	assert_int_equal(allow_add_ports(&a, "0", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "port 0 is out of range"));
	assert_int_equal(allow_add_ports(&a, "http", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid port list 'http'"));
	assert_int_equal(allow_add_ports(&a, "", err, sizeof(err)), -1);
	assert_int_equal(allow_add_ports(&a, "90-80", err, sizeof(err)), -1);
	assert_int_equal(allow_add_ports(&a, "80\x1b[2J", err, sizeof(err)), -1);
	assert_string_equal(err, "invalid port list: it holds a control character or a byte beyond ASCII");
	assert_int_equal(allow_add_ports(&a, "80\xff", err, sizeof(err)), -1);
	assert_string_equal(err, "invalid port list: it holds a control character or a byte beyond ASCII");
	assert_false(a.any_port); /* nothing added */
	for (size_t i = 0; i < sizeof(a.ports); i++)
		assert_int_equal(a.ports[i], 0);
	allow_free(&a);
}

static void test_why_buffer(void **state)
{
	struct allow a;
	char why[8];
	struct netaddr n;

	build(&a, "10.0.0.0/8", "80");
	assert_int_equal(netaddr_parse("11.0.0.1", &n), 0);
	assert_false(allow_check(&a, &n, 80, why, sizeof(why)));
	assert_string_equal(why, "11.0.0.");  /* cut, terminated */
	assert_false(allow_check(&a, &n, 80, NULL, 0));
	memset(&n, 0, sizeof(n)); /* no family */
	assert_false(allow_check(&a, &n, 80, NULL, 0));
	allow_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_by_default),
		cmocka_unit_test(test_prefixes_and_ports),
		cmocka_unit_test(test_prefix_lengths),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_mapped),
		cmocka_unit_test(test_separators_and_adding),
		cmocka_unit_test(test_bad_targets),
		cmocka_unit_test(test_bad_ports),
		cmocka_unit_test(test_why_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
