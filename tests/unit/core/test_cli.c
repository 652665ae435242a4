/*
 * Unit tests for cli.c: defaults, every option's effect, every range
 * boundary (just inside and just outside), conflicts, the --no-options
 * ordering rule, getopt's errors rebuilt as one line, -h/-V winning over
 * junk, and repeated parsing in one process (optind reset).
 *
 * Each test builds its argv as a compound literal that lives as long as the
 * test, because struct options borrows pointers into it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/cli.h"

static enum cli_status parse_argv(char **argv, struct options *o, char *err, size_t errlen)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	memset(err, 'X', errlen - 1); /* cli_parse must clear it */
	err[errlen - 1] = '\0';
	return cli_parse(argc, argv, o, err, errlen);
}

/* PARSE(&o, err, "-c", "3", "host") with argv[0] = "tcpshake". */
#define PARSE(o, err, ...) \
	parse_argv((char *[]){ "tcpshake", ##__VA_ARGS__, NULL }, (o), (err), sizeof(err))

#define ERRBUF 512

/* ---- defaults ---------------------------------------------------------- */

static void test_open_only(void **state)
{
	struct options o;
	char err[ERRBUF];
	(void)state;
	assert_int_equal(PARSE(&o, err, "--open", "-q", "10.0.0.2:1-1024"), CLI_OK);
	assert_true(o.open_only);
	assert_true(o.out.quiet);
}

/* --progress in every mode (script mode ignores it); off by default. */
static void test_progress(void **state)
{
	struct options o;
	char err[ERRBUF];
	(void)state;
	assert_int_equal(PARSE(&o, err, "10.0.0.2:1-1024"), CLI_OK);
	assert_false(o.progress);
	assert_int_equal(PARSE(&o, err, "--progress", "-q", "10.0.0.2:1-1024"), CLI_OK);
	assert_true(o.progress);
	assert_true(o.out.quiet);
	assert_int_equal(PARSE(&o, err, "-m", "conform", "--progress", "10.0.0.2:80"), CLI_OK);
	assert_true(o.progress);
	assert_int_equal(PARSE(&o, err, "--progress=yes", "10.0.0.2"), CLI_ERROR);
	assert_non_null(strstr(err, "progress"));
}

static void test_defaults(void **state)
{
	struct options o;
	char err[ERRBUF];

	assert_int_equal(PARSE(&o, err, "10.0.0.2"), CLI_OK);
	assert_string_equal(err, "");
	assert_int_equal(o.mode, MODE_SYN);
	assert_int_equal(o.ntargets, 1);
	assert_string_equal(o.targets[0], "10.0.0.2");
	assert_null(o.ports);
	assert_null(o.target_file);
	assert_int_equal(o.count, 4);
	assert_true(o.interval == 1.0);
	assert_true(o.timeout == 2.0);
	assert_true(o.rate == 0.0);
	assert_false(o.open_only);
	assert_null(o.source);
	assert_int_equal(o.source_addr.family, 0);
	assert_int_equal(o.source_port, -1);
	assert_null(o.iface);
	assert_int_equal(o.family, AF_UNSPEC);
	assert_int_equal(o.ttl, 64);
	assert_true(o.syn.mss);
	assert_int_equal(o.syn.mss_value, 0);
	assert_true(o.syn.wscale);
	assert_int_equal(o.syn.wscale_value, 7);
	assert_true(o.syn.sack);
	assert_true(o.syn.ts);
	assert_null(o.data);
	assert_int_equal(o.close, CONN_CLOSE_ACTIVE);
	assert_int_equal(o.guard, GUARD_AUTO);
	assert_int_equal(o.out.format, OUT_TEXT);
	assert_false(o.out.quiet);
	assert_false(o.out.warning.set);
	assert_false(o.out.critical.set);
	assert_string_equal(o.out.mode_name, "syn");
	assert_false(o.trace);
	assert_null(o.pcap_file);
}

static void test_count_default_follows_mode(void **state)
{
	struct options o;
	char err[ERRBUF];

	assert_int_equal(PARSE(&o, err, "-m", "connect", "h"), CLI_OK);
	assert_int_equal(o.mode, MODE_CONNECT);
	assert_int_equal(o.count, 1);
	assert_string_equal(o.out.mode_name, "connect");

	assert_int_equal(PARSE(&o, err, "h", "--mode=conform"), CLI_OK);
	assert_int_equal(o.mode, MODE_CONFORM);
	assert_int_equal(o.count, 1);
	assert_string_equal(o.out.mode_name, "conform");

	assert_int_equal(PARSE(&o, err, "-m", "syn", "h"), CLI_OK);
	assert_int_equal(o.count, 4);

	/* An explicit count wins, before or after -m. */
	assert_int_equal(PARSE(&o, err, "-c", "3", "-m", "connect", "h"), CLI_OK);
	assert_int_equal(o.count, 3);
	assert_int_equal(PARSE(&o, err, "-m", "connect", "-c", "0", "h"), CLI_OK);
	assert_int_equal(o.count, 0);
}

/* ---- each option's effect ---------------------------------------------- */

static void test_option_effects(void **state)
{
	struct options o;
	char err[ERRBUF];

	assert_int_equal(PARSE(&o, err, "-p", "22,80", "-f", "list.txt", "-c", "10", "-i", "0.2",
			       "-W", "1.5", "--rate", "100.5", "-s", "40000", "-I", "eth0",
			       "--ttl", "3", "-q", "--pcap", "out.pcap", "--rst-guard", "off", "h"),
			 CLI_OK);
	assert_string_equal(o.ports, "22,80");
	assert_string_equal(o.target_file, "list.txt");
	assert_int_equal(o.count, 10);
	assert_true(o.interval == 0.2);
	assert_true(o.timeout == 1.5);
	assert_true(o.rate == 100.5);
	assert_int_equal(o.source_port, 40000);
	assert_string_equal(o.iface, "eth0");
	assert_int_equal(o.ttl, 3);
	assert_true(o.out.quiet);
	assert_string_equal(o.pcap_file, "out.pcap");
	assert_int_equal(o.guard, GUARD_OFF);

	/* Long forms, with '=' and as separate arguments. */
	assert_int_equal(PARSE(&o, err, "--ports=443", "--count", "2", "--interval=3",
			       "--timeout", "4", "--source-port=1", "--interface", "lo",
			       "--quiet", "--file=-", "h"),
			 CLI_OK);
	assert_string_equal(o.ports, "443");
	assert_int_equal(o.count, 2);
	assert_true(o.interval == 3.0);
	assert_true(o.timeout == 4.0);
	assert_int_equal(o.source_port, 1);
	assert_string_equal(o.iface, "lo");
	assert_true(o.out.quiet);
	assert_string_equal(o.target_file, "-");

	assert_int_equal(PARSE(&o, err, "-4", "h"), CLI_OK);
	assert_int_equal(o.family, AF_INET);
	assert_int_equal(PARSE(&o, err, "--ipv6", "h"), CLI_OK);
	assert_int_equal(o.family, AF_INET6);
	assert_int_equal(PARSE(&o, err, "-4", "-4", "h"), CLI_OK);
	assert_int_equal(o.family, AF_INET);

	assert_int_equal(PARSE(&o, err, "--rst-guard", "on", "h"), CLI_OK);
	assert_int_equal(o.guard, GUARD_ON);
	assert_int_equal(PARSE(&o, err, "--rst-guard", "auto", "h"), CLI_OK);
	assert_int_equal(o.guard, GUARD_AUTO);
}

static void test_source_address(void **state)
{
	struct options o;
	char err[ERRBUF];

	assert_int_equal(PARSE(&o, err, "-S", "192.0.2.7", "h"), CLI_OK);
	assert_string_equal(o.source, "192.0.2.7");
	assert_int_equal(o.source_addr.family, AF_INET);
	assert_memory_equal(o.source_addr.b, ((uint8_t[]){ 192, 0, 2, 7 }), 4);
	assert_int_equal(o.family, AF_INET); /* -S alone picks the family */

	assert_int_equal(PARSE(&o, err, "--source", "2001:db8::1", "-6", "h"), CLI_OK);
	assert_int_equal(o.source_addr.family, AF_INET6);
	assert_int_equal(o.source_addr.b[0], 0x20);
	assert_int_equal(o.source_addr.b[15], 0x01);
	assert_int_equal(o.family, AF_INET6);

	assert_int_equal(PARSE(&o, err, "-S", "x", "h"), CLI_ERROR);
	assert_string_equal(err, "invalid source address 'x': expected an IPv4 or IPv6 address");
	assert_int_equal(PARSE(&o, err, "-S", "example.com", "h"), CLI_ERROR);
	assert_int_equal(PARSE(&o, err, "-S", "fe80::1%eth0", "h"), CLI_ERROR);
	assert_int_equal(PARSE(&o, err, "-S", "", "h"), CLI_ERROR);
}

static void test_connect_options(void **state)
{
	static const struct {
		const char *word;
		enum conn_close mode;
	} closes[] = {
		{ "active", CONN_CLOSE_ACTIVE },
		{ "passive", CONN_CLOSE_PASSIVE },
		{ "half", CONN_CLOSE_HALF },
		{ "rst", CONN_CLOSE_RST },
	};
	struct options o;
	char err[ERRBUF];

	assert_int_equal(PARSE(&o, err, "-m", "connect", "--data", "GET / HTTP/1.0\r\n\r\n",
			       "--trace", "h"),
			 CLI_OK);
	assert_string_equal(o.data, "GET / HTTP/1.0\r\n\r\n");
	assert_true(o.trace);

	for (size_t i = 0; i < sizeof(closes) / sizeof(closes[0]); i++) {
		char *argv[] = { "tcpshake", "-m", "connect", "--close", (char *)closes[i].word,
				 "h", NULL };

		assert_int_equal(parse_argv(argv, &o, err, sizeof(err)), CLI_OK);
		assert_int_equal(o.close, closes[i].mode);
	}
	assert_int_equal(PARSE(&o, err, "-m", "conform", "--trace", "h"), CLI_OK);
	assert_true(o.trace);
	assert_int_equal(PARSE(&o, err, "--script", "a.pkt", "--trace", "h"), CLI_OK);
	assert_true(o.trace);
}

static void test_sweep_options(void **state)
{
	struct options o;
	char err[ERRBUF];

	/* Defaults: 15 retries, shard 1/1, a seed not given, -c not given. */
	assert_int_equal(PARSE(&o, err, "h"), CLI_OK);
	assert_int_equal(o.retries, 15);
	assert_int_equal(o.shard_i, 1);
	assert_int_equal(o.shard_n, 1);
	assert_false(o.seed_given);
	assert_false(o.count_given);
	assert_false(o.sweep_option);

	assert_int_equal(PARSE(&o, err, "-c", "1", "--retries", "3", "--seed", "18446744073709551615",
			       "--shard", "2/4", "--exclude", "10.0.0.5 10.0.1.0/24", "--exclude-file",
			       "x", "--allow-large", "h"),
			 CLI_OK);
	assert_true(o.count_given);
	assert_int_equal(o.retries, 3);
	assert_true(o.seed_given);
	assert_true(o.seed == 18446744073709551615ul);
	assert_int_equal(o.shard_i, 2);
	assert_int_equal(o.shard_n, 4);
	assert_string_equal(o.exclude, "10.0.0.5 10.0.1.0/24");
	assert_string_equal(o.exclude_file, "x");
	assert_true(o.allow_large);
	assert_true(o.sweep_option);

	static const struct {
		const char *opt, *val, *msg;
	} bad[] = {
		{ "--shard", "3/2", "invalid shard '3/2': expected I/N with 1 <= I <= N, like 1/4" },
		{ "--shard", "0/4", "invalid shard '0/4': expected I/N with 1 <= I <= N, like 1/4" },
		{ "--shard", "1/", "invalid shard '1/': expected I/N with 1 <= I <= N, like 1/4" },
		{ "--shard", "x/2", "invalid shard 'x/2': expected I/N with 1 <= I <= N, like 1/4" },
		{ "--shard", "1/4294967296", "invalid shard '1/4294967296': expected I/N with 1 <= I <= N, like 1/4" },
		{ "--seed", "abc", "invalid seed 'abc': expected a whole number from 0 to 18446744073709551615" },
		{ "--seed", "-1", "invalid seed '-1': expected a whole number from 0 to 18446744073709551615" },
		{ "--seed", "18446744073709551616", "invalid seed '18446744073709551616': expected a whole number from 0 to 18446744073709551615" },
		{ "--retries", "-1", "invalid retries '-1'" },
		{ "--retries", "1000", "invalid retries '1000'" },
		{ "--retries", "31", "invalid retries '31'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "tcpshake", (char *)bad[i].opt, (char *)bad[i].val, "h", NULL };
		assert_int_equal(parse_argv(argv, &o, err, sizeof(err)), CLI_ERROR);
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg)) != 0)
			fail_msg("%s %s: '%s' lacks '%s'", bad[i].opt, bad[i].val, err, bad[i].msg);
	}
	/* Sweeps are syn mode's. */
	assert_int_equal(PARSE(&o, err, "-m", "connect", "--retries", "2", "h"), CLI_ERROR);
}

static void test_formats(void **state)
{
	struct options o;
	char err[ERRBUF];

	assert_int_equal(PARSE(&o, err, "--json", "h"), CLI_OK);
	assert_int_equal(o.out.format, OUT_JSON);
	assert_int_equal(PARSE(&o, err, "--format", "json", "h"), CLI_OK);
	assert_int_equal(o.out.format, OUT_JSON);
	assert_int_equal(PARSE(&o, err, "--format", "nagios", "h"), CLI_OK);
	assert_int_equal(o.out.format, OUT_NAGIOS);
	assert_int_equal(PARSE(&o, err, "--format=prom", "h"), CLI_OK);
	assert_int_equal(o.out.format, OUT_PROM);
	assert_int_equal(PARSE(&o, err, "--format", "text", "h"), CLI_OK);
	assert_int_equal(o.out.format, OUT_TEXT);

	/* --json agrees with --format json in either order. */
	assert_int_equal(PARSE(&o, err, "--json", "--format", "json", "h"), CLI_OK);
	assert_int_equal(o.out.format, OUT_JSON);
	assert_int_equal(PARSE(&o, err, "--format", "json", "--json", "h"), CLI_OK);
	assert_int_equal(o.out.format, OUT_JSON);

	/* ...and conflicts with any other, in either order, naming both. */
	assert_int_equal(PARSE(&o, err, "--json", "--format", "nagios", "h"), CLI_ERROR);
	assert_string_equal(err,
			    "--json conflicts with --format nagios: --json means --format json; give one");
	assert_int_equal(PARSE(&o, err, "--format", "text", "--json", "h"), CLI_ERROR);
	assert_non_null(strstr(err, "--json"));
	assert_non_null(strstr(err, "--format text"));

	assert_int_equal(PARSE(&o, err, "--format", "xml", "h"), CLI_ERROR);
	assert_string_equal(err, "invalid format 'xml': expected text, json, nagios or prom");
	assert_int_equal(PARSE(&o, err, "--format", "JSON", "h"), CLI_ERROR);
}

static void test_thresholds(void **state)
{
	struct options o;
	char err[ERRBUF];

	assert_int_equal(PARSE(&o, err, "--format", "nagios", "--warning", "50,10", "--critical",
			       "200.5", "h"),
			 CLI_OK);
	assert_true(o.out.warning.set);
	assert_true(o.out.warning.rtt_ms == 50.0);
	assert_true(o.out.warning.loss_set);
	assert_true(o.out.warning.loss_pct == 10.0);
	assert_true(o.out.critical.set);
	assert_true(o.out.critical.rtt_ms == 200.5);
	assert_false(o.out.critical.loss_set);

	/* Only with nagios. */
	assert_int_equal(PARSE(&o, err, "--warning", "50", "h"), CLI_ERROR);
	assert_string_equal(err, "--warning needs --format nagios");
	assert_int_equal(PARSE(&o, err, "--critical", "50", "--json", "h"), CLI_ERROR);
	assert_string_equal(err, "--critical needs --format nagios");

	/* Warning must not exceed critical; equal is fine. */
	assert_int_equal(PARSE(&o, err, "--format", "nagios", "--warning", "300", "--critical",
			       "200", "h"),
			 CLI_ERROR);
	assert_non_null(strstr(err, "--warning"));
	assert_non_null(strstr(err, "--critical"));
	assert_int_equal(PARSE(&o, err, "--format", "nagios", "--warning", "10,60", "--critical",
			       "20,50", "h"),
			 CLI_ERROR);
	assert_non_null(strstr(err, "loss"));
	assert_int_equal(PARSE(&o, err, "--format", "nagios", "--warning", "200,50", "--critical",
			       "200,50", "h"),
			 CLI_OK);
	/* Loss given on one side only is not compared. */
	assert_int_equal(PARSE(&o, err, "--format", "nagios", "--warning", "10,90", "--critical",
			       "20", "h"),
			 CLI_OK);
}

/* ---- TCP options: --no-options ordering -------------------------------- */

static void test_syn_options(void **state)
{
	struct options o;
	char err[ERRBUF];

	/* Without --no-options values change, the set stays whole. */
	assert_int_equal(PARSE(&o, err, "--mss", "1200", "--wscale", "3", "--sack", "h"), CLI_OK);
	assert_true(o.syn.mss && o.syn.wscale && o.syn.sack && o.syn.ts);
	assert_int_equal(o.syn.mss_value, 1200);
	assert_int_equal(o.syn.wscale_value, 3);

	assert_int_equal(PARSE(&o, err, "--no-options", "h"), CLI_OK);
	assert_false(o.syn.mss || o.syn.wscale || o.syn.sack || o.syn.ts);

	/* Order does not matter: --mss before --no-options still offers MSS. */
	assert_int_equal(PARSE(&o, err, "--mss", "1200", "--no-options", "h"), CLI_OK);
	assert_true(o.syn.mss);
	assert_int_equal(o.syn.mss_value, 1200);
	assert_false(o.syn.wscale || o.syn.sack || o.syn.ts);

	assert_int_equal(PARSE(&o, err, "--no-options", "--sack", "--tsopt", "h"), CLI_OK);
	assert_false(o.syn.mss || o.syn.wscale);
	assert_true(o.syn.sack && o.syn.ts);

	assert_int_equal(PARSE(&o, err, "--wscale", "0", "h", "--no-options"), CLI_OK);
	assert_true(o.syn.wscale);
	assert_int_equal(o.syn.wscale_value, 0);
	assert_false(o.syn.mss || o.syn.sack || o.syn.ts);
}

/* ---- range boundaries -------------------------------------------------- */

struct bound {
	const char *opt;
	const char *val;
	bool ok;
};

static void test_boundaries(void **state)
{
	static const struct bound b[] = {
		{ "-c", "0", true },        { "-c", "1000000", true },
		{ "-c", "1000001", false }, { "-c", "-1", false },
		{ "-c", "", false },        { "-c", "12abc", false },
		{ "-c", " 3", false },      { "-c", "0x10", false },
		{ "-c", "+3", false },      { "-c", "99999999999999999999999", false },
		{ "-c", "007", true },
		{ "-i", "0.001", true },    { "-i", "0.0009", false },
		{ "-i", "3600", true },     { "-i", "3600.001", false },
		{ "-i", "0", false },       { "-i", "-1", false },
		{ "-i", "inf", false },     { "-i", "nan", false },
		{ "-i", "1e-1", false },    { "-i", ".5", true },
		{ "-i", "2.", true },       { "-i", ".", false },
		{ "-i", "1.2.3", false },   { "-i", "", false },
		{ "-W", "0.001", true },    { "-W", "0.0009", false },
		{ "-W", "600", true },      { "-W", "600.0001", false },
		{ "--rate", "0.001", true }, { "--rate", "0.0009", false },
		{ "--rate", "10000000", true }, { "--rate", "10000000.5", false },
		{ "--rate", "0", false },
		{ "-s", "0", false },       { "-s", "1", true },
		{ "-s", "65535", true },    { "-s", "65536", false },
		{ "--ttl", "0", false },    { "--ttl", "1", true },
		{ "--ttl", "255", true },   { "--ttl", "256", false },
		{ "--mss", "0", false },    { "--mss", "1", true },
		{ "--mss", "65535", true }, { "--mss", "65536", false },
		{ "--wscale", "-1", false }, { "--wscale", "0", true },
		{ "--wscale", "14", true }, { "--wscale", "15", false },
		{ "-I", "", false },        { "-I", "abcdefghijklmno", true },
		{ "-I", "abcdefghijklmnop", false },
		{ "-m", "syn", true },      { "-m", "SYN", false },
		{ "-m", "", false },        { "--rst-guard", "maybe", false },
		{ "-p", "", false },        { "-f", "", false },
		{ "--pcap", "", false },
	};
	struct options o;
	char err[ERRBUF];

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		char *argv[] = { "tcpshake", (char *)b[i].opt, (char *)b[i].val, "h", NULL };
		enum cli_status st = parse_argv(argv, &o, err, sizeof(err));

		if (st != (b[i].ok ? CLI_OK : CLI_ERROR))
			fail_msg("%s '%s': expected %s, got %d (%s)", b[i].opt, b[i].val,
				 b[i].ok ? "ok" : "error", st, err);
		if (!b[i].ok && (strlen(err) == 0 || strchr(err, '\n') != NULL))
			fail_msg("%s '%s': bad message '%s'", b[i].opt, b[i].val, err);
	}

	assert_int_equal(PARSE(&o, err, "-c", "1000000", "h"), CLI_OK);
	assert_int_equal(o.count, 1000000);
	assert_int_equal(PARSE(&o, err, "-c", "007", "h"), CLI_OK);
	assert_int_equal(o.count, 7);
	assert_int_equal(PARSE(&o, err, "-i", ".5", "h"), CLI_OK);
	assert_true(o.interval == 0.5);
}

/* Each bound after the two arguments before it ("--format", "nagios"). */
static void check_bounds(const struct bound *b, size_t n, const char *pre1, const char *pre2)
{
	struct options o;
	char err[ERRBUF];

	for (size_t i = 0; i < n; i++) {
		char *argv[] = { "tcpshake", (char *)pre1, (char *)pre2, (char *)b[i].opt,
				 (char *)b[i].val, "h", NULL };
		enum cli_status st = parse_argv(argv, &o, err, sizeof(err));

		if (st != (b[i].ok ? CLI_OK : CLI_ERROR))
			fail_msg("%s '%s': expected %s, got %d (%s)", b[i].opt, b[i].val,
				 b[i].ok ? "ok" : "error", st, err);
	}
}

static void test_threshold_boundaries(void **state)
{
	static const struct bound b[] = {
		{ "--warning", "0", false },     { "--warning", "0.001", true },
		{ "--warning", "600000", true }, { "--warning", "600001", false },
		{ "--warning", "50,0", true },   { "--warning", "50,100", true },
		{ "--warning", "50,100.1", false }, { "--warning", "50,", false },
		{ "--warning", ",5", false },    { "--warning", "abc", false },
		{ "--warning", "50,5,5", false }, { "--warning", "-5", false },
		{ "--critical", "0", false },    { "--critical", "1,100", true },
	};
	struct options o;
	char err[ERRBUF];

	check_bounds(b, sizeof(b) / sizeof(b[0]), "--format", "nagios");
	assert_int_equal(PARSE(&o, err, "--format", "nagios", "--warning", "0,5", "h"), CLI_ERROR);
	assert_string_equal(err,
			    "invalid warning '0,5': expected RTT_MS[,LOSS_PCT], RTT_MS above 0 and up to 600000, LOSS_PCT from 0 to 100 (fractions allowed)");
}

static void test_range_messages(void **state)
{
	struct options o;
	char err[ERRBUF];

	assert_int_equal(PARSE(&o, err, "-c", "abc", "h"), CLI_ERROR);
	assert_string_equal(err, "invalid count 'abc': expected a whole number from 0 to 1000000");
	assert_int_equal(PARSE(&o, err, "-i", "-1", "h"), CLI_ERROR);
	assert_string_equal(err,
			    "invalid interval '-1': expected seconds from 0.001 to 3600 (fractions allowed)");
	assert_int_equal(PARSE(&o, err, "-W", "0", "h"), CLI_ERROR);
	assert_string_equal(err,
			    "invalid timeout '0': expected seconds from 0.001 to 600 (fractions allowed)");
	assert_int_equal(PARSE(&o, err, "--ttl", "256", "h"), CLI_ERROR);
	assert_string_equal(err, "invalid TTL '256': expected a whole number from 1 to 255");
	assert_int_equal(PARSE(&o, err, "-s", "0", "h"), CLI_ERROR);
	assert_string_equal(err, "invalid source port '0': expected a port from 1 to 65535");
	assert_int_equal(PARSE(&o, err, "--wscale", "15", "h"), CLI_ERROR);
	assert_string_equal(err, "invalid window scale '15': expected a shift count from 0 to 14");
	assert_int_equal(PARSE(&o, err, "-m", "ack", "h"), CLI_ERROR);
	assert_string_equal(err, "invalid mode 'ack': expected syn, connect or conform");
	assert_int_equal(PARSE(&o, err, "-m", "connect", "--close", "fin", "h"), CLI_ERROR);
	assert_string_equal(err, "invalid close 'fin': expected active, passive, half or rst");
	assert_int_equal(PARSE(&o, err, "-I", "abcdefghijklmnop", "h"), CLI_ERROR);
	assert_string_equal(err,
			    "invalid interface 'abcdefghijklmnop': expected an interface name of 1 to 15 characters");
}

/* ---- conflicts and mode-only options ----------------------------------- */

static void test_conflicts(void **state)
{
	struct options o;
	char err[ERRBUF];

	assert_int_equal(PARSE(&o, err, "-4", "-6", "h"), CLI_ERROR);
	assert_string_equal(err, "-4 and -6 cannot be used together: give one, or neither for both");
	assert_int_equal(PARSE(&o, err, "-S", "10.0.0.1", "-6", "h"), CLI_ERROR);
	assert_string_equal(err, "-S 10.0.0.1 is an IPv4 address but -6 asks for IPv6 only");
	assert_int_equal(PARSE(&o, err, "-4", "-S", "::1", "h"), CLI_ERROR);
	assert_string_equal(err, "-S ::1 is an IPv6 address but -4 asks for IPv4 only");
	assert_int_equal(PARSE(&o, err, "-4", "-S", "10.0.0.1", "h"), CLI_OK);
	assert_int_equal(o.family, AF_INET);

	assert_int_equal(PARSE(&o, err, "--data", "x", "h"), CLI_ERROR);
	assert_string_equal(err, "--data needs -m connect or -m conform");
	/* conform sends --data where a check needs the server to talk. */
	assert_int_equal(PARSE(&o, err, "--data", "x", "-m", "conform", "h"), CLI_OK);
	assert_int_equal(PARSE(&o, err, "--checks", "fin-acked", "h"), CLI_ERROR);
	assert_string_equal(err, "--checks needs -m conform");
	assert_int_equal(PARSE(&o, err, "-m", "conform", "--checks", "fin-acked", "h"), CLI_OK);
	assert_string_equal(o.checks, "fin-acked");
	assert_int_equal(PARSE(&o, err, "--closed-port", "81", "h"), CLI_ERROR);
	assert_string_equal(err, "--closed-port needs -m conform");
	assert_int_equal(PARSE(&o, err, "-m", "conform", "--closed-port", "0", "h"), CLI_ERROR);
	assert_string_equal(err, "invalid closed-port '0': expected a port from 1 to 65535");
	assert_int_equal(PARSE(&o, err, "-m", "conform", "--closed-port", "81", "h"), CLI_OK);
	assert_int_equal(o.closed_port, 81);
	assert_int_equal(PARSE(&o, err, "--list-checks"), CLI_OK);
	assert_true(o.list_checks);
	/* -m after --data still counts: the check runs on the whole line. */
	assert_int_equal(PARSE(&o, err, "--data", "x", "h", "-m", "connect"), CLI_OK);
	assert_int_equal(PARSE(&o, err, "--close", "rst", "h"), CLI_ERROR);
	assert_string_equal(err, "--close needs -m connect");
	assert_int_equal(PARSE(&o, err, "--trace", "h"), CLI_ERROR);
	assert_string_equal(err, "--trace needs -m connect, -m conform or --script FILE");
	assert_int_equal(PARSE(&o, err, "-m", "connect", "--data", "", "h"), CLI_ERROR);

	assert_int_equal(PARSE(&o, err, "-f", "a", "-f", "b"), CLI_ERROR);
	assert_non_null(strstr(err, "-f given twice"));
}

/* ---- getopt errors, help, version, targets ----------------------------- */

static void test_getopt_errors(void **state)
{
	struct options o;
	char err[ERRBUF];

	assert_int_equal(PARSE(&o, err, "--foo", "h"), CLI_ERROR);
	assert_string_equal(err, "unknown option '--foo' (try 'tcpshake --help')");
	assert_int_equal(PARSE(&o, err, "--foo=bar", "h"), CLI_ERROR);
	assert_string_equal(err, "unknown option '--foo' (try 'tcpshake --help')");
	assert_int_equal(PARSE(&o, err, "-x", "h"), CLI_ERROR);
	assert_string_equal(err, "unknown option '-x' (try 'tcpshake --help')");
	/* An unknown letter inside a cluster, after a long option. */
	assert_int_equal(PARSE(&o, err, "--json", "-qxq", "h"), CLI_ERROR);
	assert_string_equal(err, "unknown option '-x' (try 'tcpshake --help')");

	assert_int_equal(PARSE(&o, err, "h", "-c"), CLI_ERROR);
	assert_string_equal(err, "option '-c' needs an argument (try 'tcpshake --help')");
	assert_int_equal(PARSE(&o, err, "h", "-qc"), CLI_ERROR);
	assert_string_equal(err, "option '-c' needs an argument (try 'tcpshake --help')");
	assert_int_equal(PARSE(&o, err, "h", "--count"), CLI_ERROR);
	assert_string_equal(err, "option '--count' needs an argument (try 'tcpshake --help')");
	assert_int_equal(PARSE(&o, err, "h", "--cou"), CLI_ERROR);
	assert_string_equal(err, "option '--count' needs an argument (try 'tcpshake --help')");
	assert_int_equal(PARSE(&o, err, "h", "--rate"), CLI_ERROR);
	assert_string_equal(err, "option '--rate' needs an argument (try 'tcpshake --help')");

	assert_int_equal(PARSE(&o, err, "--json=yes", "h"), CLI_ERROR);
	assert_string_equal(err, "option '--json' takes no argument (try 'tcpshake --help')");
	assert_int_equal(PARSE(&o, err, "--quiet=1", "h"), CLI_ERROR);
	assert_string_equal(err, "option '--quiet' takes no argument (try 'tcpshake --help')");

	assert_int_equal(PARSE(&o, err, "--s", "x", "h"), CLI_ERROR);
	/* Every option that starts so, in table order (--script and
	 * --strict-options joined the list with script mode, --seed and
	 * --shard with sweeps, --serve with the exporter). */
	assert_string_equal(err, "ambiguous option '--s': could be --source, --source-port, --sack, "
				 "--script, --strict-options, --seed, --shard, --serve (try 'tcpshake "
				 "--help')");
	/* An unambiguous prefix works, as in getopt_long. */
	assert_int_equal(PARSE(&o, err, "--timeo", "3", "h"), CLI_OK);
	assert_true(o.timeout == 3.0);
	assert_int_equal(PARSE(&o, err, "--tim", "3", "h"), CLI_ERROR);
	assert_string_equal(err, "ambiguous option '--tim': could be --timeout, --time-wait, "
				 "--timestamp (try 'tcpshake --help')");
}

/* --serve [ADDR:]PORT and the exporter's options: no target, none of the
 * probing options, and the exporter's options only with --serve. */
static void test_serve_options(void **state)
{
	(void)state;
	struct options o;
	char err[256], a[NETADDR_STRLEN];

	assert_int_equal(PARSE(&o, err, "--serve", "9116"), CLI_OK);
	assert_true(o.serve);
	assert_int_equal(o.serve_port, 9116);
	assert_string_equal(netaddr_str(&o.serve_addr, a, sizeof(a)), "127.0.0.1");
	assert_string_equal(o.user, "nobody");
	assert_int_equal(o.max_inflight, 0);
	assert_int_equal(PARSE(&o, err, "--serve", "0.0.0.0:80", "--allow", "10.0.0.0/8",
			       "--allow-ports", "22,80", "--config", "x.yml", "--max-inflight", "256",
			       "--user", "tcpshake"), CLI_OK);
	assert_string_equal(netaddr_str(&o.serve_addr, a, sizeof(a)), "0.0.0.0");
	assert_int_equal(o.serve_port, 80);
	assert_string_equal(o.allow, "10.0.0.0/8");
	assert_string_equal(o.allow_ports, "22,80");
	assert_string_equal(o.config, "x.yml");
	assert_int_equal(o.max_inflight, 256);
	assert_string_equal(o.user, "tcpshake");
	assert_int_equal(PARSE(&o, err, "--serve", "[::1]:9116"), CLI_OK);
	assert_string_equal(netaddr_str(&o.serve_addr, a, sizeof(a)), "::1");

	const char *bad[] = { "0", "65536", "x", "::1:80", "[::1]", "[::1]80", "1.2.3.4:", ":",
			      "9116x", "123456" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(PARSE(&o, err, "--serve", (char *)bad[i]), CLI_ERROR);
		assert_non_null(strstr(err, "expected [ADDR:]PORT"));
	}
	assert_int_equal(PARSE(&o, err, "--serve", "host.example:80"), CLI_ERROR);
	assert_string_equal(err, "invalid --serve address 'host.example': expected a literal IPv4 "
				 "or IPv6 address (IPv6 in brackets: [::1]:9116)");
	assert_int_equal(PARSE(&o, err, "--serve", "9116", "10.0.0.1"), CLI_ERROR);
	assert_string_equal(err, "--serve takes no target: each scrape names its own "
				 "(/probe?target=HOST:PORT)");
	assert_int_equal(PARSE(&o, err, "--serve", "9116", "-W", "2"), CLI_ERROR);
	assert_string_equal(err, "--timeout does not apply to --serve: a module sets each probe "
				 "(see --config)");
	assert_int_equal(PARSE(&o, err, "--allow-ports", "80", "10.0.0.1"), CLI_ERROR);
	assert_string_equal(err, "--allow-ports needs --serve");
	assert_int_equal(PARSE(&o, err, "--serve", "9116", "--max-inflight", "0"), CLI_ERROR);
	assert_int_equal(PARSE(&o, err, "--serve", "9116", "--max-inflight", "257"), CLI_ERROR);
	assert_int_equal(PARSE(&o, err, "--serve", "9116", "--allow", ""), CLI_ERROR);
	assert_string_equal(err, "--allow needs at least one prefix or address");
}

/* --time-wait: connect mode only, 0..240 s, -1 (the default) when absent. */
static void test_time_wait(void **state)
{
	struct options o;
	char err[512];
	(void)state;

	assert_int_equal(PARSE(&o, err, "-m", "connect", "h"), CLI_OK);
	assert_true(o.time_wait == -1);
	assert_int_equal(PARSE(&o, err, "-m", "connect", "--time-wait", "0.5", "h"), CLI_OK);
	assert_true(o.time_wait == 0.5);
	assert_int_equal(PARSE(&o, err, "-m", "connect", "--time-wait", "241", "h"), CLI_ERROR);
	assert_string_equal(err, "invalid time-wait '241': expected seconds from 0 to 240 (fractions allowed)");
	assert_int_equal(PARSE(&o, err, "--time-wait", "1", "h"), CLI_ERROR);
	assert_string_equal(err, "--time-wait needs -m connect");
	assert_int_equal(PARSE(&o, err, "-m", "connect", "--trace", "h"), CLI_OK);
	assert_true(o.trace && o.out.trace);
	assert_int_equal(o.count, 1);
}

static void test_help_and_version_win(void **state)
{
	struct options o;
	char err[ERRBUF];

	assert_int_equal(PARSE(&o, err, "-h"), CLI_HELP);
	assert_int_equal(PARSE(&o, err, "--help"), CLI_HELP);
	assert_int_equal(PARSE(&o, err, "-V"), CLI_VERSION);
	assert_int_equal(PARSE(&o, err, "--version"), CLI_VERSION);
	/* Junk anywhere does not hide -h. */
	assert_int_equal(PARSE(&o, err, "-c", "abc", "--foo", "-4", "-6", "-h"), CLI_HELP);
	assert_int_equal(PARSE(&o, err, "--bogus", "-qh"), CLI_HELP);
	assert_int_equal(PARSE(&o, err, "h", "-c"), CLI_ERROR);
	assert_int_equal(PARSE(&o, err, "-x", "-V", "-h"), CLI_VERSION);
	assert_int_equal(PARSE(&o, err, "-h", "-V"), CLI_HELP);
	/* An option's argument is not an option, and "--" ends options. */
	assert_int_equal(PARSE(&o, err, "-m", "connect", "--data", "-h", "h"), CLI_OK);
	assert_string_equal(o.data, "-h");
	assert_int_equal(PARSE(&o, err, "--", "-h"), CLI_OK);
	assert_int_equal(o.ntargets, 1);
	assert_string_equal(o.targets[0], "-h");
}

static void test_targets(void **state)
{
	struct options o;
	char err[ERRBUF];

	assert_int_equal(PARSE(&o, err), CLI_ERROR);
	assert_string_equal(err, "no target given (try 'tcpshake --help')");
	assert_int_equal(PARSE(&o, err, "-c", "1"), CLI_ERROR);
	assert_string_equal(err, "no target given (try 'tcpshake --help')");

	/* -f alone is enough. */
	assert_int_equal(PARSE(&o, err, "-f", "-"), CLI_OK);
	assert_int_equal(o.ntargets, 0);

	/* GNU permutation: options after and between targets. */
	assert_int_equal(PARSE(&o, err, "10.0.0.2:80", "-c", "1", "example.com", "-q",
			       "[::1]:22"),
			 CLI_OK);
	assert_int_equal(o.count, 1);
	assert_true(o.out.quiet);
	assert_int_equal(o.ntargets, 3);
	assert_string_equal(o.targets[0], "10.0.0.2:80");
	assert_string_equal(o.targets[1], "example.com");
	assert_string_equal(o.targets[2], "[::1]:22");

	/* tcping's form reaches target.c untouched. */
	assert_int_equal(PARSE(&o, err, "host", "443"), CLI_OK);
	assert_int_equal(o.ntargets, 2);
	assert_string_equal(o.targets[1], "443");

	/* After "--" everything is a target. */
	assert_int_equal(PARSE(&o, err, "a", "--", "-c", "b"), CLI_OK);
	assert_int_equal(o.ntargets, 3);
	assert_string_equal(o.targets[1], "-c");
	assert_int_equal(o.count, 4);
}

static void test_repeated_parsing(void **state)
{
	struct options o;
	char err[ERRBUF];

	/* An error part-way through a cluster must not leak into the next
	 * parse (glibc keeps its position inside "-qxq" unless reset). */
	assert_int_equal(PARSE(&o, err, "-qxq", "h"), CLI_ERROR);
	assert_int_equal(PARSE(&o, err, "-c", "2", "a", "b"), CLI_OK);
	assert_int_equal(o.count, 2);
	assert_int_equal(o.ntargets, 2);
	assert_false(o.out.quiet);

	/* -h found mid-cluster ends the first pass there; the next parse must
	 * start afresh rather than resume inside that cluster. */
	assert_int_equal(PARSE(&o, err, "-hq"), CLI_HELP);
	assert_int_equal(PARSE(&o, err, "-Vq"), CLI_VERSION);
	assert_int_equal(PARSE(&o, err, "-c", "5", "h"), CLI_OK);
	assert_int_equal(o.count, 5);
	assert_false(o.out.quiet);

	for (int i = 0; i < 3; i++) {
		assert_int_equal(PARSE(&o, err, "x", "-m", "connect", "-4"), CLI_OK);
		assert_int_equal(o.count, 1);
		assert_int_equal(o.family, AF_INET);
		assert_int_equal(o.ntargets, 1);
		assert_string_equal(o.targets[0], "x");
		/* Nothing carries over from the previous parse. */
		assert_int_equal(PARSE(&o, err, "y"), CLI_OK);
		assert_int_equal(o.mode, MODE_SYN);
		assert_int_equal(o.count, 4);
		assert_int_equal(o.family, AF_UNSPEC);
		assert_string_equal(o.targets[0], "y");
	}
}

/* ---- cli_parse_seconds and cli_usage ----------------------------------- */

static void test_parse_seconds(void **state)
{
	double v = -1.0;

	assert_int_equal(cli_parse_seconds("0.2", 0.001, 10, &v), 0);
	assert_true(v == 0.2);
	assert_int_equal(cli_parse_seconds("10", 0.001, 10, &v), 0);
	assert_true(v == 10.0);
	v = 42.0;
	assert_int_equal(cli_parse_seconds("10.5", 0.001, 10, &v), -1);
	assert_true(v == 42.0); /* untouched on error */
	assert_int_equal(cli_parse_seconds("0", 0.001, 10, &v), -1);
	assert_int_equal(cli_parse_seconds("0", 0, 10, &v), 0);
	assert_true(v == 0.0);
	assert_int_equal(cli_parse_seconds("", 0, 10, &v), -1);
	assert_int_equal(cli_parse_seconds("1s", 0, 10, &v), -1);
	assert_int_equal(cli_parse_seconds(" 1", 0, 10, &v), -1);
	assert_int_equal(cli_parse_seconds("1 ", 0, 10, &v), -1);
	assert_int_equal(cli_parse_seconds("INF", 0, INFINITY, &v), -1);
	assert_int_equal(cli_parse_seconds("nan", 0, 10, &v), -1);
	assert_int_equal(cli_parse_seconds("0x1p1", 0, 10, &v), -1);
	assert_int_equal(cli_parse_seconds(NULL, 0, 10, &v), -1);
}

static void test_usage(void **state)
{
	static const char *const must[] = {
		"Usage: tcpshake [OPTION]... TARGET...",
		"--ports", "--file", "--mode", "--count", "--interval", "--timeout", "--rate",
		"--source ", "--source-port", "--interface", "-4", "-6", "--ttl", "--mss",
		"--wscale", "--sack", "--tsopt", "--no-options", "--data", "--close",
		"--rst-guard", "--json", "--format", "--warning", "--critical", "--quiet",
		"--trace", "--pcap", "--help", "--version", "Exit status:",
		"tcpshake example.com:443\n",
		"tcpshake -c 10 -i 0.2 10.0.0.2 22,80,443\n",
		"tcpshake --json -p 1-1024 10.0.0.2\n",
		"tcpshake --format nagios --warning 50,10 --critical 200,50 example.com:443\n",
	};
	/* The contract table's order must hold in --help too. */
	static const char *const order[] = {
		"--ports", "--count", "--interval", "--timeout", "--rate", "--source ",
		"--source-port", "--interface", "--ipv4", "--ttl", "--mss N", "--wscale N",
		"--sack ", "--tsopt", "--no-options", "--data", "--close HOW", "--rst-guard",
		"--json ", "--format", "--warning", "--critical", "--quiet", "--trace ",
		"--pcap", "--help", "--version",
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *prev = NULL;

	assert_non_null(f);
	cli_usage(f);
	assert_int_equal(fclose(f), 0);

	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		if (strstr(buf, must[i]) == NULL)
			fail_msg("--help lacks '%s'", must[i]);
	/* Options are listed from "Targets:" on (the modes mention some). */
	const char *base = strstr(buf, "\nTargets:\n");

	assert_non_null(base);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *at = strstr(base, order[i]);

		assert_non_null(at);
		if (prev != NULL && at < prev)
			fail_msg("--help lists '%s' before '%s'", order[i], order[i - 1]);
		prev = at;
	}
	for (const char *line = buf; *line != '\0';) {
		size_t n = strcspn(line, "\n");

		if (n >= 80)
			fail_msg("--help line of %zu columns: %.*s", n, (int)n, line);
		assert_null(memchr(line, '\t', n));
		line += n + (line[n] == '\n');
	}
	assert_true(len > 0 && buf[len - 1] == '\n');
	free(buf);
}

/* ---- script mode's options --------------------------------------------- */

static void test_script_options(void **state)
{
	struct options o;
	char err[ERRBUF];
	(void)state;

	/* --script implies -m script; the names stay one borrowed string. */
	assert_int_equal(PARSE(&o, err, "--script", "a.pkt,dir/b.pkt", "h"), CLI_OK);
	assert_int_equal(o.mode, MODE_SCRIPT);
	assert_string_equal(o.scripts, "a.pkt,dir/b.pkt");
	assert_string_equal(o.out.mode_name, "script");
	assert_int_equal(o.count, 1);
	assert_false(o.strict_options);
	assert_true(o.tolerance_ms == CLI_TOLERANCE_MS);
	assert_true(o.tolerance_ms == 20.0);
	assert_int_equal(PARSE(&o, err, "h", "-m", "script", "--script=x.pkt"), CLI_OK);
	assert_int_equal(o.mode, MODE_SCRIPT);

	assert_int_equal(PARSE(&o, err, "-m", "script", "h"), CLI_ERROR);
	assert_string_equal(err, "-m script needs --script FILE[,FILE...]");
	assert_int_equal(PARSE(&o, err, "--script", "x", "-m", "connect", "h"), CLI_ERROR);
	assert_string_equal(err, "--script conflicts with -m connect: --script implies -m script");
	assert_int_equal(PARSE(&o, err, "-m", "syn", "--script", "x", "h"), CLI_ERROR);
	assert_string_equal(err, "--script conflicts with -m syn: --script implies -m script");
	assert_int_equal(PARSE(&o, err, "--script", "x"), CLI_ERROR);
	assert_string_equal(err, "no target given (try 'tcpshake --help')");

	static const char *const bad[] = { "", ",", "a,", ",a", "a,,b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "tcpshake", "--script", (char *)bad[i], "h", NULL };

		assert_int_equal(parse_argv(argv, &o, err, sizeof(err)), CLI_ERROR);
		assert_non_null(strstr(err, "invalid script list"));
	}

	assert_int_equal(PARSE(&o, err, "--script", "x", "--strict-options", "--tolerance", "2.5",
			       "h"),
			 CLI_OK);
	assert_true(o.strict_options);
	assert_true(o.tolerance_ms == 2.5);
	assert_int_equal(PARSE(&o, err, "--strict-options", "h"), CLI_ERROR);
	assert_string_equal(err, "--strict-options needs --script FILE");
	assert_int_equal(PARSE(&o, err, "-m", "conform", "--tolerance", "5", "h"), CLI_ERROR);
	assert_string_equal(err, "--tolerance needs --script FILE");
	/* Options of other modes name theirs. */
	assert_int_equal(PARSE(&o, err, "--script", "x", "--close", "rst", "h"), CLI_ERROR);
	assert_string_equal(err, "--close needs -m connect");
	assert_int_equal(PARSE(&o, err, "--script", "x", "--data", "GET", "h"), CLI_ERROR);
	assert_string_equal(err, "--data needs -m connect or -m conform");
	/* The abbreviation that has become unique. */
	assert_int_equal(PARSE(&o, err, "--script", "x", "--tol", "0", "h"), CLI_OK);
	assert_true(o.tolerance_ms == 0.0);
}

static void test_tolerance_boundaries(void **state)
{
	static const struct bound b[] = {
		{ "--tolerance", "0", true },       { "--tolerance", "60000", true },
		{ "--tolerance", "60000.5", false }, { "--tolerance", "-1", false },
		{ "--tolerance", "20ms", false },   { "--tolerance", "", false },
		{ "--tolerance", "0.25", true },
	};
	struct options o;
	char err[ERRBUF];
	(void)state;

	check_bounds(b, sizeof(b) / sizeof(b[0]), "--script", "s.pkt");
	assert_int_equal(PARSE(&o, err, "--script", "s", "--tolerance", "x", "h"), CLI_ERROR);
	assert_string_equal(err,
			    "invalid tolerance 'x': expected milliseconds from 0 to 60000 (fractions allowed)");
}

/* getopt_long now returns a code of its own for every long option, also
 * those with a short form: errors about the long form name the long form. */
static void test_long_form_errors(void **state)
{
	struct options o;
	char err[ERRBUF];
	(void)state;

	assert_int_equal(PARSE(&o, err, "--ipv4=1", "h"), CLI_ERROR);
	assert_string_equal(err, "option '--ipv4' takes no argument (try 'tcpshake --help')");
	assert_int_equal(PARSE(&o, err, "--quiet=", "h"), CLI_ERROR);
	assert_string_equal(err, "option '--quiet' takes no argument (try 'tcpshake --help')");
	assert_int_equal(PARSE(&o, err, "h", "--mode"), CLI_ERROR);
	assert_string_equal(err, "option '--mode' needs an argument (try 'tcpshake --help')");
	assert_int_equal(PARSE(&o, err, "h", "-m"), CLI_ERROR);
	assert_string_equal(err, "option '-m' needs an argument (try 'tcpshake --help')");
	assert_int_equal(PARSE(&o, err, "h", "--scr"), CLI_ERROR);
	assert_string_equal(err, "option '--script' needs an argument (try 'tcpshake --help')");
	assert_int_equal(PARSE(&o, err, "--strict-options=yes", "h"), CLI_ERROR);
	assert_string_equal(err,
			    "option '--strict-options' takes no argument (try 'tcpshake --help')");
	/* The prescan still finds --help by its long name and a prefix. */
	assert_int_equal(PARSE(&o, err, "-c", "x", "--he"), CLI_HELP);
	assert_int_equal(PARSE(&o, err, "--vers", "-c", "x"), CLI_VERSION);
}

/* ---- the option table --------------------------------------------------- */

/* Every option of the table is in --help, with its short form when it has
 * one, in table order (the man page's, see tests/lint/options_documented.sh);
 * and every option can be parsed by its long name. */
static void test_every_option_in_help(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *prev, *name;
	int letter;
	size_t i;
	(void)state;

	assert_non_null(f);
	cli_usage(f);
	assert_int_equal(fclose(f), 0);
	prev = strstr(buf, "\nTargets:\n");
	assert_non_null(prev);
	for (i = 0; (name = cli_option_name(i, &letter)) != NULL; i++) {
		char want[64];
		const char *at;

		if (letter != 0)
			snprintf(want, sizeof(want), "\n  -%c, --%s", letter, name);
		else
			snprintf(want, sizeof(want), "\n      --%s", name);
		at = strstr(prev, want);
		if (at == NULL)
			fail_msg("--help lacks '%s' after the option before it", want + 1);
		/* Followed by a space, a newline or its argument, not a longer name. */
		char next = at[strlen(want)];
		if (next != ' ' && next != '\n')
			fail_msg("--help has '%s' only as part of a longer name", want + 1);
		prev = at + 1;
	}
	assert_true(i >= 39);
	assert_null(cli_option_name(i, &letter));
	free(buf);
}

/* Long names are unique and none is a prefix-equal duplicate; letters too. */
static void test_table_names_unique(void **state)
{
	const char *a, *b;
	int la, lb;
	(void)state;

	for (size_t i = 0; (a = cli_option_name(i, &la)) != NULL; i++)
		for (size_t j = i + 1; (b = cli_option_name(j, &lb)) != NULL; j++) {
			if (strcmp(a, b) == 0)
				fail_msg("--%s is in the table twice", a);
			if (la != 0 && la == lb)
				fail_msg("-%c is both --%s and --%s", la, a, b);
		}
}

/* ---- output options: -D, -o, --color ------------------------------------ */

static void test_output_options(void **state)
{
	struct options o;
	char err[ERRBUF];
	(void)state;

	assert_int_equal(PARSE(&o, err, "h"), CLI_OK);
	assert_false(o.out.timestamps);
	assert_null(o.output_file);
	assert_int_equal(o.color, COLOR_AUTO);
	assert_false(o.out.color); /* main decides it */

	assert_int_equal(PARSE(&o, err, "-D", "-o", "/tmp/x.prom", "--color", "always", "h"), CLI_OK);
	assert_true(o.out.timestamps);
	assert_string_equal(o.output_file, "/tmp/x.prom");
	assert_int_equal(o.color, COLOR_ALWAYS);
	assert_false(o.out.color);

	assert_int_equal(PARSE(&o, err, "--timestamp", "--output=out.json", "--color=never", "h"),
			 CLI_OK);
	assert_true(o.out.timestamps);
	assert_string_equal(o.output_file, "out.json");
	assert_int_equal(o.color, COLOR_NEVER);

	/* -o - is stdout; -Do FILE bundles as getopt does. */
	assert_int_equal(PARSE(&o, err, "-o", "-", "h"), CLI_OK);
	assert_null(o.output_file);
	assert_int_equal(PARSE(&o, err, "-Do", "f", "h"), CLI_OK);
	assert_true(o.out.timestamps);
	assert_string_equal(o.output_file, "f");

	/* Every mode takes them. */
	assert_int_equal(PARSE(&o, err, "-m", "conform", "-D", "--color", "never", "-o", "c", "h"),
			 CLI_OK);
	assert_int_equal(PARSE(&o, err, "-m", "connect", "-D", "h"), CLI_OK);
	assert_int_equal(PARSE(&o, err, "--script", "a.pkt", "-D", "h"), CLI_OK);
}

static void test_output_option_errors(void **state)
{
	struct options o;
	char err[ERRBUF];
	(void)state;

	assert_int_equal(PARSE(&o, err, "--color", "yes", "h"), CLI_ERROR);
	assert_string_equal(err, "invalid color 'yes': expected auto, always or never");
	assert_int_equal(PARSE(&o, err, "--color", "", "h"), CLI_ERROR);
	assert_string_equal(err, "invalid color '': expected auto, always or never");
	assert_int_equal(PARSE(&o, err, "h", "--color"), CLI_ERROR);
	assert_string_equal(err, "option '--color' needs an argument (try 'tcpshake --help')");
	assert_int_equal(PARSE(&o, err, "-o", "", "h"), CLI_ERROR);
	assert_string_equal(err, "-o needs a file name ('-' for stdout)");
	assert_int_equal(PARSE(&o, err, "h", "-o"), CLI_ERROR);
	assert_string_equal(err, "option '-o' needs an argument (try 'tcpshake --help')");
	assert_int_equal(PARSE(&o, err, "-D1", "h"), CLI_ERROR);
	assert_string_equal(err, "unknown option '-1' (try 'tcpshake --help')");
}

/* no-color.org: NO_COLOR set and not empty turns auto off; the command line
 * wins over it; only text is ever coloured. */
static void test_color_wanted(void **state)
{
	(void)state;
	assert_true(cli_color_wanted(COLOR_AUTO, OUT_TEXT, true, NULL));
	assert_true(cli_color_wanted(COLOR_AUTO, OUT_TEXT, true, ""));
	assert_false(cli_color_wanted(COLOR_AUTO, OUT_TEXT, true, "1"));
	assert_false(cli_color_wanted(COLOR_AUTO, OUT_TEXT, false, NULL));
	assert_true(cli_color_wanted(COLOR_ALWAYS, OUT_TEXT, false, "1"));
	assert_false(cli_color_wanted(COLOR_NEVER, OUT_TEXT, true, NULL));
	for (enum out_format f = OUT_JSON; f <= OUT_PROM; f++) {
		assert_false(cli_color_wanted(COLOR_ALWAYS, f, true, NULL));
		assert_false(cli_color_wanted(COLOR_AUTO, f, true, NULL));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_open_only),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_count_default_follows_mode),
		cmocka_unit_test(test_option_effects),
		cmocka_unit_test(test_source_address),
		cmocka_unit_test(test_connect_options),
		cmocka_unit_test(test_sweep_options),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_syn_options),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_threshold_boundaries),
		cmocka_unit_test(test_range_messages),
		cmocka_unit_test(test_conflicts),
		cmocka_unit_test(test_getopt_errors),
		cmocka_unit_test(test_serve_options),
		cmocka_unit_test(test_time_wait),
		cmocka_unit_test(test_help_and_version_win),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_repeated_parsing),
		cmocka_unit_test(test_parse_seconds),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_script_options),
		cmocka_unit_test(test_tolerance_boundaries),
		cmocka_unit_test(test_long_form_errors),
		cmocka_unit_test(test_every_option_in_help),
		cmocka_unit_test(test_table_names_unique),
		cmocka_unit_test(test_output_options),
		cmocka_unit_test(test_output_option_errors),
		cmocka_unit_test(test_color_wanted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
