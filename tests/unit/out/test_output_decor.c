/*
 * test_output_decor: what -D and --color add to the formats, byte for byte.
 *
 * -D puts "[UNIX.USEC] " before the text line of each probe, connection,
 * check and script, and a "time" key at the end of their JSON records;
 * --color wraps the state and result words of text in ANSI colours. Each
 * case also pins what must not change: headers and summaries stay
 * unstamped, JSON keeps its keys in their order, no format but text is
 * ever coloured, and without the options the output is what
 * test_output.c pins.
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

/* 2024-11-30 07:00:00.123456789 UTC, and a second later. */
#define T1 1732950000123456789ull
#define T2 1732950001000999000ull

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define OFF "\033[0m"

struct mem {
	char *buf;
	size_t len;
	FILE *f;
	struct output *o;
};

static void start(struct mem *m, enum out_format fmt, const char *mode, bool stamps, bool color)
{
	struct output_config c;
	memset(&c, 0, sizeof(c));
	c.format = fmt;
	c.mode_name = mode;
	c.timestamps = stamps;
	c.color = color;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
	m->o = output_new(&c, m->f);
	assert_non_null(m->o);
}

/* output_end, output_free, close: what was written (the caller frees it). */
static char *finish_get(struct mem *m)
{
	output_end(m->o);
	output_free(m->o);
	assert_int_equal(fclose(m->f), 0);
	return m->buf;
}

static void finish(struct mem *m, const char *want)
{
	char *got = finish_get(m);
	assert_string_equal(got, want);
	free(got);
}

static struct netaddr A(const char *s)
{
	struct netaddr a;
	assert_int_equal(netaddr_parse(s, &a), 0);
	return a;
}

static struct probe_event probe_of(uint32_t seq, enum port_state st, uint64_t t)
{
	struct probe_event e;
	memset(&e, 0, sizeof(e));
	e.host = "srv";
	e.addr = A("10.77.0.2");
	e.port = 80;
	e.sport = 40000;
	e.seq = seq;
	e.state = st;
	e.time_ns = t;
	if (st != PORT_FILTERED) {
		e.answered = true;
		e.reply = st == PORT_OPEN ? REPLY_SA : REPLY_RA;
		e.flags = st == PORT_OPEN ? (TCPF_SYN | TCPF_ACK) : (TCPF_RST | TCPF_ACK);
		e.rtt_ms = 0.25;
		e.ttl = 64;
	}
	return e;
}

/* Three probes (open, closed, a timeout) and the port's summary. */
static void probes(struct mem *m)
{
	struct netaddr a = A("10.77.0.2");
	output_begin(m->o, "srv", &a, 80);
	struct probe_event e = probe_of(1, PORT_OPEN, T1);
	output_probe(m->o, &e);
	e = probe_of(2, PORT_CLOSED, T2);
	output_probe(m->o, &e);
	e = probe_of(3, PORT_FILTERED, T2 + 1000);
	output_probe(m->o, &e);
	struct summary_event s;
	memset(&s, 0, sizeof(s));
	s.host = "srv";
	s.addr = a;
	s.port = 80;
	s.sent = 3;
	s.received = 2;
	s.loss_pct = 100.0 / 3;
	s.state = PORT_OPEN;
	output_summary(m->o, &s);
}

static void test_text_stamps(void **state)
{
	(void)state;
	struct mem m;
	start(&m, OUT_TEXT, "syn", true, false);
	probes(&m);
	finish(&m,
	       "TCPSHAKE srv (10.77.0.2) port 80: SYN probes\n"
	       "[1732950000.123456] open 10.77.0.2:80 seq=1 flags=SA ttl=64 win=0 rtt=0.250 ms\n"
	       "[1732950001.000999] closed 10.77.0.2:80 seq=2 flags=RA ttl=64 win=0 rtt=0.250 ms\n"
	       "[1732950001.001000] filtered 10.77.0.2:80 seq=3 no reply\n"
	       "\n"
	       "--- srv port 80 tcpshake statistics ---\n"
	       "3 probes sent, 2 answered, 33.3% loss, port open\n");
}

/* The events carry their time always; without -D nothing shows it. */
static void test_text_without_stamps(void **state)
{
	(void)state;
	struct mem m;
	start(&m, OUT_TEXT, "syn", false, false);
	probes(&m);
	finish(&m,
	       "TCPSHAKE srv (10.77.0.2) port 80: SYN probes\n"
	       "open 10.77.0.2:80 seq=1 flags=SA ttl=64 win=0 rtt=0.250 ms\n"
	       "closed 10.77.0.2:80 seq=2 flags=RA ttl=64 win=0 rtt=0.250 ms\n"
	       "filtered 10.77.0.2:80 seq=3 no reply\n"
	       "\n"
	       "--- srv port 80 tcpshake statistics ---\n"
	       "3 probes sent, 2 answered, 33.3% loss, port open\n");
}

/* An event whose time is unknown (0) gets no stamp, not "[0.000000]". */
static void test_text_unknown_time(void **state)
{
	(void)state;
	struct mem m;
	start(&m, OUT_TEXT, "syn", true, false);
	struct probe_event e = probe_of(1, PORT_FILTERED, 0);
	output_probe(m.o, &e);
	finish(&m, "filtered 10.77.0.2:80 seq=1 no reply\n");
}

static void test_json_time_key(void **state)
{
	(void)state;
	struct mem m;
	start(&m, OUT_JSON, "syn", true, false);
	struct probe_event e = probe_of(1, PORT_OPEN, T1);
	output_probe(m.o, &e);
	e = probe_of(2, PORT_FILTERED, T2);
	output_probe(m.o, &e);
	finish(&m,
	       "{\"type\":\"probe\",\"host\":\"srv\",\"addr\":\"10.77.0.2\",\"port\":80,\"seq\":1,"
	       "\"state\":\"open\",\"reply\":\"SA\",\"rtt_ms\":0.250000,\"ttl\":64,\"win\":0,\"mss\":null,"
	       "\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":\"SA\",\"sport\":40000,"
	       "\"ts_source\":\"kernel\",\"time\":1732950000.123456}\n"
	       "{\"type\":\"probe\",\"host\":\"srv\",\"addr\":\"10.77.0.2\",\"port\":80,\"seq\":2,"
	       "\"state\":\"filtered\",\"reply\":\"none\",\"rtt_ms\":null,\"ttl\":null,\"win\":null,"
	       "\"mss\":null,\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":null,\"sport\":40000,"
	       "\"ts_source\":null,\"time\":1732950001.000999}\n");
}

static void test_json_no_time_without_stamps(void **state)
{
	(void)state;
	struct mem m;
	start(&m, OUT_JSON, "syn", false, true);
	struct probe_event e = probe_of(1, PORT_OPEN, T1);
	output_probe(m.o, &e);
	finish(&m,
	       "{\"type\":\"probe\",\"host\":\"srv\",\"addr\":\"10.77.0.2\",\"port\":80,\"seq\":1,"
	       "\"state\":\"open\",\"reply\":\"SA\",\"rtt_ms\":0.250000,\"ttl\":64,\"win\":0,\"mss\":null,"
	       "\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":\"SA\",\"sport\":40000,"
	       "\"ts_source\":\"kernel\"}\n");
}

static struct session_event session_of(enum teardown td)
{
	struct session_event e;
	memset(&e, 0, sizeof(e));
	e.host = "srv";
	e.addr = A("10.77.0.2");
	e.port = 80;
	e.sport = 40000;
	e.number = 1;
	e.handshake = HS_OK;
	e.rtt_valid = true;
	e.rtt_ms = 0.25;
	e.close = "active";
	e.teardown = td;
	e.time_ns = T1;
	return e;
}

static struct check_event check_of(size_t index, size_t total, enum check_result r)
{
	struct check_event e;
	memset(&e, 0, sizeof(e));
	e.host = "srv";
	e.addr = A("10.77.0.2");
	e.port = 80;
	e.id = "synack-ack";
	e.ref = "RFC 9293 3.10.7.2";
	e.what = "w";
	e.result = r;
	e.detail = "d";
	e.index = index;
	e.total = total;
	e.time_ns = T2;
	return e;
}

static struct script_event script_of(enum script_outcome r)
{
	struct script_event e;
	memset(&e, 0, sizeof(e));
	e.file = "hs.pkt";
	e.host = "srv";
	e.addr = A("10.77.0.2");
	e.port = 80;
	e.sport = 40000;
	e.result = r;
	e.time_ns = T1;
	return e;
}

/* A connection's line, the check rows (the table's header indented over
 * the stamps) and a script's line are stamped too. */
static void test_text_stamps_other_modes(void **state)
{
	(void)state;
	struct mem m;
	start(&m, OUT_TEXT, "connect", true, false);
	struct session_event se = session_of(TEARDOWN_CONFORMANT);
	output_session(m.o, &se);
	finish(&m, "[1732950000.123456] 10.77.0.2:80 connection=1 sport=40000 handshake=ok rtt=0.250 ms "
		   "close=active teardown=conformant segments=0 sent=0 B received=0 B\n");

	start(&m, OUT_TEXT, "conform", true, false);
	struct check_event a = check_of(1, 2, CHECK_PASS), b = check_of(2, 2, CHECK_SKIP);
	output_check(m.o, &a);
	output_check(m.o, &b);
	finish(&m,
	       "                    CHECK                      RESULT REFERENCE                          DETAIL\n"
	       "[1732950001.000999] synack-ack                 pass   RFC 9293 3.10.7.2                  d\n"
	       "[1732950001.000999] synack-ack                 skip   RFC 9293 3.10.7.2                  d\n"
	       "2 checks: 1 passed, 0 failed, 1 skipped, 0 errors\n");

	start(&m, OUT_TEXT, "script", true, false);
	struct script_event sc = script_of(SCRIPT_OUTCOME_PASS);
	output_script(m.o, &sc);
	finish(&m, "[1732950000.123456] hs.pkt: pass\n");
}

/* The JSON records of connections, checks and scripts end with "time". */
static void test_json_time_other_modes(void **state)
{
	(void)state;
	struct mem m;
	start(&m, OUT_JSON, "connect", true, false);
	struct session_event se = session_of(TEARDOWN_CONFORMANT);
	output_session(m.o, &se);
	char *got = finish_get(&m);
	assert_non_null(strstr(got, ",\"cause\":null,\"time\":1732950000.123456}\n"));
	free(got);

	start(&m, OUT_JSON, "conform", true, false);
	struct check_event c = check_of(1, 1, CHECK_PASS);
	output_check(m.o, &c);
	finish(&m,
	       "{\"type\":\"check\",\"id\":\"synack-ack\",\"ref\":\"RFC 9293 3.10.7.2\",\"result\":\"pass\","
	       "\"detail\":\"d\",\"host\":\"srv\",\"addr\":\"10.77.0.2\",\"port\":80,\"what\":\"w\","
	       "\"evidence\":[],\"time\":1732950001.000999}\n");

	start(&m, OUT_JSON, "script", true, false);
	struct script_event sc = script_of(SCRIPT_OUTCOME_PASS);
	output_script(m.o, &sc);
	finish(&m,
	       "{\"type\":\"script\",\"file\":\"hs.pkt\",\"host\":\"srv\",\"addr\":\"10.77.0.2\","
	       "\"port\":80,\"result\":\"pass\",\"line\":null,\"detail\":null,\"field\":null,"
	       "\"expected\":null,\"actual\":null,\"skipped\":[],\"segments\":[],\"notes\":[],"
	       "\"sport\":40000,\"time\":1732950000.123456}\n");
}

static void test_text_color(void **state)
{
	(void)state;
	struct mem m;
	start(&m, OUT_TEXT, "syn", false, true);
	probes(&m);
	finish(&m,
	       "TCPSHAKE srv (10.77.0.2) port 80: SYN probes\n"
	       GREEN "open" OFF " 10.77.0.2:80 seq=1 flags=SA ttl=64 win=0 rtt=0.250 ms\n"
	       RED "closed" OFF " 10.77.0.2:80 seq=2 flags=RA ttl=64 win=0 rtt=0.250 ms\n"
	       YELLOW "filtered" OFF " 10.77.0.2:80 seq=3 no reply\n"
	       "\n"
	       "--- srv port 80 tcpshake statistics ---\n"
	       "3 probes sent, 2 answered, 33.3% loss, port " GREEN "open" OFF "\n");
}

/* Colour and stamps together; the check table keeps its columns (the
 * escape codes are not counted as width). */
static void test_text_color_checks_scripts_sessions(void **state)
{
	(void)state;
	struct mem m;
	start(&m, OUT_TEXT, "conform", true, true);
	struct check_event a = check_of(1, 3, CHECK_PASS), b = check_of(2, 3, CHECK_FAIL),
			   c = check_of(3, 3, CHECK_SKIP);
	output_check(m.o, &a);
	output_check(m.o, &b);
	output_check(m.o, &c);
	finish(&m,
	       "                    CHECK                      RESULT REFERENCE                          DETAIL\n"
	       "[1732950001.000999] synack-ack                 " GREEN "pass" OFF "   RFC 9293 3.10.7.2                  d\n"
	       "[1732950001.000999] synack-ack                 " RED "fail" OFF "   RFC 9293 3.10.7.2                  d\n"
	       "[1732950001.000999] synack-ack                 " YELLOW "skip" OFF "   RFC 9293 3.10.7.2                  d\n"
	       "3 checks: 1 passed, 1 failed, 1 skipped, 0 errors\n");

	start(&m, OUT_TEXT, "script", false, true);
	struct script_event p = script_of(SCRIPT_OUTCOME_PASS), f = script_of(SCRIPT_OUTCOME_ERROR);
	f.line = 4;
	f.detail = "why";
	output_script(m.o, &p);
	output_script(m.o, &f);
	finish(&m, "hs.pkt: " GREEN "pass" OFF "\n"
		   "hs.pkt:4: " RED "error" OFF ": why\n"
		   "2 scripts: 1 passed, 0 failed, 1 errors\n");

	start(&m, OUT_TEXT, "connect", false, true);
	struct session_event s1 = session_of(TEARDOWN_DEVIANT), s2 = session_of(TEARDOWN_INCOMPLETE);
	output_session(m.o, &s1);
	output_session(m.o, &s2);
	finish(&m,
	       "10.77.0.2:80 connection=1 sport=40000 handshake=ok rtt=0.250 ms close=active teardown="
	       RED "deviant" OFF " segments=0 sent=0 B received=0 B\n"
	       "10.77.0.2:80 connection=1 sport=40000 handshake=ok rtt=0.250 ms close=active teardown="
	       YELLOW "incomplete" OFF " segments=0 sent=0 B received=0 B\n");
}

/* Only text is coloured, whatever the config says. */
static void test_no_color_but_text(void **state)
{
	(void)state;
	const enum out_format fmts[] = { OUT_JSON, OUT_NAGIOS, OUT_PROM };
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		struct mem m;
		start(&m, fmts[i], "syn", false, true);
		probes(&m);
		char *got = finish_get(&m);
		assert_non_null(strstr(got, "10.77.0.2"));
		assert_null(strchr(got, '\033'));
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_stamps),
		cmocka_unit_test(test_text_without_stamps),
		cmocka_unit_test(test_text_unknown_time),
		cmocka_unit_test(test_json_time_key),
		cmocka_unit_test(test_json_no_time_without_stamps),
		cmocka_unit_test(test_text_stamps_other_modes),
		cmocka_unit_test(test_json_time_other_modes),
		cmocka_unit_test(test_text_color),
		cmocka_unit_test(test_text_color_checks_scripts_sessions),
		cmocka_unit_test(test_no_color_but_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
