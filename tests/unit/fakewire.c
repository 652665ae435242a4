/*
 * fakewire: a scripted network, capture, clock and TCP peer for the engine
 * tests. See fakewire.h.
 */
#include "config.h"
#include "fakewire.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "core/netaddr.h"
#include "core/segment.h"
#include "pktbuild.h"

/* Whether the next segment is lost to random loss (loss_pct). */
static bool lost(struct fakewire *f)
{
	if (f->loss_pct == 0)
		return false;
	if (f->loss_rng == 0)
		f->loss_rng = 0x9e3779b97f4a7c15ull;
	/* xorshift64* */
	f->loss_rng ^= f->loss_rng >> 12;
	f->loss_rng ^= f->loss_rng << 25;
	f->loss_rng ^= f->loss_rng >> 27;
	return (f->loss_rng * 0x2545f4914f6cdd1dull >> 32) % 100 < f->loss_pct;
}

static void enqueue(struct fakewire *f, uint64_t ts, const struct pkt_spec *s, bool from_peer)
{
	if (from_peer && lost(f))
		return; /* the peer's segment lost on the way */
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

/* pkt_defaults, then the addresses and ports of our segment seg: as it
 * went (back false), or swapped, for the peer's answer to it (back true).
 * src and dst hold the text s points to. */
static void spec_of(struct pkt_spec *s, const struct tx_segment *seg, bool back,
		    char src[NETADDR_STRLEN], char dst[NETADDR_STRLEN])
{
	pkt_defaults(s);
	netaddr_str(back ? &seg->dst : &seg->src, src, NETADDR_STRLEN);
	netaddr_str(back ? &seg->src : &seg->dst, dst, NETADDR_STRLEN);
	s->src = src;
	s->dst = dst;
	s->sport = back ? seg->dport : seg->sport;
	s->dport = back ? seg->sport : seg->dport;
}

/* The peer answers our segment to with one of its own, arriving at time
 * at: from the address and port to went to, to where it came from. Its
 * RSTs advertise no window, as Linux's do. */
static void peer_tx(struct fakewire *f, const struct tx_segment *to, uint64_t at, uint8_t flags,
		    uint32_t seq, uint32_t ack, const char *data, enum pkt_csum ck)
{
	struct pkt_spec s;
	char src[NETADDR_STRLEN], dst[NETADDR_STRLEN];
	spec_of(&s, to, true, src, dst);
	s.seq = seq;
	s.ack = ack;
	s.flags = flags;
	s.win = (flags & TCPF_RST) ? 0 : f->p.win;
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
	spec_of(&s, seg, false, src, dst);
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

/* The connection our segment seg belongs to, or NULL. */
static struct fw_conn *conn_of(struct fakewire *f, const struct tx_segment *seg)
{
	for (size_t i = 0; i < f->nconns; i++)
		if (f->conns[i].sport == seg->sport && f->conns[i].dport == seg->dport)
			return &f->conns[i];
	return NULL;
}

/* A new connection for seg's ports (forgetting any old one there). */
static struct fw_conn *conn_new(struct fakewire *f, const struct tx_segment *seg)
{
	struct fw_conn *c = conn_of(f, seg);
	if (c == NULL) {
		assert_true(f->nconns < sizeof(f->conns) / sizeof(f->conns[0]));
		c = &f->conns[f->nconns++];
	}
	memset(c, 0, sizeof(*c));
	c->sport = seg->sport;
	c->dport = seg->dport;
	c->iss = f->p.vary_iss ? FW_PEER_ISS + (uint32_t)f->nsent * 2654435761u : FW_PEER_ISS;
	return c;
}

/* What a TCP with no connection answers (RFC 9293 §3.10.7.1). */
static void answer_rst(struct fakewire *f, uint64_t at, const struct tx_segment *seg)
{
	if (seg->flags & TCPF_RST)
		return;
	if (seg->flags & TCPF_ACK)
		peer_tx(f, seg, at, TCPF_RST, seg->ack, 0, NULL, PKT_CSUM_GOOD);
	else
		peer_tx(f, seg, at, TCPF_RST | TCPF_ACK, 0,
			seg->seq + seg->payload_len + ((seg->flags & (TCPF_SYN | TCPF_FIN)) ? 1u : 0u),
			NULL, PKT_CSUM_GOOD);
}

/* A port that is not the scripted TCP peer: its answer to seg, sent at t,
 * arriving at. */
static void port_react(struct fakewire *f, enum fw_port_beh b, uint64_t t, uint64_t at,
		       const struct tx_segment *seg)
{
	if (b == FW_PORT_SLIRP && seg->flags == TCPF_RST) {
		peer_tx(f, seg, at, TCPF_RST | TCPF_ACK, 0, seg->seq, NULL, PKT_CSUM_GOOD);
		return;
	}
	if (seg->flags != TCPF_SYN)
		return;
	uint32_t iss = FW_PEER_ISS, ack = seg->seq + 1;
	switch (b) {
	case FW_PORT_TCP:
	case FW_PORT_DROP:
		break;
	case FW_PORT_CLOSED:
		peer_tx(f, seg, at, TCPF_RST | TCPF_ACK, 0, ack, NULL, PKT_CSUM_GOOD);
		break;
	case FW_PORT_ICMP: {
		struct pkt_spec syn, icmp;
		char us[NETADDR_STRLEN], it[NETADDR_STRLEN], it2[NETADDR_STRLEN], us2[NETADDR_STRLEN];
		bool v6 = seg->dst.family == AF_INET6;
		spec_of(&syn, seg, false, us, it);
		syn.seq = seg->seq;
		syn.ack = 0;
		syn.flags = seg->flags;
		spec_of(&icmp, seg, true, it2, us2);
		icmp.l4 = PKT_L4_ICMP;
		icmp.icmp_type = v6 ? 1 : 3;  /* destination unreachable */
		icmp.icmp_code = v6 ? 1 : 13; /* administratively prohibited */
		icmp.quote = &syn;
		enqueue(f, at, &icmp, true);
		break;
	}
	case FW_PORT_BADCK:
		peer_tx(f, seg, at, TCPF_SYN | TCPF_ACK, iss, ack, NULL, PKT_CSUM_BAD);
		break;
	case FW_PORT_OPEN:
		peer_tx(f, seg, at, TCPF_SYN | TCPF_ACK, iss, ack, NULL, PKT_CSUM_GOOD);
		break;
	case FW_PORT_DUP:
		peer_tx(f, seg, at, TCPF_SYN | TCPF_ACK, iss, ack, NULL, PKT_CSUM_GOOD);
		peer_tx(f, seg, at + 5 * FW_US, TCPF_SYN | TCPF_ACK, iss, ack, NULL, PKT_CSUM_GOOD);
		break;
	case FW_PORT_WRONG_ACK:
		peer_tx(f, seg, at, TCPF_SYN | TCPF_ACK, iss, ack + 99, NULL, PKT_CSUM_GOOD);
		break;
	case FW_PORT_WRONG_SRC: {
		struct tx_segment other = *seg;
		assert_int_equal(netaddr_parse(FW_OTHER_ADDR, &other.dst), 0);
		peer_tx(f, &other, at, TCPF_SYN | TCPF_ACK, iss, ack, NULL, PKT_CSUM_GOOD);
		break;
	}
	case FW_PORT_SLIRP: {
		peer_tx(f, seg, at, TCPF_SYN | TCPF_ACK, iss, ack, NULL, PKT_CSUM_GOOD);
		/* Our kernel's RST (seq = the SYN-ACK's ack), in the capture at
		 * once, and the peer's answer to it a RTT later. */
		struct tx_segment krst;
		memset(&krst, 0, sizeof(krst));
		krst.src = seg->src;
		krst.dst = seg->dst;
		krst.sport = seg->sport;
		krst.dport = seg->dport;
		krst.seq = ack;
		krst.flags = TCPF_RST;
		own_copy(f, at + 1 * FW_US, &krst);
		peer_tx(f, seg, at + 2 * FW_US + (at - t), TCPF_RST | TCPF_ACK, 0, ack, NULL, PKT_CSUM_GOOD);
		break;
	}
	}
}

/* The peer's reaction to one segment of ours, sent at t (a minimal correct
 * TCP, bent by its script, unless its port behaves otherwise). */
static void peer_react(struct fakewire *f, uint64_t t, const struct tx_segment *seg)
{
	struct fw_script *p = &f->p;
	uint64_t at = t + (f->port_rtt[seg->dport] ? f->port_rtt[seg->dport] : f->rtt);
	if (f->service_ns > 0) {
		uint64_t start = t > f->server_free ? t : f->server_free;
		f->server_free = start + f->service_ns;
		at += f->server_free - t; /* its wait in line and its service */
	}
	enum fw_port_beh b = (enum fw_port_beh)f->port_beh[seg->dport];
	if (seg->flags == TCPF_SYN && f->lose_syn_every && ++f->syns_seen % f->lose_syn_every == 0)
		return; /* lost on the way: a sweep under loss */
	if (b != FW_PORT_TCP) {
		port_react(f, b, t, at, seg);
		return;
	}
	if (p->silent)
		return;
	if (seg->flags & TCPF_SYN) {
		if (p->drop_syns > 0) {
			p->drop_syns--;
			return;
		}
		if (p->refuse) {
			peer_tx(f, seg, at, TCPF_RST | TCPF_ACK, 0, seg->seq + 1, NULL, PKT_CSUM_GOOD);
			return;
		}
		struct fw_conn *c = conn_new(f, seg);
		c->rcv_nxt = seg->seq + 1;
		c->snd_nxt = c->iss + 1;
		if (p->badck_synack)
			peer_tx(f, seg, at - f->rtt / 2, TCPF_SYN | TCPF_ACK, c->iss, seg->seq + 1,
				NULL, PKT_CSUM_BAD);
		peer_tx(f, seg, at, TCPF_SYN | TCPF_ACK, c->iss, seg->seq + 1, NULL, PKT_CSUM_GOOD);
		return;
	}
	struct fw_conn *c = conn_of(f, seg);
	if (c == NULL || c->closed) {
		answer_rst(f, at, seg);
		return;
	}
	if (seg->flags & TCPF_RST) {
		uint32_t off = seg->seq - c->rcv_nxt;
		if (c->synced && off != 0 && off < p->win) {
			if (p->challenge_max == 0 || p->challenges < p->challenge_max) {
				p->challenges++;
				peer_tx(f, seg, at, TCPF_ACK, c->snd_nxt, c->rcv_nxt, NULL,
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
			peer_tx(f, seg, at - f->rtt / 2, TCPF_RST | TCPF_ACK, c->snd_nxt, seg->seq,
				NULL, PKT_CSUM_BAD);
			peer_tx(f, seg, at - f->rtt / 2, TCPF_PSH | TCPF_ACK, c->snd_nxt, seg->seq,
				"evil", PKT_CSUM_BAD);
		}
		if (p->send_data) {
			peer_tx(f, seg, at, TCPF_PSH | TCPF_ACK, c->snd_nxt, c->rcv_nxt, p->send_data,
				PKT_CSUM_GOOD);
			c->snd_nxt += (uint32_t)strlen(p->send_data);
			peer_tx(f, seg, at, TCPF_FIN | TCPF_ACK, c->snd_nxt, c->rcv_nxt, NULL,
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
		/* Its application closed first and reads no more: new data
		 * that still comes aborts the connection, as Linux and lwIP do
		 * (an unacceptable segment is still only acknowledged). */
		uint32_t at_nxt = c->rcv_nxt - seg->seq;
		bool fresh = (int32_t)at_nxt >= 0 && at_nxt < seg->payload_len;
		if (p->rst_data_after_close && c->fin_sent && !c->passive && fresh) {
			peer_tx(f, seg, at, TCPF_RST | TCPF_ACK, c->snd_nxt, c->rcv_nxt, NULL,
				PKT_CSUM_GOOD);
			c->closed = true;
			return;
		}
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
			peer_tx(f, seg, at + p->ack_delay, TCPF_ACK, c->snd_nxt, c->rcv_nxt, NULL, PKT_CSUM_GOOD);
	}
	if (seg->flags & TCPF_FIN) {
		if (p->drop_fins > 0) {
			p->drop_fins--;
			return;
		}
		if (seg->seq + seg->payload_len == c->rcv_nxt)
			c->rcv_nxt++;
		peer_tx(f, seg, at, TCPF_ACK, c->snd_nxt, c->rcv_nxt, NULL, PKT_CSUM_GOOD);
		if (!p->never_fin && !c->fin_sent) {
			c->passive = true;
			c->fin_seq = c->snd_nxt++;
			c->fin_sent = true;
			peer_tx(f, seg, at, TCPF_FIN | TCPF_ACK, c->fin_seq, c->rcv_nxt, NULL,
				PKT_CSUM_GOOD);
			if (p->fin_again_after)
				peer_tx(f, seg, at + p->fin_again_after, TCPF_FIN | TCPF_ACK, c->fin_seq,
					c->rcv_nxt, NULL, PKT_CSUM_GOOD);
		}
	}
}

/* As a signal handler would: *stop, and the test's hook. */
static void fw_stop(struct fakewire *f)
{
	*f->stop = 1;
	if (f->on_stop != NULL)
		f->on_stop(f->on_stop_arg);
}

static int fw_send(void *ctx, const struct tx_segment *seg, uint64_t *sent_ns)
{
	struct fakewire *f = ctx;
	unsigned call = f->sends_tried++;
	if (f->stop != NULL && f->stop_tries != 0 && f->sends_tried == f->stop_tries)
		fw_stop(f);
	if (f->enobufs > 0 && call >= f->enobufs_from) {
		if (f->enobufs != UINT_MAX)
			f->enobufs--;
		errno = ENOBUFS;
		return -1;
	}
	if (f->mtu != 0 && 20u + 20u + seg->optlen + seg->payload_len > f->mtu) {
		errno = EMSGSIZE;
		return -1;
	}
	if (f->stall_every != 0 && f->sends_tried % f->stall_every == 0)
		f->now += f->stall_ns; /* off the core before the frame left */
	uint64_t t = f->now;
	f->nsent_all++;
	if (seg->flags == TCPF_SYN && (t - FW_T0) / FW_SEC < FW_SECS)
		f->syns_by_sec[(t - FW_T0) / FW_SEC]++;
	f->idle_calls = 0; /* a send is progress, not a spin */
	if (f->nsent < FW_SENT_MAX) {
		struct fw_sent *s = &f->sent[f->nsent++];
		s->seg = *seg;
		s->seg.payload = NULL; /* borrowed: not kept */
		s->t = t;
	}
	if (seg->payload_len > 0 && f->una_set) {
		uint32_t inflight = seg->seq + seg->payload_len - f->una_seen;
		if (inflight > f->max_inflight)
			f->max_inflight = inflight;
	}
	if (!f->no_own_copy)
		own_copy(f, t, seg);
	if (!lost(f))
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
		fw_stop(f);
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
