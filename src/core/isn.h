/*
 * isn: initial sequence numbers for probes, one per probe, from a keyed
 * permutation of the probe's index (see isn.c for why).
 *
 * A reply names its probe by ack = ISN + 1 (an ICMP error by quoting the ISN);
 * isn_decode turns that back into the index. Tests pass a fixed seed.
 */
#ifndef TCPSHAKE_ISN_H
#define TCPSHAKE_ISN_H

#include <stdint.h>

#define ISN_ROUNDS 6

struct isn_gen {
	uint16_t key[ISN_ROUNDS];
};

/* Key from the kernel's random source; falls back to time and pid. */
void isn_seed_random(struct isn_gen *g);
void isn_seed(struct isn_gen *g, uint64_t seed);
/* The ISN of probe `index`; a bijection on 32-bit values. */
uint32_t isn_encode(const struct isn_gen *g, uint32_t index);
/* The inverse: isn_decode(g, isn_encode(g, i)) == i for every i. */
uint32_t isn_decode(const struct isn_gen *g, uint32_t isn);

#endif
