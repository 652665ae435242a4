/*
 * tspace: segments of (span x ports), cut by exclusions (tspace.h).
 *
 * Cutting one segment by one span gives at most three: the addresses
 * before the cut and after it keep their ports; those inside keep the
 * ports the cut does not name (none for a cut of every port). The work is
 * O(segments x cuts). A new span is cut by every earlier segment, a new
 * host only by the earlier spans as given (hosts repeated as hosts are
 * target_list_dedupe's job), so a long list of single hosts stays linear.
 */
#include "config.h"
#include "core/tspace.h"

#include <stdlib.h>
#include <string.h>

void tspace_init(struct tspace *ts)
{
	memset(ts, 0, sizeof(*ts));
}

void tspace_free(struct tspace *ts)
{
	for (size_t i = 0; i < ts->nowned; i++)
		free(ts->owned[i]);
	free(ts->owned);
	free(ts->seg);
	free(ts->spans);
	tspace_init(ts);
}

static int push_seg(struct tspace *ts, const struct tspace_seg *s)
{
	if (ts->nseg == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 16;
		struct tspace_seg *v = realloc(ts->seg, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		ts->seg = v;
		ts->cap = cap;
	}
	ts->seg[ts->nseg++] = *s;
	return 0;
}

static bool has_port(const uint16_t *ports, size_t n, uint16_t p)
{
	for (size_t i = 0; i < n; i++)
		if (ports[i] == p)
			return true;
	return false;
}

/* ports minus the cut's (a copy the space owns); *n 0 when none is left. */
static int ports_minus(struct tspace *ts, const struct tspace_seg *s, const struct tspace_cut *c,
		       const uint16_t **out, size_t *n)
{
	*n = 0;
	if (c->nports == 0)
		return 0;
	uint16_t *left = malloc(s->nports * sizeof(*left));
	uint16_t **owned = realloc(ts->owned, (ts->nowned + 1) * sizeof(*owned));
	if (left == NULL || owned == NULL) {
		free(left);
		if (owned != NULL)
			ts->owned = owned;
		return -1;
	}
	ts->owned = owned;
	for (size_t i = 0; i < s->nports; i++)
		if (!has_port(c->ports, c->nports, s->ports[i]))
			left[(*n)++] = s->ports[i];
	if (*n == 0) {
		free(left);
		return 0;
	}
	ts->owned[ts->nowned++] = left;
	*out = left;
	return 0;
}

/* Cut segment k by c: it becomes up to three, appended in address order
 * (segment k itself is replaced by the first). */
static int cut_one(struct tspace *ts, size_t k, const struct tspace_cut *c)
{
	struct tspace_seg s = ts->seg[k];
	if (s.span.lo.family != c->span.lo.family)
		return 0;
	struct addr_u128 a0, a1, e0, e1;
	addr_span_bounds(&s.span, &a0, &a1);
	addr_span_bounds(&c->span, &e0, &e1);
	if (addr_u128_cmp(&e1, &a0) < 0 || addr_u128_cmp(&e0, &a1) > 0)
		return 0; /* apart */

	struct tspace_seg piece[3];
	size_t np = 0;
	int fam = s.span.lo.family;
	if (addr_u128_cmp(&e0, &a0) > 0) {
		struct addr_u128 end = e0;
		if (end.lo-- == 0)
			end.hi--;
		piece[np] = s;
		addr_span_from_bounds(fam, &a0, &end, &piece[np++].span);
	}
	const uint16_t *inner;
	size_t ninner;
	if (ports_minus(ts, &s, c, &inner, &ninner) < 0)
		return -1;
	if (ninner > 0) {
		struct addr_u128 lo = addr_u128_cmp(&e0, &a0) > 0 ? e0 : a0;
		struct addr_u128 hi = addr_u128_cmp(&e1, &a1) < 0 ? e1 : a1;
		piece[np] = s;
		piece[np].ports = inner;
		piece[np].nports = ninner;
		addr_span_from_bounds(fam, &lo, &hi, &piece[np++].span);
	}
	if (addr_u128_cmp(&e1, &a1) < 0) {
		struct addr_u128 start = e1;
		if (++start.lo == 0)
			start.hi++;
		piece[np] = s;
		addr_span_from_bounds(fam, &start, &a1, &piece[np++].span);
	}
	/* Replace k by the first piece (or drop it), append the others. */
	if (np == 0) {
		ts->seg[k] = ts->seg[--ts->nseg];
		return 1; /* k now holds another segment: look at it again */
	}
	ts->seg[k] = piece[0];
	for (size_t i = 1; i < np; i++)
		if (push_seg(ts, &piece[i]) < 0)
			return -1;
	return 0;
}

/* Apply cut c to segments [from, nseg). */
static int cut_range(struct tspace *ts, size_t from, const struct tspace_cut *c)
{
	for (size_t k = from; k < ts->nseg;) {
		int r = cut_one(ts, k, c);
		if (r < 0)
			return -1;
		if (r == 0)
			k++;
	}
	return 0;
}

int tspace_add(struct tspace *ts, const struct addr_span *sp, const uint16_t *ports, size_t nports,
	       size_t target)
{
	if (nports == 0 || sp->n == 0)
		return 0;
	size_t at = ts->nseg;
	struct tspace_seg s = { .span = *sp, .ports = ports, .nports = nports, .target = target };
	if (push_seg(ts, &s) < 0)
		return -1;
	if (sp->n > 1) {
		/* A span: every earlier segment may hold some of its pairs. */
		for (size_t k = 0; k < at; k++) {
			struct tspace_cut c = { .span = ts->seg[k].span, .ports = ts->seg[k].ports,
						.nports = ts->seg[k].nports };
			if (cut_range(ts, at, &c) < 0)
				return -1;
		}
	} else {
		/* A host: only earlier spans can (hosts are target_list_dedupe's). */
		for (size_t k = 0; k < ts->nspans && ts->nseg > at; k++)
			if (cut_range(ts, at, &ts->spans[k]) < 0)
				return -1;
	}
	if (sp->n > 1) {
		struct tspace_cut *v = realloc(ts->spans, (ts->nspans + 1) * sizeof(*v));
		if (v == NULL)
			return -1;
		ts->spans = v;
		ts->spans[ts->nspans++] = (struct tspace_cut){ .span = *sp, .ports = ports, .nports = nports };
	}
	return 0;
}

int tspace_cut(struct tspace *ts, const struct tspace_cut *cuts, size_t ncuts)
{
	for (size_t i = 0; i < ncuts; i++)
		if (cut_range(ts, 0, &cuts[i]) < 0)
			return -1;
	return 0;
}

int tspace_finish(struct tspace *ts)
{
	uint64_t n = 0;
	for (size_t k = 0; k < ts->nseg; k++) {
		struct tspace_seg *s = &ts->seg[k];
		ts->seg[k].first = n;
		if (s->span.n > (UINT64_MAX >> 1) / s->nports)
			return -1;
		uint64_t pairs = s->span.n * s->nports;
		if (pairs > (UINT64_MAX >> 1) - n)
			return -1;
		n += pairs;
	}
	ts->n = n;
	return 0;
}

void tspace_at(const struct tspace *ts, uint64_t i, struct netaddr *addr, uint16_t *port,
	       size_t *target)
{
	size_t lo = 0, hi = ts->nseg;
	/* The last segment whose first index is <= i. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (ts->seg[mid].first <= i)
			lo = mid;
		else
			hi = mid;
	}
	const struct tspace_seg *s = &ts->seg[lo];
	uint64_t off = i - s->first;
	addr_span_at(&s->span, off / s->nports, addr);
	*port = s->ports[off % s->nports];
	*target = s->target;
}
