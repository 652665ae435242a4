/*
 * stats: RTT samples and their summary, as ping prints them.
 *
 * Memory is bounded, however long a `-c 0` run lasts. min, max, the mean and
 * the sum of squared deviations are kept as running figures (Welford's
 * update), so min/avg/max/mdev are exact for any number of samples; mdev is
 * ping's: sqrt(mean(x^2) - mean(x)^2). Percentiles use the nearest-rank
 * method (the smallest sample with at least p% of samples at or below it)
 * and are exact, naming a measured sample, while there are at most
 * STATS_EXACT_MAX samples. Past that the samples go into a fixed histogram of
 * log-spaced buckets (STATS_HIST_PER_DECADE to a decade, about 1% wide, from
 * STATS_HIST_LO to STATS_HIST_HI: 1 us to 100 s when samples are in ms), and
 * percentiles are approximate: a bucket's geometric middle, within about
 * 0.5% of the true sample, clamped to [min, max]; samples below the range
 * read as min, above it as max.
 */
#ifndef TCPSHAKE_STATS_H
#define TCPSHAKE_STATS_H

#include <stddef.h>
#include <stdint.h>

#define STATS_EXACT_MAX 4096
#define STATS_HIST_LO 1e-3
#define STATS_HIST_HI 1e5
#define STATS_HIST_PER_DECADE 232 /* 10^(1/232) = 1.00997: ~1% wide buckets */
#define STATS_HIST_DECADES 8      /* log10(STATS_HIST_HI / STATS_HIST_LO) */
/* The log buckets, then one below the range and one above it. */
#define STATS_HIST_BUCKETS (STATS_HIST_PER_DECADE * STATS_HIST_DECADES + 2)

struct stats {
	/* The samples, in arrival order, while n <= STATS_EXACT_MAX; owned.
	 * Freed (NULL) once they have moved into hist. */
	double *v;
	size_t n, cap;      /* n: samples added in all; cap: room in v */
	double min, max;
	double mean, m2;    /* running mean; sum of squared deviations from it */
	uint64_t *hist;     /* STATS_HIST_BUCKETS counts once n > STATS_EXACT_MAX; owned */
};

struct stats_summary {
	size_t n; /* samples summarised; all other fields are 0 when n is 0 */
	double min, avg, max, mdev;
	double p50, p90, p99; /* approximate (see above) when n > STATS_EXACT_MAX */
};

void stats_init(struct stats *s);
/* Add one sample; returns 0, or -1 when memory ran out (sample not counted). */
int stats_add(struct stats *s, double v);
void stats_free(struct stats *s);
/* Summarise without changing s (sorts a copy of the exact samples).
 * Returns 0, -1 on no memory. */
int stats_summarize(const struct stats *s, struct stats_summary *out);
/* Nearest-rank percentile p (0 < p <= 100) of n sorted values; 0 when n is 0. */
double stats_percentile_sorted(const double *sorted, size_t n, double p);

#endif
