/*
 * craft: build and send TCP segments with libnet (raw IPv4 / IPv6 sockets).
 *
 * Edge module: it opens raw sockets (CAP_NET_RAW) and does no judging. The
 * kernel routes what we send and resolves neighbours; libnet builds the
 * packet and its checksums. One socket per address family, opened before
 * privileges drop.
 */
#ifndef TCPSHAKE_CRAFT_H
#define TCPSHAKE_CRAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/wire.h"

struct craft;

/* Open raw senders for the families asked for; iface (may be NULL) binds
 * them to one interface (SO_BINDTODEVICE); a nonzero mark is set as SO_MARK
 * on them (the RST guard's pass mark). Returns NULL with err set; errno is
 * EPERM/EACCES when privileges are missing. */
struct craft *craft_open(bool want4, bool want6, const char *iface, uint32_t mark, char *err,
			 size_t errlen);
/* A builder only (no sockets, no privileges): for craft_build in tests. */
struct craft *craft_new_builder(char *err, size_t errlen);
/* Build seg as an IPv4 or IPv6 packet (checksums filled in) into out.
 * Returns its length, or 0 when libnet refused or cap is too small. */
size_t craft_build(struct craft *c, const struct tx_segment *seg, uint8_t *out, size_t cap);
/* Send one segment. Returns 0, or -1 with errno (ENOBUFS: try again later). */
int craft_send(struct craft *c, const struct tx_segment *seg);
void craft_close(struct craft *c);

#endif
