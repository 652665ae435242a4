/*
 * match: which probe a captured segment belongs to.
 *
 * Two steps, both pure. match_classify says what role a decoded segment plays
 * for a run whose local endpoint is (local, lport): our own outgoing SYN (for
 * its kernel timestamp), a reply to us, or an ICMP error quoting one of our
 * segments; and it extracts the remote endpoint and the sequence key that
 * names the probe (our SYN's seq; a reply's ack - 1; the quoted seq).
 * match_table then maps the remote endpoint to the caller's flow index.
 */
#ifndef TCPSHAKE_MATCH_H
#define TCPSHAKE_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/netaddr.h"
#include "core/segment.h"

enum match_role {
	MATCH_NONE,    /* not ours */
	MATCH_OUR_SYN, /* the capture's copy of a SYN we sent: key = its seq */
	MATCH_REPLY,   /* a TCP segment to us: key = ack - 1 (meaningful if ACK set) */
	MATCH_ICMP,    /* an ICMP error quoting our segment: key = quoted seq */
};

struct match_hit {
	enum match_role role;
	struct netaddr local; /* our side of the segment */
	uint16_t lport;       /* our port (the lport asked about) */
	struct netaddr remote;
	uint16_t rport;
	uint32_t key;
};

/* Classify seg (already decoded, SEGMENT_OK) for local endpoint (local, lport).
 * local may have either family; a segment of the other family is MATCH_NONE. */
enum match_role match_classify(const struct segment *seg, const struct netaddr *local4,
			       const struct netaddr *local6, uint16_t lport, struct match_hit *hit);

/* For a run whose probes all go out from a block of source ports
 * [lo, lo + n) reserved for it (portres.h): classify seg with our side
 * read from the segment itself, since targets may be reached from several
 * local addresses: whichever of its ports lies in the block (an ICMP
 * error's quoted source port). When both do (a probe of a port inside our
 * own block), it is tried as sent by us first, then as received. hit->lport
 * is our port. *on_block (unless NULL) tells whether a TCP segment has a
 * port in the block: it then belongs in --pcap, whatever its role. */
enum match_role match_classify_block(const struct segment *seg, uint16_t lo, uint16_t n,
				     struct match_hit *hit, bool *on_block);

/* Open-addressing map (remote address, remote port) -> flow index. */
struct match_table {
	struct match_slot *slot; /* owned */
	size_t cap;              /* power of two */
	size_t n;
};

int match_table_init(struct match_table *t, size_t expected);
/* Add a mapping; a duplicate key keeps the first flow. Returns 0 or -1 (no memory). */
int match_table_add(struct match_table *t, const struct netaddr *remote, uint16_t rport, size_t flow);
/* Flow index, or -1 when unknown. */
long match_table_find(const struct match_table *t, const struct netaddr *remote, uint16_t rport);
void match_table_free(struct match_table *t);

#endif
