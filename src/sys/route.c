/*
 * route: the kernel's own route choice, read back through a connected UDP
 * socket. Unprivileged; sends nothing.
 */
#include "config.h"
#include "sys/route.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static socklen_t to_sockaddr(const struct netaddr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->b, 16);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	memcpy(&s4->sin_addr, a->b, 4);
	return sizeof(*s4);
}

static void from_sockaddr(const struct sockaddr *sa, struct netaddr *a)
{
	if (sa->sa_family == AF_INET6)
		netaddr_set(a, AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr);
	else
		netaddr_set(a, AF_INET, &((const struct sockaddr_in *)sa)->sin_addr);
}

static int iface_mtu(int fd, const char *ifname)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		return 1500;
	return ifr.ifr_mtu;
}

/* In one pass over the interfaces (one netlink dump, not two): whether dst
 * is one of our own addresses, and the interface holding src ("" if none). */
static void scan_ifaces(const struct netaddr *dst, const struct netaddr *src, bool *dst_local,
			char *src_if, struct route_cache *cache)
{
	struct ifaddrs *ifa0, *ifa;
	*dst_local = false;
	src_if[0] = '\0';
	if (cache != NULL && cache->ifaddrs != NULL)
		ifa0 = cache->ifaddrs;
	else if (getifaddrs(&ifa0) < 0)
		return;
	else if (cache != NULL)
		cache->ifaddrs = ifa0;
	for (ifa = ifa0; ifa; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != dst->family)
			continue;
		struct netaddr x;
		from_sockaddr(ifa->ifa_addr, &x);
		if (netaddr_eq(&x, dst))
			*dst_local = true;
		if (src_if[0] == '\0' && netaddr_eq(&x, src))
			snprintf(src_if, IF_NAMESIZE, "%s", ifa->ifa_name);
	}
	if (cache == NULL)
		freeifaddrs(ifa0);
}

void route_cache_free(struct route_cache *c)
{
	if (c->ifaddrs != NULL)
		freeifaddrs(c->ifaddrs);
	memset(c, 0, sizeof(*c));
}

int route_lookup(const struct netaddr *dst, const char *iface, const struct netaddr *src,
		 struct route_cache *cache, struct route *out, char *err, size_t errlen)
{
	char dbuf[NETADDR_STRLEN];
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = socket(dst->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot reach %s: %s", netaddr_str(dst, dbuf, sizeof(dbuf)),
			 strerror(errno));
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (iface != NULL &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface, (socklen_t)strlen(iface) + 1) < 0) {
		snprintf(err, errlen, "cannot use interface '%s': %s", iface, strerror(errno));
		goto fail;
	}
	if (src != NULL && src->family != 0) {
		if (src->family != dst->family) {
			snprintf(err, errlen, "source address family does not match %s",
				 netaddr_str(dst, dbuf, sizeof(dbuf)));
			goto fail;
		}
		sl = to_sockaddr(src, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
			char sbuf[NETADDR_STRLEN];
			snprintf(err, errlen, "cannot use source address %s: %s",
				 netaddr_str(src, sbuf, sizeof(sbuf)), strerror(errno));
			goto fail;
		}
	}
	sl = to_sockaddr(dst, 9, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		snprintf(err, errlen, "no route to %s: %s", netaddr_str(dst, dbuf, sizeof(dbuf)),
			 strerror(errno));
		goto fail;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		snprintf(err, errlen, "cannot read the route to %s: %s",
			 netaddr_str(dst, dbuf, sizeof(dbuf)), strerror(errno));
		goto fail;
	}
	from_sockaddr((struct sockaddr *)&ss, &out->src);

	bool dst_local;
	char src_if[IF_NAMESIZE];
	scan_ifaces(dst, &out->src, &dst_local, src_if, cache);
	if (cache != NULL && cache->have_last && !dst_local && iface == NULL &&
	    netaddr_eq(&cache->last_src, &out->src)) {
		/* The same source as the last: the same interface and MTU. */
		snprintf(out->ifname, sizeof(out->ifname), "%s", cache->last_if);
		out->mtu = cache->last_mtu;
		close(fd);
		return 0;
	}
	if (iface != NULL)
		snprintf(out->ifname, sizeof(out->ifname), "%s", iface);
	else if (dst_local)
		snprintf(out->ifname, sizeof(out->ifname), "lo"); /* our own address: loopback */
	else if (src_if[0] != '\0')
		snprintf(out->ifname, sizeof(out->ifname), "%s", src_if);
	else
		snprintf(out->ifname, sizeof(out->ifname), "any");
	out->mtu = strcmp(out->ifname, "any") == 0 ? 1500 : iface_mtu(fd, out->ifname);
	if (cache != NULL && !dst_local && iface == NULL) {
		cache->have_last = true;
		cache->last_src = out->src;
		snprintf(cache->last_if, sizeof(cache->last_if), "%s", out->ifname);
		cache->last_mtu = out->mtu;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}
