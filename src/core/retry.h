/*
 * retry: how long a sweep waits for an answer, and how often it asks again.
 *
 * The timeout adapts to the answers seen, as TCP's own retransmission
 * timer does (RFC 6298): a smoothed RTT and its variation, timeout =
 * SRTT + 4 RTTVAR, never below a floor nor above -W. Before any answer it
 * is -W (at most 1 s, the RFC's initial RTO). It is not doubled for each
 * retransmission of a probe, as TCP's is (RFC 6298 5.5): that backoff is
 * a connection's answer to congestion, and a sweep's pace answers a queue
 * on its own (sweep.c), while its tries are independent draws of the
 * path's loss. Doubled, a probe unlucky five times running would wait
 * 32 timeouts, and at 20% loss each way a full-port sweep has dozens of
 * those: they, not the sending, made the sweep's length. Only a pair's
 * last try, which decides it, waits longer: twice the timeout, and at
 * least a few times the largest RTT seen (the tail), so a slow answer is
 * not taken for a filtered port.
 *
 * How many retransmissions a probe gets adapts to the loss seen: an
 * answering port is missed only when every try is lost, so with per-try
 * loss L over a sweep of N pairs, k retries leave N L^(k+1) such ports.
 * The sweep retries until that falls below RETRY_MISS_TARGET, up to the
 * cap (--retries). L is estimated from the ports that did answer: the
 * share of them that needed a retransmission, with one imagined loss and
 * one imagined success added, so that before the evidence is in the
 * estimate is cautious. Until some retransmission has been answered,
 * nothing says the network loses packets: silence is taken for filtering
 * and a probe gets one retransmission. Pure arithmetic; the engine feeds
 * it.
 */
#ifndef TCPSHAKE_RETRY_H
#define TCPSHAKE_RETRY_H

#include <stdint.h>

/* --retries: at most this many (each try has a source port of its own),
 * and by default this many, of which the loss seen uses what it needs. */
#define RETRIES_MAX 30
#define RETRIES_DEFAULT 15

/* Expected answering ports missed in a whole sweep. */
#define RETRY_MISS_TARGET 0.001
/* The lowest timeout: answers in a busy capture take this long to be read. */
#define RETRY_FLOOR_NS (10ull * 1000 * 1000)

struct retry {
	uint64_t max_ns;        /* -W: no timeout is longer */
	uint64_t srtt_ns, rttvar_ns;
	uint64_t rtt_max_ns;    /* the largest RTT seen */
	uint64_t rtt_latest_ns; /* the RTT of the newest answer */
	uint64_t rtt_min_ns;    /* the smallest RTT seen: the path without a queue */
	int have_rtt;
	unsigned cap;           /* --retries */
	uint64_t pairs;         /* N: pairs the sweep probes */
	uint64_t answered;      /* ports answered */
	uint64_t answered_late; /* of them, answered on a retransmission */
};

void retry_init(struct retry *r, uint64_t max_ns, unsigned cap, uint64_t pairs);
/* An answer with this RTT to a probe's try `attempt` (0 for the first). */
void retry_answer(struct retry *r, uint64_t rtt_ns, unsigned attempt);
/* How long a try sent now waits for its answer: the timeout, or, for a
 * pair's last try (last != 0), twice that and at least retry_tail; never
 * more than -W. */
uint64_t retry_timeout(const struct retry *r, int last);
/* How many retransmissions a probe gets now (0..cap). */
unsigned retry_allowed(const struct retry *r);
/* RACK's reordering window (RFC 8985): how much later than a try sent
 * after it an answer may still come: a quarter of the smoothed RTT, at
 * least 1 ms. */
uint64_t retry_reorder_window(const struct retry *r);

/* Whether answers come back late for the path's own RTT: the smoothed
 * RTT above 4 times the smallest seen plus 2 ms, the mark of a queue (a
 * slow bridge, a router's buffer) that sending faster only lengthens.
 * Random loss does not raise it, so a lossy path is not slowed down. */
int retry_queueing(const struct retry *r);

/* How long to wait after the last send for answers still on their way:
 * a few times the largest RTT seen, within -W. */
uint64_t retry_tail(const struct retry *r);

#endif
