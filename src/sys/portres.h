/*
 * portres: hold a block of TCP ports so the host's own connections never use
 * them.
 *
 * Our crafted segments use source ports the kernel knows nothing about; if
 * the kernel picked one for a connection of its own, replies would mix.
 * Binding a TCP socket (never listening) reserves a port: the kernel's
 * ephemeral port choice skips bound ports, and a second tcpshake run cannot
 * bind it either. A dual-stack IPv6 socket reserves it for both families.
 *
 * Why a block and not one port: consecutive probes to the same server port
 * must not share a 4-tuple. A server still in SYN_RECEIVED for the previous
 * probe (its SYN-ACK in flight or lost) drops a new SYN of the same 4-tuple
 * with another ISN, so each probe of a target port takes the next port of the
 * block. The block is contiguous so the capture filter is one port range.
 */
#ifndef TCPSHAKE_PORTRES_H
#define TCPSHAKE_PORTRES_H

#include <stddef.h>
#include <stdint.h>

/* Most ports one run holds (one descriptor each). */
#define PORTRES_MAX 256

struct portres {
	int fd[PORTRES_MAX]; /* -1 when unused */
	uint16_t base;       /* ports base .. base + n - 1 */
	size_t n;
};

/* Mark r empty (safe to release). */
void portres_init(struct portres *r);

/* Reserve n (1..PORTRES_MAX) contiguous ports inside the kernel's ephemeral
 * range, starting at a random place. Returns 0, or -1 with err. */
int portres_reserve_block(size_t n, struct portres *r, char *err, size_t errlen);

/* Reserve exactly port want (-s). Returns 0; 1 when the host uses it
 * (nothing reserved, base still want, n 1: the caller warns); -1 with err. */
int portres_reserve_port(uint16_t want, struct portres *r, char *err, size_t errlen);

void portres_release(struct portres *r);

#endif
