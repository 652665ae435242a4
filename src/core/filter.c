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
#include "core/filter.h"

#include <stdio.h>
#include <sys/socket.h>

#define ICMP4_ERRORS "(icmp and (icmp[0] == 3 or icmp[0] == 11))"
#define ICMP6_ERRORS "(ip6 and ip6[6] == 58 and (ip6[40] == 1 or ip6[40] == 3))"

int filter_build(uint16_t sport, int family, char *buf, size_t len)
{
	return filter_build_range(sport, sport, family, buf, len);
}

int filter_build_range(uint16_t lo, uint16_t hi, int family, char *buf, size_t len)
{
	char ports[32];
	int n;

	if (buf == NULL || len == 0)
		return -1;
	if (hi < lo) {
		buf[0] = '\0';
		return -1;
	}
	if (hi == lo)
		snprintf(ports, sizeof(ports), "port %u", (unsigned)lo);
	else
		snprintf(ports, sizeof(ports), "portrange %u-%u", (unsigned)lo, (unsigned)hi);
	switch (family) {
	case AF_UNSPEC:
		n = snprintf(buf, len, "tcp %s or " ICMP4_ERRORS " or " ICMP6_ERRORS, ports);
		break;
	case AF_INET:
		n = snprintf(buf, len, "(ip and tcp %s) or " ICMP4_ERRORS, ports);
		break;
	case AF_INET6:
		n = snprintf(buf, len, "(ip6 and tcp %s) or " ICMP6_ERRORS, ports);
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
