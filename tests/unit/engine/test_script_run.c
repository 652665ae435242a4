/*
 * Unit tests for script_run over the fake wire: a passing handshake and
 * close, each kind of failure (wrong ack, wrong flags, late, early,
 * missing, unexpected, silence broken), an optional line matched and one
 * folded, alternatives, skipped system calls with the remote
 * application's own timing, the TS mapping, and an error of our side. The
 * fake's clock moves only when the runner waits, so every time here is
 * exact, whatever the machine's load.
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
#include "engine/endpoint.h"
#include "engine/script_run.h"
#include "../fakewire.h"

#define SPORT 40000
#define DPORT 80
/* Our TSval base: the fake peer's SYN-ACK echoes 0x05060708, read as 100. */
#define TSBASE (0x05060708u - 100u)

struct x {
	struct fakewire *f;
	struct wire w;
	struct endpoint ep;
	volatile sig_atomic_t stop;
	char err[256];
	struct script *s;
	struct script_run_result res;
	int rc;
};

static struct x *setup_x(void)
{
	struct x *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	x->f = fw_new();
	fw_bind(x->f, &x->w);
	ep_init(&x->ep, &x->w, &x->stop, 42, TSBASE, x->err, sizeof(x->err));
	assert_int_equal(netaddr_parse(FW_OUR_ADDR, &x->ep.src), 0);
	assert_int_equal(netaddr_parse(FW_PEER_ADDR, &x->ep.dst), 0);
	x->ep.port_lo = SPORT;
	x->ep.nports = 1;
	x->ep.ttl = 64;
	return x;
}

static void run(struct x *x, const char *text)
{
	char err[256] = "";
	if (script_parse("t.pkt", text, strlen(text), &x->s, err, sizeof(err)) != 0)
		fail_msg("parse: %s", err);
	struct script_run_config cfg = {
		.sport = SPORT, .dport = DPORT, .tolerance_ns = 20 * FW_MS,
		.answer_timeout_ns = 1 * FW_SEC,
	};
	x->rc = script_run(&x->ep, x->s, &cfg, &x->res);
}

static void done(struct x *x)
{
	script_run_result_free(&x->res);
	script_free(x->s);
	ep_free(&x->ep);
	free(x->f);
	free(x);
}

static void want_fail(struct x *x, unsigned line, const char *field, const char *expected,
		      const char *actual)
{
	assert_int_equal(x->rc, 0);
	if (x->res.result != SCRIPT_OUTCOME_FAIL)
		fail_msg("result %s (%s), wanted fail", script_outcome_name(x->res.result), x->res.detail);
	assert_int_equal(x->res.line, line);
	assert_string_equal(x->res.field, field);
	if (expected != NULL)
		assert_string_equal(x->res.expected, expected);
	if (actual != NULL)
		assert_string_equal(x->res.actual, actual);
}

static void want_pass(struct x *x)
{
	assert_int_equal(x->rc, 0);
	if (x->res.result != SCRIPT_OUTCOME_PASS)
		fail_msg("%s at line %u: %s: expected %s, got %s (%s)", script_outcome_name(x->res.result),
			 x->res.line, x->res.field, x->res.expected, x->res.actual, x->res.detail);
}

#define HANDSHAKE                                                                                  \
	"0 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>\n"                 \
	"+0 > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val * ecr 100,nop,wscale 7>\n"                   \
	"+0 < . 1:1(0) ack 1 win 512 <nop,nop,TS val 110 ecr 0>\n"

static void test_pass_handshake_and_close(void **state)
{
	(void)state;
	struct x *x = setup_x();
	run(x, HANDSHAKE
	       "+.05 < F. 1:1(0) ack 1 win 512\n"
	       "+0 > . 1:1(0) ack 2\n"
	       "+0 > F. 1:1(0) ack 2\n"
	       "+0 < . 2:2(0) ack 2 win 512\n");
	want_pass(x);
	assert_true(x->res.have_rtt);
	assert_int_equal(x->res.rtt_ns, 10 * FW_MS);
	assert_true(x->res.have_irs);
	assert_int_equal(x->res.irs, FW_PEER_ISS);
	/* Numbers on the wire: our ISN plus the script's, the peer's ISN
	 * plus its; our TSval base plus 110; the peer's TSval echoed. */
	assert_int_equal(x->f->sent[1].seg.ack, FW_PEER_ISS + 1);
	assert_int_equal(x->f->sent[1].seg.seq, x->res.iss + 1);
	const uint8_t *o = x->f->sent[1].seg.opt;
	assert_int_equal(((uint32_t)o[4] << 24 | (uint32_t)o[5] << 16 | (uint32_t)o[6] << 8 | o[7]),
			 TSBASE + 110);
	assert_int_equal(((uint32_t)o[8] << 24 | (uint32_t)o[9] << 16 | (uint32_t)o[10] << 8 | o[11]),
			 0x01020304u);
	/* The .05 pause is wire time: FIN sent 50 ms after the ACK. */
	assert_int_equal(fw_sent_at(x->f, 2) - fw_sent_at(x->f, 1), 50 * FW_MS);
	/* Closed both ways: no RST at the end. */
	assert_int_equal(x->f->nsent, 4);
	assert_int_equal(fw_find(x->f, 0, TCPF_RST | TCPF_ACK), -1);
	/* The timeline holds every segment, both ways. */
	assert_int_equal(x->ep.tl.n, 7);
	done(x);
}

static void test_wrong_ack(void **state)
{
	(void)state;
	struct x *x = setup_x();
	run(x, "0 < S 0:0(0) win 65535 <mss 1460>\n"
	       "+0 > S. 0:0(0) ack 2 <...>\n");
	want_fail(x, 2, "ack", "2", "1");
	assert_string_equal(x->res.detail, "expected +0.000 > S. 0:0(0) ack 2 <...>, got S. 0:0(0) ack 1 win "
					   "64240 <mss 1460,sackOK,TS val 16909060 ecr 100,nop,wscale 7>");
	/* Left open by the script: reset at the end. */
	assert_true(fw_find(x->f, 0, TCPF_RST | TCPF_ACK) >= 0);
	done(x);
}

static void test_wrong_flags(void **state)
{
	(void)state;
	struct x *x = setup_x();
	x->f->p.refuse = true;
	run(x, "0 < S 0:0(0) win 65535\n"
	       "+0 > S. 0:0(0) ack 1 <...>\n");
	want_fail(x, 2, "flags", "S.", "R.");
	/* A refused connection is not reset again. */
	assert_int_equal(x->f->nsent, 1);
	done(x);
}

static void test_early(void **state)
{
	(void)state;
	struct x *x = setup_x();
	run(x, HANDSHAKE
	       "+.01 < P. 1:11(10) ack 1 win 512\n"
	       "+.1 > . 1:1(0) ack 11\n");
	want_fail(x, 5, "time", "0.110 s (+/- 0.020)", "0.010 s");
	assert_string_equal(x->res.detail, "early: the segment came 0.010 s after line 4's event");
	done(x);
}

static void test_late(void **state)
{
	(void)state;
	struct x *x = setup_x();
	x->f->p.fin_again_after = 300 * FW_MS;
	run(x, HANDSHAKE
	       "+0 < F. 1:1(0) ack 1 win 512\n"
	       "+0 > . 1:1(0) ack 2\n"
	       "+0 > F. 1:1(0) ack 2\n"
	       "+.1 > F. 1:1(0) ack 2\n");
	want_fail(x, 7, "time", "0.100 s (+/- 0.020)", "0.300 s");
	assert_string_equal(x->res.detail, "late: the segment came 0.300 s after line 6's event");
	done(x);
}

static void test_missing(void **state)
{
	(void)state;
	struct x *x = setup_x();
	x->f->p.drop_data = 1;
	run(x, HANDSHAKE
	       "+0 < P. 1:11(10) ack 1 win 512\n"
	       "+0 > . 1:1(0) ack 11\n");
	want_fail(x, 5, "segment", "+0.000 > . 1:1(0) ack 11", "nothing");
	done(x);
}

static void test_unexpected(void **state)
{
	(void)state;
	struct x *x = setup_x();
	run(x, HANDSHAKE
	       "+0 < P. 1:11(10) ack 1 win 512\n"
	       "+.05 < F. 11:11(0) ack 1 win 512\n");
	want_fail(x, 5, "segment", "nothing", ". 1:1(0) ack 11 win 64240 at 0.020 s");
	assert_string_equal(x->res.detail, "unexpected segment before line 5");
	/* Not sent: the run stopped at the unexpected ACK. */
	assert_int_equal(fw_find(x->f, 0, TCPF_FIN | TCPF_ACK), -1);
	done(x);
}

static void test_silence(void **state)
{
	(void)state;
	struct x *x = setup_x();
	run(x, HANDSHAKE
	       "+0 > nothing for 0.2\n"
	       "+0 < P. 1:11(10) ack 1 win 512\n"
	       "+0 > nothing for 0.5\n");
	want_fail(x, 6, "silence", "nothing for 0.500 s", ". 1:1(0) ack 11 win 64240");
	/* The first silence held: it counts from when the peer had our ACK
	 * (one RTT after it left), so the data went 0.21 s after the ACK. */
	assert_int_equal(fw_sent_at(x->f, 2) - fw_sent_at(x->f, 1), 210 * FW_MS);
	done(x);
}

static void test_optional_matched(void **state)
{
	(void)state;
	struct x *x = setup_x();
	run(x, HANDSHAKE
	       "+0 < P. 1:11(10) ack 1 win 512\n"
	       "+0 >? . 1:1(0) ack 11\n"
	       "+.1 < R. 11:11(0) ack 1 win 0\n");
	want_pass(x);
	assert_int_equal(x->res.nnotes, 0);
	done(x);
}

static void test_optional_folded(void **state)
{
	(void)state;
	struct x *x = setup_x();
	x->f->p.send_data = "hello";
	run(x, HANDSHAKE
	       "+0 >? . 1:1(0) ack 1\n"
	       "+0 > P. 1:6(5) ack 1\n"
	       "+0 > F. 6:6(0) ack 1\n"
	       "+0 < . 1:1(0) ack 7 win 512\n");
	want_pass(x);
	assert_int_equal(x->res.nnotes, 1);
	assert_string_equal(x->res.notes[0], "4: optional segment folded into the next (passed over)");
	done(x);
}

static void test_optional_then_wrong(void **state)
{
	(void)state;
	struct x *x = setup_x();
	x->f->p.send_data = "hello";
	run(x, HANDSHAKE
	       "+0 >? . 1:1(0) ack 1\n"
	       "+0 > P. 1:6(5) ack 2\n");
	/* The optional line passes the segment on; the next one judges it. */
	want_fail(x, 5, "ack", "2", "1");
	done(x);
}

static void test_alternatives(void **state)
{
	(void)state;
	struct x *x = setup_x();
	run(x, "0 < S 0:0(0) win 65535\n"
	       "+0 > R. 0:0(0) ack 1 | S. 0:0(0) ack 1 <...>\n");
	want_pass(x);
	done(x);

	x = setup_x();
	run(x, "0 < S 0:0(0) win 65535\n"
	       "+0 > R. 0:0(0) ack 1 | . 0:0(0) ack 1\n");
	want_fail(x, 2, "flags", "R.", "S.");
	assert_non_null(strstr(x->res.detail, "(no alternative matched)"));
	done(x);
}

static void test_skipped_syscalls(void **state)
{
	(void)state;
	struct x *x = setup_x();
	x->f->p.send_data = "hi";
	run(x, "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	       "+0 bind(3, ..., ...) = 0\n"
	       "+0 listen(3, 1) = 0\n"
	       "`true`\n"
	       "+0 < S 0:0(0) win 65535 <mss 1460>\n"
	       "+0 > S. 0:0(0) ack 1 <...>\n"
	       "+0 < . 1:1(0) ack 1 win 512\n"
	       "+0 accept(3, ..., ...) = 4\n"
	       /* The remote application writes and closes on its own
		* schedule: 0.3 s here, 10 ms on the wire. */
	       "+.3 write(4, ..., 2) = 2\n"
	       "+0 close(4) = 0\n"
	       "+0 > P. 1:3(2) ack 1\n"
	       "+0 > F. 3:3(0) ack 1\n");
	want_pass(x);
	assert_int_equal(x->res.nskipped, 7);
	const char *want[] = {"1: socket", "2: bind", "3: listen", "4: shell", "8: accept", "9: write",
			      "10: close"};
	for (size_t i = 0; i < 7; i++)
		assert_string_equal(x->res.skipped[i], want[i]);
	done(x);
}

static void test_ts_ecr_checked(void **state)
{
	(void)state;
	struct x *x = setup_x();
	run(x, "0 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 200 ecr 0,nop,wscale 7>\n"
	       "+0 > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val * ecr 200,nop,wscale 7>\n");
	want_fail(x, 2, "TS ecr", "200", "100");
	done(x);
}

static void test_error_too_long(void **state)
{
	(void)state;
	struct x *x = setup_x();
	x->f->mtu = 576;
	run(x, HANDSHAKE "+0 < P. 1:1001(1000) ack 1 win 512\n");
	assert_int_equal(x->rc, 0);
	assert_int_equal(x->res.result, SCRIPT_OUTCOME_ERROR);
	assert_int_equal(x->res.line, 4);
	assert_non_null(strstr(x->res.detail, "cannot send a segment of 1000 bytes"));
	/* The connection is reset, not left open. */
	assert_true(fw_find(x->f, 0, TCPF_RST | TCPF_ACK) >= 0);
	done(x);
}

static void test_retransmission_tolerated(void **state)
{
	(void)state;
	struct x *x = setup_x();
	x->f->p.fin_again_after = 100 * FW_MS;
	run(x, HANDSHAKE
	       "+0 < F. 1:1(0) ack 1 win 512\n"
	       "+0 > . 1:1(0) ack 2\n"
	       "+0 > F. 1:1(0) ack 2\n"
	       "+.2 < . 2:2(0) ack 2 win 512\n");
	want_pass(x);
	assert_int_equal(x->res.nnotes, 1);
	assert_string_equal(x->res.notes[0],
			    "7: a retransmission of a segment already matched, tolerated");
	done(x);
}

static void test_reset_after_a_script_rst(void **state)
{
	(void)state;
	struct x *x = setup_x();
	/* A RST the script sends may be refused (RFC 5961 3.2): the run
	 * still resets the connection at the end, at the peer's ack. */
	run(x, HANDSHAKE "+0 < R 100:100(0) win 0\n");
	want_pass(x);
	long first = fw_find(x->f, 0, TCPF_RST);
	assert_true(first >= 0);
	assert_int_equal(x->f->sent[first].seg.seq, x->res.iss + 100);
	long last = fw_find(x->f, (size_t)first + 1, TCPF_RST | TCPF_ACK);
	assert_true(last > first);
	assert_int_equal(x->f->sent[last].seg.seq, x->res.iss + 1);
	done(x);
}

static void test_ecn_field_noted(void **state)
{
	(void)state;
	struct x *x = setup_x();
	/* tcpshake crafts no IP ECN field and does not read the peer's: a
	 * script that writes one passes on the TCP fields, with a note. */
	run(x, "0 < [ect0] S 0:0(0) win 65535\n"
	       "+0 > [noecn] S. 0:0(0) ack 1 <...>\n");
	want_pass(x);
	assert_int_equal(x->res.nnotes, 2);
	assert_string_equal(x->res.notes[0], "1: the IP ECN field is not set on what we send");
	assert_string_equal(x->res.notes[1], "2: the IP ECN field is not checked");
	done(x);
}

static void test_optional_late(void **state)
{
	(void)state;
	struct x *x = setup_x();
	/* The peer drops our data: the optional ACK does not come in its
	 * time and is passed over. It comes after our retransmission, while
	 * the script waits to send its FIN: the optional line's own segment,
	 * late, tolerated (not an unexpected segment). */
	x->f->p.drop_data = 1;
	run(x, HANDSHAKE
	       "+0 < P. 1:11(10) ack 1 win 512\n"
	       "+0 >? . 1:1(0) ack 11\n"
	       "+.3 < P. 1:11(10) ack 1 win 512\n"
	       "+.1 < F. 11:11(0) ack 1 win 512\n");
	want_pass(x);
	assert_int_equal(x->res.nnotes, 2);
	assert_string_equal(x->res.notes[0], "5: optional segment not sent in its time (passed over)");
	assert_string_equal(x->res.notes[1], "5: optional segment came late, tolerated");
	done(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_handshake_and_close),
		cmocka_unit_test(test_wrong_ack),
		cmocka_unit_test(test_wrong_flags),
		cmocka_unit_test(test_early),
		cmocka_unit_test(test_late),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_unexpected),
		cmocka_unit_test(test_silence),
		cmocka_unit_test(test_optional_matched),
		cmocka_unit_test(test_optional_folded),
		cmocka_unit_test(test_optional_then_wrong),
		cmocka_unit_test(test_alternatives),
		cmocka_unit_test(test_skipped_syscalls),
		cmocka_unit_test(test_ts_ecr_checked),
		cmocka_unit_test(test_error_too_long),
		cmocka_unit_test(test_retransmission_tolerated),
		cmocka_unit_test(test_reset_after_a_script_rst),
		cmocka_unit_test(test_ecn_field_noted),
		cmocka_unit_test(test_optional_late),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
