/*
 * isn: probe sequence numbers that are both unpredictable and invertible.
 *
 * A probe's ISN is a keyed 32-bit permutation (a small Feistel network) of the
 * probe's index in the run. Replies name their probe by ack - 1, and ICMP
 * errors by the quoted seq; decoding that value gives the index directly, so
 * matching needs no hash table, and two probes of one run can never share an
 * ISN. The key is random per run, so concurrent runs differ too.
 */
#include "config.h"
#include "core/isn.h"

#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void isn_seed(struct isn_gen *g, uint64_t seed)
{
	uint64_t s = seed;
	for (int i = 0; i < ISN_ROUNDS; i++)
		g->key[i] = (uint16_t)splitmix64(&s);
}

void isn_seed_random(struct isn_gen *g)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40);
	}
	isn_seed(g, seed);
}

/* Round function: any mixing of (half, key) works; invertibility comes from
 * the Feistel structure, not from this function. */
static uint16_t round_fn(uint16_t half, uint16_t key)
{
	uint32_t x = (uint32_t)(half ^ key) * 0x9e37u + 0x7f4au;
	x ^= x >> 7;
	x *= 0x2c1bu;
	return (uint16_t)(x ^ (x >> 9));
}

uint32_t isn_encode(const struct isn_gen *g, uint32_t index)
{
	uint16_t l = (uint16_t)(index >> 16), r = (uint16_t)index;
	for (int i = 0; i < ISN_ROUNDS; i++) {
		uint16_t t = r;
		r = l ^ round_fn(r, g->key[i]);
		l = t;
	}
	return ((uint32_t)l << 16) | r;
}

uint32_t isn_decode(const struct isn_gen *g, uint32_t isn)
{
	uint16_t l = (uint16_t)(isn >> 16), r = (uint16_t)isn;
	for (int i = ISN_ROUNDS - 1; i >= 0; i--) {
		uint16_t t = l;
		l = r ^ round_fn(l, g->key[i]);
		r = t;
	}
	return ((uint32_t)l << 16) | r;
}
