/*
 * craft: the thin step from a struct tx_segment to libnet calls.
 *
 * Kept thin on purpose: libnet builds the bytes (craft_build, usable without
 * privileges, so the unit tests decode them with segment.c and check every
 * field and checksum), and a raw socket sends them.
 */
#include "config.h"
#include "sys/craft.h"

#include <errno.h>
#include <libnet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/csum.h"
#include "core/segment.h"

struct craft {
	libnet_t *l; /* LIBNET_NONE: builds packets, never opens a socket */
	int fd4, fd6; /* raw IPPROTO_RAW sockets (header included), or -1 */
	uint16_t ip_id;
};

/* Why not libnet's own raw sockets: libnet 1.1.6 opens them with a loop of
 * several thousand setsockopt(SO_SNDBUF) calls, 15-25 ms per run, which is
 * most of a one-probe run. libnet builds the bytes (and checksums) here,
 * and a plain raw socket sends them. */
static int open_raw(int family, const char *iface, uint32_t mark, char *err, size_t errlen)
{
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot open a raw %s socket: %s",
			 family == AF_INET6 ? "IPv6" : "IPv4", strerror(e));
		errno = e;
		return -1;
	}
	if (iface != NULL &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface, (socklen_t)strlen(iface) + 1) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot bind the raw socket to interface '%s': %s", iface,
			 strerror(e));
		close(fd);
		errno = e;
		return -1;
	}
	/* The RST guard lets through what carries this mark: our own RSTs
	 * (guard.h). Needs CAP_NET_ADMIN, held until privileges drop. */
	if (mark != 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot mark the raw socket for the RST guard: %s", strerror(e));
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct craft *craft_new_builder(char *err, size_t errlen)
{
	char ebuf[LIBNET_ERRBUF_SIZE] = "";
	struct craft *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->fd4 = c->fd6 = -1;
	c->l = libnet_init(LIBNET_NONE, NULL, ebuf);
	if (c->l == NULL) {
		size_t n = strlen(ebuf);
		while (n > 0 && (ebuf[n - 1] == '\n' || ebuf[n - 1] == ' '))
			ebuf[--n] = '\0';
		snprintf(err, errlen, "cannot start libnet: %s", ebuf);
		free(c);
		errno = EIO;
		return NULL;
	}
	/* Unseeded, libnet's generator gives every run the same first id. */
	libnet_seed_prand(c->l);
	c->ip_id = (uint16_t)libnet_get_prand(LIBNET_PRu16);
	return c;
}

struct craft *craft_open(bool want4, bool want6, const char *iface, uint32_t mark, char *err,
			 size_t errlen)
{
	struct craft *c = craft_new_builder(err, errlen);
	if (c == NULL)
		return NULL;
	if (want4 && (c->fd4 = open_raw(AF_INET, iface, mark, err, errlen)) < 0)
		goto fail;
	if (want6 && (c->fd6 = open_raw(AF_INET6, iface, mark, err, errlen)) < 0)
		goto fail;
	return c;
fail: {
	int e = errno;
	craft_close(c);
	errno = e;
	return NULL;
}
}

/* What libnet cannot build: reserved header bits, a wrong checksum. The
 * TCP header follows a bare IP header (libnet adds no IP options here). */
static void patch_tcp(const struct tx_segment *s, uint8_t *pkt, size_t n)
{
	size_t off = s->dst.family == AF_INET6 ? LIBNET_IPV6_H : LIBNET_IPV4_H;
	if (n < off + LIBNET_TCP_H)
		return;
	uint8_t *tcp = pkt + off;
	tcp[12] = (uint8_t)((tcp[12] & 0xf0) | (s->reserved & 0x0f));
	tcp[16] = tcp[17] = 0;
	uint16_t ck = csum_tcp(&s->src, &s->dst, tcp, n - off);
	if (s->bad_csum)
		ck ^= 0x5a5a; /* wrong, and never the partial sum Linux accepts */
	tcp[16] = (uint8_t)(ck >> 8);
	tcp[17] = (uint8_t)ck;
}

size_t craft_build(struct craft *c, const struct tx_segment *s, uint8_t *out, size_t cap)
{
	libnet_t *l = c->l;
	uint32_t tcp_len = LIBNET_TCP_H + s->optlen + s->payload_len;
	uint8_t *pkt = NULL;
	uint32_t len = 0;
	size_t n = 0;

	libnet_clear_packet(l);
	if (s->optlen > 0 && libnet_build_tcp_options(s->opt, s->optlen, l, 0) == -1)
		return 0;
	if (libnet_build_tcp(s->sport, s->dport, s->seq, s->ack, s->flags, s->win, 0, s->urp, tcp_len,
			     s->payload, s->payload_len, l, 0) == -1)
		return 0;
	if (s->dst.family == AF_INET6) {
		struct libnet_in6_addr src6, dst6;
		memcpy(&src6, s->src.b, 16);
		memcpy(&dst6, s->dst.b, 16);
		if (libnet_build_ipv6(0, 0, tcp_len, IPPROTO_TCP, s->ttl, src6, dst6, NULL, 0, l, 0) == -1)
			return 0;
	} else {
		uint32_t src4, dst4;
		memcpy(&src4, s->src.b, 4);
		memcpy(&dst4, s->dst.b, 4);
		/* DF set and a counter for the id, as Linux sends SYNs. */
		if (libnet_build_ipv4(LIBNET_IPV4_H + tcp_len, 0, c->ip_id++, IP_DF, s->ttl, IPPROTO_TCP,
				      0, src4, dst4, NULL, 0, l, 0) == -1)
			return 0;
	}
	/* Declared [Internal] in libnet's header but exported: the one way to
	 * get built bytes, checksums filled in, without a link-layer handle. */
	if (libnet_pblock_coalesce(l, &pkt, &len) == -1)
		return 0;
	if (len <= cap) {
		memcpy(out, pkt, len);
		n = len;
	}
	libnet_adv_free_packet(l, pkt);
	if (n > 0 && (s->reserved != 0 || s->bad_csum))
		patch_tcp(s, out, n);
	return n;
}

int craft_send(struct craft *c, const struct tx_segment *s)
{
	uint8_t pkt[LIBNET_IPV6_H + LIBNET_TCP_H + 40 + 65535];
	int fd = s->dst.family == AF_INET6 ? c->fd6 : c->fd4;
	if (fd < 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	size_t n = craft_build(c, s, pkt, sizeof(pkt));
	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	if (s->dst.family == AF_INET6) {
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)&ss;
		d->sin6_family = AF_INET6;
		memcpy(&d->sin6_addr, s->dst.b, 16);
		sl = sizeof(*d);
	} else {
		struct sockaddr_in *d = (struct sockaddr_in *)&ss;
		d->sin_family = AF_INET;
		memcpy(&d->sin_addr, s->dst.b, 4);
		sl = sizeof(*d);
	}
	if (sendto(fd, pkt, n, 0, (struct sockaddr *)&ss, sl) != (ssize_t)n)
		return -1;
	return 0;
}

void craft_close(struct craft *c)
{
	if (c == NULL)
		return;
	if (c->fd4 >= 0)
		close(c->fd4);
	if (c->fd6 >= 0)
		close(c->fd6);
	if (c->l)
		libnet_destroy(c->l);
	free(c);
}
