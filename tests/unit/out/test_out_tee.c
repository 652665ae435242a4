/*
 * test_out_tee: a tee writes, into each of its two outputs, exactly what
 * that output alone would have written for the same calls (the exporter
 * relies on this: its /probe body is --format prom's, its debug page the
 * text format's), returns the first one's end status, and tallies the
 * connections and ports it forwarded.
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

#include "out/output.h"
#include "outmem.h"

/* A run of two target ports of one host: an open port with its probe, a
 * closed one, then the totals; connect mode adds a connection each. */
static void scenario(struct output *o, bool connect)
{
	struct netaddr a = A("192.0.2.10");
	output_plan(o, 2);
	output_begin_target(o, "example.com", &a, 2);
	output_begin(o, "example.com", &a, 80);
	struct probe_event p;
	memset(&p, 0, sizeof(p));
	p.host = "example.com";
	p.addr = a;
	p.port = 80;
	p.seq = 1;
	p.reply = REPLY_SA;
	p.state = PORT_OPEN;
	p.flags = TCPF_SYN | TCPF_ACK;
	p.answered = true;
	p.rtt_ms = 0.25;
	p.ttl = 64;
	if (!connect)
		output_probe(o, &p);
	struct session_event e;
	memset(&e, 0, sizeof(e));
	e.host = "example.com";
	e.addr = a;
	e.port = 80;
	e.number = 1;
	e.handshake = HS_OK;
	e.close = "active";
	e.teardown = TEARDOWN_CONFORMANT;
	if (connect)
		output_session(o, &e);
	struct summary_event s = summary("example.com", "192.0.2.10", 80, 1, 1, PORT_OPEN);
	output_summary(o, &s);
	output_begin(o, "example.com", &a, 81);
	e.port = 81;
	e.handshake = HS_REFUSED;
	e.teardown = TEARDOWN_NONE;
	if (connect)
		output_session(o, &e);
	s = summary("example.com", "192.0.2.10", 81, 1, 1, PORT_CLOSED);
	output_summary(o, &s);
	struct run_event r = { .ports = 2, .open = 1, .closed = 1, .sent = 2, .received = 2 };
	output_run(o, &r);
}

/* What fmt alone writes for the scenario. */
static char *alone(enum out_format fmt, const char *mode, int *status)
{
	struct mem m;
	struct output_config c = cfg_of(fmt);
	c.mode_name = mode;
	struct output *o = start(&m, &c);
	scenario(o, strcmp(mode, "connect") == 0);
	*status = finish(&m, o);
	return m.buf;
}

static void same_as_alone(enum out_format fa, enum out_format fb, const char *mode)
{
	struct mem ma, mb;
	struct output_config ca = cfg_of(fa), cb = cfg_of(fb);
	ca.mode_name = cb.mode_name = mode;
	struct output *a = start(&ma, &ca), *b = start(&mb, &cb);
	struct output *tee = output_new_tee(a, b);
	assert_non_null(tee);
	bool connect = strcmp(mode, "connect") == 0;
	scenario(tee, connect);
	assert_false(output_broken(tee));
	int st = output_end(tee);

	struct output_tally t;
	output_tee_tally(tee, &t);
	assert_int_equal(t.ports, 2);
	assert_int_equal(t.ports_open, 1);
	assert_int_equal(t.sessions, connect ? 2 : 0);
	assert_int_equal(t.handshakes_ok, connect ? 1 : 0);
	output_free(tee);

	int sa, sb;
	char *want_a = alone(fa, mode, &sa), *want_b = alone(fb, mode, &sb);
	assert_int_equal(st, sa);
	assert_int_equal(finish(&ma, a), sa);
	assert_int_equal(finish(&mb, b), sb);
	check(&ma, want_a);
	check(&mb, want_b);
	free(want_a);
	free(want_b);
}

static void test_tee_text_and_prom(void **state)
{
	(void)state;
	same_as_alone(OUT_PROM, OUT_TEXT, "syn");
	same_as_alone(OUT_PROM, OUT_TEXT, "connect");
}

static void test_tee_json_and_nagios(void **state)
{
	(void)state;
	/* nagios first: the tee's end status is its (CRITICAL: a closed port). */
	same_as_alone(OUT_NAGIOS, OUT_JSON, "syn");
	same_as_alone(OUT_JSON, OUT_NAGIOS, "connect");
}

/* The text output's multi-port header reaches it through the tee. */
static void test_tee_forwards_headers(void **state)
{
	(void)state;
	struct mem ma, mb;
	struct output_config c = cfg_of(OUT_TEXT);
	struct output *a = start(&ma, &c), *b = start(&mb, &c);
	struct output *tee = output_new_tee(a, b);
	assert_non_null(tee);
	scenario(tee, false);
	output_end(tee);
	output_free(tee);
	finish(&ma, a);
	finish(&mb, b);
	assert_non_null(strstr(ma.buf, "TCPSHAKE example.com (192.0.2.10): 2 ports"));
	assert_string_equal(ma.buf, mb.buf);
	free(ma.buf);
	free(mb.buf);
}

/* An output that is not a tee tallies nothing. */
static void test_tally_of_plain_output(void **state)
{
	(void)state;
	struct mem m;
	struct output_config c = cfg_of(OUT_JSON);
	struct output *o = start(&m, &c);
	scenario(o, false);
	struct output_tally t = { 9, 9, 9, 9 };
	output_tee_tally(o, &t);
	assert_int_equal(t.ports + t.ports_open + t.sessions + t.handshakes_ok, 0);
	finish(&m, o);
	free(m.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tee_text_and_prom),
		cmocka_unit_test(test_tee_json_and_nagios),
		cmocka_unit_test(test_tee_forwards_headers),
		cmocka_unit_test(test_tally_of_plain_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
