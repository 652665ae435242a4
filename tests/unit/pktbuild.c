/*
 * pktbuild: the tests' own packet encoder, kept independent of src/.
 *
 * It is the other half of a two-implementation check: segment.c decodes and
 * csum.c sums, this file encodes and sums its own way (bytes at even and odd
 * offsets added separately, and the pseudo-header written out as real bytes),
 * so a shared misunderstanding would have to be made twice to go unnoticed.
 * Builders write front to back into the caller's buffer and check the room
 * before every write; a spec that does not fit gives 0, never an overflow.
 */
#include "config.h"
#include "pktbuild.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

const uint8_t pkt_linux_synack_opts[20] = {
	0x02, 0x04, 0x05, 0xb4,             /* MSS 1460 */
	0x04, 0x02,                         /* SACK permitted */
	0x08, 0x0a, 0x01, 0x02, 0x03, 0x04, /* TS val 0x01020304 */
	0x05, 0x06, 0x07, 0x08,             /*    ecr 0x05060708 */
	0x01,                               /* NOP */
	0x03, 0x03, 0x07,                   /* window scale 7 */
};

struct addrs {
	int family;
	uint8_t src[16], dst[16];
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Sum as 16-bit big-endian words, computed as (sum of even bytes) * 256 +
 * (sum of odd bytes): the same number, reached another way than csum.c. */
static uint64_t raw_sum(const uint8_t *p, size_t len)
{
	uint64_t even = 0, odd = 0;
	for (size_t i = 0; i < len; i++) {
		if (i % 2 == 0)
			even += p[i];
		else
			odd += p[i];
	}
	return (even << 8) + odd;
}

static uint16_t fold64(uint64_t s)
{
	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

uint16_t pkt_cksum(const uint8_t *p, size_t len)
{
	return (uint16_t)~fold64(raw_sum(p, len));
}

/* The pseudo-header as bytes (RFC 9293 §3.1 / RFC 8200 §8.1); returns its length. */
static size_t pseudo_bytes(const struct addrs *a, uint8_t proto, size_t len, uint8_t out[40])
{
	memset(out, 0, 40);
	if (a->family == AF_INET) {
		memcpy(out, a->src, 4);
		memcpy(out + 4, a->dst, 4);
		out[9] = proto;
		put16(out + 10, (uint16_t)len);
		return 12;
	}
	memcpy(out, a->src, 16);
	memcpy(out + 16, a->dst, 16);
	put32(out + 32, (uint32_t)len);
	out[39] = proto;
	return 40;
}

/* Checksum of pseudo-header + seg (whose check field is zero), complemented. */
static uint16_t l4_cksum(const struct addrs *a, uint8_t proto, const uint8_t *seg, size_t len)
{
	uint8_t ph[40];
	size_t n = pseudo_bytes(a, proto, len, ph);
	return (uint16_t)~fold64(raw_sum(ph, n) + raw_sum(seg, len));
}

static bool parse_addrs(const struct pkt_spec *s, struct addrs *a)
{
	memset(a, 0, sizeof(*a));
	if (s->src == NULL || s->dst == NULL)
		return false;
	if (inet_pton(AF_INET, s->src, a->src) == 1) {
		a->family = AF_INET;
		return inet_pton(AF_INET, s->dst, a->dst) == 1;
	}
	if (inet_pton(AF_INET6, s->src, a->src) == 1) {
		a->family = AF_INET6;
		return inet_pton(AF_INET6, s->dst, a->dst) == 1;
	}
	return false;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static size_t link_len(const struct pkt_spec *s)
{
	switch (s->link) {
	case PKT_LINK_ETH:
		return 14 + 4 * (size_t)s->vlan_tags;
	case PKT_LINK_SLL:
		return 16 + 4 * (size_t)s->vlan_tags;
	case PKT_LINK_SLL2:
		return 20;
	case PKT_LINK_NULL:
		return 4;
	case PKT_LINK_RAW:
	default:
		return 0;
	}
}

static size_t ip_hdr_len(const struct pkt_spec *s, int family)
{
	if (family == AF_INET)
		return 20 + pad4(s->ip_opts_len);
	return 40 + 8 * (size_t)s->v6_ext_n;
}

void pkt_offsets(const struct pkt_spec *s, size_t *l3, size_t *l4)
{
	struct addrs a;
	size_t ll = link_len(s);

	parse_addrs(s, &a);
	if (l3 != NULL)
		*l3 = ll;
	if (l4 != NULL)
		*l4 = ll + ip_hdr_len(s, a.family == AF_INET6 ? AF_INET6 : AF_INET);
}

static bool build_ip(const struct pkt_spec *s, uint8_t *out, size_t cap, size_t *len);

static bool build_tcp(const struct pkt_spec *s, const struct addrs *a, uint8_t *p, size_t cap,
		      size_t *len)
{
	size_t olen = pad4(s->tcp_opts_len);
	size_t n = 20 + olen + s->payload_len;

	if (olen > 40 || n > cap)
		return false;
	memset(p, 0, 20 + olen);
	put16(p, s->sport);
	put16(p + 2, s->dport);
	put32(p + 4, s->seq);
	put32(p + 8, s->ack);
	int doff = s->doff_words != 0 ? s->doff_words : (int)((20 + olen) / 4);
	p[12] = (uint8_t)((doff & 0x0f) << 4 | (s->reserved & 0x0f));
	p[13] = s->flags;
	put16(p + 14, s->win);
	put16(p + 18, s->urp);
	if (s->tcp_opts_len > 0)
		memcpy(p + 20, s->tcp_opts, s->tcp_opts_len);
	if (s->payload_len > 0)
		memcpy(p + 20 + olen, s->payload, s->payload_len);

	uint16_t ck;
	uint8_t ph[40];
	switch (s->tcp_csum) {
	case PKT_CSUM_PARTIAL:
		ck = fold64(raw_sum(ph, pseudo_bytes(a, 6, n, ph)));
		break;
	case PKT_CSUM_VALUE:
		ck = s->tcp_csum_value;
		break;
	case PKT_CSUM_BAD:
		ck = (uint16_t)(l4_cksum(a, 6, p, n) ^ 1);
		break;
	case PKT_CSUM_GOOD:
	default:
		ck = l4_cksum(a, 6, p, n);
		break;
	}
	put16(p + 16, ck);
	*len = n;
	return true;
}

static bool build_udp(const struct pkt_spec *s, const struct addrs *a, uint8_t *p, size_t cap,
		      size_t *len)
{
	size_t n = 8 + s->payload_len;

	if (n > cap || n > 0xffff)
		return false;
	put16(p, s->sport);
	put16(p + 2, s->dport);
	put16(p + 4, (uint16_t)n);
	put16(p + 6, 0);
	if (s->payload_len > 0)
		memcpy(p + 8, s->payload, s->payload_len);
	put16(p + 6, l4_cksum(a, 17, p, n));
	*len = n;
	return true;
}

static bool build_icmp(const struct pkt_spec *s, const struct addrs *a, uint8_t *p, size_t cap,
		       size_t *len)
{
	const uint8_t *body = s->payload;
	size_t blen = s->payload_len;
	uint8_t inner[PKT_MAX];

	if (s->quote != NULL) {
		size_t ilen;
		struct addrs ia;
		if (!build_ip(s->quote, inner, sizeof(inner), &ilen) || !parse_addrs(s->quote, &ia))
			return false;
		blen = ilen;
		if (s->quote_l4 != 0) {
			size_t want = ip_hdr_len(s->quote, ia.family) + s->quote_l4;
			if (want < blen)
				blen = want;
		}
		if (s->quote_cut != 0 && s->quote_cut < blen)
			blen = s->quote_cut;
		body = inner;
	}
	size_t n = 8 + blen;
	if (n > cap)
		return false;
	p[0] = s->icmp_type;
	p[1] = s->icmp_code;
	put16(p + 2, 0);
	put32(p + 4, s->icmp_rest);
	if (blen > 0)
		memcpy(p + 8, body, blen);
	/* ICMPv4 sums the message alone; ICMPv6 includes the pseudo-header. */
	put16(p + 2, a->family == AF_INET ? pkt_cksum(p, n) : l4_cksum(a, 58, p, n));
	*len = n;
	return true;
}

static bool build_l4(const struct pkt_spec *s, const struct addrs *a, uint8_t *p, size_t cap,
		     size_t *len, uint8_t *proto)
{
	switch (s->l4) {
	case PKT_L4_TCP:
		*proto = 6;
		return build_tcp(s, a, p, cap, len);
	case PKT_L4_UDP:
		*proto = 17;
		return build_udp(s, a, p, cap, len);
	case PKT_L4_ICMP:
		*proto = a->family == AF_INET ? 1 : 58;
		return build_icmp(s, a, p, cap, len);
	case PKT_L4_RAW:
	default:
		*proto = s->ip_proto;
		if (s->payload_len > cap)
			return false;
		if (s->payload_len > 0)
			memcpy(p, s->payload, s->payload_len);
		*len = s->payload_len;
		return true;
	}
}

/* One 8-byte IPv6 extension header of the given type, next header nh. */
static void put_ext6(uint8_t *p, uint8_t type, uint8_t nh)
{
	memset(p, 0, 8);
	p[0] = nh;
	p[1] = 0; /* (0 + 1) * 8 bytes; for a fragment header, reserved */
	if (type == 0 || type == 60) {
		p[2] = 1; /* PadN, 4 bytes of padding */
		p[3] = 4;
	} else if (type == 44) {
		put32(p + 4, 0x01020304); /* identification; offset 0, M 0 */
	}
}

static bool build_ip(const struct pkt_spec *s, uint8_t *out, size_t cap, size_t *len)
{
	struct addrs a;
	uint8_t proto;
	size_t l4len;

	if (!parse_addrs(s, &a))
		return false;
	size_t hl = ip_hdr_len(s, a.family);
	if (s->ip_opts_len > 40 || s->v6_ext_n < 0 || s->v6_ext_n > 4 || hl > cap)
		return false;
	if (!build_l4(s, &a, out + hl, cap - hl, &l4len, &proto))
		return false;
	size_t total = hl + l4len;

	if (a.family == AF_INET) {
		if (total > 0xffff)
			return false;
		memset(out, 0, hl);
		out[0] = (uint8_t)(0x40 | hl / 4);
		put16(out + 2, (uint16_t)total);
		put16(out + 4, s->ip_id);
		put16(out + 6, (uint16_t)((s->df ? 0x4000 : 0) | (s->mf ? 0x2000 : 0) |
					  (s->frag_off & 0x1fff)));
		out[8] = s->ttl;
		out[9] = proto;
		memcpy(out + 12, a.src, 4);
		memcpy(out + 16, a.dst, 4);
		if (s->ip_opts_len > 0)
			memcpy(out + 20, s->ip_opts, s->ip_opts_len);
		uint16_t ck = pkt_cksum(out, hl);
		put16(out + 10, s->ip_csum_bad ? (uint16_t)(ck ^ 1) : ck);
	} else {
		if (total - 40 > 0xffff)
			return false;
		memset(out, 0, 40);
		out[0] = 0x60;
		put16(out + 4, (uint16_t)(total - 40));
		out[6] = s->v6_ext_n > 0 ? s->v6_ext[0] : proto;
		out[7] = s->ttl;
		memcpy(out + 8, a.src, 16);
		memcpy(out + 24, a.dst, 16);
		for (int i = 0; i < s->v6_ext_n; i++) {
			uint8_t nh = i + 1 < s->v6_ext_n ? s->v6_ext[i + 1] : proto;
			put_ext6(out + 40 + 8 * (size_t)i, s->v6_ext[i], nh);
		}
	}
	*len = total;
	return true;
}

/* Ethernet type field, then vlan_tags tags of (TCI, next type). */
static void put_ethertype(const struct pkt_spec *s, uint8_t *p, uint16_t type)
{
	for (int i = 0; i < s->vlan_tags; i++) {
		put16(p, 0x8100);
		put16(p + 2, s->vlan_id & 0x0fff);
		p += 4;
	}
	put16(p, type);
}

size_t pkt_build(const struct pkt_spec *s, uint8_t *buf, size_t cap)
{
	struct addrs a;
	size_t ll = link_len(s);
	size_t iplen;

	if (!parse_addrs(s, &a) || s->vlan_tags < 0 || s->vlan_tags > 2 || ll > cap)
		return 0;
	if (!build_ip(s, buf + ll, cap - ll, &iplen))
		return 0;
	uint16_t type = a.family == AF_INET ? 0x0800 : 0x86dd;

	memset(buf, 0, ll);
	switch (s->link) {
	case PKT_LINK_ETH:
		memcpy(buf, "\x02\x00\x00\x00\x00\x01", 6);     /* dst MAC */
		memcpy(buf + 6, "\x02\x00\x00\x00\x00\x02", 6); /* src MAC */
		put_ethertype(s, buf + 12, type);
		break;
	case PKT_LINK_SLL:
		put16(buf, 0);     /* packet type: to us */
		put16(buf + 2, 1); /* ARPHRD_ETHER */
		put16(buf + 4, 6); /* address length */
		memcpy(buf + 6, "\x02\x00\x00\x00\x00\x02", 6);
		put_ethertype(s, buf + 14, type);
		break;
	case PKT_LINK_SLL2:
		put16(buf, type);
		put32(buf + 4, 2);  /* ifindex */
		put16(buf + 8, 1);  /* ARPHRD_ETHER */
		buf[10] = 0;        /* packet type */
		buf[11] = 6;        /* address length */
		memcpy(buf + 12, "\x02\x00\x00\x00\x00\x02", 6);
		break;
	case PKT_LINK_NULL: {
		uint32_t fam = s->null_family != 0 ? s->null_family : a.family == AF_INET ? 2 : 10;
		memcpy(buf, &fam, 4); /* host order, as the capturing host wrote it */
		break;
	}
	case PKT_LINK_RAW:
	default:
		break;
	}

	size_t n = ll + iplen;
	if (s->pad_to > n) {
		if (s->pad_to > cap)
			return 0;
		memset(buf + n, 0, s->pad_to - n);
		n = s->pad_to;
	}
	return n;
}

void pkt_defaults(struct pkt_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->link = PKT_LINK_RAW;
	s->src = "192.0.2.10";
	s->dst = "192.0.2.1";
	s->ttl = 64;
	s->df = true;
	s->l4 = PKT_L4_TCP;
	s->sport = 80;
	s->dport = 40000;
	s->seq = 1000;
	s->ack = 2001;
	s->flags = 0x12; /* SYN | ACK */
	s->win = 64240;
	s->tcp_csum = PKT_CSUM_GOOD;
}

void pkt_defaults6(struct pkt_spec *s)
{
	pkt_defaults(s);
	s->src = "2001:db8::10";
	s->dst = "2001:db8::1";
	s->df = false;
}
