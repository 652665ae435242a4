/*
 * verdict_measure: the pure decisions of the checks that measure rather
 * than compare one answer (checks_measure.c): how much data the peer sends
 * before our first ACK, how long it takes to acknowledge, how it probes a
 * zero window, how many challenge ACKs a burst draws, how its
 * retransmission timer backs off. The checks hand over capture timestamps
 * and the segments they collected; these functions count, compare with the
 * RFC's bound and say why in one line. No I/O and no clock, so the unit
 * tests feed every outcome, the failing ones included.
 *
 * Times are nanoseconds of the capture's clock (cx_pkt.t_ns).
 */
#ifndef TCPSHAKE_VERDICT_MEASURE_H
#define TCPSHAKE_VERDICT_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/verdict.h"

/* ---- delayed-ack-bound ------------------------------------------------------
 * RFC 9293 3.8.6.3: "the delay MUST be less than 0.5 seconds (MUST-40)". */
#define ACK_DELAY_MAX_NS (500 * 1000000ull)

/* Our data segment was seen on the wire at sent_ns; ack is the peer's first
 * segment acknowledging all of it (or a RST), NULL when none came within
 * waited_ns. The delay judged is the time to that ACK less the path's RTT
 * (rtt_ns, from the handshake): what the peer held the ACK back. */
void verdict_delayed_ack(uint64_t sent_ns, const struct cx_pkt *ack, uint64_t rtt_ns,
			 uint64_t waited_ns, struct verdict *v);

/* ---- data-retransmission -----------------------------------------------------
 * RFC 9293 3.8.1 (MUST-18: RFC 6298's timer), 3.8.2 (MUST-19: its
 * exponential backoff); RFC 6298 5.5 doubles the RTO on each expiry. The
 * first gap is not failed for being short: RFC 6298 2.4's 1 s minimum is a
 * SHOULD and Linux's is 200 ms, knowingly; the detail says so. Watched as
 * the SYN-ACK's retransmissions are (synack_retrans_watch_until). */

/* The peer's first data segment went at t[0] and was resent, unacknowledged,
 * at t[1..n-1] (capture times). n == 0: it sent no data. */
void verdict_data_retrans(const uint64_t *t, size_t n, struct verdict *v);

/* ---- initial-window ----------------------------------------------------------
 * RFC 5681 3.1 and RFC 6928 2: the initial window is at most
 * min(10 * SMSS, max(2 * SMSS, 14600)) bytes. */
#define IW_CAP_BYTES 14600u

/* RFC 6928's bound for a sender MSS of smss payload bytes. */
uint32_t iw_bound(uint16_t smss);

/* The peer's first flight: of the segments in seg (the peer's, in capture
 * order, none of them acknowledged by us), the new bytes from start on up
 * to the first retransmission, in *bytes; returns how many segments
 * carried them. */
size_t iw_flight(const struct cx_pkt *seg, size_t n, uint32_t start, uint32_t *bytes);

/* Judge that flight. smss: the largest payload the peer may send us (our
 * MSS offer), so the bound is the most lenient one that applies. more: a
 * full segment more of new data came once we acknowledged the flight, so
 * a window cut it, not the data the peer had (nor Nagle, RFC 9293
 * 3.7.4, which holds back only a partial segment). */
void verdict_initial_window(const struct cx_pkt *seg, size_t n, uint32_t start, uint16_t smss,
			    bool more, struct verdict *v);

/* ---- zero-window-probe -------------------------------------------------------
 * RFC 9293 3.8.6.1: probing a zero window MUST be supported (MUST-36), and
 * while the receiver answers the probes the connection MUST stay open
 * (MUST-37); the first probe SHOULD come after an RTO (SHLD-29) and the
 * interval SHOULD grow exponentially (SHLD-30). */
#define ZWP_TOL_NS (50 * 1000000ull)

/* We closed the window at closed_ns and answered every probe with window
 * 0; the peer's probes came at probe_t[0..n-1]; watched_ns is how long we
 * watched. reset: the peer reset the connection meanwhile. reopened: once
 * we opened the window, new data came. Shrinking intervals fail (a probe
 * storm); steady ones pass with a note (SHLD-30 is a SHOULD). No probe
 * and no data after the window opened: the peer had nothing to send, skip. */
void verdict_zero_window(const uint64_t *probe_t, size_t n, uint64_t closed_ns, uint64_t watched_ns,
			 bool reset, bool reopened, struct verdict *v);

/* ---- challenge-ack-throttle --------------------------------------------------
 * RFC 5961 7: an implementation SHOULD limit the challenge ACKs it sends
 * (a SHOULD: both a throttled and an unthrottled peer pass, the detail
 * says which). What fails is what 3.2 forbids: the burst breaking the
 * connection, or no challenge ACK at all. */

/* sent in-window RSTs over burst_ns drew acks challenge ACKs; reset: the
 * peer reset the connection; still_open: data afterwards was acknowledged. */
void verdict_challenge_throttle(size_t sent, size_t acks, uint64_t burst_ns, bool reset,
				bool still_open, struct verdict *v);

#endif
