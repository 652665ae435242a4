/*
 * cx: crafted segments out, the peer's answers in, for conform mode.
 * See cx.h.
 */
#include "config.h"
#include "engine/cx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/segment.h"
#include "core/tcpopt.h"

#define NS_PER_MS 1000000ull
#define ENOBUFS_GIVE_UP_NS (5ull * 1000000000ull)

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
	/* xorshift32: distinct, unpredictable enough for our own ISNs. */
	uint32_t x = cx->isn_state ? cx->isn_state : 0x9e3779b9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	cx->isn_state = x;
	return x;
}

uint32_t cx_tsval(struct cx *cx)
{
	return cx->tsval_base + (uint32_t)((cx_now(cx) - cx->t0) / NS_PER_MS);
}

void cx_evidence_reset(struct cx *cx)
{
	cx->nev = 0;
	cx->ev_t0 = cx_now(cx);
}

static void evidence(struct cx *cx, const struct conn_seg *s)
{
	if (cx->nev == cx->evcap) {
		size_t ncap = cx->evcap ? cx->evcap * 2 : 32;
		struct conn_seg *n = realloc(cx->ev, ncap * sizeof(*n));
		if (n == NULL)
			return; /* evidence is for the report; the check goes on */
		cx->ev = n;
		cx->evcap = ncap;
	}
	cx->ev[cx->nev++] = *s;
}

int cx_send(struct cx *cx, struct tx_segment *s)
{
	uint64_t sent_ns, first_fail = 0;
	s->src = cx->src;
	s->dst = cx->dst;
	s->ttl = cx->ttl;
	for (;;) {
		if (cx->w->ops->send(cx->w->ctx, s, &sent_ns) == 0)
			break;
		uint64_t now = cx_now(cx);
		if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
			snprintf(cx->err, sizeof(cx->err), "cannot send: %s", strerror(errno));
			cx->failed = true;
			return -1;
		}
		if (first_fail == 0)
			first_fail = now;
		if (*cx->stop || now - first_fail > ENOBUFS_GIVE_UP_NS) {
			snprintf(cx->err, sizeof(cx->err), "cannot send: the send queue stayed full");
			cx->failed = true;
			return -1;
		}
		cx->w->ops->wait(cx->w->ctx, now + NS_PER_MS);
	}
	struct conn_seg cs = {
		.t_ns = sent_ns, .dir = CONN_OUT, .flags = s->flags, .seq = s->seq,
		.ack = s->ack, .len = s->payload_len, .win = s->win,
	};
	evidence(cx, &cs);
	return 0;
}

static bool in_block(const struct cx *cx, uint16_t port)
{
	return (uint16_t)(port - cx->sport_base) < cx->nsports;
}

/* Decode one frame; 1 with *p when it is a peer segment to our block. */
static int take(struct cx *cx, const struct wire_packet *pkt, struct cx_pkt *p)
{
	struct segment seg;
	enum segment_reason why;
	enum segment_status st = segment_decode(pkt->data, pkt->caplen, pkt->linktype, &seg, &why);
	if (st == SEGMENT_BAD) {
		cx->bad++;
		return 0;
	}
	if (st != SEGMENT_OK || seg.kind != SEGMENT_KIND_TCP)
		return 0;
	if (!netaddr_eq(&seg.src, &cx->dst) || !netaddr_eq(&seg.dst, &cx->src) || !in_block(cx, seg.dport))
		return 0;
	if (cx->w->ops->record)
		cx->w->ops->record(cx->w->ctx, pkt);
	if (seg.tcp_csum == CSUM_BAD)
		return 0;
	memset(p, 0, sizeof(*p));
	p->t_ns = pkt->ts_ns;
	p->sport = seg.sport;
	p->dport = seg.dport;
	p->flags = seg.flags;
	p->reserved = seg.reserved;
	p->seq = seg.seq;
	p->ack = seg.ack;
	p->win = seg.win;
	p->urp = seg.urp;
	p->len = seg.payload_len;
	p->opt = seg.opt;
	return 1;
}

static void log_in(struct cx *cx, const struct cx_pkt *p)
{
	struct conn_seg cs = {
		.t_ns = p->t_ns, .dir = CONN_IN, .flags = p->flags, .seq = p->seq,
		.ack = p->ack, .len = p->len, .win = p->win,
	};
	evidence(cx, &cs);
}

int cx_recv(struct cx *cx, uint16_t sport, uint16_t dport, uint64_t deadline, struct cx_pkt *p)
{
	for (size_t i = 0; i < cx->nqueue; i++) {
		if (cx->queue[i].dport == sport && cx->queue[i].sport == dport) {
			*p = cx->queue[i];
			memmove(&cx->queue[i], &cx->queue[i + 1], (cx->nqueue - i - 1) * sizeof(*p));
			cx->nqueue--;
			log_in(cx, p);
			return 1;
		}
	}
	for (;;) {
		struct wire_packet pkt;
		int rc;
		while ((rc = cx->w->ops->next(cx->w->ctx, &pkt)) == 1) {
			struct cx_pkt got;
			if (!take(cx, &pkt, &got))
				continue;
			if (got.dport == sport && got.sport == dport) {
				*p = got;
				log_in(cx, p);
				return 1;
			}
			if (cx->nqueue < CX_QUEUE)
				cx->queue[cx->nqueue++] = got;
		}
		if (rc < 0) {
			snprintf(cx->err, sizeof(cx->err), "capture failed");
			cx->failed = true;
			return -1;
		}
		if (*cx->stop)
			return -1;
		uint64_t now = cx_now(cx);
		if (now >= deadline)
			return 0;
		if (cx->w->ops->wait(cx->w->ctx, deadline) < 0 && errno != EINTR) {
			snprintf(cx->err, sizeof(cx->err), "wait failed: %s", strerror(errno));
			cx->failed = true;
			return -1;
		}
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

uint64_t cx_answer_wait(const struct cx *cx)
{
	return 4 * cx->rtt_ns + 300 * NS_PER_MS;
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
	s.win = 64240;
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
	if (cx_send_on(cx, c, TCPF_ACK, c->snd_nxt, c->rcv_nxt, NULL, 0) < 0)
		return -1;
	return 1;
}

int cx_send_on(struct cx *cx, struct cx_conn *c, uint8_t flags, uint32_t seq, uint32_t ack,
	       const void *data, uint16_t len)
{
	struct tx_segment s;
	memset(&s, 0, sizeof(s));
	s.sport = c->sport;
	s.dport = c->dport;
	s.seq = seq;
	s.ack = ack;
	s.flags = flags;
	s.win = c->ws ? 501 : 64240; /* 64 KB either way (501 << 7) */
	s.payload = data;
	s.payload_len = len;
	if (c->ts && !(flags & TCPF_RST))
		s.optlen = (uint8_t)tcpopt_build_ts(cx_tsval(cx), c->ts_recent, s.opt);
	return cx_send(cx, &s);
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
