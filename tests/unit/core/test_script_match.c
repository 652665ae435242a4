/*
 * Unit tests for script_match: one table of (expected line, observed
 * segment, strict?) rows, each with the exact mismatch it must give (or
 * none), plus the observed formatter and the option builder for `<` lines.
 * The observed segments are built by pktbuild and decoded by segment.c,
 * as the runner sees them.
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
#include "core/script_match.h"
#include "../pktbuild.h"

/* pkt_defaults: seq 1000, ack 2001. With these the default SYN-ACK reads
 * 0:0(0) ack 1; the Linux options' TS ecr 0x05060708 reads 100. */
#define IRS 1000u
#define ISS 2000u
#define TSBASE (0x05060708u - 100u)

static const uint8_t opts_mss_only[] = {0x02, 0x04, 0x05, 0xb4};
static const uint8_t opts_mss_ws[] = {0x02, 0x04, 0x02, 0x18, 0x01, 0x03, 0x03, 0x07};
static const uint8_t opts_ts_only[] = {0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 9, 0x05, 0x06, 0x07, 0x08};
static const uint8_t opts_sack[] = {0x01, 0x01, 0x05, 0x0a, 0, 0, 0x07, 0xd1 + 10, 0, 0, 0x07, 0xd1 + 20};
static const uint8_t opts_fo[] = {0x22, 0x06, 0xaa, 0xbb, 0xcc, 0xdd};
static const uint8_t opts_mptcp[] = {0x1e, 0x04, 0x00, 0x81};

struct row {
	const char *name;
	const char *line; /* one expected line, as a script writes it */
	uint8_t flags;
	uint32_t seq, ack; /* absolute */
	uint16_t win, urp, len;
	const uint8_t *opts;
	size_t optlen;
	bool strict;
	const char *field; /* NULL: must match */
	const char *expected, *actual;
};

#define LINUX_OPTS pkt_linux_synack_opts, sizeof(pkt_linux_synack_opts)
#define SA (TCPF_SYN | TCPF_ACK)

static const struct row rows[] = {
	{"synack any options", "0 > S. 0:0(0) ack 1 <...>", SA, IRS, ISS + 1, 64240, 0, 0, LINUX_OPTS,
	 false, NULL, NULL, NULL},
	{"synack options as a set", "0 > S. 0:0(0) ack 1 <nop,wscale 7,mss 1460,sackOK,TS val 1 ecr 100>",
	 SA, IRS, ISS + 1, 64240, 0, 0, LINUX_OPTS, false, NULL, NULL, NULL},
	{"values the peer chooses, starred", "0 > S. 0:0(0) ack 1 win * <mss *,sackOK,TS val * ecr *,wscale *>",
	 SA, IRS, ISS + 1, 1234, 0, 0, LINUX_OPTS, false, NULL, NULL, NULL},
	{"wrong ack", "0 > S. 0:0(0) ack 2 <...>", SA, IRS, ISS + 1, 64240, 0, 0, LINUX_OPTS, false, "ack",
	 "2", "1"},
	{"ack *", "0 > . 1:1(0) ack *", TCPF_ACK, IRS + 1, ISS + 77, 64240, 0, 0, NULL, 0, false, NULL, NULL,
	 NULL},
	{"wrong flags", "0 > S. 0:0(0) ack 1 <...>", TCPF_RST | TCPF_ACK, IRS, ISS + 1, 0, 0, 0, NULL, 0,
	 false, "flags", "S.", "R."},
	{"flags: no ACK", "0 > . 1:1(0) ack 1", TCPF_FIN, IRS + 1, 0, 64240, 0, 0, NULL, 0, false, "flags",
	 ".", "F"},
	{"wrong seq", "0 > . 1:1(0) ack 1", TCPF_ACK, IRS + 5, ISS + 1, 64240, 0, 0, NULL, 0, false, "seq",
	 "1:1(0)", "5:5(0)"},
	{"wrong length", "0 > P. 1:11(10) ack 1", TCPF_ACK | TCPF_PSH, IRS + 1, ISS + 1, 64240, 0, 4, NULL,
	 0, false, "seq", "1:11(10)", "1:5(4)"},
	{"win written", "0 > . 1:1(0) ack 1 win 500", TCPF_ACK, IRS + 1, ISS + 1, 501, 0, 0, NULL, 0, false,
	 "win", "500", "501"},
	{"win not written", "0 > . 1:1(0) ack 1", TCPF_ACK, IRS + 1, ISS + 1, 501, 0, 0, NULL, 0, false,
	 NULL, NULL, NULL},
	{"urg", "0 > U. 1:1(0) ack 1 urg 3", TCPF_ACK | TCPF_URG, IRS + 1, ISS + 1, 501, 2, 0, NULL, 0,
	 false, "urg", "3", "2"},
	{"mss value written", "0 > S. 0:0(0) ack 1 <mss 536>", SA, IRS, ISS + 1, 64240, 0, 0, opts_mss_only,
	 sizeof(opts_mss_only), false, "mss", "536", "1460"},
	{"an option missing", "0 > S. 0:0(0) ack 1 <mss 1460,sackOK>", SA, IRS, ISS + 1, 64240, 0, 0,
	 opts_mss_only, sizeof(opts_mss_only), false, "options", "<mss 1460,sackOK>", "<mss 1460>"},
	{"an option too many", "0 > S. 0:0(0) ack 1 <mss 536>", SA, IRS, ISS + 1, 64240, 0, 0, opts_mss_ws,
	 sizeof(opts_mss_ws), false, "options", "<mss 536>", "<mss 536,nop,wscale 7>"},
	{"no list means none", "0 > S. 0:0(0) ack 1", SA, IRS, ISS + 1, 64240, 0, 0, opts_mss_only,
	 sizeof(opts_mss_only), false, "options", "<>", "<mss 1460>"},
	{"nops do not count in a set", "0 > S. 0:0(0) ack 1 <wscale 7,mss 536>", SA, IRS, ISS + 1, 64240, 0,
	 0, opts_mss_ws, sizeof(opts_mss_ws), false, NULL, NULL, NULL},
	{"strict: order", "0 > S. 0:0(0) ack 1 <wscale 7,nop,mss 536>", SA, IRS, ISS + 1, 64240, 0, 0,
	 opts_mss_ws, sizeof(opts_mss_ws), true, "options", "<wscale 7,nop,mss 536>",
	 "<mss 536,nop,wscale 7>"},
	{"strict: same order passes", "0 > S. 0:0(0) ack 1 <mss 536,nop,wscale 7>", SA, IRS, ISS + 1, 64240,
	 0, 0, opts_mss_ws, sizeof(opts_mss_ws), true, NULL, NULL, NULL},
	{"TS val never compared", "0 > . 1:1(0) ack 1 <nop,nop,TS val 5 ecr 100>", TCPF_ACK, IRS + 1,
	 ISS + 1, 64240, 0, 0, opts_ts_only, sizeof(opts_ts_only), false, NULL, NULL, NULL},
	{"strict: TS val compared", "0 > . 1:1(0) ack 1 <nop,nop,TS val 5 ecr 100>", TCPF_ACK, IRS + 1,
	 ISS + 1, 64240, 0, 0, opts_ts_only, sizeof(opts_ts_only), true, "TS val", "5", "9"},
	{"TS ecr against what we sent", "0 > . 1:1(0) ack 1 <nop,nop,TS val 5 ecr 110>", TCPF_ACK, IRS + 1,
	 ISS + 1, 64240, 0, 0, opts_ts_only, sizeof(opts_ts_only), false, "TS ecr", "110", "100"},
	{"sack blocks relative to our ISN", "0 > . 1:1(0) ack 1 <nop,nop,sack 11:21>", TCPF_ACK, IRS + 1,
	 ISS + 1, 64240, 0, 0, opts_sack, sizeof(opts_sack), false, NULL, NULL, NULL},
	{"sack blocks differ", "0 > . 1:1(0) ack 1 <nop,nop,sack 11:31>", TCPF_ACK, IRS + 1, ISS + 1, 64240,
	 0, 0, opts_sack, sizeof(opts_sack), false, "sack", "sack 11:31", "sack 11:21"},
	{"FO *", "0 > S. 0:0(0) ack 1 <FO *>", SA, IRS, ISS + 1, 64240, 0, 0, opts_fo, sizeof(opts_fo), false,
	 NULL, NULL, NULL},
	{"FO: a cookie where none was asked", "0 > S. 0:0(0) ack 1 <FO>", SA, IRS, ISS + 1, 64240, 0, 0,
	 opts_fo, sizeof(opts_fo), false, "FO", "FO", "FO aabbccdd"},
	{"kind N data", "0 > S. 0:0(0) ack 1 <kind 30 0081>", SA, IRS, ISS + 1, 64240, 0, 0, opts_mptcp,
	 sizeof(opts_mptcp), false, NULL, NULL, NULL},
	{"kind N wrong data", "0 > S. 0:0(0) ack 1 <kind 30 0082>", SA, IRS, ISS + 1, 64240, 0, 0, opts_mptcp,
	 sizeof(opts_mptcp), false, "kind", "kind 30 0082", "kind 30 0081"},
	{"ACE digit", "0 > S.6 0:0(0) ack 1 <...>", SA | TCPF_CWR, IRS, ISS + 1, 64240, 0, 0, NULL, 0, false,
	 "flags", "S.6", "S.W"},
	{"ECE on the SYN-ACK", "0 > S.E 0:0(0) ack 1 <...>", SA | TCPF_ECE, IRS, ISS + 1, 64240, 0, 0, NULL,
	 0, false, NULL, NULL, NULL},
};

static struct script *parse(const char *text)
{
	char err[256] = "";
	struct script *s = NULL;
	if (script_parse("t.pkt", text, strlen(text), &s, err, sizeof(err)) != 0)
		fail_msg("parse: %s", err);
	return s;
}

/* Build and decode the observed segment of a row into seg (buf holds it). */
static void observe(const struct row *r, uint8_t *buf, struct segment *seg)
{
	struct pkt_spec p;
	static const uint8_t payload[64] = {0};
	pkt_defaults(&p);
	p.flags = r->flags;
	p.seq = r->seq;
	p.ack = r->ack;
	p.win = r->win;
	p.urp = r->urp;
	p.tcp_opts = r->opts;
	p.tcp_opts_len = r->optlen;
	p.payload = r->len ? payload : NULL;
	p.payload_len = r->len;
	size_t n = pkt_build(&p, buf, PKT_MAX);
	assert_true(n > 0);
	enum segment_reason why;
	assert_int_equal(segment_decode(buf, n, SEGMENT_LINK_RAW, seg, &why), SEGMENT_OK);
}

static void test_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct script *s = parse(r->line);
		uint8_t buf[PKT_MAX];
		struct segment seg;
		struct script_mismatch m;
		struct script_map map = {.iss = ISS, .have_irs = true, .irs = IRS, .tsval_base = TSBASE,
					 .strict_options = r->strict};
		observe(r, buf, &seg);
		memset(&m, 0, sizeof(m));
		bool ok = script_match(&s->lines[0].alts[0], &seg, &map, &m);
		if (r->field == NULL && !ok)
			fail_msg("%s: unexpected mismatch %s: expected %s, got %s", r->name, m.field,
				 m.expected, m.actual);
		if (r->field != NULL) {
			if (ok)
				fail_msg("%s: matched, wanted a %s mismatch", r->name, r->field);
			if (strcmp(m.field, r->field) != 0 || strcmp(m.expected, r->expected) != 0 ||
			    strcmp(m.actual, r->actual) != 0)
				fail_msg("%s: got %s: expected %s, got %s", r->name, m.field, m.expected,
					 m.actual);
		}
		script_free(s);
	}
}

static void test_format_observed(void **state)
{
	(void)state;
	struct row r = {"", "", SA, IRS, ISS + 1, 64240, 0, 0, LINUX_OPTS, false, NULL, NULL, NULL};
	uint8_t buf[PKT_MAX];
	struct segment seg;
	char out[256];
	struct script_map map = {.iss = ISS, .have_irs = true, .irs = IRS, .tsval_base = TSBASE};
	observe(&r, buf, &seg);
	script_format_observed(&seg, &map, out, sizeof(out));
	assert_string_equal(out, "S. 0:0(0) ack 1 win 64240 <mss 1460,sackOK,TS val 16909060 ecr 100,nop,"
				 "wscale 7>");
	/* Before the peer's ISN is known, its seq reads as it is. */
	map.have_irs = false;
	r.flags = TCPF_RST;
	r.opts = NULL;
	r.optlen = 0;
	r.win = 0;
	observe(&r, buf, &seg);
	script_format_observed(&seg, &map, out, sizeof(out));
	assert_string_equal(out, "R 1000:1000(0) win 0");
}

static void test_build_options(void **state)
{
	(void)state;
	struct script *s = parse("0 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>\n"
				 "+0 < . 1:1(0) ack 1 win 514 <nop,nop,sack 1:11>\n"
				 "+0 > S. 0:0(0) ack 1 <mss *>\n");
	struct script_map map = {.iss = ISS, .have_irs = true, .irs = IRS, .tsval_base = 1000};
	uint8_t o[40];
	char err[128] = "";
	static const uint8_t want_syn[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0x04, 0x4c, 0, 0, 0, 0, 1,
					   3, 3, 7};
	assert_int_equal(script_build_options(&s->lines[0].alts[0], &map, false, 0, o, err, sizeof(err)),
			 20);
	assert_memory_equal(o, want_syn, sizeof(want_syn));
	/* The peer's TSval seen: it is echoed, whatever the script wrote. */
	assert_int_equal(script_build_options(&s->lines[0].alts[0], &map, true, 0x01020304, o, err,
					      sizeof(err)),
			 20);
	assert_int_equal(o[12], 1);
	assert_int_equal(o[15], 4);
	/* SACK blocks count from the peer's ISN. */
	assert_int_equal(script_build_options(&s->lines[1].alts[0], &map, false, 0, o, err, sizeof(err)),
			 12);
	assert_int_equal(o[7], (IRS + 1) & 0xff);
	assert_int_equal(o[11], (IRS + 11) & 0xff);
	/* `*` cannot be sent. */
	assert_int_equal(script_build_options(&s->lines[2].alts[0], &map, false, 0, o, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "option mss: `*` in a segment we send");
	script_free(s);
}

static void test_wire_flags(void **state)
{
	(void)state;
	struct script *s = parse("0 < S.7 0:0(0) win 1\n+0 < SEWA 0:0(0) win 1\n");
	uint8_t f, res;
	script_seg_wire_flags(&s->lines[0].alts[0], &f, &res);
	assert_int_equal(f, TCPF_SYN | TCPF_ACK | TCPF_ECE | TCPF_CWR);
	assert_int_equal(res, 1);
	script_seg_wire_flags(&s->lines[1].alts[0], &f, &res);
	assert_int_equal(f, TCPF_SYN | TCPF_ECE | TCPF_CWR);
	assert_int_equal(res, 1);
	script_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_format_observed),
		cmocka_unit_test(test_build_options),
		cmocka_unit_test(test_wire_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
