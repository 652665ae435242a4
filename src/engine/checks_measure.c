/*
 * checks_measure: the measuring checks. See checks_measure.h.
 *
 * The checks that need the peer to have data queued that we do not take
 * send a request (--data, or bytes of ours an echo server sends back) and
 * then hold back their ACK or their window. Those connect with an MSS
 * option only: without SACK a peer sends no tail-loss probe (Linux's
 * needs SACK), so what follows its first flight is its retransmission
 * timer alone, and without window scaling our window field means what it
 * says.
 */
#include "config.h"
#include "engine/checks_measure.h"
#include "engine/checks.h"

#include <stdio.h>
#include <string.h>

#include "core/segment.h"
#include "core/tcpconst.h"
#include "core/tcpopt.h"
#include "core/verdict_measure.h"
#include "engine/check_premise.h"

#define REQUEST "tcpshake conformance check\r\n"
/* What initial-window sends an echo server: more than any initial window
 * RFC 6928 allows (14600 bytes), so the window, not the data, ends the
 * first flight. */
#define IW_FILL 20000
#define IW_SEGS 128
#define IW_WATCH_NS (10 * NS_PER_S)       /* a flight that never ends */
/* zero-window-probe: bytes an echo server holds for our closed window. */
#define ZWP_FILL 3000
#define ZWP_PROBES 3                      /* enough for two intervals */
#define ZWP_SETTLE_NS (20 * NS_PER_MS)    /* for the answer to our first byte */
#define ZWP_WATCH_NS (12 * NS_PER_S)      /* lwIP's third probe: about 10.5 s */
#define CHALLENGE_RSTS 200                /* RFC 5961 7's burst ... */
#define CHALLENGE_GAP_NS (5 * NS_PER_MS)  /* ... over one second */

static char fill[IW_FILL];

/* A connection for a check, from our usual SYN (plain false) or one with
 * only an MSS option (plain true, see the top). False with v set to an
 * error when there is none: the port answered the runner's handshake. */
static bool connect_for(struct cx *cx, bool plain, struct cx_conn *c, struct verdict *v)
{
	uint8_t mss[4] = {2, 4, (uint8_t)(cx->mss >> 8), (uint8_t)cx->mss};
	return checks_connect(cx, plain ? mss : NULL, plain ? sizeof(mss) : 0, c, v);
}

/* The request: --data, or n bytes of ours (an echo server answers them). */
static const char *request(const char *data, size_t n, size_t *len)
{
	if (data != NULL) {
		*len = strlen(data);
		return data;
	}
	if (fill[0] != 'x')
		memset(fill, 'x', sizeof(fill));
	*len = n < sizeof(fill) ? n : sizeof(fill);
	return fill;
}

/* Send len bytes of d at snd_nxt (moved on), within what the peer's
 * window took at the handshake. */
static int send_request(struct cx *cx, struct cx_conn *c, const char *d, size_t len)
{
	if (len > c->peer_win)
		len = c->peer_win;
	if (len > UINT16_MAX)
		len = UINT16_MAX;
	if (cx_send_on(cx, c, TCPF_PSH | TCPF_ACK, c->snd_nxt, c->rcv_nxt, d, (uint16_t)len) < 0)
		return -1;
	c->snd_nxt += (uint32_t)len;
	return 0;
}

/* When the capture saw our segment at seq carrying len bytes (the send
 * call's time when it did not): the one clock the peer's times are in. */
static uint64_t out_time(const struct cx *cx, uint32_t seq, uint16_t len)
{
	for (size_t i = cx->nev; i-- > 0;)
		if (cx->ev[i].dir == CONN_OUT && cx->ev[i].seq == seq && cx->ev[i].len == len)
			return cx->ev[i].t_ns;
	return 0;
}

/* Segments with our window as given (0 closes it), len bytes of d from
 * seq on in segments of the peer's MSS. */
static int send_with_window(struct cx *cx, struct cx_conn *c, uint32_t seq, const char *d,
			    size_t len, uint16_t win)
{
	size_t off = 0;
	do {
		struct tx_segment s;
		size_t k = len - off < c->mss ? len - off : c->mss;
		memset(&s, 0, sizeof(s));
		s.sport = c->sport;
		s.dport = c->dport;
		s.seq = seq + (uint32_t)off;
		s.ack = c->rcv_nxt;
		s.flags = TCPF_ACK | (off + k == len && k > 0 ? TCPF_PSH : 0);
		s.win = win;
		s.payload = k ? (const uint8_t *)d + off : NULL;
		s.payload_len = (uint16_t)k;
		if (c->ts)
			s.optlen = (uint8_t)tcpopt_build_ts(cx_tsval(cx), c->ts_recent, s.opt);
		if (cx_send(cx, &s) < 0)
			return -1;
		off += k;
	} while (off < len);
	return 0;
}

void check_initial_window(struct cx *cx, const char *data, struct verdict *v)
{
	struct cx_conn c;
	struct cx_pkt seg[IW_SEGS], p;
	size_t n = 0, len;
	if (!connect_for(cx, true, &c, v))
		return;
	const char *d = request(data, IW_FILL, &len);
	if (send_request(cx, &c, d, len) < 0)
		goto err;
	/* The first flight, unacknowledged: until the first retransmission,
	 * or until the peer is quiet for an answer's wait (within IW_WATCH_NS
	 * and IW_SEGS, whatever it sends). */
	uint32_t hi = c.rcv_nxt;
	uint16_t biggest = 0;
	uint64_t end = cx_now(cx) + IW_WATCH_NS;
	while (n < IW_SEGS) {
		uint64_t quiet = cx_now(cx) + cx_answer_wait(cx);
		int rc = cx_recv(cx, c.sport, c.dport, quiet < end ? quiet : end, &p);
		if (rc < 0)
			goto err;
		if (rc == 0 || (p.flags & TCPF_RST))
			break;
		if (p.len == 0)
			continue;
		seg[n++] = p;
		if ((int32_t)(p.seq - hi) < 0)
			break;
		hi = p.seq + p.len;
		biggest = p.len > biggest ? p.len : biggest;
	}
	/* Acknowledge it all: a full segment more of new data means a window
	 * cut the flight (Nagle holds back only a partial one). */
	uint32_t fresh = hi;
	if (hi != c.rcv_nxt) {
		c.rcv_nxt = hi;
		if (cx_send_on(cx, &c, TCPF_ACK, c.snd_nxt, c.rcv_nxt, NULL, 0) < 0)
			goto err;
		uint64_t until = cx_now(cx) + cx_answer_wait(cx);
		int rc = 0; /* the loop may not run: nothing read, no error */
		while (fresh - hi < biggest && (rc = cx_recv(cx, c.sport, c.dport, until, &p)) == 1)
			if (p.len > 0 && (int32_t)(p.seq + p.len - fresh) > 0)
				fresh = p.seq + p.len;
		if (rc < 0)
			goto err;
	}
	bool more = biggest > 0 && fresh - hi >= biggest;
	cx_abort(cx, &c);
	if (check_kept_open(cx, &c, v))
		verdict_initial_window(seg, n, c.irs + 1, cx->mss, more, v);
	return;
err:
	cx_abort(cx, &c);
	checks_error(cx, v);
}

void check_delayed_ack(struct cx *cx, const char *data, struct verdict *v)
{
	struct cx_conn c;
	struct cx_pkt p;
	(void)data; /* a line no server answers at once: the ACK alone is timed */
	if (!connect_for(cx, false, &c, v))
		return;
	uint32_t seq = c.snd_nxt;
	uint16_t len = (uint16_t)strlen(REQUEST);
	if (send_request(cx, &c, REQUEST, len) < 0)
		goto err;
	/* Long enough to see an ACK that is too late, not only a timely one. */
	uint64_t wait = 2 * cx->rtt_ns + NS_PER_S;
	uint64_t until = cx_now(cx) + wait;
	int rc;
	while ((rc = cx_recv(cx, c.sport, c.dport, until, &p)) == 1)
		if ((p.flags & TCPF_RST) ||
		    ((p.flags & TCPF_ACK) && (int32_t)(p.ack - c.snd_nxt) >= 0))
			break;
	if (rc < 0)
		goto err;
	cx_abort(cx, &c);
	if (check_kept_open(cx, &c, v))
		verdict_delayed_ack(out_time(cx, seq, len), rc == 1 ? &p : NULL, cx->rtt_ns, wait, v);
	return;
err:
	cx_abort(cx, &c);
	checks_error(cx, v);
}

void check_zero_window(struct cx *cx, const char *data, struct verdict *v)
{
	struct cx_conn c;
	struct cx_pkt p;
	uint64_t t[ZWP_PROBES];
	size_t n = 0, len;
	bool reset = false, reopened = false;
	int rc;
	if (!connect_for(cx, true, &c, v))
		return;
	const char *d = request(data, ZWP_FILL, &len);
	if (len < 2) {
		cx_abort(cx, &c);
		v->result = CHECK_SKIP;
		snprintf(v->detail, sizeof(v->detail), "--data is too short to split (2 bytes or more)");
		return;
	}
	/* The request's first byte with our window open, its answer taken
	 * but not acknowledged yet: from its ACK on, 2 RTT + 20 ms more for
	 * an answer, well within the peer's RTO (a resend would back off
	 * the timer its probes use)... */
	if (send_request(cx, &c, d, 1) < 0)
		goto err;
	uint64_t until = cx_now(cx) + cx_answer_wait(cx);
	bool acked = false;
	while ((rc = cx_recv(cx, c.sport, c.dport, until, &p)) == 1 && !(p.flags & TCPF_RST)) {
		if (p.len > 0 && p.seq == c.rcv_nxt)
			c.rcv_nxt += p.len;
		if (!acked && (p.flags & TCPF_ACK) && (int32_t)(p.ack - c.snd_nxt) >= 0) {
			uint64_t settle = cx_now(cx) + 2 * cx->rtt_ns + ZWP_SETTLE_NS;
			acked = true;
			until = settle < until ? settle : until;
		}
	}
	if (rc < 0)
		goto err;
	/* ... then the rest with window 0, acknowledging it. Its seq and ack
	 * are past those of the peer's last window update (our first byte),
	 * so every stack takes the new window: RFC 9293 3.10.7.4 would at an
	 * equal seq and ack too, but lwIP and older Linux need a newer ack
	 * (or seq) to shrink the window. */
	uint32_t closing = c.snd_nxt;
	uint16_t closing_len = (uint16_t)(len - 1 < c.mss ? len - 1 : c.mss);
	if (send_with_window(cx, &c, c.snd_nxt, d + 1, len - 1, 0) < 0)
		goto err;
	c.snd_nxt += (uint32_t)(len - 1);
	/* Probes: a segment with data, or one below RCV.NXT (Linux sends
	 * SND.UNA - 1), not the bare ACK of our data; each answered with
	 * window 0 and no byte of it taken. */
	uint64_t closed = out_time(cx, closing, closing_len);
	until = closed + ZWP_WATCH_NS;
	while (n < ZWP_PROBES && (rc = cx_recv(cx, c.sport, c.dport, until, &p)) == 1) {
		if (p.flags & TCPF_RST) {
			reset = true;
			break;
		}
		if (p.len == 0 && (int32_t)(p.seq - c.rcv_nxt) >= 0)
			continue;
		t[n++] = p.t_ns;
		if (send_with_window(cx, &c, c.snd_nxt, NULL, 0, 0) < 0)
			goto err;
	}
	if (rc < 0)
		goto err;
	uint64_t watched = (n == ZWP_PROBES ? t[n - 1] : cx_now(cx)) - closed;
	/* Open the window: the queued data must come. */
	if (!reset) {
		if (cx_send_on(cx, &c, TCPF_ACK, c.snd_nxt, c.rcv_nxt, NULL, 0) < 0)
			goto err;
		until = cx_now(cx) + cx_answer_wait(cx);
		while (!reopened && (rc = cx_recv(cx, c.sport, c.dport, until, &p)) == 1)
			reopened = p.len > 0 && (int32_t)(p.seq + p.len - c.rcv_nxt) > 0;
		if (rc < 0)
			goto err;
	}
	cx_abort(cx, &c);
	if (check_kept_open(cx, &c, v))
		verdict_zero_window(t, n, closed, watched, reset, reopened, v);
	return;
err:
	cx_abort(cx, &c);
	checks_error(cx, v);
}

void check_challenge_throttle(struct cx *cx, const char *data, struct verdict *v)
{
	struct cx_conn c;
	struct cx_pkt p;
	size_t acks = 0;
	bool reset = false;
	(void)data;
	if (!connect_for(cx, false, &c, v))
		return;
	/* In the peer's window, never at RCV.NXT: each must draw a challenge
	 * ACK (RFC 5961 3.2), unless a throttle holds it back. */
	uint64_t first = cx_now(cx), next = first;
	for (unsigned i = 0; i <= CHALLENGE_RSTS && !reset; i++) {
		uint64_t until = i < CHALLENGE_RSTS ? next : cx_now(cx) + cx_answer_wait(cx);
		int rc;
		while ((rc = cx_recv(cx, c.sport, c.dport, until, &p)) == 1) {
			if (p.flags & TCPF_RST) {
				reset = true;
				break;
			}
			if ((p.flags & TCPF_ACK) && p.len == 0 && p.ack == c.snd_nxt)
				acks++;
		}
		if (rc < 0)
			goto err;
		if (i == CHALLENGE_RSTS || reset)
			break;
		if (cx_send_on(cx, &c, TCPF_RST, c.snd_nxt + 1 + i, 0, NULL, 0) < 0)
			goto err;
		next += CHALLENGE_GAP_NS;
	}
	uint64_t burst = next - CHALLENGE_GAP_NS - first;
	bool open = !reset && cx_data_acked(cx, &c, "still there?\n", cx_answer_wait(cx)) == 1;
	if (*cx->stop)
		goto err;
	cx_abort(cx, &c);
	if (check_kept_open(cx, &c, v))
		verdict_challenge_throttle(CHALLENGE_RSTS, acks, burst, reset, open, v);
	return;
err:
	cx_abort(cx, &c);
	checks_error(cx, v);
}

void check_data_retrans(struct cx *cx, const char *data, struct verdict *v)
{
	struct cx_conn c;
	struct cx_pkt p;
	uint64_t t[3];
	size_t n = 0;
	if (!connect_for(cx, true, &c, v))
		return;
	const char *d = data != NULL ? data : REQUEST;
	if (send_request(cx, &c, d, strlen(d)) < 0)
		goto err;
	/* The peer's first data segment, never acknowledged, and its
	 * retransmissions, watched as the SYN-ACK's are. */
	uint64_t until = cx_now(cx) + cx_answer_wait(cx);
	while (until != 0 && n < 3) {
		int rc = cx_recv(cx, c.sport, c.dport, until, &p);
		if (rc < 0)
			goto err;
		if (rc == 0 || (p.flags & TCPF_RST))
			break;
		if (p.len == 0 || p.seq != c.rcv_nxt)
			continue;
		t[n++] = p.t_ns;
		until = synack_retrans_watch_until(t, n);
	}
	cx_abort(cx, &c);
	if (check_kept_open(cx, &c, v))
		verdict_data_retrans(t, n, v);
	return;
err:
	cx_abort(cx, &c);
	checks_error(cx, v);
}
