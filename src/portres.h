/*
 * portres: hold a TCP port so the host's own connections never use it.
 *
 * Our crafted segments use a source port the kernel knows nothing about; if
 * the kernel picked the same port for one of its own connections, replies
 * would mix. Binding a TCP socket (never listening) reserves the port: the
 * kernel's ephemeral port choice skips bound ports. A dual-stack IPv6 socket
 * reserves it for both families. Unprivileged.
 */
#ifndef TCPSHAKE_PORTRES_H
#define TCPSHAKE_PORTRES_H

#include <stddef.h>
#include <stdint.h>

struct portres {
	int fd4, fd6; /* -1 when unused */
	uint16_t port;
};

/* Reserve want (0: any free ephemeral port). Returns 0; 1 when want is in use
 * by the host (nothing reserved, port still set to want: the caller warns);
 * -1 with err on failure. */
int portres_reserve(uint16_t want, struct portres *r, char *err, size_t errlen);
void portres_release(struct portres *r);

#endif
