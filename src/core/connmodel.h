/*
 * connmodel: the judge of connect mode. Fed every segment of one connection
 * in the order we saw it (ours as sent, the peer's as captured), it keeps
 * both ends' RFC 9293 states (tcpstate.h), recognises retransmissions, and
 * names each deviation of the peer (deviation.h).
 *
 * Our own state follows our order of events exactly. The peer's cannot: a
 * segment we send reaches the peer later, and may cross one of its own. So
 * our segments wait in a queue "not yet known to the peer" and are applied
 * to the peer's model only when the peer shows it had them: a segment of the
 * peer that acknowledges one of ours (its sequence space is covered by the
 * ack) proves everything we sent up to it arrived first. A peer FIN that does
 * not acknowledge our FIN was therefore sent before ours arrived: the peer
 * was in FIN_WAIT_1 and goes through CLOSING (a simultaneous close), which a
 * naive in-order replay would get wrong. What is still queued at the end is
 * applied then. When a peer segment is illegal in its state, queued segments
 * of ours are applied one by one first, since the peer may simply have had
 * them (a bare ACK carries no sequence number to prove it).
 *
 * Pure: no I/O, no clock. The unit tests feed it hand-written sequences.
 */
#ifndef TCPSHAKE_CONNMODEL_H
#define TCPSHAKE_CONNMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/deviation.h"
#include "core/tcpstate.h"

enum conn_dir { CONN_OUT, CONN_IN };

/* One segment as seen on the wire. */
struct conn_seg {
	uint64_t t_ns;  /* capture or send time */
	enum conn_dir dir;
	uint8_t flags;  /* TCPF_* */
	uint32_t seq, ack;
	uint16_t len;   /* payload bytes */
	uint16_t win;
};

/* A logged segment with what the model made of it. */
struct conn_entry {
	struct conn_seg s;
	enum tcp_state local; /* our state after it */
	enum tcp_state peer;  /* the peer's state after it (see the header) */
	bool retransmission;  /* repeats sequence space already sent */
	bool peer_applied;    /* (ours) applied to the peer's model yet */
	bool wire_time;       /* (ours) t_ns is the capture's timestamp, not the send call's */
	int deviation;        /* index into devs of the deviation it caused, or -1 */
};

/* The teardown verdict, as users' scripts read it. */
enum teardown {
	TEARDOWN_NONE,       /* no connection was made */
	TEARDOWN_CONFORMANT,
	TEARDOWN_DEVIANT,
	TEARDOWN_INCOMPLETE, /* the close did not finish within the timeout */
};
const char *teardown_name(enum teardown t); /* "none" "conformant" ... */

/* How the close was meant to go: what the model expects of the peer. */
/* Who closes and how (connect mode's --close); the order is the CLI's
 * word list's: active, passive, half, rst. */
enum conn_close { CONN_CLOSE_ACTIVE, CONN_CLOSE_PASSIVE, CONN_CLOSE_HALF, CONN_CLOSE_RST };

/* The spelling of a close: "active", "passive", "half", "rst". */
const char *connmodel_close_name(enum conn_close c);

struct connmodel {
	enum conn_close close;
	enum tcp_state local, peer;

	/* Our side. */
	bool have_iss;
	uint32_t iss, snd_nxt, snd_una;
	bool fin_sent, fin_acked, rst_sent;
	uint32_t fin_seq;        /* sequence number of our FIN */
	uint32_t wrong_fin_acks; /* peer segments answering our FIN with ack = FIN seq */

	/* The peer's side. */
	bool have_irs;
	uint32_t irs, rcv_nxt;
	bool peer_fin;           /* its FIN arrived in order */
	uint32_t peer_fin_seq;
	bool peer_fin_ooo;       /* a FIN beyond a hole we never saw filled */
	uint32_t peer_fin_ooo_seq;
	/* Bytes that arrived beyond a hole, held as a receiver holds them
	 * (RFC 9293 §3.10.7.4) until the hole fills: [start, end) ranges. */
	struct { uint32_t start, end; } ooo[8];
	size_t nooo;
	bool rst_received;
	bool peer_sent_any;      /* peer_max_end is set */
	uint32_t peer_max_end;   /* the end of the furthest sequence space it sent */
	bool synced;             /* we reached ESTABLISHED (a teardown to judge) */
	uint64_t bytes_in;       /* new payload bytes from the peer */
	uint64_t bytes_in_after_our_fin; /* of those, sent after it had our FIN */
	uint64_t bytes_out;      /* new payload bytes we sent */

	struct conn_entry *log;
	size_t n, cap;
	size_t pend;             /* first of our entries not yet applied to the peer */
	struct deviation_list devs;
	/* How long after our RST a peer segment proves the RST arrived (set by
	 * the engine from the handshake RTT); 0: never. */
	uint64_t rst_transit_ns;
	bool finished;
	bool oom;                /* a segment could not be logged */
};

void connmodel_init(struct connmodel *m, enum conn_close close);
void connmodel_free(struct connmodel *m);

/* Log one segment and judge it. Returns its index, or -1 when out of memory
 * (the model then stays as it was; m->oom is set). */
long connmodel_add(struct connmodel *m, const struct conn_seg *s);

/* The capture showed our segment s (dir OUT) with the kernel's timestamp:
 * give the first matching logged segment of ours that time. */
void connmodel_retime(struct connmodel *m, const struct conn_seg *s);

/* The connection is over (or given up): apply what the peer has not yet
 * been shown and add the deviations only the end reveals (our FIN never
 * acknowledged, the peer's FIN never sent, a hole never filled). Segments
 * added afterwards (a clean-up RST) are logged but not judged. */
void connmodel_finish(struct connmodel *m);

/* The verdict; call after connmodel_finish. handshake_ok false gives NONE. */
enum teardown connmodel_verdict(const struct connmodel *m, bool handshake_ok);

/* Whether the close finished as the close mode wants (for the verdict and
 * for the engine deciding when to stop). */
bool connmodel_close_done(const struct connmodel *m);

/* Sequence arithmetic modulo 2^32 (RFC 9293 §3.4). */
static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

#endif
