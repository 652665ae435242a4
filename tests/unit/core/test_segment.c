/*
 * test_segment: the decoder against real captures and the independent encoder.
 *
 * Three kinds of input: byte arrays captured from Linux (commented as tcpdump
 * printed them), frames from pktbuild (which shares no code with segment.c or
 * csum.c), and those frames cut or patched one field at a time to reach every
 * SEGMENT_BAD reason. Truncation loops copy each prefix into a buffer of
 * exactly that size, so an over-read shows up under ASan or valgrind.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "core/csum.h"
#include "../pktbuild.h"
#include "core/segment.h"

/*
 * Real Linux 6.x SYN-ACK on lo (checksum offloaded, so the check field holds
 * the partial sum and tcpdump calls it incorrect):
 * IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 60)
 *   127.0.0.1.45678 > 127.0.0.1.41878: Flags [S.], cksum 0xfe30 (incorrect -> 0x4bb0),
 *   seq 3808395728, ack 1057029718, win 65483, options [mss 65495,sackOK,
 *   TS val 2319378859 ecr 1538145413,nop,wscale 10], length 0
 */
static const uint8_t linux_synack4[] = {
	0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x3c, 0xba, 0x7f, 0x00, 0x00, 0x01,
	0x7f, 0x00, 0x00, 0x01, 0xb2, 0x6e, 0xa3, 0x96, 0xe2, 0xff, 0x81, 0xd0, 0x3f, 0x00, 0xfe, 0x56,
	0xa0, 0x12, 0xff, 0xcb, 0xfe, 0x30, 0x00, 0x00, 0x02, 0x04, 0xff, 0xd7, 0x04, 0x02, 0x08, 0x0a,
	0x8a, 0x3e, 0xe9, 0xab, 0x5b, 0xae, 0x3c, 0x85, 0x01, 0x03, 0x03, 0x0a,
};

/*
 * The same handshake over ::1:
 * IP6 (flowlabel 0xf07c7, hlim 64, next-header TCP (6) payload length: 40)
 *   ::1.45678 > ::1.51828: Flags [S.], cksum 0x0030 (incorrect -> 0x5444),
 *   seq 1972505913, ack 4261635565, win 65464, options [mss 65476,sackOK,
 *   TS val 1462476980 ecr 265326221,nop,wscale 10], length 0
 */
static const uint8_t linux_synack6[] = {
	0x60, 0x0f, 0x07, 0xc7, 0x00, 0x28, 0x06, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xb2, 0x6e, 0xca, 0x74, 0x75, 0x92, 0x0d, 0x39,
	0xfe, 0x03, 0x65, 0xed, 0xa0, 0x12, 0xff, 0xb8, 0x00, 0x30, 0x00, 0x00, 0x02, 0x04, 0xff, 0xc4,
	0x04, 0x02, 0x08, 0x0a, 0x57, 0x2b, 0xa0, 0xb4, 0x0f, 0xd0, 0x8e, 0x8d, 0x01, 0x03, 0x03, 0x0a,
};

/*
 * Data from the client of the first handshake, as the Ethernet frame lo gives
 * pcap (all-zero MACs):
 * IP (tos 0x0, ttl 64, id 65367, offset 0, flags [DF], proto TCP (6), length 54)
 *   127.0.0.1.41878 > 127.0.0.1.45678: Flags [P.], cksum 0xfe2a (incorrect -> 0x0bbc),
 *   seq 1:3, ack 1, win 64, options [nop,nop,TS val 1538145413 ecr 2319378859], length 2
 */
static const uint8_t linux_data_eth[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x36, 0xff, 0x57, 0x40, 0x00, 0x40, 0x06, 0x3d, 0x68, 0x7f, 0x00, 0x00, 0x01,
	0x7f, 0x00, 0x00, 0x01, 0xa3, 0x96, 0xb2, 0x6e, 0x3f, 0x00, 0xfe, 0x56, 0xe2, 0xff, 0x81, 0xd1,
	0x80, 0x18, 0x00, 0x40, 0xfe, 0x2a, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x5b, 0xae, 0x3c, 0x85,
	0x8a, 0x3e, 0xe9, 0xab, 0x68, 0x69,
};

/*
 * A router's answer to a TTL-1 SYN, quoting the RFC 792 minimum (IP header + 8):
 * IP (tos 0x0, ttl 254, id 48879, offset 0, flags [none], proto ICMP (1), length 56)
 *   203.0.113.254 > 192.0.2.1: ICMP time exceeded in-transit, length 36
 *   IP (tos 0x0, ttl 1, id 7238, offset 0, flags [DF], proto TCP (6), length 60)
 *   192.0.2.1.40000 > 198.51.100.7.443:  [|tcp]
 */
static const uint8_t icmp_timxceed4[] = {
	0x45, 0x00, 0x00, 0x38, 0xbe, 0xef, 0x00, 0x00, 0xfe, 0x01, 0xfe, 0xd4, 0xcb, 0x00, 0x71, 0xfe,
	0xc0, 0x00, 0x02, 0x01, 0x0b, 0x00, 0x12, 0x9e, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x3c,
	0x1c, 0x46, 0x40, 0x00, 0x01, 0x06, 0x71, 0x3a, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07,
	0x9c, 0x40, 0x01, 0xbb, 0x11, 0x22, 0x33, 0x44,
};

/* --- helpers --------------------------------------------------------------- */

static void addr(struct netaddr *a, const char *text)
{
	assert_int_equal(netaddr_parse(text, a), 0);
}

static void assert_addr(const struct netaddr *a, const char *text)
{
	struct netaddr want;
	char got[NETADDR_STRLEN];
	addr(&want, text);
	if (!netaddr_eq(a, &want))
		fail_msg("address %s, want %s", netaddr_str(a, got, sizeof(got)), text);
}

static size_t build(const struct pkt_spec *s, uint8_t *buf)
{
	size_t n = pkt_build(s, buf, PKT_MAX);
	assert_true(n > 0);
	return n;
}

static enum segment_status decode(const uint8_t *buf, size_t len, int link, struct segment *seg,
				  enum segment_reason *why)
{
	/* Copy into an exact-size heap block so any over-read is caught. */
	uint8_t *copy = malloc(len > 0 ? len : 1);
	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, buf, len);
	enum segment_status st = segment_decode(copy, len, link, seg, why);
	/* The payload points into the copy: compare it while it lives, then
	 * point it at the caller's buffer instead. */
	if (st == SEGMENT_OK && seg->payload != NULL)
		seg->payload = buf + (seg->payload - copy);
	free(copy);
	return st;
}

static void expect_ok(const uint8_t *buf, size_t len, int link, struct segment *seg)
{
	enum segment_reason why = SEGMENT_R_COUNT;
	enum segment_status st = decode(buf, len, link, seg, &why);
	if (st != SEGMENT_OK)
		fail_msg("status %d reason %s", st, segment_reason_name(why));
	assert_int_equal(why, SEGMENT_R_NONE);
}

static void expect_bad(const uint8_t *buf, size_t len, int link, enum segment_reason want)
{
	struct segment seg;
	enum segment_reason why = SEGMENT_R_NONE;
	enum segment_status st = decode(buf, len, link, &seg, &why);
	if (st != SEGMENT_BAD || why != want)
		fail_msg("status %d reason %s, want BAD %s", st, segment_reason_name(why),
			 segment_reason_name(want));
}

static void expect_other(const uint8_t *buf, size_t len, int link)
{
	struct segment seg;
	enum segment_reason why = SEGMENT_R_NONE;
	assert_int_equal(decode(buf, len, link, &seg, &why), SEGMENT_OTHER);
	assert_int_equal(why, SEGMENT_R_NONE);
}

/* Recompute the IPv4 header checksum after a test patched the header. */
static void fix_ip4_csum(uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	ip[10] = ip[11] = 0;
	uint16_t ck = pkt_cksum(ip, ihl);
	ip[10] = (uint8_t)(ck >> 8);
	ip[11] = (uint8_t)ck;
}

static void spec_synack4(struct pkt_spec *s)
{
	pkt_defaults(s);
	s->tcp_opts = pkt_linux_synack_opts;
	s->tcp_opts_len = sizeof(pkt_linux_synack_opts);
}

static void spec_synack6(struct pkt_spec *s)
{
	pkt_defaults6(s);
	s->tcp_opts = pkt_linux_synack_opts;
	s->tcp_opts_len = sizeof(pkt_linux_synack_opts);
}

/* The fields every pktbuild SYN-ACK with the Linux options decodes to. */
static void check_synack(const struct segment *seg, int family)
{
	assert_int_equal(seg->kind, SEGMENT_KIND_TCP);
	assert_int_equal(seg->src.family, family);
	assert_addr(&seg->src, family == AF_INET ? "192.0.2.10" : "2001:db8::10");
	assert_addr(&seg->dst, family == AF_INET ? "192.0.2.1" : "2001:db8::1");
	assert_int_equal(seg->ttl, 64);
	assert_true(seg->ip_csum_ok);
	assert_int_equal(seg->df, family == AF_INET);
	assert_int_equal(seg->sport, 80);
	assert_int_equal(seg->dport, 40000);
	assert_int_equal(seg->seq, 1000);
	assert_int_equal(seg->ack, 2001);
	assert_int_equal(seg->flags, TCPF_SYN | TCPF_ACK);
	assert_int_equal(seg->reserved, 0);
	assert_int_equal(seg->win, 64240);
	assert_int_equal(seg->urp, 0);
	assert_int_equal(seg->doff, 40);
	assert_true(seg->opt.mss_present);
	assert_int_equal(seg->opt.mss, 1460);
	assert_true(seg->opt.sack_permitted);
	assert_true(seg->opt.ts_present);
	assert_int_equal(seg->opt.tsval, 0x01020304);
	assert_int_equal(seg->opt.tsecr, 0x05060708);
	assert_true(seg->opt.wscale_present);
	assert_int_equal(seg->opt.wscale, 7);
	assert_int_equal(seg->opt.sack_blocks, 0);
	assert_int_equal(seg->opt.unknown, 0);
	assert_false(seg->opt.malformed);
	assert_null(seg->payload);
	assert_int_equal(seg->payload_len, 0);
	assert_int_equal(seg->tcp_csum, CSUM_OK);
}

/* --- real captures --------------------------------------------------------- */

static void test_linux_synack4(void **state)
{
	struct segment seg;
	char fl[9];
	uint8_t buf[sizeof(linux_synack4)];

	expect_ok(linux_synack4, sizeof(linux_synack4), SEGMENT_LINK_RAW, &seg);
	assert_int_equal(seg.kind, SEGMENT_KIND_TCP);
	assert_addr(&seg.src, "127.0.0.1");
	assert_addr(&seg.dst, "127.0.0.1");
	assert_int_equal(seg.ttl, 64);
	assert_int_equal(seg.ip_id, 0);
	assert_true(seg.df);
	assert_true(seg.ip_csum_ok);
	assert_int_equal(seg.sport, 45678);
	assert_int_equal(seg.dport, 41878);
	assert_int_equal(seg.seq, 3808395728u);
	assert_int_equal(seg.ack, 1057029718u);
	assert_string_equal(segment_flags_str(seg.flags, fl), "SA");
	assert_int_equal(seg.win, 65483);
	assert_int_equal(seg.doff, 40);
	assert_true(seg.opt.mss_present);
	assert_int_equal(seg.opt.mss, 65495);
	assert_true(seg.opt.sack_permitted);
	assert_true(seg.opt.ts_present);
	assert_int_equal(seg.opt.tsval, 2319378859u);
	assert_int_equal(seg.opt.tsecr, 1538145413u);
	assert_true(seg.opt.wscale_present);
	assert_int_equal(seg.opt.wscale, 10);
	assert_false(seg.opt.malformed);
	assert_int_equal(seg.payload_len, 0);
	assert_null(seg.payload);
	/* lo leaves the partial sum: accepted, and said so */
	assert_int_equal(seg.tcp_csum, CSUM_PARTIAL);

	/* the value tcpdump computed verifies; one off does not */
	memcpy(buf, linux_synack4, sizeof(buf));
	buf[36] = 0x4b;
	buf[37] = 0xb0;
	expect_ok(buf, sizeof(buf), SEGMENT_LINK_IPV4, &seg);
	assert_int_equal(seg.tcp_csum, CSUM_OK);
	buf[37] = 0xb1;
	expect_ok(buf, sizeof(buf), SEGMENT_LINK_RAW101, &seg);
	assert_int_equal(seg.tcp_csum, CSUM_BAD);
}

static void test_linux_synack6(void **state)
{
	struct segment seg;
	uint8_t buf[sizeof(linux_synack6)];

	expect_ok(linux_synack6, sizeof(linux_synack6), SEGMENT_LINK_IPV6, &seg);
	assert_addr(&seg.src, "::1");
	assert_addr(&seg.dst, "::1");
	assert_int_equal(seg.ttl, 64);
	assert_int_equal(seg.ip_id, 0);
	assert_false(seg.df);
	assert_true(seg.ip_csum_ok);
	assert_int_equal(seg.sport, 45678);
	assert_int_equal(seg.dport, 51828);
	assert_int_equal(seg.seq, 1972505913u);
	assert_int_equal(seg.ack, 4261635565u);
	assert_int_equal(seg.flags, TCPF_SYN | TCPF_ACK);
	assert_int_equal(seg.win, 65464);
	assert_int_equal(seg.opt.mss, 65476);
	assert_int_equal(seg.opt.tsval, 1462476980u);
	assert_int_equal(seg.opt.tsecr, 265326221u);
	assert_int_equal(seg.opt.wscale, 10);
	assert_int_equal(seg.tcp_csum, CSUM_PARTIAL);

	memcpy(buf, linux_synack6, sizeof(buf));
	buf[56] = 0x54;
	buf[57] = 0x44;
	expect_ok(buf, sizeof(buf), SEGMENT_LINK_RAW, &seg);
	assert_int_equal(seg.tcp_csum, CSUM_OK);
	buf[41] ^= 0x01; /* change the source port: checksum no longer verifies */
	expect_ok(buf, sizeof(buf), SEGMENT_LINK_RAW, &seg);
	assert_int_equal(seg.tcp_csum, CSUM_BAD);
}

static void test_linux_data_eth(void **state)
{
	struct segment seg;
	char fl[9];

	expect_ok(linux_data_eth, sizeof(linux_data_eth), SEGMENT_LINK_EN10MB, &seg);
	assert_int_equal(seg.sport, 41878);
	assert_int_equal(seg.dport, 45678);
	assert_int_equal(seg.ip_id, 65367);
	assert_int_equal(seg.seq, 1057029718u);
	assert_int_equal(seg.ack, 3808395729u);
	assert_string_equal(segment_flags_str(seg.flags, fl), "PA");
	assert_int_equal(seg.win, 64);
	assert_int_equal(seg.doff, 32);
	assert_false(seg.opt.mss_present);
	assert_true(seg.opt.ts_present);
	assert_int_equal(seg.opt.tsval, 1538145413u);
	assert_int_equal(seg.opt.tsecr, 2319378859u);
	assert_int_equal(seg.payload_len, 2);
	assert_non_null(seg.payload);
	assert_memory_equal(seg.payload, "hi", 2);
	assert_ptr_equal(seg.payload, linux_data_eth + sizeof(linux_data_eth) - 2);
	assert_int_equal(seg.tcp_csum, CSUM_PARTIAL);
}

static void test_icmp_vector(void **state)
{
	struct segment seg;

	expect_ok(icmp_timxceed4, sizeof(icmp_timxceed4), SEGMENT_LINK_RAW, &seg);
	assert_int_equal(seg.kind, SEGMENT_KIND_ICMP_ERROR);
	assert_addr(&seg.src, "203.0.113.254");
	assert_addr(&seg.dst, "192.0.2.1");
	assert_int_equal(seg.ttl, 254);
	assert_int_equal(seg.ip_id, 48879);
	assert_int_equal(seg.icmp_type, 11);
	assert_int_equal(seg.icmp_code, 0);
	assert_addr(&seg.quote.src, "192.0.2.1");
	assert_addr(&seg.quote.dst, "198.51.100.7");
	assert_int_equal(seg.quote.sport, 40000);
	assert_int_equal(seg.quote.dport, 443);
	assert_int_equal(seg.quote.seq, 0x11223344);
	/* TCP fields stay zero for an ICMP error */
	assert_int_equal(seg.sport, 0);
	assert_int_equal(seg.flags, 0);
	assert_null(seg.payload);
}

/* --- pktbuild frames over every link type ---------------------------------- */

struct link_case {
	enum pkt_link link;
	int vlan_tags;
	uint32_t null_family;
	int linktype;
};

static void run_links(int family, const struct link_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct pkt_spec s;
		struct segment seg;
		uint8_t buf[PKT_MAX];
		if (family == AF_INET)
			spec_synack4(&s);
		else
			spec_synack6(&s);
		s.link = cases[i].link;
		s.vlan_tags = cases[i].vlan_tags;
		s.vlan_id = 42;
		s.null_family = cases[i].null_family;
		size_t len = build(&s, buf);
		expect_ok(buf, len, cases[i].linktype, &seg);
		check_synack(&seg, family);
	}
}

static void test_links_ipv4(void **state)
{
	static const struct link_case cases[] = {
		{ PKT_LINK_RAW, 0, 0, SEGMENT_LINK_RAW },
		{ PKT_LINK_RAW, 0, 0, SEGMENT_LINK_RAW101 },
		{ PKT_LINK_RAW, 0, 0, SEGMENT_LINK_IPV4 },
		{ PKT_LINK_ETH, 0, 0, SEGMENT_LINK_EN10MB },
		{ PKT_LINK_ETH, 1, 0, SEGMENT_LINK_EN10MB },
		{ PKT_LINK_ETH, 2, 0, SEGMENT_LINK_EN10MB },
		{ PKT_LINK_SLL, 0, 0, SEGMENT_LINK_LINUX_SLL },
		{ PKT_LINK_SLL, 1, 0, SEGMENT_LINK_LINUX_SLL },
		{ PKT_LINK_SLL2, 0, 0, SEGMENT_LINK_LINUX_SLL2 },
		{ PKT_LINK_NULL, 0, 2, SEGMENT_LINK_NULL },
		{ PKT_LINK_NULL, 0, 0x02000000, SEGMENT_LINK_NULL }, /* other-endian writer */
	};
	run_links(AF_INET, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_links_ipv6(void **state)
{
	static const struct link_case cases[] = {
		{ PKT_LINK_RAW, 0, 0, SEGMENT_LINK_RAW },
		{ PKT_LINK_RAW, 0, 0, SEGMENT_LINK_RAW101 },
		{ PKT_LINK_RAW, 0, 0, SEGMENT_LINK_IPV6 },
		{ PKT_LINK_ETH, 0, 0, SEGMENT_LINK_EN10MB },
		{ PKT_LINK_ETH, 1, 0, SEGMENT_LINK_EN10MB },
		{ PKT_LINK_ETH, 2, 0, SEGMENT_LINK_EN10MB },
		{ PKT_LINK_SLL, 0, 0, SEGMENT_LINK_LINUX_SLL },
		{ PKT_LINK_SLL2, 0, 0, SEGMENT_LINK_LINUX_SLL2 },
		{ PKT_LINK_NULL, 0, 10, SEGMENT_LINK_NULL },
		{ PKT_LINK_NULL, 0, 24, SEGMENT_LINK_NULL },
		{ PKT_LINK_NULL, 0, 28, SEGMENT_LINK_NULL },
		{ PKT_LINK_NULL, 0, 30, SEGMENT_LINK_NULL },
	};
	run_links(AF_INET6, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_link_other(void **state)
{
	struct pkt_spec s;
	uint8_t buf[PKT_MAX], big[PKT_MAX];
	size_t n;

	/* NULL with a family that is not IP */
	spec_synack4(&s);
	s.link = PKT_LINK_NULL;
	s.null_family = 7;
	n = build(&s, buf);
	expect_other(buf, n, SEGMENT_LINK_NULL);

	/* ARP over Ethernet and SLL2 */
	s.link = PKT_LINK_ETH;
	s.null_family = 0;
	n = build(&s, buf);
	buf[12] = 0x08;
	buf[13] = 0x06;
	expect_other(buf, n, SEGMENT_LINK_EN10MB);
	s.link = PKT_LINK_SLL2;
	n = build(&s, buf);
	buf[0] = 0x08;
	buf[1] = 0x06;
	expect_other(buf, n, SEGMENT_LINK_LINUX_SLL2);

	/* three VLAN tags: more than this decoder follows */
	s.link = PKT_LINK_ETH;
	s.vlan_tags = 2;
	n = build(&s, buf);
	memcpy(big, buf, 12);
	big[12] = 0x81;
	big[13] = 0x00;
	big[14] = 0x00;
	big[15] = 0x07;
	memcpy(big + 16, buf + 12, n - 12);
	expect_other(big, n + 4, SEGMENT_LINK_EN10MB);
	/* 802.1ad outer tag is followed like 802.1Q */
	buf[12] = 0x88;
	buf[13] = 0xa8;
	struct segment seg;
	expect_ok(buf, n, SEGMENT_LINK_EN10MB, &seg);
	check_synack(&seg, AF_INET);
}

static void test_decode_ip_entry(void **state)
{
	struct segment seg;
	enum segment_reason why;

	assert_int_equal(segment_decode_ip(linux_synack6, sizeof(linux_synack6), &seg, &why),
			 SEGMENT_OK);
	assert_int_equal(seg.dport, 51828);
	assert_int_equal(segment_decode_ip(linux_synack4, 10, &seg, &why), SEGMENT_BAD);
	assert_int_equal(why, SEGMENT_R_IP_TRUNCATED);
	/* a NULL why is tolerated */
	assert_int_equal(segment_decode(linux_synack4, 10, SEGMENT_LINK_RAW, &seg, NULL),
			 SEGMENT_BAD);
}

/* Ethernet pads a 54-byte frame to 60: the IP total length is the end. */
static void test_ethernet_padding(void **state)
{
	struct pkt_spec s;
	struct segment seg;
	uint8_t buf[PKT_MAX];

	pkt_defaults(&s);
	s.link = PKT_LINK_ETH;
	s.pad_to = 60;
	size_t n = build(&s, buf);
	assert_int_equal(n, 60);
	buf[58] = 0xde; /* trailer garbage must not become payload */
	buf[59] = 0xad;
	expect_ok(buf, n, SEGMENT_LINK_EN10MB, &seg);
	assert_int_equal(seg.payload_len, 0);
	assert_null(seg.payload);
	assert_int_equal(seg.doff, 20);
	assert_int_equal(seg.tcp_csum, CSUM_OK);

	pkt_defaults6(&s);
	s.link = PKT_LINK_ETH;
	s.pad_to = 100;
	n = build(&s, buf);
	expect_ok(buf, n, SEGMENT_LINK_EN10MB, &seg);
	assert_int_equal(seg.payload_len, 0);
	assert_int_equal(seg.tcp_csum, CSUM_OK);
}

static void test_ip4_options(void **state)
{
	static const uint8_t opts[] = { 0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00 };
	static const uint8_t data[] = { 1, 2, 3, 4, 5 };
	struct pkt_spec s;
	struct segment seg;
	uint8_t buf[PKT_MAX];

	spec_synack4(&s);
	s.link = PKT_LINK_ETH;
	s.ip_opts = opts;
	s.ip_opts_len = sizeof(opts);
	s.ip_id = 0x1234;
	s.ttl = 3;
	s.df = false;
	s.payload = data;
	s.payload_len = sizeof(data);
	s.flags = TCPF_PSH | TCPF_ACK;
	size_t n = build(&s, buf);
	expect_ok(buf, n, SEGMENT_LINK_EN10MB, &seg);
	assert_int_equal(buf[14], 0x47);
	assert_int_equal(seg.ip_id, 0x1234);
	assert_int_equal(seg.ttl, 3);
	assert_false(seg.df);
	assert_int_equal(seg.sport, 80);
	assert_int_equal(seg.dport, 40000);
	assert_int_equal(seg.flags, TCPF_PSH | TCPF_ACK);
	assert_int_equal(seg.opt.mss, 1460);
	assert_int_equal(seg.payload_len, 5);
	assert_memory_equal(seg.payload, data, 5);
	assert_int_equal(seg.tcp_csum, CSUM_OK);
}

static void test_ip6_ext_headers(void **state)
{
	static const uint8_t data[] = { 'x', 'y', 'z' };
	struct pkt_spec s;
	struct segment seg;
	uint8_t buf[PKT_MAX];
	size_t n;

	spec_synack6(&s);
	s.link = PKT_LINK_ETH;
	s.v6_ext[0] = 0; /* hop-by-hop */
	s.v6_ext_n = 1;
	n = build(&s, buf);
	expect_ok(buf, n, SEGMENT_LINK_EN10MB, &seg);
	check_synack(&seg, AF_INET6);

	s.v6_ext[1] = 60; /* destination options */
	s.v6_ext[2] = 43; /* routing */
	s.v6_ext[3] = 60;
	s.v6_ext_n = 4;
	s.payload = data;
	s.payload_len = sizeof(data);
	n = build(&s, buf);
	expect_ok(buf, n, SEGMENT_LINK_EN10MB, &seg);
	assert_int_equal(seg.sport, 80);
	assert_int_equal(seg.opt.wscale, 7);
	assert_int_equal(seg.payload_len, 3);
	assert_memory_equal(seg.payload, "xyz", 3);
	assert_int_equal(seg.tcp_csum, CSUM_OK);

	/* a fragment header anywhere in the chain */
	s.v6_ext[2] = 44;
	n = build(&s, buf);
	expect_bad(buf, n, SEGMENT_LINK_EN10MB, SEGMENT_R_IP_FRAGMENT);

	/* no next header (59) after hop-by-hop: nothing for us */
	spec_synack6(&s);
	s.v6_ext_n = 1;
	n = build(&s, buf);
	buf[40] = 59;
	expect_other(buf, n, SEGMENT_LINK_RAW);
}

/* --- every SEGMENT_BAD reason ----------------------------------------------- */

static void test_bad_link(void **state)
{
	struct pkt_spec s;
	uint8_t buf[PKT_MAX];

	spec_synack4(&s);
	s.link = PKT_LINK_ETH;
	size_t n = build(&s, buf);
	expect_bad(buf, 13, SEGMENT_LINK_EN10MB, SEGMENT_R_LINK_TRUNCATED);
	expect_bad(buf, 0, SEGMENT_LINK_EN10MB, SEGMENT_R_LINK_TRUNCATED);
	expect_bad(buf, 15, SEGMENT_LINK_LINUX_SLL, SEGMENT_R_LINK_TRUNCATED);
	expect_bad(buf, 19, SEGMENT_LINK_LINUX_SLL2, SEGMENT_R_LINK_TRUNCATED);
	expect_bad(buf, 3, SEGMENT_LINK_NULL, SEGMENT_R_LINK_TRUNCATED);
	expect_bad(buf, n, 9999, SEGMENT_R_LINK_UNKNOWN);
	expect_bad(buf, n, -1, SEGMENT_R_LINK_UNKNOWN);
	expect_bad(NULL, 0, SEGMENT_LINK_RAW, SEGMENT_R_IP_TRUNCATED);

	/* a VLAN tag cut in half */
	s.vlan_tags = 1;
	build(&s, buf);
	expect_bad(buf, 16, SEGMENT_LINK_EN10MB, SEGMENT_R_LINK_TRUNCATED);
}

static void test_bad_ip(void **state)
{
	struct pkt_spec s;
	uint8_t buf[PKT_MAX];
	size_t n;

	spec_synack4(&s);
	n = build(&s, buf);
	expect_bad(buf, 0, SEGMENT_LINK_RAW, SEGMENT_R_IP_TRUNCATED);
	expect_bad(buf, 19, SEGMENT_LINK_RAW, SEGMENT_R_IP_TRUNCATED);
	/* the link says IPv6, the header says 4 */
	expect_bad(buf, n, SEGMENT_LINK_IPV6, SEGMENT_R_IP_VERSION);
	buf[0] = 0x55;
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_IP_VERSION);
	buf[0] = 0x44; /* IHL 4 */
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_IP_HEADER_LEN);
	buf[0] = 0x4f; /* IHL 15 = 60 bytes of a 24-byte capture */
	expect_bad(buf, 24, SEGMENT_LINK_RAW, SEGMENT_R_IP_HEADER_LEN);
	buf[0] = 0x45;
	expect_bad(buf, n - 1, SEGMENT_LINK_RAW, SEGMENT_R_IP_TOTAL_LEN);
	buf[2] = 0;
	buf[3] = 19; /* total length shorter than the header */
	fix_ip4_csum(buf);
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_IP_TOTAL_LEN);

	s.ip_csum_bad = true;
	n = build(&s, buf);
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_IP_CHECKSUM);
	s.ip_csum_bad = false;

	s.mf = true;
	n = build(&s, buf);
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_IP_FRAGMENT);
	s.mf = false;
	s.frag_off = 185;
	n = build(&s, buf);
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_IP_FRAGMENT);

	spec_synack6(&s);
	n = build(&s, buf);
	expect_bad(buf, 39, SEGMENT_LINK_RAW, SEGMENT_R_IP_TRUNCATED);
	expect_bad(buf, n, SEGMENT_LINK_IPV4, SEGMENT_R_IP_VERSION);
	expect_bad(buf, n - 1, SEGMENT_LINK_RAW, SEGMENT_R_IP_TOTAL_LEN);
	/* Ethernet type says IPv4 but the packet is IPv6 */
	s.link = PKT_LINK_ETH;
	n = build(&s, buf);
	buf[12] = 0x08;
	buf[13] = 0x00;
	expect_bad(buf, n, SEGMENT_LINK_EN10MB, SEGMENT_R_IP_VERSION);

	/* hop-by-hop header claiming more bytes than the payload length */
	spec_synack6(&s);
	s.v6_ext_n = 1;
	n = build(&s, buf);
	buf[41] = 10;
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_EXT_HEADER);
	/* payload length too short to hold even the extension header's start */
	buf[41] = 0;
	buf[4] = 0;
	buf[5] = 1;
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_EXT_HEADER);
}

static void test_bad_tcp(void **state)
{
	struct pkt_spec s;
	struct segment seg;
	uint8_t buf[PKT_MAX];
	uint8_t junk[19];
	size_t n;

	/* 19 bytes of TCP inside a consistent IP header */
	memset(junk, 0, sizeof(junk));
	pkt_defaults(&s);
	s.l4 = PKT_L4_RAW;
	s.ip_proto = 6;
	s.payload = junk;
	s.payload_len = sizeof(junk);
	n = build(&s, buf);
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_TCP_TRUNCATED);
	pkt_defaults6(&s);
	s.l4 = PKT_L4_RAW;
	s.ip_proto = 6;
	s.payload = junk;
	s.payload_len = 0;
	n = build(&s, buf);
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_TCP_TRUNCATED);

	/* data offset 4 (< 5) and 15 (past the end of a 20-byte segment) */
	pkt_defaults(&s);
	s.doff_words = 4;
	n = build(&s, buf);
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_TCP_DATA_OFFSET);
	s.doff_words = 15;
	n = build(&s, buf);
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_TCP_DATA_OFFSET);
	/* 6 words = 24 bytes, and exactly 24 are there: fine (4 bytes of NOP) */
	static const uint8_t nops[] = { 1, 1, 1, 1 };
	s.tcp_opts = nops;
	s.tcp_opts_len = 4;
	s.doff_words = 0;
	n = build(&s, buf);
	expect_ok(buf, n, SEGMENT_LINK_RAW, &seg);
	assert_int_equal(seg.doff, 24);
	assert_false(seg.opt.malformed);
	/* 7 words over the same 24 bytes */
	s.doff_words = 7;
	n = build(&s, buf);
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_TCP_DATA_OFFSET);
}

static void test_bad_icmp(void **state)
{
	struct pkt_spec syn, s;
	uint8_t buf[PKT_MAX];
	size_t n;

	pkt_defaults(&syn);
	syn.src = "192.0.2.1";
	syn.dst = "198.51.100.7";
	syn.flags = TCPF_SYN;

	pkt_defaults(&s);
	s.src = "203.0.113.1";
	s.dst = "192.0.2.1";
	s.l4 = PKT_L4_ICMP;
	s.icmp_type = 3;
	s.icmp_code = 13;
	s.quote = &syn;
	/* 7 bytes of the TCP header */
	s.quote_l4 = 7;
	n = build(&s, buf);
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_ICMP_TRUNCATED);
	/* the quoted IP header itself cut */
	s.quote_l4 = 0;
	s.quote_cut = 19;
	n = build(&s, buf);
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_ICMP_TRUNCATED);
	/* quoted IPv4 options that run past the quote */
	static const uint8_t ipopt[] = { 1, 1, 1, 1, 1, 1, 1, 0 };
	syn.ip_opts = ipopt;
	syn.ip_opts_len = sizeof(ipopt);
	s.quote_cut = 24;
	n = build(&s, buf);
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_ICMP_TRUNCATED);
	/* an ICMP message shorter than its 8-byte header */
	s.quote = NULL;
	s.quote_cut = 0;
	n = build(&s, buf);
	buf[3] = 20 + 7;
	fix_ip4_csum(buf);
	expect_bad(buf, 27, SEGMENT_LINK_RAW, SEGMENT_R_ICMP_TRUNCATED);

	/* IPv6: quote shorter than a fixed header, then 4 bytes of TCP */
	struct pkt_spec syn6, s6;
	pkt_defaults6(&syn6);
	syn6.src = "2001:db8::1";
	syn6.dst = "2001:db8::99";
	syn6.flags = TCPF_SYN;
	pkt_defaults6(&s6);
	s6.src = "2001:db8::fe";
	s6.dst = "2001:db8::1";
	s6.l4 = PKT_L4_ICMP;
	s6.icmp_type = 1;
	s6.quote = &syn6;
	s6.quote_cut = 39;
	n = build(&s6, buf);
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_ICMP_TRUNCATED);
	s6.quote_cut = 0;
	s6.quote_l4 = 4;
	n = build(&s6, buf);
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_ICMP_TRUNCATED);
	/* a quoted hop-by-hop header cut short */
	syn6.v6_ext_n = 1;
	s6.quote_l4 = 0;
	s6.quote_cut = 44;
	n = build(&s6, buf);
	expect_bad(buf, n, SEGMENT_LINK_RAW, SEGMENT_R_ICMP_TRUNCATED);
}

static void test_reason_names(void **state)
{
	assert_string_equal(segment_reason_name(SEGMENT_R_NONE), "none");
	assert_string_equal(segment_reason_name(SEGMENT_R_TCP_TRUNCATED), "tcp-truncated");
	assert_string_equal(segment_reason_name(SEGMENT_R_IP_CHECKSUM), "ip-checksum");
	assert_string_equal(segment_reason_name(SEGMENT_R_ICMP_TRUNCATED), "icmp-truncated");
	assert_string_equal(segment_reason_name(SEGMENT_R_LINK_UNKNOWN), "link-unknown");
	assert_string_equal(segment_reason_name(SEGMENT_R_COUNT), "unknown");
	assert_string_equal(segment_reason_name((enum segment_reason)-1), "unknown");
	/* every reason has its own non-empty name */
	for (int i = 0; i < SEGMENT_R_COUNT; i++) {
		const char *a = segment_reason_name((enum segment_reason)i);
		assert_non_null(a);
		assert_true(strlen(a) > 0);
		assert_string_not_equal(a, "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a, segment_reason_name((enum segment_reason)j));
	}
}

/* --- truncation at every length --------------------------------------------- */

static void truncate_all(const uint8_t *buf, size_t n, int link)
{
	struct segment seg;
	enum segment_reason why;

	expect_ok(buf, n, link, &seg);
	for (size_t len = 0; len < n; len++) {
		why = SEGMENT_R_NONE;
		enum segment_status st = decode(buf, len, link, &seg, &why);
		if (st != SEGMENT_BAD)
			fail_msg("prefix of %zu of %zu bytes: status %d", len, n, st);
		assert_int_not_equal(why, SEGMENT_R_NONE);
	}
}

static void test_truncate_every_length(void **state)
{
	static const uint8_t data[] = "payload!";
	struct pkt_spec s, syn, syn6;
	uint8_t buf[PKT_MAX];
	size_t n;

	truncate_all(linux_synack4, sizeof(linux_synack4), SEGMENT_LINK_RAW);
	truncate_all(linux_synack6, sizeof(linux_synack6), SEGMENT_LINK_RAW);
	truncate_all(linux_data_eth, sizeof(linux_data_eth), SEGMENT_LINK_EN10MB);
	truncate_all(icmp_timxceed4, sizeof(icmp_timxceed4), SEGMENT_LINK_RAW);

	spec_synack4(&s);
	s.link = PKT_LINK_ETH;
	s.vlan_tags = 2;
	s.payload = data;
	s.payload_len = sizeof(data);
	n = build(&s, buf);
	truncate_all(buf, n, SEGMENT_LINK_EN10MB);

	spec_synack6(&s);
	s.link = PKT_LINK_SLL;
	s.v6_ext_n = 2;
	s.v6_ext[1] = 60;
	n = build(&s, buf);
	truncate_all(buf, n, SEGMENT_LINK_LINUX_SLL);
	s.link = PKT_LINK_SLL2;
	n = build(&s, buf);
	truncate_all(buf, n, SEGMENT_LINK_LINUX_SLL2);
	s.link = PKT_LINK_NULL;
	n = build(&s, buf);
	truncate_all(buf, n, SEGMENT_LINK_NULL);

	pkt_defaults(&syn);
	syn.flags = TCPF_SYN;
	pkt_defaults(&s);
	s.l4 = PKT_L4_ICMP;
	s.icmp_type = 3;
	s.quote = &syn;
	s.link = PKT_LINK_ETH;
	n = build(&s, buf);
	truncate_all(buf, n, SEGMENT_LINK_EN10MB);

	pkt_defaults6(&syn6);
	syn6.v6_ext_n = 1;
	pkt_defaults6(&s);
	s.l4 = PKT_L4_ICMP;
	s.icmp_type = 1;
	s.quote = &syn6;
	n = build(&s, buf);
	truncate_all(buf, n, SEGMENT_LINK_RAW);
}

/*
 * Cut inside a consistent IP packet: the IP total length shrinks with the
 * capture, so TCP and ICMP bounds alone have to hold. Short of 20 bytes it is
 * TCP_TRUNCATED, short of the data offset TCP_DATA_OFFSET, and past it OK.
 */
static void test_truncate_inner(void **state)
{
	struct pkt_spec s;
	uint8_t buf[PKT_MAX];
	uint8_t cut[PKT_MAX];
	struct segment seg;
	enum segment_reason why;

	spec_synack4(&s);
	static const uint8_t data[] = { 9, 8, 7 };
	s.payload = data;
	s.payload_len = sizeof(data);
	size_t n = build(&s, buf);
	for (size_t tcp = 0; tcp + 20 <= n; tcp++) {
		memcpy(cut, buf, 20 + tcp);
		cut[2] = (uint8_t)((20 + tcp) >> 8);
		cut[3] = (uint8_t)(20 + tcp);
		fix_ip4_csum(cut);
		enum segment_status st = decode(cut, 20 + tcp, SEGMENT_LINK_RAW, &seg, &why);
		if (tcp < 20) {
			assert_int_equal(st, SEGMENT_BAD);
			assert_int_equal(why, SEGMENT_R_TCP_TRUNCATED);
		} else if (tcp < 40) {
			assert_int_equal(st, SEGMENT_BAD);
			assert_int_equal(why, SEGMENT_R_TCP_DATA_OFFSET);
		} else {
			assert_int_equal(st, SEGMENT_OK);
			assert_int_equal(seg.payload_len, tcp - 40);
			assert_int_equal(seg.opt.mss, 1460);
			/* shorter than built: the checksum no longer verifies */
			assert_int_equal(seg.tcp_csum, tcp == n - 20 ? CSUM_OK : CSUM_BAD);
		}
	}

	/* the same over IPv6 with a hop-by-hop header: the payload length bounds
	 * the extension header walk too */
	spec_synack6(&s);
	s.v6_ext_n = 1;
	n = build(&s, buf);
	for (size_t pl = 0; 40 + pl <= n; pl++) {
		memcpy(cut, buf, 40 + pl);
		cut[4] = (uint8_t)(pl >> 8);
		cut[5] = (uint8_t)pl;
		enum segment_status st = decode(cut, 40 + pl, SEGMENT_LINK_RAW, &seg, &why);
		if (pl < 8) {
			assert_int_equal(st, SEGMENT_BAD);
			assert_int_equal(why, SEGMENT_R_EXT_HEADER);
		} else if (pl < 8 + 20) {
			assert_int_equal(st, SEGMENT_BAD);
			assert_int_equal(why, SEGMENT_R_TCP_TRUNCATED);
		} else if (pl < 8 + 40) {
			assert_int_equal(st, SEGMENT_BAD);
			assert_int_equal(why, SEGMENT_R_TCP_DATA_OFFSET);
		} else {
			assert_int_equal(st, SEGMENT_OK);
			assert_int_equal(seg.opt.wscale, 7);
			assert_int_equal(seg.tcp_csum, CSUM_OK);
		}
	}

	/* and the IPv6 payload length over an ICMPv6 error */
	struct pkt_spec syn6;
	pkt_defaults6(&syn6);
	pkt_defaults6(&s);
	s.l4 = PKT_L4_ICMP;
	s.icmp_type = 3;
	s.quote = &syn6;
	n = build(&s, buf);
	for (size_t pl = 0; 40 + pl <= n; pl++) {
		memcpy(cut, buf, 40 + pl);
		cut[4] = (uint8_t)(pl >> 8);
		cut[5] = (uint8_t)pl;
		enum segment_status st = decode(cut, 40 + pl, SEGMENT_LINK_RAW, &seg, &why);
		if (pl < 8 + 40 + 8) {
			assert_int_equal(st, SEGMENT_BAD);
			assert_int_equal(why, SEGMENT_R_ICMP_TRUNCATED);
		} else {
			assert_int_equal(st, SEGMENT_OK);
			assert_int_equal(seg.kind, SEGMENT_KIND_ICMP_ERROR);
			assert_int_equal(seg.quote.seq, 1000);
		}
	}
}

/* --- TCP options --------------------------------------------------------------- */

static void decode_opts(const uint8_t *opts, size_t len, struct segment *seg)
{
	struct pkt_spec s;
	uint8_t buf[PKT_MAX];

	pkt_defaults(&s);
	s.tcp_opts = opts;
	s.tcp_opts_len = len;
	size_t n = build(&s, buf);
	expect_ok(buf, n, SEGMENT_LINK_RAW, seg);
	assert_int_equal(seg->tcp_csum, CSUM_OK);
}

static void test_options_malformed(void **state)
{
	struct segment seg;

	/* MSS, then a kind with length 0: MSS kept, parsing stopped */
	static const uint8_t len0[] = { 2, 4, 0x05, 0x78, 3, 0, 3, 3, 8, 0, 0, 0 };
	decode_opts(len0, sizeof(len0), &seg);
	assert_true(seg.opt.malformed);
	assert_true(seg.opt.mss_present);
	assert_int_equal(seg.opt.mss, 1400);
	assert_false(seg.opt.wscale_present);

	/* length 1 */
	static const uint8_t len1[] = { 1, 1, 4, 2, 99, 1, 3, 3, 7, 0, 0, 0 };
	decode_opts(len1, sizeof(len1), &seg);
	assert_true(seg.opt.malformed);
	assert_true(seg.opt.sack_permitted);
	assert_false(seg.opt.wscale_present);
	assert_int_equal(seg.opt.unknown, 0);

	/* timestamps claiming 10 bytes with 6 left before the header end */
	static const uint8_t over[] = { 2, 4, 0x05, 0xb4, 1, 1, 8, 10, 0, 0, 0, 1 };
	decode_opts(over, sizeof(over), &seg);
	assert_true(seg.opt.malformed);
	assert_int_equal(seg.opt.mss, 1460);
	assert_false(seg.opt.ts_present);

	/* a kind in the last byte, with no room for its length */
	static const uint8_t nolen[] = { 1, 1, 1, 3 };
	decode_opts(nolen, sizeof(nolen), &seg);
	assert_true(seg.opt.malformed);

	/* known kinds with the wrong length */
	static const uint8_t mss5[] = { 2, 5, 0x05, 0xb4, 0, 3, 3, 7 };
	decode_opts(mss5, sizeof(mss5), &seg);
	assert_true(seg.opt.malformed);
	assert_false(seg.opt.mss_present);
	assert_false(seg.opt.wscale_present);
	static const uint8_t ws4[] = { 3, 4, 7, 0 };
	decode_opts(ws4, sizeof(ws4), &seg);
	assert_true(seg.opt.malformed);
	assert_false(seg.opt.wscale_present);
	static const uint8_t sackok3[] = { 4, 3, 0, 0 };
	decode_opts(sackok3, sizeof(sackok3), &seg);
	assert_true(seg.opt.malformed);
	assert_false(seg.opt.sack_permitted);
	static const uint8_t ts8[] = { 8, 8, 0, 0, 0, 1, 0, 2 };
	decode_opts(ts8, sizeof(ts8), &seg);
	assert_true(seg.opt.malformed);
	assert_false(seg.opt.ts_present);
	static const uint8_t sack9[] = { 5, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0 };
	decode_opts(sack9, sizeof(sack9), &seg);
	assert_true(seg.opt.malformed);
	assert_int_equal(seg.opt.sack_blocks, 0);
}

static void test_options_good(void **state)
{
	struct segment seg;

	/* unknown kinds (MPTCP 30, experimental 254) are counted and skipped */
	static const uint8_t unk[] = { 30, 4, 0x10, 0x00, 254, 6, 0xf9, 0x89, 0, 0, 3, 3, 5, 1, 0, 0 };
	decode_opts(unk, sizeof(unk), &seg);
	assert_false(seg.opt.malformed);
	assert_int_equal(seg.opt.unknown, 2);
	assert_true(seg.opt.wscale_present);
	assert_int_equal(seg.opt.wscale, 5);

	/* SACK with two blocks, after timestamps */
	static const uint8_t sack[] = {
		1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9,
		1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,
	};
	decode_opts(sack, sizeof(sack), &seg);
	assert_false(seg.opt.malformed);
	assert_int_equal(seg.opt.sack_blocks, 2);
	assert_true(seg.opt.ts_present);
	assert_int_equal(seg.opt.tsval, 7);
	assert_int_equal(seg.opt.tsecr, 9);

	/* EOL ends the list: what follows is padding, not options */
	static const uint8_t eol[] = { 2, 4, 0x02, 0x18, 0, 3, 3, 9 };
	decode_opts(eol, sizeof(eol), &seg);
	assert_false(seg.opt.malformed);
	assert_int_equal(seg.opt.mss, 536);
	assert_false(seg.opt.wscale_present);

	/* 40 bytes of options, the maximum */
	uint8_t max[40];
	memset(max, 1, sizeof(max));
	max[36] = 3;
	max[37] = 3;
	max[38] = 14;
	decode_opts(max, sizeof(max), &seg);
	assert_int_equal(seg.doff, 60);
	assert_false(seg.opt.malformed);
	assert_int_equal(seg.opt.wscale, 14);
}

/* --- checksums, flags, reserved bits --------------------------------------------- */

static void test_tcp_checksums(void **state)
{
	static const uint8_t odd[] = { 'a', 'b', 'c', 'd', 'e' };
	struct pkt_spec s;
	struct segment seg;
	uint8_t buf[PKT_MAX];
	size_t n;

	for (int fam = 0; fam < 2; fam++) {
		if (fam == 0)
			spec_synack4(&s);
		else
			spec_synack6(&s);
		s.payload = odd; /* odd length: the zero-pad rule matters */
		s.payload_len = sizeof(odd);

		n = build(&s, buf);
		expect_ok(buf, n, SEGMENT_LINK_RAW, &seg);
		assert_int_equal(seg.tcp_csum, CSUM_OK);

		s.tcp_csum = PKT_CSUM_BAD;
		n = build(&s, buf);
		expect_ok(buf, n, SEGMENT_LINK_RAW, &seg);
		assert_int_equal(seg.tcp_csum, CSUM_BAD);
		assert_int_equal(seg.payload_len, 5); /* still decoded */

		s.tcp_csum = PKT_CSUM_PARTIAL;
		n = build(&s, buf);
		expect_ok(buf, n, SEGMENT_LINK_RAW, &seg);
		assert_int_equal(seg.tcp_csum, CSUM_PARTIAL);

		s.tcp_csum = PKT_CSUM_VALUE;
		s.tcp_csum_value = 0;
		n = build(&s, buf);
		expect_ok(buf, n, SEGMENT_LINK_RAW, &seg);
		assert_int_equal(seg.tcp_csum, CSUM_BAD);
	}
}

/* csum.c against pktbuild's own sum on the same bytes. */
static void test_csum_module(void **state)
{
	struct pkt_spec s;
	uint8_t buf[PKT_MAX];
	struct netaddr src, dst;
	static const uint8_t odd[] = { 0xff, 0xff, 0xff };

	spec_synack6(&s);
	s.payload = odd;
	s.payload_len = sizeof(odd);
	size_t n = build(&s, buf);
	addr(&src, s.src);
	addr(&dst, s.dst);
	uint16_t stored = (uint16_t)(buf[56] << 8 | buf[57]);
	buf[56] = buf[57] = 0;
	assert_int_equal(csum_tcp(&src, &dst, buf + 40, n - 40), stored);

	spec_synack4(&s);
	n = build(&s, buf);
	stored = (uint16_t)(buf[10] << 8 | buf[11]);
	buf[10] = buf[11] = 0;
	assert_int_equal(csum_ip4(buf, 20), stored);
	assert_int_equal(csum_ip4(buf, 20), pkt_cksum(buf, 20));

	/* RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 */
	static const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	assert_int_equal(csum_fold(csum_add(0, rfc, sizeof(rfc))), 0xddf2);
	assert_int_equal(csum_fold(csum_add(0, rfc, 0)), 0);
	assert_int_equal(csum_fold(csum_add(0, "\x01", 1)), 0x0100);
	assert_int_equal(csum_fold(0x2fffe), 0x0001);
}

static void test_flags_reserved(void **state)
{
	struct pkt_spec s;
	struct segment seg;
	uint8_t buf[PKT_MAX];
	char fl[9];

	pkt_defaults(&s);
	s.flags = 0xff;
	s.reserved = 0x0f;
	s.urp = 0x1234;
	size_t n = build(&s, buf);
	expect_ok(buf, n, SEGMENT_LINK_RAW, &seg);
	assert_int_equal(seg.flags, 0xff);
	assert_int_equal(seg.reserved, 0x0f);
	assert_int_equal(seg.urp, 0x1234);
	assert_int_equal(seg.doff, 20); /* reserved bits do not leak into it */
	assert_int_equal(seg.tcp_csum, CSUM_OK);
	assert_string_equal(segment_flags_str(seg.flags, fl), "FSRPAUEC");

	s.flags = 0;
	s.reserved = 0x05;
	n = build(&s, buf);
	expect_ok(buf, n, SEGMENT_LINK_RAW, &seg);
	assert_int_equal(seg.flags, 0);
	assert_int_equal(seg.reserved, 0x05);
}

static void test_flags_str(void **state)
{
	char b[9];

	assert_string_equal(segment_flags_str(TCPF_SYN | TCPF_ACK, b), "SA");
	assert_string_equal(segment_flags_str(TCPF_RST | TCPF_ACK, b), "RA");
	assert_string_equal(segment_flags_str(TCPF_FIN | TCPF_ACK, b), "FA");
	assert_string_equal(segment_flags_str(TCPF_PSH | TCPF_ACK, b), "PA");
	assert_string_equal(segment_flags_str(TCPF_SYN, b), "S");
	assert_string_equal(segment_flags_str(TCPF_RST, b), "R");
	assert_string_equal(segment_flags_str(TCPF_SYN | TCPF_ECE | TCPF_CWR, b), "SEC");
	assert_string_equal(segment_flags_str(TCPF_URG | TCPF_FIN, b), "FU");
	assert_string_equal(segment_flags_str(0, b), "");
	assert_ptr_equal(segment_flags_str(0xff, b), b);
	assert_string_equal(b, "FSRPAUEC");
}

/* --- ICMP ------------------------------------------------------------------------ */

static void test_icmp4_quotes(void **state)
{
	struct pkt_spec syn, s;
	struct segment seg;
	uint8_t buf[PKT_MAX];
	size_t n;

	pkt_defaults(&syn);
	syn.src = "192.0.2.1";
	syn.dst = "198.51.100.7";
	syn.sport = 40000;
	syn.dport = 8080;
	syn.seq = 0xdeadbeef;
	syn.ack = 0;
	syn.flags = TCPF_SYN;
	syn.tcp_opts = pkt_linux_synack_opts;
	syn.tcp_opts_len = sizeof(pkt_linux_synack_opts);

	pkt_defaults(&s);
	s.src = "203.0.113.1";
	s.dst = "192.0.2.1";
	s.ttl = 250;
	s.l4 = PKT_L4_ICMP;
	s.icmp_type = 3;
	s.icmp_code = 13; /* communication administratively prohibited */
	s.quote = &syn;
	s.quote_l4 = 8;
	s.link = PKT_LINK_ETH;

	/* 8-byte quote; the quoted total length (80) is far past it */
	n = build(&s, buf);
	assert_int_equal(n, 14 + 20 + 8 + 20 + 8);
	expect_ok(buf, n, SEGMENT_LINK_EN10MB, &seg);
	assert_int_equal(seg.kind, SEGMENT_KIND_ICMP_ERROR);
	assert_addr(&seg.src, "203.0.113.1");
	assert_int_equal(seg.ttl, 250);
	assert_int_equal(seg.icmp_type, 3);
	assert_int_equal(seg.icmp_code, 13);
	assert_addr(&seg.quote.src, "192.0.2.1");
	assert_addr(&seg.quote.dst, "198.51.100.7");
	assert_int_equal(seg.quote.sport, 40000);
	assert_int_equal(seg.quote.dport, 8080);
	assert_int_equal(seg.quote.seq, 0xdeadbeef);

	/* quoted IP options move the quoted TCP header */
	static const uint8_t ipopt[] = { 0x07, 0x07, 0x04, 0, 0, 0, 0, 1 }; /* record route */
	syn.ip_opts = ipopt;
	syn.ip_opts_len = sizeof(ipopt);
	n = build(&s, buf);
	expect_ok(buf, n, SEGMENT_LINK_EN10MB, &seg);
	assert_int_equal(seg.quote.sport, 40000);
	assert_int_equal(seg.quote.dport, 8080);
	assert_int_equal(seg.quote.seq, 0xdeadbeef);

	/* full quote, time exceeded */
	s.quote_l4 = 0;
	s.icmp_type = 11;
	s.icmp_code = 0;
	n = build(&s, buf);
	expect_ok(buf, n, SEGMENT_LINK_EN10MB, &seg);
	assert_int_equal(seg.icmp_type, 11);
	assert_int_equal(seg.quote.seq, 0xdeadbeef);

	/* other ICMP types are not errors about us */
	s.icmp_type = 0; /* echo reply */
	n = build(&s, buf);
	expect_other(buf, n, SEGMENT_LINK_EN10MB);
	s.icmp_type = 5; /* redirect */
	n = build(&s, buf);
	expect_other(buf, n, SEGMENT_LINK_EN10MB);
	s.icmp_type = 8; /* echo request, no quote */
	s.quote = NULL;
	s.payload = (const uint8_t *)"ping";
	s.payload_len = 4;
	n = build(&s, buf);
	expect_other(buf, n, SEGMENT_LINK_EN10MB);

	/* an unreachable quoting UDP */
	struct pkt_spec udp;
	pkt_defaults(&udp);
	udp.l4 = PKT_L4_UDP;
	s.icmp_type = 3;
	s.icmp_code = 3;
	s.quote = &udp;
	s.payload = NULL;
	s.payload_len = 0;
	n = build(&s, buf);
	expect_other(buf, n, SEGMENT_LINK_EN10MB);
	/* ... and a quoted later fragment */
	syn.frag_off = 10;
	s.quote = &syn;
	n = build(&s, buf);
	expect_other(buf, n, SEGMENT_LINK_EN10MB);
}

static void test_icmp6_quotes(void **state)
{
	struct pkt_spec syn, s;
	struct segment seg;
	uint8_t buf[PKT_MAX];
	size_t n;

	pkt_defaults6(&syn);
	syn.src = "2001:db8::1";
	syn.dst = "2001:db8:1::99";
	syn.sport = 40001;
	syn.dport = 22;
	syn.seq = 0x01020304;
	syn.flags = TCPF_SYN;

	pkt_defaults6(&s);
	s.src = "2001:db8::fe";
	s.dst = "2001:db8::1";
	s.l4 = PKT_L4_ICMP;
	s.icmp_type = 1;
	s.icmp_code = 1; /* administratively prohibited */
	s.quote = &syn;
	n = build(&s, buf);
	expect_ok(buf, n, SEGMENT_LINK_RAW, &seg);
	assert_int_equal(seg.kind, SEGMENT_KIND_ICMP_ERROR);
	assert_addr(&seg.src, "2001:db8::fe");
	assert_int_equal(seg.icmp_type, 1);
	assert_int_equal(seg.icmp_code, 1);
	assert_addr(&seg.quote.src, "2001:db8::1");
	assert_addr(&seg.quote.dst, "2001:db8:1::99");
	assert_int_equal(seg.quote.sport, 40001);
	assert_int_equal(seg.quote.dport, 22);
	assert_int_equal(seg.quote.seq, 0x01020304);

	/* time exceeded with only 8 bytes of TCP, quoted hop-by-hop header */
	s.icmp_type = 3;
	s.icmp_code = 0;
	s.quote_l4 = 8;
	syn.v6_ext_n = 1;
	n = build(&s, buf);
	expect_ok(buf, n, SEGMENT_LINK_RAW, &seg);
	assert_int_equal(seg.icmp_type, 3);
	assert_int_equal(seg.quote.dport, 22);
	assert_int_equal(seg.quote.seq, 0x01020304);

	/* a hop-by-hop header on the error itself */
	s.v6_ext_n = 1;
	n = build(&s, buf);
	expect_ok(buf, n, SEGMENT_LINK_RAW, &seg);
	assert_int_equal(seg.quote.sport, 40001);
	s.v6_ext_n = 0;

	/* echo reply (129), neighbour solicitation (135), packet too big (2) */
	static const uint8_t target[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	const uint8_t types[] = { 129, 135, 2 };
	for (size_t i = 0; i < sizeof(types); i++) {
		s.icmp_type = types[i];
		s.quote = types[i] == 2 ? &syn : NULL;
		s.payload = target;
		s.payload_len = sizeof(target);
		n = build(&s, buf);
		expect_other(buf, n, SEGMENT_LINK_RAW);
	}

	/* ICMPv4 inside IPv6 and ICMPv6 inside IPv4 are not errors we read */
	s.icmp_type = 1;
	s.quote = &syn;
	n = build(&s, buf);
	buf[6] = 1;
	expect_other(buf, n, SEGMENT_LINK_RAW);
}

static void test_not_tcp(void **state)
{
	struct pkt_spec s;
	uint8_t buf[PKT_MAX];
	size_t n;

	pkt_defaults(&s);
	s.l4 = PKT_L4_UDP;
	s.sport = 53;
	s.payload = (const uint8_t *)"abc";
	s.payload_len = 3;
	n = build(&s, buf);
	expect_other(buf, n, SEGMENT_LINK_RAW);
	pkt_defaults6(&s);
	s.l4 = PKT_L4_UDP;
	s.link = PKT_LINK_ETH;
	n = build(&s, buf);
	expect_other(buf, n, SEGMENT_LINK_EN10MB);
	/* IPv4 carrying protocol 58 */
	pkt_defaults(&s);
	s.l4 = PKT_L4_RAW;
	s.ip_proto = 58;
	s.payload = buf + 100;
	s.payload_len = 16;
	memset(buf + 100, 0, 16);
	n = build(&s, buf);
	expect_other(buf, n, SEGMENT_LINK_RAW);
}

/* The whole struct is defined whatever garbage it held before. */
static void test_deterministic(void **state)
{
	struct segment a, b;
	enum segment_reason why;

	memset(&a, 0xaa, sizeof(a));
	memset(&b, 0x55, sizeof(b));
	assert_int_equal(segment_decode(linux_synack4, sizeof(linux_synack4), SEGMENT_LINK_RAW, &a,
					&why),
			 SEGMENT_OK);
	assert_int_equal(segment_decode(linux_synack4, sizeof(linux_synack4), SEGMENT_LINK_RAW, &b,
					&why),
			 SEGMENT_OK);
	assert_memory_equal(&a, &b, sizeof(a));

	memset(&a, 0xaa, sizeof(a));
	memset(&b, 0x55, sizeof(b));
	segment_decode(icmp_timxceed4, sizeof(icmp_timxceed4), SEGMENT_LINK_RAW, &a, &why);
	segment_decode(icmp_timxceed4, sizeof(icmp_timxceed4), SEGMENT_LINK_RAW, &b, &why);
	assert_memory_equal(&a, &b, sizeof(a));

	memset(&a, 0xaa, sizeof(a));
	memset(&b, 0x55, sizeof(b));
	segment_decode(linux_synack4, 30, SEGMENT_LINK_RAW, &a, &why);
	segment_decode(linux_synack4, 30, SEGMENT_LINK_RAW, &b, &why);
	assert_memory_equal(&a, &b, sizeof(a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_synack4),
		cmocka_unit_test(test_linux_synack6),
		cmocka_unit_test(test_linux_data_eth),
		cmocka_unit_test(test_icmp_vector),
		cmocka_unit_test(test_links_ipv4),
		cmocka_unit_test(test_links_ipv6),
		cmocka_unit_test(test_link_other),
		cmocka_unit_test(test_decode_ip_entry),
		cmocka_unit_test(test_ethernet_padding),
		cmocka_unit_test(test_ip4_options),
		cmocka_unit_test(test_ip6_ext_headers),
		cmocka_unit_test(test_bad_link),
		cmocka_unit_test(test_bad_ip),
		cmocka_unit_test(test_bad_tcp),
		cmocka_unit_test(test_bad_icmp),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_truncate_every_length),
		cmocka_unit_test(test_truncate_inner),
		cmocka_unit_test(test_options_malformed),
		cmocka_unit_test(test_options_good),
		cmocka_unit_test(test_tcp_checksums),
		cmocka_unit_test(test_csum_module),
		cmocka_unit_test(test_flags_reserved),
		cmocka_unit_test(test_flags_str),
		cmocka_unit_test(test_icmp4_quotes),
		cmocka_unit_test(test_icmp6_quotes),
		cmocka_unit_test(test_not_tcp),
		cmocka_unit_test(test_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
