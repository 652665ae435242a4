/*
 * stats: RTT samples and their summary, as ping prints them.
 *
 * Keeps every sample (8 bytes each) because percentiles need them; mdev is
 * ping's: sqrt(mean(x^2) - mean(x)^2). Percentiles use the nearest-rank
 * method: the smallest sample with at least p% of samples at or below it.
 */
#ifndef TCPSHAKE_STATS_H
#define TCPSHAKE_STATS_H

#include <stddef.h>

struct stats {
	double *v;   /* samples, in arrival order; owned */
	size_t n, cap;
};

struct stats_summary {
	size_t n; /* samples summarised; all other fields are 0 when n is 0 */
	double min, avg, max, mdev;
	double p50, p90, p99;
};

void stats_init(struct stats *s);
/* Append one sample; returns 0, or -1 when memory ran out (sample not kept). */
int stats_add(struct stats *s, double v);
void stats_free(struct stats *s);
/* Summarise without changing s (sorts a copy). Returns 0, -1 on no memory. */
int stats_summarize(const struct stats *s, struct stats_summary *out);
/* Nearest-rank percentile p (0 < p <= 100) of n sorted values; 0 when n is 0. */
double stats_percentile_sorted(const double *sorted, size_t n, double p);

#endif
