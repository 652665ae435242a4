/*
 * allow: the exporter's allow list (allow.h): address spans and a port set,
 * asked before every probe.
 *
 * Entries are literal addresses, CIDR prefixes and IPv4 ranges, as a sweep
 * writes them (addrspan.h), never names: a name's addresses change under
 * the list. A prefix is kept as its first address and length and matched
 * bit by bit, not as a count, because an allow list may name fd00::/8 or
 * ::/0, far more addresses than a sweep's span can count. IPv4-mapped IPv6
 * (::ffff:a.b.c.d) is IPv4 here, in entries and in the addresses asked
 * about alike, since it is the IPv4 address the packets go to; so ::/0
 * allows every IPv6 address and no IPv4 one.
 */
#include "config.h"
#include "core/allow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/target.h"

/* Longest entry worth reading: an IPv6 prefix is at most 43 characters. */
#define ENTRY_MAX 64
/* What an entry may be, for the messages. */
#define ENTRY_ALLOWED "expected addresses or prefixes like 10.0.0.0/8, fd00::/8 or 192.0.2.7"

void allow_init(struct allow *a)
{
	memset(a, 0, sizeof(*a));
}

void allow_free(struct allow *a)
{
	free(a->spans);
	allow_init(a);
}

/* ::ffff:a.b.c.d as a.b.c.d; any other address unchanged. */
static void unmap(const struct netaddr *in, struct netaddr *out)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (in->family == AF_INET6 && memcmp(in->b, mapped, sizeof(mapped)) == 0)
		netaddr_set(out, AF_INET, in->b + 12);
	else
		*out = *in;
}

/* Whether the first len bits of a and b agree. */
static bool same_bits(const uint8_t *a, const uint8_t *b, int len)
{
	int bytes = len / 8, rest = len % 8;

	if (memcmp(a, b, (size_t)bytes) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return (a[bytes] & mask) == (b[bytes] & mask);
}

/* "ADDR/LEN" into sp: its address with the host bits cleared, and its
 * length. Not addr_span_parse: that one refuses a prefix of more than 2^63
 * addresses, which no sweep could walk but an allow list may name. */
static int parse_prefix(const char *s, const char *slash, struct addr_span *sp, char *err,
			size_t errlen)
{
	char lit[ENTRY_MAX];
	size_t alen = (size_t)(slash - s);
	struct netaddr a;

	memcpy(lit, s, alen);
	lit[alen] = '\0';
	if (netaddr_parse(lit, &a) < 0) {
		snprintf(err, errlen, "invalid allow entry '%s': '%s' is not an IPv4 or IPv6 address; "
				      ENTRY_ALLOWED, s, lit);
		return -1;
	}
	int bits = a.family == AF_INET ? 32 : 128, len = 0;
	const char *p = slash + 1;
	for (; *p >= '0' && *p <= '9' && len <= bits; p++)
		len = len * 10 + (*p - '0');
	if (p == slash + 1 || *p != '\0' || len > bits) {
		snprintf(err, errlen, "invalid allow entry '%s': the prefix length must be 0 to %d", s, bits);
		return -1;
	}
	/* ::ffff:0:0/96 and longer are IPv4 prefixes written as IPv6. */
	struct netaddr v;
	unmap(&a, &v);
	if (v.family != a.family) {
		if (len < 96) {
			v = a;
		} else {
			len -= 96;
			bits = 32;
		}
	}
	memset(sp, 0, sizeof(*sp));
	sp->lo.family = v.family;
	for (int i = 0; i < bits / 8; i++) {
		int keep = len - i * 8;
		sp->lo.b[i] = keep >= 8 ? v.b[i] : keep <= 0 ? 0 : (uint8_t)(v.b[i] & (0xff00u >> keep));
	}
	int host_bits = bits - len;
	sp->n = host_bits >= 64 ? UINT64_MAX : 1ull << host_bits; /* unused: matched by bits */
	sp->prefix_len = len;
	return 0;
}

/* Whether the len bytes at s are printable ASCII, and so may be quoted in
 * a message. */
static bool printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* One entry, s, into sp. */
static int parse_entry(const char *s, struct addr_span *sp, char *err, size_t errlen)
{
	const char *slash = strchr(s, '/');
	struct netaddr a;
	if (slash != NULL)
		return parse_prefix(s, slash, sp, err, errlen);
	/* An IPv4 range, or a name or address (0). */
	int r = addr_span_parse(s, sp, err, errlen);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (netaddr_parse(s, &a) < 0) {
		snprintf(err, errlen, "invalid allow entry '%s': not an address (names are not allowed); "
				      ENTRY_ALLOWED, s);
		return -1;
	}
	struct netaddr v;
	unmap(&a, &v);
	addr_span_single(&v, sp);
	return 0;
}

int allow_add_targets(struct allow *a, const char *list, char *err, size_t errlen)
{
	static const char seps[] = ", \t\r\n";
	struct addr_span *add = NULL;
	size_t n = 0, cap = 0;
	const char *p = list;

	for (;;) {
		p += strspn(p, seps);
		if (*p == '\0')
			break;
		size_t len = strcspn(p, seps);
		char piece[ENTRY_MAX];
		if (!printable(p, len)) {
			snprintf(err, errlen, "invalid allow entry: it holds a control character or a byte "
					      "beyond ASCII; " ENTRY_ALLOWED);
			goto fail;
		}
		if (len >= sizeof(piece)) {
			snprintf(err, errlen, "invalid allow entry '%.*s...': too long; " ENTRY_ALLOWED,
				 ENTRY_MAX - 4, p);
			goto fail;
		}
		memcpy(piece, p, len);
		piece[len] = '\0';
		p += len;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct addr_span *g = realloc(add, ncap * sizeof(*g));
			if (g == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			add = g;
			cap = ncap;
		}
		if (parse_entry(piece, &add[n], err, errlen) < 0)
			goto fail;
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "empty allow list; " ENTRY_ALLOWED);
		goto fail;
	}
	if (a->nspans + n > a->cap) {
		size_t ncap = a->cap ? a->cap : 8;
		while (ncap < a->nspans + n)
			ncap *= 2;
		struct addr_span *g = realloc(a->spans, ncap * sizeof(*g));
		if (g == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		a->spans = g;
		a->cap = ncap;
	}
	memcpy(a->spans + a->nspans, add, n * sizeof(*add));
	a->nspans += n;
	free(add);
	return 0;
fail:
	free(add);
	return -1;
}

int allow_add_ports(struct allow *a, const char *ports, char *err, size_t errlen)
{
	struct port_list pl;

	if (!printable(ports, strlen(ports))) {
		snprintf(err, errlen, "invalid port list: it holds a control character or a byte beyond ASCII");
		return -1;
	}
	if (ports_parse(ports, &pl, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < pl.n; i++)
		a->ports[pl.port[i] / 8] |= (uint8_t)(1u << (pl.port[i] % 8));
	a->any_port = true;
	port_list_free(&pl);
	return 0;
}

static bool span_holds(const struct addr_span *sp, const struct netaddr *addr)
{
	if (sp->lo.family != addr->family)
		return false;
	if (sp->prefix_len >= 0)
		return same_bits(sp->lo.b, addr->b, sp->prefix_len);
	return addr_span_offset(sp, addr) >= 0;
}

bool allow_check(const struct allow *a, const struct netaddr *addr, uint16_t port, char *why,
		 size_t whylen)
{
	char text[NETADDR_STRLEN];
	struct netaddr v;

	if (a->nspans == 0 || !a->any_port) {
		snprintf(why, whylen, "nothing is allowed: start tcpshake with --allow CIDR and "
				      "--allow-ports PORTS");
		return false;
	}
	unmap(addr, &v);
	bool inside = false;
	for (size_t i = 0; i < a->nspans && !inside; i++)
		inside = span_holds(&a->spans[i], &v);
	if (!inside) {
		snprintf(why, whylen, "%s is outside --allow", netaddr_str(&v, text, sizeof(text)));
		return false;
	}
	if (!(a->ports[port / 8] & (1u << (port % 8)))) {
		snprintf(why, whylen, "port %u is not in --allow-ports", (unsigned)port);
		return false;
	}
	return true;
}
