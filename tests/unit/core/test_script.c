/*
 * Unit tests for the script parser: every construct of the language, every
 * error with its exact "FILE:LINE:COL: message", the formatters' round
 * trip, and the upstream-style scripts in tests/data/scripts/.
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

#include "core/script.h"

/* Parse text (copied into an exact-size heap buffer, so a read past its end
 * is caught by ASan/valgrind) and require success. */
static struct script *ok(const char *text)
{
	size_t n = strlen(text);
	char *buf = malloc(n ? n : 1);
	char err[256] = "";
	struct script *s = NULL;
	memcpy(buf, text, n);
	int r = script_parse("t.pkt", buf, n, &s, err, sizeof(err));
	free(buf);
	if (r != 0)
		fail_msg("unexpected error: %s", err);
	assert_non_null(s);
	return s;
}

/* Parse len bytes of buf and require exactly the error want. */
static void bad_n(const char *buf, size_t len, const char *want)
{
	char *copy = malloc(len ? len : 1);
	char err[256] = "";
	struct script *s = (struct script *)1;
	memcpy(copy, buf, len);
	int r = script_parse("t.pkt", copy, len, &s, err, sizeof(err));
	free(copy);
	assert_int_equal(r, -1);
	assert_null(s);
	assert_string_equal(err, want);
}

static void bad(const char *text, const char *want)
{
	bad_n(text, strlen(text), want);
}

static const char *seg_text(const struct script_seg *seg)
{
	static char buf[512];
	script_seg_format(seg, buf, sizeof(buf));
	return buf;
}

static const char *line_text(const struct script_line *l)
{
	static char buf[512];
	script_line_format(l, buf, sizeof(buf));
	return buf;
}

#define SYN "+0 < S 0:0(0) win 65535\n"

/* ---- packet lines --------------------------------------------------------- */

static void test_handshake(void **state)
{
	(void)state;
	struct script *s = ok("0 < S 0:0(0) win 65535 <mss 1460,sackOK,nop,nop,TS val 100 ecr 0,nop,wscale 7>\n"
			      "+0 > S. 0:0(0) ack 1 <...>\n"
			      "  +.1 < . 1:1(0) ack 1 win 512\n");
	assert_string_equal(s->name, "t.pkt");
	assert_int_equal(s->nlines, 3);
	assert_int_equal(s->npackets, 3);
	const struct script_line *l = &s->lines[0];
	assert_int_equal(l->kind, SCRIPT_SEND);
	assert_int_equal(l->lineno, 1);
	assert_int_equal(l->col, 1);
	assert_int_equal(l->nalts, 1);
	const struct script_seg *g = &l->alts[0];
	assert_int_equal(g->flags, TCPF_SYN);
	assert_int_equal(g->seq, 0);
	assert_int_equal(g->len, 0);
	assert_false(g->has_ack);
	assert_true(g->has_win);
	assert_int_equal(g->win, 65535);
	assert_false(g->any_options);
	assert_int_equal(g->nopts, 7);
	assert_int_equal(g->opts[0].kind, SCRIPT_OPT_MSS);
	assert_int_equal(g->opts[0].val, 1460);
	assert_int_equal(g->opts[1].kind, SCRIPT_OPT_SACKOK);
	assert_int_equal(g->opts[2].kind, SCRIPT_OPT_NOP);
	assert_int_equal(g->opts[4].kind, SCRIPT_OPT_TS);
	assert_int_equal(g->opts[4].val, 100);
	assert_int_equal(g->opts[4].ecr, 0);
	assert_int_equal(g->opts[6].kind, SCRIPT_OPT_WSCALE);
	assert_int_equal(g->opts[6].val, 7);

	l = &s->lines[1];
	assert_int_equal(l->kind, SCRIPT_EXPECT);
	assert_int_equal(l->alts[0].flags, TCPF_SYN | TCPF_ACK);
	assert_true(l->alts[0].has_ack);
	assert_int_equal(l->alts[0].ack, 1);
	assert_false(l->alts[0].has_win);
	assert_true(l->alts[0].any_options);
	assert_int_equal(l->alts[0].nopts, 0);

	l = &s->lines[2];
	assert_int_equal(l->lineno, 3);
	assert_int_equal(l->col, 3);
	assert_int_equal(l->alts[0].flags, TCPF_ACK);
	assert_int_equal(l->alts[0].seq, 1);
	assert_int_equal(l->alts[0].win, 512);
	script_free(s);
}

static void test_payload_and_urg(void **state)
{
	(void)state;
	struct script *s = ok(SYN "+0 < P. 1:1001(1000) ack 1 urg 5 win 100\n"
				  "+0 > . 1:1(0) ack 4294967295\n");
	const struct script_seg *g = &s->lines[1].alts[0];
	assert_int_equal(g->flags, TCPF_PSH | TCPF_ACK);
	assert_int_equal(g->seq, 1);
	assert_int_equal(g->len, 1000);
	assert_true(g->has_urg);
	assert_int_equal(g->urg, 5);
	assert_int_equal(g->win, 100);
	assert_int_equal(s->lines[2].alts[0].ack, 4294967295u);
	script_free(s);
}

static void test_flags(void **state)
{
	(void)state;
	struct script *s = ok("0 < FSRPUEWA 0:0(0)\n"
			      "+0 < - 0:0(0)\n"
			      "+0 > S.5 0:0(0)\n"
			      "+0 > SEW 0:0(0)\n");
	assert_int_equal(s->lines[0].alts[0].flags, TCPF_FIN | TCPF_SYN | TCPF_RST | TCPF_PSH | TCPF_URG |
							    TCPF_ECE | TCPF_CWR | SCRIPT_TCPF_AE);
	assert_int_equal(s->lines[1].alts[0].flags, 0);
	const struct script_seg *g = &s->lines[2].alts[0];
	assert_true(g->has_ace);
	assert_int_equal(g->ace, 5);
	assert_int_equal(g->flags, TCPF_SYN | TCPF_ACK | SCRIPT_TCPF_AE | TCPF_ECE);
	assert_string_equal(seg_text(g), "S.5 0:0(0)");
	assert_string_equal(seg_text(&s->lines[3].alts[0]), "SEW 0:0(0)");
	assert_string_equal(seg_text(&s->lines[1].alts[0]), "- 0:0(0)");
	script_free(s);
}

static void test_ecn_field(void **state)
{
	(void)state;
	struct script *s = ok("0 < [ect0] S 0:0(0)\n+0 > (ect01) S. 0:0(0) ack 1\n");
	assert_int_equal(s->lines[0].alts[0].ecn, SCRIPT_ECN_ECT0);
	assert_int_equal(s->lines[1].alts[0].ecn, SCRIPT_ECN_ECT01);
	assert_string_equal(seg_text(&s->lines[0].alts[0]), "[ect0] S 0:0(0)");
	script_free(s);
	bad("0 < [ect01] S 0:0(0)\n", "t.pkt:1:6: [ect01] only in an expected ('>') segment");
	bad("0 < [tos 0x1] S 0:0(0)\n",
	    "t.pkt:1:6: unsupported IP field (only the ECN codepoint: noecn, ect0, ect1, ce, ect01)");
}

static void test_options_all(void **state)
{
	(void)state;
	struct script *s = ok("0 < S 0:0(0) <sack 1:11 21:31 41:51,eol,FO,nop,FO 0123456789abcdef>\n"
			      "+0 < S 0:0(0) <FOEXP aabbccdd,kind 30 0081,md5 00112233445566778899aabbccddeeff>\n");
	const struct script_seg *g = &s->lines[0].alts[0];
	assert_int_equal(g->nopts, 5);
	assert_int_equal(g->opts[0].kind, SCRIPT_OPT_SACK);
	assert_int_equal(g->opts[0].nsack, 3);
	assert_int_equal(g->opts[0].sack[2].left, 41);
	assert_int_equal(g->opts[0].sack[2].right, 51);
	assert_int_equal(g->opts[1].kind, SCRIPT_OPT_EOL);
	assert_int_equal(g->opts[2].kind, SCRIPT_OPT_FO);
	assert_int_equal(g->opts[2].data_len, 0);
	assert_int_equal(g->opts[4].data_len, 8);
	assert_int_equal(g->opts[4].data[0], 0x01);
	assert_int_equal(g->opts[4].data[7], 0xef);
	g = &s->lines[1].alts[0];
	assert_int_equal(g->opts[0].kind, SCRIPT_OPT_FOEXP);
	assert_int_equal(g->opts[0].data_len, 4);
	assert_int_equal(g->opts[1].kind, SCRIPT_OPT_KIND);
	assert_int_equal(g->opts[1].number, 30);
	assert_int_equal(g->opts[1].data_len, 2);
	assert_int_equal(g->opts[1].data[1], 0x81);
	assert_int_equal(g->opts[2].kind, SCRIPT_OPT_MD5);
	assert_int_equal(g->opts[2].data_len, 16);
	assert_string_equal(seg_text(g), "S 0:0(0) <FOEXP aabbccdd,kind 30 0081,md5 00112233445566778899aabbccddeeff>");
	script_free(s);
}

static void test_any_values(void **state)
{
	(void)state;
	struct script *s = ok(SYN "+0 > S. 0:0(0) ack * win * <mss *,wscale *,TS val * ecr 100,FO *>\n");
	const struct script_seg *g = &s->lines[1].alts[0];
	assert_true(g->has_ack && g->any_ack);
	assert_true(g->has_win && g->any_win);
	assert_true(g->opts[0].any_val);
	assert_true(g->opts[1].any_val);
	assert_true(g->opts[2].any_val);
	assert_false(g->opts[2].any_ecr);
	assert_int_equal(g->opts[2].ecr, 100);
	assert_true(g->opts[3].any_val);
	assert_string_equal(seg_text(g), "S. 0:0(0) ack * win * <mss *,wscale *,TS val * ecr 100,FO *>");
	script_free(s);
	bad("0 < S 0:0(0) win *\n", "t.pkt:1:18: '*' (any window) only in an expected ('>') segment");
	bad("0 < . 0:0(0) ack *\n", "t.pkt:1:18: '*' (any ack number) only in an expected ('>') segment");
	bad("0 < S 0:0(0) <mss *>\n", "t.pkt:1:19: '*' (any mss value) only in an expected ('>') segment");
	bad("0 < S 0:0(0) <TS val 1 ecr *>\n", "t.pkt:1:28: '*' (any TS ecr) only in an expected ('>') segment");
	bad("0 < S 0:0(0) <FO *>\n", "t.pkt:1:18: '*' (any FO cookie) only in an expected ('>') segment");
	bad("0 < S 0:0(0) <...>\n", "t.pkt:1:14: <...> (any options) only in an expected ('>') segment");
	bad("0 > S 0:0(0) urg *\n", "t.pkt:1:18: expected urgent pointer, a number");
}

static void test_value_ranges(void **state)
{
	(void)state;
	struct script *s = ok("0 < S 4294967295:4294967295(0) win 65535 <mss 65535,wscale 255>\n");
	assert_int_equal(s->lines[0].alts[0].seq, 4294967295u);
	assert_int_equal(s->lines[0].alts[0].opts[1].val, 255);
	script_free(s);
	bad("0 < S 4294967296:4294967296(0)\n",
	    "t.pkt:1:7: sequence number (start:end(length)) 4294967296 out of range (0-4294967295)");
	bad("0 < S 0:0(0) win 65536\n", "t.pkt:1:18: window 65536 out of range (0-65535)");
	bad("0 < S 0:0(0) <mss 65536>\n", "t.pkt:1:19: mss value 65536 out of range (0-65535)");
	bad("0 < S 0:0(0) <wscale 256>\n", "t.pkt:1:22: window scale shift 256 out of range (0-255)");
	bad("0 < . 0:0(0) ack 99999999999999999999999\n",
	    "t.pkt:1:18: ack number 99999999999999999999999 out of range (0-4294967295)");
	bad("0 < S 0:70000(70000)\n", "t.pkt:1:15: payload length 70000 out of range (0-65535)");
	bad("0 < S 0:0(0) win 0x10\n", "t.pkt:1:18: window: '0x10' is not a decimal number");
}

static void test_seq_errors(void **state)
{
	(void)state;
	bad("0 < S 0:10(5)\n", "t.pkt:1:7: sequence range 0:10(5) disagrees: end - start is 10, length is 5");
	bad("0 < S 10:0(0)\n", "t.pkt:1:7: sequence range 10:0(0) disagrees: end - start is -10, length is 0");
	bad("0 < S 0 win 1\n", "t.pkt:1:9: expected ':' in the sequence range start:end(length)");
	bad("0 < S 0:0 win 1\n", "t.pkt:1:11: expected '(' in the sequence range start:end(length)");
	bad("0 < S 0:0(0 win 1\n", "t.pkt:1:13: expected ')' closing the sequence range start:end(length)");
	bad("0 < S\n", "t.pkt:2:1: expected sequence number (start:end(length)), a number");
}

static void test_flag_errors(void **state)
{
	(void)state;
	bad("0 < SX 0:0(0)\n", "t.pkt:1:6: unknown flag 'X' (flags are . F S R P E W A U, or - for none)");
	bad("\n  +0 < S.s 0:0(0)\n", "t.pkt:2:10: unknown flag 's' (flags are . F S R P E W A U, or - for none)");
	bad("0 < -S 0:0(0)\n", "t.pkt:1:5: unknown flag '-' (flags are . F S R P E W A U, or - for none)");
	bad("0 < SS 0:0(0)\n", "t.pkt:1:6: flag 'S' written twice");
	bad("0 < S12 0:0(0)\n", "t.pkt:1:7: conflicting flag '2': one ACE digit, without E, W or A");
	bad("0 < SE1 0:0(0)\n", "t.pkt:1:7: conflicting flag '1': one ACE digit, without E, W or A");
	bad("0 < 8 0:0(0)\n", "t.pkt:1:5: unknown flag '8' (flags are . F S R P E W A U, or - for none)");
	bad("0 < <mss 1>\n", "t.pkt:1:5: expected TCP flags (like S, S., ., P., F., R or -)");
}

static void test_option_errors(void **state)
{
	(void)state;
	bad("0 < S 0:0(0) <`a\nb`>\n",
	    "t.pkt:1:15: unknown TCP option '`a b`' (known: mss, sackOK, nop, eol, wscale, TS, sack, FO, FOEXP, md5, kind)");
	bad("0 < S 0:0(0) <foo 1>\n",
	    "t.pkt:1:15: unknown TCP option 'foo' (known: mss, sackOK, nop, eol, wscale, TS, sack, FO, FOEXP, md5, kind)");
	bad("0 < S 0:0(0) <>\n", "t.pkt:1:15: empty option list: leave out <> for no options");
	bad("0 < S 0:0(0) <nop nop>\n", "t.pkt:1:19: expected ',' or '>' in the option list");
	bad("0 < S 0:0(0) <nop,\n", "t.pkt:2:1: unknown TCP option '' (known: mss, sackOK, nop, eol, wscale, TS, sack, FO, FOEXP, md5, kind)");
	bad("0 < S 0:0(0) <TS 1 ecr 2>\n", "t.pkt:1:18: expected 'val' in 'TS val N ecr N'");
	bad("0 < S 0:0(0) <TS val 1 2>\n", "t.pkt:1:24: expected 'ecr' in 'TS val N ecr N'");
	bad("0 < S 0:0(0) <sack>\n", "t.pkt:1:15: sack needs at least one block left:right");
	bad("0 < S 0:0(0) <sack 1:2 3:4 5:6 7:8 9:10>\n", "t.pkt:1:36: more than 4 SACK blocks");
	bad("0 < S 0:0(0) <sack 1 2>\n", "t.pkt:1:22: expected ':' in the SACK block left:right");
	bad("0 < S 0:0(0) <FO abc>\n", "t.pkt:1:18: FO cookie: expected an even number of hex digits, at most 38 bytes");
	bad("0 < S 0:0(0) <FO zz>\n", "t.pkt:1:18: FO cookie: 'zz' is not a hex byte");
	bad("0 < S 0:0(0) <md5 0011>\n", "t.pkt:1:15: md5 digest must be 16 bytes");
	bad("0 < S 0:0(0) <kind 1>\n", "t.pkt:1:20: option kind 1: write eol or nop");
	bad("0 < S 0:0(0) <kind 256>\n", "t.pkt:1:20: option kind 256 out of range (0-255)");
	/* 4 + 10 + 3 + 2 = 19; four more TS = 59 > 40 */
	bad("0 < S 0:0(0) <mss 1,TS val 1 ecr 2,wscale 1,sackOK,TS val 1 ecr 2,TS val 1 ecr 2,TS val 1 ecr 2>\n",
	    "t.pkt:1:82: options take 49 bytes, more than TCP's 40");
	struct script *s = ok("0 < S 0:0(0) <sack 1:2 3:4 5:6 7:8,nop,nop>\n"); /* 34 + 2 = 36 bytes */
	script_free(s);
}

static void test_ack_win_order(void **state)
{
	(void)state;
	struct script *s = ok("0 < . 0:0(0) win 5 ack 7\n");
	assert_int_equal(s->lines[0].alts[0].ack, 7);
	assert_int_equal(s->lines[0].alts[0].win, 5);
	assert_string_equal(seg_text(&s->lines[0].alts[0]), ". 0:0(0) ack 7 win 5");
	script_free(s);
	bad("0 < . 0:0(0) ack 1 ack 2\n", "t.pkt:1:20: 'ack' written twice");
	bad("0 < . 0:0(0) win 1 win 2\n", "t.pkt:1:20: 'win' written twice");
}

/* ---- times ------------------------------------------------------------------ */

static void test_times(void **state)
{
	(void)state;
	struct script *s = ok("0.100 < S 0:0(0)\n"
			      "+.05 > S. 0:0(0) ack 1\n"
			      "* > . 1:1(0) ack 1\n"
			      "0.2~0.4 > . 1:1(0) ack 1\n"
			      "+0.1~+0.3 > . 1:1(0) ack 1\n"
			      "1 < . 1:1(0) ack 1\n"
			      "+0.000000001 < . 1:1(0) ack 1\n");
	const struct script_time *t = &s->lines[0].time;
	assert_int_equal(t->kind, SCRIPT_TIME_ABSOLUTE);
	assert_int_equal(t->lo_ns, 100000000);
	assert_int_equal(t->hi_ns, 100000000);
	assert_false(t->range);
	t = &s->lines[1].time;
	assert_int_equal(t->kind, SCRIPT_TIME_RELATIVE);
	assert_int_equal(t->lo_ns, 50000000);
	assert_int_equal(s->lines[2].time.kind, SCRIPT_TIME_ANY);
	t = &s->lines[3].time;
	assert_int_equal(t->kind, SCRIPT_TIME_ABSOLUTE);
	assert_true(t->range);
	assert_int_equal(t->lo_ns, 200000000);
	assert_int_equal(t->hi_ns, 400000000);
	t = &s->lines[4].time;
	assert_int_equal(t->kind, SCRIPT_TIME_RELATIVE);
	assert_true(t->range);
	assert_int_equal(t->lo_ns, 100000000);
	assert_int_equal(t->hi_ns, 300000000);
	assert_int_equal(s->lines[5].time.lo_ns, 1000000000);
	assert_int_equal(s->lines[6].time.lo_ns, 1);
	char b[64];
	script_time_format(&s->lines[4].time, b, sizeof(b));
	assert_string_equal(b, "+0.100~+0.300");
	script_time_format(&s->lines[3].time, b, sizeof(b));
	assert_string_equal(b, "0.200~0.400");
	script_time_format(&s->lines[2].time, b, sizeof(b));
	assert_string_equal(b, "*");
	script_time_format(&s->lines[6].time, b, sizeof(b));
	assert_string_equal(b, "+0.000000001");
	script_free(s);
}

static void test_time_errors(void **state)
{
	(void)state;
	bad("0.5 < S 0:0(0)\n0.2 > S. 0:0(0) ack 1\n",
	    "t.pkt:2:1: time goes backwards: 0.200 is before 0.500, where the script already is");
	/* relative lines move the script on too */
	bad("0 < S 0:0(0)\n+1 > S. 0:0(0) ack 1\n0.5 < . 1:1(0) ack 1\n",
	    "t.pkt:3:1: time goes backwards: 0.500 is before 1.000, where the script already is");
	bad("0.3~0.1 > S 0:0(0)\n", "t.pkt:1:4: time range is backwards");
	bad("+0.1~0.3 > S 0:0(0)\n", "t.pkt:1:6: a time range is both absolute (a~b) or both relative (+a~+b)");
	bad("0.1~+0.3 > S 0:0(0)\n", "t.pkt:1:5: a time range is both absolute (a~b) or both relative (+a~+b)");
	bad("* < S 0:0(0)\n", "t.pkt:1:1: '*' (any time) only on an expected ('>') segment");
	bad("0~1 < S 0:0(0)\n", "t.pkt:1:1: a time range only on an expected ('>') segment");
	bad("* close(3) = 0\n0 < S 0:0(0)\n", "t.pkt:1:1: '*' (any time) only on an expected ('>') segment");
	bad("-1 < S 0:0(0)\n", "t.pkt:1:1: negative time");
	bad("+x < S 0:0(0)\n", "t.pkt:1:2: expected a time in seconds (like 0.1)");
	bad("1000001 < S 0:0(0)\n", "t.pkt:1:1: time out of range (at most 1000000 s)");
	bad("1s < S 0:0(0)\n", "t.pkt:1:1: '1s' is not a time in seconds");
	bad("0 < S 0:0(0)\n+999999 < S 0:0(0)\n+2 < S 0:0(0)\n", "t.pkt:3:1: script runs past 1000000 s");
	bad("foo < S 0:0(0)\n", "t.pkt:1:1: expected a time (like 0.1, +0.1, * or 0.1~0.2) to start a line");
	bad("< S 0:0(0)\n", "t.pkt:1:1: expected a time (like 0.1, +0.1, * or 0.1~0.2) to start a line");
	bad("0 < S 0:0(0)\n+0 close(3) = 0 bogus more\n", "t.pkt:2:23: expected a time (like 0.1, +0.1, * or 0.1~0.2) to start a line");
}

/* ---- comments ------------------------------------------------------------ */

static void test_comments(void **state)
{
	(void)state;
	struct script *s = ok("// a comment\n"
			      "/* a block\n   over lines */ 0 < S 0:0(0) // after\n"
			      "+0 > S. /* inside */ 0:0(0) ack 1 <mss 1460, /* in options */ nop>\n"
			      "// the end, without a newline");
	assert_int_equal(s->nlines, 2);
	assert_int_equal(s->lines[0].lineno, 3);
	assert_int_equal(s->lines[0].col, 18);
	assert_int_equal(s->lines[1].alts[0].nopts, 2);
	script_free(s);
	bad("0 < S 0:0(0)\n/* open\n", "t.pkt:2:1: unterminated /* comment");
}

/* ---- skipped lines ---------------------------------------------------------- */

static void test_syscalls_skipped(void **state)
{
	(void)state;
	struct script *s = ok("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
			      "+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0\n"
			      "+0 bind(3, ..., ...) = 0\n"
			      "+0 listen(3, 1) = 0\n"
			      "+0 < S 0:0(0) win 100\n"
			      "+.1...0.4 accept(3, ..., ...) = 4\n"
			      "+0 poll([{fd=4,\n       events=POLLIN, revents=0}], 1, 0) = 0\n"
			      "+0 read(4, ..., 100) = -1 EAGAIN (Resource temporarily unavailable)\n"
			      "+0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n"
			      "+0 getsockopt(4, SOL_TCP, TCP_INFO, {tcpi_state=8}, [256]) = 0\n"
			      "+0 write(4, \"hello) world\"..., 5) = 5\n"
			      "+0 ioctl(4, SIOCINQ, [0]) = 0\n"
			      "+0 shutdown(4, SHUT_WR) = 0\n"
			      "+0 close(4) = 0\n");
	assert_int_equal(s->nlines, 14);
	assert_int_equal(s->npackets, 1);
	static const char *const names[] = {"socket", "setsockopt", "bind", "listen", NULL, "accept",
					    "poll", "read", "fcntl", "getsockopt", "write", "ioctl",
					    "shutdown", "close"};
	for (size_t i = 0; i < 14; i++) {
		if (names[i] == NULL)
			continue;
		assert_int_equal(s->lines[i].kind, SCRIPT_SKIPPED);
		assert_int_equal(s->lines[i].skip, SCRIPT_SKIP_SYSCALL);
		assert_string_equal(s->lines[i].name, names[i]);
	}
	assert_int_equal(s->lines[5].lineno, 6);
	assert_string_equal(s->lines[5].text, "...0.4 accept(3, ..., ...) = 4");
	assert_string_equal(s->lines[6].text, "poll([{fd=4,");
	assert_int_equal(s->lines[7].lineno, 9);
	assert_string_equal(s->lines[13].text, "close(4) = 0");
	assert_string_equal(line_text(&s->lines[13]), "+0.000 close(4) = 0");
	script_free(s);
}

static void test_skipped_text_cut(void **state)
{
	(void)state;
	/* The text starts at "write(4, \"" (10 bytes); after 109 zeros the
	 * e-acute's two bytes sit at 119-120, across the 120-byte cut. */
	char src[400];
	snprintf(src, sizeof(src), "%s+0 write(4, \"%0109d\xc3\xa9\", 2) = 2\n", SYN, 0);
	struct script *s = ok(src);
	const char *text = s->lines[1].text;
	assert_int_equal(strlen(text), 119);
	assert_int_equal(text[118], '0');
	script_free(s);
	snprintf(src, sizeof(src), "%s+0 write(4, \"%0108d\xc3\xa9\", 2) = 2\n", SYN, 0);
	s = ok(src);
	assert_int_equal(strlen(s->lines[1].text), 120);
	script_free(s);
}

static void test_syscall_errors(void **state)
{
	(void)state;
	bad(SYN "+0 close(4)\n+0 < S 0:0(0)\n", "t.pkt:3:1: expected '= RESULT' after the system call");
	bad(SYN "+0 close(4 = 0\n", "t.pkt:2:9: unclosed '('");
	bad(SYN "+0 write(4, [1}, 1) = 1\n", "t.pkt:2:15: '}' where ']' was expected");
	bad(SYN "+0 close(4) =\n", "t.pkt:3:1: expected the system call's result after '='");
	bad(SYN "+0 close(4) = - x\n", "t.pkt:2:17: expected a number after '-'");
	bad(SYN "+0 close 4\n", "t.pkt:2:10: expected '(' after the system call name");
	char deep[400];
	size_t n = (size_t)snprintf(deep, sizeof(deep), "%s+0 f(", SYN);
	for (int i = 0; i < 70; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	bad(deep, "t.pkt:2:69: brackets nested deeper than 64");
}

static void test_other_skipped(void **state)
{
	(void)state;
	struct script *s = ok("--tolerance_usecs=10000\n"
			      "--local_ip=192.168.0.1 --remote_ip=192.0.2.1\n"
			      "`../common/defaults.sh\n sysctl -q net.ipv4.tcp_fastopen=1`\n"
			      "0 < S 0:0(0)\n"
			      "+0 `sysctl -q net.ipv4.tcp_ecn=1`\n"
			      "+0 %{ assert tcpi_rto == 1000000 }%\n"
			      "+0 > udp (100)\n"
			      "+0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]\n"
			      "+0 < ipv4 192.0.2.1 > 192.168.0.1: gre: S 0:0(0)\n"
			      "`/tmp/cleanup.sh`\n");
	assert_int_equal(s->nlines, 10);
	assert_int_equal(s->npackets, 1);
	assert_int_equal(s->lines[0].skip, SCRIPT_SKIP_OPTION);
	assert_string_equal(s->lines[0].name, "option");
	assert_string_equal(s->lines[0].text, "--tolerance_usecs=10000");
	assert_int_equal(s->lines[0].time.kind, SCRIPT_TIME_NONE);
	assert_string_equal(s->lines[1].text, "--local_ip=192.168.0.1 --remote_ip=192.0.2.1");
	assert_int_equal(s->lines[2].skip, SCRIPT_SKIP_SHELL);
	assert_string_equal(s->lines[2].text, "`../common/defaults.sh");
	assert_int_equal(s->lines[4].skip, SCRIPT_SKIP_SHELL);
	assert_int_equal(s->lines[4].time.kind, SCRIPT_TIME_RELATIVE);
	assert_int_equal(s->lines[5].skip, SCRIPT_SKIP_CODE);
	assert_string_equal(s->lines[5].name, "code");
	assert_int_equal(s->lines[6].skip, SCRIPT_SKIP_PACKET);
	assert_string_equal(s->lines[6].text, "> udp (100)");
	assert_int_equal(s->lines[7].skip, SCRIPT_SKIP_PACKET);
	assert_int_equal(s->lines[8].skip, SCRIPT_SKIP_PACKET);
	assert_int_equal(s->lines[9].skip, SCRIPT_SKIP_SHELL);
	assert_int_equal(s->lines[9].lineno, 11);
	script_free(s);
	bad("0 < S 0:0(0)\n+0 `unterminated\n", "t.pkt:2:4: unterminated `command`");
	bad("0 < S 0:0(0)\n+0 %{ open\n", "t.pkt:2:4: unterminated %{ code block");
	bad("0 < S 0:0(0)\n+0 write(4, \"open, 1) = 1\n", "t.pkt:2:13: unterminated string");
	bad("0 < S 0:0(0)\n+0 = 1\n",
	    "t.pkt:2:4: expected '<', '>', a system call, a `command` or %{ code }% after the time");
}

/* ---- remote-semantics extensions ------------------------------------------------ */

static void test_optional(void **state)
{
	(void)state;
	struct script *s = ok(SYN "+0 >? . 1:1(0) ack 6\n+0 > ? . 1:1(0) ack 6\n");
	assert_int_equal(s->lines[1].kind, SCRIPT_EXPECT_OPTIONAL);
	assert_int_equal(s->lines[2].kind, SCRIPT_EXPECT_OPTIONAL);
	assert_int_equal(s->npackets, 3);
	assert_string_equal(line_text(&s->lines[1]), "+0.000 >? . 1:1(0) ack 6");
	script_free(s);
	bad(SYN "+0 <? . 1:1(0)\n", "t.pkt:2:5: '?' (optional) only on an expected ('>') segment");
}

static void test_alternatives(void **state)
{
	(void)state;
	struct script *s = ok(SYN "+0 > R 1:1(0) | . 1:1(0) ack 1 win * <...> | R. 1:1(0) ack 1\n");
	const struct script_line *l = &s->lines[1];
	assert_int_equal(l->kind, SCRIPT_EXPECT);
	assert_int_equal(l->nalts, 3);
	assert_int_equal(l->alts[0].flags, TCPF_RST);
	assert_false(l->alts[0].has_ack);
	assert_int_equal(l->alts[1].flags, TCPF_ACK);
	assert_true(l->alts[1].any_win);
	assert_true(l->alts[1].any_options);
	assert_int_equal(l->alts[2].flags, TCPF_RST | TCPF_ACK);
	assert_string_equal(line_text(l), "+0.000 > R 1:1(0) | . 1:1(0) ack 1 win * <...> | R. 1:1(0) ack 1");
	script_free(s);
	bad(SYN "+0 < R 1:1(0) | . 1:1(0)\n", "t.pkt:2:15: '|' (alternatives) only on an expected ('>') line");
	bad(SYN "+0 > R 1:1(0) |\n", "t.pkt:3:1: expected TCP flags (like S, S., ., P., F., R or -)");
	bad(SYN "+0 > R 1:1(0) | X 1:1(0)\n", "t.pkt:2:17: unknown flag 'X' (flags are . F S R P E W A U, or - for none)");
	bad(SYN "+0 > R 0:0(0) | R 0:0(0) | R 0:0(0) | R 0:0(0) | R 0:0(0) | R 0:0(0) | R 0:0(0) | R 0:0(0) | R 0:0(0)\n",
	    "t.pkt:2:92: more than 8 alternatives");
}

static void test_silence(void **state)
{
	(void)state;
	struct script *s = ok(SYN "+0 > nothing for 0.5\n+0.5 > nothing for 2\n");
	const struct script_line *l = &s->lines[1];
	assert_int_equal(l->kind, SCRIPT_EXPECT_NOTHING);
	assert_int_equal(l->silence_ns, 500000000);
	assert_int_equal(l->nalts, 0);
	assert_null(l->alts);
	assert_int_equal(s->npackets, 3);
	assert_string_equal(line_text(l), "+0.000 > nothing for 0.500");
	script_free(s);
	bad(SYN "+0 < nothing for 1\n", "t.pkt:2:6: 'nothing' only on an expected ('>') line");
	bad(SYN "+0 >? nothing for 1\n", "t.pkt:2:4: '>?' and 'nothing' do not go together");
	bad(SYN "+0 > nothing 1\n", "t.pkt:2:14: expected 'for SECONDS' after 'nothing'");
	bad(SYN "+0 > nothing for 0\n", "t.pkt:2:18: 'nothing for' needs a time above 0");
	bad(SYN "+0 > nothing for x\n", "t.pkt:2:18: expected a time in seconds (like 0.1)");
	bad(SYN "* > nothing for 1\n", "t.pkt:2:1: '*' (any time) only on an expected ('>') segment");
}

static void test_header(void **state)
{
	(void)state;
	struct script *s = ok("\n// id: synack-ack\n//ref:   RFC 9293 3.10.7.2  \n"
			      "// title: an ACK of the SYN-ACK completes the handshake\n"
			      "// Note: an ordinary comment with a colon\n"
			      "// target: closed\n// needs: data\n"
			      "0 < S 0:0(0)\n"
			      "// id: ignored-after-the-header\n");
	assert_string_equal(s->meta.id, "synack-ack");
	assert_string_equal(s->meta.ref, "RFC 9293 3.10.7.2");
	assert_string_equal(s->meta.title, "an ACK of the SYN-ACK completes the handshake");
	assert_int_equal(s->meta.target, SCRIPT_TARGET_CLOSED);
	assert_int_equal(s->meta.needs, SCRIPT_NEED_DATA);
	script_free(s);
	s = ok("0 < S 0:0(0)\n");
	assert_null(s->meta.id);
	assert_null(s->meta.ref);
	assert_null(s->meta.title);
	assert_int_equal(s->meta.target, SCRIPT_TARGET_OPEN);
	assert_int_equal(s->meta.needs, 0);
	script_free(s);
	s = ok("// needs: timestamps, sack\n0 < S 0:0(0)\n");
	assert_int_equal(s->meta.needs, SCRIPT_NEED_TS | SCRIPT_NEED_SACK);
	script_free(s);
	s = ok("// needs: open\n0 < S 0:0(0)\n");
	assert_int_equal(s->meta.needs, SCRIPT_NEED_OPEN);
	script_free(s);
	bad("// target: half\n0 < S 0:0(0)\n", "t.pkt:1:12: target must be 'open' or 'closed'");
	bad("// needs: data, ecn\n0 < S 0:0(0)\n",
	    "t.pkt:1:17: unknown need 'ecn' (known: data, timestamps, sack, open)");
	bad("// id: a\n// id: b\n0 < S 0:0(0)\n", "t.pkt:2:4: 'id:' header written twice");
	bad("// id: a b\n0 < S 0:0(0)\n", "t.pkt:1:9: check id may hold only letters, digits, '.', '_' and '-'");
	bad("// title:\n0 < S 0:0(0)\n", "t.pkt:1:10: empty 'title:' header");
}

/* ---- bad input -------------------------------------------------------------- */

static void test_empty(void **state)
{
	(void)state;
	bad("", "t.pkt:1:1: empty script: no packet lines");
	bad("  \n\n// only comments\n/* */\n", "t.pkt:1:1: empty script: no packet lines");
	bad("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n",
	    "t.pkt:1:1: no packet lines: nothing to send or expect");
}

static void test_binary(void **state)
{
	(void)state;
	bad_n("0 < S 0:0(0)\n+0\0 > S.", 20, "t.pkt:2:3: NUL byte: not a text file");
	bad("0 < S 0:0(0)\n\x7f" "ELF", "t.pkt:2:1: control character 0x7f: not a text file");
	bad("0 < S 0:0(0)\x1b[0m\n", "t.pkt:1:13: control character 0x1b: not a text file");
	bad("// caf\xc3\n0 < S 0:0(0)\n", "t.pkt:1:7: invalid UTF-8 byte 0xc3: not a text file");
	bad("0 < S 0:0(0) \xff\xfe\n", "t.pkt:1:14: invalid UTF-8 byte 0xff: not a text file");
	bad("0 < S 0:0(0) \xed\xa0\x80\n", "t.pkt:1:14: invalid UTF-8 byte 0xed: not a text file");
	/* valid UTF-8 is fine in comments, not as a token */
	struct script *s = ok("// caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80\n0 < S 0:0(0)\r\n+0 > S. 0:0(0) ack 1\r\n");
	assert_int_equal(s->nlines, 2);
	script_free(s);
	bad("0 < S 0:0(0) \xc3\xa9\n", "t.pkt:1:14: unexpected byte 0xc3");
}

static void test_too_large(void **state)
{
	(void)state;
	char err[256];
	struct script *s = (struct script *)1;
	/* a caller that only fstat()ed a 10 MB file: buf is never read */
	assert_int_equal(script_parse("big.pkt", NULL, 10u * 1000 * 1000, &s, err, sizeof(err)), -1);
	assert_null(s);
	assert_string_equal(err, "big.pkt:1:1: script larger than 1048576 bytes");
	/* exactly the limit is allowed: a comment padded out to it */
	size_t n = SCRIPT_MAX_BYTES;
	char *buf = malloc(n);
	const char *head = "0 < S 0:0(0)\n//";
	memset(buf, 'x', n);
	memcpy(buf, head, strlen(head));
	assert_int_equal(script_parse("max.pkt", buf, n, &s, err, sizeof(err)), 0);
	script_free(s);
	assert_int_equal(script_parse("max.pkt", buf, n + 1, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "max.pkt:1:1: script larger than 1048576 bytes");
	free(buf);
}

static void test_small_err_buffer(void **state)
{
	(void)state;
	char err[8];
	struct script *s;
	assert_int_equal(script_parse("t.pkt", "", 0, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "t.pkt:1");
	assert_int_equal(script_parse("t.pkt", "", 0, &s, NULL, 0), -1);
	assert_int_equal(script_parse(NULL, "", 0, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "-:1:1: ");
}

/* ---- formatting ------------------------------------------------------------ */

static void test_format_round_trip(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"< S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>",
		"> S. 0:0(0) ack 1 win * <mss *,nop,nop,sackOK,nop,wscale 8>",
		"> F. 1001:1001(0) ack 1 urg 3",
		"> R 1:1(0) | . 1:1(0) ack 1 | [ect0] R. 1:1(0) ack 1 <...>",
		">? P. 1:101(100) ack 1 <nop,nop,sack 1:11 21:31,eol>",
		"< S 0:0(0) <FO 0011223344556677,FOEXP aabb,kind 30 0081,md5 00112233445566778899aabbccddeeff>",
		"< FSRPUEWA 0:0(0)",
		"< S.7 0:0(0)",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char src[512], again[512];
		snprintf(src, sizeof(src), "0 %s\n", lines[i]);
		struct script *s = ok(src);
		snprintf(again, sizeof(again), "0.000 %s", lines[i]);
		assert_string_equal(line_text(&s->lines[0]), again);
		script_free(s);
	}
}

static void test_format_truncates(void **state)
{
	(void)state;
	struct script *s = ok("0 < S 0:0(0) win 65535 <mss 1460,sackOK>\n");
	char b[10];
	size_t full = script_seg_format(&s->lines[0].alts[0], b, sizeof(b));
	assert_int_equal(full, strlen("S 0:0(0) win 65535 <mss 1460,sackOK>"));
	assert_string_equal(b, "S 0:0(0) ");
	assert_int_equal(script_seg_format(&s->lines[0].alts[0], NULL, 0), full);
	char o[32];
	assert_int_equal(script_opt_format(&s->lines[0].alts[0].opts[0], o, sizeof(o)), 8);
	assert_string_equal(o, "mss 1460");
	script_free(s);
	assert_int_equal(script_secs_format(1500000, b, sizeof(b)), 6);
	assert_string_equal(b, "0.0015");
	script_secs_format(2000250000, b, sizeof(b));
	assert_string_equal(b, "2.00025");
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(script_line_kind_name(SCRIPT_SEND), "send");
	assert_string_equal(script_line_kind_name(SCRIPT_EXPECT), "expect");
	assert_string_equal(script_line_kind_name(SCRIPT_EXPECT_OPTIONAL), "expect-optional");
	assert_string_equal(script_line_kind_name(SCRIPT_EXPECT_NOTHING), "expect-nothing");
	assert_string_equal(script_line_kind_name(SCRIPT_SKIPPED), "skipped");
	assert_string_equal(script_skip_kind_name(SCRIPT_SKIP_SYSCALL), "syscall");
	assert_string_equal(script_skip_kind_name(SCRIPT_SKIP_PACKET), "packet");
	assert_string_equal(script_time_kind_name(SCRIPT_TIME_ANY), "any");
	assert_string_equal(script_target_name(SCRIPT_TARGET_CLOSED), "closed");
	assert_string_equal(script_opt_kind_name(SCRIPT_OPT_SACKOK), "sackOK");
	assert_string_equal(script_opt_kind_name(SCRIPT_OPT_TS), "TS");
}

/* ---- upstream-style scripts ------------------------------------------------ */

static struct script *from_file(const char *base)
{
	const char *top = getenv("top_srcdir");
	char path[1024], err[512];
	snprintf(path, sizeof(path), "%s/tests/data/scripts/%s", top ? top : ".", base);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	struct script *s = NULL;
	if (script_parse(base, buf, n, &s, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return s;
}

static size_t count(const struct script *s, enum script_line_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nlines; i++)
		n += s->lines[i].kind == k;
	return n;
}

static void test_data_scripts(void **state)
{
	(void)state;
	struct script *s = from_file("handshake-ts.pkt");
	assert_string_equal(s->meta.id, "handshake-ts");
	assert_string_equal(s->meta.ref, "RFC 7323 3.2");
	assert_int_equal(s->npackets, 3);
	assert_int_equal(count(s, SCRIPT_SKIPPED), 6);
	assert_string_equal(line_text(&s->lines[6]),
			    "+0.000 > S. 0:0(0) ack 1 <mss *,sackOK,TS val * ecr 100,nop,wscale *>");
	script_free(s);

	s = from_file("close-data.pkt");
	assert_null(s->meta.id);
	assert_int_equal(count(s, SCRIPT_SEND), 4);
	assert_int_equal(count(s, SCRIPT_EXPECT), 4);
	assert_int_equal(count(s, SCRIPT_EXPECT_OPTIONAL), 1);
	assert_int_equal(count(s, SCRIPT_EXPECT_NOTHING), 1);
	assert_int_equal(s->lines[0].skip, SCRIPT_SKIP_OPTION);
	assert_int_equal(s->lines[s->nlines - 1].skip, SCRIPT_SKIP_SHELL);
	script_free(s);

	s = from_file("rst-or-challenge.pkt");
	assert_string_equal(s->meta.title, "an in-window RST that is not exact gets a challenge ACK");
	assert_int_equal(s->meta.needs, SCRIPT_NEED_DATA);
	const struct script_line *l = &s->lines[8];
	assert_int_equal(l->time.kind, SCRIPT_TIME_ANY);
	assert_int_equal(l->nalts, 2);
	script_free(s);

	s = from_file("fastopen-server.pkt");
	assert_int_equal(s->npackets, 2);
	script_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_payload_and_urg),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_ecn_field),
		cmocka_unit_test(test_options_all),
		cmocka_unit_test(test_any_values),
		cmocka_unit_test(test_value_ranges),
		cmocka_unit_test(test_seq_errors),
		cmocka_unit_test(test_flag_errors),
		cmocka_unit_test(test_option_errors),
		cmocka_unit_test(test_ack_win_order),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_time_errors),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_syscalls_skipped),
		cmocka_unit_test(test_skipped_text_cut),
		cmocka_unit_test(test_syscall_errors),
		cmocka_unit_test(test_other_skipped),
		cmocka_unit_test(test_optional),
		cmocka_unit_test(test_alternatives),
		cmocka_unit_test(test_silence),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_data_scripts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
