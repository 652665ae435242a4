/*
 * Unit tests for verdict_measure: the decisions of the measuring checks,
 * fed capture times and segments by hand as checks_measure.c collects
 * them. One table per verdict function, a row per outcome it tells apart
 * (the failing ones included): the inputs, the result, and a piece of the
 * detail line that must appear in it (the numbers it names).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/segment.h"
#include "core/verdict_measure.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define T0 (1000 * SEC)
#define IRS 5000u
#define MAXT 6

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

static void expect(const char *row, const struct verdict *v, enum check_result want,
		   const char *detail)
{
	if (v->result != want || strstr(v->detail, detail) == NULL)
		fail_msg("%s: got %s \"%s\", want %s with \"%s\"", row, check_result_name(v->result),
			 v->detail, check_result_name(want), detail);
}

/* ---- delayed-ack-bound ------------------------------------------------------ */

static void test_delayed_ack(void **state)
{
	(void)state;
	static const struct {
		const char *row;
		bool answered;
		uint8_t flags;
		uint16_t len;
		uint64_t after, rtt;
		enum check_result want;
		const char *detail;
	} rows[] = {
		{"prompt bare ACK", true, TCPF_ACK, 0, 41 * MS, 1 * MS, CHECK_PASS,
		 "ACK after 41.0 ms (RTT 1.0 ms)"},
		{"on the echo", true, TCPF_ACK | TCPF_PSH, 28, 2 * MS, 1 * MS, CHECK_PASS,
		 "on the answer's data"},
		/* The path's RTT is not the peer's delay. */
		{"long path", true, TCPF_ACK, 0, 580 * MS, 100 * MS, CHECK_PASS, "ACK after 580.0 ms"},
		{"held 600 ms", true, TCPF_ACK, 0, 601 * MS, 1 * MS, CHECK_FAIL,
		 "ACK held back 600 ms (601 ms less the 1.0 ms RTT): MUST-40"},
		/* Exactly 0.5 s is not "less than 0.5 seconds". */
		{"held 500 ms", true, TCPF_ACK, 0, 501 * MS, 1 * MS, CHECK_FAIL, "held back 500 ms"},
		{"no ACK", false, 0, 0, 0, 1 * MS, CHECK_FAIL, "not acknowledged within 2.0 s"},
		{"RST", true, TCPF_RST, 0, 1 * MS, 1 * MS, CHECK_FAIL, "answered with RST"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct verdict v;
		struct cx_pkt a = seg(rows[i].flags, IRS, rows[i].len, T0 + rows[i].after);
		verdict_delayed_ack(T0, rows[i].answered ? &a : NULL, rows[i].rtt, 2 * SEC, &v);
		expect(rows[i].row, &v, rows[i].want, rows[i].detail);
	}
}

/* ---- data-retransmission ---------------------------------------------------- */

static void test_data_retrans(void **state)
{
	(void)state;
	static const struct {
		const char *row;
		size_t n;
		uint64_t at[MAXT]; /* after the first transmission */
		enum check_result want;
		const char *detail;
	} rows[] = {
		{"Linux's 200 ms", 3, {0, 204 * MS, 612 * MS}, CHECK_PASS,
		 "gaps 0.20 0.41 s; the first below RFC 6298 2.4's 1 s (a SHOULD; Linux's minimum is 200 ms)"},
		{"RFC 6298", 3, {0, 1 * SEC, 3 * SEC}, CHECK_PASS, "gaps 1.00 2.00 s"},
		{"lwIP's ticks", 3, {0, 2150 * MS, 7160 * MS}, CHECK_PASS, "gaps 2.15 5.01 s"},
		{"one resend", 2, {0, 3 * SEC}, CHECK_PASS,
		 "gap 3.00 s, no second retransmission within 7.0 s"},
		{"no backoff", 3, {0, 1 * SEC, 2 * SEC}, CHECK_FAIL, "no backoff: gaps 1.00 1.00 s"},
		{"shrinking", 3, {0, 2 * SEC, 3 * SEC}, CHECK_FAIL, "no backoff: gaps 2.00 1.00 s"},
		{"never resent", 1, {0}, CHECK_FAIL, "not retransmitted within 12 s (MUST-18)"},
		{"no data", 0, {0}, CHECK_SKIP, "sent no data"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct verdict v;
		uint64_t t[MAXT];
		for (size_t k = 0; k < rows[i].n; k++)
			t[k] = T0 + rows[i].at[k];
		verdict_data_retrans(t, rows[i].n, &v);
		expect(rows[i].row, &v, rows[i].want, rows[i].detail);
	}
}

/* ---- initial-window --------------------------------------------------------- */

static void test_iw_bound(void **state)
{
	(void)state;
	static const uint16_t mss[] = {1460, 1448, 536, 9000, 1000};
	static const uint32_t bound[] = {14600, 14480, 5360, 18000, 10000};
	for (size_t i = 0; i < sizeof(mss) / sizeof(mss[0]); i++)
		assert_int_equal(iw_bound(mss[i]), bound[i]);
}

/* The peer's segments of a flight: segs of len bytes back to back from
 * IRS + 1, then what follows. */
struct iw_extra {
	uint8_t flags;
	uint32_t off; /* from IRS + 1 */
	uint16_t len;
};

static void test_initial_window(void **state)
{
	(void)state;
	static const struct {
		const char *row;
		size_t segs;
		uint16_t len, mss;
		struct iw_extra extra[2]; /* flags 0: none */
		bool more;
		enum check_result want;
		const char *detail;
	} rows[] = {
		{"Linux, then its RTO", 10, 1460, 1460, {{TCPF_ACK, 0, 1460}}, true, CHECK_PASS,
		 "initial window 10 segments, 14600 bytes (RFC 6928: at most 14600 for MSS 1460)"},
		{"lwIP", 4, 536, 536, {{0}}, true, CHECK_PASS, "initial window 4 segments, 2144 bytes"},
		{"a bare ACK adds nothing, data on a FIN does", 4, 536, 536,
		 {{TCPF_ACK, 2144, 0}, {TCPF_FIN | TCPF_ACK, 2144, 100}}, true, CHECK_PASS,
		 "initial window 5 segments, 2244 bytes"},
		{"no window", 14, 1460, 1460, {{0}}, false, CHECK_FAIL,
		 "initial window 14 segments, 20440 bytes: above RFC 6928's 14600 for MSS 1460"},
		{"over the bound for its MSS", 11, 536, 536, {{0}}, true, CHECK_FAIL, "above RFC 6928's 5360"},
		{"all it had", 3, 1000, 1460, {{0}}, false, CHECK_SKIP,
		 "3000 bytes in 3 segments, then less than a segment more"},
		{"no data", 0, 0, 1460, {{0}}, false, CHECK_SKIP, "the peer sent no data"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct verdict v;
		struct cx_pkt s[20];
		size_t n = 0;
		for (; n < rows[i].segs; n++)
			s[n] = seg(TCPF_ACK, IRS + 1 + (uint32_t)(n * rows[i].len), rows[i].len, T0 + n * 10000);
		for (size_t k = 0; k < 2 && rows[i].extra[k].flags; k++, n++)
			s[n] = seg(rows[i].extra[k].flags, IRS + 1 + rows[i].extra[k].off, rows[i].extra[k].len,
				   T0 + 200 * MS);
		verdict_initial_window(s, n, IRS + 1, rows[i].mss, rows[i].more, &v);
		expect(rows[i].row, &v, rows[i].want, rows[i].detail);
	}
}

/* ---- zero-window-probe ------------------------------------------------------ */

static void test_zero_window(void **state)
{
	(void)state;
	static const struct {
		const char *row;
		size_t n;
		uint64_t at[MAXT]; /* after our window closed */
		bool reset, reopened;
		enum check_result want;
		const char *detail;
	} rows[] = {
		{"Linux", 3, {210 * MS, 630 * MS, 1460 * MS}, false, true, CHECK_PASS,
		 "3 probes, first after 0.21 s, then 0.42 0.83 s (backoff); data resumed"},
		{"lwIP", 3, {1440 * MS, 4450 * MS, 10470 * MS}, false, true, CHECK_PASS,
		 "first after 1.44 s, then 3.01 6.02 s (backoff)"},
		{"steady", 3, {1 * SEC, 2 * SEC, 3 * SEC}, false, true, CHECK_PASS,
		 "(steady: SHLD-30 asks for backoff)"},
		{"one probe", 1, {1 * SEC}, false, true, CHECK_PASS, "1 probe, after 1.00 s"},
		{"storm", 3, {1 * SEC, 3 * SEC, 3500 * MS}, false, true, CHECK_FAIL,
		 "probe intervals shrink: first after 1.00 s, then 2.00 0.50 s"},
		{"none", 0, {0}, false, true, CHECK_FAIL, "no probe of our zero window within 12.0 s (MUST-36)"},
		{"gives up", 2, {1 * SEC, 3 * SEC}, true, false, CHECK_FAIL,
		 "reset the connection after 2 probes, each answered (MUST-37"},
		{"never resumes", 2, {1 * SEC, 3 * SEC}, false, false, CHECK_FAIL,
		 "2 probes, but no data once the window opened"},
		{"nothing to send", 0, {0}, false, false, CHECK_SKIP, "the peer had nothing to send"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct verdict v;
		uint64_t t[MAXT];
		for (size_t k = 0; k < rows[i].n; k++)
			t[k] = T0 + rows[i].at[k];
		verdict_zero_window(t, rows[i].n, T0, 12 * SEC, rows[i].reset, rows[i].reopened, &v);
		expect(rows[i].row, &v, rows[i].want, rows[i].detail);
	}
}

/* ---- challenge-ack-throttle ------------------------------------------------- */

static void test_challenge_throttle(void **state)
{
	(void)state;
	static const struct {
		const char *row;
		size_t acks;
		bool reset, open;
		enum check_result want;
		const char *detail;
	} rows[] = {
		{"Linux", 2, false, true, CHECK_PASS,
		 "throttled: 2 challenge ACKs for 200 in-window RSTs in 1.0 s"},
		{"lwIP", 200, false, true, CHECK_PASS,
		 "not throttled: 200 challenge ACKs for 200 in-window RSTs in 1.0 s (RFC 5961 7 SHOULD limit "
		 "them; not a failure)"},
		{"fails open with a RST", 10, true, false, CHECK_FAIL,
		 "200 in-window RSTs in 1.0 s reset the connection (10 challenge ACKs"},
		{"fails open silently", 10, false, false, CHECK_FAIL, "broke the connection"},
		{"no challenge ACK", 0, false, true, CHECK_FAIL, "drew no challenge ACK"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct verdict v;
		verdict_challenge_throttle(200, rows[i].acks, SEC, rows[i].reset, rows[i].open, &v);
		expect(rows[i].row, &v, rows[i].want, rows[i].detail);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delayed_ack),
		cmocka_unit_test(test_data_retrans),
		cmocka_unit_test(test_iw_bound),
		cmocka_unit_test(test_initial_window),
		cmocka_unit_test(test_zero_window),
		cmocka_unit_test(test_challenge_throttle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
