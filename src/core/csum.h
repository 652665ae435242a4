/*
 * csum: the Internet checksum (RFC 1071) and the TCP pseudo-header sums.
 *
 * Shared by the decoder, which verifies, and the tests' independent encoder,
 * which fills checksums in. Values are in network byte order as stored on the wire.
 */
#ifndef TCPSHAKE_CSUM_H
#define TCPSHAKE_CSUM_H

#include <stddef.h>
#include <stdint.h>

#include "core/netaddr.h"

/* Add len bytes at buf to a 32-bit running one's-complement sum. */
uint32_t csum_add(uint32_t sum, const void *buf, size_t len);

/* Fold a running sum to 16 bits (not complemented). */
uint16_t csum_fold(uint32_t sum);

/* Running sum of the TCP pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1)
 * for a TCP segment of tcp_len bytes between src and dst. */
uint32_t csum_pseudo(const struct netaddr *src, const struct netaddr *dst,
		     uint8_t proto, uint32_t tcp_len);

/* The checksum to store in a TCP header whose check field is zero:
 * ~fold(pseudo + segment). Returned in host order; store with htons. */
uint16_t csum_tcp(const struct netaddr *src, const struct netaddr *dst,
		  const uint8_t *tcp, size_t tcp_len);

/* The IPv4 header checksum of hdr (its check field must be zero), host order. */
uint16_t csum_ip4(const uint8_t *hdr, size_t hdr_len);

#endif
