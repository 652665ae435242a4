/*
 * fakewire: a scripted network, capture, clock and TCP peer for the engine
 * tests. See fakewire.h.
 */
#include "config.h"
#include "fakewire.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/netaddr.h"
#include "core/segment.h"
#include "pktbuild.h"

static void enqueue(struct fakewire *f, uint64_t ts, const struct pkt_spec *s, bool from_peer)
{
	assert_true(f->nq < sizeof(f->q) / sizeof(f->q[0]));
	size_t i = f->nq;
	while (i > 0 && f->q[i - 1].ts > ts)
		i--;
	memmove(&f->q[i + 1], &f->q[i], (f->nq - i) * sizeof(f->q[0]));
	f->nq++;
	struct fw_frame *fr = &f->q[i];
	fr->ts = ts;
	fr->from_peer = from_peer;
	fr->good = s->tcp_csum == PKT_CSUM_GOOD;
	fr->has_ack = (s->flags & TCPF_ACK) != 0;
	fr->ack = s->ack;
	fr->len = pkt_build(s, fr->buf, sizeof(fr->buf));
	assert_true(fr->len > 0);
}

/* The peer sends a segment to our port sport, arriving at time at. */
static void peer_tx(struct fakewire *f, uint16_t sport, uint64_t at, uint8_t flags, uint32_t seq,
		    uint32_t ack, const char *data, enum pkt_csum ck)
{
	struct pkt_spec s;
	pkt_defaults(&s);
	s.src = FW_PEER_ADDR;
	s.dst = FW_OUR_ADDR;
	s.sport = 80;
	s.dport = sport;
	s.seq = seq;
	s.ack = ack;
	s.flags = flags;
	s.win = f->p.win;
	if ((flags & TCPF_SYN) && !f->p.no_opts) {
		s.tcp_opts = pkt_linux_synack_opts;
		s.tcp_opts_len = sizeof(pkt_linux_synack_opts);
	}
	s.payload = (const uint8_t *)data;
	s.payload_len = data ? strlen(data) : 0;
	s.tcp_csum = ck;
	enqueue(f, at, &s, true);
}

/* The capture's copy of our own segment, stamped at time at. */
static void own_copy(struct fakewire *f, uint64_t at, const struct tx_segment *seg)
{
	struct pkt_spec s;
	char src[NETADDR_STRLEN], dst[NETADDR_STRLEN];
	pkt_defaults(&s);
	netaddr_str(&seg->src, src, sizeof(src));
	netaddr_str(&seg->dst, dst, sizeof(dst));
	s.src = src;
	s.dst = dst;
	s.sport = seg->sport;
	s.dport = seg->dport;
	s.seq = seg->seq;
	s.ack = seg->ack;
	s.flags = seg->flags;
	s.win = seg->win;
	s.tcp_opts = seg->opt;
	s.tcp_opts_len = seg->optlen;
	s.payload = seg->payload;
	s.payload_len = seg->payload_len;
	s.tcp_csum = seg->bad_csum ? PKT_CSUM_BAD : PKT_CSUM_GOOD;
	enqueue(f, at, &s, false);
}

static struct fw_conn *conn_of(struct fakewire *f, uint16_t sport)
{
	for (size_t i = 0; i < f->nconns; i++)
		if (f->conns[i].sport == sport)
			return &f->conns[i];
	return NULL;
}

/* A new connection on sport (forgetting any old one there). */
static struct fw_conn *conn_new(struct fakewire *f, uint16_t sport)
{
	struct fw_conn *c = conn_of(f, sport);
	if (c == NULL) {
		assert_true(f->nconns < sizeof(f->conns) / sizeof(f->conns[0]));
		c = &f->conns[f->nconns++];
	}
	memset(c, 0, sizeof(*c));
	c->sport = sport;
	c->iss = f->p.vary_iss ? FW_PEER_ISS + (uint32_t)f->nsent * 2654435761u : FW_PEER_ISS;
	return c;
}

/* What a TCP with no connection answers (RFC 9293 §3.10.7.1). */
static void answer_rst(struct fakewire *f, uint64_t at, const struct tx_segment *seg)
{
	if (seg->flags & TCPF_RST)
		return;
	if (seg->flags & TCPF_ACK)
		peer_tx(f, seg->sport, at, TCPF_RST, seg->ack, 0, NULL, PKT_CSUM_GOOD);
	else
		peer_tx(f, seg->sport, at, TCPF_RST | TCPF_ACK, 0,
			seg->seq + seg->payload_len + ((seg->flags & (TCPF_SYN | TCPF_FIN)) ? 1u : 0u),
			NULL, PKT_CSUM_GOOD);
}

/* The peer's reaction to one segment of ours, sent at t (a minimal correct
 * TCP, bent by its script). */
static void peer_react(struct fakewire *f, uint64_t t, const struct tx_segment *seg)
{
	struct fw_script *p = &f->p;
	uint64_t at = t + f->rtt;
	if (p->silent)
		return;
	if (seg->flags & TCPF_SYN) {
		if (p->drop_syns > 0) {
			p->drop_syns--;
			return;
		}
		if (p->refuse) {
			peer_tx(f, seg->sport, at, TCPF_RST | TCPF_ACK, 0, seg->seq + 1, NULL, PKT_CSUM_GOOD);
			return;
		}
		struct fw_conn *c = conn_new(f, seg->sport);
		c->rcv_nxt = seg->seq + 1;
		c->snd_nxt = c->iss + 1;
		if (p->badck_synack)
			peer_tx(f, seg->sport, at - f->rtt / 2, TCPF_SYN | TCPF_ACK, c->iss, seg->seq + 1,
				NULL, PKT_CSUM_BAD);
		peer_tx(f, seg->sport, at, TCPF_SYN | TCPF_ACK, c->iss, seg->seq + 1, NULL, PKT_CSUM_GOOD);
		return;
	}
	struct fw_conn *c = conn_of(f, seg->sport);
	if (c == NULL || c->closed) {
		answer_rst(f, at, seg);
		return;
	}
	if (seg->flags & TCPF_RST) {
		uint32_t off = seg->seq - c->rcv_nxt;
		if (c->synced && off != 0 && off < p->win) {
			if (p->challenge_max == 0 || p->challenges < p->challenge_max) {
				p->challenges++;
				peer_tx(f, seg->sport, at, TCPF_ACK, c->snd_nxt, c->rcv_nxt, NULL,
					PKT_CSUM_GOOD);
				return;
			}
			if (!p->challenge_fails_open)
				return;
		}
		c->closed = true;
		return;
	}
	if (!(seg->flags & TCPF_ACK))
		return;
	if (!c->synced) {
		if (seg->ack != c->iss + 1)
			return;
		c->synced = true;
		if (p->badck_after_hs) {
			peer_tx(f, seg->sport, at - f->rtt / 2, TCPF_RST | TCPF_ACK, c->snd_nxt, seg->seq,
				NULL, PKT_CSUM_BAD);
			peer_tx(f, seg->sport, at - f->rtt / 2, TCPF_PSH | TCPF_ACK, c->snd_nxt, seg->seq,
				"evil", PKT_CSUM_BAD);
		}
		if (p->send_data) {
			peer_tx(f, seg->sport, at, TCPF_PSH | TCPF_ACK, c->snd_nxt, c->rcv_nxt, p->send_data,
				PKT_CSUM_GOOD);
			c->snd_nxt += (uint32_t)strlen(p->send_data);
			peer_tx(f, seg->sport, at, TCPF_FIN | TCPF_ACK, c->snd_nxt, c->rcv_nxt, NULL,
				PKT_CSUM_GOOD);
			c->fin_seq = c->snd_nxt++;
			c->fin_sent = true;
		}
	}
	/* LAST_ACK answered: the connection is gone, and what comes next
	 * draws a RST. A peer scripted to resend its FIN never saw this ACK. */
	if (c->passive && c->fin_sent && seg->ack == c->fin_seq + 1 && !p->fin_again_after) {
		c->closed = true;
		return;
	}
	if (seg->payload_len > 0) {
		if (p->drop_data > 0) {
			p->drop_data--;
			return;
		}
		/* Take what lies at rcv_nxt (trimming what is repeated). */
		uint32_t off = c->rcv_nxt - seg->seq;
		if ((int32_t)off >= 0 && off < seg->payload_len) {
			size_t n = seg->payload_len - off;
			assert_true(p->nrcvd + n < sizeof(p->rcvd));
			memcpy(p->rcvd + p->nrcvd, seg->payload + off, n);
			p->nrcvd += n;
			c->rcv_nxt += (uint32_t)n;
		}
		if (!(seg->flags & TCPF_FIN))
			peer_tx(f, seg->sport, at + p->ack_delay, TCPF_ACK, c->snd_nxt, c->rcv_nxt, NULL,
				PKT_CSUM_GOOD);
	}
	if (seg->flags & TCPF_FIN) {
		if (p->drop_fins > 0) {
			p->drop_fins--;
			return;
		}
		if (seg->seq + seg->payload_len == c->rcv_nxt)
			c->rcv_nxt++;
		peer_tx(f, seg->sport, at, TCPF_ACK, c->snd_nxt, c->rcv_nxt, NULL, PKT_CSUM_GOOD);
		if (!p->never_fin && !c->fin_sent) {
			c->passive = true;
			c->fin_seq = c->snd_nxt++;
			c->fin_sent = true;
			peer_tx(f, seg->sport, at, TCPF_FIN | TCPF_ACK, c->fin_seq, c->rcv_nxt, NULL,
				PKT_CSUM_GOOD);
			if (p->fin_again_after)
				peer_tx(f, seg->sport, at + p->fin_again_after, TCPF_FIN | TCPF_ACK, c->fin_seq,
					c->rcv_nxt, NULL, PKT_CSUM_GOOD);
		}
	}
}

static int fw_send(void *ctx, const struct tx_segment *seg, uint64_t *sent_ns)
{
	struct fakewire *f = ctx;
	f->sends_tried++;
	if (f->enobufs > 0) {
		f->enobufs--;
		errno = ENOBUFS;
		return -1;
	}
	if (f->mtu != 0 && 20u + 20u + seg->optlen + seg->payload_len > f->mtu) {
		errno = EMSGSIZE;
		return -1;
	}
	assert_true(f->nsent < sizeof(f->sent) / sizeof(f->sent[0]));
	uint64_t t = f->now;
	struct fw_sent *s = &f->sent[f->nsent++];
	s->seg = *seg;
	s->seg.payload = NULL; /* borrowed: not kept */
	s->t = t;
	if (seg->payload_len > 0 && f->una_set) {
		uint32_t inflight = seg->seq + seg->payload_len - f->una_seen;
		if (inflight > f->max_inflight)
			f->max_inflight = inflight;
	}
	own_copy(f, t, seg);
	peer_react(f, t, seg);
	f->now += f->send_cost; /* the call returns later than the frame left */
	*sent_ns = f->now;
	return 0;
}

static int fw_wait(void *ctx, uint64_t deadline)
{
	struct fakewire *f = ctx;
	uint64_t to = deadline;
	int rc = 0;
	if (f->nq > 0 && f->q[0].ts <= deadline) {
		to = f->q[0].ts;
		rc = 1;
	}
	if (to < f->now)
		to = f->now;
	if (f->stop != NULL && f->stop_at != 0 && to >= f->stop_at) {
		f->now = f->stop_at > f->now ? f->stop_at : f->now;
		f->idle_calls = 0;
		*f->stop = 1;
		errno = EINTR;
		return -1;
	}
	if (to > f->now)
		f->idle_calls = 0;
	f->now = to;
	if (f->now - FW_T0 > 1000 * FW_SEC)
		fail_msg("the engine waits forever");
	return rc;
}

static int fw_next(void *ctx, struct wire_packet *pkt)
{
	struct fakewire *f = ctx;
	if (f->nq == 0 || f->q[0].ts > f->now)
		return 0;
	f->cur = f->q[0];
	memmove(&f->q[0], &f->q[1], (f->nq - 1) * sizeof(f->q[0]));
	f->nq--;
	f->idle_calls = 0;
	if (f->cur.from_peer && f->cur.good && f->cur.has_ack &&
	    (!f->una_set || (int32_t)(f->cur.ack - f->una_seen) > 0)) {
		f->una_seen = f->cur.ack;
		f->una_set = true;
	}
	pkt->data = f->cur.buf;
	pkt->caplen = f->cur.len;
	pkt->linktype = SEGMENT_LINK_RAW;
	pkt->ts_ns = f->cur.ts;
	return 1;
}

static uint64_t fw_now(void *ctx)
{
	struct fakewire *f = ctx;
	if (++f->idle_calls > 100000)
		fail_msg("the engine spins without waiting");
	return f->now;
}

static void fw_record(void *ctx, const struct wire_packet *pkt)
{
	struct fakewire *f = ctx;
	(void)pkt;
	f->records++;
}

static const struct wire_ops fw_ops = {
	.send = fw_send, .wait = fw_wait, .next = fw_next, .now = fw_now, .record = fw_record,
};

struct fakewire *fw_new(void)
{
	struct fakewire *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->now = FW_T0;
	f->rtt = 10 * FW_MS;
	f->p.win = 64240;
	return f;
}

void fw_bind(struct fakewire *f, struct wire *w)
{
	w->ops = &fw_ops;
	w->ctx = f;
}

uint64_t fw_sent_at(const struct fakewire *f, size_t i)
{
	assert_true(i < f->nsent);
	return f->sent[i].t - FW_T0;
}

long fw_find(const struct fakewire *f, size_t from, uint8_t flags)
{
	for (size_t i = from; i < f->nsent; i++)
		if (f->sent[i].seg.flags == flags)
			return (long)i;
	return -1;
}
