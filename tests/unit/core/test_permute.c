/*
 * test_permute: the sweep order is a permutation (every index once), repeats
 * with its seed, differs across seeds, scatters neighbours, and its shards
 * are disjoint and together whole.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/permute.h"

/* Every index of [0, n) exactly once over positions [0, n). */
static void assert_bijection(uint64_t n, uint64_t seed)
{
	struct permute p;
	uint8_t *seen = calloc(n, 1);
	assert_non_null(seen);
	permute_init(&p, n, seed);
	for (uint64_t pos = 0; pos < n; pos++) {
		uint64_t x = permute_at(&p, pos);
		assert_true(x < n);
		assert_int_equal(seen[x], 0);
		seen[x] = 1;
	}
	free(seen);
}

static void test_bijection(void **state)
{
	static const uint64_t sizes[] = { 1, 2, 3, 4, 5, 7, 16, 17, 255, 1000, 65535, 65536, 196605, 1u << 20 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_bijection(sizes[i], 1);
		assert_bijection(sizes[i], 0xdeadbeefcafef00dull);
	}
}

static void test_huge_domain_stays_in_range(void **state)
{
	/* An IPv6 prefix with --allow-large: n near 2^64 must not wrap. */
	static const uint64_t sizes[] = { UINT64_MAX, (1ull << 63) + 1, 1ull << 40 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct permute p;
		permute_init(&p, sizes[i], 7);
		for (uint64_t pos = 0; pos < 1000; pos++)
			assert_true(permute_at(&p, pos) < sizes[i]);
		/* Two positions never give one index. */
		assert_true(permute_at(&p, 0) != permute_at(&p, 1));
	}
}

static void test_seed_repeats_and_differs(void **state)
{
	struct permute a, b, c;
	permute_init(&a, 65535, 42);
	permute_init(&b, 65535, 42);
	permute_init(&c, 65535, 43);
	size_t same = 0;
	for (uint64_t pos = 0; pos < 65535; pos++) {
		assert_int_equal(permute_at(&a, pos), permute_at(&b, pos));
		same += permute_at(&a, pos) == permute_at(&c, pos);
	}
	/* Another seed, another order: a few coincidences at most. */
	assert_true(same < 100);
}

static void test_neighbours_scattered(void **state)
{
	/* A full-port sweep of one host: the first 1000 probes are spread over
	 * the whole space, not a run of consecutive ports. */
	struct permute p;
	permute_init(&p, 65535, 9);
	size_t adjacent = 0, low_half = 0;
	uint64_t prev = permute_at(&p, 0);
	for (uint64_t pos = 1; pos < 1000; pos++) {
		uint64_t x = permute_at(&p, pos);
		adjacent += (x == prev + 1 || prev == x + 1);
		low_half += x < 65535 / 2;
		prev = x;
	}
	assert_true(adjacent < 5);
	assert_true(low_half > 400 && low_half < 600);
}

static void test_shards_disjoint_and_whole(void **state)
{
	const uint64_t n = 10007;
	const uint64_t nshards[] = { 1, 2, 3, 4, 7 };
	for (size_t k = 0; k < sizeof(nshards) / sizeof(nshards[0]); k++) {
		uint8_t *seen = calloc(n, 1);
		assert_non_null(seen);
		uint64_t total = 0;
		for (uint64_t s = 1; s <= nshards[k]; s++) {
			struct sweep_order o;
			uint64_t idx, visited = 0;
			sweep_order_init(&o, n, 5, s, nshards[k], true);
			uint64_t want = sweep_order_count(&o, s);
			while (sweep_order_next(&o, &idx)) {
				assert_true(idx < n);
				assert_int_equal(seen[idx], 0); /* disjoint */
				seen[idx] = 1;
				visited++;
			}
			assert_int_equal(visited, want);
			total += visited;
		}
		assert_int_equal(total, n); /* whole */
		free(seen);
	}
}

static void test_shard_of_the_same_seed_is_a_slice_of_the_whole(void **state)
{
	/* Shard 2/3 visits positions 1, 4, 7, ... of the unsharded order. */
	struct sweep_order whole, part;
	uint64_t all[30], idx;
	sweep_order_init(&whole, 30, 11, 1, 1, true);
	for (int i = 0; i < 30; i++)
		assert_true(sweep_order_next(&whole, &all[i]));
	assert_false(sweep_order_next(&whole, &idx));
	sweep_order_init(&part, 30, 11, 2, 3, true);
	for (int i = 1; i < 30; i += 3) {
		assert_true(sweep_order_next(&part, &idx));
		assert_int_equal(idx, all[i]);
	}
	assert_false(sweep_order_next(&part, &idx));
}

static void test_unshuffled_walks_the_list(void **state)
{
	struct sweep_order o;
	uint64_t idx;
	sweep_order_init(&o, 10, 3, 2, 3, false);
	for (uint64_t want = 1; want < 10; want += 3) {
		assert_true(sweep_order_next(&o, &idx));
		assert_int_equal(idx, want);
	}
	assert_false(sweep_order_next(&o, &idx));
}

static void test_more_shards_than_indices(void **state)
{
	struct sweep_order o;
	uint64_t idx;
	sweep_order_init(&o, 2, 1, 3, 4, true);
	assert_int_equal(sweep_order_count(&o, 3), 0);
	assert_false(sweep_order_next(&o, &idx));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bijection),
		cmocka_unit_test(test_huge_domain_stays_in_range),
		cmocka_unit_test(test_seed_repeats_and_differs),
		cmocka_unit_test(test_neighbours_scattered),
		cmocka_unit_test(test_shards_disjoint_and_whole),
		cmocka_unit_test(test_shard_of_the_same_seed_is_a_slice_of_the_whole),
		cmocka_unit_test(test_unshuffled_walks_the_list),
		cmocka_unit_test(test_more_shards_than_indices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
