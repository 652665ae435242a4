/*
 * session: connect mode's engine, a minimal TCP endpoint made of crafted
 * segments.
 *
 * One connection at a time, one loop: read the capture, act on what came
 * (acknowledge the peer's bytes and FIN at once, cumulatively; answer a
 * resent SYN-ACK or FIN; follow the peer's window), run the timers (our
 * retransmission with exponential backoff, the phase's give-up time, the
 * moment to close, TIME_WAIT), and sleep until the next of them. Segments
 * both ways go to connmodel, which keeps both ends' states and judges the
 * peer; the engine decides what to send from our state in that model.
 *
 * Closes (RFC 9293 §3.6):
 *   active   after --data is acknowledged and the peer has gone quiet, FIN;
 *            then wait for the ACK of it and the peer's FIN, ACK that, and
 *            hold TIME_WAIT briefly, answering a resent FIN with an ACK.
 *   half     FIN right after --data, so whatever the peer sends back comes
 *            after our FIN: the half-close is exercised.
 *   passive  wait for the peer's FIN, ACK it, then send ours (LAST_ACK).
 *   rst      abort with RST once --data is acknowledged, then watch that
 *            the peer goes quiet.
 */
#include "config.h"
#include "engine/session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "core/connmodel.h"
#include "core/segment.h"
#include "core/stats.h"
#include "core/tcpopt.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull
#define MSL_NS (120ull * NS_PER_S) /* RFC 9293 §3.4.2: MSL is two minutes */
#define RTO_INITIAL_NS NS_PER_S    /* RFC 6298 §2.1 */
#define RTO_MAX_NS (60ull * NS_PER_S)
#define ENOBUFS_BACKOFF_NS NS_PER_MS
#define ENOBUFS_GIVE_UP_NS (5ull * NS_PER_S)
#define DEFAULT_PEER_MSS 536 /* RFC 9293 §3.7.1 when the SYN-ACK names none */
#define OUR_WINDOW 64240     /* Linux's initial window, in bytes */
#define RX_KEEP (64u << 10)  /* --print-data keeps this much of the peer's bytes */

enum phase {
	PH_SYN,       /* waiting for the SYN-ACK */
	PH_ESTAB,     /* sending --data, waiting for the moment to close */
	PH_CLOSING,   /* our FIN (or the peer's) is out; the close runs */
	PH_TIME_WAIT, /* we hold TIME_WAIT for a while */
	PH_RST_QUIET, /* we reset; the peer must go quiet */
	PH_DONE,
};

struct conn {
	const struct session_config *cfg;
	const struct wire *w;
	const volatile sig_atomic_t *stop;
	const struct target *t;
	uint16_t port, sport, mss_offer;
	const struct netaddr *src;
	struct connmodel m;
	enum phase ph;
	enum handshake hs;
	bool hs_done;
	uint64_t t0, now;
	bool t0_wire; /* t0 is the capture's time of our first SYN */
	uint64_t timeout_ns, rto0, rto, settle_ns, linger_ns, quiet_ns;
	uint64_t rtx_at, deadline, last_progress;
	uint32_t iss, snd_nxt, data_end;
	const uint8_t *data;
	/* What the SYN-ACK negotiated. */
	uint16_t peer_mss;
	uint8_t peer_wscale;
	bool ts_ok;
	uint32_t ts_recent, peer_wnd;
	/* RTT: SYN-ACK minus the kernel's (or our) timestamp of the last SYN. */
	uint64_t syn_user_ns, syn_kernel_ns;
	double rtt_ms;
	bool rtt_valid;
	enum ts_source tss;
	/* Our RSTs sent, and RSTs from our port the capture showed: more seen
	 * than sent means the local kernel reset the connection. */
	uint32_t rst_sent, rst_seen;
	const char *cause;
	uint64_t tw_enter, tw_held;
	uint8_t icmp_type, icmp_code;
	struct netaddr icmp_from;
	uint8_t *rx; /* --print-data: the peer's bytes by offset, RX_KEEP of them */
	unsigned long *bad;
	char *err;
	size_t errlen;
	bool failed;
};

static uint64_t now_ns(struct conn *c)
{
	c->now = c->w->ops->now(c->w->ctx);
	return c->now;
}

/* Our timestamp clock: milliseconds, from a random base (RFC 7323 §5.4). */
static uint32_t tsval(struct conn *c)
{
	return c->cfg->tsval_base + (uint32_t)((c->now - c->t0) / NS_PER_MS);
}

static int send_retrying(struct conn *c, const struct tx_segment *s, uint64_t *sent_ns)
{
	uint64_t first_fail = 0;
	for (;;) {
		if (c->w->ops->send(c->w->ctx, s, sent_ns) == 0)
			return 0;
		if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
			break;
		uint64_t now = now_ns(c);
		if (first_fail == 0)
			first_fail = now;
		if (*c->stop || now - first_fail > ENOBUFS_GIVE_UP_NS)
			break;
		/* The interface queue is full: give it a moment. */
		c->w->ops->wait(c->w->ctx, now + ENOBUFS_BACKOFF_NS);
	}
	if (!c->failed) {
		char abuf[NETADDR_STRLEN];
		snprintf(c->err, c->errlen, "cannot send to %s port %u: %s",
			 netaddr_str(&c->t->addr, abuf, sizeof(abuf)), c->port, strerror(errno));
	}
	c->failed = true;
	c->ph = PH_DONE;
	return -1;
}

/* Send one segment of ours and log it. ACK segments carry rcv_nxt. */
static int tx(struct conn *c, uint8_t flags, uint32_t seq, const uint8_t *payload, uint16_t len)
{
	struct tx_segment s;
	uint64_t sent_ns;
	memset(&s, 0, sizeof(s));
	s.src = *c->src;
	s.dst = c->t->addr;
	s.sport = c->sport;
	s.dport = c->port;
	s.seq = seq;
	s.flags = flags;
	s.ack = (flags & TCPF_ACK) ? c->m.rcv_nxt : 0;
	s.ttl = (uint8_t)c->cfg->opt->ttl;
	s.payload = payload;
	s.payload_len = len;
	now_ns(c);
	if (flags & TCPF_SYN) {
		s.win = OUR_WINDOW;
		s.optlen = (uint8_t)tcpopt_build(&c->cfg->opt->syn, c->mss_offer, tsval(c), s.opt);
	} else {
		/* With window scaling agreed, our 16 bits count units of 2^ws. */
		bool ws = c->cfg->opt->syn.wscale && c->peer_wscale != 0xff;
		s.win = ws ? (uint16_t)(OUR_WINDOW >> c->cfg->opt->syn.wscale_value) : OUR_WINDOW;
		if (c->ts_ok && !(flags & TCPF_RST))
			s.optlen = (uint8_t)tcpopt_build_ts(tsval(c), c->ts_recent, s.opt);
	}
	if (send_retrying(c, &s, &sent_ns) < 0)
		return -1;
	c->now = sent_ns;
	if (flags & TCPF_RST)
		c->rst_sent++;
	struct conn_seg cs = {
		.t_ns = sent_ns, .dir = CONN_OUT, .flags = flags, .seq = seq,
		.ack = s.ack, .len = len, .win = s.win,
	};
	connmodel_add(&c->m, &cs);
	return 0;
}

static void send_ack(struct conn *c)
{
	tx(c, TCPF_ACK, c->snd_nxt, NULL, 0);
}

static bool unacked(const struct conn *c)
{
	return c->m.have_iss && seq_lt(c->m.snd_una, c->snd_nxt);
}

static void arm_rtx(struct conn *c)
{
	if (!unacked(c))
		c->rtx_at = 0;
	else if (c->rtx_at == 0)
		c->rtx_at = c->now + c->rto;
}

/* Send what the peer's window lets us of --data, in segments of its MSS. */
static void push_data(struct conn *c)
{
	while (c->ph != PH_DONE && seq_lt(c->snd_nxt, c->data_end)) {
		uint32_t wnd_end = c->m.snd_una + c->peer_wnd;
		if (!seq_lt(c->snd_nxt, wnd_end))
			break; /* the window is full; its ACKs reopen it */
		uint32_t n = c->data_end - c->snd_nxt;
		if (n > c->peer_mss)
			n = c->peer_mss;
		if (n > wnd_end - c->snd_nxt)
			n = wnd_end - c->snd_nxt;
		const uint8_t *p = c->data + (c->snd_nxt - c->iss - 1);
		if (tx(c, TCPF_PSH | TCPF_ACK, c->snd_nxt, p, (uint16_t)n) < 0)
			return;
		c->snd_nxt += n;
	}
	arm_rtx(c);
}

static void send_fin(struct conn *c)
{
	if (c->m.fin_sent || seq_lt(c->snd_nxt, c->data_end))
		return;
	if (tx(c, TCPF_FIN | TCPF_ACK, c->snd_nxt, NULL, 0) < 0)
		return;
	c->snd_nxt++;
	c->ph = PH_CLOSING;
	c->last_progress = c->now;
	arm_rtx(c);
}

/* The oldest thing not acknowledged goes again (RFC 6298 §5.4-5.6). */
static void retransmit(struct conn *c)
{
	uint32_t una = c->m.snd_una;
	if (!c->hs_done) {
		tx(c, TCPF_SYN, c->iss, NULL, 0);
		c->syn_user_ns = c->now;
		c->syn_kernel_ns = 0;
	} else if (seq_lt(una, c->data_end)) {
		uint32_t n = c->data_end - una;
		if (n > c->peer_mss)
			n = c->peer_mss;
		/* Within its window too; a closed window still gets one byte,
		 * the probe of RFC 9293 §3.8.6.1. */
		if (n > c->peer_wnd)
			n = c->peer_wnd ? c->peer_wnd : 1;
		tx(c, TCPF_PSH | TCPF_ACK, una, c->data + (una - c->iss - 1), (uint16_t)n);
	} else if (c->m.fin_sent && !c->m.fin_acked) {
		tx(c, TCPF_FIN | TCPF_ACK, c->m.fin_seq, NULL, 0);
	}
	c->rto = c->rto * 2 > RTO_MAX_NS ? RTO_MAX_NS : c->rto * 2;
	c->rtx_at = c->now + c->rto;
}

static void handshake_done(struct conn *c, const struct segment *seg, const struct wire_packet *pkt)
{
	c->hs = HS_OK;
	c->hs_done = true;
	if (c->syn_kernel_ns != 0 && pkt->ts_ns >= c->syn_kernel_ns) {
		c->rtt_ms = (double)(pkt->ts_ns - c->syn_kernel_ns) / (double)NS_PER_MS;
		c->tss = TS_KERNEL;
	} else {
		c->rtt_ms = pkt->ts_ns >= c->syn_user_ns
				    ? (double)(pkt->ts_ns - c->syn_user_ns) / (double)NS_PER_MS
				    : 0.0;
		c->tss = TS_USER;
	}
	c->rtt_valid = true;
	const struct syn_options *so = &c->cfg->opt->syn;
	c->peer_mss = seg->opt.mss_present && seg->opt.mss > 0 ? seg->opt.mss : DEFAULT_PEER_MSS;
	/* RFC 7323 §2.2: scaling only when both SYNs carried the option. */
	c->peer_wscale = so->wscale && seg->opt.wscale_present
				 ? (seg->opt.wscale > 14 ? 14 : seg->opt.wscale)
				 : 0xff;
	c->ts_ok = so->ts && seg->opt.ts_present;
	/* The MSS counts no TCP options (RFC 9293 §3.7.1): timestamps in every
	 * segment take 12 of its bytes. */
	if (c->ts_ok && c->peer_mss > 12 + 1)
		c->peer_mss = (uint16_t)(c->peer_mss - 12);
	c->peer_wnd = seg->win; /* a SYN's window is never scaled */
	c->rto = c->rto0;
	c->rtx_at = 0;
	uint64_t rtt_ns = (uint64_t)(c->rtt_ms * (double)NS_PER_MS);
	c->m.rst_transit_ns = 2 * rtt_ns + 50 * NS_PER_MS;
	/* Let a request's answer come before an active close: a few RTTs. */
	c->settle_ns = 4 * rtt_ns + 20 * NS_PER_MS;
	if (c->settle_ns > c->timeout_ns)
		c->settle_ns = c->timeout_ns;
	c->ph = PH_ESTAB;
	c->last_progress = c->now;
	send_ack(c);
	push_data(c);
	/* half: FIN right after the data. active without data: nothing to
	 * wait for, so the FIN follows our ACK at once, before anything the
	 * peer sends can be read. */
	if (c->cfg->opt->close == CLOSE_HALF ||
	    (c->cfg->opt->close == CLOSE_ACTIVE && c->data_end == c->iss + 1))
		send_fin(c);
}

static void on_peer_segment(struct conn *c, const struct segment *seg, const struct wire_packet *pkt)
{
	uint8_t fl = seg->flags;
	bool synack = (fl & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == (TCPF_SYN | TCPF_ACK);
	if (!c->hs_done) {
		/* In SYN_SENT only what acknowledges our SYN is ours (§3.10.7.3). */
		bool ours = (fl & TCPF_ACK) && seg->ack == c->iss + 1;
		if (!ours || !(synack || (fl & TCPF_RST)))
			return;
	}
	uint32_t una_before = c->m.snd_una, rcv_before = c->m.rcv_nxt;
	struct conn_seg cs = {
		.t_ns = pkt->ts_ns, .dir = CONN_IN, .flags = fl, .seq = seg->seq,
		.ack = seg->ack, .len = seg->payload_len, .win = seg->win,
	};
	if (connmodel_add(&c->m, &cs) < 0) {
		snprintf(c->err, c->errlen, "out of memory");
		c->failed = true;
		c->ph = PH_DONE;
		return;
	}
	if (c->rx != NULL && seg->payload_len > 0 && c->m.have_irs) {
		uint32_t off = seg->seq + ((fl & TCPF_SYN) ? 1u : 0u) - c->m.irs - 1;
		if (off < RX_KEEP) {
			size_t n = seg->payload_len;
			if (n > RX_KEEP - off)
				n = RX_KEEP - off;
			memcpy(c->rx + off, seg->payload, n);
		}
	}
	if (c->ph == PH_DONE)
		return;
	if (seg->opt.ts_present && c->ts_ok)
		c->ts_recent = seg->opt.tsval;

	if (fl & TCPF_RST) {
		if (!c->hs_done)
			c->hs = HS_REFUSED;
		else if (c->ph != PH_RST_QUIET)
			c->cause = "the peer reset the connection";
		c->ph = c->ph == PH_RST_QUIET ? PH_RST_QUIET : PH_DONE;
		return;
	}
	if (!c->hs_done) {
		handshake_done(c, seg, pkt);
		return;
	}
	if (!(fl & TCPF_SYN))
		c->peer_wnd = (uint32_t)seg->win << (c->peer_wscale == 0xff ? 0 : c->peer_wscale);
	bool progress = c->m.snd_una != una_before || c->m.rcv_nxt != rcv_before;
	if (progress)
		c->last_progress = c->now;
	if (c->m.snd_una != una_before) {
		c->rto = c->rto0;
		c->rtx_at = 0;
		arm_rtx(c);
	}
	/* Acknowledge every byte and FIN at once, and answer a resent SYN-ACK
	 * or FIN (our ACK of it was lost): cumulative ACKs, no delay. Not
	 * after our RST: that connection is gone. */
	bool occupies = seg->payload_len > 0 || (fl & (TCPF_SYN | TCPF_FIN));
	if (occupies && c->ph != PH_RST_QUIET && c->m.local != TCPS_CLOSED)
		send_ack(c);
	if (c->ph == PH_ESTAB)
		push_data(c);
	/* The peer closed first: we close too, as an application reading EOF. */
	if (c->m.local == TCPS_CLOSE_WAIT && c->cfg->opt->close != CLOSE_RST)
		send_fin(c);
	if (c->m.local == TCPS_TIME_WAIT && c->ph != PH_TIME_WAIT) {
		c->ph = PH_TIME_WAIT;
		c->tw_enter = c->now;
	}
	if (c->m.local == TCPS_CLOSED && c->ph != PH_RST_QUIET)
		c->ph = PH_DONE; /* LAST_ACK answered */
}

/* Segments from our own address and port: our sent copies (the kernel's
 * timestamp of our SYN) or the local kernel's RST when nothing guards us. */
static void on_own_segment(struct conn *c, const struct segment *seg, const struct wire_packet *pkt)
{
	struct conn_seg cs = {
		.t_ns = pkt->ts_ns, .dir = CONN_OUT, .flags = seg->flags, .seq = seg->seq,
		.ack = seg->ack, .len = seg->payload_len, .win = seg->win,
	};
	if ((seg->flags & TCPF_SYN) && seg->seq == c->iss && c->syn_kernel_ns == 0 && !c->hs_done) {
		c->syn_kernel_ns = pkt->ts_ns;
		if (!c->t0_wire)
			c->t0 = pkt->ts_ns; /* the ladder's zero: our first SYN on the wire */
		c->t0_wire = true;
	}
	if (!(seg->flags & TCPF_RST) || ++c->rst_seen <= c->rst_sent) {
		connmodel_retime(&c->m, &cs); /* one of ours: its wire time */
		return;
	}
	c->rst_sent++;
	connmodel_add(&c->m, &cs);
	if (c->ph != PH_DONE && c->ph != PH_RST_QUIET) {
		c->cause = "the local kernel reset the connection (no RST guard: see --rst-guard)";
		c->ph = PH_DONE;
	}
}

static void on_packet(struct conn *c, const struct wire_packet *pkt)
{
	struct segment seg;
	enum segment_reason why;
	enum segment_status st = segment_decode(pkt->data, pkt->caplen, pkt->linktype, &seg, &why);
	if (st == SEGMENT_BAD) {
		(*c->bad)++;
		return;
	}
	if (st != SEGMENT_OK)
		return;
	if (seg.kind == SEGMENT_KIND_ICMP_ERROR) {
		const struct segment_quote *q = &seg.quote;
		if (!c->hs_done && q->sport == c->sport && q->dport == c->port &&
		    netaddr_eq(&q->dst, &c->t->addr) && q->seq == c->iss) {
			if (c->w->ops->record)
				c->w->ops->record(c->w->ctx, pkt);
			c->hs = HS_UNREACHABLE;
			c->icmp_type = seg.icmp_type;
			c->icmp_code = seg.icmp_code;
			c->icmp_from = seg.src;
			c->ph = PH_DONE;
		}
		return;
	}
	bool in = seg.sport == c->port && seg.dport == c->sport && netaddr_eq(&seg.src, &c->t->addr) &&
		  netaddr_eq(&seg.dst, c->src);
	bool out = seg.sport == c->sport && seg.dport == c->port && netaddr_eq(&seg.dst, &c->t->addr) &&
		   netaddr_eq(&seg.src, c->src);
	if (!in && !out)
		return;
	if (c->w->ops->record)
		c->w->ops->record(c->w->ctx, pkt);
	if (seg.tcp_csum == CSUM_BAD)
		return; /* a corrupted segment is no segment (RFC 9293 §3.10.7.4) */
	if (in)
		on_peer_segment(c, &seg, pkt);
	else
		on_own_segment(c, &seg, pkt);
}

static int drain(struct conn *c)
{
	struct wire_packet pkt;
	int rc;
	while ((rc = c->w->ops->next(c->w->ctx, &pkt)) == 1) {
		now_ns(c);
		on_packet(c, &pkt);
	}
	if (rc < 0) {
		snprintf(c->err, c->errlen, "capture failed");
		c->failed = true;
		c->ph = PH_DONE;
		return -1;
	}
	return 0;
}

/* The phase's give-up time: W after the last progress. */
static uint64_t give_up_at(const struct conn *c)
{
	if (c->ph == PH_SYN)
		return c->t0 + c->timeout_ns;
	if (c->ph == PH_TIME_WAIT)
		return c->tw_enter + c->linger_ns;
	if (c->ph == PH_RST_QUIET)
		return c->deadline;
	return c->last_progress + c->timeout_ns;
}

/* When an active or rst close may start: once the peer has been quiet for
 * the settle time after --data (at once without data). */
static uint64_t close_due(const struct conn *c)
{
	return c->last_progress + (c->data_end != c->iss + 1 ? c->settle_ns : 0);
}

static void run_timers(struct conn *c)
{
	uint64_t now = c->now;
	if (c->ph == PH_DONE)
		return;
	if (now >= give_up_at(c)) {
		if (c->ph == PH_SYN)
			c->hs = HS_TIMEOUT;
		else if (c->ph == PH_ESTAB && c->cfg->opt->close == CLOSE_PASSIVE)
			c->cause = "the peer did not close within the timeout";
		else if (c->ph != PH_TIME_WAIT && c->ph != PH_RST_QUIET)
			c->cause = "the close did not finish within the timeout";
		if (c->ph == PH_TIME_WAIT)
			c->tw_held = now - c->tw_enter;
		c->ph = PH_DONE;
		return;
	}
	if (c->rtx_at != 0 && now >= c->rtx_at)
		retransmit(c);
	if (c->ph == PH_ESTAB && !unacked(c) && now >= close_due(c)) {
		if (c->cfg->opt->close == CLOSE_ACTIVE) {
			send_fin(c);
		} else if (c->cfg->opt->close == CLOSE_RST) {
			if (tx(c, TCPF_RST | TCPF_ACK, c->snd_nxt, NULL, 0) == 0) {
				c->ph = PH_RST_QUIET;
				c->rtx_at = 0;
				c->deadline = c->now + c->quiet_ns;
			}
		}
	}
}

static uint64_t next_wake(const struct conn *c)
{
	uint64_t wake = give_up_at(c);
	if (c->rtx_at != 0 && c->rtx_at < wake)
		wake = c->rtx_at;
	if (c->ph == PH_ESTAB && (c->cfg->opt->close == CLOSE_ACTIVE || c->cfg->opt->close == CLOSE_RST)) {
		uint64_t s = close_due(c);
		if (s > c->now && s < wake)
			wake = s;
	}
	return wake;
}

static enum conn_close model_close(enum close_mode m)
{
	switch (m) {
	case CLOSE_PASSIVE:
		return CONN_CLOSE_PASSIVE;
	case CLOSE_HALF:
		return CONN_CLOSE_HALF;
	case CLOSE_RST:
		return CONN_CLOSE_RST;
	case CLOSE_ACTIVE:
		break;
	}
	return CONN_CLOSE_ACTIVE;
}

static uint32_t random_isn(const struct session_config *cfg, uint32_t n)
{
	uint32_t v;
	if (cfg->isn_seed != 0)
		return cfg->isn_seed * 2654435761u + n * 40503u;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = (uint32_t)n * 2654435761u;
	return v;
}

static void fill_event(const struct conn *c, uint32_t number, struct session_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->host = c->t->host;
	ev->addr = c->t->addr;
	ev->port = c->port;
	ev->sport = c->sport;
	ev->number = number;
	ev->handshake = c->hs;
	ev->rtt_valid = c->rtt_valid;
	ev->rtt_ms = c->rtt_ms;
	ev->ts_source = c->tss;
	ev->close = cli_close_name(c->cfg->opt->close);
	ev->teardown = connmodel_verdict(&c->m, c->hs == HS_OK);
	ev->t0_ns = c->t0;
	ev->iss = c->iss;
	ev->irs = c->m.irs;
	ev->have_irs = c->m.have_irs;
	ev->segs = c->m.log;
	ev->nsegs = c->m.n;
	ev->devs = c->m.devs.v;
	ev->ndevs = c->m.devs.n;
	ev->bytes_out = c->m.bytes_out;
	ev->bytes_in = c->m.bytes_in;
	ev->bytes_in_after_fin = c->m.bytes_in_after_our_fin;
	for (size_t i = 0; i < c->m.n; i++) {
		if (!c->m.log[i].retransmission)
			continue;
		if (c->m.log[i].s.dir == CONN_OUT)
			ev->retrans_out++;
		else
			ev->retrans_in++;
	}
	bool tw = false;
	for (size_t i = 0; i < c->m.n; i++)
		tw = tw || c->m.log[i].local == TCPS_TIME_WAIT;
	ev->time_wait_ms = tw ? (double)(2 * MSL_NS) / (double)NS_PER_MS : 0.0;
	ev->time_wait_held_ms = (double)c->tw_held / (double)NS_PER_MS;
	ev->cause = c->cause;
	ev->icmp_type = c->icmp_type;
	ev->icmp_code = c->icmp_code;
	ev->icmp_from = c->icmp_from;
	if (c->rx != NULL && c->m.have_irs) {
		/* In order, up to rcv_nxt: the FIN occupies the last number. */
		uint32_t n = c->m.rcv_nxt - c->m.irs - 1 - (c->m.peer_fin ? 1u : 0u);
		ev->data_in = c->rx;
		ev->data_in_len = n < RX_KEEP ? n : RX_KEEP;
	}
}

struct flow {
	const struct target *t;
	uint16_t port;
	const struct netaddr *src;
	uint16_t mss;
	uint32_t made, ok, refused, unreachable;
	struct stats rtt;
};

/* One connection, start to verdict. Returns 0, or -1 on a runtime error. */
static int one_connection(const struct session_config *cfg, const struct wire *w,
			  struct output *out, const volatile sig_atomic_t *stop, struct flow *f,
			  uint16_t sport, struct session_result *res, char *err, size_t errlen)
{
	struct conn c;
	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.w = w;
	c.stop = stop;
	c.t = f->t;
	c.port = f->port;
	c.src = f->src;
	c.sport = sport;
	c.mss_offer = f->mss;
	c.bad = &res->bad;
	c.err = err;
	c.errlen = errlen;
	c.timeout_ns = (uint64_t)(cfg->opt->timeout * (double)NS_PER_S);
	/* An initial RTO of 1 s, shorter when -W leaves no room for a resend. */
	c.rto0 = RTO_INITIAL_NS < c.timeout_ns / 2 ? RTO_INITIAL_NS : c.timeout_ns / 2;
	c.rto = c.rto0;
	c.linger_ns = cfg->opt->time_wait >= 0 ? (uint64_t)(cfg->opt->time_wait * (double)NS_PER_S)
					       : (c.timeout_ns < NS_PER_S ? c.timeout_ns : NS_PER_S);
	c.quiet_ns = c.timeout_ns < NS_PER_S ? c.timeout_ns : NS_PER_S;
	c.peer_wscale = 0xff;
	c.peer_mss = DEFAULT_PEER_MSS;
	c.hs = HS_TIMEOUT;
	connmodel_init(&c.m, model_close(cfg->opt->close));
	if (cfg->opt->out.print_data && (c.rx = calloc(1, RX_KEEP)) == NULL) {
		snprintf(err, errlen, "out of memory");
		connmodel_free(&c.m);
		return -1;
	}
	c.iss = random_isn(cfg, f->made + (uint32_t)sport);
	c.snd_nxt = c.iss + 1;
	c.data = (const uint8_t *)(cfg->opt->data ? cfg->opt->data : "");
	c.data_end = c.iss + 1 + (uint32_t)(cfg->opt->data ? strlen(cfg->opt->data) : 0);
	c.t0 = now_ns(&c);
	c.ph = PH_SYN;
	if (tx(&c, TCPF_SYN, c.iss, NULL, 0) == 0) {
		c.syn_user_ns = c.now;
		c.t0 = c.now;
		c.rtx_at = c.now + c.rto;
	}
	while (c.ph != PH_DONE) {
		if (*stop || output_broken(out)) {
			res->interrupted = 1;
			c.cause = "interrupted";
			break;
		}
		if (drain(&c) < 0)
			break;
		now_ns(&c);
		run_timers(&c);
		if (c.ph == PH_DONE)
			break;
		uint64_t wake = next_wake(&c);
		if (wake > c.now && w->ops->wait(w->ctx, wake) < 0 && errno != EINTR) {
			snprintf(err, errlen, "wait failed: %s", strerror(errno));
			c.failed = true;
			break;
		}
	}
	connmodel_finish(&c.m);
	/* A peer left half-open (it never closed, or we gave up) is freed with
	 * a RST, as a kernel would at its own timeout; after the verdict, so
	 * it is shown but not judged. */
	bool peer_open = c.hs == HS_OK && !c.m.rst_received && !c.m.rst_sent &&
			 c.m.peer != TCPS_CLOSED && c.m.peer != TCPS_TIME_WAIT && !c.failed;
	if (peer_open)
		tx(&c, TCPF_RST | TCPF_ACK, c.snd_nxt, NULL, 0);

	struct session_event ev;
	fill_event(&c, f->made + 1, &ev);
	output_session(out, &ev);
	f->made++;
	res->connections++;
	if (c.hs == HS_OK) {
		f->ok++;
		stats_add(&f->rtt, c.rtt_ms);
		if (ev.teardown == TEARDOWN_CONFORMANT)
			res->good++;
	} else if (c.hs == HS_REFUSED) {
		f->refused++;
	} else if (c.hs == HS_UNREACHABLE) {
		f->unreachable++;
	}
	connmodel_free(&c.m);
	free(c.rx);
	return c.failed ? -1 : 0;
}

static void summarize(struct flow *f, struct output *out)
{
	struct summary_event s;
	memset(&s, 0, sizeof(s));
	s.host = f->t->host;
	s.addr = f->t->addr;
	s.port = f->port;
	s.sent = f->made;
	s.received = f->ok + f->refused + f->unreachable;
	s.loss_pct = f->made ? 100.0 * (double)(f->made - s.received) / (double)f->made : 0.0;
	s.state = f->ok ? PORT_OPEN : f->refused ? PORT_CLOSED : PORT_FILTERED;
	stats_summarize(&f->rtt, &s.rtt);
	output_summary(out, &s);
}

int session_run(const struct session_config *cfg, const struct wire *w, struct output *out,
		const volatile sig_atomic_t *stop, struct session_result *res, char *err,
		size_t errlen)
{
	size_t nflows = target_list_ports(cfg->targets);
	struct flow *flows = calloc(nflows ? nflows : 1, sizeof(*flows));
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (flows == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t n = 0;
	for (size_t ti = 0; ti < cfg->targets->n; ti++) {
		const struct target *t = &cfg->targets->t[ti];
		for (size_t pi = 0; pi < t->ports.n; pi++, n++) {
			flows[n].t = t;
			flows[n].port = t->ports.port[pi];
			flows[n].src = &cfg->src[ti];
			flows[n].mss = cfg->mss[ti];
			stats_init(&flows[n].rtt);
		}
	}
	uint64_t interval = (uint64_t)(cfg->opt->interval * (double)NS_PER_S);
	uint32_t used = 0; /* connections made: each takes the next source port */
	for (unsigned long round = 0; cfg->opt->count == 0 || round < cfg->opt->count; round++) {
		uint64_t round_start = w->ops->now(w->ctx);
		for (size_t i = 0; i < nflows && !*stop && rc == 0; i++) {
			struct flow *f = &flows[i];
			if (f->made == 0) {
				if (f->port == f->t->ports.port[0])
					output_begin_target(out, f->t->host, &f->t->addr, f->t->ports.n);
				output_begin(out, f->t->host, &f->t->addr, f->port);
			}
			uint16_t sport = (uint16_t)(cfg->sport_base + used++ % cfg->nsports);
			rc = one_connection(cfg, w, out, stop, f, sport, res, err, errlen);
		}
		if (*stop || rc < 0 || output_broken(out))
			break;
		if (cfg->opt->count != 0 && round + 1 >= cfg->opt->count)
			break;
		/* -i counts from one round's start to the next. */
		uint64_t next = round_start + interval;
		while (!*stop && w->ops->now(w->ctx) < next) {
			struct wire_packet pkt;
			if (w->ops->wait(w->ctx, next) < 0 && errno != EINTR)
				break;
			while (w->ops->next(w->ctx, &pkt) == 1)
				; /* stragglers of a finished connection */
		}
	}
	if (*stop)
		res->interrupted = 1;
	for (size_t i = 0; i < nflows; i++) {
		if (flows[i].made > 0)
			summarize(&flows[i], out);
		stats_free(&flows[i].rtt);
	}
	free(flows);
	return rc;
}
