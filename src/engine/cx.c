/*
 * cx: the conformance checks' toolkit over the endpoint. See cx.h.
 *
 * Sending, decoding, recording, ISNs, TSvals, the MSS and the evidence
 * timeline are the endpoint's; cx adds what checks need on top: a queue for
 * the peer's segments to ports a check is not reading yet, handshakes, and
 * the bookkeeping of one connection (cx_conn).
 */
#include "config.h"
#include "engine/cx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/segment.h"
#include "core/tcpconst.h"
#include "core/tcpopt.h"

/* The endpoint, set up from the public fields on first use and kept in
 * step with them (the runner changes target between ports). */
static struct endpoint *ep_of(struct cx *cx)
{
	struct endpoint *ep = &cx->ep;
	if (!cx->ep_ready) {
		ep_init(ep, cx->w, cx->stop, cx->isn_state, cx->tsval_base, cx->err, sizeof(cx->err));
		if (cx->t0 != 0)
			ep->ts_t0 = cx->t0;
		cx->ep_ready = true;
	}
	ep->src = cx->src;
	ep->dst = cx->dst;
	ep->port_lo = cx->sport_base;
	ep->nports = cx->nsports;
	ep->ttl = cx->ttl;
	ep->mtu = ep_link_mtu(cx->mtu, cx->mss, cx->dst.family);
	return ep;
}

/* The endpoint's results, where the runner reads them. */
static int sync_back(struct cx *cx, int rc)
{
	cx->ev = cx->ep.tl.seg;
	cx->nev = cx->ep.tl.n;
	cx->ev_t0 = cx->ep.tl.t0;
	cx->evcap = cx->ep.tl.cap;
	cx->bad = cx->ep.bad;
	cx->failed = cx->failed || cx->ep.failed;
	return rc;
}

uint64_t cx_now(struct cx *cx)
{
	return cx->w->ops->now(cx->w->ctx);
}

uint16_t cx_port(struct cx *cx)
{
	uint16_t p = (uint16_t)(cx->sport_base + cx->next % cx->nsports);
	cx->next++;
	return p;
}

uint32_t cx_isn(struct cx *cx)
{
	return ep_isn(ep_of(cx));
}

uint32_t cx_tsval(struct cx *cx)
{
	return ep_tsval(ep_of(cx));
}

void cx_evidence_reset(struct cx *cx)
{
	ep_timeline_reset(ep_of(cx));
	sync_back(cx, 0);
}

int cx_send(struct cx *cx, struct tx_segment *s)
{
	struct endpoint *ep = ep_of(cx);
	int rc = ep_send(ep, s, NULL);
	if (rc < 0 && errno == EMSGSIZE)
		ep_reset_for(ep, s); /* the check errs; nothing stays half-open */
	return sync_back(cx, rc);
}

static void to_pkt(const struct ep_frame *f, struct cx_pkt *p)
{
	const struct segment *seg = &f->seg;
	memset(p, 0, sizeof(*p));
	p->t_ns = f->ts_ns;
	p->sport = seg->sport;
	p->dport = seg->dport;
	p->flags = seg->flags;
	p->reserved = seg->reserved;
	p->seq = seg->seq;
	p->ack = seg->ack;
	p->win = seg->win;
	p->urp = seg->urp;
	p->len = seg->payload_len;
	p->opt = seg->opt;
}

/* Keep a peer segment for whoever reads its port later. */
static void enqueue(struct cx *cx, const struct cx_pkt *p)
{
	if (cx->nqueue < CX_QUEUE)
		cx->queue[cx->nqueue++] = *p;
}

static void take_for_later(void *arg, const struct ep_frame *f)
{
	struct cx_pkt p;
	if (f->dir != EP_IN)
		return;
	to_pkt(f, &p);
	enqueue(arg, &p);
}

int cx_recv(struct cx *cx, uint16_t sport, uint16_t dport, uint64_t deadline, struct cx_pkt *p)
{
	struct endpoint *ep = ep_of(cx);
	for (size_t i = 0; i < cx->nqueue; i++) {
		if (cx->queue[i].dport == sport && cx->queue[i].sport == dport) {
			*p = cx->queue[i];
			memmove(&cx->queue[i], &cx->queue[i + 1], (cx->nqueue - i - 1) * sizeof(*p));
			cx->nqueue--;
			return 1;
		}
	}
	for (;;) {
		struct ep_frame f;
		int rc;
		while ((rc = ep_next(ep, &f)) == 1) {
			if (f.dir != EP_IN)
				continue;
			struct cx_pkt got;
			to_pkt(&f, &got);
			if (got.dport == sport && got.sport == dport) {
				*p = got;
				return sync_back(cx, 1);
			}
			enqueue(cx, &got);
		}
		if (rc < 0 || *cx->stop)
			return sync_back(cx, -1);
		if (cx_now(cx) >= deadline)
			return sync_back(cx, 0);
		if (ep_wait(ep, deadline) < 0)
			return sync_back(cx, -1);
	}
}

long cx_collect(struct cx *cx, uint16_t sport, uint16_t dport, uint64_t dur_ns, struct cx_pkt *out,
		size_t max)
{
	uint64_t until = cx_now(cx) + dur_ns;
	size_t n = 0;
	for (;;) {
		struct cx_pkt p;
		int rc = cx_recv(cx, sport, dport, until, &p);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return (long)n;
		if (n < max)
			out[n++] = p;
	}
}

int cx_pause(struct cx *cx, uint64_t dur_ns)
{
	return sync_back(cx, ep_pause(ep_of(cx), dur_ns, take_for_later, cx));
}

uint64_t cx_answer_wait(const struct cx *cx)
{
	return 4 * cx->rtt_ns + 300 * NS_PER_MS;
}

uint16_t cx_mss(struct cx *cx, const struct cx_conn *c)
{
	const struct tcp_options *o = &c->synack.opt;
	return ep_mss(ep_of(cx), o->mss_present ? o->mss : 0, c->ts);
}

int cx_connect(struct cx *cx, uint16_t dport, const uint8_t *opt, uint8_t optlen, struct cx_conn *c)
{
	struct tx_segment s;
	memset(c, 0, sizeof(*c));
	memset(&s, 0, sizeof(s));
	c->sport = cx_port(cx);
	c->dport = dport;
	c->iss = cx_isn(cx);
	s.sport = c->sport;
	s.dport = dport;
	s.seq = c->iss;
	s.flags = TCPF_SYN;
	s.win = TCP_OUR_WINDOW;
	uint32_t tsval = cx_tsval(cx);
	if (opt != NULL) {
		memcpy(s.opt, opt, optlen);
		s.optlen = optlen;
	} else {
		struct syn_options so = {.mss = true, .sack = true, .ts = true, .wscale = true,
					 .wscale_value = 7};
		s.optlen = (uint8_t)tcpopt_build(&so, cx->mss, tsval, s.opt);
	}
	uint64_t start = cx_now(cx);
	if (cx_send(cx, &s) < 0)
		return -1;
	struct cx_pkt p;
	int rc = cx_recv(cx, c->sport, dport, start + cx_answer_wait(cx) + 700 * NS_PER_MS, &p);
	if (rc <= 0)
		return rc;
	c->synack = p;
	if ((p.flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) != (TCPF_SYN | TCPF_ACK) || p.ack != c->iss + 1)
		return 0;
	if (cx->rtt_ns == 0 && p.t_ns > start)
		cx->rtt_ns = p.t_ns - start;
	c->irs = p.seq;
	c->rcv_nxt = p.seq + 1;
	c->snd_nxt = c->iss + 1;
	c->ts = p.opt.ts_present && (opt == NULL);
	c->ws = p.opt.wscale_present && (opt == NULL);
	c->ts_recent = p.opt.tsval;
	c->peer_win = p.win;
	c->mss = cx_mss(cx, c);
	if (cx_send_on(cx, c, TCPF_ACK, c->snd_nxt, c->rcv_nxt, NULL, 0) < 0)
		return -1;
	return 1;
}

int cx_send_on(struct cx *cx, struct cx_conn *c, uint8_t flags, uint32_t seq, uint32_t ack,
	       const void *data, uint16_t len)
{
	/* What our own path carries, whatever the peer's MSS: a check may
	 * mean to exceed that one, never our MTU. */
	uint16_t room = ep_mss(ep_of(cx), UINT16_MAX, c->ts);
	const uint8_t *p = data;
	uint16_t off = 0;
	do {
		struct tx_segment s;
		uint16_t n = (uint16_t)(len - off > room ? room : len - off);
		bool last = off + n == len;
		memset(&s, 0, sizeof(s));
		s.sport = c->sport;
		s.dport = c->dport;
		s.seq = seq + off;
		s.ack = ack;
		s.flags = last ? flags : (uint8_t)(flags & ~(TCPF_FIN | TCPF_PSH));
		s.win = c->ws ? TCP_OUR_WINDOW >> 7 : TCP_OUR_WINDOW; /* we offer a shift of 7 */
		s.payload = n ? p + off : NULL;
		s.payload_len = n;
		if (c->ts && !(flags & TCPF_RST))
			s.optlen = (uint8_t)tcpopt_build_ts(cx_tsval(cx), c->ts_recent, s.opt);
		if (cx_send(cx, &s) < 0)
			return -1;
		off = (uint16_t)(off + n);
	} while (off < len);
	return 0;
}

bool cx_take(struct cx *cx, struct cx_conn *c, const struct cx_pkt *p, uint32_t seq)
{
	bool fin = false;
	if (p->opt.ts_present)
		c->ts_recent = p->opt.tsval;
	uint32_t end = p->seq + p->len + ((p->flags & TCPF_FIN) ? 1u : 0u);
	if ((int32_t)(p->seq - c->rcv_nxt) <= 0 && (int32_t)(end - c->rcv_nxt) > 0) {
		c->rcv_nxt = end;
		fin = (p->flags & TCPF_FIN) != 0;
	}
	if (p->len > 0 || (p->flags & TCPF_FIN))
		cx_send_on(cx, c, TCPF_ACK, seq, c->rcv_nxt, NULL, 0);
	return fin;
}

int cx_data_acked(struct cx *cx, struct cx_conn *c, const char *data, uint64_t wait_ns)
{
	uint16_t len = (uint16_t)strlen(data);
	if (cx_send_on(cx, c, TCPF_PSH | TCPF_ACK, c->snd_nxt, c->rcv_nxt, data, len) < 0)
		return -1;
	uint32_t want = c->snd_nxt + len;
	uint64_t until = cx_now(cx) + wait_ns;
	for (;;) {
		struct cx_pkt p;
		int rc = cx_recv(cx, c->sport, c->dport, until, &p);
		if (rc <= 0)
			return rc;
		if (p.flags & TCPF_RST)
			return 2;
		cx_take(cx, c, &p, want);
		if ((p.flags & TCPF_ACK) && (int32_t)(p.ack - want) >= 0) {
			c->snd_nxt = want;
			return 1;
		}
	}
}

void cx_abort(struct cx *cx, struct cx_conn *c)
{
	if (c->sport == 0)
		return;
	cx_send_on(cx, c, TCPF_RST | TCPF_ACK, c->snd_nxt, c->rcv_nxt, NULL, 0);
}

void cx_release(struct cx *cx, uint16_t sport, uint16_t dport, uint32_t iss)
{
	struct tx_segment rst;
	memset(&rst, 0, sizeof(rst));
	rst.sport = sport;
	rst.dport = dport;
	rst.seq = iss + 1;
	rst.flags = TCPF_RST;
	cx_send(cx, &rst);
}

int cx_model(struct cx *cx, const struct cx_conn *c, enum conn_close close, struct connmodel *m)
{
	return ep_timeline_model(ep_of(cx), c->sport, c->dport, close, m);
}

int cx_script(struct cx *cx, const struct script *s, uint16_t dport, uint64_t tolerance_ns,
	      struct script_run_result *res)
{
	struct endpoint *ep = ep_of(cx);
	struct script_run_config rc = {
		.sport = cx_port(cx),
		.dport = dport,
		.tolerance_ns = tolerance_ns,
		.answer_timeout_ns = cx_answer_wait(cx),
	};
	return sync_back(cx, script_run(ep, s, &rc, res));
}
