/*
 * Unit tests for tcpopt: exact option bytes for each choice.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include <cmocka.h>

#include "core/tcpopt.h"

static void test_linux_default(void **state)
{
	(void)state;
	struct syn_options so = {.mss = true, .wscale = true, .wscale_value = 7, .sack = true, .ts = true};
	uint8_t b[40];
	/* mss 1460, sackOK, TS val 0x01020304 ecr 0, nop, wscale 7: 20 bytes as Linux. */
	const uint8_t want[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7};
	assert_int_equal(tcpopt_build(&so, 1460, 0x01020304, b), sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
}

static void test_user_mss_wins(void **state)
{
	(void)state;
	struct syn_options so = {.mss = true, .mss_value = 1200};
	uint8_t b[40];
	const uint8_t want[] = {2, 4, 0x04, 0xb0};
	assert_int_equal(tcpopt_build(&so, 1460, 0, b), 4);
	assert_memory_equal(b, want, 4);
}

static void test_none(void **state)
{
	(void)state;
	struct syn_options so;
	memset(&so, 0, sizeof(so));
	uint8_t b[40];
	assert_int_equal(tcpopt_build(&so, 1460, 0, b), 0);
}

static void test_sack_alone_and_ts_alone(void **state)
{
	(void)state;
	struct syn_options so = {.sack = true};
	uint8_t b[40];
	const uint8_t sack[] = {1, 1, 4, 2};
	assert_int_equal(tcpopt_build(&so, 0, 0, b), 4);
	assert_memory_equal(b, sack, 4);
	struct syn_options so2 = {.ts = true};
	const uint8_t ts[] = {1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0};
	assert_int_equal(tcpopt_build(&so2, 0, 9, b), 12);
	assert_memory_equal(b, ts, 12);
}

static void test_wscale_alone(void **state)
{
	(void)state;
	struct syn_options so = {.wscale = true, .wscale_value = 14};
	uint8_t b[40];
	const uint8_t want[] = {1, 3, 3, 14};
	assert_int_equal(tcpopt_build(&so, 0, 0, b), 4);
	assert_memory_equal(b, want, 4);
}

/* The MSS offered over a route: MTU less 40 (IPv4) or 60 (IPv6) bytes of
 * headers, never below 536 nor above 65495. */
static void test_mss_for_mtu(void **state)
{
	(void)state;
	assert_int_equal(tcpopt_mss_for_mtu(AF_INET, 1500), 1460);
	assert_int_equal(tcpopt_mss_for_mtu(AF_INET6, 1500), 1440);
	assert_int_equal(tcpopt_mss_for_mtu(AF_INET, 65535), 65495);
	assert_int_equal(tcpopt_mss_for_mtu(AF_INET, 576), 536);
	assert_int_equal(tcpopt_mss_for_mtu(AF_INET6, 68), 536);
	assert_int_equal(tcpopt_mss_for_mtu(AF_INET, 0), 536);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_default),
		cmocka_unit_test(test_user_mss_wins),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_sack_alone_and_ts_alone),
		cmocka_unit_test(test_wscale_alone),
		cmocka_unit_test(test_mss_for_mtu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
