/*
 * segment: decode captured bytes into a struct segment, without trusting them.
 *
 * Bytes in, struct out, no allocation, no printing, no clock: the shape of
 * packetdrill's packet parser, so it can be unit-tested and fuzzed. A truncated
 * or hostile packet is an outcome (SEGMENT_BAD with a reason), never a crash.
 * The struct points into the caller's buffer (payload) and must not outlive it.
 *
 * Two kinds come out: a TCP segment, or an ICMP/ICMPv6 error that quotes the
 * start of a TCP segment (what a router or firewall says about our SYN).
 */
#ifndef TCPSHAKE_SEGMENT_H
#define TCPSHAKE_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/netaddr.h"

/* TCP flag bits as they sit in header byte 13. */
#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10
#define TCPF_URG 0x20
#define TCPF_ECE 0x40
#define TCPF_CWR 0x80

/* Link types understood (values of pcap's DLT_*, repeated so this module
 * needs no pcap header). */
#define SEGMENT_LINK_NULL 0      /* BSD loopback: 4-byte host-order family */
#define SEGMENT_LINK_EN10MB 1    /* Ethernet, with up to two 802.1Q tags */
#define SEGMENT_LINK_RAW 12      /* raw IP (DLT_RAW on Linux is 12 in pcap.h; LINKTYPE 101 also) */
#define SEGMENT_LINK_RAW101 101
#define SEGMENT_LINK_LINUX_SLL 113
#define SEGMENT_LINK_IPV4 228
#define SEGMENT_LINK_IPV6 229
#define SEGMENT_LINK_LINUX_SLL2 276

struct tcp_options {
	bool mss_present;
	uint16_t mss;
	bool wscale_present;
	uint8_t wscale;
	bool sack_permitted;
	bool ts_present;
	uint32_t tsval, tsecr;
	uint8_t sack_blocks; /* SACK blocks in a SACK option (kind 5) */
	uint8_t unknown;     /* options of a kind this decoder does not know */
	bool malformed;      /* a length 0/1, past the header end, or wrong for a known kind: parsing stopped there */
};

enum segment_kind {
	SEGMENT_KIND_TCP,        /* a TCP segment */
	SEGMENT_KIND_ICMP_ERROR, /* ICMP(v6) destination-unreachable or time-exceeded quoting TCP */
};

/* State of the TCP checksum. PARTIAL is the value a Linux sender leaves when it
 * offloads the checksum (lo, veth): the folded pseudo-header sum alone. A local
 * capture sees such packets before any NIC would finish them, so they are
 * accepted; anything else that does not verify is BAD. */
enum csum_state { CSUM_OK, CSUM_PARTIAL, CSUM_BAD };

/* The part of a TCP segment an ICMP error quotes (at least 8 bytes). */
struct segment_quote {
	struct netaddr src, dst; /* of the quoted (our) packet */
	uint16_t sport, dport;
	uint32_t seq;
};

struct segment {
	enum segment_kind kind;
	struct netaddr src, dst; /* outer IP header */
	uint8_t ttl;             /* IPv4 TTL or IPv6 hop limit */
	uint16_t ip_id;          /* IPv4 identification; 0 for IPv6 */
	bool df;                 /* IPv4 don't-fragment */
	bool ip_csum_ok;         /* IPv4 header checksum verifies; always true for IPv6 */

	/* TCP (kind TCP). Host byte order. */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;    /* TCPF_* */
	uint8_t reserved; /* the 4 reserved bits of byte 12 (RFC 9293 §3.1) */
	uint16_t win, urp;
	uint8_t doff;     /* header length in bytes */
	struct tcp_options opt;
	const uint8_t *options;  /* the raw option bytes (doff - 20 of them), into the caller's buffer */
	const uint8_t *payload; /* into the caller's buffer; NULL when payload_len is 0 */
	uint16_t payload_len;
	enum csum_state tcp_csum;

	/* ICMP error (kind ICMP_ERROR). */
	uint8_t icmp_type, icmp_code; /* of ICMP for IPv4, ICMPv6 for IPv6 */
	struct segment_quote quote;
};

enum segment_status {
	SEGMENT_OK,    /* seg is filled */
	SEGMENT_BAD,   /* malformed or truncated: reason says why; count it */
	SEGMENT_OTHER, /* well-formed but not TCP nor an ICMP error about TCP: ignore */
};

enum segment_reason {
	SEGMENT_R_NONE,
	SEGMENT_R_LINK_TRUNCATED,  /* shorter than its link header */
	SEGMENT_R_LINK_UNKNOWN,    /* link type not handled */
	SEGMENT_R_IP_TRUNCATED,    /* shorter than an IP header */
	SEGMENT_R_IP_VERSION,      /* version field is not 4/6 as the link said */
	SEGMENT_R_IP_HEADER_LEN,   /* IHL < 5 or past the packet end */
	SEGMENT_R_IP_TOTAL_LEN,    /* total/payload length past the captured bytes or too small */
	SEGMENT_R_IP_CHECKSUM,     /* IPv4 header checksum wrong */
	SEGMENT_R_IP_FRAGMENT,     /* a fragment: cannot be a whole TCP segment */
	SEGMENT_R_EXT_HEADER,      /* IPv6 extension header chain broken */
	SEGMENT_R_TCP_TRUNCATED,   /* fewer than 20 bytes of TCP */
	SEGMENT_R_TCP_DATA_OFFSET, /* data offset < 5 or past the segment end */
	SEGMENT_R_ICMP_TRUNCATED,  /* ICMP error too short to quote 8 bytes of TCP */
	SEGMENT_R_COUNT
};

/* A short stable name for a reason ("tcp-truncated"...), for counters and logs. */
const char *segment_reason_name(enum segment_reason r);

/*
 * Decode one captured frame of caplen bytes and link type linktype
 * (SEGMENT_LINK_*). On SEGMENT_OK fills *seg; on SEGMENT_BAD sets *why. A TCP
 * segment whose checksum is wrong is still SEGMENT_OK with tcp_csum BAD: the
 * caller decides (it counts and ignores it). TCP options that are malformed set
 * opt.malformed and keep what was read before.
 */
enum segment_status segment_decode(const uint8_t *buf, size_t caplen, int linktype,
				   struct segment *seg, enum segment_reason *why);

/* Same, for a buffer that starts at the IP header (version read from it). */
enum segment_status segment_decode_ip(const uint8_t *buf, size_t len,
				      struct segment *seg, enum segment_reason *why);

/* Flags as letters in hping3/tcpdump order "FSRPAUEC" -> e.g. "SA", "RA", "F".
 * buf needs 9 bytes. Returns buf. */
const char *segment_flags_str(uint8_t flags, char *buf);

#endif
