/*
 * verdict: conformance decisions on recorded segments. See verdict.h.
 */
#include "config.h"
#include "core/verdict.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

const char *check_result_name(enum check_result r)
{
	switch (r) {
	case CHECK_PASS:
		return "pass";
	case CHECK_FAIL:
		return "fail";
	case CHECK_SKIP:
		return "skip";
	case CHECK_ERROR:
		return "error";
	}
	return "?";
}

void verdict_set(struct verdict *v, enum check_result r, const char *fmt, ...)
{
	va_list ap;
	v->result = r;
	va_start(ap, fmt);
	vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
	va_end(ap);
}

static bool is_synack(const struct cx_pkt *p)
{
	return p != NULL && (p->flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == (TCPF_SYN | TCPF_ACK);
}

static const char *flags(const struct cx_pkt *p, char buf[9])
{
	return segment_flags_str(p->flags, buf);
}

/* No SYN-ACK: a fail, saying what came instead. */
static bool need_synack(const struct cx_pkt *p, struct verdict *v)
{
	char b[9];
	if (p == NULL) {
		verdict_set(v, CHECK_FAIL, "no SYN-ACK");
		return false;
	}
	if (!is_synack(p)) {
		verdict_set(v, CHECK_FAIL, "answered %s instead of SYN-ACK", flags(p, b));
		return false;
	}
	return true;
}

void verdict_ignored_then_ok(const struct cx_pkt *reply, const struct cx_pkt *control,
			     const char *what, struct verdict *v)
{
	char b[9];
	if (control == NULL || !is_synack(control)) {
		verdict_set(v, CHECK_ERROR, "the control SYN got no SYN-ACK: cannot tell");
		return;
	}
	if (reply != NULL)
		verdict_set(v, CHECK_FAIL, "%s was answered with %s", what, flags(reply, b));
	else
		verdict_set(v, CHECK_PASS, "%s ignored; a good SYN answered", what);
}

void verdict_synack_normal(const struct cx_pkt *p, uint32_t iss, const char *what,
			   struct verdict *v)
{
	if (!need_synack(p, v))
		return;
	if (p->ack != iss + 1)
		verdict_set(v, CHECK_FAIL, "%s: ack expected %u, got %u", what, iss + 1, p->ack);
	else if (p->opt.unknown > 0)
		verdict_set(v, CHECK_FAIL, "%s: the SYN-ACK echoes %u unknown option(s)", what, p->opt.unknown);
	else if (p->reserved != 0)
		verdict_set(v, CHECK_FAIL, "%s: the SYN-ACK sets reserved bits 0x%x", what, p->reserved);
	else
		verdict_set(v, CHECK_PASS, "%s: a normal SYN-ACK", what);
}

void verdict_after_close(const struct cx_pkt *p, struct verdict *v)
{
	char b[9];
	if (p == NULL)
		verdict_set(v, CHECK_FAIL, "a segment after the close drew nothing (expected RST)");
	else if (!(p->flags & TCPF_RST))
		verdict_set(v, CHECK_FAIL, "a segment after the close drew %s (expected RST)", flags(p, b));
	else
		verdict_set(v, CHECK_PASS, "a segment after the close drew RST");
}

void verdict_time_wait(const struct cx_pkt *p, uint32_t fin_seq, struct verdict *v)
{
	char b[9];
	if (p == NULL)
		verdict_set(v, CHECK_FAIL, "our retransmitted FIN was not acknowledged");
	else if (p->flags & TCPF_RST)
		verdict_set(v, CHECK_FAIL, "our retransmitted FIN was reset in TIME_WAIT");
	else if (!(p->flags & TCPF_ACK) || p->ack != fin_seq + 1)
		verdict_set(v, CHECK_FAIL, "ack: expected %u, got %s ack %u", fin_seq + 1, flags(p, b), p->ack);
	else
		verdict_set(v, CHECK_PASS, "retransmitted FIN acknowledged again in TIME_WAIT");
}

uint64_t synack_retrans_watch_until(const uint64_t *t, size_t n)
{
	if (n == 1)
		return t[0] + SYNACK_RETRANS_FIRST_NS;
	if (n == 2) {
		uint64_t gap = t[1] - t[0], w = 2 * gap + 1000000000ull;
		return t[1] + (w < SYNACK_RETRANS_SECOND_NS ? w : SYNACK_RETRANS_SECOND_NS);
	}
	return 0;
}

void verdict_synack_retrans(const uint64_t *t, size_t n, struct verdict *v)
{
	char sched[120] = "";
	size_t at = 0;
	for (size_t i = 1; i < n && at < sizeof(sched) - 12; i++)
		at += (size_t)snprintf(sched + at, sizeof(sched) - at, "%s%.2f", i > 1 ? " " : "",
				       (double)(t[i] - t[i - 1]) / 1e9);
	if (n < 2) {
		verdict_set(v, CHECK_FAIL, "the SYN-ACK was not retransmitted within %.0f s",
		    (double)SYNACK_RETRANS_FIRST_NS / 1e9);
		return;
	}
	uint64_t first = t[1] - t[0];
	if (first + SYNACK_RETRANS_TOL_NS < 1000000000ull) {
		verdict_set(v, CHECK_FAIL, "first retransmission after %.2f s, below the 1 s floor; gaps %s s",
		    (double)first / 1e9, sched);
		return;
	}
	for (size_t i = 2; i < n; i++) {
		uint64_t prev = t[i - 1] - t[i - 2], cur = t[i] - t[i - 1];
		if (cur < prev + SYNACK_RETRANS_TOL_NS) {
			verdict_set(v, CHECK_FAIL, "no backoff: gaps %s s", sched);
			return;
		}
	}
	if (n == 2)
		verdict_set(v, CHECK_PASS, "gaps %s s (no second retransmission within %.1f s)", sched,
		    (double)(synack_retrans_watch_until(t, 2) - t[1]) / 1e9);
	else
		verdict_set(v, CHECK_PASS, "gaps %s s", sched);
}

void verdict_isn(const uint32_t *isn, const uint64_t *t, size_t n, struct verdict *v)
{
	if (n < 5) {
		verdict_set(v, CHECK_ERROR, "only %zu SYN-ACKs: too few to tell", n);
		return;
	}
	/* Increments, and how far they stray from the best line a + k * dt:
	 * a constant step per connection (a), a clock (k), or both, as old
	 * BSD stacks had, leave little; keyed-hash ISNs leave billions. */
	double sd = 0, st = 0, dmin = INFINITY, dmax = -INFINITY;
	size_t m = n - 1;
	for (size_t i = 1; i < n; i++) {
		double d = (double)(uint32_t)(isn[i] - isn[i - 1]);
		sd += d;
		st += (double)(t[i] - t[i - 1]);
		dmin = d < dmin ? d : dmin;
		dmax = d > dmax ? d : dmax;
	}
	double md = sd / (double)m, mt = st / (double)m, cov = 0, var = 0;
	for (size_t i = 1; i < n; i++) {
		double d = (double)(uint32_t)(isn[i] - isn[i - 1]) - md;
		double dt = (double)(t[i] - t[i - 1]) - mt;
		cov += d * dt;
		var += dt * dt;
	}
	double k = var > 0 ? cov / var : 0, a = md - k * mt, worst = 0;
	for (size_t i = 1; i < n; i++) {
		double d = (double)(uint32_t)(isn[i] - isn[i - 1]);
		double r = fabs(d - (a + k * (double)(t[i] - t[i - 1])));
		worst = r > worst ? r : worst;
	}
	if (dmax - dmin < 1.0)
		verdict_set(v, CHECK_FAIL, "constant ISN increment %.0f over %zu SYNs", dmin, n);
	else if (worst < 65536.0)
		verdict_set(v, CHECK_FAIL, "ISNs are predictable: increments within %.0f of %.0f + %.3g per us",
		    worst, a, k * 1000.0);
	else
		verdict_set(v, CHECK_PASS, "increments from %.0f to %.0f, %.3g off any clock line", dmin, dmax,
		    worst);
}

void verdict_default_mss(const uint16_t *lens, size_t n, bool ipv6, struct verdict *v)
{
	unsigned limit = ipv6 ? 1220 : 536;
	unsigned long total = 0;
	uint16_t max = 0;
	for (size_t i = 0; i < n; i++) {
		total += lens[i];
		max = lens[i] > max ? lens[i] : max;
	}
	if (max > limit)
		verdict_set(v, CHECK_FAIL, "a %u-byte segment, beyond the default MSS %u", max, limit);
	else if (total <= limit)
		verdict_set(v, CHECK_SKIP, "the peer sent %lu bytes: too few to tell (send more with --data)",
		    total);
	else
		verdict_set(v, CHECK_PASS, "%lu bytes in segments of at most %u (default MSS %u)", total, max,
		    limit);
}

void verdict_survived(const struct cx_pkt *first, bool control_ok, struct verdict *v)
{
	char b[9];
	const char *answer = first == NULL ? "ignored" : segment_flags_str(first->flags, b);
	if (!control_ok)
		verdict_set(v, CHECK_FAIL, "after a SYN with a zero option length (answer: %s), the next "
				   "connection failed", answer);
	else
		verdict_set(v, CHECK_PASS, "a SYN with a zero option length drew %s; the next connection "
				   "worked", answer);
}

