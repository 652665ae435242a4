/*
 * addrspan: a run of consecutive addresses written as one target — a CIDR
 * prefix (10.0.0.0/16, fd00::/112) or an IPv4 range (10.0.0.1-10.0.0.254).
 *
 * A span is its first address and how many follow, so a /16 costs what one
 * host costs: nothing is expanded. Host bits of a prefix are ignored, as
 * nmap does (10.0.0.5/24 is 10.0.0.0/24). Pure; errors are one line naming
 * what was written and what is allowed.
 */
#ifndef TCPSHAKE_ADDRSPAN_H
#define TCPSHAKE_ADDRSPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/netaddr.h"

/* Without --allow-large, spans up to a /8 (IPv4) or /104 (IPv6): 2^24. */
#define ADDRSPAN_MAX_DEFAULT (1ull << 24)
/* Beyond 2^63 addresses an index space could not hold the span's ports. */
#define ADDRSPAN_MAX (1ull << 63)

struct addr_span {
	struct netaddr lo; /* the first address */
	uint64_t n;        /* how many, from 1 */
	int prefix_len;    /* as written for a prefix; -1 for a range */
};

/*
 * Parse s as a span. Returns 1 with *out when s is one; 0 when s is not a
 * span at all (a name or one address: the caller resolves it); -1 with err
 * when s is meant as a span but is wrong ("10.0.0.0/33", "10.0.0.5-10.0.0.1",
 * "fd00::/129", or a prefix of more than ADDRSPAN_MAX addresses).
 */
int addr_span_parse(const char *s, struct addr_span *out, char *err, size_t errlen);

/* Whether a span of this size may be swept without --allow-large; when not,
 * err names its size and the option. */
bool addr_span_size_ok(const struct addr_span *sp, bool allow_large, const char *as_written, char *err,
		       size_t errlen);

/* The k-th address of the span (k < n). */
void addr_span_at(const struct addr_span *sp, uint64_t k, struct netaddr *out);

/* Where a lies in the span: its offset k with addr_span_at(sp, k) == a, or
 * -1 when a is outside (or of another family). */
int64_t addr_span_offset(const struct addr_span *sp, const struct netaddr *a);

/* An address as a 128-bit number (IPv4 in the low half), for ordering
 * and cutting spans. */
struct addr_u128 {
	uint64_t hi, lo;
};
void addr_to_u128(const struct netaddr *a, struct addr_u128 *out);
void addr_from_u128(int family, const struct addr_u128 *v, struct netaddr *out);
/* -1, 0, 1 as a < b, a == b, a > b. */
int addr_u128_cmp(const struct addr_u128 *a, const struct addr_u128 *b);
/* The span's first and last address as numbers. */
void addr_span_bounds(const struct addr_span *sp, struct addr_u128 *first, struct addr_u128 *last);
/* The span [first, last] (last - first < 2^63) of family. */
void addr_span_from_bounds(int family, const struct addr_u128 *first, const struct addr_u128 *last,
			   struct addr_span *out);

/* A span of one address. */
void addr_span_single(const struct netaddr *a, struct addr_span *out);

#endif
