/*
 * test_serve_query: a /probe request's values. What a scrape sends is
 * taken (names, IPv4, bracketed IPv6, the module, debug, the timeout
 * header), everything else is one 400 line: each reject path with its
 * exact message, the boundaries of port, host length and timeout, and no
 * control character ever quoted back.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/serve_query.h"

#define EXPECTED "; expected HOST:PORT or [IPV6]:PORT"

static struct serve_query ok4(const char *target, const char *module, const char *debug,
			      const char *timeout)
{
	struct serve_query q;
	char err[256] = "";
	if (serve_query_parse(target, module, debug, timeout, &q, err, sizeof(err)) < 0)
		fail_msg("'%s' refused: %s", target ? target : "(null)", err);
	return q;
}

static struct serve_query ok(const char *target)
{
	return ok4(target, NULL, NULL, NULL);
}

static void bad4(const char *target, const char *module, const char *debug, const char *timeout,
		 const char *want)
{
	struct serve_query q;
	char err[512] = "";

	memset(&q, 0x5a, sizeof(q));
	assert_int_equal(serve_query_parse(target, module, debug, timeout, &q, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	for (const char *c = err; *c != '\0'; c++)
		assert_true(*c >= ' ' && *c < 0x7f); /* one printable line */
	const unsigned char *b = (const unsigned char *)&q;
	for (size_t i = 0; i < sizeof(q); i++)
		assert_int_equal(b[i], 0x5a); /* q untouched */
}

static void bad(const char *target, const char *want)
{
	bad4(target, NULL, NULL, NULL, want);
}

static void test_targets(void **state)
{
	struct serve_query q = ok("example.org:443");
	assert_string_equal(q.host, "example.org");
	assert_int_equal(q.port, 443);
	assert_string_equal(q.module, "syn");
	assert_false(q.debug);
	assert_int_equal(q.timeout_ms, SERVE_TIMEOUT_DEFAULT_MS - SERVE_TIMEOUT_MARGIN_MS);

	q = ok("192.0.2.7:1");
	assert_string_equal(q.host, "192.0.2.7");
	assert_int_equal(q.port, 1);
	q = ok("[2001:db8::1]:65535");
	assert_string_equal(q.host, "2001:db8::1");
	assert_int_equal(q.port, 65535);
	q = ok("[::ffff:192.0.2.7]:80");
	assert_string_equal(q.host, "::ffff:192.0.2.7");
	q = ok("my_host-1.example:00080"); /* leading zeros are still port 80 */
	assert_int_equal(q.port, 80);
	q = ok("my-host:22"); /* a dash in a name is not a range */
	assert_string_equal(q.host, "my-host");
}

static void test_host_length(void **state)
{
	char t[300], want[400];

	/* target_split's limit: 253 characters, a DNS name's longest. */
	memset(t, 'a', 253);
	strcpy(t + 253, ":80");
	struct serve_query q = ok(t);
	assert_int_equal(strlen(q.host), 253);

	memset(t, 'a', 254);
	strcpy(t + 254, ":80");
	snprintf(want, sizeof(want), "invalid target '%.61s...': the host is longer than 253 characters" EXPECTED,
		 t);
	bad(t, want);
}

static void test_bad_targets(void **state)
{
	bad(NULL, "missing target: expected HOST:PORT or [IPV6]:PORT");
	bad("", "empty target: expected HOST:PORT or [IPV6]:PORT");
	bad("example.org", "invalid target 'example.org': no port" EXPECTED);
	bad("192.0.2.7", "invalid target '192.0.2.7': no port" EXPECTED);
	bad("2001:db8::1", "invalid target '2001:db8::1': no port" EXPECTED);
	bad("[2001:db8::1]", "invalid target '[2001:db8::1]': no port" EXPECTED);
	bad("h:80,443", "invalid target 'h:80,443': one port, not a list" EXPECTED);
	bad("h:80-90", "invalid target 'h:80-90': one port, not a range" EXPECTED);
	bad("h:http", "invalid target 'h:http': the port is not a number" EXPECTED);
	bad("h:0", "invalid target 'h:0': the port must be 1 to 65535" EXPECTED);
	bad("h:65536", "invalid target 'h:65536': the port must be 1 to 65535" EXPECTED);
	bad("h:99999999999999999999999", "invalid target 'h:99999999999999999999999': the port must be 1 to "
					 "65535" EXPECTED);
	bad("10.0.0.0/24:80", "invalid target '10.0.0.0/24:80': a prefix is many hosts, a probe names one" EXPECTED);
	bad("[fd00::/112]:80", "invalid target '[fd00::/112]:80': a prefix is many hosts, a probe names one" EXPECTED);
	bad("10.0.0.1-10.0.0.9:80",
	    "invalid target '10.0.0.1-10.0.0.9:80': a range is many hosts, a probe names one" EXPECTED);
	bad("10.0.0.9-10.0.0.1:80",
	    "invalid target '10.0.0.9-10.0.0.1:80': a range is many hosts, a probe names one" EXPECTED);
	bad("a\"b:80", "invalid target 'a\"b:80': the host may hold only letters, digits, '.', '-', '_' and ':'"
		       EXPECTED);
	bad("a<b>:80", "invalid target 'a<b>:80': the host may hold only letters, digits, '.', '-', '_' and ':'"
		       EXPECTED);

	/* target_split's own reasons, with the query's advice. */
	bad(":80", "invalid target ':80': no host before ':'" EXPECTED);
	bad("h:", "invalid target 'h:': no ports after ':'" EXPECTED);
	bad("[192.0.2.7]:80", "invalid target '[192.0.2.7]:80': brackets are only for IPv6 addresses; write an "
			      "IPv4 address as ADDR:PORTS");
	bad("a:b:c", "invalid target 'a:b:c': more than one ':' but not an IPv6 address; write IPv6 with ports "
		     "as [ADDR]:PORTS");
	bad("[fe80::1%eth0]:80", "invalid target '[fe80::1%eth0]:80': IPv6 zones (%IFACE) are not supported; use "
				 "-I to pick the interface");
}

static void test_bad_bytes(void **state)
{
#define ascii ": it holds a blank, a control character or a byte beyond ASCII" EXPECTED

	bad("a b:80", "invalid target 'a b:80'" ascii);
	bad("a\tb:80", "invalid target 'a?b:80'" ascii);
	bad("evil:80\r\nX-Injected: 1", "invalid target 'evil:80??X-Injected: 1'" ascii);
	bad("a\x7f:80", "invalid target 'a?:80'" ascii);
	bad("caf\xc3\xa9:80", "invalid target 'caf??:80'" ascii);
	bad("h:80 ", "invalid target 'h:80 '" ascii);

	/* Quoting stops at 64 characters. */
	char t[200], want[400];
	memset(t, 'x', 150);
	t[150] = '\n';
	strcpy(t + 151, ":80");
	snprintf(want, sizeof(want), "invalid target '%.61s...'%s", t, ascii);
	bad(t, want);
#undef ascii
}

static void test_module(void **state)
{
	assert_string_equal(ok4("h:80", "connect", NULL, NULL).module, "connect");
	assert_string_equal(ok4("h:80", "web_2.tls-v1", NULL, NULL).module, "web_2.tls-v1");
	assert_string_equal(ok4("h:80", "0123456789012345678901234567890", NULL, NULL).module,
			    "0123456789012345678901234567890");

	static const char rule[] = "': a module name is 1 to 31 letters, digits, '_', '.' or '-'";
	bad4("h:80", "", NULL, NULL, "invalid module '': a module name is 1 to 31 letters, digits, '_', '.' or '-'");
	bad4("h:80", "01234567890123456789012345678901", NULL, NULL,
	     "invalid module '01234567890123456789012345678901': a module name is 1 to 31 letters, digits, '_', "
	     "'.' or '-'");
	char want[300];
	snprintf(want, sizeof(want), "invalid module '../etc/passwd%s", rule);
	bad4("h:80", "../etc/passwd", NULL, NULL, want);
	snprintf(want, sizeof(want), "invalid module 'a?b%s", rule);
	bad4("h:80", "a\nb", NULL, NULL, want);
	/* The target is judged first. */
	bad4("h", "a b", NULL, NULL, "invalid target 'h': no port" EXPECTED);
}

static void test_debug(void **state)
{
	assert_true(ok4("h:80", NULL, "true", NULL).debug);
	assert_false(ok4("h:80", NULL, "false", NULL).debug);
	assert_false(ok4("h:80", NULL, NULL, NULL).debug);
	bad4("h:80", NULL, "", NULL, "invalid debug '': expected true or false");
	bad4("h:80", NULL, "TRUE", NULL, "invalid debug 'TRUE': expected true or false");
	bad4("h:80", NULL, "1", NULL, "invalid debug '1': expected true or false");
	bad4("h:80", NULL, "true\r\n", NULL, "invalid debug 'true?\?': expected true or false");
}

static uint32_t budget(const char *hdr)
{
	return ok4("h:80", NULL, NULL, hdr).timeout_ms;
}

static void test_timeout(void **state)
{
	assert_int_equal(budget(NULL), 9500);
	assert_int_equal(budget("10"), 9500);
	assert_int_equal(budget("9.5"), 9000);
	assert_int_equal(budget("15.25"), 14750);
	assert_int_equal(budget("1.0001"), 500); /* past the millisecond: ignored */
	assert_int_equal(budget("1.9999"), 1499);
	assert_int_equal(budget("0.601"), 101);
	assert_int_equal(budget("0.6"), SERVE_TIMEOUT_MIN_MS); /* the floor */
	assert_int_equal(budget("0.5"), SERVE_TIMEOUT_MIN_MS);
	assert_int_equal(budget("0"), SERVE_TIMEOUT_MIN_MS);
	assert_int_equal(budget("000120"), 119500);
	assert_int_equal(budget("4294967.295"), UINT32_MAX - 500);
	assert_int_equal(budget("4294967.296"), UINT32_MAX - 500); /* saturates */
	assert_int_equal(budget("99999999999999999999999999"), UINT32_MAX - 500);

	static const char *const bad_hdrs[] = { "", " 10", "10 ", "+10", "-1", "1e3", "10s", ".5",
						"5.", "1.2.3", "inf", "NaN", "0x10", "1,5" };
	for (size_t i = 0; i < sizeof(bad_hdrs) / sizeof(bad_hdrs[0]); i++) {
		char want[200];
		snprintf(want, sizeof(want),
			 "invalid X-Prometheus-Scrape-Timeout-Seconds '%s': expected seconds like 10 or 9.5",
			 bad_hdrs[i]);
		bad4("h:80", NULL, NULL, bad_hdrs[i], want);
	}
	bad4("h:80", NULL, NULL, "1\n", "invalid X-Prometheus-Scrape-Timeout-Seconds '1?': expected seconds "
					 "like 10 or 9.5");
}

static void test_small_err(void **state)
{
	struct serve_query q;
	char err[10];

	assert_int_equal(serve_query_parse("h:0", NULL, NULL, NULL, &q, err, sizeof(err)), -1);
	assert_string_equal(err, "invalid t");
	assert_int_equal(serve_query_parse(":80", NULL, NULL, NULL, &q, err, sizeof(err)), -1);
	assert_string_equal(err, "invalid t");
	assert_int_equal(serve_query_parse(":80", NULL, NULL, NULL, &q, NULL, 0), -1);
	assert_int_equal(serve_query_parse("h:80", "", NULL, NULL, &q, NULL, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_host_length),
		cmocka_unit_test(test_bad_targets),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_module),
		cmocka_unit_test(test_debug),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_small_err),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
