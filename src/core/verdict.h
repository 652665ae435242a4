/*
 * verdict: the pure half of conform mode. Each conformance check collects
 * the peer's answers to crafted segments (checks.c, over the wire) and hands
 * them here; a verdict function decides pass or fail from those recorded
 * segments alone and says why in one line. No I/O, no clock: the unit tests
 * feed recorded sequences, including every misbehaviour a check must catch.
 * These are the builtin checks' decisions; a script check (share/checks)
 * is decided by its own lines (core/script_match.h).
 */
#ifndef TCPSHAKE_VERDICT_H
#define TCPSHAKE_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/segment.h"

enum check_result { CHECK_PASS, CHECK_FAIL, CHECK_SKIP, CHECK_ERROR };
const char *check_result_name(enum check_result r); /* "pass" "fail" "skip" "error" */

/* One segment of the peer, as a check saw it. */
struct cx_pkt {
	uint64_t t_ns;
	uint16_t sport, dport; /* as on the wire: sport is the peer's */
	uint8_t flags;
	uint8_t reserved;
	uint32_t seq, ack;
	uint16_t win, urp, len;
	struct tcp_options opt;
};

/* What a verdict says: the result and one line of why. */
struct verdict {
	enum check_result result;
	char detail[240];
};

/* v's result and its detail, printf-style (cut to fit). */
__attribute__((format(printf, 3, 4))) void verdict_set(struct verdict *v, enum check_result r,
						      const char *fmt, ...);

/* A segment the peer must ignore (bad checksum: MUST-2/3) drew reply (NULL:
 * none), and a good SYN afterwards drew control (NULL: none). */
void verdict_ignored_then_ok(const struct cx_pkt *reply, const struct cx_pkt *control,
			     const char *what, struct verdict *v);
/* A SYN with something the peer must ignore (an unknown option, reserved
 * bits): a normal SYN-ACK for ISN iss, without the unknown option echoed. */
void verdict_synack_normal(const struct cx_pkt *synack, uint32_t iss, const char *what,
			   struct verdict *v);
/* A SYN with an illegal option length (MUST-7): whatever the answer to it,
 * a normal connection afterwards must work (control_ok). */
void verdict_survived(const struct cx_pkt *first, bool control_ok, struct verdict *v);

/* After LAST_ACK completed, a further segment gets RST (§3.10.7.4, §3.6). */
void verdict_after_close(const struct cx_pkt *reply, struct verdict *v);
/* The peer in TIME_WAIT answers our retransmitted FIN with an ACK of
 * fin_seq + 1, not a RST (§3.10.7.4, MUST-13). */
void verdict_time_wait(const struct cx_pkt *reply, uint32_t fin_seq, struct verdict *v);
/*
 * SYN-ACK retransmissions when our ACK is withheld (synack-retransmission).
 *
 * RFC 6298 2.1 lets a stack start from any RTO above 1 s (1 s is the
 * recommendation, RFC 1122's 3 s still allowed); 2.4 puts 1 s as the floor.
 * Stacks differ widely: Linux resends its SYN-ACK after 1 s, lwIP after
 * about 3 s, 4.4BSD-derived stacks such as libslirp after 6 s (a 3 s
 * smoothed-RTT default with its variance). So the first retransmission is
 * awaited SYNACK_RETRANS_FIRST_NS after the first SYN-ACK: twice the
 * slowest of those, so a doubled 6 s (or RFC 1122's 3 s doubled twice) is
 * still seen; waiting longer costs every stack that never retransmits that
 * much more time and tells nothing new. Once it came, the second is awaited
 * for twice that gap plus a second (a doubling, RFC 6298 5.5), at most
 * SYNACK_RETRANS_SECOND_NS; two gaps are enough to judge, so the watch ends
 * there (Linux: about 3 s, libslirp about 18 s).
 *
 * Gaps are compared within SYNACK_RETRANS_TOL_NS: the gaps are differences
 * of two capture timestamps of the peer's segments, so path jitter and the
 * peer's timer granularity (a jiffy) blur them by a few milliseconds.
 */
#define SYNACK_RETRANS_FIRST_NS (12 * 1000000000ull)
#define SYNACK_RETRANS_SECOND_NS (13 * 1000000000ull)
#define SYNACK_RETRANS_TOL_NS (50 * 1000000ull)

/* The capture time (the clock of t_ns) until which to keep watching for
 * SYN-ACKs, given the n >= 1 seen so far at t_ns; 0 once two gaps are seen. */
uint64_t synack_retrans_watch_until(const uint64_t *t_ns, size_t n);
/* Judge n SYN-ACKs seen at t_ns (capture times), watched as
 * synack_retrans_watch_until says: the first gap at least 1 s (RFC 6298
 * 2.4), the second longer than the first (backoff, 5.5; RFC 9293 3.8.1).
 * None resent within the first watch fails. The detail names every gap. */
void verdict_synack_retrans(const uint64_t *t_ns, size_t n, struct verdict *v);
/* ISNs of n SYN-ACKs to SYNs sent at t_ns: not constant or linear
 * increments (RFC 6528 §3, MUST-8/9). */
void verdict_isn(const uint32_t *isn, const uint64_t *t_ns, size_t n, struct verdict *v);
/* A SYN without MSS: every data segment of the peer within 536 (IPv4) or
 * 1220 (IPv6) bytes (MUST-14/15); too little data to tell is a skip. */
void verdict_default_mss(const uint16_t *lens, size_t n, bool ipv6, struct verdict *v);

#endif
