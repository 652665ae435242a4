/*
 * tspace: the index space of a sweep — every (address, port) pair of the
 * run, numbered 0..n-1 without being listed.
 *
 * The space is a short list of segments, each a span of addresses (a host,
 * a prefix, a range) times a list of ports, with the index of its first
 * pair. Index i lies in the segment whose first index is the largest not
 * above i (a binary search), at address offset (i - first) / nports and
 * port (i - first) % nports. So a /16 x 3 ports is one segment, 196608
 * indices, and a few dozen bytes; the sweep's order (permute.h) walks the
 * indices, and nothing per pair is ever stored.
 *
 * Exclusions cut segments: an excluded span with all ports removes those
 * addresses; with ports, it leaves the addresses with the other ports. A
 * pair named by two targets (10.0.0.0/24 and 10.0.0.5:80) is visited once,
 * under the first: later targets are cut by earlier spans.
 *
 * Pure; no output, errors are -1 (no memory) or the caller's to word.
 */
#ifndef TCPSHAKE_TSPACE_H
#define TCPSHAKE_TSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addrspan.h"

struct tspace_seg {
	struct addr_span span;
	const uint16_t *ports; /* borrowed from the caller, or owned by the space */
	size_t nports;
	size_t target;         /* the caller's target it came from (route, name) */
	uint64_t first;        /* index of its first pair (set by tspace_finish) */
};

/* What to leave out: a span, and its ports (nports 0: every port). */
struct tspace_cut {
	struct addr_span span;
	const uint16_t *ports;
	size_t nports;
};

struct tspace {
	struct tspace_seg *seg;
	size_t nseg, cap;
	uint16_t **owned; /* port lists made by cutting */
	size_t nowned;
	struct tspace_cut *spans; /* the spans added so far, as given */
	size_t nspans;
	uint64_t n;       /* pairs in all (set by tspace_finish) */
};

void tspace_init(struct tspace *ts);
void tspace_free(struct tspace *ts);

/* Add target `target`: span x ports (both borrowed; they must outlive the
 * space). Pairs an earlier span already holds are left out. 0, or -1 on
 * no memory. */
int tspace_add(struct tspace *ts, const struct addr_span *sp, const uint16_t *ports, size_t nports,
	       size_t target);

/* Leave out the pairs of every cut. 0, or -1 on no memory. */
int tspace_cut(struct tspace *ts, const struct tspace_cut *cuts, size_t ncuts);

/* Number the pairs. 0; -1 when they are more than 2^63 (no index holds
 * them). After this, n may be 0 (everything was cut). */
int tspace_finish(struct tspace *ts);

/* Pair i (< n): its address, port and target. */
void tspace_at(const struct tspace *ts, uint64_t i, struct netaddr *addr, uint16_t *port,
	       size_t *target);

#endif
