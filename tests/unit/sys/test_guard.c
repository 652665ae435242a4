/*
 * Unit tests for guard's pure part: table names and the nft script.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sys/guard.h"

static void test_table_name(void **state)
{
	(void)state;
	char b[32];
	guard_table_name(4242, b, sizeof(b));
	assert_string_equal(b, "tcpshake_4242");
}

static void test_script_v4_and_v6(void **state)
{
	(void)state;
	struct guard_rule r[2];
	memset(r, 0, sizeof(r));
	netaddr_parse("10.77.0.1", &r[0].local);
	netaddr_parse("10.77.0.2", &r[0].remote);
	r[0].lport_lo = 40000;
	r[0].lport_hi = 40003;
	r[0].rport = 8080;
	netaddr_parse("fd77::1", &r[1].local);
	netaddr_parse("fd77::2", &r[1].remote);
	r[1].lport_lo = r[1].lport_hi = 41000;
	r[1].rport = 443;
	char b[2048];
	assert_int_equal(guard_script("tcpshake_7", r, 2, b, sizeof(b)), 0);
	assert_string_equal(b,
		"add table inet tcpshake_7\n"
		"add chain inet tcpshake_7 out { type filter hook output priority 0; policy accept; }\n"
		"add rule inet tcpshake_7 out ip saddr 10.77.0.1 ip daddr 10.77.0.2 tcp sport 40000-40003 "
		"tcp dport 8080 tcp flags & rst == rst meta mark != 0x74637368 drop\n"
		"add rule inet tcpshake_7 out ip6 saddr fd77::1 ip6 daddr fd77::2 tcp sport 41000 "
		"tcp dport 443 tcp flags & rst == rst meta mark != 0x74637368 drop\n");
}

/* The exporter's rule: its whole port block, any address (its targets
 * come later, one scrape at a time). */
static void test_script_any_address(void **state)
{
	(void)state;
	struct guard_rule r;
	memset(&r, 0, sizeof(r));
	r.lport_lo = 50000;
	r.lport_hi = 50255;
	char b[1024];
	assert_int_equal(guard_script("tcpshake_9", &r, 1, b, sizeof(b)), 0);
	assert_string_equal(b,
		"add table inet tcpshake_9\n"
		"add chain inet tcpshake_9 out { type filter hook output priority 0; policy accept; }\n"
		"add rule inet tcpshake_9 out meta l4proto tcp tcp sport 50000-50255 "
		"tcp flags & rst == rst meta mark != 0x74637368 drop\n");
}

static void test_script_too_small(void **state)
{
	(void)state;
	struct guard_rule r;
	memset(&r, 0, sizeof(r));
	netaddr_parse("10.0.0.1", &r.local);
	netaddr_parse("10.0.0.2", &r.remote);
	char b[64];
	assert_int_equal(guard_script("tcpshake_1", &r, 1, b, sizeof(b)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_name),
		cmocka_unit_test(test_script_v4_and_v6),
		cmocka_unit_test(test_script_any_address),
		cmocka_unit_test(test_script_too_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
