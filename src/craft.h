/*
 * craft: build and send TCP segments with libnet (raw IPv4 / IPv6 sockets).
 *
 * Edge module: it opens raw sockets (CAP_NET_RAW) and does no judging. The
 * kernel routes what we send and resolves neighbours; libnet computes the TCP
 * checksum. One handle per address family, opened before privileges drop.
 */
#ifndef TCPSHAKE_CRAFT_H
#define TCPSHAKE_CRAFT_H

#include <stdbool.h>
#include <stddef.h>

#include "wire.h"

struct craft;

/* Open raw senders for the families asked for; iface (may be NULL) binds
 * them to one interface (SO_BINDTODEVICE). Returns NULL with err set; errno
 * is EPERM/EACCES when privileges are missing. */
struct craft *craft_open(bool want4, bool want6, const char *iface, char *err, size_t errlen);
/* Send one segment. Returns 0, or -1 with errno (ENOBUFS: try again later). */
int craft_send(struct craft *c, const struct tx_segment *seg);
void craft_close(struct craft *c);

#endif
