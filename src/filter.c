/*
 * filter: the pcap filter expression for one run.
 *
 * It keeps TCP with our source port in either direction (our own SYNs, for
 * their kernel timestamps, and every reply) and the ICMP errors that can quote
 * one of our segments: destination unreachable and time exceeded, for IPv4
 * (types 3, 11) and IPv6 (types 1, 3). ICMPv6's type is read at ip6[40], which
 * assumes no extension header; errors sent with one are rare and only cost a
 * timeout instead of an early answer. The decoder and matcher check everything
 * again, so the filter only needs to be a cheap superset.
 */
#include "config.h"
#include "filter.h"

#include <stdio.h>
#include <sys/socket.h>

#define ICMP4_ERRORS "(icmp and (icmp[0] == 3 or icmp[0] == 11))"
#define ICMP6_ERRORS "(ip6 and ip6[6] == 58 and (ip6[40] == 1 or ip6[40] == 3))"

int filter_build(uint16_t sport, int family, char *buf, size_t len)
{
	int n;

	if (buf == NULL || len == 0)
		return -1;
	switch (family) {
	case AF_UNSPEC:
		n = snprintf(buf, len, "tcp port %u or " ICMP4_ERRORS " or " ICMP6_ERRORS,
			     (unsigned)sport);
		break;
	case AF_INET:
		n = snprintf(buf, len, "(ip and tcp port %u) or " ICMP4_ERRORS, (unsigned)sport);
		break;
	case AF_INET6:
		n = snprintf(buf, len, "(ip6 and tcp port %u) or " ICMP6_ERRORS, (unsigned)sport);
		break;
	default:
		buf[0] = '\0';
		return -1;
	}
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}
