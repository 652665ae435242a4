/*
 * endpoint: one connection layer over struct wire. See endpoint.h.
 *
 * Everything a mode does with the wire goes through here, so the rules live
 * once: what counts as our flow (our addresses, a port of our block), what
 * is recorded to --pcap (every frame of it), what a bad checksum means (the
 * peer's segment is no segment), and which clock the timeline uses (the
 * capture's, for both ways).
 */
#include "config.h"
#include "engine/endpoint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/tcpconst.h"
#include "engine/endpoint_timeline.h"

void ep_init(struct endpoint *ep, const struct wire *w, const volatile sig_atomic_t *stop,
	     uint64_t seed, uint32_t tsval_base, char *err, size_t errlen)
{
	memset(ep, 0, sizeof(*ep));
	ep->w = w;
	ep->stop = stop;
	ep->err = err;
	ep->errlen = errlen;
	ep->nports = 1;
	if (seed != 0)
		isn_seed(&ep->isn, seed);
	else
		isn_seed_random(&ep->isn);
	ep->tsval_base = tsval_base;
	ep->ts_t0 = ep_now(ep);
	ep->tl.t0 = ep->ts_t0;
}

void ep_free(struct endpoint *ep)
{
	ep_tl_free(&ep->tl);
}

uint64_t ep_now(const struct endpoint *ep)
{
	return ep->w->ops->now(ep->w->ctx);
}

uint32_t ep_isn(struct endpoint *ep)
{
	return isn_encode(&ep->isn, ep->isn_index++);
}

uint32_t ep_tsval(const struct endpoint *ep)
{
	return ep->tsval_base + (uint32_t)((ep_now(ep) - ep->ts_t0) / NS_PER_MS);
}

uint16_t ep_link_mtu(uint16_t mtu, uint16_t our_mss, int family)
{
	uint32_t hdr = (family == AF_INET6 ? IPV6_HDR_LEN : IPV4_HDR_LEN) + TCP_HDR_LEN;
	if (mtu != 0 || our_mss == 0)
		return mtu;
	return (uint16_t)(our_mss + hdr > UINT16_MAX ? UINT16_MAX : our_mss + hdr);
}

uint16_t ep_mss(const struct endpoint *ep, uint16_t peer_mss, bool ts)
{
	bool v6 = ep->dst.family == AF_INET6;
	uint32_t mss = peer_mss ? peer_mss : v6 ? TCP_DEFAULT_MSS6 : TCP_DEFAULT_MSS;
	uint32_t hdr = (v6 ? IPV6_HDR_LEN : IPV4_HDR_LEN) + TCP_HDR_LEN;
	if (ep->mtu != 0) {
		uint32_t link = ep->mtu > hdr + TCP_TS_OPTLEN ? ep->mtu - hdr : TCP_TS_OPTLEN + 1;
		if (link < mss)
			mss = link;
	}
	/* The MSS counts no TCP options (RFC 9293 §3.7.1): timestamps on
	 * every segment take 12 of its bytes. */
	if (ts && mss > TCP_TS_OPTLEN)
		mss -= TCP_TS_OPTLEN;
	return (uint16_t)mss;
}

void ep_send_error(char *err, size_t errlen, const struct netaddr *dst, const struct tx_segment *s,
		   int e)
{
	char abuf[NETADDR_STRLEN];
	if (err == NULL || errlen == 0)
		return;
	netaddr_str(dst, abuf, sizeof(abuf));
	if (e == EMSGSIZE)
		snprintf(err, errlen, "cannot send a segment of %u bytes to %s port %u: %s",
			 s->payload_len, abuf, s->dport, strerror(e));
	else if (e == ENOBUFS || e == EAGAIN || e == EINTR)
		snprintf(err, errlen, "cannot send to %s port %u: the send queue stayed full for %llu s (%s)",
			 abuf, s->dport, SEND_GIVE_UP_NS / NS_PER_S, strerror(e));
	else
		snprintf(err, errlen, "cannot send to %s port %u: %s", abuf, s->dport, strerror(e));
}

static void log_seg(struct endpoint *ep, const struct tx_segment *s, uint64_t t, bool wire_time,
		    bool ours, enum conn_dir dir)
{
	struct conn_seg cs = {
		.t_ns = t, .dir = dir, .flags = s->flags, .seq = s->seq,
		.ack = s->ack, .len = s->payload_len, .win = s->win,
	};
	struct ep_tag tag = {
		.lport = dir == CONN_OUT ? s->sport : s->dport,
		.rport = dir == CONN_OUT ? s->dport : s->sport,
		.wire_time = wire_time, .ours = ours,
	};
	ep_tl_add(&ep->tl, &cs, &tag);
}

void ep_reset_for(struct endpoint *ep, const struct tx_segment *s)
{
	if (s->flags & (TCPF_RST | TCPF_SYN))
		return;
	struct tx_segment rst;
	uint64_t sent;
	memset(&rst, 0, sizeof(rst));
	rst.src = s->src;
	rst.dst = s->dst;
	rst.ttl = s->ttl;
	rst.sport = s->sport;
	rst.dport = s->dport;
	rst.seq = s->seq;
	rst.ack = s->ack;
	rst.flags = TCPF_RST | (s->flags & TCPF_ACK);
	if (ep_wire_send(ep->w, ep->stop, &rst, &sent) == 0)
		log_seg(ep, &rst, sent, false, true, CONN_OUT);
}

int ep_send(struct endpoint *ep, struct tx_segment *s, uint64_t *sent_ns)
{
	uint64_t sent;
	s->src = ep->src;
	s->dst = ep->dst;
	s->ttl = ep->ttl;
	int rc = ep_wire_send(ep->w, ep->stop, s, &sent);
	if (rc == 1) {
		errno = EINTR; /* stopped: no message, the run is over */
		return -1;
	}
	if (rc < 0) {
		int e = errno;
		ep_send_error(ep->err, ep->errlen, &ep->dst, s, e);
		if (e != EMSGSIZE)
			ep->failed = true; /* EMSGSIZE fails only this connection */
		errno = e;
		return -1;
	}
	log_seg(ep, s, sent, false, true, CONN_OUT);
	if (sent_ns != NULL)
		*sent_ns = sent;
	return 0;
}

static bool in_block(const struct endpoint *ep, uint16_t port)
{
	return (uint16_t)(port - ep->port_lo) < ep->nports;
}

int ep_next(struct endpoint *ep, struct ep_frame *f)
{
	for (;;) {
		struct wire_packet pkt;
		enum segment_reason why;
		int rc = ep->w->ops->next(ep->w->ctx, &pkt);
		if (rc == 0)
			return 0;
		if (rc < 0) {
			if (ep->err != NULL && ep->errlen > 0)
				snprintf(ep->err, ep->errlen, "capture failed");
			ep->failed = true;
			return -1;
		}
		struct segment *seg = &f->seg;
		enum segment_status st = segment_decode(pkt.data, pkt.caplen, pkt.linktype, seg, &why);
		if (st == SEGMENT_BAD) {
			ep->bad++;
			continue;
		}
		if (st != SEGMENT_OK)
			continue;
		f->ts_ns = pkt.ts_ns;
		f->ours = false;
		if (seg->kind == SEGMENT_KIND_ICMP_ERROR) {
			const struct segment_quote *q = &seg->quote;
			if (!in_block(ep, q->sport) || !netaddr_eq(&q->dst, &ep->dst) ||
			    !netaddr_eq(&q->src, &ep->src))
				continue;
			if (ep->w->ops->record)
				ep->w->ops->record(ep->w->ctx, &pkt);
			f->dir = EP_ICMP;
			return 1;
		}
		if (seg->kind != SEGMENT_KIND_TCP)
			continue;
		bool in = netaddr_eq(&seg->src, &ep->dst) && netaddr_eq(&seg->dst, &ep->src) &&
			  in_block(ep, seg->dport);
		bool out = netaddr_eq(&seg->src, &ep->src) && netaddr_eq(&seg->dst, &ep->dst) &&
			   in_block(ep, seg->sport);
		if (!in && !out)
			continue;
		if (ep->w->ops->record)
			ep->w->ops->record(ep->w->ctx, &pkt);
		struct conn_seg cs = {
			.t_ns = pkt.ts_ns, .dir = in ? CONN_IN : CONN_OUT, .flags = seg->flags,
			.seq = seg->seq, .ack = seg->ack, .len = seg->payload_len, .win = seg->win,
		};
		uint16_t lport = in ? seg->dport : seg->sport, rport = in ? seg->sport : seg->dport;
		if (in) {
			if (seg->tcp_csum == CSUM_BAD)
				continue; /* a corrupted segment is no segment (RFC 9293 §3.10.7.4) */
			f->dir = EP_IN;
			if (ep_tl_knows(&ep->tl, lport, rport)) {
				struct ep_tag tag = {.lport = lport, .rport = rport, .wire_time = true};
				ep_tl_add(&ep->tl, &cs, &tag);
			}
			return 1;
		}
		/* Our own segment as it left, even one we sent with a bad
		 * checksum on purpose: its capture time is its time. */
		f->dir = EP_OUT;
		f->ours = ep_tl_retime(&ep->tl, &cs, lport, rport);
		if (!f->ours && ep_tl_knows(&ep->tl, lport, rport)) {
			struct ep_tag tag = {.lport = lport, .rport = rport, .wire_time = true};
			ep_tl_add(&ep->tl, &cs, &tag); /* the local kernel's, shown as such */
		}
		return 1;
	}
}

int ep_wait(struct endpoint *ep, uint64_t deadline)
{
	if (*ep->stop)
		return -1;
	int rc = ep->w->ops->wait(ep->w->ctx, deadline);
	if (rc >= 0)
		return rc;
	if (errno != EINTR) {
		if (ep->err != NULL && ep->errlen > 0)
			snprintf(ep->err, ep->errlen, "wait failed: %s", strerror(errno));
		ep->failed = true;
		return -1;
	}
	return *ep->stop ? -1 : 1;
}

int ep_pause(struct endpoint *ep, uint64_t dur_ns, void (*take)(void *arg, const struct ep_frame *f),
	     void *arg)
{
	uint64_t until = ep_now(ep) + dur_ns;
	for (;;) {
		struct ep_frame f;
		int rc;
		while ((rc = ep_next(ep, &f)) == 1)
			if (take != NULL)
				take(arg, &f);
		if (rc < 0 || *ep->stop)
			return -1;
		if (ep_now(ep) >= until)
			return 0;
		if (ep_wait(ep, until) < 0)
			return -1;
	}
}

void ep_timeline_reset(struct endpoint *ep)
{
	ep_tl_reset(&ep->tl, ep_now(ep));
}

int ep_timeline_model(const struct endpoint *ep, uint16_t lport, uint16_t rport, enum conn_close close,
		      struct connmodel *m)
{
	connmodel_init(m, close);
	for (size_t i = 0; i < ep->tl.n; i++) {
		const struct ep_tag *t = &ep->tl.tag[i];
		if (t->lport != lport || t->rport != rport)
			continue;
		if (connmodel_add(m, &ep->tl.seg[i]) < 0)
			return -1;
	}
	return 0;
}
