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

__attribute__((format(printf, 3, 4))) static void say(struct verdict *v, enum check_result r,
						     const char *fmt, ...)
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
		say(v, CHECK_FAIL, "no SYN-ACK");
		return false;
	}
	if (!is_synack(p)) {
		say(v, CHECK_FAIL, "answered %s instead of SYN-ACK", flags(p, b));
		return false;
	}
	return true;
}

void verdict_synack_ack(const struct cx_pkt *p, uint32_t iss, struct verdict *v)
{
	if (!need_synack(p, v))
		return;
	if (p->ack != iss + 1)
		say(v, CHECK_FAIL, "ack: expected %u (ISN + 1), got %u", iss + 1, p->ack);
	else
		say(v, CHECK_PASS, "ack = ISN + 1 (%u)", p->ack);
}

void verdict_synack_mss(const struct cx_pkt *p, struct verdict *v)
{
	if (!need_synack(p, v))
		return;
	if (p->opt.mss_present)
		say(v, CHECK_PASS, "MSS %u", p->opt.mss);
	else
		say(v, CHECK_FAIL, "no MSS option in the SYN-ACK");
}

void verdict_synack_unasked(const struct cx_pkt *p, struct verdict *v)
{
	if (!need_synack(p, v))
		return;
	char what[64] = "";
	int n = 0;
	if (p->opt.wscale_present)
		n += snprintf(what + n, sizeof(what) - (size_t)n, " window-scale");
	if (p->opt.sack_permitted)
		n += snprintf(what + n, sizeof(what) - (size_t)n, " SACK-permitted");
	if (p->opt.ts_present)
		snprintf(what + n, sizeof(what) - (size_t)n, " timestamps");
	if (what[0] != '\0')
		say(v, CHECK_FAIL, "SYN-ACK carries options the SYN did not offer:%s", what);
	else
		say(v, CHECK_PASS, "none of window scale, SACK-permitted, timestamps unasked");
}

void verdict_synack_tsecr(const struct cx_pkt *p, uint32_t tsval, struct verdict *v)
{
	if (!need_synack(p, v))
		return;
	if (!p->opt.ts_present)
		say(v, CHECK_SKIP, "the peer does not use timestamps");
	else if (p->opt.tsecr != tsval)
		say(v, CHECK_FAIL, "TSecr: expected %u (our TSval), got %u", tsval, p->opt.tsecr);
	else
		say(v, CHECK_PASS, "TSecr echoes our TSval %u", tsval);
}

void verdict_closed_syn(const struct cx_pkt *p, uint32_t iss, struct verdict *v)
{
	char b[9];
	if (p == NULL) {
		say(v, CHECK_FAIL, "no answer (filtered?)");
		return;
	}
	if ((p->flags & (TCPF_RST | TCPF_ACK | TCPF_SYN)) != (TCPF_RST | TCPF_ACK)) {
		say(v, CHECK_FAIL, "answered %s instead of RST+ACK", flags(p, b));
		return;
	}
	if (p->seq != 0)
		say(v, CHECK_FAIL, "seq: expected 0, got %u", p->seq);
	else if (p->ack != iss + 1)
		say(v, CHECK_FAIL, "ack: expected %u (ISN + 1), got %u", iss + 1, p->ack);
	else
		say(v, CHECK_PASS, "RST+ACK, seq 0, ack = ISN + 1");
}

void verdict_stray_ack(const struct cx_pkt *p, uint32_t ack, struct verdict *v)
{
	char b[9];
	if (p == NULL) {
		say(v, CHECK_FAIL, "no RST");
		return;
	}
	if (!(p->flags & TCPF_RST)) {
		say(v, CHECK_FAIL, "answered %s instead of RST", flags(p, b));
		return;
	}
	if (p->seq != ack)
		say(v, CHECK_FAIL, "seq: expected %u (our ack), got %u", ack, p->seq);
	else if (p->flags & TCPF_ACK)
		say(v, CHECK_FAIL, "RST carries ACK; expected <SEQ=SEG.ACK><CTL=RST> alone");
	else
		say(v, CHECK_PASS, "RST, seq = our ack (%u)", ack);
}

void verdict_rst_silent(const struct cx_pkt *p, struct verdict *v)
{
	char b[9];
	if (p != NULL)
		say(v, CHECK_FAIL, "a RST was answered with %s", flags(p, b));
	else
		say(v, CHECK_PASS, "no answer to a RST");
}

void verdict_ignored_then_ok(const struct cx_pkt *reply, const struct cx_pkt *control,
			     const char *what, struct verdict *v)
{
	char b[9];
	if (control == NULL || !is_synack(control)) {
		say(v, CHECK_ERROR, "the control SYN got no SYN-ACK: cannot tell");
		return;
	}
	if (reply != NULL)
		say(v, CHECK_FAIL, "%s was answered with %s", what, flags(reply, b));
	else
		say(v, CHECK_PASS, "%s ignored; a good SYN answered", what);
}

void verdict_synack_normal(const struct cx_pkt *p, uint32_t iss, const char *what,
			   struct verdict *v)
{
	if (!need_synack(p, v))
		return;
	if (p->ack != iss + 1)
		say(v, CHECK_FAIL, "%s: ack expected %u, got %u", what, iss + 1, p->ack);
	else if (p->opt.unknown > 0)
		say(v, CHECK_FAIL, "%s: the SYN-ACK echoes %u unknown option(s)", what, p->opt.unknown);
	else if (p->reserved != 0)
		say(v, CHECK_FAIL, "%s: the SYN-ACK sets reserved bits 0x%x", what, p->reserved);
	else
		say(v, CHECK_PASS, "%s: a normal SYN-ACK", what);
}

void verdict_challenge(const struct cx_pkt *p, uint32_t snd_nxt, bool still_open,
		       const char *what, struct verdict *v)
{
	char b[9];
	if (p == NULL)
		say(v, CHECK_FAIL, "%s: no challenge ACK", what);
	else if (p->flags & TCPF_RST)
		say(v, CHECK_FAIL, "%s: answered %s", what, flags(p, b));
	else if (!(p->flags & TCPF_ACK) || p->ack != snd_nxt)
		say(v, CHECK_FAIL, "%s: expected an ACK of %u, got %s ack %u", what, snd_nxt,
		    flags(p, b), p->ack);
	else if (!still_open)
		say(v, CHECK_FAIL, "%s: challenge ACK sent, but the connection was closed", what);
	else
		say(v, CHECK_PASS, "%s: challenge ACK (ack %u), connection open", what, snd_nxt);
}

void verdict_bad_ack_data(const struct cx_pkt *r, size_t n, uint32_t our_seq, uint16_t len,
			  struct verdict *v)
{
	for (size_t i = 0; i < n; i++) {
		/* Any of it acknowledged is too much: the whole segment must be
		 * discarded (RFC 5961 §5.2). */
		(void)len;
		if ((r[i].flags & TCPF_ACK) && !(r[i].flags & TCPF_RST) &&
		    (int32_t)(r[i].ack - our_seq) > 0) {
			say(v, CHECK_FAIL, "data with an unacceptable ACK was acknowledged (ack %u)",
			    r[i].ack);
			return;
		}
	}
	say(v, CHECK_PASS, "data with an unacceptable ACK not accepted (%zu answer(s))", n);
}

void verdict_rst_ignored(const struct cx_pkt *p, bool still_open, struct verdict *v)
{
	char b[9];
	if (p != NULL && (p->flags & TCPF_RST))
		say(v, CHECK_FAIL, "an out-of-window RST was answered with %s", flags(p, b));
	else if (!still_open)
		say(v, CHECK_FAIL, "an out-of-window RST closed the connection");
	else
		say(v, CHECK_PASS, "out-of-window RST ignored, connection open");
}

void verdict_unacceptable_ack(const struct cx_pkt *p, uint32_t snd_nxt, struct verdict *v)
{
	char b[9];
	if (p == NULL)
		say(v, CHECK_FAIL, "no ACK to an out-of-window segment");
	else if ((p->flags & (TCPF_ACK | TCPF_RST)) != TCPF_ACK)
		say(v, CHECK_FAIL, "answered %s instead of an ACK", flags(p, b));
	else if (p->ack != snd_nxt)
		say(v, CHECK_FAIL, "ack: expected %u (unchanged), got %u", snd_nxt, p->ack);
	else
		say(v, CHECK_PASS, "ACK %u to an out-of-window segment", snd_nxt);
}

void verdict_urgent(bool acked, bool reset, struct verdict *v)
{
	if (reset)
		say(v, CHECK_FAIL, "urgent data reset the connection");
	else if (!acked)
		say(v, CHECK_FAIL, "urgent data and what followed were not acknowledged");
	else
		say(v, CHECK_PASS, "urgent data and what followed acknowledged");
}

void verdict_after_close(const struct cx_pkt *p, struct verdict *v)
{
	char b[9];
	if (p == NULL)
		say(v, CHECK_FAIL, "a segment after the close drew nothing (expected RST)");
	else if (!(p->flags & TCPF_RST))
		say(v, CHECK_FAIL, "a segment after the close drew %s (expected RST)", flags(p, b));
	else
		say(v, CHECK_PASS, "a segment after the close drew RST");
}

void verdict_time_wait(const struct cx_pkt *p, uint32_t fin_seq, struct verdict *v)
{
	char b[9];
	if (p == NULL)
		say(v, CHECK_FAIL, "our retransmitted FIN was not acknowledged");
	else if (p->flags & TCPF_RST)
		say(v, CHECK_FAIL, "our retransmitted FIN was reset in TIME_WAIT");
	else if (!(p->flags & TCPF_ACK) || p->ack != fin_seq + 1)
		say(v, CHECK_FAIL, "ack: expected %u, got %s ack %u", fin_seq + 1, flags(p, b), p->ack);
	else
		say(v, CHECK_PASS, "retransmitted FIN acknowledged again in TIME_WAIT");
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
		say(v, CHECK_FAIL, "the SYN-ACK was not retransmitted within %.0f s",
		    (double)SYNACK_RETRANS_FIRST_NS / 1e9);
		return;
	}
	uint64_t first = t[1] - t[0];
	if (first + SYNACK_RETRANS_TOL_NS < 1000000000ull) {
		say(v, CHECK_FAIL, "first retransmission after %.2f s, below the 1 s floor; gaps %s s",
		    (double)first / 1e9, sched);
		return;
	}
	for (size_t i = 2; i < n; i++) {
		uint64_t prev = t[i - 1] - t[i - 2], cur = t[i] - t[i - 1];
		if (cur < prev + SYNACK_RETRANS_TOL_NS) {
			say(v, CHECK_FAIL, "no backoff: gaps %s s", sched);
			return;
		}
	}
	if (n == 2)
		say(v, CHECK_PASS, "gaps %s s (no second retransmission within %.1f s)", sched,
		    (double)(synack_retrans_watch_until(t, 2) - t[1]) / 1e9);
	else
		say(v, CHECK_PASS, "gaps %s s", sched);
}

void verdict_isn(const uint32_t *isn, const uint64_t *t, size_t n, struct verdict *v)
{
	if (n < 5) {
		say(v, CHECK_ERROR, "only %zu SYN-ACKs: too few to tell", n);
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
		say(v, CHECK_FAIL, "constant ISN increment %.0f over %zu SYNs", dmin, n);
	else if (worst < 65536.0)
		say(v, CHECK_FAIL, "ISNs are predictable: increments within %.0f of %.0f + %.3g per us",
		    worst, a, k * 1000.0);
	else
		say(v, CHECK_PASS, "increments from %.0f to %.0f, %.3g off any clock line", dmin, dmax,
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
		say(v, CHECK_FAIL, "a %u-byte segment, beyond the default MSS %u", max, limit);
	else if (total <= limit)
		say(v, CHECK_SKIP, "the peer sent %lu bytes: too few to tell (send more with --data)",
		    total);
	else
		say(v, CHECK_PASS, "%lu bytes in segments of at most %u (default MSS %u)", total, max,
		    limit);
}

void verdict_survived(const struct cx_pkt *first, bool control_ok, struct verdict *v)
{
	char b[9];
	const char *answer = first == NULL ? "ignored" : segment_flags_str(first->flags, b);
	if (!control_ok)
		say(v, CHECK_FAIL, "after a SYN with a zero option length (answer: %s), the next "
				   "connection failed", answer);
	else
		say(v, CHECK_PASS, "a SYN with a zero option length drew %s; the next connection "
				   "worked", answer);
}

void verdict_fin_acked(const struct cx_pkt *r, size_t n, uint32_t fin_seq, struct verdict *v)
{
	char b[9];
	bool acked = false;
	for (size_t i = 0; i < n; i++) {
		if (r[i].flags & TCPF_RST) {
			say(v, CHECK_FAIL, "our FIN was answered with %s", segment_flags_str(r[i].flags, b));
			return;
		}
		if (!(r[i].flags & TCPF_ACK))
			continue;
		if ((int32_t)(r[i].ack - (fin_seq + 1)) > 0) {
			say(v, CHECK_FAIL, "ack %u is beyond our FIN (expected %u)", r[i].ack, fin_seq + 1);
			return;
		}
		acked = acked || r[i].ack == fin_seq + 1;
	}
	if (!acked) {
		say(v, CHECK_FAIL, "no ACK of FIN seq + 1 (%u) among %zu answer(s)", fin_seq + 1, n);
		return;
	}
	unsigned long after = fin_data_after(r, n, fin_seq);
	if (after > 0)
		say(v, CHECK_PASS, "FIN acknowledged with FIN seq + 1; it still sent %lu bytes after it "
				   "(half-close)", after);
	else
		say(v, CHECK_PASS, "FIN acknowledged with FIN seq + 1; it sent no data after it "
				   "(half-close not exercised)");
}

unsigned long fin_data_after(const struct cx_pkt *r, size_t n, uint32_t fin_seq)
{
	unsigned long after = 0;
	bool seen = false;
	uint32_t top = 0; /* the end of the highest byte seen so far */
	for (size_t i = 0; i < n; i++) {
		if (r[i].len == 0 || (r[i].flags & TCPF_RST))
			continue;
		uint32_t end = r[i].seq + r[i].len;
		bool covers = (r[i].flags & TCPF_ACK) && (int32_t)(r[i].ack - (fin_seq + 1)) >= 0;
		if (covers) {
			uint32_t from = seen && (int32_t)(top - r[i].seq) > 0 ? top : r[i].seq;
			if ((int32_t)(end - from) > 0)
				after += end - from;
		}
		if (!seen || (int32_t)(end - top) > 0)
			top = end;
		seen = true;
	}
	return after;
}
