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

#include "core/connmodel.h"
#include "core/segment.h"
#include "core/stats.h"
#include "core/tcpconst.h"
#include "core/tcpopt.h"
#include "engine/endpoint.h"

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
	struct endpoint *ep;
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
	const char *cause;
	char cause_buf[200];
	uint64_t tw_enter, tw_held;
	uint8_t icmp_type, icmp_code;
	struct netaddr icmp_from;
	uint8_t *rx; /* --print-data: the peer's bytes by offset, RX_KEEP of them */
	char *err;
	size_t errlen;
	bool failed;
};

static uint64_t now_ns(struct conn *c)
{
	c->now = ep_now(c->ep);
	return c->now;
}

/* A segment of ours could not go out. Too long for the path (EMSGSIZE)
 * ends this connection with that cause, and the peer is reset at the end;
 * anything else ends the run. */
static void send_failed(struct conn *c)
{
	if (errno == EMSGSIZE) {
		snprintf(c->cause_buf, sizeof(c->cause_buf), "%s", c->err);
		c->err[0] = '\0';
		c->cause = c->cause_buf;
	} else if (errno == EINTR) {
		c->cause = "interrupted";
	} else {
		c->failed = true;
	}
	c->ph = PH_DONE;
}

/* Send one segment of ours and log it. ACK segments carry rcv_nxt. */
static int tx(struct conn *c, uint8_t flags, uint32_t seq, const uint8_t *payload, uint16_t len)
{
	struct tx_segment s;
	uint64_t sent_ns;
	memset(&s, 0, sizeof(s));
	s.sport = c->sport;
	s.dport = c->port;
	s.seq = seq;
	s.flags = flags;
	s.ack = (flags & TCPF_ACK) ? c->m.rcv_nxt : 0;
	s.payload = payload;
	s.payload_len = len;
	now_ns(c);
	if (flags & TCPF_SYN) {
		s.win = TCP_OUR_WINDOW;
		s.optlen = (uint8_t)tcpopt_build(&c->cfg->syn, c->mss_offer, ep_tsval(c->ep), s.opt);
	} else {
		/* With window scaling agreed, our 16 bits count units of 2^ws. */
		bool ws = c->cfg->syn.wscale && c->peer_wscale != 0xff;
		s.win = ws ? (uint16_t)(TCP_OUR_WINDOW >> c->cfg->syn.wscale_value) : TCP_OUR_WINDOW;
		if (c->ts_ok && !(flags & TCPF_RST))
			s.optlen = (uint8_t)tcpopt_build_ts(ep_tsval(c->ep), c->ts_recent, s.opt);
	}
	if (ep_send(c->ep, &s, &sent_ns) < 0) {
		send_failed(c);
		return -1;
	}
	c->now = sent_ns;
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
	c->rto = ep_rto_backoff(c->rto);
	c->rtx_at = c->now + c->rto;
}

static void handshake_done(struct conn *c, const struct segment *seg, uint64_t ts)
{
	c->hs = HS_OK;
	c->hs_done = true;
	if (c->syn_kernel_ns != 0 && ts >= c->syn_kernel_ns) {
		c->rtt_ms = (double)(ts - c->syn_kernel_ns) / (double)NS_PER_MS;
		c->tss = TS_KERNEL;
	} else {
		c->rtt_ms = ts >= c->syn_user_ns
				    ? (double)(ts - c->syn_user_ns) / (double)NS_PER_MS
				    : 0.0;
		c->tss = TS_USER;
	}
	c->rtt_valid = true;
	const struct syn_options *so = &c->cfg->syn;
	/* RFC 7323 §2.2: scaling only when both SYNs carried the option. */
	c->peer_wscale = so->wscale && seg->opt.wscale_present
				 ? (seg->opt.wscale > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : seg->opt.wscale)
				 : 0xff;
	c->ts_ok = so->ts && seg->opt.ts_present;
	/* What one segment of --data may carry: the peer's MSS within our own
	 * path's, less timestamps (RFC 9293 §3.7.1). */
	c->peer_mss = ep_mss(c->ep, seg->opt.mss_present ? seg->opt.mss : 0, c->ts_ok);
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
	if (c->cfg->close == CONN_CLOSE_HALF ||
	    (c->cfg->close == CONN_CLOSE_ACTIVE && c->data_end == c->iss + 1))
		send_fin(c);
}

static void on_peer_segment(struct conn *c, const struct segment *seg, uint64_t ts)
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
		.t_ns = ts, .dir = CONN_IN, .flags = fl, .seq = seg->seq,
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
		handshake_done(c, seg, ts);
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
	if (c->m.local == TCPS_CLOSE_WAIT && c->cfg->close != CONN_CLOSE_RST)
		send_fin(c);
	if (c->m.local == TCPS_TIME_WAIT && c->ph != PH_TIME_WAIT) {
		c->ph = PH_TIME_WAIT;
		c->tw_enter = c->now;
	}
	if (c->m.local == TCPS_CLOSED && c->ph != PH_RST_QUIET)
		c->ph = PH_DONE; /* LAST_ACK answered */
}

/* Segments from our own address and port: our sent copies (their wire
 * time, the kernel's timestamp of our SYN), or, matching nothing we sent,
 * the local kernel's RST when nothing guards us. */
static void on_own_segment(struct conn *c, const struct ep_frame *f)
{
	const struct segment *seg = &f->seg;
	struct conn_seg cs = {
		.t_ns = f->ts_ns, .dir = CONN_OUT, .flags = seg->flags, .seq = seg->seq,
		.ack = seg->ack, .len = seg->payload_len, .win = seg->win,
	};
	if ((seg->flags & TCPF_SYN) && seg->seq == c->iss && c->syn_kernel_ns == 0 && !c->hs_done) {
		c->syn_kernel_ns = f->ts_ns;
		if (!c->t0_wire)
			c->t0 = f->ts_ns; /* the ladder's zero: our first SYN on the wire */
		c->t0_wire = true;
	}
	if (f->ours || !(seg->flags & TCPF_RST)) {
		connmodel_retime(&c->m, &cs); /* one of ours: its wire time */
		return;
	}
	connmodel_add(&c->m, &cs);
	if (c->ph != PH_DONE && c->ph != PH_RST_QUIET) {
		c->cause = "the local kernel reset the connection (no RST guard: see --rst-guard)";
		c->ph = PH_DONE;
	}
}

static void on_frame(struct conn *c, const struct ep_frame *f)
{
	const struct segment *seg = &f->seg;
	if (f->dir == EP_ICMP) {
		const struct segment_quote *q = &seg->quote;
		if (!c->hs_done && q->sport == c->sport && q->dport == c->port && q->seq == c->iss) {
			c->hs = HS_UNREACHABLE;
			c->icmp_type = seg->icmp_type;
			c->icmp_code = seg->icmp_code;
			c->icmp_from = seg->src;
			c->ph = PH_DONE;
		}
		return;
	}
	if (f->dir == EP_IN && seg->sport == c->port && seg->dport == c->sport)
		on_peer_segment(c, seg, f->ts_ns);
	else if (f->dir == EP_OUT && seg->sport == c->sport && seg->dport == c->port)
		on_own_segment(c, f);
}

static int drain(struct conn *c)
{
	struct ep_frame f;
	int rc;
	while ((rc = ep_next(c->ep, &f)) == 1) {
		now_ns(c);
		on_frame(c, &f);
	}
	if (rc < 0) {
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
		else if (c->ph == PH_ESTAB && c->cfg->close == CONN_CLOSE_PASSIVE)
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
		if (c->cfg->close == CONN_CLOSE_ACTIVE) {
			send_fin(c);
		} else if (c->cfg->close == CONN_CLOSE_RST) {
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
	if (c->ph == PH_ESTAB && (c->cfg->close == CONN_CLOSE_ACTIVE || c->cfg->close == CONN_CLOSE_RST)) {
		uint64_t s = close_due(c);
		if (s > c->now && s < wake)
			wake = s;
	}
	return wake;
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
	ev->close = connmodel_close_name(c->cfg->close);
	ev->teardown = connmodel_verdict(&c->m, c->hs == HS_OK);
	ev->t0_ns = c->t0;
	ev->time_ns = ep_now(c->ep);
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
	ev->time_wait_ms = tw ? (double)(2 * TCP_MSL_NS) / (double)NS_PER_MS : 0.0;
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
	uint16_t mss, mtu;
	uint32_t made, ok, refused, unreachable;
	struct stats rtt;
};

/* One connection, start to verdict. Returns 0, or -1 on a runtime error. */
static int one_connection(const struct session_config *cfg, struct endpoint *ep,
			  struct output *out, const volatile sig_atomic_t *stop, struct flow *f,
			  uint16_t sport, struct session_result *res, char *err, size_t errlen)
{
	struct conn c;
	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.ep = ep;
	c.stop = stop;
	c.t = f->t;
	c.port = f->port;
	c.src = f->src;
	c.sport = sport;
	c.mss_offer = f->mss;
	c.err = err;
	c.errlen = errlen;
	c.timeout_ns = cfg->timeout_ns;
	/* An initial RTO of 1 s, shorter when -W leaves no room for a resend. */
	c.rto0 = ep_rto_initial(c.timeout_ns);
	c.rto = c.rto0;
	c.linger_ns = cfg->time_wait_ns >= 0 ? (uint64_t)cfg->time_wait_ns
					     : (c.timeout_ns < NS_PER_S ? c.timeout_ns : NS_PER_S);
	c.quiet_ns = c.timeout_ns < NS_PER_S ? c.timeout_ns : NS_PER_S;
	c.peer_wscale = 0xff;
	c.peer_mss = TCP_DEFAULT_MSS;
	c.hs = HS_TIMEOUT;
	connmodel_init(&c.m, cfg->close);
	if (cfg->print_data && (c.rx = calloc(1, RX_KEEP)) == NULL) {
		snprintf(err, errlen, "out of memory");
		connmodel_free(&c.m);
		return -1;
	}
	/* This connection's flow; what the capture holds of the last one goes
	 * first, so its copies are not taken for this one's. */
	struct ep_frame stale;
	while (ep_next(ep, &stale) == 1)
		;
	ep->src = *f->src;
	ep->dst = f->t->addr;
	ep->mtu = f->mtu;
	ep_timeline_reset(ep);
	c.iss = ep_isn(ep);
	c.snd_nxt = c.iss + 1;
	c.data = (const uint8_t *)(cfg->data ? cfg->data : "");
	c.data_end = c.iss + 1 + (uint32_t)(cfg->data ? strlen(cfg->data) : 0);
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
		if (wake > c.now && ep_wait(ep, wake) < 0 && ep->failed) {
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

static void summarize(struct flow *f, struct output *out, struct session_result *res)
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
	res->ports++;
	res->answered += s.received;
	if (s.state == PORT_OPEN)
		res->ports_open++;
	else if (s.state == PORT_CLOSED)
		res->ports_closed++;
	else
		res->ports_filtered++;
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
	struct endpoint ep;
	ep_init(&ep, w, stop, cfg->isn_seed, cfg->tsval_base, err, errlen);
	ep.port_lo = cfg->sport_base;
	ep.nports = cfg->nsports;
	ep.ttl = cfg->ttl;
	size_t n = 0;
	for (size_t ti = 0; ti < cfg->targets->n; ti++) {
		const struct target *t = &cfg->targets->t[ti];
		for (size_t pi = 0; pi < t->ports.n; pi++, n++) {
			flows[n].t = t;
			flows[n].port = t->ports.port[pi];
			flows[n].src = &cfg->src[ti];
			flows[n].mss = cfg->mss[ti];
			flows[n].mtu = ep_link_mtu(cfg->mtu != NULL ? cfg->mtu[ti] : 0, cfg->mss[ti],
						   t->addr.family);
			stats_init(&flows[n].rtt);
		}
	}
	uint64_t interval = cfg->interval_ns;
	uint32_t used = 0; /* connections made: each takes the next source port */
	struct progress_counts pc = {
		.kind = PROGRESS_SWEEP,
		.unit = cfg->count == 1 ? "ports" : "connections",
		.total = (uint64_t)nflows * cfg->count, /* -c 0: 0, unknown */
		.start_ns = ep_now(&ep),
	};
	for (unsigned long round = 0; cfg->count == 0 || round < cfg->count; round++) {
		uint64_t round_start = ep_now(&ep);
		for (size_t i = 0; i < nflows && !*stop && rc == 0; i++) {
			struct flow *f = &flows[i];
			if (f->made == 0) {
				if (f->port == f->t->ports.port[0])
					output_begin_target(out, f->t->host, &f->t->addr, f->t->ports.n);
				output_begin(out, f->t->host, &f->t->addr, f->port);
			}
			uint16_t sport = (uint16_t)(cfg->sport_base + used++ % cfg->nsports);
			uint32_t ok_before = f->ok;
			pc.sent++;
			rc = one_connection(cfg, &ep, out, stop, f, sport, res, err, errlen);
			pc.done = res->connections;
			pc.open += ok_before == 0 && f->ok > 0; /* a target port found open */
			progress_report(cfg->progress, &pc, ep_now(&ep));
		}
		if (*stop || rc < 0 || output_broken(out))
			break;
		if (cfg->count != 0 && round + 1 >= cfg->count)
			break;
		/* -i counts from one round's start to the next. */
		uint64_t now = ep_now(&ep);
		if (now < round_start + interval &&
		    ep_pause(&ep, round_start + interval - now, NULL, NULL) < 0 && ep.failed) {
			rc = -1;
			break;
		}
	}
	if (*stop)
		res->interrupted = 1;
	res->bad = ep.bad;
	ep_free(&ep);
	progress_end(cfg->progress); /* the line goes before the summaries */
	for (size_t i = 0; i < nflows; i++) {
		if (flows[i].made > 0)
			summarize(&flows[i], out, res);
		stats_free(&flows[i].rtt);
	}
	free(flows);
	return rc;
}
