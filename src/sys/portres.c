/*
 * portres: the port reservation described in portres.h.
 */
#include "config.h"
#include "sys/portres.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

/* Tries at a fresh random place before giving up on a block. */
#define BLOCK_TRIES 64

static int bind_one(int family, uint16_t port, int *fd_out)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		int off = 0;
		/* Dual stack: one bind holds the port for IPv4 too. */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = htons(port);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		s4->sin_port = htons(port);
		sl = sizeof(*s4);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	*fd_out = fd;
	return 0;
}

/* Dual stack first; plain IPv4 where IPv6 is off on this host. */
static int bind_port(uint16_t port, int *fd)
{
	if (bind_one(AF_INET6, port, fd) == 0)
		return 0;
	if (errno == EADDRINUSE)
		return -1;
	return bind_one(AF_INET, port, fd);
}

void portres_init(struct portres *r)
{
	for (size_t i = 0; i < PORTRES_MAX; i++)
		r->fd[i] = -1;
	r->base = 0;
	r->n = 0;
}

static void ephemeral_range(unsigned *lo, unsigned *hi)
{
	*lo = 32768;
	*hi = 60999;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	if (f == NULL)
		return;
	unsigned a, b;
	if (fscanf(f, "%u %u", &a, &b) == 2 && a >= 1024 && b <= 65535 && a < b) {
		*lo = a;
		*hi = b;
	}
	fclose(f);
}

int portres_reserve_block(size_t n, struct portres *r, char *err, size_t errlen)
{
	unsigned lo, hi;
	portres_init(r);
	if (n == 0 || n > PORTRES_MAX) {
		snprintf(err, errlen, "cannot reserve %zu source ports", n);
		return -1;
	}
	ephemeral_range(&lo, &hi);
	if (hi - lo + 1 < n) {
		snprintf(err, errlen, "the ephemeral port range %u-%u is too small", lo, hi);
		return -1;
	}
	for (int t = 0; t < BLOCK_TRIES; t++) {
		uint32_t rnd = 0;
		if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
			rnd = (uint32_t)getpid() * 2654435761u + (uint32_t)t * 40503u;
		r->base = (uint16_t)(lo + rnd % (hi - lo + 2 - n));
		size_t i;
		for (i = 0; i < n; i++)
			if (bind_port((uint16_t)(r->base + i), &r->fd[i]) < 0)
				break;
		if (i == n) {
			r->n = n;
			return 0;
		}
		int e = errno;
		r->n = i;
		portres_release(r);
		if (e != EADDRINUSE) {
			snprintf(err, errlen, "cannot reserve a source port: %s", strerror(e));
			return -1;
		}
	}
	snprintf(err, errlen, "cannot find %zu free source ports in %u-%u", n, lo, hi);
	return -1;
}

int portres_reserve_port(uint16_t want, struct portres *r, char *err, size_t errlen)
{
	portres_init(r);
	r->base = want;
	r->n = 1;
	if (bind_port(want, &r->fd[0]) == 0)
		return 0;
	if (errno == EADDRINUSE)
		return 1;
	snprintf(err, errlen, "cannot reserve source port %u: %s", want, strerror(errno));
	r->n = 0;
	return -1;
}

void portres_release(struct portres *r)
{
	for (size_t i = 0; i < PORTRES_MAX; i++) {
		if (r->fd[i] >= 0)
			close(r->fd[i]);
		r->fd[i] = -1;
	}
}
