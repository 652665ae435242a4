/*
 * craft: the thin step from a struct tx_segment to libnet calls.
 *
 * Kept thin on purpose: libnet 1.1.6 cannot hand back the bytes it built
 * without a link-layer handle, so what we emit is checked by decoding the
 * capture's copy with segment.c in the integration tests instead.
 */
#include "config.h"
#include "craft.h"

#include <errno.h>
#include <libnet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "segment.h"

struct craft {
	libnet_t *l4; /* LIBNET_RAW4, or NULL */
	libnet_t *l6; /* LIBNET_RAW6, or NULL */
	uint16_t ip_id;
};

static libnet_t *open_one(int inj, const char *iface, char *err, size_t errlen)
{
	char ebuf[LIBNET_ERRBUF_SIZE] = "";
	/* libnet's own device handling for raw sockets only looks the device up;
	 * binding is done below, so pass NULL and keep its lookup out of the way. */
	libnet_t *l = libnet_init(inj, NULL, ebuf);
	if (l == NULL) {
		int e = errno;
		size_t n = strlen(ebuf);
		while (n > 0 && (ebuf[n - 1] == '\n' || ebuf[n - 1] == ' '))
			ebuf[--n] = '\0';
		snprintf(err, errlen, "cannot open a raw %s socket: %s",
			 inj == LIBNET_RAW4 ? "IPv4" : "IPv6", ebuf);
		errno = e;
		return NULL;
	}
	if (iface != NULL) {
		int fd = libnet_getfd(l);
		if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface, (socklen_t)strlen(iface) + 1) < 0) {
			int e = errno;
			snprintf(err, errlen, "cannot bind the raw socket to interface '%s': %s", iface,
				 strerror(e));
			libnet_destroy(l);
			errno = e;
			return NULL;
		}
	}
	return l;
}

struct craft *craft_open(bool want4, bool want6, const char *iface, char *err, size_t errlen)
{
	struct craft *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (want4 && (c->l4 = open_one(LIBNET_RAW4, iface, err, errlen)) == NULL)
		goto fail;
	if (want6 && (c->l6 = open_one(LIBNET_RAW6, iface, err, errlen)) == NULL)
		goto fail;
	c->ip_id = (uint16_t)libnet_get_prand(LIBNET_PRu16);
	return c;
fail: {
	int e = errno;
	craft_close(c);
	errno = e;
	return NULL;
}
}

static int build_tcp(libnet_t *l, const struct tx_segment *s)
{
	uint32_t tcp_len = LIBNET_TCP_H + s->optlen + s->payload_len;
	if (s->optlen > 0 &&
	    libnet_build_tcp_options(s->opt, s->optlen, l, 0) == -1)
		return -1;
	if (libnet_build_tcp(s->sport, s->dport, s->seq, s->ack, s->flags, s->win, 0, s->urp,
			     tcp_len, s->payload, s->payload_len, l, 0) == -1)
		return -1;
	return 0;
}

int craft_send(struct craft *c, const struct tx_segment *s)
{
	libnet_t *l = s->dst.family == AF_INET6 ? c->l6 : c->l4;
	if (l == NULL) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	libnet_clear_packet(l);
	if (build_tcp(l, s) < 0)
		goto build_fail;
	uint32_t tcp_len = LIBNET_TCP_H + s->optlen + s->payload_len;
	if (s->dst.family == AF_INET6) {
		struct libnet_in6_addr src6, dst6;
		memcpy(&src6, s->src.b, 16);
		memcpy(&dst6, s->dst.b, 16);
		if (libnet_build_ipv6(0, 0, tcp_len, IPPROTO_TCP, s->ttl, src6, dst6, NULL, 0, l, 0) == -1)
			goto build_fail;
	} else {
		uint32_t src4, dst4;
		memcpy(&src4, s->src.b, 4);
		memcpy(&dst4, s->dst.b, 4);
		/* DF set and a counter for the id, as Linux sends SYNs. */
		if (libnet_build_ipv4(LIBNET_IPV4_H + tcp_len, 0, c->ip_id++, IP_DF, s->ttl, IPPROTO_TCP, 0,
				      src4, dst4, NULL, 0, l, 0) == -1)
			goto build_fail;
	}
	errno = 0;
	if (libnet_write(l) == -1) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
build_fail:
	errno = EINVAL;
	return -1;
}

void craft_close(struct craft *c)
{
	if (c == NULL)
		return;
	if (c->l4)
		libnet_destroy(c->l4);
	if (c->l6)
		libnet_destroy(c->l6);
	free(c);
}
