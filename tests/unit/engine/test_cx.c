/*
 * Unit tests for cx, the conformance checks' toolkit, and for the checks
 * whose timing it carries, over the scripted fake wire
 * (tests/unit/fakewire.h). Each test sets cx up as conform's runner does
 * and runs one check or one cx call.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../fakewire.h"
#include "core/connmodel.h"
#include "core/segment.h"
#include "engine/check_premise.h"
#include "engine/check_script.h"
#include "engine/checks.h"
#include "engine/cx.h"

#define RTT (10 * FW_MS)

struct fix {
	struct fakewire *f;
	struct wire w;
	struct cx cx;
	volatile sig_atomic_t stop;
};

static struct fix *fix_new(void)
{
	struct fix *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	x->f = fw_new();
	fw_bind(x->f, &x->w);
	struct cx *cx = &x->cx;
	cx->w = &x->w;
	cx->stop = &x->stop;
	cx->sport_base = 40000;
	cx->nsports = 64;
	cx->ttl = 64;
	cx->tsval_base = 1;
	cx->t0 = FW_T0;
	cx->isn_state = 7;
	assert_int_equal(netaddr_parse(FW_OUR_ADDR, &cx->src), 0);
	assert_int_equal(netaddr_parse(FW_PEER_ADDR, &cx->dst), 0);
	cx->port = 80;
	cx->mss = 1460;
	cx->rtt_ns = RTT; /* as the runner's first handshake measures it */
	return x;
}

static void fix_free(struct fix *x)
{
	free(x->cx.ev);
	free(x->f);
	free(x);
}

static void run_check(struct fix *x, const char *id, struct verdict *v)
{
	const struct check_def *d = checks_find(id);
	assert_non_null(d);
	memset(v, 0, sizeof(*v));
	cx_evidence_reset(&x->cx);
	d->run(&x->cx, NULL, v);
	assert_false(x->cx.failed);
}

/* A script check from its text (the caller frees the script). */
static struct script *script_check(const char *name, const char *text, struct check_def *d)
{
	struct script *s = NULL;
	char err[200];
	assert_int_equal(script_parse(name, text, strlen(text), &s, err, sizeof(err)), 0);
	assert_int_equal(check_script_def(s, d, err, sizeof(err)), 0);
	return s;
}

/* rst-after-close sends its stale ACK 2 RTT + 50 ms after it acknowledged
 * the peer's FIN, not at once (issue 8, defect 2: one wait returned on the
 * capture's copy of that very ACK, 10-40 µs later). */
static void test_rst_after_close_waits(void **state)
{
	(void)state;
	struct fix *x = fix_new();
	struct verdict v;
	run_check(x, "rst-after-close", &v);
	assert_int_equal(v.result, CHECK_PASS);
	/* SYN, ACK, FIN, ACK of its FIN, then the stale ACK. */
	long fin = fw_find(x->f, 0, TCPF_FIN | TCPF_ACK);
	assert_true(fin > 0);
	long last_ack = fw_find(x->f, (size_t)fin + 1, TCPF_ACK);
	long stale = fw_find(x->f, (size_t)last_ack + 1, TCPF_ACK);
	assert_true(last_ack > fin && stale > last_ack);
	uint64_t gap = fw_sent_at(x->f, (size_t)stale) - fw_sent_at(x->f, (size_t)last_ack);
	assert_true(gap >= 2 * RTT + 50 * FW_MS);
	assert_true(gap < 2 * RTT + 60 * FW_MS);
	fix_free(x);
}

/* isn-unpredictable spaces its SYNs 20 ms apart beyond the answer (issue
 * 8, defect 2: they went 0.06-0.5 ms apart). */
static void test_isn_syns_spaced(void **state)
{
	(void)state;
	struct fix *x = fix_new();
	struct verdict v;
	x->f->p.vary_iss = true;
	run_check(x, "isn-unpredictable", &v);
	assert_int_not_equal(v.result, CHECK_ERROR);
	long prev = fw_find(x->f, 0, TCPF_SYN);
	int nsyn = 1;
	for (long i = fw_find(x->f, (size_t)prev + 1, TCPF_SYN); i > 0;
	     i = fw_find(x->f, (size_t)i + 1, TCPF_SYN), nsyn++) {
		uint64_t gap = fw_sent_at(x->f, (size_t)i) - fw_sent_at(x->f, (size_t)prev);
		assert_true(gap >= RTT + 20 * FW_MS);
		prev = i;
	}
	assert_int_equal(nsyn, 12);
	fix_free(x);
}

/* The evidence is in one clock, the capture's: our stray ACK comes before
 * the RST that answers it even when the send call returns after the answer
 * arrived (issue 8, defect 4: "0.047 out A" then "0.038 in R"). */
static void test_evidence_in_one_clock(void **state)
{
	(void)state;
	struct fix *x = fix_new();
	struct verdict v;
	x->f->send_cost = 50 * FW_US;
	x->f->rtt = 10 * FW_US;
	x->cx.rtt_ns = 10 * FW_US;
	/* listen-ack-rst, a script check now: the same path as conform's. */
	static const char text[] = "// id: listen-ack-rst\n// ref: RFC 9293 3.10.7.2\n// title: t\n"
				   "0 < . 1:1(0) ack 2864434397 win 501\n+0 > R 2864434397:2864434397(0)\n";
	struct check_def d;
	struct script *s = script_check("listen-ack-rst.tcps", text, &d);
	memset(&v, 0, sizeof(v));
	cx_evidence_reset(&x->cx);
	check_script_run(&x->cx, &d, NULL, &v);
	assert_false(x->cx.failed);
	assert_int_equal(v.result, CHECK_PASS);
	assert_int_equal(x->cx.nev, 2);
	assert_int_equal(x->cx.ev[0].dir, CONN_OUT);
	assert_int_equal(x->cx.ev[1].dir, CONN_IN);
	assert_int_equal(x->cx.ev[1].flags, TCPF_RST);
	assert_true(x->cx.ev[0].t_ns < x->cx.ev[1].t_ns);
	script_free(s);
	fix_free(x);
}

/* On a 576-byte MTU our data goes in segments the link carries (issue 8,
 * defect 3: one segment of it all, EMSGSIZE, the suite aborted). */
static void test_data_within_link_mtu(void **state)
{
	(void)state;
	struct fix *x = fix_new();
	struct cx_conn c;
	static char data[3001];
	memset(data, 'z', 3000);
	x->f->mtu = 576;
	x->cx.mtu = 576;
	x->cx.mss = 536;
	cx_evidence_reset(&x->cx);
	assert_int_equal(cx_connect(&x->cx, 80, NULL, 0, &c), 1);
	assert_int_equal(c.mss, 524); /* min(1460, 576 - 40) - 12 */
	assert_int_equal(cx_data_acked(&x->cx, &c, data, cx_answer_wait(&x->cx)), 1);
	for (size_t i = 0; i < x->f->nsent; i++)
		assert_true(x->f->sent[i].seg.payload_len <= 524);
	assert_int_equal(x->f->p.nrcvd, 3000);
	/* The causality ordering of it, from the timeline. */
	struct connmodel m;
	assert_int_equal(cx_model(&x->cx, &c, CONN_CLOSE_ACTIVE, &m), 0);
	assert_int_equal(m.local, TCPS_ESTABLISHED);
	assert_int_equal(m.bytes_out, 3000);
	assert_int_equal(m.snd_una, c.iss + 1 + 3000);
	connmodel_free(&m);
	fix_free(x);
}

/* A path narrower than we were told: the check errs with the reason, the
 * peer is reset, and the run is not failed (the suite goes on). */
static void test_emsgsize_errs_the_check_only(void **state)
{
	(void)state;
	struct fix *x = fix_new();
	struct cx_conn c;
	static char data[1001];
	memset(data, 'w', 1000);
	x->f->mtu = 576;
	cx_evidence_reset(&x->cx);
	assert_int_equal(cx_connect(&x->cx, 80, NULL, 0, &c), 1);
	assert_int_equal(cx_data_acked(&x->cx, &c, data, cx_answer_wait(&x->cx)), -1);
	assert_false(x->cx.failed);
	assert_non_null(strstr(x->cx.err, strerror(EMSGSIZE)));
	assert_int_equal(x->f->sent[x->f->nsent - 1].seg.flags, TCPF_RST | TCPF_ACK);
	fix_free(x);
}

/* The causality ordering checks can ask for: data the peer sent before
 * it had our FIN (it crossed it) is not data sent after our FIN, even
 * though it arrived after we sent the FIN (the ordering fin-acked needs). */
static void test_model_orders_crossing_data(void **state)
{
	(void)state;
	struct fix *x = fix_new();
	struct cx_conn c;
	struct cx_pkt r[8];
	x->f->p.send_data = "crossing\n"; /* answers our handshake ACK with data and FIN */
	cx_evidence_reset(&x->cx);
	assert_int_equal(cx_connect(&x->cx, 80, NULL, 0, &c), 1);
	assert_int_equal(cx_send_on(&x->cx, &c, TCPF_FIN | TCPF_ACK, c.snd_nxt, c.rcv_nxt, NULL, 0), 0);
	c.snd_nxt++;
	long n = cx_collect(&x->cx, c.sport, c.dport, cx_answer_wait(&x->cx), r, 8);
	assert_true(n >= 2);
	assert_int_equal(r[0].len, 9); /* its data came after our FIN went out */
	assert_true(r[0].t_ns > fw_sent_at(x->f, 2) + FW_T0);
	struct connmodel m;
	assert_int_equal(cx_model(&x->cx, &c, CONN_CLOSE_HALF, &m), 0);
	assert_int_equal(m.bytes_in, 9);
	assert_int_equal(m.bytes_in_after_our_fin, 0);
	connmodel_free(&m);
	cx_abort(&x->cx, &c);
	fix_free(x);
}

/* A script check about an option the peer may rightly not implement
 * (`needs: timestamps`) skips when the SYN-ACK does not take it, and fails
 * when the SYN-ACK does but not as the script says. */
static void test_script_needs_option(void **state)
{
	(void)state;
	static const char text[] = "// id: ts-check\n// ref: RFC 7323 3.2\n// title: t\n"
				   "// needs: timestamps\n"
				   "0 < S 0:0(0) win 64240 <mss 1460,TS val 100 ecr 0>\n"
				   "+0 > S. 0:0(0) ack 1 <mss *,TS val * ecr 100>\n";
	struct check_def d;
	struct script *s = script_check("ts-check.tcps", text, &d);
	struct verdict v;

	struct fix *x = fix_new();
	x->f->p.no_opts = true;
	check_script_run(&x->cx, &d, NULL, &v);
	assert_int_equal(v.result, CHECK_SKIP);
	assert_string_equal(v.detail, "the peer does not take timestamps (RFC 7323 makes them optional): "
				      "nothing to check");
	fix_free(x);

	/* The fake peer's SYN-ACK has timestamps (Linux's options), but its
	 * TSecr is a recorded one, not our TSval: a fail, named by line. */
	x = fix_new();
	check_script_run(&x->cx, &d, NULL, &v);
	assert_int_equal(v.result, CHECK_FAIL);
	assert_true(strncmp(v.detail, "ts-check.tcps:6: TS ecr: expected 100, got ", 43) == 0);
	fix_free(x);
	script_free(s);
}

/* rst-after-close against a server that closes first: the peer's FIN left
 * before it had ours, so it is in TIME_WAIT, not LAST_ACK, and a stale ACK
 * is rightly ignored. The check skips, saying why, and sends no stale ACK
 * (it read "fail: a segment after the close drew nothing" against lwIP's
 * and Linux's close-first servers). */
static void test_rst_after_close_skips_peer_closing_first(void **state)
{
	(void)state;
	struct fix *x = fix_new();
	struct verdict v;
	x->f->p.send_data = "bye\n"; /* data and FIN on our handshake ACK */
	run_check(x, "rst-after-close", &v);
	assert_int_equal(v.result, CHECK_SKIP);
	assert_non_null(strstr(v.detail, "the peer closed first: it is in TIME_WAIT, not LAST_ACK"));
	/* SYN, ACK, our FIN, the ACK of its FIN (its data's), then the
	 * clean-up RST: no stale ACK after the FIN was acknowledged. */
	long fin = fw_find(x->f, 0, TCPF_FIN | TCPF_ACK);
	assert_true(fin > 0);
	assert_int_equal(x->f->sent[x->f->nsent - 1].seg.flags, TCPF_RST | TCPF_ACK);
	fix_free(x);
}

/* The checks that probe an open connection and judge what follows need a
 * server that keeps it open. Against one that closed first (and resets
 * data after its close, as RFC 1122 4.2.2.13 allows) each skips with the
 * reason, never fails ("the connection was closed") nor passes on the
 * peer's own closing segments. Against a peer that keeps it open none of
 * them skips. The first six are scripts (share/checks): the conform
 * runner's script check reads the premise from the script's lines; the
 * measuring ones that send data ask check_kept_open(). */
static const char *const needs_open[] = {
	"urgent-data", "rst-in-window-challenge", "rst-out-of-window-ignored",
	"syn-established-challenge", "bad-ack-data-refused", "out-of-window-acked",
	"delayed-ack-bound", "challenge-ack-throttle",
};

/* The measuring checks that need the peer's data skip over a fake that
 * sends none (test_measuring_checks_without_data); one that sends a line
 * and closes before it had our request denies their premise as well. */
static const char *const needs_request_read[] = {
	"initial-window", "data-retransmission", "zero-window-probe",
};

/* Check id's script from the source tree's share/checks (the caller frees
 * it), or the builtin check's definition in *d. */
static struct script *check_of(const char *id, struct check_def *d)
{
	const struct check_def *b = checks_find(id);
	if (b != NULL) {
		*d = *b;
		return NULL;
	}
	const char *top = getenv("top_srcdir");
	char path[1024];
	snprintf(path, sizeof(path), "%s/share/checks/%s.tcps", top ? top : ".", id);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	static char text[SCRIPT_MAX_BYTES];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return script_check(path, text, d);
}

static void run_any(struct fix *x, const char *id, struct verdict *v)
{
	struct check_def d;
	struct script *s = check_of(id, &d);
	memset(v, 0, sizeof(*v));
	cx_evidence_reset(&x->cx);
	if (s != NULL)
		check_script_run(&x->cx, &d, NULL, v);
	else
		d.run(&x->cx, NULL, v);
	assert_false(x->cx.failed);
	script_free(s);
}

/* Each of ids, against a server that sends a line and closes at once
 * (and resets data after its close): skipped, saying why. */
static void closed_first_skips(const char *const *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct fix *x = fix_new();
		struct verdict v;
		x->f->p.send_data = "bye\n";
		x->f->p.rst_data_after_close = true;
		run_any(x, ids[i], &v);
		print_message("%s: %s %s\n", ids[i], check_result_name(v.result), v.detail);
		assert_int_equal(v.result, CHECK_SKIP);
		assert_string_equal(v.detail, "the server closed the connection first: run against a "
					      "server that keeps it open");
		fix_free(x);
	}
}

static void test_open_checks_skip_when_server_closed_first(void **state)
{
	(void)state;
	closed_first_skips(needs_open, sizeof(needs_open) / sizeof(needs_open[0]));
}

static void test_measuring_checks_skip_when_server_closed_first(void **state)
{
	(void)state;
	closed_first_skips(needs_request_read, sizeof(needs_request_read) / sizeof(needs_request_read[0]));
}

/* The runner's premise probe: on a fresh connection, a server whose
 * application closes on its own sends its FIN unasked (yes); one that
 * keeps it sends nothing within the answer's wait (no); the six script
 * checks and the measuring ones say they need it kept open. */
static void test_server_closes_probe(void **state)
{
	(void)state;
	for (int closer = 0; closer <= 1; closer++) {
		struct fix *x = fix_new();
		struct cx_conn c;
		if (closer)
			x->f->p.send_data = "bye\n";
		assert_int_equal(cx_connect(&x->cx, 80, NULL, 0, &c), 1);
		assert_int_equal(check_server_closes(&x->cx, &c), closer);
		cx_abort(&x->cx, &c);
		fix_free(x);
	}
	for (size_t i = 0; i < sizeof(needs_open) / sizeof(needs_open[0]); i++) {
		struct check_def d;
		struct script *s = check_of(needs_open[i], &d);
		assert_true(d.needs_open);
		script_free(s);
	}
	for (size_t i = 0; i < sizeof(needs_request_read) / sizeof(needs_request_read[0]); i++)
		assert_true(checks_find(needs_request_read[i])->needs_open);
	struct check_def d;
	struct script *f = check_of("fin-acked", &d);
	assert_false(d.needs_open);
	script_free(f);
}

static void test_open_checks_judged_when_server_keeps_it(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(needs_open) / sizeof(needs_open[0]); i++) {
		struct fix *x = fix_new();
		struct verdict v;
		x->f->p.rst_data_after_close = true; /* never used: it does not close */
		run_any(x, needs_open[i], &v);
		print_message("%s: %s %s\n", needs_open[i], check_result_name(v.result), v.detail);
		assert_int_not_equal(v.result, CHECK_SKIP);
		assert_int_not_equal(v.result, CHECK_ERROR);
		fix_free(x);
	}
}

/* A script check that fails on a line expecting the peer's FIN is no
 * premise failure: the FIN is what the script judges (here a bare FIN at
 * once, where the fake sends its data first), and the check fails. */
static void test_script_expecting_fin_fails(void **state)
{
	(void)state;
	static const char text[] = "// id: fin-check\n// ref: RFC 9293 3.6\n// title: t\n"
				   "0 < S 0:0(0) win 64240 <mss 1460>\n"
				   "+0 > S. 0:0(0) ack 1 <...>\n"
				   "+0 < . 1:1(0) ack 1 win 64240\n"
				   "* > F. 1:1(0) ack 1\n";
	struct check_def d;
	struct script *s = script_check("fin-check.tcps", text, &d);
	struct fix *x = fix_new();
	struct verdict v;
	x->f->p.send_data = "bye\n";
	check_script_run(&x->cx, &d, NULL, &v);
	print_message("%s %s\n", check_result_name(v.result), v.detail);
	assert_int_equal(v.result, CHECK_FAIL);
	fix_free(x);
	script_free(s);
}

/* delayed-ack-bound times the ACK from our data's capture time, less the
 * RTT: a peer that holds its ACK 480 ms passes, 520 ms fails (MUST-40). */
static void test_delayed_ack_timed(void **state)
{
	(void)state;
	static const struct {
		uint64_t delay;
		enum check_result want;
		const char *detail;
	} rows[] = {
		{0, CHECK_PASS, "ACK after 10.0 ms (RTT 10.0 ms)"},
		{480 * FW_MS, CHECK_PASS, "ACK after 490.0 ms"},
		{520 * FW_MS, CHECK_FAIL, "ACK held back 520 ms"},
		{1500 * FW_MS, CHECK_FAIL, "not acknowledged within 1.0 s"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fix *x = fix_new();
		struct verdict v;
		x->f->p.ack_delay = rows[i].delay;
		run_check(x, "delayed-ack-bound", &v);
		assert_int_equal(v.result, rows[i].want);
		if (strstr(v.detail, rows[i].detail) == NULL)
			fail_msg("delay %llu: \"%s\"", (unsigned long long)rows[i].delay, v.detail);
		fix_free(x);
	}
}

/* challenge-ack-throttle sends 200 in-window RSTs 5 ms apart (a pause
 * between them, not a wait for any frame), counts the challenge ACKs, and
 * fails a limit that then takes a RST. */
static void test_challenge_burst(void **state)
{
	(void)state;
	static const struct {
		unsigned max;
		bool fails_open;
		enum check_result want;
		const char *detail;
	} rows[] = {
		{0, false, CHECK_PASS, "not throttled: 200 challenge ACKs for 200 in-window RSTs in 1.0 s"},
		{3, false, CHECK_PASS, "throttled: 3 challenge ACKs for 200 in-window RSTs in 1.0 s"},
		{10, true, CHECK_FAIL, "broke the connection (10 challenge ACKs"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fix *x = fix_new();
		struct verdict v;
		x->f->p.challenge_max = rows[i].max;
		x->f->p.challenge_fails_open = rows[i].fails_open;
		run_check(x, "challenge-ack-throttle", &v);
		assert_int_equal(v.result, rows[i].want);
		if (strstr(v.detail, rows[i].detail) == NULL)
			fail_msg("max %u: \"%s\"", rows[i].max, v.detail);
		long first = fw_find(x->f, 0, TCPF_RST), prev = first;
		int n = 1;
		for (long k = fw_find(x->f, (size_t)first + 1, TCPF_RST); k > 0;
		     k = fw_find(x->f, (size_t)k + 1, TCPF_RST), n++) {
			assert_int_equal(fw_sent_at(x->f, (size_t)k) - fw_sent_at(x->f, (size_t)prev), 5 * FW_MS);
			prev = k;
		}
		assert_int_equal(n, 200);
		fix_free(x);
	}
}

/* The checks that need the peer's data, against a peer that sends none
 * (the fake only acknowledges): each skips, saying so, within its bounded
 * watch, and leaves the connection reset. */
static void test_measuring_checks_without_data(void **state)
{
	(void)state;
	static const struct {
		const char *id, *detail;
	} rows[] = {
		{"initial-window", "the peer sent no data"},
		{"data-retransmission", "the peer sent no data to retransmit"},
		{"zero-window-probe", "the peer had nothing to send"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fix *x = fix_new();
		struct verdict v;
		run_check(x, rows[i].id, &v);
		assert_int_equal(v.result, CHECK_SKIP);
		if (strstr(v.detail, rows[i].detail) == NULL)
			fail_msg("%s: \"%s\"", rows[i].id, v.detail);
		assert_int_equal(x->f->sent[x->f->nsent - 1].seg.flags, TCPF_RST | TCPF_ACK);
		assert_true(x->f->now - FW_T0 < 20 * FW_SEC);
		fix_free(x);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rst_after_close_waits),
		cmocka_unit_test(test_isn_syns_spaced),
		cmocka_unit_test(test_evidence_in_one_clock),
		cmocka_unit_test(test_data_within_link_mtu),
		cmocka_unit_test(test_emsgsize_errs_the_check_only),
		cmocka_unit_test(test_model_orders_crossing_data),
		cmocka_unit_test(test_script_needs_option),
		cmocka_unit_test(test_rst_after_close_skips_peer_closing_first),
		cmocka_unit_test(test_open_checks_skip_when_server_closed_first),
		cmocka_unit_test(test_measuring_checks_skip_when_server_closed_first),
		cmocka_unit_test(test_server_closes_probe),
		cmocka_unit_test(test_open_checks_judged_when_server_keeps_it),
		cmocka_unit_test(test_script_expecting_fin_fails),
		cmocka_unit_test(test_delayed_ack_timed),
		cmocka_unit_test(test_challenge_burst),
		cmocka_unit_test(test_measuring_checks_without_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
