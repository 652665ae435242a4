/*
 * netaddr: one IPv4 or IPv6 address as raw network-order bytes.
 *
 * Every module that compares or prints addresses uses this one small value type,
 * so decoding, matching and output never juggle sockaddr variants.
 */
#ifndef TCPSHAKE_NETADDR_H
#define TCPSHAKE_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Long enough for any IPv6 text form (INET6_ADDRSTRLEN is 46). */
#define NETADDR_STRLEN 64

struct netaddr {
	int family;    /* AF_INET or AF_INET6; 0 when unset */
	uint8_t b[16]; /* network byte order; IPv4 uses b[0..3], rest zero */
};

/* True when both have the same family and bytes. */
bool netaddr_eq(const struct netaddr *a, const struct netaddr *b);

/* Number of meaningful bytes: 4, 16, or 0 for an unset address. */
size_t netaddr_len(const struct netaddr *a);

/* Fill from raw bytes; family AF_INET copies 4 bytes, AF_INET6 copies 16. */
void netaddr_set(struct netaddr *a, int family, const void *bytes);

/* Text form (inet_ntop) into buf; returns buf, or "?" on failure. */
const char *netaddr_str(const struct netaddr *a, char *buf, size_t len);

/* Parse an IPv4 or IPv6 literal; returns 0, or -1 when it is not one. */
int netaddr_parse(const char *s, struct netaddr *a);

/* A hash of the address bytes, for the match tables. */
uint32_t netaddr_hash(const struct netaddr *a);

#endif
