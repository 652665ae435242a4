/*
 * pktbuild: an independent packet encoder for the tests.
 *
 * The decoder (segment.c) is checked against bytes this file writes, so it
 * shares no code with it: its own byte writers, its own checksum. One value
 * struct describes a whole frame, from link header to payload, and
 * pkt_defaults() fills it with an IPv4 SYN-ACK (192.0.2.10:80 ->
 * 192.0.2.1:40000, seq 1000, ack 2001) over raw IP; a test then changes the
 * few fields it is about:
 *
 *     struct pkt_spec s;
 *     uint8_t buf[PKT_MAX];
 *     pkt_defaults(&s);
 *     s.link = PKT_LINK_ETH;
 *     s.vlan_tags = 1;
 *     s.tcp_opts = pkt_linux_synack_opts;
 *     s.tcp_opts_len = sizeof(pkt_linux_synack_opts);
 *     size_t n = pkt_build(&s, buf, sizeof(buf));
 *
 * An ICMP error quotes another spec: set l4 = PKT_L4_ICMP, icmp_type/code and
 * quote = &inner (inner's link is ignored; it is built as bare IP). Checksums
 * are right unless tcp_csum / ip_csum_bad say otherwise. Addresses are text
 * (inet_pton); the family of src decides IPv4 or IPv6 and dst must match.
 * Everything is plain data: no allocation, no globals but constant tables.
 */
#ifndef TCPSHAKE_PKTBUILD_H
#define TCPSHAKE_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Big enough for any frame built here with a full quote and a small payload. */
#define PKT_MAX 4096

enum pkt_link {
	PKT_LINK_RAW,  /* bare IP: DLT_RAW (12 / 101), LINKTYPE_IPV4/IPV6 */
	PKT_LINK_ETH,  /* Ethernet II, optionally with vlan_tags 802.1Q tags */
	PKT_LINK_SLL,  /* Linux cooked capture v1 (113), 16 bytes */
	PKT_LINK_SLL2, /* Linux cooked capture v2 (276), 20 bytes */
	PKT_LINK_NULL, /* BSD loopback (0): 4-byte host-order address family */
};

enum pkt_l4 {
	PKT_L4_TCP,  /* TCP header from the tcp fields, options, payload */
	PKT_L4_ICMP, /* ICMP (IPv4) or ICMPv6: type, code, 4 bytes rest, then quote or payload */
	PKT_L4_UDP,  /* 8-byte UDP header (sport, dport) and payload */
	PKT_L4_RAW,  /* payload bytes only, with ip_proto as the protocol */
};

enum pkt_csum {
	PKT_CSUM_GOOD,    /* a checksum that verifies */
	PKT_CSUM_BAD,     /* the good one with its low bit flipped */
	PKT_CSUM_PARTIAL, /* Linux offload: folded pseudo-header sum, not complemented */
	PKT_CSUM_VALUE,   /* tcp_csum_value as given */
};

struct pkt_spec {
	/* Link layer. */
	enum pkt_link link;
	int vlan_tags;        /* 0..2 802.1Q tags (Ethernet and SLL only) */
	uint16_t vlan_id;     /* VID of every tag */
	uint32_t null_family; /* PKT_LINK_NULL: family value; 0 = 2 or 10 from src */
	size_t pad_to;        /* pad the frame with zero bytes to this length (0: none) */

	/* IP. */
	const char *src, *dst; /* text addresses, both IPv4 or both IPv6 */
	uint8_t ttl;           /* TTL / hop limit */
	uint16_t ip_id;        /* IPv4 identification */
	bool df;               /* IPv4 don't-fragment */
	bool mf;               /* IPv4 more-fragments */
	uint16_t frag_off;     /* IPv4 fragment offset, in 8-byte units */
	const uint8_t *ip_opts;
	size_t ip_opts_len;     /* IPv4 options; zero-padded to a multiple of 4, max 40 */
	bool ip_csum_bad;       /* IPv4 header checksum off by one bit */
	uint8_t v6_ext[4];      /* IPv6 extension headers in order: 0, 43, 60 (8 bytes each), 44 (fragment) */
	int v6_ext_n;
	enum pkt_l4 l4;
	uint8_t ip_proto;       /* PKT_L4_RAW: the protocol / next header */

	/* TCP (PKT_L4_TCP); sport/dport also UDP. Host order. */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;          /* TCPF_* bits of header byte 13 */
	uint8_t reserved;       /* low 4 bits of header byte 12 */
	uint16_t win, urp;
	const uint8_t *tcp_opts;
	size_t tcp_opts_len;    /* zero (EOL) padded to a multiple of 4, max 40 */
	int doff_words;         /* data offset field to write; 0 = computed */
	enum pkt_csum tcp_csum;
	uint16_t tcp_csum_value;

	/* ICMP (PKT_L4_ICMP). */
	uint8_t icmp_type, icmp_code;
	uint32_t icmp_rest;             /* the 4 bytes after the checksum (MTU, id/seq...) */
	const struct pkt_spec *quote;   /* packet to quote, built as bare IP; NULL: payload */
	size_t quote_l4;                /* quote its IP header(s) + this many bytes; 0 = all */
	size_t quote_cut;               /* then cut the quote to this many bytes; 0 = no cut */

	/* Payload of TCP, UDP, ICMP without quote, or PKT_L4_RAW. */
	const uint8_t *payload;
	size_t payload_len;
};

/* The options of a Linux SYN-ACK: MSS 1460, SACK-permitted, timestamps
 * TSval 0x01020304 TSecr 0x05060708, NOP, window scale 7 (20 bytes). */
extern const uint8_t pkt_linux_synack_opts[20];

/* Fill s with the default IPv4 SYN-ACK described above: TTL 64, DF, id 0,
 * window 64240, no options, no payload, good checksums, raw IP link. */
void pkt_defaults(struct pkt_spec *s);

/* Same, but IPv6: 2001:db8::10 port 80 -> 2001:db8::1 port 40000. */
void pkt_defaults6(struct pkt_spec *s);

/* Build the frame into buf. Returns its length, or 0 when cap is too small or
 * the spec is impossible (bad address, options too long, family mismatch). */
size_t pkt_build(const struct pkt_spec *s, uint8_t *buf, size_t cap);

/* Offsets in the frame pkt_build(s) writes: start of the IP header (= link
 * header length) and of the transport header (after IPv4 options and IPv6
 * extension headers). Either pointer may be NULL. */
void pkt_offsets(const struct pkt_spec *s, size_t *l3, size_t *l4);

/* The independent Internet checksum of len bytes (complemented, host order). */
uint16_t pkt_cksum(const uint8_t *p, size_t len);

#endif
