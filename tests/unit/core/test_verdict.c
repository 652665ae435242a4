/*
 * Unit tests for verdict: the pure decisions of conform mode, fed recorded
 * segments (struct cx_pkt filled by hand) as checks.c would pass them. Each
 * function gets a passing input and every failing input it tells apart;
 * each test asserts the result and the numbers its detail line must name.
 *
 * Conventions: our ISN is ISS, our next sequence number (the peer's
 * RCV.NXT) SND_NXT, our FIN's sequence number FIN; pkt("SA", seq, ack)
 * parses flag letters (S SYN, A ACK, F FIN, R RST, P PSH).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/segment.h"
#include "core/verdict.h"

#define ISS 1000u
#define IRS 5000u
#define SND_NXT 3000u
#define FIN 2000u
#define MS 1000000ull /* ns */

/* ---- helpers ---------------------------------------------------------- */

static uint8_t parse_flags(const char *f)
{
	uint8_t v = 0;
	for (; *f; f++) {
		switch (*f) {
		case 'S': v |= TCPF_SYN; break;
		case 'A': v |= TCPF_ACK; break;
		case 'F': v |= TCPF_FIN; break;
		case 'R': v |= TCPF_RST; break;
		case 'P': v |= TCPF_PSH; break;
		default: fail_msg("bad flag letter '%c'", *f);
		}
	}
	return v;
}

/* A segment of the peer (port 80) to our port 40000. */
static struct cx_pkt pkt(const char *flags, uint32_t seq, uint32_t ack)
{
	struct cx_pkt p;
	memset(&p, 0, sizeof(p));
	p.sport = 80;
	p.dport = 40000;
	p.flags = parse_flags(flags);
	p.seq = seq;
	p.ack = ack;
	p.win = 64240;
	return p;
}

/* A SYN-ACK of ours acknowledged right, with an MSS option only. */
static struct cx_pkt synack(void)
{
	struct cx_pkt p = pkt("SA", IRS, ISS + 1);
	p.opt.mss_present = true;
	p.opt.mss = 1460;
	return p;
}

static void expect_verdict(const struct verdict *v, enum check_result r, const char *const *subs,
			   const char *file, int line)
{
	if (v->result != r) {
		print_error("result %s, want %s (detail \"%s\")\n", check_result_name(v->result),
			    check_result_name(r), v->detail);
		_fail(file, line);
	}
	for (; *subs != NULL; subs++) {
		if (strstr(v->detail, *subs) == NULL) {
			print_error("detail \"%s\" lacks \"%s\"\n", v->detail, *subs);
			_fail(file, line);
		}
	}
}

/* The verdict is r and its detail contains every string given. */
#define EXPECT(v, r, ...)                                                                      \
	expect_verdict(&(v), (r), (const char *const[]){__VA_ARGS__, NULL}, __FILE__, __LINE__)
/* The detail does not mention s. */
#define LACKS(v, s) assert_null(strstr((v).detail, (s)))

/* ---- names -------------------------------------------------------------- */

/* The result names are what the outputs print. */
static void test_result_names(void **state)
{
	(void)state;
	assert_string_equal(check_result_name(CHECK_PASS), "pass");
	assert_string_equal(check_result_name(CHECK_FAIL), "fail");
	assert_string_equal(check_result_name(CHECK_SKIP), "skip");
	assert_string_equal(check_result_name(CHECK_ERROR), "error");
	assert_string_equal(check_result_name((enum check_result)42), "?");
}

/* ---- synack-ack --------------------------------------------------------- */

/* ---- synack-mss --------------------------------------------------------- */

/* ---- synack-unasked-options --------------------------------------------- */

/* ---- synack-tsecr ------------------------------------------------------- */

/* ---- closed-syn-rst ----------------------------------------------------- */

/* ---- closed-ack-rst / listen-ack-rst ------------------------------------ */

/* ---- closed-rst-silent -------------------------------------------------- */

/* ---- bad-checksum-ignored ----------------------------------------------- */

#define BADSUM "a SYN with a bad checksum"

/* Without a SYN-ACK to the control SYN nothing can be told: error. */
static void test_ignored_no_control(void **state)
{
	struct verdict v;
	struct cx_pkt rst = pkt("RA", 0, ISS + 1);
	(void)state;
	verdict_ignored_then_ok(NULL, NULL, BADSUM, &v);
	EXPECT(v, CHECK_ERROR, "control SYN got no SYN-ACK");
	verdict_ignored_then_ok(NULL, &rst, BADSUM, &v);
	EXPECT(v, CHECK_ERROR, "control SYN got no SYN-ACK");
}

/* An answer to the bad segment fails. */
static void test_ignored_answered(void **state)
{
	struct verdict v;
	struct cx_pkt r = synack(), ctl = synack();
	(void)state;
	verdict_ignored_then_ok(&r, &ctl, BADSUM, &v);
	EXPECT(v, CHECK_FAIL, BADSUM " was answered with SA");
}

/* Silence, then a SYN-ACK to the control, passes. */
static void test_ignored_pass(void **state)
{
	struct verdict v;
	struct cx_pkt ctl = synack();
	(void)state;
	verdict_ignored_then_ok(NULL, &ctl, BADSUM, &v);
	EXPECT(v, CHECK_PASS, BADSUM " ignored");
}

/* ---- unknown-option-ignored / reserved-bits-ignored --------------------- */

#define UNK "unknown option kind 79"

/* No SYN-ACK, or a RST, fails. */
static void test_normal_no_synack(void **state)
{
	struct verdict v;
	struct cx_pkt p = pkt("RA", 0, ISS + 1);
	(void)state;
	verdict_synack_normal(NULL, ISS, UNK, &v);
	EXPECT(v, CHECK_FAIL, "no SYN-ACK");
	verdict_synack_normal(&p, ISS, UNK, &v);
	EXPECT(v, CHECK_FAIL, "answered RA instead of SYN-ACK");
}

/* A wrong ack fails with both numbers. */
static void test_normal_wrong_ack(void **state)
{
	struct verdict v;
	struct cx_pkt p = pkt("SA", IRS, ISS);
	(void)state;
	verdict_synack_normal(&p, ISS, UNK, &v);
	EXPECT(v, CHECK_FAIL, UNK ": ack expected 1001, got 1000");
}

/* An unknown option echoed in the SYN-ACK fails. */
static void test_normal_echo(void **state)
{
	struct verdict v;
	struct cx_pkt p = synack();
	(void)state;
	p.opt.unknown = 1;
	verdict_synack_normal(&p, ISS, UNK, &v);
	EXPECT(v, CHECK_FAIL, "echoes 1 unknown option(s)");
}

/* Reserved bits set in the SYN-ACK fail. */
static void test_normal_reserved(void **state)
{
	struct verdict v;
	struct cx_pkt p = synack();
	(void)state;
	p.reserved = 0x0e;
	verdict_synack_normal(&p, ISS, "reserved bits 0xe", &v);
	EXPECT(v, CHECK_FAIL, "sets reserved bits 0xe");
}

/* A plain SYN-ACK of ISN + 1 passes. */
static void test_normal_pass(void **state)
{
	struct verdict v;
	struct cx_pkt p = synack();
	(void)state;
	verdict_synack_normal(&p, ISS, UNK, &v);
	EXPECT(v, CHECK_PASS, UNK ": a normal SYN-ACK");
}

/* ---- option-length-zero ------------------------------------------------- */

/* A failed later connection fails, naming what the bad SYN drew. */
static void test_survived_fail(void **state)
{
	struct verdict v;
	struct cx_pkt p = pkt("RA", 0, ISS + 1);
	(void)state;
	verdict_survived(&p, false, &v);
	EXPECT(v, CHECK_FAIL, "answer: RA", "next connection failed");
	verdict_survived(NULL, false, &v);
	EXPECT(v, CHECK_FAIL, "answer: ignored");
}

/* Whatever the answer, a working later connection passes. */
static void test_survived_pass(void **state)
{
	struct verdict v;
	struct cx_pkt p = synack();
	(void)state;
	verdict_survived(&p, true, &v);
	EXPECT(v, CHECK_PASS, "drew SA", "worked");
	verdict_survived(NULL, true, &v);
	EXPECT(v, CHECK_PASS, "drew ignored");
}

/* ---- fin-acked ---------------------------------------------------------- */

/* ---- rst-in-window-challenge / syn-established-challenge ---------------- */

#define INWIN "in-window RST"

/* ---- bad-ack-data-refused ----------------------------------------------- */

/* ---- rst-out-of-window-ignored ------------------------------------------ */

/* ---- out-of-window-acked ------------------------------------------------ */

/* ---- urgent-data -------------------------------------------------------- */

/* ---- rst-after-close ---------------------------------------------------- */

/* Nothing, or a non-RST, fails; a RST passes. */
static void test_after_close(void **state)
{
	struct verdict v;
	struct cx_pkt a = pkt("A", IRS, SND_NXT), r = pkt("R", SND_NXT, 0);
	(void)state;
	verdict_after_close(NULL, &v);
	EXPECT(v, CHECK_FAIL, "drew nothing");
	verdict_after_close(&a, &v);
	EXPECT(v, CHECK_FAIL, "drew A (expected RST)");
	verdict_after_close(&r, &v);
	EXPECT(v, CHECK_PASS, "drew RST");
}

/* ---- time-wait-fin-acked ------------------------------------------------ */

/* No answer fails. */
static void test_time_wait_none(void **state)
{
	struct verdict v;
	(void)state;
	verdict_time_wait(NULL, FIN, &v);
	EXPECT(v, CHECK_FAIL, "not acknowledged");
}

/* A RST in TIME_WAIT fails. */
static void test_time_wait_rst(void **state)
{
	struct verdict v;
	struct cx_pkt p = pkt("R", FIN + 1, 0);
	(void)state;
	verdict_time_wait(&p, FIN, &v);
	EXPECT(v, CHECK_FAIL, "reset in TIME_WAIT");
}

/* An ACK of the wrong number fails with both. */
static void test_time_wait_wrong(void **state)
{
	struct verdict v;
	struct cx_pkt p = pkt("A", IRS, FIN);
	(void)state;
	verdict_time_wait(&p, FIN, &v);
	EXPECT(v, CHECK_FAIL, "expected 2001, got A ack 2000");
}

/* An ACK of FIN + 1 passes, also across the wrap. */
static void test_time_wait_pass(void **state)
{
	struct verdict v;
	struct cx_pkt p = pkt("A", IRS, FIN + 1);
	(void)state;
	verdict_time_wait(&p, FIN, &v);
	EXPECT(v, CHECK_PASS, "acknowledged again");
	p.ack = 0;
	verdict_time_wait(&p, 0xFFFFFFFFu, &v);
	EXPECT(v, CHECK_PASS, "acknowledged again");
}

/* ---- synack-retransmission ---------------------------------------------- */

/* One SYN-ACK only: not retransmitted within the watch. */
static void test_retrans_none(void **state)
{
	struct verdict v;
	uint64_t t[1] = {0};
	(void)state;
	verdict_synack_retrans(t, 1, &v);
	EXPECT(v, CHECK_FAIL, "not retransmitted within 12 s");
}

/* A first resend after 0.3 s is below RFC 6298 2.4's 1 s floor. */
static void test_retrans_early(void **state)
{
	struct verdict v;
	uint64_t t[3] = {0, 300 * MS, 900 * MS};
	(void)state;
	verdict_synack_retrans(t, 3, &v);
	EXPECT(v, CHECK_FAIL, "first retransmission after 0.30 s", "1 s floor", "gaps 0.30 0.60 s");
}

/* Initial RTOs of 3 s (RFC 1122's, lwIP) and 6 s (libslirp, 4.4BSD) are
 * allowed by RFC 6298 2.1 ("any other value > 1 second"), doubled after. */
static void test_retrans_slow_stacks(void **state)
{
	struct verdict v;
	uint64_t three[3] = {0, 3000 * MS, 9000 * MS}, six[3] = {0, 6000 * MS, 18000 * MS};
	(void)state;
	verdict_synack_retrans(three, 3, &v);
	EXPECT(v, CHECK_PASS, "gaps 3.00 6.00 s");
	verdict_synack_retrans(six, 3, &v);
	EXPECT(v, CHECK_PASS, "gaps 6.00 12.00 s");
}

/* Gaps 1, 1 s: no backoff (RFC 6298 5.5); a shrinking gap neither. */
static void test_retrans_no_backoff(void **state)
{
	struct verdict v;
	uint64_t same[3] = {0, 1000 * MS, 2000 * MS}, shrink[3] = {0, 6000 * MS, 9000 * MS};
	(void)state;
	verdict_synack_retrans(same, 3, &v);
	EXPECT(v, CHECK_FAIL, "no backoff: gaps 1.00 1.00 s");
	verdict_synack_retrans(shrink, 3, &v);
	EXPECT(v, CHECK_FAIL, "no backoff: gaps 6.00 3.00 s");
}

/* Gaps 1, 2 s (Linux) pass. */
static void test_retrans_pass(void **state)
{
	struct verdict v;
	uint64_t t[3] = {0, 1000 * MS, 3000 * MS};
	(void)state;
	verdict_synack_retrans(t, 3, &v);
	EXPECT(v, CHECK_PASS, "gaps 1.00 2.00 s");
}

/* The first gap may be 50 ms short of 1 s (jitter, a timer's jiffy), not
 * more; one gap alone, the second not seen in its watch, passes. */
static void test_retrans_bounds(void **state)
{
	struct verdict v;
	uint64_t lo[2] = {0, 950 * MS}, under[2] = {0, 949 * MS}, slow[2] = {0, 11900 * MS};
	(void)state;
	verdict_synack_retrans(lo, 2, &v);
	EXPECT(v, CHECK_PASS, "gaps 0.95 s (no second retransmission within 2.9 s)");
	verdict_synack_retrans(under, 2, &v);
	EXPECT(v, CHECK_FAIL, "after 0.95 s, below the 1 s floor");
	verdict_synack_retrans(slow, 2, &v);
	EXPECT(v, CHECK_PASS, "gaps 11.90 s (no second retransmission within 13.0 s)");
}

/* The watch: 12 s for the first resend, then twice its gap plus 1 s (at
 * most 13 s) for the second, then done. */
static void test_retrans_watch(void **state)
{
	uint64_t t[3] = {5000 * MS, 6000 * MS, 8000 * MS};
	(void)state;
	assert_int_equal(synack_retrans_watch_until(t, 1), 17000 * MS);
	assert_int_equal(synack_retrans_watch_until(t, 2), 9000 * MS);
	assert_int_equal(synack_retrans_watch_until(t, 3), 0);
	t[1] = 11000 * MS; /* 6 s: libslirp's second gap, 12 s, is still seen */
	assert_int_equal(synack_retrans_watch_until(t, 2), 24000 * MS);
	t[1] = 15000 * MS; /* 10 s: capped */
	assert_int_equal(synack_retrans_watch_until(t, 2), 28000 * MS);
}

/* ---- isn-unpredictable -------------------------------------------------- */

/* Send times (ms) of seven SYNs, about 20 ms apart plus a varying RTT. */
static const uint64_t T_MS[7] = {0, 21, 43, 62, 85, 104, 126};

static void times(uint64_t t[7])
{
	for (int i = 0; i < 7; i++)
		t[i] = T_MS[i] * MS;
}

/* Fewer than 5 SYN-ACKs: error. */
static void test_isn_too_few(void **state)
{
	struct verdict v;
	uint32_t isn[4] = {1, 2, 3, 4};
	uint64_t t[7];
	(void)state;
	times(t);
	verdict_isn(isn, t, 4, &v);
	EXPECT(v, CHECK_ERROR, "only 4 SYN-ACKs");
}

/* The same increment every time fails. */
static void test_isn_constant(void **state)
{
	struct verdict v;
	uint32_t isn[7];
	uint64_t t[7];
	(void)state;
	times(t);
	for (int i = 0; i < 7; i++)
		isn[i] = 5000u + 64000u * (uint32_t)i;
	verdict_isn(isn, t, 7, &v);
	EXPECT(v, CHECK_FAIL, "constant ISN increment 64000 over 7 SYNs");
}

/* isn = 1000 + 250 per ms of t: on the clock, fails. */
static void test_isn_clock(void **state)
{
	struct verdict v;
	uint32_t isn[7];
	uint64_t t[7];
	(void)state;
	times(t);
	for (int i = 0; i < 7; i++)
		isn[i] = 1000u + 250u * (uint32_t)T_MS[i];
	verdict_isn(isn, t, 7, &v);
	EXPECT(v, CHECK_FAIL, "predictable", "0.25 per us");
}

/* The same clock crossing 2^32 still fails. */
static void test_isn_clock_wrap(void **state)
{
	struct verdict v;
	uint32_t isn[7];
	uint64_t t[7];
	(void)state;
	times(t);
	for (int i = 0; i < 7; i++)
		isn[i] = 0xFFFFC000u + 250u * (uint32_t)T_MS[i];
	verdict_isn(isn, t, 7, &v);
	EXPECT(v, CHECK_FAIL, "predictable", "0.25 per us");
}

/* 4.4BSD-style: 64000 per connection plus 128 per ms, fails. */
static void test_isn_bsd(void **state)
{
	struct verdict v;
	uint32_t isn[7];
	uint64_t t[7];
	(void)state;
	times(t);
	isn[0] = 77;
	for (int i = 1; i < 7; i++)
		isn[i] = isn[i - 1] + 64000u + 128u * (uint32_t)(T_MS[i] - T_MS[i - 1]);
	verdict_isn(isn, t, 7, &v);
	EXPECT(v, CHECK_FAIL, "predictable");
}

/* A large step per connection plus a clock: the increments stay within a
 * 1000-wide band, as predictable as the above (RFC 6528 §3): must fail. */
static void test_isn_step_plus_clock(void **state)
{
	struct verdict v;
	uint32_t isn[7];
	uint64_t t[7];
	(void)state;
	times(t);
	isn[0] = 77;
	for (int i = 1; i < 7; i++)
		isn[i] = isn[i - 1] + 2000000u + 250u * (uint32_t)(T_MS[i] - T_MS[i - 1]);
	verdict_isn(isn, t, 7, &v);
	EXPECT(v, CHECK_FAIL, "ISN");
}

/* Random ISNs (RFC 6528: hash of the 4-tuple, fresh port each) pass. */
static void test_isn_random(void **state)
{
	struct verdict v;
	uint32_t isn[7] = {0x3a9f12c4u, 0x91e0b7d2u, 0x0c44a1e9u, 0xe7d20f31u,
			   0x5b6c8a07u, 0xa2f3d915u, 0x1f7e4c60u};
	uint64_t t[7];
	(void)state;
	times(t);
	verdict_isn(isn, t, 7, &v);
	EXPECT(v, CHECK_PASS, "increments from", "off any clock line");
}

/* ---- default-mss -------------------------------------------------------- */

/* IPv4: a 537-byte segment fails. */
static void test_mss_v4_fail(void **state)
{
	struct verdict v;
	uint16_t lens[2] = {537, 100};
	(void)state;
	verdict_default_mss(lens, 2, false, &v);
	EXPECT(v, CHECK_FAIL, "a 537-byte segment", "default MSS 536");
}

/* IPv4: segments of 536 and less, 1172 bytes in all, pass. */
static void test_mss_v4_pass(void **state)
{
	struct verdict v;
	uint16_t lens[3] = {536, 536, 100};
	(void)state;
	verdict_default_mss(lens, 3, false, &v);
	EXPECT(v, CHECK_PASS, "1172 bytes in segments of at most 536 (default MSS 536)");
}

/* IPv6: 1220-byte segments pass, a 1221-byte one fails. */
static void test_mss_v6(void **state)
{
	struct verdict v;
	uint16_t ok[2] = {1220, 1220}, big[2] = {1221, 10};
	(void)state;
	verdict_default_mss(ok, 2, true, &v);
	EXPECT(v, CHECK_PASS, "2440 bytes in segments of at most 1220 (default MSS 1220)");
	verdict_default_mss(big, 2, true, &v);
	EXPECT(v, CHECK_FAIL, "a 1221-byte segment", "default MSS 1220");
}

/* No more data than one default MSS: a skip. */
static void test_mss_too_little(void **state)
{
	struct verdict v;
	uint16_t lens[2] = {300, 236}, v6[1] = {1000};
	(void)state;
	verdict_default_mss(lens, 2, false, &v);
	EXPECT(v, CHECK_SKIP, "sent 536 bytes: too few");
	verdict_default_mss(NULL, 0, false, &v);
	EXPECT(v, CHECK_SKIP, "sent 0 bytes");
	verdict_default_mss(v6, 1, true, &v);
	EXPECT(v, CHECK_SKIP, "sent 1000 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_names),
		cmocka_unit_test(test_ignored_no_control),
		cmocka_unit_test(test_ignored_answered),
		cmocka_unit_test(test_ignored_pass),
		cmocka_unit_test(test_normal_no_synack),
		cmocka_unit_test(test_normal_wrong_ack),
		cmocka_unit_test(test_normal_echo),
		cmocka_unit_test(test_normal_reserved),
		cmocka_unit_test(test_normal_pass),
		cmocka_unit_test(test_survived_fail),
		cmocka_unit_test(test_survived_pass),
		cmocka_unit_test(test_after_close),
		cmocka_unit_test(test_time_wait_none),
		cmocka_unit_test(test_time_wait_rst),
		cmocka_unit_test(test_time_wait_wrong),
		cmocka_unit_test(test_time_wait_pass),
		cmocka_unit_test(test_retrans_none),
		cmocka_unit_test(test_retrans_early),
		cmocka_unit_test(test_retrans_slow_stacks),
		cmocka_unit_test(test_retrans_watch),
		cmocka_unit_test(test_retrans_no_backoff),
		cmocka_unit_test(test_retrans_pass),
		cmocka_unit_test(test_retrans_bounds),
		cmocka_unit_test(test_isn_too_few),
		cmocka_unit_test(test_isn_constant),
		cmocka_unit_test(test_isn_clock),
		cmocka_unit_test(test_isn_clock_wrap),
		cmocka_unit_test(test_isn_bsd),
		cmocka_unit_test(test_isn_step_plus_clock),
		cmocka_unit_test(test_isn_random),
		cmocka_unit_test(test_mss_v4_fail),
		cmocka_unit_test(test_mss_v4_pass),
		cmocka_unit_test(test_mss_v6),
		cmocka_unit_test(test_mss_too_little),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
