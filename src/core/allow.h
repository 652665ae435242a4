/*
 * allow: which targets the exporter may probe (--allow, --allow-ports, or the
 * config file's allow:). The exporter can be made to send packets by anyone
 * who reaches its port, so nothing is allowed until both a prefix and a port
 * are named, and the engine asks this before every probe, whatever the HTTP
 * side already decided.
 */
#ifndef TCPSHAKE_ALLOW_H
#define TCPSHAKE_ALLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addrspan.h"
#include "core/netaddr.h"

struct allow {
	struct addr_span *spans; /* the allowed prefixes and addresses */
	size_t nspans, cap;
	uint8_t ports[65536 / 8]; /* bit p set: port p allowed */
	bool any_port;            /* some port was allowed (ports is not all zero) */
};

void allow_init(struct allow *a);
void allow_free(struct allow *a);

/* Add "10.0.0.0/8,fd00::/8,192.0.2.7": prefixes (any length, ::/0
 * included), literal addresses and IPv4 ranges (10.0.0.1-10.0.0.9, as a
 * sweep writes them), no names, separated by commas or blanks; an empty
 * list is an error. IPv4-mapped entries (::ffff:10.0.0.0/104) are IPv4
 * ones. Returns 0, or -1 with err naming the bad piece (nothing added
 * then). */
int allow_add_targets(struct allow *a, const char *list, char *err, size_t errlen);

/* Add ports spelled as -p spells them: "80,443,8000-9000". Returns 0 or -1
 * with err. */
int allow_add_ports(struct allow *a, const char *ports, char *err, size_t errlen);

/* Whether (addr, port) may be probed. When not, why gets the 403 body's one
 * line: "nothing is allowed: start tcpshake with --allow CIDR and
 * --allow-ports PORTS", "10.9.9.9 is outside --allow", or "port 25 is not in
 * --allow-ports". An IPv4-mapped IPv6 address is judged as its IPv4 one. */
bool allow_check(const struct allow *a, const struct netaddr *addr, uint16_t port, char *why,
		 size_t whylen);

#endif
