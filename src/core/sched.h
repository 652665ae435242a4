/*
 * sched: when to send the next probe.
 *
 * Pure arithmetic over nanosecond times. Probes go out in rounds: round k
 * sends probe k+1 to every target port in order. A target port's probes are
 * at least `interval` apart; with a rate cap, sends are at least 1/rate
 * apart across all targets. O(1) per send, so a 65535-port sweep is cheap.
 */
#ifndef TCPSHAKE_SCHED_H
#define TCPSHAKE_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sched {
	size_t nflows;          /* target ports */
	unsigned long count;    /* probes per target port; 0 = unbounded */
	uint64_t interval_ns;
	uint64_t gap_ns;        /* 1/rate; 0 = no cap */
	unsigned long round;    /* current round (0-based) */
	size_t cursor;          /* next flow in the round */
	uint64_t round_start;   /* time the current round's first send was due */
	uint64_t last_send;     /* time of the last send; 0 before the first */
	bool started;
};

void sched_init(struct sched *s, size_t nflows, unsigned long count, uint64_t interval_ns,
		double rate_pps, uint64_t start_ns);
/* The next send: true with *flow and *due_ns, false when every probe is sent. */
bool sched_next(const struct sched *s, size_t *flow, uint64_t *due_ns);
/* Record that the send sched_next named went out at now_ns. */
void sched_sent(struct sched *s, uint64_t now_ns);

/* Count one more packet sent at now_ns outside the probe schedule (the RST
 * after a SYN-ACK), so --rate caps every packet, not only probes. */
void sched_charge(struct sched *s, uint64_t now_ns);

#endif
