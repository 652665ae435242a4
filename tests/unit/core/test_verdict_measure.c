/*
 * Unit tests for verdict_measure: the decisions of the measuring checks,
 * fed capture times and segments by hand as checks_measure.c collects
 * them. Each function gets every outcome it tells apart, the failing ones
 * included, and the numbers its detail line must name.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/segment.h"
#include "core/verdict_measure.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define T0 (1000 * SEC)
#define IRS 5000u

static struct cx_pkt seg(uint8_t flags, uint32_t seq, uint16_t len, uint64_t t)
{
	struct cx_pkt p;
	memset(&p, 0, sizeof(p));
	p.flags = flags;
	p.seq = seq;
	p.len = len;
	p.t_ns = t;
	return p;
}

#define assert_detail(v, s) assert_non_null(strstr((v).detail, (s)))

/* ---- delayed-ack-bound ------------------------------------------------------ */

static void test_delayed_ack_prompt(void **state)
{
	(void)state;
	struct verdict v;
	struct cx_pkt a = seg(TCPF_ACK, IRS, 0, T0 + 41 * MS);
	verdict_delayed_ack(T0, &a, 1 * MS, 2 * SEC, &v);
	assert_int_equal(v.result, CHECK_PASS);
	assert_detail(v, "ACK after 41.0 ms (RTT 1.0 ms)");
}

static void test_delayed_ack_on_data(void **state)
{
	(void)state;
	struct verdict v;
	struct cx_pkt a = seg(TCPF_ACK | TCPF_PSH, IRS, 28, T0 + 2 * MS);
	verdict_delayed_ack(T0, &a, 1 * MS, 2 * SEC, &v);
	assert_int_equal(v.result, CHECK_PASS);
	assert_detail(v, "on the answer's data");
}

/* The path's RTT is not the peer's delay: 480 ms of it on a 100 ms path. */
static void test_delayed_ack_long_path(void **state)
{
	(void)state;
	struct verdict v;
	struct cx_pkt a = seg(TCPF_ACK, IRS, 0, T0 + 580 * MS);
	verdict_delayed_ack(T0, &a, 100 * MS, 2 * SEC, &v);
	assert_int_equal(v.result, CHECK_PASS);
}

static void test_delayed_ack_too_slow(void **state)
{
	(void)state;
	struct verdict v;
	struct cx_pkt a = seg(TCPF_ACK, IRS, 0, T0 + 601 * MS);
	verdict_delayed_ack(T0, &a, 1 * MS, 2 * SEC, &v);
	assert_int_equal(v.result, CHECK_FAIL);
	assert_detail(v, "ACK held back 600 ms");
	assert_detail(v, "MUST-40");
	/* Exactly 0.5 s is not "less than 0.5 seconds". */
	a.t_ns = T0 + 501 * MS;
	verdict_delayed_ack(T0, &a, 1 * MS, 2 * SEC, &v);
	assert_int_equal(v.result, CHECK_FAIL);
}

static void test_delayed_ack_none(void **state)
{
	(void)state;
	struct verdict v;
	verdict_delayed_ack(T0, NULL, 1 * MS, 2 * SEC, &v);
	assert_int_equal(v.result, CHECK_FAIL);
	assert_detail(v, "not acknowledged within 2.0 s");
	struct cx_pkt r = seg(TCPF_RST, IRS, 0, T0 + MS);
	verdict_delayed_ack(T0, &r, 1 * MS, 2 * SEC, &v);
	assert_int_equal(v.result, CHECK_FAIL);
	assert_detail(v, "RST");
}

/* ---- data-retransmission ---------------------------------------------------- */

static void test_data_retrans_linux(void **state)
{
	(void)state;
	struct verdict v;
	uint64_t t[] = {T0, T0 + 204 * MS, T0 + 612 * MS};
	verdict_data_retrans(t, 3, &v);
	assert_int_equal(v.result, CHECK_PASS);
	assert_detail(v, "gaps 0.20 0.41 s");
	assert_detail(v, "Linux's minimum is 200 ms");
}

static void test_data_retrans_rfc(void **state)
{
	(void)state;
	struct verdict v;
	uint64_t t[] = {T0, T0 + 1 * SEC, T0 + 3 * SEC};
	verdict_data_retrans(t, 3, &v);
	assert_int_equal(v.result, CHECK_PASS);
	assert_string_equal(v.detail, "gaps 1.00 2.00 s");
}

static void test_data_retrans_once(void **state)
{
	(void)state;
	struct verdict v;
	uint64_t t[] = {T0, T0 + 3 * SEC};
	verdict_data_retrans(t, 2, &v);
	assert_int_equal(v.result, CHECK_PASS);
	assert_detail(v, "gap 3.00 s, no second retransmission within 7.0 s");
}

static void test_data_retrans_no_backoff(void **state)
{
	(void)state;
	struct verdict v;
	uint64_t t[] = {T0, T0 + 1 * SEC, T0 + 2 * SEC};
	verdict_data_retrans(t, 3, &v);
	assert_int_equal(v.result, CHECK_FAIL);
	assert_detail(v, "no backoff: gaps 1.00 1.00 s");
}

static void test_data_retrans_never(void **state)
{
	(void)state;
	struct verdict v;
	uint64_t t[] = {T0};
	verdict_data_retrans(t, 1, &v);
	assert_int_equal(v.result, CHECK_FAIL);
	assert_detail(v, "not retransmitted within 12 s");
	verdict_data_retrans(t, 0, &v);
	assert_int_equal(v.result, CHECK_SKIP);
}

/* ---- initial-window --------------------------------------------------------- */

static void test_iw_bound(void **state)
{
	(void)state;
	assert_int_equal(iw_bound(1460), 14600);
	assert_int_equal(iw_bound(1448), 14480);
	assert_int_equal(iw_bound(536), 5360);
	assert_int_equal(iw_bound(9000), 18000); /* max(2 * MSS, 14600) */
}

/* n segments of len bytes from IRS + 1, back to back. */
static size_t flight(struct cx_pkt *s, size_t n, uint16_t len)
{
	for (size_t i = 0; i < n; i++)
		s[i] = seg(TCPF_ACK, IRS + 1 + (uint32_t)(i * len), len, T0 + i * 10000);
	return n;
}

static void test_iw_linux(void **state)
{
	(void)state;
	struct verdict v;
	struct cx_pkt s[16];
	size_t n = flight(s, 10, 1460);
	s[n++] = seg(TCPF_ACK, IRS + 1, 1460, T0 + 200 * MS); /* the RTO's resend */
	verdict_initial_window(s, n, IRS + 1, 1460, true, &v);
	assert_int_equal(v.result, CHECK_PASS);
	assert_detail(v, "initial window 10 segments, 14600 bytes");
}

/* A stray pure ACK and a FIN's zero length do not count. */
static void test_iw_flight_counts_data(void **state)
{
	(void)state;
	struct cx_pkt s[8];
	uint32_t bytes;
	size_t n = flight(s, 4, 536);
	s[n++] = seg(TCPF_ACK, IRS + 1 + 4 * 536, 0, T0 + MS);
	s[n++] = seg(TCPF_ACK, IRS + 1 + 4 * 536, 100, T0 + 2 * MS);
	assert_int_equal(iw_flight(s, n, IRS + 1, &bytes), 5);
	assert_int_equal(bytes, 4 * 536 + 100);
}

static void test_iw_too_big(void **state)
{
	(void)state;
	struct verdict v;
	struct cx_pkt s[20];
	size_t n = flight(s, 14, 1460);
	verdict_initial_window(s, n, IRS + 1, 1460, false, &v);
	assert_int_equal(v.result, CHECK_FAIL);
	assert_detail(v, "14 segments, 20440 bytes: above RFC 6928's 14600 for MSS 1460");
}

static void test_iw_all_it_had(void **state)
{
	(void)state;
	struct verdict v;
	struct cx_pkt s[4];
	size_t n = flight(s, 3, 1000);
	verdict_initial_window(s, n, IRS + 1, 1460, false, &v);
	assert_int_equal(v.result, CHECK_SKIP);
	assert_detail(v, "3000 bytes in 3 segments, all it had");
	verdict_initial_window(s, 0, IRS + 1, 1460, false, &v);
	assert_int_equal(v.result, CHECK_SKIP);
	assert_detail(v, "no data");
}

/* ---- zero-window-probe ------------------------------------------------------ */

static void test_zwp_backoff(void **state)
{
	(void)state;
	struct verdict v;
	uint64_t p[] = {T0 + 210 * MS, T0 + 630 * MS, T0 + 1470 * MS, T0 + 3150 * MS};
	verdict_zero_window(p, 4, T0, 6 * SEC, false, true, &v);
	assert_int_equal(v.result, CHECK_PASS);
	assert_detail(v, "4 probes, first after 0.21 s, then 0.42 0.84 1.68 s (backoff)");
}

static void test_zwp_steady(void **state)
{
	(void)state;
	struct verdict v;
	uint64_t p[] = {T0 + SEC, T0 + 2 * SEC, T0 + 3 * SEC};
	verdict_zero_window(p, 3, T0, 6 * SEC, false, true, &v);
	assert_int_equal(v.result, CHECK_PASS);
	assert_detail(v, "steady: SHLD-30");
	verdict_zero_window(p, 1, T0, 6 * SEC, false, true, &v);
	assert_int_equal(v.result, CHECK_PASS);
	assert_detail(v, "1 probe, after 1.00 s");
}

static void test_zwp_storm(void **state)
{
	(void)state;
	struct verdict v;
	uint64_t p[] = {T0 + SEC, T0 + 3 * SEC, T0 + 3500 * MS};
	verdict_zero_window(p, 3, T0, 6 * SEC, false, true, &v);
	assert_int_equal(v.result, CHECK_FAIL);
	assert_detail(v, "probe intervals shrink");
}

static void test_zwp_none(void **state)
{
	(void)state;
	struct verdict v;
	verdict_zero_window(NULL, 0, T0, 12 * SEC, false, true, &v);
	assert_int_equal(v.result, CHECK_FAIL);
	assert_detail(v, "no probe of our zero window within 12.0 s (MUST-36)");
	verdict_zero_window(NULL, 0, T0, 12 * SEC, false, false, &v);
	assert_int_equal(v.result, CHECK_SKIP);
	assert_detail(v, "nothing to send");
}

static void test_zwp_abort(void **state)
{
	(void)state;
	struct verdict v;
	uint64_t p[] = {T0 + SEC, T0 + 3 * SEC};
	verdict_zero_window(p, 2, T0, 6 * SEC, true, false, &v);
	assert_int_equal(v.result, CHECK_FAIL);
	assert_detail(v, "reset the connection after 2 probes");
	verdict_zero_window(p, 2, T0, 6 * SEC, false, false, &v);
	assert_int_equal(v.result, CHECK_FAIL);
	assert_detail(v, "no data once the window opened");
}

/* ---- challenge-ack-throttle ------------------------------------------------- */

static void test_challenge_throttled(void **state)
{
	(void)state;
	struct verdict v;
	verdict_challenge_throttle(200, 3, SEC, false, true, &v);
	assert_int_equal(v.result, CHECK_PASS);
	assert_string_equal(v.detail, "throttled: 3 challenge ACKs for 200 in-window RSTs in 1.0 s");
}

static void test_challenge_unthrottled(void **state)
{
	(void)state;
	struct verdict v;
	verdict_challenge_throttle(200, 200, SEC, false, true, &v);
	assert_int_equal(v.result, CHECK_PASS);
	assert_detail(v, "not throttled: 200 challenge ACKs");
	assert_detail(v, "not a failure");
}

static void test_challenge_breaks(void **state)
{
	(void)state;
	struct verdict v;
	verdict_challenge_throttle(200, 10, SEC, true, false, &v);
	assert_int_equal(v.result, CHECK_FAIL);
	assert_detail(v, "reset the connection (10 challenge ACKs");
	verdict_challenge_throttle(200, 10, SEC, false, false, &v);
	assert_int_equal(v.result, CHECK_FAIL);
	assert_detail(v, "broke the connection");
	verdict_challenge_throttle(200, 0, SEC, false, true, &v);
	assert_int_equal(v.result, CHECK_FAIL);
	assert_detail(v, "drew no challenge ACK");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delayed_ack_prompt),
		cmocka_unit_test(test_delayed_ack_on_data),
		cmocka_unit_test(test_delayed_ack_long_path),
		cmocka_unit_test(test_delayed_ack_too_slow),
		cmocka_unit_test(test_delayed_ack_none),
		cmocka_unit_test(test_data_retrans_linux),
		cmocka_unit_test(test_data_retrans_rfc),
		cmocka_unit_test(test_data_retrans_once),
		cmocka_unit_test(test_data_retrans_no_backoff),
		cmocka_unit_test(test_data_retrans_never),
		cmocka_unit_test(test_iw_bound),
		cmocka_unit_test(test_iw_linux),
		cmocka_unit_test(test_iw_flight_counts_data),
		cmocka_unit_test(test_iw_too_big),
		cmocka_unit_test(test_iw_all_it_had),
		cmocka_unit_test(test_zwp_backoff),
		cmocka_unit_test(test_zwp_steady),
		cmocka_unit_test(test_zwp_storm),
		cmocka_unit_test(test_zwp_none),
		cmocka_unit_test(test_zwp_abort),
		cmocka_unit_test(test_challenge_throttled),
		cmocka_unit_test(test_challenge_unthrottled),
		cmocka_unit_test(test_challenge_breaks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
