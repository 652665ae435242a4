/*
 * addrspan: prefixes and IPv4 ranges as (first address, count) (addrspan.h).
 *
 * Address arithmetic is on the low 64 bits of the address with a carry
 * into the high ones, which covers every span an index space can hold
 * (at most 2^63 addresses).
 */
#include "config.h"
#include "core/addrspan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The address as two 64-bit halves, IPv4 in the low half. */
static void to_u128(const struct netaddr *a, uint64_t *hi, uint64_t *lo)
{
	*hi = 0;
	*lo = 0;
	if (a->family == AF_INET) {
		for (int i = 0; i < 4; i++)
			*lo = (*lo << 8) | a->b[i];
		return;
	}
	for (int i = 0; i < 8; i++)
		*hi = (*hi << 8) | a->b[i];
	for (int i = 8; i < 16; i++)
		*lo = (*lo << 8) | a->b[i];
}

static void from_u128(int family, uint64_t hi, uint64_t lo, struct netaddr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	if (family == AF_INET) {
		for (int i = 3; i >= 0; i--, lo >>= 8)
			a->b[i] = (uint8_t)lo;
		return;
	}
	for (int i = 15; i >= 8; i--, lo >>= 8)
		a->b[i] = (uint8_t)lo;
	for (int i = 7; i >= 0; i--, hi >>= 8)
		a->b[i] = (uint8_t)hi;
}

void addr_to_u128(const struct netaddr *a, struct addr_u128 *out)
{
	to_u128(a, &out->hi, &out->lo);
}

void addr_from_u128(int family, const struct addr_u128 *v, struct netaddr *out)
{
	from_u128(family, v->hi, v->lo, out);
}

int addr_u128_cmp(const struct addr_u128 *a, const struct addr_u128 *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

static struct addr_u128 u128_add(struct addr_u128 v, uint64_t k)
{
	uint64_t sum = v.lo + k;
	if (sum < v.lo)
		v.hi++;
	v.lo = sum;
	return v;
}

void addr_span_bounds(const struct addr_span *sp, struct addr_u128 *first, struct addr_u128 *last)
{
	addr_to_u128(&sp->lo, first);
	*last = u128_add(*first, sp->n - 1);
}

void addr_span_from_bounds(int family, const struct addr_u128 *first, const struct addr_u128 *last,
			   struct addr_span *out)
{
	addr_from_u128(family, first, &out->lo);
	out->n = last->lo - first->lo + 1; /* the halves' borrow cancels below 2^63 */
	out->prefix_len = -1;
}

void addr_span_single(const struct netaddr *a, struct addr_span *out)
{
	out->lo = *a;
	out->n = 1;
	out->prefix_len = -1;
}

/* "ADDR/LEN": the prefix, host bits cleared. */
static int parse_prefix(const char *s, const char *slash, struct addr_span *out, char *err,
			size_t errlen)
{
	char lit[64];
	size_t alen = (size_t)(slash - s);
	struct netaddr a;

	if (alen == 0 || alen >= sizeof(lit)) {
		snprintf(err, errlen, "invalid prefix '%.64s': expected ADDRESS/LENGTH like 10.0.0.0/24", s);
		return -1;
	}
	memcpy(lit, s, alen);
	lit[alen] = '\0';
	if (netaddr_parse(lit, &a) < 0) {
		snprintf(err, errlen, "invalid prefix '%.64s': '%s' is not an IPv4 or IPv6 address", s, lit);
		return -1;
	}
	int bits = a.family == AF_INET ? 32 : 128;
	char *end;
	errno = 0;
	long len = strtol(slash + 1, &end, 10);
	if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || errno != 0 || len < 0 || len > bits) {
		snprintf(err, errlen, "invalid prefix '%.64s': the length must be 0 to %d", s, bits);
		return -1;
	}
	int host_bits = bits - (int)len;
	if (host_bits > 63) {
		snprintf(err, errlen, "prefix '%.64s' has 2^%d addresses: too many to sweep (at most 2^63)", s,
			 host_bits);
		return -1;
	}
	uint64_t hi, lo;
	to_u128(&a, &hi, &lo);
	uint64_t mask = host_bits == 0 ? 0 : (1ull << host_bits) - 1;
	lo &= ~mask;
	from_u128(a.family, hi, lo, &out->lo);
	out->n = 1ull << host_bits;
	out->prefix_len = (int)len;
	return 1;
}

/* "A.B.C.D-E.F.G.H", IPv4 only, low to high. */
static int parse_range(const char *s, const char *dash, struct addr_span *out, char *err,
		       size_t errlen)
{
	char l[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];
	size_t llen = (size_t)(dash - s);
	struct in_addr a, b;

	if (llen >= sizeof(l))
		return 0;
	memcpy(l, s, llen);
	l[llen] = '\0';
	if (inet_pton(AF_INET, l, &a) != 1)
		return 0; /* "my-host": a name with a dash, not a range */
	if (strlen(dash + 1) >= sizeof(r) || inet_pton(AF_INET, strcpy(r, dash + 1), &b) != 1) {
		snprintf(err, errlen, "invalid range '%.64s': expected FIRST-LAST IPv4 addresses like "
				      "10.0.0.1-10.0.0.254", s);
		return -1;
	}
	uint32_t lo = ntohl(a.s_addr), hi = ntohl(b.s_addr);
	if (hi < lo) {
		snprintf(err, errlen, "invalid range '%.64s': the last address is below the first", s);
		return -1;
	}
	netaddr_set(&out->lo, AF_INET, &a.s_addr);
	out->n = (uint64_t)(hi - lo) + 1;
	out->prefix_len = -1;
	return 1;
}

int addr_span_parse(const char *s, struct addr_span *out, char *err, size_t errlen)
{
	const char *slash = strchr(s, '/');
	if (slash != NULL)
		return parse_prefix(s, slash, out, err, errlen);
	const char *dash = strchr(s, '-');
	if (dash != NULL && strchr(s, ':') == NULL)
		return parse_range(s, dash, out, err, errlen);
	return 0;
}

bool addr_span_size_ok(const struct addr_span *sp, bool allow_large, const char *as_written, char *err,
		       size_t errlen)
{
	if (allow_large || sp->n <= ADDRSPAN_MAX_DEFAULT)
		return true;
	snprintf(err, errlen, "'%.64s' has %llu addresses, more than a %s (16777216): add --allow-large "
			      "to sweep it",
		 as_written, (unsigned long long)sp->n, sp->lo.family == AF_INET ? "/8" : "/104");
	return false;
}

void addr_span_at(const struct addr_span *sp, uint64_t k, struct netaddr *out)
{
	uint64_t hi, lo;
	to_u128(&sp->lo, &hi, &lo);
	uint64_t sum = lo + k;
	if (sum < lo)
		hi++;
	from_u128(sp->lo.family, hi, sp->lo.family == AF_INET ? (sum & 0xffffffffull) : sum, out);
}

int64_t addr_span_offset(const struct addr_span *sp, const struct netaddr *a)
{
	if (a->family != sp->lo.family)
		return -1;
	uint64_t ahi, alo, shi, slo;
	to_u128(a, &ahi, &alo);
	to_u128(&sp->lo, &shi, &slo);
	/* a - lo as 128 bits, which must fit below n. */
	uint64_t dlo = alo - slo, dhi = ahi - shi - (alo < slo);
	if (dhi != 0 || dlo >= sp->n)
		return -1;
	return (int64_t)dlo;
}
