/*
 * stats: the RTT samples of one target port and their ping-style summary.
 *
 * The summary is what iputils ping prints (min/avg/max/mdev, with
 * mdev = sqrt(mean(x^2) - mean(x)^2)) plus nearest-rank percentiles, which
 * name a sample that was actually measured, never an interpolation.
 *
 * A `-c 0` run may last for days, so memory must not grow with the number of
 * samples. min/avg/max/mdev come from running figures: Welford's update of
 * the mean and of the sum of squared deviations from it, which stays accurate
 * over any number of samples (the textbook sum(x^2) - n*mean^2 loses every
 * digit to cancellation when the spread is small next to the mean). Exact
 * percentiles need every sample, so the first STATS_EXACT_MAX are kept (32 KiB
 * at most); a longer run pours them into a fixed log-bucketed histogram
 * (~15 KiB) whose buckets are about 1% wide, which is finer than the jitter
 * of any real RTT. Pure: no printing, no exit; running out of memory is a
 * return value.
 */
#include "config.h"
#include "core/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HIST_LOG (STATS_HIST_PER_DECADE * STATS_HIST_DECADES) /* log buckets */

void stats_init(struct stats *s)
{
	memset(s, 0, sizeof(*s));
}

/* Bucket 0 is below STATS_HIST_LO (0 and NaN too), HIST_LOG + 1 at or above
 * STATS_HIST_HI; bucket i in between starts at LO * 10^((i - 1) / PER_DECADE). */
static size_t bucket_of(double v)
{
	if (!(v >= STATS_HIST_LO))
		return 0;
	if (v >= STATS_HIST_HI)
		return HIST_LOG + 1;
	double i = floor(log10(v / STATS_HIST_LO) * STATS_HIST_PER_DECADE);
	/* Rounding may push a value at an edge one bucket out of range. */
	return i < 0.0 ? 1 : i >= HIST_LOG ? HIST_LOG : (size_t)i + 1;
}

/* What a bucket reads as: its geometric middle, so the error is at most half
 * a bucket (~0.5%); the open-ended end buckets read as min and max. */
static double bucket_value(const struct stats *s, size_t b)
{
	if (b == 0)
		return s->min;
	if (b == HIST_LOG + 1)
		return s->max;
	double v = STATS_HIST_LO * pow(10.0, ((double)b - 0.5) / STATS_HIST_PER_DECADE);
	return v < s->min ? s->min : v > s->max ? s->max : v;
}

/* Room for one more exact sample. */
static int grow(struct stats *s)
{
	if (s->n < s->cap)
		return 0;
	size_t ncap = s->cap ? s->cap * 2 : 4; /* most target ports get a few probes */
	if (ncap > STATS_EXACT_MAX)
		ncap = STATS_EXACT_MAX;
	double *nv = realloc(s->v, ncap * sizeof(*nv));
	if (nv == NULL)
		return -1;
	s->v = nv;
	s->cap = ncap;
	return 0;
}

/* Past STATS_EXACT_MAX: move the exact samples into the histogram. */
static int to_histogram(struct stats *s)
{
	s->hist = calloc(STATS_HIST_BUCKETS, sizeof(*s->hist));
	if (s->hist == NULL)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		s->hist[bucket_of(s->v[i])]++;
	free(s->v);
	s->v = NULL;
	s->cap = 0;
	return 0;
}

int stats_add(struct stats *s, double v)
{
	if (s->hist == NULL && s->n < STATS_EXACT_MAX) {
		if (grow(s) < 0)
			return -1;
		s->v[s->n] = v;
	} else {
		if (s->hist == NULL && to_histogram(s) < 0)
			return -1;
		s->hist[bucket_of(v)]++;
	}
	if (s->n == 0 || v < s->min)
		s->min = v;
	if (s->n == 0 || v > s->max)
		s->max = v;
	s->n++;
	double delta = v - s->mean;
	s->mean += delta / (double)s->n;
	s->m2 += delta * (v - s->mean);
	return 0;
}

void stats_free(struct stats *s)
{
	free(s->v);
	free(s->hist);
	stats_init(s);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest rank of percentile p among n > 0 values: ceil(p/100 * n), 1-based.
 * p*n first keeps integer cases exact (90 * 10 / 100 is 9, not
 * 9.000000000000002); the small slack absorbs rounding of fractional p. */
static size_t nearest_rank(size_t n, double p)
{
	double r = ceil(p * (double)n / 100.0 - 1e-9);
	return r < 1.0 ? 1 : r >= (double)n ? n : (size_t)r;
}

double stats_percentile_sorted(const double *sorted, size_t n, double p)
{
	if (n == 0)
		return 0.0;
	return sorted[nearest_rank(n, p) - 1];
}

static double percentile_hist(const struct stats *s, double p)
{
	size_t rank = nearest_rank(s->n, p);
	uint64_t seen = 0;
	for (size_t b = 0; b < STATS_HIST_BUCKETS; b++) {
		seen += s->hist[b];
		if (seen >= rank)
			return bucket_value(s, b);
	}
	return s->max; /* not reached: the counts add up to n */
}

static int percentiles(const struct stats *s, struct stats_summary *out)
{
	if (s->hist != NULL) {
		out->p50 = percentile_hist(s, 50.0);
		out->p90 = percentile_hist(s, 90.0);
		out->p99 = percentile_hist(s, 99.0);
		return 0;
	}
	double *v = malloc(s->n * sizeof(*v));
	if (v == NULL)
		return -1;
	memcpy(v, s->v, s->n * sizeof(*v));
	qsort(v, s->n, sizeof(*v), cmp_double);
	out->p50 = stats_percentile_sorted(v, s->n, 50.0);
	out->p90 = stats_percentile_sorted(v, s->n, 90.0);
	out->p99 = stats_percentile_sorted(v, s->n, 99.0);
	free(v);
	return 0;
}

int stats_summarize(const struct stats *s, struct stats_summary *out)
{
	memset(out, 0, sizeof(*out));
	if (s->n == 0)
		return 0;
	if (percentiles(s, out) < 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	/* m2 / n is mean((x - avg)^2), which equals ping's mean(x^2) - mean(x)^2
	 * without the cancellation of two large, nearly equal terms. */
	double var = s->m2 / (double)s->n;
	out->n = s->n;
	out->min = s->min;
	out->max = s->max;
	out->avg = s->mean;
	out->mdev = var > 0.0 ? sqrt(var) : 0.0; /* never sqrt of a rounding -0 */
	return 0;
}
