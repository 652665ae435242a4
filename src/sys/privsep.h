/*
 * privsep: the exporter's two processes. The parent opens what needs
 * privileges (the listen socket, the capture, the raw sockets, the RST
 * guard), then forks the process that will speak HTTP; that child keeps
 * only its listen socket and its end of the channel, becomes an
 * unprivileged user with no capability (priv_become_user) and never gets
 * them back. The parent, now holding only its open sockets, is the probe
 * engine. OpenSSH's privilege separation and mtr-packet are the model.
 */
#ifndef TCPSHAKE_PRIVSEP_H
#define TCPSHAKE_PRIVSEP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/netaddr.h"
#include "sys/priv.h"

/* A TCP socket bound to addr:port and listening (SO_REUSEADDR, close on
 * exec). Returns it, or -1 with err ("cannot listen on 127.0.0.1:9116:
 * Address already in use"). */
int privsep_listen(const struct netaddr *addr, uint16_t port, char *err, size_t errlen);

/* The channel between the two: a SOCK_SEQPACKET socketpair, so each
 * fixed-size message arrives whole. Returns 0, or -1 with err. */
int privsep_channel(int sv[2], char *err, size_t errlen);

/* Fork the unprivileged child. In it: every descriptor closed but stdio
 * and keep[0..nkeep), u become (priv_become_user), SIGHUP ignored (the
 * parent reloads), then fn(arg), whose return is the child's exit status;
 * a failure to drop is one line on stderr and exit status 2. In the
 * parent: the child's PID, or -1 with err. */
pid_t privsep_fork(const int *keep, size_t nkeep, const struct priv_user *u, int (*fn)(void *),
		   void *arg, char *err, size_t errlen);

/* Wait up to wait_ns for child to end, then SIGKILL it and reap it.
 * Returns its exit status (128 + signal when a signal ended it). */
int privsep_reap(pid_t child, uint64_t wait_ns);

#endif
