/*
 * segment: captured bytes to struct segment, trusting nothing.
 *
 * The decoder peels one layer at a time (link, IP, extension headers, TCP or
 * ICMP) and each layer works on a (pointer, length) pair that never grows:
 * the IP layer narrows it to the IP total length (Ethernet pads short frames,
 * so caplen is not the end), TCP to its data offset. Every read is checked
 * against the current length first, so a truncated or hostile frame turns into
 * SEGMENT_BAD with a reason and can never read past caplen. The shape follows
 * packetdrill's packet_parser.c; like it, this file allocates nothing, prints
 * nothing and keeps no state, so it is unit-tested byte by byte and fuzzed.
 */
#include "config.h"
#include "core/segment.h"

#include <string.h>
#include <sys/socket.h>

#include "core/csum.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_DSTOPTS_ 60

/* ICMP types this decoder reads a quote from. */
#define ICMP4_UNREACH 3
#define ICMP4_TIMXCEED 11
#define ICMP6_UNREACH 1
#define ICMP6_TIMXCEED 3

/* Enough for any real chain; each header is at least 8 bytes anyway. */
#define MAX_EXT_HEADERS 16

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static enum segment_status bad(enum segment_reason *why, enum segment_reason r)
{
	*why = r;
	return SEGMENT_BAD;
}

static const char *const reason_names[SEGMENT_R_COUNT] = {
	[SEGMENT_R_NONE] = "none",
	[SEGMENT_R_LINK_TRUNCATED] = "link-truncated",
	[SEGMENT_R_LINK_UNKNOWN] = "link-unknown",
	[SEGMENT_R_IP_TRUNCATED] = "ip-truncated",
	[SEGMENT_R_IP_VERSION] = "ip-version",
	[SEGMENT_R_IP_HEADER_LEN] = "ip-header-len",
	[SEGMENT_R_IP_TOTAL_LEN] = "ip-total-len",
	[SEGMENT_R_IP_CHECKSUM] = "ip-checksum",
	[SEGMENT_R_IP_FRAGMENT] = "ip-fragment",
	[SEGMENT_R_EXT_HEADER] = "ext-header",
	[SEGMENT_R_TCP_TRUNCATED] = "tcp-truncated",
	[SEGMENT_R_TCP_DATA_OFFSET] = "tcp-data-offset",
	[SEGMENT_R_ICMP_TRUNCATED] = "icmp-truncated",
};

const char *segment_reason_name(enum segment_reason r)
{
	if ((unsigned)r >= SEGMENT_R_COUNT)
		return "unknown";
	return reason_names[r];
}

const char *segment_flags_str(uint8_t flags, char *buf)
{
	static const char letters[] = "FSRPAUEC"; /* bit 0 (FIN) .. bit 7 (CWR) */
	size_t n = 0;

	for (int i = 0; i < 8; i++)
		if (flags & (1u << i))
			buf[n++] = letters[i];
	buf[n] = '\0';
	return buf;
}

/*
 * TCP options (RFC 9293 §3.2, RFC 7323, RFC 2018). Stops at EOL, at the end of
 * the header, or at the first option that cannot be trusted (length 0 or 1, a
 * length past the header end, a known kind with the wrong length), in which
 * case malformed is set and what was read before stays.
 */
static void parse_options(const uint8_t *p, size_t len, struct tcp_options *o)
{
	size_t i = 0;

	while (i < len) {
		uint8_t kind = p[i];
		if (kind == 0) /* EOL */
			break;
		if (kind == 1) { /* NOP */
			i++;
			continue;
		}
		if (len - i < 2) {
			o->malformed = true;
			break;
		}
		uint8_t olen = p[i + 1];
		if (olen < 2 || olen > len - i) {
			o->malformed = true;
			break;
		}
		const uint8_t *v = p + i + 2;
		bool ok = true;
		switch (kind) {
		case 2: /* MSS */
			if ((ok = olen == 4)) {
				o->mss_present = true;
				o->mss = be16(v);
			}
			break;
		case 3: /* window scale */
			if ((ok = olen == 3)) {
				o->wscale_present = true;
				o->wscale = v[0];
			}
			break;
		case 4: /* SACK permitted */
			if ((ok = olen == 2))
				o->sack_permitted = true;
			break;
		case 5: /* SACK: 2 + 8n bytes, n >= 1 */
			if ((ok = olen >= 10 && (olen - 2) % 8 == 0))
				o->sack_blocks = (uint8_t)((olen - 2) / 8);
			break;
		case 8: /* timestamps */
			if ((ok = olen == 10)) {
				o->ts_present = true;
				o->tsval = be32(v);
				o->tsecr = be32(v + 4);
			}
			break;
		default:
			if (o->unknown < UINT8_MAX)
				o->unknown++;
			break;
		}
		if (!ok) {
			o->malformed = true;
			break;
		}
		i += olen;
	}
}

static enum segment_status decode_tcp(const uint8_t *p, size_t len, struct segment *seg,
				      enum segment_reason *why)
{
	if (len < 20)
		return bad(why, SEGMENT_R_TCP_TRUNCATED);
	size_t doff = (size_t)(p[12] >> 4) * 4;
	if (doff < 20 || doff > len)
		return bad(why, SEGMENT_R_TCP_DATA_OFFSET);

	seg->kind = SEGMENT_KIND_TCP;
	seg->sport = be16(p);
	seg->dport = be16(p + 2);
	seg->seq = be32(p + 4);
	seg->ack = be32(p + 8);
	seg->reserved = p[12] & 0x0f;
	seg->flags = p[13];
	seg->win = be16(p + 14);
	seg->urp = be16(p + 18);
	seg->doff = (uint8_t)doff;
	parse_options(p + 20, doff - 20, &seg->opt);
	seg->options = p + 20;
	/* len is bounded by an IP length field, so it fits 16 bits for IPv4 and
	 * for IPv6 without jumbograms (which this decoder does not accept). */
	seg->payload_len = (uint16_t)(len - doff);
	seg->payload = seg->payload_len > 0 ? p + doff : NULL;

	uint32_t pseudo = csum_pseudo(&seg->src, &seg->dst, IPPROTO_TCP_, (uint32_t)len);
	if (csum_fold(csum_add(pseudo, p, len)) == 0xffff)
		seg->tcp_csum = CSUM_OK;
	else if (be16(p + 16) == csum_fold(pseudo))
		seg->tcp_csum = CSUM_PARTIAL;
	else
		seg->tcp_csum = CSUM_BAD;
	return SEGMENT_OK;
}

/*
 * Walk IPv6 extension headers starting with next header *nh at p[*off],
 * within len bytes. Leaves *nh at the first non-extension header and *off at
 * its start. Returns SEGMENT_OK, or BAD with bad_reason when a header runs
 * past len (EXT_HEADER for a packet, ICMP_TRUNCATED for a quote) or is a
 * fragment header.
 */
static enum segment_status skip_ext6(const uint8_t *p, size_t len, uint8_t *nh, size_t *off,
				     enum segment_reason bad_reason, enum segment_reason *why)
{
	for (int n = 0; n < MAX_EXT_HEADERS; n++) {
		switch (*nh) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_: {
			if (len - *off < 2)
				return bad(why, bad_reason);
			size_t hlen = ((size_t)p[*off + 1] + 1) * 8;
			if (hlen > len - *off)
				return bad(why, bad_reason);
			*nh = p[*off];
			*off += hlen;
			break;
		}
		case IPPROTO_FRAGMENT_:
			return bad(why, SEGMENT_R_IP_FRAGMENT);
		default:
			return SEGMENT_OK;
		}
	}
	return bad(why, bad_reason);
}

/* The quoted packet inside an ICMP error: an IP header (its own family) and at
 * least 8 bytes of TCP. The quoted lengths are ignored: routers quote only the
 * start of a packet whose header still claims its full size. */
static enum segment_status decode_quote(const uint8_t *q, size_t qlen, int family,
					struct segment *seg, enum segment_reason *why)
{
	size_t l4;

	if (family == AF_INET) {
		if (qlen < 20)
			return bad(why, SEGMENT_R_ICMP_TRUNCATED);
		size_t ihl = (size_t)(q[0] & 0x0f) * 4;
		if (q[0] >> 4 != 4 || ihl < 20)
			return SEGMENT_OTHER; /* not an IPv4 header we can follow */
		if (q[9] != IPPROTO_TCP_)
			return SEGMENT_OTHER;
		if ((be16(q + 6) & 0x1fff) != 0)
			return SEGMENT_OTHER; /* a later fragment quotes no TCP header */
		if (ihl > qlen)
			return bad(why, SEGMENT_R_ICMP_TRUNCATED);
		netaddr_set(&seg->quote.src, AF_INET, q + 12);
		netaddr_set(&seg->quote.dst, AF_INET, q + 16);
		l4 = ihl;
	} else {
		if (qlen < 40)
			return bad(why, SEGMENT_R_ICMP_TRUNCATED);
		if (q[0] >> 4 != 6)
			return SEGMENT_OTHER;
		uint8_t nh = q[6];
		size_t off = 40;
		enum segment_status st =
			skip_ext6(q, qlen, &nh, &off, SEGMENT_R_ICMP_TRUNCATED, why);
		if (st == SEGMENT_BAD && *why == SEGMENT_R_IP_FRAGMENT) {
			*why = SEGMENT_R_NONE; /* a quoted fragment: no TCP header to read */
			return SEGMENT_OTHER;
		}
		if (st != SEGMENT_OK)
			return st;
		if (nh != IPPROTO_TCP_)
			return SEGMENT_OTHER;
		netaddr_set(&seg->quote.src, AF_INET6, q + 8);
		netaddr_set(&seg->quote.dst, AF_INET6, q + 24);
		l4 = off;
	}
	if (qlen - l4 < 8)
		return bad(why, SEGMENT_R_ICMP_TRUNCATED);
	seg->quote.sport = be16(q + l4);
	seg->quote.dport = be16(q + l4 + 2);
	seg->quote.seq = be32(q + l4 + 4);
	seg->kind = SEGMENT_KIND_ICMP_ERROR;
	return SEGMENT_OK;
}

/* ICMP (family AF_INET) or ICMPv6 message of len bytes. Only errors quoting
 * a packet are of interest; their checksum is not checked, since the quote
 * is matched against our own endpoints and sequence numbers anyway. */
static enum segment_status decode_icmp(const uint8_t *p, size_t len, int family,
				       struct segment *seg, enum segment_reason *why)
{
	if (len < 8)
		return bad(why, SEGMENT_R_ICMP_TRUNCATED);
	uint8_t type = p[0];
	bool error = family == AF_INET ? type == ICMP4_UNREACH || type == ICMP4_TIMXCEED
				       : type == ICMP6_UNREACH || type == ICMP6_TIMXCEED;
	if (!error)
		return SEGMENT_OTHER;
	seg->icmp_type = type;
	seg->icmp_code = p[1];
	return decode_quote(p + 8, len - 8, family, seg, why);
}

static enum segment_status decode_ip4(const uint8_t *p, size_t len, struct segment *seg,
				      enum segment_reason *why)
{
	if (len < 20)
		return bad(why, SEGMENT_R_IP_TRUNCATED);
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > len)
		return bad(why, SEGMENT_R_IP_HEADER_LEN);
	size_t total = be16(p + 2);
	if (total < ihl || total > len)
		return bad(why, SEGMENT_R_IP_TOTAL_LEN);

	netaddr_set(&seg->src, AF_INET, p + 12);
	netaddr_set(&seg->dst, AF_INET, p + 16);
	seg->ttl = p[8];
	seg->ip_id = be16(p + 4);
	uint16_t frag = be16(p + 6);
	seg->df = (frag & 0x4000) != 0;
	seg->ip_csum_ok = csum_fold(csum_add(0, p, ihl)) == 0xffff;
	if (!seg->ip_csum_ok)
		return bad(why, SEGMENT_R_IP_CHECKSUM);
	if ((frag & 0x2000) || (frag & 0x1fff))
		return bad(why, SEGMENT_R_IP_FRAGMENT);

	switch (p[9]) {
	case IPPROTO_TCP_:
		return decode_tcp(p + ihl, total - ihl, seg, why);
	case IPPROTO_ICMP_:
		return decode_icmp(p + ihl, total - ihl, AF_INET, seg, why);
	default:
		return SEGMENT_OTHER;
	}
}

static enum segment_status decode_ip6(const uint8_t *p, size_t len, struct segment *seg,
				      enum segment_reason *why)
{
	if (len < 40)
		return bad(why, SEGMENT_R_IP_TRUNCATED);
	size_t end = 40 + (size_t)be16(p + 4);
	if (end > len)
		return bad(why, SEGMENT_R_IP_TOTAL_LEN);

	netaddr_set(&seg->src, AF_INET6, p + 8);
	netaddr_set(&seg->dst, AF_INET6, p + 24);
	seg->ttl = p[7];
	seg->ip_csum_ok = true;

	uint8_t nh = p[6];
	size_t off = 40;
	enum segment_status st = skip_ext6(p, end, &nh, &off, SEGMENT_R_EXT_HEADER, why);
	if (st != SEGMENT_OK)
		return st;
	switch (nh) {
	case IPPROTO_TCP_:
		return decode_tcp(p + off, end - off, seg, why);
	case IPPROTO_ICMPV6_:
		return decode_icmp(p + off, end - off, AF_INET6, seg, why);
	default:
		return SEGMENT_OTHER;
	}
}

/* version: 4 or 6 when the link layer said which, 0 to take the header's. */
static enum segment_status decode_ip(const uint8_t *p, size_t len, int version,
				     struct segment *seg, enum segment_reason *why)
{
	if (len < 1)
		return bad(why, SEGMENT_R_IP_TRUNCATED);
	int v = p[0] >> 4;
	if ((version != 0 && v != version) || (v != 4 && v != 6))
		return bad(why, SEGMENT_R_IP_VERSION);
	return v == 4 ? decode_ip4(p, len, seg, why) : decode_ip6(p, len, seg, why);
}

/* An Ethernet type at p[0..1] followed by the rest of the frame; skips up to
 * two 802.1Q/802.1ad tags (4 bytes each: type already read, TCI, next type). */
static enum segment_status decode_ethertype(const uint8_t *p, size_t len, struct segment *seg,
					    enum segment_reason *why)
{
	uint16_t type = be16(p);
	size_t off = 2;

	for (int tags = 0; type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
			   type == ETHERTYPE_QINQ_OLD; tags++) {
		if (tags == 2)
			return SEGMENT_OTHER;
		if (len - off < 4)
			return bad(why, SEGMENT_R_LINK_TRUNCATED);
		type = be16(p + off + 2);
		off += 4;
	}
	switch (type) {
	case ETHERTYPE_IPV4:
		return decode_ip(p + off, len - off, 4, seg, why);
	case ETHERTYPE_IPV6:
		return decode_ip(p + off, len - off, 6, seg, why);
	default:
		return SEGMENT_OTHER;
	}
}

/* DLT_NULL's family is a host-order 32-bit AF_ value from the capturing
 * host; accept both byte orders, since savefiles travel. The IPv6 values
 * differ per OS: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30. */
static int null_family_version(const uint8_t *p)
{
	uint32_t le = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		      (uint32_t)p[3] << 24;
	uint32_t fam = le <= 0xffff ? le : be32(p);

	switch (fam) {
	case 2:
		return 4;
	case 10:
	case 24:
	case 28:
	case 30:
		return 6;
	default:
		return 0;
	}
}

enum segment_status segment_decode(const uint8_t *buf, size_t caplen, int linktype,
				   struct segment *seg, enum segment_reason *why)
{
	enum segment_reason dummy;
	if (why == NULL)
		why = &dummy;
	memset(seg, 0, sizeof(*seg));
	*why = SEGMENT_R_NONE;
	if (buf == NULL)
		caplen = 0;

	switch (linktype) {
	case SEGMENT_LINK_NULL: {
		if (caplen < 4)
			return bad(why, SEGMENT_R_LINK_TRUNCATED);
		int v = null_family_version(buf);
		if (v == 0)
			return SEGMENT_OTHER;
		return decode_ip(buf + 4, caplen - 4, v, seg, why);
	}
	case SEGMENT_LINK_EN10MB:
		if (caplen < 14)
			return bad(why, SEGMENT_R_LINK_TRUNCATED);
		return decode_ethertype(buf + 12, caplen - 12, seg, why);
	case SEGMENT_LINK_RAW:
	case SEGMENT_LINK_RAW101:
		return decode_ip(buf, caplen, 0, seg, why);
	case SEGMENT_LINK_IPV4:
		return decode_ip(buf, caplen, 4, seg, why);
	case SEGMENT_LINK_IPV6:
		return decode_ip(buf, caplen, 6, seg, why);
	case SEGMENT_LINK_LINUX_SLL:
		/* packet type, ARPHRD, address length, 8-byte address, protocol */
		if (caplen < 16)
			return bad(why, SEGMENT_R_LINK_TRUNCATED);
		return decode_ethertype(buf + 14, caplen - 14, seg, why);
	case SEGMENT_LINK_LINUX_SLL2:
		/* protocol, reserved, ifindex, ARPHRD, packet type, address length,
		 * 8-byte address: 20 bytes, the protocol first */
		if (caplen < 20)
			return bad(why, SEGMENT_R_LINK_TRUNCATED);
		if (be16(buf) == ETHERTYPE_IPV4)
			return decode_ip(buf + 20, caplen - 20, 4, seg, why);
		if (be16(buf) == ETHERTYPE_IPV6)
			return decode_ip(buf + 20, caplen - 20, 6, seg, why);
		return SEGMENT_OTHER;
	default:
		return bad(why, SEGMENT_R_LINK_UNKNOWN);
	}
}

enum segment_status segment_decode_ip(const uint8_t *buf, size_t len, struct segment *seg,
				      enum segment_reason *why)
{
	return segment_decode(buf, len, SEGMENT_LINK_RAW, seg, why);
}
