/*
 * isn: initial sequence numbers for probes, one fresh 32-bit value each.
 *
 * A reply names its probe by ack = ISN + 1 (and an ICMP error by quoting the
 * ISN), so two tcpshake runs, or two probes of one run, never claim each
 * other's replies. splitmix64 seeded from getrandom; tests pass a fixed seed.
 */
#ifndef TCPSHAKE_ISN_H
#define TCPSHAKE_ISN_H

#include <stdint.h>

struct isn_gen {
	uint64_t state;
};

/* Seed from the kernel's random source; falls back to time and pid. */
void isn_seed_random(struct isn_gen *g);
void isn_seed(struct isn_gen *g, uint64_t seed);
uint32_t isn_next(struct isn_gen *g);

#endif
