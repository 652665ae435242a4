/*
 * portres: the port reservation described in portres.h.
 */
#include "config.h"
#include "portres.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int bind_any(int family, uint16_t port, int *fd_out)
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

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int portres_reserve(uint16_t want, struct portres *r, char *err, size_t errlen)
{
	r->fd4 = r->fd6 = -1;
	r->port = want;
	int fd;
	if (bind_any(AF_INET6, want, &fd) == 0) {
		r->fd6 = fd;
	} else if (errno == EADDRINUSE) {
		return 1;
	} else if (bind_any(AF_INET, want, &fd) == 0) {
		/* IPv6 is off on this host: hold the IPv4 port alone. */
		r->fd4 = fd;
	} else if (errno == EADDRINUSE) {
		return 1;
	} else {
		snprintf(err, errlen, "cannot reserve a source port: %s", strerror(errno));
		return -1;
	}
	r->port = bound_port(r->fd6 >= 0 ? r->fd6 : r->fd4);
	if (r->port == 0) {
		snprintf(err, errlen, "cannot read the reserved source port: %s", strerror(errno));
		portres_release(r);
		return -1;
	}
	return 0;
}

void portres_release(struct portres *r)
{
	if (r->fd4 >= 0)
		close(r->fd4);
	if (r->fd6 >= 0)
		close(r->fd6);
	r->fd4 = r->fd6 = -1;
}
