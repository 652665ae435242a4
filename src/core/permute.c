/*
 * permute: a keyed Feistel permutation with cycle walking (permute.h).
 *
 * The round function is splitmix64's finaliser of (half ^ round key): it
 * only has to scatter, not to resist an adversary (the order is not a
 * secret; the ISNs that match answers are keyed apart, in isn.c). Four
 * rounds make every output bit depend on every input bit.
 */
#include "config.h"
#include "core/permute.h"

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void permute_init(struct permute *p, uint64_t n, uint64_t seed)
{
	unsigned bits = 0;

	p->n = n ? n : 1;
	p->identity = false;
	/* Bits to hold n - 1, rounded up to even (at least 2). */
	for (uint64_t v = p->n - 1; v != 0; v >>= 1)
		bits++;
	if (bits < 2)
		bits = 2;
	bits += bits & 1;
	p->half_bits = bits / 2;
	p->half_mask = p->half_bits >= 64 ? UINT64_MAX : (1ull << p->half_bits) - 1;
	uint64_t k = seed;
	for (int r = 0; r < PERMUTE_ROUNDS; r++) {
		k += 0x9e3779b97f4a7c15ull;
		p->key[r] = mix64(k);
	}
}

/* One pass of the network over the 2 * half_bits domain: a bijection. */
static uint64_t feistel(const struct permute *p, uint64_t x)
{
	uint64_t l = (x >> p->half_bits) & p->half_mask, r = x & p->half_mask;

	for (int i = 0; i < PERMUTE_ROUNDS; i++) {
		uint64_t t = l ^ (mix64(r ^ p->key[i]) & p->half_mask);
		l = r;
		r = t;
	}
	return (l << p->half_bits) | r;
}

uint64_t permute_at(const struct permute *p, uint64_t pos)
{
	/* Cycle walking: a bijection of the larger domain, applied until it
	 * lands in [0, n), is a bijection of [0, n). */
	if (p->identity)
		return pos;
	uint64_t x = feistel(p, pos);
	while (x >= p->n)
		x = feistel(p, x);
	return x;
}

void sweep_order_init(struct sweep_order *o, uint64_t n, uint64_t seed, uint64_t shard,
		      uint64_t nshards, bool shuffle)
{
	permute_init(&o->p, n, seed);
	o->p.identity = !shuffle;
	o->pos = shard >= 1 ? shard - 1 : 0;
	o->step = nshards >= 1 ? nshards : 1;
}

bool sweep_order_next(struct sweep_order *o, uint64_t *index)
{
	if (o->pos >= o->p.n)
		return false;
	*index = permute_at(&o->p, o->pos);
	/* pos + step may wrap near 2^64: stop rather than start over. */
	o->pos = o->pos > UINT64_MAX - o->step ? UINT64_MAX : o->pos + o->step;
	return true;
}

uint64_t sweep_order_count(const struct sweep_order *o, uint64_t shard)
{
	uint64_t first = shard >= 1 ? shard - 1 : 0;
	if (first >= o->p.n)
		return 0;
	return (o->p.n - 1 - first) / o->step + 1;
}
