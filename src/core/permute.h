/*
 * permute: the order a sweep visits its (address, port) pairs in.
 *
 * A keyed pseudo-random permutation of [0, n) for any n up to 2^64 - 1, as
 * zmap and masscan visit their index spaces: each pair once, none twice,
 * and neighbours in the target list (one host's ports, a prefix's
 * consecutive addresses) far apart in time, so no host or port gets a
 * burst. It is a balanced Feistel network over the smallest even number of
 * bits that holds n, walked in cycles until it lands inside [0, n) (the
 * domain is under 4n, so under four steps on average). It needs no table:
 * memory is O(1) whatever n is.
 *
 * A seed repeats an order (--seed); a shard I/N takes every N-th position
 * of that order from the I-th, so N machines with the same seed split one
 * sweep with no coordinator, their shares disjoint and together whole.
 */
#ifndef TCPSHAKE_PERMUTE_H
#define TCPSHAKE_PERMUTE_H

#include <stdbool.h>
#include <stdint.h>

#define PERMUTE_ROUNDS 4

struct permute {
	uint64_t n;         /* the domain [0, n) */
	unsigned half_bits; /* bits of each Feistel half */
	uint64_t half_mask;
	uint64_t key[PERMUTE_ROUNDS];
	bool identity;      /* the list order itself (a small sweep) */
};

/* A permutation of [0, n), n >= 1, keyed by seed. */
void permute_init(struct permute *p, uint64_t n, uint64_t seed);
/* The index at position pos (pos < n): a bijection of [0, n). */
uint64_t permute_at(const struct permute *p, uint64_t pos);

/* A shard's walk over a permutation: positions shard-1, shard-1+nshards, ... */
struct sweep_order {
	struct permute p;
	uint64_t pos;  /* next position */
	uint64_t step; /* nshards */
};

/* The walk of shard `shard` of `nshards` (1 <= shard <= nshards) over a
 * permutation of [0, n), n >= 1, keyed by seed; shuffle false walks the
 * list order instead (a handful of ports, read best in order). */
void sweep_order_init(struct sweep_order *o, uint64_t n, uint64_t seed, uint64_t shard,
		      uint64_t nshards, bool shuffle);
/* The next index of the walk into *index; false when the shard is done. */
bool sweep_order_next(struct sweep_order *o, uint64_t *index);
/* How many indices the shard visits in all. */
uint64_t sweep_order_count(const struct sweep_order *o, uint64_t shard);

#endif
