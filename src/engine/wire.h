/*
 * wire: the seam between the engines and the network.
 *
 * A small vtable (send a segment, wait, take the next captured frame, tell the
 * time) in the shape of packetdrill's netdev. wire_live.c drives libnet and
 * libpcap; the unit tests drive a scripted fake (tests/unit/fakewire.c), so
 * engine logic runs without root or a network. The engines use it through
 * endpoint.h, which adds the send loop, decoding and the timeline. Times are nanoseconds of CLOCK_REALTIME, the clock pcap
 * stamps packets with, so send and capture times compare directly.
 */
#ifndef TCPSHAKE_WIRE_H
#define TCPSHAKE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/netaddr.h"

/* One TCP segment to craft. Options are raw bytes (tcpopt_build makes them). */
struct tx_segment {
	struct netaddr src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags; /* TCPF_* */
	uint16_t win;
	uint16_t urp;
	uint8_t ttl;
	uint8_t opt[40];
	uint8_t optlen; /* multiple of 4 */
	const uint8_t *payload;
	uint16_t payload_len;
	/* For conformance checks only: the 4 reserved bits of header byte 12
	 * (RFC 9293 §3.1), and a deliberately wrong TCP checksum. */
	uint8_t reserved;
	bool bad_csum;
};

/* One captured frame; data is valid until the next call of next(). */
struct wire_packet {
	const uint8_t *data;
	size_t caplen;
	int linktype;  /* SEGMENT_LINK_* */
	uint64_t ts_ns;
};

struct wire_ops {
	/* Send seg. Sets *sent_ns to a user-space clock reading taken right
	 * after the send (the fallback timestamp). Returns 0, or -1 with errno. */
	int (*send)(void *ctx, const struct tx_segment *seg, uint64_t *sent_ns);
	/* Wait until a frame may be ready or the clock reaches deadline_ns.
	 * Returns 1 (maybe ready), 0 (deadline), -1 (error or signal; errno). */
	int (*wait)(void *ctx, uint64_t deadline_ns);
	/* Take the next captured frame without blocking: 1 got one, 0 none, -1 error. */
	int (*next)(void *ctx, struct wire_packet *pkt);
	/* Now, in ns of CLOCK_REALTIME. */
	uint64_t (*now)(void *ctx);
	/* Record a frame we matched (sent or received) in --pcap, if any. */
	void (*record)(void *ctx, const struct wire_packet *pkt);
};

struct wire {
	const struct wire_ops *ops;
	void *ctx;
};

#endif
