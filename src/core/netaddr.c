/*
 * netaddr: the address value type shared by decoder, matcher and output.
 */
#include "config.h"
#include "core/netaddr.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

bool netaddr_eq(const struct netaddr *a, const struct netaddr *b)
{
	return a->family == b->family && memcmp(a->b, b->b, netaddr_len(a)) == 0;
}

size_t netaddr_len(const struct netaddr *a)
{
	return a->family == AF_INET ? 4 : a->family == AF_INET6 ? 16 : 0;
}

void netaddr_set(struct netaddr *a, int family, const void *bytes)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->b, bytes, netaddr_len(a));
}

const char *netaddr_str(const struct netaddr *a, char *buf, size_t len)
{
	if (inet_ntop(a->family, a->b, buf, (socklen_t)len) == NULL)
		return "?";
	return buf;
}

int netaddr_parse(const char *s, struct netaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

uint32_t netaddr_hash(const struct netaddr *a)
{
	/* FNV-1a: tiny, and good enough to spread addresses over buckets. */
	uint32_t h = 2166136261u;
	size_t n = netaddr_len(a);
	for (size_t i = 0; i < n; i++) {
		h ^= a->b[i];
		h *= 16777619u;
	}
	return h;
}
