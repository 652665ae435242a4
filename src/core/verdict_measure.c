/*
 * verdict_measure: decisions of the measuring checks. See verdict_measure.h.
 */
#include "config.h"
#include "core/verdict_measure.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/segment.h"
#include "core/tcpconst.h"

static double sec(uint64_t ns)
{
	return (double)ns / 1e9;
}

/* "a b c" of the gaps between consecutive times t[0..n-1], in seconds. */
static const char *gaps(const uint64_t *t, size_t n, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 1; i < n && at + 12 < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%.2f", i > 1 ? " " : "",
				       sec(t[i] - t[i - 1]));
	return buf;
}

void verdict_delayed_ack(uint64_t sent_ns, const struct cx_pkt *ack, uint64_t rtt_ns,
			 uint64_t waited_ns, struct verdict *v)
{
	if (ack == NULL) {
		verdict_set(v, CHECK_FAIL, "our data was not acknowledged within %.1f s (MUST-40: under 0.5 s)",
		    sec(waited_ns));
		return;
	}
	if (ack->flags & TCPF_RST) {
		verdict_set(v, CHECK_FAIL, "our data was answered with RST");
		return;
	}
	uint64_t took = ack->t_ns > sent_ns ? ack->t_ns - sent_ns : 0;
	uint64_t held = took > rtt_ns ? took - rtt_ns : 0;
	if (held >= ACK_DELAY_MAX_NS)
		verdict_set(v, CHECK_FAIL, "ACK held back %.0f ms (%.0f ms less the %.1f ms RTT): MUST-40 bounds it below 500 ms",
		    (double)held / 1e6, (double)took / 1e6, (double)rtt_ns / 1e6);
	else
		verdict_set(v, CHECK_PASS, "ACK after %.1f ms (RTT %.1f ms)%s", (double)took / 1e6,
		    (double)rtt_ns / 1e6, ack->len > 0 ? ", on the answer's data" : "");
}

void verdict_data_retrans(const uint64_t *t, size_t n, struct verdict *v)
{
	char g[120];
	if (n == 0) {
		verdict_set(v, CHECK_SKIP, "the peer sent no data to retransmit (an echo server, or --data with a "
				   "request it answers)");
		return;
	}
	if (n == 1) {
		verdict_set(v, CHECK_FAIL, "unacknowledged data was not retransmitted within %.0f s (MUST-18)",
		    sec(SYNACK_RETRANS_FIRST_NS));
		return;
	}
	gaps(t, n, g, sizeof(g));
	for (size_t i = 2; i < n; i++) {
		uint64_t prev = t[i - 1] - t[i - 2], cur = t[i] - t[i - 1];
		if (cur < prev + SYNACK_RETRANS_TOL_NS) {
			verdict_set(v, CHECK_FAIL, "no backoff: gaps %s s (RFC 6298 5.5 doubles the RTO; MUST-19)", g);
			return;
		}
	}
	const char *floor = t[1] - t[0] + SYNACK_RETRANS_TOL_NS < NS_PER_S
				    ? "; the first below RFC 6298 2.4's 1 s (a SHOULD; Linux's minimum is 200 ms)"
				    : "";
	if (n == 2)
		verdict_set(v, CHECK_PASS, "gap %s s, no second retransmission within %.1f s%s", g,
		    sec(synack_retrans_watch_until(t, 2) - t[1]), floor);
	else
		verdict_set(v, CHECK_PASS, "gaps %s s%s", g, floor);
}

uint32_t iw_bound(uint16_t smss)
{
	uint32_t ten = 10u * smss, two = 2u * smss;
	uint32_t floor = two > IW_CAP_BYTES ? two : IW_CAP_BYTES;
	return ten < floor ? ten : floor;
}

size_t iw_flight(const struct cx_pkt *seg, size_t n, uint32_t start, uint32_t *bytes)
{
	uint32_t hi = start;
	size_t segs = 0;
	for (size_t i = 0; i < n; i++) {
		const struct cx_pkt *p = &seg[i];
		if (p->len == 0 || (p->flags & TCPF_RST))
			continue;
		if ((int32_t)(p->seq - hi) < 0)
			break; /* a retransmission: the flight is over */
		hi = p->seq + p->len;
		segs++;
	}
	*bytes = hi - start;
	return segs;
}

void verdict_initial_window(const struct cx_pkt *seg, size_t n, uint32_t start, uint16_t smss,
			    bool more, struct verdict *v)
{
	uint32_t bytes, bound = iw_bound(smss);
	size_t segs = iw_flight(seg, n, start, &bytes);
	if (segs == 0) {
		verdict_set(v, CHECK_SKIP, "the peer sent no data (an echo server, or --data with a request for "
				   "more than %u bytes)", bound);
		return;
	}
	if (bytes > bound)
		verdict_set(v, CHECK_FAIL, "initial window %zu segments, %u bytes: above RFC 6928's %u for MSS %u",
		    segs, bytes, bound, smss);
	else if (!more)
		verdict_set(v, CHECK_SKIP, "the peer sent %u bytes in %zu segments, then less than a segment "
				   "more: its initial window was not reached (ask for more than %u bytes)",
		    bytes, segs, bound);
	else
		verdict_set(v, CHECK_PASS, "initial window %zu segments, %u bytes (RFC 6928: at most %u for MSS %u)",
		    segs, bytes, bound, smss);
}

void verdict_zero_window(const uint64_t *probe_t, size_t n, uint64_t closed_ns, uint64_t watched_ns,
			 bool reset, bool reopened, struct verdict *v)
{
	char g[120];
	if (reset) {
		verdict_set(v, CHECK_FAIL, "the peer reset the connection after %zu probes, each answered "
				   "(MUST-37: it must stay open)", n);
		return;
	}
	if (n == 0) {
		if (reopened)
			verdict_set(v, CHECK_FAIL, "no probe of our zero window within %.1f s (MUST-36)",
			    sec(watched_ns));
		else
			verdict_set(v, CHECK_SKIP, "the peer had nothing to send (an echo server, or --data with a "
					   "request it answers)");
		return;
	}
	gaps(probe_t, n, g, sizeof(g));
	double first = sec(probe_t[0] > closed_ns ? probe_t[0] - closed_ns : 0);
	for (size_t i = 2; i < n; i++) {
		uint64_t prev = probe_t[i - 1] - probe_t[i - 2], cur = probe_t[i] - probe_t[i - 1];
		if (cur + ZWP_TOL_NS < prev) {
			verdict_set(v, CHECK_FAIL, "probe intervals shrink: first after %.2f s, then %s s (SHLD-30)",
			    first, g);
			return;
		}
	}
	if (!reopened) {
		verdict_set(v, CHECK_FAIL, "%zu probes, but no data once the window opened (MUST-36)", n);
		return;
	}
	bool grows = n >= 3 && probe_t[n - 1] - probe_t[n - 2] > probe_t[1] - probe_t[0] + ZWP_TOL_NS;
	const char *note = n < 3 ? "" : grows ? " (backoff)" : " (steady: SHLD-30 asks for backoff)";
	if (n == 1)
		verdict_set(v, CHECK_PASS, "1 probe, after %.2f s; data resumed when the window opened", first);
	else
		verdict_set(v, CHECK_PASS, "%zu probes, first after %.2f s, then %s s%s; data resumed when the "
				   "window opened", n, first, g, note);
}

void verdict_challenge_throttle(size_t sent, size_t acks, uint64_t burst_ns, bool reset,
				bool still_open, struct verdict *v)
{
	if (reset || !still_open) {
		verdict_set(v, CHECK_FAIL, "%zu in-window RSTs in %.1f s %s the connection (%zu challenge ACKs; "
				   "RFC 5961 3.2)", sent, sec(burst_ns), reset ? "reset" : "broke", acks);
		return;
	}
	if (acks == 0) {
		verdict_set(v, CHECK_FAIL, "%zu in-window RSTs in %.1f s drew no challenge ACK (RFC 5961 3.2)",
		    sent, sec(burst_ns));
		return;
	}
	if (acks < sent)
		verdict_set(v, CHECK_PASS, "throttled: %zu challenge ACKs for %zu in-window RSTs in %.1f s", acks,
		    sent, sec(burst_ns));
	else
		verdict_set(v, CHECK_PASS, "not throttled: %zu challenge ACKs for %zu in-window RSTs in %.1f s "
				   "(RFC 5961 7 SHOULD limit them; not a failure)", acks, sent, sec(burst_ns));
}
