/*
 * stats: the RTT samples of one target port and their ping-style summary.
 *
 * Every sample is kept (a growing array of doubles) because percentiles need
 * the whole distribution; at 8 bytes a sample even a long `-c 0` run stays
 * small. The summary is what iputils ping prints (min/avg/max/mdev, with
 * mdev = sqrt(mean(x^2) - mean(x)^2)) plus nearest-rank percentiles, which
 * always name a sample that was actually measured, never an interpolation.
 * Pure: no printing, no exit; running out of memory is a return value.
 */
#include "config.h"
#include "stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void stats_init(struct stats *s)
{
	s->v = NULL;
	s->n = 0;
	s->cap = 0;
}

int stats_add(struct stats *s, double v)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 4; /* most target ports get a few probes */
		if (ncap < s->cap || ncap > SIZE_MAX / sizeof(*s->v))
			return -1;
		double *nv = realloc(s->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = v;
	return 0;
}

void stats_free(struct stats *s)
{
	free(s->v);
	stats_init(s);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double stats_percentile_sorted(const double *sorted, size_t n, double p)
{
	if (n == 0)
		return 0.0;
	/* Nearest rank: ceil(p/100 * n), 1-based. p*n first keeps integer cases
	 * exact (90 * 10 / 100 is 9, not 9.000000000000002); the small slack
	 * absorbs rounding of fractional p. */
	double r = ceil(p * (double)n / 100.0 - 1e-9);
	size_t rank = r < 1.0 ? 1 : r >= (double)n ? n : (size_t)r;
	return sorted[rank - 1];
}

int stats_summarize(const struct stats *s, struct stats_summary *out)
{
	memset(out, 0, sizeof(*out));
	if (s->n == 0)
		return 0;

	double *v = malloc(s->n * sizeof(*v));
	if (v == NULL)
		return -1;
	memcpy(v, s->v, s->n * sizeof(*v));
	qsort(v, s->n, sizeof(*v), cmp_double);

	double sum = 0.0;
	for (size_t i = 0; i < s->n; i++)
		sum += v[i];
	double avg = sum / (double)s->n;

	/* mean(x^2) - mean(x)^2 equals mean((x - avg)^2); summing the squared
	 * deviations avoids the cancellation of two large, nearly equal terms. */
	double var = 0.0;
	for (size_t i = 0; i < s->n; i++)
		var += (v[i] - avg) * (v[i] - avg);
	var /= (double)s->n;

	out->n = s->n;
	out->min = v[0];
	out->max = v[s->n - 1];
	out->avg = avg;
	out->mdev = var > 0.0 ? sqrt(var) : 0.0; /* never sqrt of a rounding -0 */
	out->p50 = stats_percentile_sorted(v, s->n, 50.0);
	out->p90 = stats_percentile_sorted(v, s->n, 90.0);
	out->p99 = stats_percentile_sorted(v, s->n, 99.0);
	free(v);
	return 0;
}
