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
#include <stdbool.h>
#include <stddef.h>

#include "core/netaddr.h"

struct route {
	struct netaddr src;
	char ifname[IF_NAMESIZE];
	int mtu;
};

/* What a run of many lookups shares: the interfaces as they were at its
 * first lookup (one netlink dump, not one a target: a sweep of a million
 * targets routes a million of them) and the last source address's
 * interface and MTU. Zero it before the first lookup; route_cache_free
 * after the last. */
struct route_cache {
	void *ifaddrs;          /* struct ifaddrs *, from getifaddrs */
	bool have_last;
	struct netaddr last_src;
	char last_if[IF_NAMESIZE];
	int last_mtu;
};
void route_cache_free(struct route_cache *c);

/* Look up the route to dst. iface (may be NULL) restricts it to one interface;
 * src (may be NULL or unset) forces the source address; cache (may be NULL)
 * is shared by the lookups of one run. Returns 0, or -1 with err ("no route
 * to 10.0.0.9: Network is unreachable"). */
int route_lookup(const struct netaddr *dst, const char *iface, const struct netaddr *src,
		 struct route_cache *cache, struct route *out, char *err, size_t errlen);

#endif
