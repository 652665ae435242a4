/*
 * checks_measure: the conformance checks that measure a behaviour over
 * time rather than compare one answer: a window counted, a delay timed, a
 * timer's backoff watched. They stay C procedures on cx (fixed exchanges
 * can be scripts; these cannot), each deciding with a verdict function of
 * core/verdict_measure.h. docs/checks.md describes them for people.
 *
 * checks.c registers them: CHECKS_MEASURE is their entries of its table,
 * in the order they run.
 */
#ifndef TCPSHAKE_CHECKS_MEASURE_H
#define TCPSHAKE_CHECKS_MEASURE_H

#include "core/verdict.h"
#include "engine/cx.h"

/* Each runs against cx and fills v; data is --data (may be NULL). */
void check_initial_window(struct cx *cx, const char *data, struct verdict *v);
void check_delayed_ack(struct cx *cx, const char *data, struct verdict *v);
void check_zero_window(struct cx *cx, const char *data, struct verdict *v);
void check_challenge_throttle(struct cx *cx, const char *data, struct verdict *v);
void check_data_retrans(struct cx *cx, const char *data, struct verdict *v);

/* The table entries (struct check_def initialisers, checks.h). */
#define CHECKS_MEASURE                                                                              \
	{.id = "initial-window", .ref = "RFC 5681 3.1; RFC 6928 2",                                 \
	 .what = "the first flight before our ACK is at most min(10*MSS, max(2*MSS, 14600)) bytes", \
	 .needs_guard = true, .needs_open = true, .run = check_initial_window},                                         \
	{.id = "delayed-ack-bound", .ref = "RFC 9293 3.8.6.3 (MUST-40)",                            \
	 .what = "our data is acknowledged within 0.5 s", .needs_guard = true, .needs_open = true,                      \
	 .run = check_delayed_ack},                                                                 \
	{.id = "challenge-ack-throttle", .ref = "RFC 5961 7, 3.2",                                  \
	 .what = "a burst of in-window RSTs draws (possibly throttled) challenge ACKs and no reset", \
	 .needs_guard = true, .needs_open = true, .run = check_challenge_throttle},                                     \
	{.id = "data-retransmission", .ref = "RFC 6298 5.5; RFC 9293 3.8.1 (MUST-18), 3.8.2 (MUST-19)", \
	 .what = "unacknowledged data is retransmitted, with backoff", .slow = true,                \
	 .needs_guard = true, .needs_open = true, .run = check_data_retrans},                                           \
	{.id = "zero-window-probe", .ref = "RFC 9293 3.8.6.1 (MUST-36, MUST-37)",                   \
	 .what = "a zero window is probed, with backoff, the connection kept, the data resumed",    \
	 .slow = true, .needs_guard = true, .needs_open = true, .run = check_zero_window}

#endif
