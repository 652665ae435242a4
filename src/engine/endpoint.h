/*
 * endpoint: the one connection layer every mode runs on, over a struct wire.
 *
 * Connect mode (session.c), the conformance checks (cx.c) and syn mode
 * (probe.c) all need the same plumbing, and each used to keep its own copy:
 * sending a crafted segment while the interface queue is full, decoding and
 * filtering what the capture saw, recording it to --pcap, ISNs and TSvals,
 * the MSS our own path allows, and a timeline of both ways. Here it is once:
 *
 *  - ep_wire_send: the program's only send loop (ENOBUFS retry, backoff).
 *  - ep_send: that, for a segment of our flow, logged on the timeline; a
 *    segment too long for the path (EMSGSIZE) fails the connection (the
 *    caller resets it with ep_reset_for), never the run.
 *  - ep_next: the next captured frame of our flow, decoded and recorded; our
 *    own segments come back too and give the timeline their capture time.
 *  - ep_pause / ep_wait: waits that wait for wire time, still taking frames.
 *  - one ISN generator (core/isn.h), one TSval clock, one MSS rule.
 *
 * The timeline (endpoint_timeline.c) holds every segment of the flow in one
 * clock, the capture's: ours are stamped when the capture shows them, so an
 * answer never appears before what it answers.
 */
#ifndef TCPSHAKE_ENDPOINT_H
#define TCPSHAKE_ENDPOINT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/connmodel.h"
#include "core/isn.h"
#include "core/netaddr.h"
#include "core/segment.h"
#include "engine/wire.h"

/* ---- Sending, for every mode --------------------------------------------- */

/* Send s over w, retrying while the interface queue is full (ENOBUFS,
 * EAGAIN) or a signal cut the call short (EINTR), SEND_BACKOFF_NS apart.
 * Returns 0 sent (*sent_ns: the wire's clock right after), 1 not sent
 * because *stop was set, or -1 with errno: a hard error (EMSGSIZE, EPERM...)
 * or ENOBUFS after the queue refused us for SEND_GIVE_UP_NS. */
int ep_wire_send(const struct wire *w, const volatile sig_atomic_t *stop, const struct tx_segment *s,
		 uint64_t *sent_ns);

/* The one line saying why s (to dst) could not be sent, errno e, into err:
 * a segment too long for the path, a queue that stayed full, or the
 * system's reason. */
void ep_send_error(char *err, size_t errlen, const struct netaddr *dst, const struct tx_segment *s,
		   int e);

/* Retransmission timers (RFC 6298): the first RTO (1 s, or half of a
 * shorter give-up time so one resend fits), and the next after a timeout
 * (doubled, at most TCP_RTO_MAX_NS). Nanoseconds. */
uint64_t ep_rto_initial(uint64_t give_up_ns);
uint64_t ep_rto_backoff(uint64_t rto_ns);

/* ---- The timeline ---------------------------------------------------------- */

/* Which connection a timeline entry belongs to, and whether its time is
 * the capture's (always for the peer's; ours once the capture showed it). */
struct ep_tag {
	uint16_t lport, rport;
	bool wire_time;
	bool ours; /* (OUT) sent by us, not by the local kernel */
};

/* Segments both ways in capture-time order. seg and tag are one allocation
 * (free(seg) frees both), so a caller handed seg may free it. */
struct ep_timeline {
	struct conn_seg *seg;
	struct ep_tag *tag;
	size_t n, cap;
	uint64_t t0; /* when it was last reset */
};

/* ---- The endpoint ---------------------------------------------------------- */

enum ep_dir {
	EP_IN,   /* the peer's segment to one of our ports */
	EP_OUT,  /* a segment from one of our ports to the peer: ours or our kernel's */
	EP_ICMP, /* an ICMP error quoting one of our segments */
};

/* One captured frame of our flow; seg's payload points into the capture's
 * buffer, valid until the next ep_next. */
struct ep_frame {
	enum ep_dir dir;
	struct segment seg;
	uint64_t ts_ns; /* the capture's time */
	bool ours;      /* EP_OUT: matches a segment ep_send sent */
};

struct endpoint {
	const struct wire *w;
	const volatile sig_atomic_t *stop;
	/* The flow: frames between src and dst with our port in
	 * [port_lo, port_lo + nports) are ours. */
	struct netaddr src, dst;
	uint16_t port_lo, nports;
	uint8_t ttl;
	/* Our link's MTU, from the route (0: unknown); ep_mss uses it. */
	uint16_t mtu;
	struct isn_gen isn;
	uint32_t isn_index;
	uint32_t tsval_base;
	uint64_t ts_t0;          /* the TSval clock's zero */
	struct ep_timeline tl;
	unsigned long bad;       /* frames that failed to decode */
	bool failed;             /* a runtime error ends the run (err says why) */
	char *err;               /* the owner's error buffer */
	size_t errlen;
};

/* Set up ep over w. seed 0: random ISNs. err (errlen bytes) receives
 * every error message. Fill src, dst, port_lo, nports, ttl and mtu after. */
void ep_init(struct endpoint *ep, const struct wire *w, const volatile sig_atomic_t *stop,
	     uint64_t seed, uint32_t tsval_base, char *err, size_t errlen);
void ep_free(struct endpoint *ep);

uint64_t ep_now(const struct endpoint *ep);
/* A fresh ISN: a keyed permutation of a counter, so none repeats in a run. */
uint32_t ep_isn(struct endpoint *ep);
/* Our TSval now: milliseconds since ts_t0, from tsval_base (RFC 7323 §5.4). */
uint32_t ep_tsval(const struct endpoint *ep);

/* Our link's MTU for ep->mtu: mtu as the route gave it, or, when that is
 * unknown (0), the one our_mss (the MSS we offer, the route's MTU less the
 * headers) implies; 0 when neither is known. */
uint16_t ep_link_mtu(uint16_t mtu, uint16_t our_mss, int family);

/* The most payload one segment of ours may carry (RFC 9293 §3.7.1): the
 * peer's MSS (0: it named none, TCP_DEFAULT_MSS), at most our own MTU minus
 * the IP and TCP headers, less the timestamp option when agreed. */
uint16_t ep_mss(const struct endpoint *ep, uint16_t peer_mss, bool ts);

/* Send s (src, dst and ttl filled in here) and log it on the timeline;
 * *sent_ns (may be NULL) gets the wire's clock right after. Returns 0, or
 * -1 with errno: EINTR stopped (no message), EMSGSIZE a segment too long
 * for the path (err filled; only this connection fails, so failed stays
 * false: end it, see ep_reset_for), anything else a runtime error (err
 * filled, failed set). */
int ep_send(struct endpoint *ep, struct tx_segment *s, uint64_t *sent_ns);
/* Reset the connection s belongs to, best effort (a RST fits any path):
 * how a connection ends when one of its segments cannot be sent. */
void ep_reset_for(struct endpoint *ep, const struct tx_segment *s);

/* The next captured frame of our flow, without blocking: 1 with *f, 0 none
 * yet, -1 capture error (failed set). Bad frames are counted, ours and the
 * peer's recorded to --pcap, segments with a bad checksum from the peer
 * dropped (RFC 9293 §3.10.7.4), ours retimed on the timeline. */
int ep_next(struct endpoint *ep, struct ep_frame *f);

/* Sleep until a frame may be ready or the wire's clock reaches deadline.
 * 1 maybe ready, 0 deadline, -1 stopped or a wait error (failed set for
 * the latter; err filled for both). */
int ep_wait(struct endpoint *ep, uint64_t deadline);

/* Let dur_ns of wire time pass while still taking in frames: each goes to
 * take(arg, f) (may be NULL). Unlike one wait, a frame (our own segment's
 * copy included) does not end it. 0, or -1 (stopped, or an error). */
int ep_pause(struct endpoint *ep, uint64_t dur_ns, void (*take)(void *arg, const struct ep_frame *f),
	     void *arg);

/* ---- The timeline, by hand ------------------------------------------------ */

/* Start a new timeline (a new check, a new connection). */
void ep_timeline_reset(struct endpoint *ep);
/* The causality ordering of one connection of the timeline: its segments
 * replayed in capture order into a fresh model (m is initialised here; the
 * caller frees it with connmodel_free and may call connmodel_finish). It
 * tells, for instance, whether the peer's data was sent before or after it
 * had our FIN (m->bytes_in_after_our_fin). 0, or -1 out of memory. */
int ep_timeline_model(const struct endpoint *ep, uint16_t lport, uint16_t rport, enum conn_close close,
		      struct connmodel *m);

#endif
