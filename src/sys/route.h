/*
 * route: which source address and interface the kernel would use to reach a
 * destination, and that interface's MTU (for the MSS we offer).
 *
 * Asks the kernel itself: connect() a UDP socket (no packet is sent) and read
 * the chosen source back, then find the interface holding that address. A
 * destination that is one of our own addresses goes over "lo", as the kernel
 * routes it.
 */
#ifndef TCPSHAKE_ROUTE_H
#define TCPSHAKE_ROUTE_H

#include <net/if.h>
#include <stddef.h>

#include "core/netaddr.h"

struct route {
	struct netaddr src;
	char ifname[IF_NAMESIZE];
	int mtu;
};

/* Look up the route to dst. iface (may be NULL) restricts it to one interface;
 * src (may be NULL or unset) forces the source address. Returns 0, or -1 with
 * err ("no route to 10.0.0.9: Network is unreachable"). */
int route_lookup(const struct netaddr *dst, const char *iface, const struct netaddr *src,
		 struct route *out, char *err, size_t errlen);

#endif
