/*
 * cx: the conformance checks' toolkit, a thin layer over the endpoint
 * (endpoint.h) shaped for checks. Crafted segments out, the peer's segments
 * in (matched by our source port), a handshake helper, timed pauses, and
 * the evidence: the endpoint's timeline of the running check, both ways in
 * the capture's clock, which the report shows. Each check takes fresh
 * source ports, so a late answer to one check never reaches another.
 *
 * The runner fills the public fields below (it may memset the struct and
 * set them, no init call); cx sets up its endpoint from them on first use.
 */
#ifndef TCPSHAKE_CX_H
#define TCPSHAKE_CX_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/connmodel.h"
#include "core/netaddr.h"
#include "core/script.h"
#include "core/verdict.h"
#include "engine/endpoint.h"
#include "engine/script_run.h"
#include "engine/wire.h"

#define CX_QUEUE 32

struct cx {
	const struct wire *w;
	const volatile sig_atomic_t *stop;
	struct netaddr src, dst;
	uint16_t port;        /* the open port under test */
	uint16_t closed_port; /* a closed port of the same host; 0: none */
	uint16_t sport_base, nsports, next;
	uint16_t mss;         /* what we offer */
	uint16_t mtu;         /* our link's MTU (0: unknown, taken as mss + headers) */
	uint8_t ttl;
	uint32_t tsval_base;
	uint64_t t0;          /* the run's start, for the TSval clock */
	uint64_t rtt_ns;      /* from the first handshake; waits scale with it */
	uint32_t isn_state;   /* the ISN generator's seed (0: random) */
	/* The running check's evidence: the endpoint's timeline (freeing ev
	 * frees it). */
	struct conn_seg *ev;
	size_t nev, evcap;
	uint64_t ev_t0;
	/* Peer segments read while waiting for another port. */
	struct cx_pkt queue[CX_QUEUE];
	size_t nqueue;
	unsigned long bad;
	bool failed;
	char err[200];
	struct endpoint ep;   /* cx's own: set up from the fields above */
	bool ep_ready;
};

/* One connection a check opened. */
struct cx_conn {
	uint16_t sport, dport;
	uint32_t iss, snd_nxt;
	uint32_t irs, rcv_nxt;
	bool ts;              /* timestamps agreed */
	bool ws;              /* window scaling agreed (we offer 7) */
	uint32_t ts_recent;
	uint32_t peer_win;
	uint16_t mss;         /* payload per segment: the peer's MSS within our path's */
	struct cx_pkt synack;
};

uint64_t cx_now(struct cx *cx);
/* A fresh source port of the block (round robin). */
uint16_t cx_port(struct cx *cx);
/* A fresh ISN. */
uint32_t cx_isn(struct cx *cx);
/* Our TSval now. */
uint32_t cx_tsval(struct cx *cx);
/* Start a new check's evidence. */
void cx_evidence_reset(struct cx *cx);

/* Send s (src, dst and ttl filled in here) and log it. 0, or -1 (cx->err):
 * stopped, a runtime error (cx->failed: the run ends), or a segment too
 * long for our path (EMSGSIZE: the connection is reset, the check errs). */
int cx_send(struct cx *cx, struct tx_segment *s);
/* The next peer segment to our port sport from dport, waiting until
 * deadline: 1 (got *p), 0 (none by then), -1 (error, or stopped). */
int cx_recv(struct cx *cx, uint16_t sport, uint16_t dport, uint64_t deadline, struct cx_pkt *p);
/* Every peer segment to sport from dport for the next dur_ns (up to max of
 * them in out). Returns how many, or -1. */
long cx_collect(struct cx *cx, uint16_t sport, uint16_t dport, uint64_t dur_ns, struct cx_pkt *out,
		size_t max);

/* A handshake from a fresh port to dport with our SYN options (opt NULL:
 * MSS, SACK-permitted, timestamps, window scale as Linux) and optional
 * reserved bits. 1: established (ACK sent, *c filled); 0: no SYN-ACK
 * (c->synack holds what came, if anything, flags 0 when nothing); -1. */
int cx_connect(struct cx *cx, uint16_t dport, const uint8_t *opt, uint8_t optlen, struct cx_conn *c);
/* A segment on an open connection: seq/ack as given, timestamps when
 * agreed. Data longer than our path carries goes as several segments, one
 * after the other (a FIN on the last). */
int cx_send_on(struct cx *cx, struct cx_conn *c, uint8_t flags, uint32_t seq, uint32_t ack,
	       const void *data, uint16_t len);
/* Take the peer's segment p as an endpoint would: its timestamp, its bytes
 * and FIN when in order (no reassembly), and an ACK (with our seq) when it
 * carried any. Returns whether its FIN was taken. */
bool cx_take(struct cx *cx, struct cx_conn *c, const struct cx_pkt *p, uint32_t seq);
/* Data at snd_nxt, acked: 1 when the peer acknowledged it by deadline, 0
 * when not, 2 when it reset the connection, -1 on error. */
int cx_data_acked(struct cx *cx, struct cx_conn *c, const char *data, uint64_t wait_ns);
/* RST the connection (best effort), to leave nothing half-open. */
void cx_abort(struct cx *cx, struct cx_conn *c);
/* Free the half-open entry our SYN (ISN iss, from sport to dport) made at
 * the peer: a bare RST at iss + 1 (best effort). */
void cx_release(struct cx *cx, uint16_t sport, uint16_t dport, uint32_t iss);
/* Run the script s against dport from a fresh source port, on cx's
 * endpoint (engine/script_run.h): the answer timeout is cx_answer_wait,
 * the tolerance tolerance_ns; the run's segments become the evidence. res
 * is always filled (free it with script_run_result_free). 0, or -1 when
 * the run must end (stopped, or a runtime error: cx->failed). */
int cx_script(struct cx *cx, const struct script *s, uint16_t dport, uint64_t tolerance_ns,
	      struct script_run_result *res);
/* A wait long enough for an answer: 4 RTT + 300 ms. */
uint64_t cx_answer_wait(const struct cx *cx);
/* Let dur_ns of wire time pass, still taking the peer's segments in (they
 * wait for cx_recv). Not "until a frame comes": a pause. 0, or -1. */
int cx_pause(struct cx *cx, uint64_t dur_ns);
/* The payload one segment of ours may carry on c: the peer's MSS (536 when
 * it named none), within our path's MTU, less timestamps when agreed. */
uint16_t cx_mss(struct cx *cx, const struct cx_conn *c);
/* The causality ordering of connection c: the running check's segments of
 * it replayed in capture order into a fresh model m (see connmodel.h; the
 * caller frees m). For instance, whether the peer's data was sent before
 * or after it had our FIN (m->bytes_in_after_our_fin). 0, or -1. */
int cx_model(struct cx *cx, const struct cx_conn *c, enum conn_close close, struct connmodel *m);

#endif
