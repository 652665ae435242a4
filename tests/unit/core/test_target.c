/*
 * Unit tests for target.c: port lists (every malformed form, ranges,
 * deduplication), TARGET splitting (names, IPv4, bare and bracketed IPv6),
 * the target list from arguments (defaults, -p, tcping's HOST PORTS form),
 * targets files read through fmemopen (comments, blank lines, CRLF, long
 * lines, a last line without newline), and resolution of loopback names and
 * of a name that cannot exist (.invalid, RFC 6761).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/target.h"

#define ERRBUF 512
#define PORTS_TAIL "; expected ports 1-65535 like 22,80,443 or 8000-8100"

static void assert_ports(const struct port_list *pl, const uint16_t *want, size_t n)
{
	assert_int_equal(pl->n, n);
	for (size_t i = 0; i < n; i++)
		if (pl->port[i] != want[i])
			fail_msg("port[%zu] = %u, want %u", i, pl->port[i], want[i]);
}

#define ASSERT_PORTS(pl, ...)                                                       \
	assert_ports((pl), (const uint16_t[]){ __VA_ARGS__ },                       \
		     sizeof((const uint16_t[]){ __VA_ARGS__ }) / sizeof(uint16_t))

/* ---- ports_parse ------------------------------------------------------- */

static void test_ports_valid(void **state)
{
	struct port_list pl;
	char err[ERRBUF];

	assert_int_equal(ports_parse("443", &pl, err, sizeof(err)), 0);
	ASSERT_PORTS(&pl, 443);
	port_list_free(&pl);

	assert_int_equal(ports_parse("22,80,443", &pl, err, sizeof(err)), 0);
	ASSERT_PORTS(&pl, 22, 80, 443);
	port_list_free(&pl);

	assert_int_equal(ports_parse("1-1024", &pl, err, sizeof(err)), 0);
	assert_int_equal(pl.n, 1024);
	assert_int_equal(pl.port[0], 1);
	assert_int_equal(pl.port[1023], 1024);
	port_list_free(&pl);

	assert_int_equal(ports_parse("22,8000-8100", &pl, err, sizeof(err)), 0);
	assert_int_equal(pl.n, 102);
	assert_int_equal(pl.port[0], 22);
	assert_int_equal(pl.port[1], 8000);
	assert_int_equal(pl.port[101], 8100);
	port_list_free(&pl);

	assert_int_equal(ports_parse("080", &pl, err, sizeof(err)), 0);
	ASSERT_PORTS(&pl, 80);
	port_list_free(&pl);

	assert_int_equal(ports_parse("1,65535,7-7", &pl, err, sizeof(err)), 0);
	ASSERT_PORTS(&pl, 1, 65535, 7);
	port_list_free(&pl);

	assert_int_equal(ports_parse("1-65535", &pl, err, sizeof(err)), 0);
	assert_int_equal(pl.n, TARGET_MAX_PORTS);
	assert_int_equal(pl.port[65534], 65535);
	port_list_free(&pl);
	assert_null(pl.port);
	assert_int_equal(pl.n, 0);
}

static void test_ports_dedupe(void **state)
{
	struct port_list pl;
	char err[ERRBUF];

	/* First-seen order, later repeats dropped. */
	assert_int_equal(ports_parse("443,22,443,80,22", &pl, err, sizeof(err)), 0);
	ASSERT_PORTS(&pl, 443, 22, 80);
	port_list_free(&pl);

	assert_int_equal(ports_parse("5,1-6,3", &pl, err, sizeof(err)), 0);
	ASSERT_PORTS(&pl, 5, 1, 2, 3, 4, 6);
	port_list_free(&pl);

	/* Everything twice over is still the whole port space. */
	assert_int_equal(ports_parse("1-65535,65535-65535,1-65535", &pl, err, sizeof(err)), 0);
	assert_int_equal(pl.n, 65535);
	port_list_free(&pl);
}

static void test_ports_malformed(void **state)
{
	static const struct {
		const char *in;
		const char *msg; /* the whole message */
	} bad[] = {
		{ "", "invalid port list '': it is empty" PORTS_TAIL },
		{ "0", "invalid port list '0': port 0 is out of range" PORTS_TAIL },
		{ "65536", "invalid port list '65536': port 65536 is out of range" PORTS_TAIL },
		{ "80-22", "invalid port list '80-22': range start 80 is above its end 22" PORTS_TAIL },
		{ "1-", "invalid port list '1-': '1-' is not a port or a range" PORTS_TAIL },
		{ "-5", "invalid port list '-5': '-5' is not a port or a range" PORTS_TAIL },
		{ "a", "invalid port list 'a': 'a' is not a port or a range" PORTS_TAIL },
		{ "22,,80", "invalid port list '22,,80': empty item between commas" PORTS_TAIL },
		{ "22,", "invalid port list '22,': trailing comma" PORTS_TAIL },
		{ ",22", "invalid port list ',22': leading comma" PORTS_TAIL },
		{ " 22", "invalid port list ' 22': ' 22' is not a port or a range" PORTS_TAIL },
		{ "+5", "invalid port list '+5': '+5' is not a port or a range" PORTS_TAIL },
		{ "0-10", "invalid port list '0-10': port 0 is out of range" PORTS_TAIL },
		{ "10-70000", "invalid port list '10-70000': port 70000 is out of range" PORTS_TAIL },
	};
	static const char *const also_bad[] = {
		"22 ", "22, 80", "1-2-3", "-", ",", "0x50", "80a", "1--5", "99999999999999999999",
		"22\n", "http", "80:443",
	};
	struct port_list pl;
	char err[ERRBUF];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pl.n = 99;
		assert_int_equal(ports_parse(bad[i].in, &pl, err, sizeof(err)), -1);
		assert_string_equal(err, bad[i].msg);
		assert_null(pl.port);
		assert_int_equal(pl.n, 0);
	}
	for (size_t i = 0; i < sizeof(also_bad) / sizeof(also_bad[0]); i++) {
		err[0] = '\0';
		if (ports_parse(also_bad[i], &pl, err, sizeof(err)) != -1)
			fail_msg("'%s' accepted", also_bad[i]);
		assert_true(strncmp(err, "invalid port list '", 19) == 0);
	}

	/* A huge list is cut in the message, the advice survives. */
	char big[300];

	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[5] = 'x';
	assert_int_equal(ports_parse(big, &pl, err, sizeof(err)), -1);
	assert_true(strlen(err) < 250);
	assert_non_null(strstr(err, "...'"));
	assert_non_null(strstr(err, PORTS_TAIL));
}

/* ---- target_split ------------------------------------------------------ */

static void test_split_valid(void **state)
{
	static const struct {
		const char *in, *host, *ports;
	} ok[] = {
		{ "host", "host", NULL },
		{ "example.com:80,443", "example.com", "80,443" },
		{ "[2001:db8::1]:443", "2001:db8::1", "443" },
		{ "[::1]", "::1", NULL },
		{ "::1", "::1", NULL },
		{ "2001:db8::1", "2001:db8::1", NULL },
		{ "10.0.0.1:22", "10.0.0.1", "22" },
		{ "10.0.0.1", "10.0.0.1", NULL },
		{ "::ffff:10.0.0.1", "::ffff:10.0.0.1", NULL },
		{ "[::1]:1-1024", "::1", "1-1024" },
		{ "h:junk", "h", "junk" }, /* ports are checked by ports_parse */
	};
	char err[ERRBUF];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *host = NULL, *ports = NULL;

		if (target_split(ok[i].in, &host, &ports, err, sizeof(err)) != 0)
			fail_msg("'%s' refused: %s", ok[i].in, err);
		assert_string_equal(host, ok[i].host);
		if (ok[i].ports == NULL)
			assert_null(ports);
		else
			assert_string_equal(ports, ok[i].ports);
		free(host);
		free(ports);
	}

	/* The longest allowed host: 253 characters. */
	char name[254];
	char *host, *ports;

	memset(name, 'a', 253);
	name[253] = '\0';
	assert_int_equal(target_split(name, &host, &ports, err, sizeof(err)), 0);
	assert_int_equal(strlen(host), 253);
	free(host);
}

static void test_split_malformed(void **state)
{
	static const struct {
		const char *in;
		const char *why; /* a part of the message */
	} bad[] = {
		{ "", "empty target" },
		{ ":80", "no host before ':'" },
		{ "host:", "no ports after ':'" },
		{ "[::1", "'[' is never closed by ']'" },
		{ "[::1]x", "only ':PORTS' may follow ']'" },
		{ "[::1]:", "no ports after ':'" },
		{ "[]:80", "the brackets hold no address" },
		{ "[10.0.0.1]:80", "brackets are only for IPv6 addresses" },
		{ "[host]:80", "the brackets hold no IPv6 address" },
		{ "a b", "whitespace" },
		{ "a\tb:80", "whitespace" },
		{ " host", "whitespace" },
		{ "h\x01", "control character" },
		{ "fe80::1%eth0", "IPv6 zones" },
		{ "[fe80::1%eth0]:80", "IPv6 zones" },
		{ "host:80:90", "more than one ':'" },
		{ "a]b", "brackets go around a whole IPv6 address" },
	};
	char err[ERRBUF];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *host = (char *)"sentinel", *ports = (char *)"sentinel";

		err[0] = '\0';
		if (target_split(bad[i].in, &host, &ports, err, sizeof(err)) != -1)
			fail_msg("'%s' accepted", bad[i].in);
		assert_null(host);
		assert_null(ports);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].in, err, bad[i].why);
	}

	assert_int_equal(target_split("[10.0.0.1]:80", &(char *){ NULL }, &(char *){ NULL }, err,
				      sizeof(err)),
			 -1);
	assert_string_equal(err, "invalid target '[10.0.0.1]:80': brackets are only for IPv6 "
				 "addresses; write an IPv4 address as ADDR:PORTS");
	assert_int_equal(target_split(":80", &(char *){ NULL }, &(char *){ NULL }, err,
				      sizeof(err)),
			 -1);
	assert_string_equal(err, "invalid target ':80': no host before ':'; expected HOST, "
				 "HOST:PORTS, [IPV6]:PORTS or an address");

	/* 254 characters is one too many. */
	char name[255];
	char *host, *ports;

	memset(name, 'a', 254);
	name[254] = '\0';
	assert_int_equal(target_split(name, &host, &ports, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 253 characters"));
}

/* ---- targets_from_args ------------------------------------------------- */

static void test_spans(void **state)
{
	/* Prefixes and IPv4 ranges in every target form, with and without
	 * ports; the span is set, nothing is resolved. */
	char *args[] = { "10.0.0.0/16:22,80", "[fd00::/112]:443", "fd00:1::/120", "10.1.0.1-10.1.0.254:80",
			 "10.2.0.0/24", "my-host:80" };
	struct target_list tl;
	char err[ERRBUF], ab[NETADDR_STRLEN];

	assert_int_equal(targets_from_args(args, 6, "7", &tl, err, sizeof(err)), 0);
	assert_int_equal(tl.n, 6);
	assert_string_equal(tl.t[0].host, "10.0.0.0/16");
	assert_int_equal(tl.t[0].span.n, 65536);
	assert_string_equal(netaddr_str(&tl.t[0].addr, ab, sizeof(ab)), "10.0.0.0");
	ASSERT_PORTS(&tl.t[0].ports, 22, 80);
	assert_int_equal(tl.t[1].span.n, 65536);
	ASSERT_PORTS(&tl.t[1].ports, 443);
	assert_int_equal(tl.t[2].span.n, 256);
	ASSERT_PORTS(&tl.t[2].ports, 7);
	assert_int_equal(tl.t[3].span.n, 254);
	ASSERT_PORTS(&tl.t[3].ports, 80);
	assert_int_equal(tl.t[4].span.n, 256);
	assert_int_equal(tl.t[5].span.n, 0); /* a name with a dash */

	/* Spans are not deduplicated as hosts, and count as their size. */
	size_t hosts = 0;
	assert_int_equal(target_list_dedupe(&tl, &hosts), 0);
	assert_int_equal(hosts, 65536 + 65536 + 256 + 254 + 256 + 1);
	target_list_free(&tl);

	static const struct {
		const char *in, *msg;
	} bad[] = {
		{ "10.0.0.0/33", "invalid prefix '10.0.0.0/33': the length must be 0 to 32" },
		{ "[fd00::/129]:80", "invalid prefix 'fd00::/129': the length must be 0 to 128" },
		{ "fd00::/129", "invalid prefix 'fd00::/129': the length must be 0 to 128" },
		{ "10.0.0.5-10.0.0.1:80", "invalid range '10.0.0.5-10.0.0.1': the last address is below the first" },
		{ "[10.0.0.0/8]:80", "brackets are only for IPv6 addresses" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *a[] = { (char *)bad[i].in };
		assert_int_equal(targets_from_args(a, 1, NULL, &tl, err, sizeof(err)), -1);
		if (strstr(err, bad[i].msg) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].in, err, bad[i].msg);
	}
}

static void test_from_list(void **state)
{
	struct target_list tl = { 0 };
	char err[ERRBUF];

	/* Blanks and commas part targets; bare ports go with the one before. */
	assert_int_equal(targets_from_list("10.0.0.5:22,80 10.0.1.0/24,192.0.2.1\t[fd00::1]:443,8443",
					   "1-65535", &tl, err, sizeof(err)), 0);
	assert_int_equal(tl.n, 4);
	assert_string_equal(tl.t[0].host, "10.0.0.5");
	ASSERT_PORTS(&tl.t[0].ports, 22, 80);
	assert_string_equal(tl.t[1].host, "10.0.1.0/24");
	assert_int_equal(tl.t[1].span.n, 256);
	assert_int_equal(tl.t[1].ports.n, 65535);
	assert_string_equal(tl.t[2].host, "192.0.2.1");
	assert_string_equal(tl.t[3].host, "fd00::1");
	ASSERT_PORTS(&tl.t[3].ports, 443, 8443);
	target_list_free(&tl);

	/* Bad pieces say what is wrong; the list is left as it was. */
	assert_int_equal(targets_from_list("", NULL, &tl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "an empty list"));
	assert_int_equal(targets_from_list(" , ", NULL, &tl, err, sizeof(err)), -1);
	assert_int_equal(targets_from_list("80,10.0.0.1", NULL, &tl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "looks like a port list"));
	assert_int_equal(targets_from_list("10.0.0.1 10.0.0.0/33", NULL, &tl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the length must be 0 to 32"));
	assert_int_equal(tl.n, 0);
}

static void test_args_defaults(void **state)
{
	char *args[] = { "a.example", "b.example:22,443", "[::1]" };
	struct target_list tl;
	char err[ERRBUF];

	assert_int_equal(targets_from_args(args, 3, NULL, &tl, err, sizeof(err)), 0);
	assert_int_equal(tl.n, 3);
	assert_string_equal(tl.t[0].host, "a.example");
	ASSERT_PORTS(&tl.t[0].ports, 80);
	assert_string_equal(tl.t[1].host, "b.example");
	ASSERT_PORTS(&tl.t[1].ports, 22, 443);
	assert_string_equal(tl.t[2].host, "::1");
	ASSERT_PORTS(&tl.t[2].ports, 80);
	assert_int_equal(tl.t[0].addr.family, 0); /* not resolved */
	assert_int_equal(target_list_ports(&tl), 4);
	target_list_free(&tl);
	assert_null(tl.t);
	assert_int_equal(tl.n, 0);

	/* -p for targets naming none; a target's own ports win. */
	assert_int_equal(targets_from_args(args, 3, "1-3,3", &tl, err, sizeof(err)), 0);
	ASSERT_PORTS(&tl.t[0].ports, 1, 2, 3);
	ASSERT_PORTS(&tl.t[1].ports, 22, 443);
	ASSERT_PORTS(&tl.t[2].ports, 1, 2, 3);
	assert_int_equal(target_list_ports(&tl), 8);
	target_list_free(&tl);

	assert_int_equal(targets_from_args(args, 0, NULL, &tl, err, sizeof(err)), 0);
	assert_int_equal(tl.n, 0);
	assert_int_equal(target_list_ports(&tl), 0);
	target_list_free(&tl);
}

static void test_args_tcping_form(void **state)
{
	struct target_list tl;
	char err[ERRBUF];

	/* HOST PORTS: one target. */
	char *a1[] = { "example.com", "22,443" };
	assert_int_equal(targets_from_args(a1, 2, "9", &tl, err, sizeof(err)), 0);
	assert_int_equal(tl.n, 1);
	assert_string_equal(tl.t[0].host, "example.com");
	ASSERT_PORTS(&tl.t[0].ports, 22, 443);
	target_list_free(&tl);

	char *a2[] = { "::1", "8000-8002" };
	assert_int_equal(targets_from_args(a2, 2, NULL, &tl, err, sizeof(err)), 0);
	assert_int_equal(tl.n, 1);
	assert_string_equal(tl.t[0].host, "::1");
	ASSERT_PORTS(&tl.t[0].ports, 8000, 8001, 8002);
	target_list_free(&tl);

	/* Two hosts stay two targets. */
	char *a3[] = { "10.0.0.1", "10.0.0.2" };
	assert_int_equal(targets_from_args(a3, 2, NULL, &tl, err, sizeof(err)), 0);
	assert_int_equal(tl.n, 2);
	assert_string_equal(tl.t[1].host, "10.0.0.2");
	ASSERT_PORTS(&tl.t[1].ports, 80);
	target_list_free(&tl);

	/* Second argument not a port list: two targets. */
	char *a5[] = { "a", "0" };
	assert_int_equal(targets_from_args(a5, 2, NULL, &tl, err, sizeof(err)), 0);
	assert_int_equal(tl.n, 2);
	target_list_free(&tl);
}

/* Any port list beyond tcping's HOST PORTS: one line saying to write
 * HOST:PORTS (it was taken for a host: "no route to 0.0.0.80"). */
static void test_args_bare_ports(void **state)
{
	struct target_list tl;
	char err[ERRBUF];

	char *a1[] = { "10.77.0.2", "80", "443" };
	assert_int_equal(targets_from_args(a1, 3, NULL, &tl, err, sizeof(err)), -1);
	assert_string_equal(err, "'443' looks like a port list: write HOST:PORTS "
				 "(e.g. 10.77.0.2:80,443)");
	assert_int_equal(tl.n, 0);
	assert_null(tl.t);

	char *a2[] = { "h.example", "80-83", "[fd77::2]:443" };
	assert_int_equal(targets_from_args(a2, 3, NULL, &tl, err, sizeof(err)), -1);
	assert_string_equal(err, "'80-83' looks like a port list: write HOST:PORTS "
				 "(e.g. h.example:80-83)");
	assert_int_equal(tl.n, 0);

	/* The first names ports: not the tcping form. */
	char *a3[] = { "h:22", "443" };
	assert_int_equal(targets_from_args(a3, 2, NULL, &tl, err, sizeof(err)), -1);
	assert_string_equal(err, "'443' looks like a port list: write HOST:PORTS "
				 "(e.g. h:22,443)");

	/* Three arguments: never the tcping form. */
	char *a4[] = { "a", "::1", "443" };
	assert_int_equal(targets_from_args(a4, 3, NULL, &tl, err, sizeof(err)), -1);
	assert_string_equal(err, "'443' looks like a port list: write HOST:PORTS "
				 "(e.g. [::1]:443)");

	/* Ports first, or alone: no host to join them to. */
	char *a5[] = { "22,80", "a" };
	assert_int_equal(targets_from_args(a5, 2, NULL, &tl, err, sizeof(err)), -1);
	assert_string_equal(err, "'22,80' looks like a port list: write HOST:PORTS "
				 "(e.g. HOST:22,80)");
	assert_int_equal(targets_from_args(a5, 1, NULL, &tl, err, sizeof(err)), -1);
	assert_string_equal(err, "'22,80' looks like a port list: write HOST:PORTS "
				 "(e.g. HOST:22,80)");

	/* Not a port list: still a host ("0", a number beyond 65535). */
	char *a6[] = { "a", "0", "4294967295" };
	assert_int_equal(targets_from_args(a6, 3, NULL, &tl, err, sizeof(err)), 0);
	assert_int_equal(tl.n, 3);
	target_list_free(&tl);
}

static void test_args_errors(void **state)
{
	struct target_list tl;
	char err[ERRBUF];

	char *a1[] = { "good", "bad:0", "also-good" };
	tl.n = 7;
	assert_int_equal(targets_from_args(a1, 3, NULL, &tl, err, sizeof(err)), -1);
	assert_string_equal(err, "invalid target 'bad:0': port 0 is out of range" PORTS_TAIL);
	assert_int_equal(tl.n, 0);
	assert_null(tl.t);

	char *a2[] = { "good", "[::1" };
	assert_int_equal(targets_from_args(a2, 2, NULL, &tl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'[::1'"));
	assert_int_equal(tl.n, 0);

	char *a3[] = { "good" };
	assert_int_equal(targets_from_args(a3, 1, "80-22", &tl, err, sizeof(err)), -1);
	assert_string_equal(err, "invalid port list '80-22' for -p: range start 80 is above its "
				 "end 22" PORTS_TAIL);
	assert_int_equal(tl.n, 0);

	/* A bad -p is an error even when every target names its ports. */
	char *a4[] = { "h:22" };
	assert_int_equal(targets_from_args(a4, 1, "x", &tl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "for -p"));
}

/* ---- target_list_dedupe ----------------------------------------------- */

/* Targets as main has them after resolution: each host is an address literal
 * standing for what it resolved to. */
static void resolved(char **args, size_t n, struct target_list *tl)
{
	char err[ERRBUF];

	assert_int_equal(targets_from_args(args, n, NULL, tl, err, sizeof(err)), 0);
	for (size_t i = 0; i < tl->n; i++)
		assert_int_equal(netaddr_parse(tl->t[i].host, &tl->t[i].addr), 0);
}

static void test_dedupe(void **state)
{
	struct target_list tl;

	/* The case: the same target port twice is probed once. */
	char *a1[] = { "10.77.0.2:80", "10.77.0.2:80" };
	resolved(a1, 2, &tl);
	assert_int_equal(target_list_dedupe(&tl, NULL), 1);
	assert_int_equal(tl.n, 1);
	ASSERT_PORTS(&tl.t[0].ports, 80);
	target_list_free(&tl);

	/* HOST:80 HOST:80,443: the second keeps only what is new. */
	char *a2[] = { "10.77.0.2:80", "10.77.0.2:80,443" };
	resolved(a2, 2, &tl);
	assert_int_equal(target_list_dedupe(&tl, NULL), 1);
	assert_int_equal(tl.n, 2);
	ASSERT_PORTS(&tl.t[0].ports, 80);
	ASSERT_PORTS(&tl.t[1].ports, 443);
	assert_int_equal(target_list_ports(&tl), 2);
	target_list_free(&tl);

	/* Same address written two ways, other addresses untouched, first
	 * occurrence's order kept. */
	char *a3[] = { "::1", "[::1]:22,80", "10.0.0.1:80,22", "10.0.0.2:80",
		       "[0:0::1]:80,8080", "10.0.0.1:22-23" };
	resolved(a3, 6, &tl);
	size_t hosts = 0;
	assert_int_equal(target_list_dedupe(&tl, &hosts), 1 + 1 + 1);
	assert_int_equal(hosts, 3); /* ::1, 10.0.0.1, 10.0.0.2 */
	assert_int_equal(tl.n, 6);
	ASSERT_PORTS(&tl.t[0].ports, 80);
	ASSERT_PORTS(&tl.t[1].ports, 22);
	ASSERT_PORTS(&tl.t[2].ports, 80, 22);
	ASSERT_PORTS(&tl.t[3].ports, 80);
	ASSERT_PORTS(&tl.t[4].ports, 8080);
	ASSERT_PORTS(&tl.t[5].ports, 23);
	target_list_free(&tl);

	/* A target with nothing new goes; the order of the rest stays. */
	char *a4[] = { "10.0.0.1:1-3", "10.0.0.2", "10.0.0.1:2", "10.0.0.3", "10.0.0.2:80" };
	resolved(a4, 5, &tl);
	assert_int_equal(target_list_dedupe(&tl, NULL), 2);
	assert_int_equal(tl.n, 3);
	assert_string_equal(tl.t[0].host, "10.0.0.1");
	assert_string_equal(tl.t[1].host, "10.0.0.2");
	assert_string_equal(tl.t[2].host, "10.0.0.3");
	target_list_free(&tl);

	/* Nothing repeated: nothing changes. */
	char *a5[] = { "10.0.0.1:80", "10.0.0.1:443", "10.0.0.2:80" };
	resolved(a5, 3, &tl);
	assert_int_equal(target_list_dedupe(&tl, &hosts), 0);
	assert_int_equal(hosts, 2);
	assert_int_equal(target_list_ports(&tl), 3);
	target_list_free(&tl);
}

/* ---- targets_from_file ------------------------------------------------- */

static int from_text(const char *text, size_t len, const char *def, struct target_list *tl,
		     char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, len, "r");
	int rc;

	assert_non_null(f);
	rc = targets_from_file(f, def, tl, err, errlen);
	fclose(f);
	return rc;
}

#define FROM_TEXT(s, def, tl, err) from_text((s), sizeof(s) - 1, (def), (tl), (err), sizeof(err))

static void test_file_basic(void **state)
{
	static const char text[] =
		"# lab hosts\n"
		"\n"
		"   10.0.0.1:22   \n"
		"\t[::1]:443 # loopback\n"
		"host.example#no space before the comment\n"
		"   # indented comment\n"
		"crlf.example:8080\r\n"
		"\r\n"
		"last.example";
	struct target_list tl = { 0 };
	char err[ERRBUF];

	assert_int_equal(FROM_TEXT(text, "7", &tl, err), 0);
	assert_int_equal(tl.n, 5);
	assert_string_equal(tl.t[0].host, "10.0.0.1");
	ASSERT_PORTS(&tl.t[0].ports, 22);
	assert_string_equal(tl.t[1].host, "::1");
	ASSERT_PORTS(&tl.t[1].ports, 443);
	assert_string_equal(tl.t[2].host, "host.example");
	ASSERT_PORTS(&tl.t[2].ports, 7);
	assert_string_equal(tl.t[3].host, "crlf.example");
	ASSERT_PORTS(&tl.t[3].ports, 8080);
	assert_string_equal(tl.t[4].host, "last.example");
	ASSERT_PORTS(&tl.t[4].ports, 7);
	target_list_free(&tl);

	/* Empty and comment-only files add nothing. */
	assert_int_equal(FROM_TEXT("", NULL, &tl, err), 0);
	assert_int_equal(tl.n, 0);
	assert_int_equal(FROM_TEXT("# nothing\n\n   \n", NULL, &tl, err), 0);
	assert_int_equal(tl.n, 0);
	target_list_free(&tl);
}

static void test_file_bom_and_crlf(void **state)
{
	/* Notepad's way: a byte order mark, then CRLF lines. */
	static const char text[] = "\xEF\xBB\xBF" "10.0.0.1:22\r\n# c\r\n10.0.0.2\r\n";
	struct target_list tl = { 0 };
	char err[ERRBUF];

	assert_int_equal(FROM_TEXT(text, "80", &tl, err), 0);
	assert_int_equal(tl.n, 2);
	assert_string_equal(tl.t[0].host, "10.0.0.1");
	ASSERT_PORTS(&tl.t[0].ports, 22);
	assert_string_equal(tl.t[1].host, "10.0.0.2");
	ASSERT_PORTS(&tl.t[1].ports, 80);
	target_list_free(&tl);
}

static void test_reader_in_parts(void **state)
{
	static const char text[] = "10.0.0.1\n# c\n10.0.0.2:22\n\n10.0.0.3\n10.0.0.4\n10.0.0.5\n"
				   "10.0.0.6\n10.0.0.7\nbad:port:x\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct target_reader rd;
	struct target_list tl = { 0 };
	char err[ERRBUF];
	static const long want[] = { 3, 3 };

	assert_non_null(f);
	assert_int_equal(target_reader_open(&rd, f, "80", err, sizeof(err)), 0);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(target_reader_next(&rd, 3, &tl, err, sizeof(err)), want[i]);
		assert_int_equal(tl.n, (size_t)want[i]);
		target_list_free(&tl); /* a part at a time: memory stays flat */
	}
	/* Line numbers run across the parts; a part that fails adds nothing
	 * (10.0.0.7 came before the bad line). */
	assert_int_equal(target_reader_next(&rd, 3, &tl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 10: "));
	assert_int_equal(tl.n, 0);
	target_reader_close(&rd);
	fclose(f);
}

static void test_file_appends(void **state)
{
	char *args[] = { "from-args" };
	struct target_list tl;
	char err[ERRBUF];

	assert_int_equal(targets_from_args(args, 1, NULL, &tl, err, sizeof(err)), 0);
	assert_int_equal(FROM_TEXT("one\ntwo:9\n", NULL, &tl, err), 0);
	assert_int_equal(tl.n, 3);
	assert_string_equal(tl.t[0].host, "from-args");
	assert_string_equal(tl.t[1].host, "one");
	ASSERT_PORTS(&tl.t[1].ports, 80);
	assert_string_equal(tl.t[2].host, "two");

	/* A failing file leaves the list as it was. */
	assert_int_equal(FROM_TEXT("three\nfour:0\n", NULL, &tl, err), -1);
	assert_int_equal(tl.n, 3);
	assert_string_equal(tl.t[2].host, "two");
	target_list_free(&tl);
}

static void test_file_errors(void **state)
{
	struct target_list tl = { 0 };
	char err[ERRBUF];

	assert_int_equal(FROM_TEXT("ok\n# c\n\nbad:65536\n", NULL, &tl, err), -1);
	assert_string_equal(err, "line 4: invalid target 'bad:65536': port 65536 is out of range"
				 PORTS_TAIL);
	assert_int_equal(tl.n, 0);

	/* One TARGET a line: "host port" is not the tcping form here. */
	assert_int_equal(FROM_TEXT("host 80\n", NULL, &tl, err), -1);
	assert_true(strncmp(err, "line 1: invalid target 'host 80'", 32) == 0);

	/* A line that is only a port list is not a host (0.0.0.443). */
	assert_int_equal(FROM_TEXT("ok\n 443 # https\n", NULL, &tl, err), -1);
	assert_string_equal(err, "line 2: '443' looks like a port list: write HOST:PORTS "
				 "(e.g. HOST:443)");
	assert_int_equal(tl.n, 0);

	assert_int_equal(FROM_TEXT("ok\n", "0", &tl, err), -1);
	assert_non_null(strstr(err, "for -p"));

	/* A NUL byte in the middle of the file. */
	static const char nul[] = "ok\nbad\0junk\nok2\n";
	assert_int_equal(from_text(nul, sizeof(nul) - 1, NULL, &tl, err, sizeof(err)), -1);
	assert_string_equal(err, "line 2: contains a NUL byte; expected a text file");
	assert_int_equal(tl.n, 0);
	target_list_free(&tl);
}

static void test_file_long_lines(void **state)
{
	struct target_list tl = { 0 };
	char err[ERRBUF];
	size_t cap = 3 * 4096;
	char *text = malloc(cap);

	assert_non_null(text);

	/* 4096 characters (spaces around a host), with and without newline: fine. */
	memset(text, ' ', 4096);
	memcpy(text + 2000, "h.example", 9);
	text[4096] = '\n';
	assert_int_equal(from_text(text, 4097, NULL, &tl, err, sizeof(err)), 0);
	assert_int_equal(tl.n, 1);
	assert_string_equal(tl.t[0].host, "h.example");
	target_list_free(&tl);
	assert_int_equal(from_text(text, 4096, NULL, &tl, err, sizeof(err)), 0);
	assert_int_equal(tl.n, 1);
	target_list_free(&tl);

	/* 4097 characters on line 2: refused, whether or not it ends the file. */
	memcpy(text, "first\n", 6);
	memset(text + 6, ' ', 4097);
	memcpy(text + 6 + 3000, "h", 1);
	text[6 + 4097] = '\n';
	memcpy(text + 6 + 4098, "third\n", 6);
	assert_int_equal(from_text(text, 6 + 4098 + 6, NULL, &tl, err, sizeof(err)), -1);
	assert_string_equal(err, "line 2: longer than 4096 characters");
	assert_int_equal(tl.n, 0);
	assert_int_equal(from_text(text, 6 + 4097, NULL, &tl, err, sizeof(err)), -1);
	assert_string_equal(err, "line 2: longer than 4096 characters");

	/* A very long line (a binary or a one-line list) also fails cleanly. */
	memset(text, 'x', cap);
	assert_int_equal(from_text(text, cap, NULL, &tl, err, sizeof(err)), -1);
	assert_string_equal(err, "line 1: longer than 4096 characters");
	assert_int_equal(tl.n, 0);
	free(text);
}

/* ---- target_resolve ---------------------------------------------------- */

static void assert_addr(const struct netaddr *a, const char *want)
{
	char buf[NETADDR_STRLEN];

	assert_string_equal(netaddr_str(a, buf, sizeof(buf)), want);
}

static void test_resolve(void **state)
{
	struct netaddr a;
	char err[ERRBUF];

	assert_int_equal(target_resolve("127.0.0.1", AF_UNSPEC, &a, err, sizeof(err)), 0);
	assert_int_equal(a.family, AF_INET);
	assert_addr(&a, "127.0.0.1");

	assert_int_equal(target_resolve("127.0.0.1", AF_INET, &a, err, sizeof(err)), 0);
	assert_addr(&a, "127.0.0.1");

	assert_int_equal(target_resolve("::1", AF_UNSPEC, &a, err, sizeof(err)), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_addr(&a, "::1");

	assert_int_equal(target_resolve("::1", AF_INET6, &a, err, sizeof(err)), 0);
	assert_addr(&a, "::1");

	assert_int_equal(target_resolve("localhost", AF_INET, &a, err, sizeof(err)), 0);
	assert_int_equal(a.family, AF_INET);
	assert_addr(&a, "127.0.0.1");

	/* The family restriction reaches getaddrinfo. Whether "localhost"
	 * has an IPv6 address depends on /etc/hosts; either answer must
	 * respect -6. */
	if (target_resolve("localhost", AF_INET6, &a, err, sizeof(err)) == 0) {
		assert_int_equal(a.family, AF_INET6);
		assert_addr(&a, "::1");
	} else {
		assert_string_equal(err, "'localhost' has no IPv6 address");
	}

	assert_int_equal(target_resolve("no-such-host.invalid", AF_UNSPEC, &a, err, sizeof(err)),
			 -1);
	assert_true(strncmp(err, "cannot resolve 'no-such-host.invalid': ", 39) == 0);
	assert_true(strlen(err) > 39);
	assert_int_equal(a.family, 0);

	assert_int_equal(target_resolve("no-such-host.invalid", AF_INET, &a, err, sizeof(err)),
			 -1);
	assert_true(strncmp(err, "cannot resolve 'no-such-host.invalid': ", 39) == 0);
}

static void test_resolve_family_mismatch(void **state)
{
	struct netaddr a;
	char err[ERRBUF];

	assert_int_equal(target_resolve("::1", AF_INET, &a, err, sizeof(err)), -1);
	assert_string_equal(err, "'::1' is an IPv6 address, but only IPv4 is allowed (-4)");
	assert_int_equal(target_resolve("127.0.0.1", AF_INET6, &a, err, sizeof(err)), -1);
	assert_string_equal(err, "'127.0.0.1' is an IPv4 address, but only IPv6 is allowed (-6)");
	assert_int_equal(target_resolve("fe80::1%lo", AF_UNSPEC, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "IPv6 zones"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports_valid),
		cmocka_unit_test(test_ports_dedupe),
		cmocka_unit_test(test_ports_malformed),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_from_list),
		cmocka_unit_test(test_split_valid),
		cmocka_unit_test(test_split_malformed),
		cmocka_unit_test(test_args_defaults),
		cmocka_unit_test(test_args_tcping_form),
		cmocka_unit_test(test_args_bare_ports),
		cmocka_unit_test(test_args_errors),
		cmocka_unit_test(test_dedupe),
		cmocka_unit_test(test_file_basic),
		cmocka_unit_test(test_file_bom_and_crlf),
		cmocka_unit_test(test_reader_in_parts),
		cmocka_unit_test(test_file_appends),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_file_long_lines),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_family_mismatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
