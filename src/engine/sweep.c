/*
 * sweep: the sweep engine (sweep.h).
 *
 * One loop, one thread, as probe.c: send what is due (retransmissions
 * first, then the next pair of the order), within --rate; drain the
 * capture; expire the tries whose timeout passed; wait for the earlier of
 * the next send and the next timeout.
 *
 * A try's record sits in the ring of its try number, in send order. Every
 * record of one ring has the same timeout at any moment (the adaptive
 * timeout of that try, retry.h), so each ring expires from its oldest end,
 * as probe.c's single ring does. A reply names its record twice over: its
 * destination port is our source port, base + try; its ack - 1 (an ICMP
 * error's quoted seq) is the ISN, isn_encode of the record's place in that
 * ring. The record gives the pair's index, and tspace_at gives back the
 * address and port, which must be the reply's source, or it is not ours.
 * Only a port's newest try has a record that can still decide it: an
 * older try's record is gone once its retransmission is queued, so no port
 * is reported twice.
 *
 * Whether an answer counts is judged by capture timestamps: its RTT is its
 * capture time minus our SYN's (the user-space send time when the capture
 * missed our SYN), and an RTT over -W is late, never an answer.
 */
#include "config.h"
#include "engine/sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/isn.h"
#include "core/match.h"
#include "core/permute.h"
#include "core/retry.h"
#include "core/segment.h"
#include "core/tcpconst.h"
#include "engine/endpoint.h"
#include "engine/sweep_ring.h"
#include "out/progress.h"

/* Sends between two drains of the capture (as probe.c). */
#define SEND_BURST 64
/* How far the sender may fall behind --rate and still catch up, at the
 * machine's pace: a process on a busy machine is often off its core for
 * a few milliseconds, and forgiving that time would lose its sends for
 * good. Catching up moves at most this much of a second's sends into the
 * next second (2%, within the +-5% a second --rate promises); a longer
 * stall is forgiven, and counted as the rate not reached. */
#define RATE_DEBT_NS (20 * 1000 * 1000)

/* A small sweep's summary, given at the end. */
struct held_summary {
	uint64_t idx;
	struct summary_event sum;
};

struct sweep {
	const struct sweep_config *cfg;
	const struct wire *w;
	struct output *out;
	struct sweep_result *res;
	const volatile sig_atomic_t *stop;
	struct isn_gen isn;
	struct sweep_order order;
	bool order_done;
	struct retry est;
	struct sring ring[SWEEP_MAX_RETRIES + 1];
	unsigned nrings;
	struct pending pend;
	uint64_t gap_ns, next_due; /* the pace now: the larger of --rate's and cc_gap */
	uint64_t user_gap_ns;      /* --rate's (0: none) */
	uint64_t cc_gap_ns;        /* the pace a queue on the path asks for (0: none) */
	uint64_t cc_at;            /* when the pace was last adjusted */
	uint64_t newest_answered;  /* send time of the newest try answered (RACK) */
	bool idle;                 /* nothing was due to send (rate_charge) */
	/* A sweep of few ports (OUTPUT_BLOCKS_MAX at most) gives its
	 * summaries at the end, in index order, as probe.c does, so text
	 * prints its statistics blocks together. */
	struct held_summary held[OUTPUT_BLOCKS_MAX];
	size_t nheld;
	bool hold;
	uint64_t total, t0; /* pairs of this shard; when it began (progress) */
	uint64_t inflight;  /* records in the rings, all tries */
	char *err;
	size_t errlen;
};

/* --rate: whether a SYN may go now; charge one that went. --rate counts
 * SYNs, retransmissions included, as masscan and zmap count probes: the
 * RSTs that free the servers' half-open entries follow the answers, not
 * the pace, and are not charged. Credit does not build up while nothing
 * is due (waiting for timeouts): the first send after that starts the
 * pace afresh. */
static bool rate_allows(const struct sweep *s, uint64_t now)
{
	return s->gap_ns == 0 || s->next_due <= now;
}

static void rate_charge(struct sweep *s, uint64_t now)
{
	if (s->gap_ns == 0)
		return;
	if (s->idle) {
		s->idle = false;
		if (s->next_due < now)
			s->next_due = now;
	}
	if (s->next_due + RATE_DEBT_NS < now) {
		/* Behind by more than can be caught up: those sends are lost
		 * to the pace. The user's rate not reached is counted. */
		uint64_t lost = now - RATE_DEBT_NS - s->next_due;
		if (s->gap_ns == s->user_gap_ns)
			s->res->rate_short += lost / s->gap_ns;
		s->next_due = now - RATE_DEBT_NS;
	}
	s->next_due += s->gap_ns;
}

/* Without --rate, pace to the path, as a delay-based congestion control
 * does: when the answers say a queue is building (retry_queueing), send a
 * third slower; when not, an eighth faster, back to no pace at all. At most
 * once per smoothed RTT, so each change is seen before the next. Loss
 * alone never slows the sweep: random loss is not congestion, and the
 * retries already cover it. */
static void pace(struct sweep *s, uint64_t now)
{
	uint64_t every = s->est.srtt_ns > 1000000 ? s->est.srtt_ns : 1000000;
	/* --rate is the user's: held as given, as masscan and zmap hold it. */
	if (s->user_gap_ns != 0 || !s->est.have_rtt || now < s->cc_at + every)
		return;
	s->cc_at = now;
	if (retry_queueing(&s->est)) {
		/* From no pace: start at 100k pps, the pace of a busy path. */
		s->cc_gap_ns = s->cc_gap_ns ? s->cc_gap_ns * 3 / 2 : 10000;
		if (s->cc_gap_ns > 10000000)
			s->cc_gap_ns = 10000000; /* never below 100 pps */
	} else if (s->cc_gap_ns > 0) {
		s->cc_gap_ns = s->cc_gap_ns * 7 / 8;
		if (s->cc_gap_ns < 500)
			s->cc_gap_ns = 0;
	}
	uint64_t gap = s->cc_gap_ns > s->user_gap_ns ? s->cc_gap_ns : s->user_gap_ns;
	if (gap != s->gap_ns) {
		if (s->gap_ns == 0)
			s->next_due = now; /* pacing starts now, with no debt */
		s->gap_ns = gap;
		s->res->paced += s->cc_gap_ns > s->user_gap_ns;
	}
}

/* Report pair idx decided on try `attempt`: its probe event (NULL ev: no
 * answer, filtered, given up at given_up_ns by the wire's clock) and its
 * summary, and count it. */
static void report(struct sweep *s, uint64_t idx, unsigned attempt, struct probe_event *ev,
		   uint64_t given_up_ns)
{
	const struct sweep_config *c = s->cfg;
	struct netaddr addr;
	uint16_t port;
	size_t ti;
	struct probe_event none;

	tspace_at(c->space, idx, &addr, &port, &ti);
	if (ev == NULL) {
		memset(&none, 0, sizeof(none));
		none.state = PORT_FILTERED;
		none.reply = REPLY_NONE;
		none.time_ns = given_up_ns;
		ev = &none;
	}
	ev->host = c->targets->t[ti].host;
	ev->addr = addr;
	ev->port = port;
	ev->sport = (uint16_t)(c->sport_base + attempt);
	ev->seq = attempt + 1;
	enum port_state state = ev->state;

	s->res->ports++;
	if (state == PORT_OPEN)
		s->res->open++;
	else if (state == PORT_CLOSED)
		s->res->closed++;
	else
		s->res->filtered++;
	if (ev->answered)
		s->res->received++;
	if (c->open_only && state != PORT_OPEN)
		return;

	struct summary_event sum;
	memset(&sum, 0, sizeof(sum));
	sum.host = ev->host;
	sum.addr = addr;
	sum.port = port;
	sum.sent = attempt + 1;
	sum.received = ev->answered ? 1 : 0;
	sum.loss_pct = 100.0 * (double)(sum.sent - sum.received) / (double)sum.sent;
	sum.state = state;
	sum.swept = true;
	if (ev->answered) {
		sum.rtt.n = 1;
		sum.rtt.min = sum.rtt.avg = sum.rtt.max = ev->rtt_ms;
		sum.rtt.p50 = sum.rtt.p90 = sum.rtt.p99 = ev->rtt_ms;
	}
	output_probe(s->out, ev);
	if (s->hold && s->nheld < OUTPUT_BLOCKS_MAX) {
		s->held[s->nheld].idx = idx;
		s->held[s->nheld++].sum = sum;
		return;
	}
	output_summary(s->out, &sum);
}

/* The held summaries of a small sweep, in index order. */
static void flush_held(struct sweep *s)
{
	for (size_t i = 1; i < s->nheld; i++)
		for (size_t j = i; j > 0 && s->held[j - 1].idx > s->held[j].idx; j--) {
			struct held_summary t = s->held[j];
			s->held[j] = s->held[j - 1];
			s->held[j - 1] = t;
		}
	for (size_t i = 0; i < s->nheld; i++)
		output_summary(s->out, &s->held[i].sum);
	s->nheld = 0;
}

/* Send try `attempt` of pair idx. 0 sent, 1 not sent (*stop), -1 error. */
static int send_try(struct sweep *s, uint64_t idx, unsigned attempt)
{
	const struct sweep_config *c = s->cfg;
	struct sring *r = &s->ring[attempt];
	struct tx_segment seg;
	struct netaddr addr;
	uint16_t port;
	size_t ti;
	uint32_t index;
	uint64_t sent_ns;

	if (ring_push(r, &index) < 0) {
		snprintf(s->err, s->errlen, "out of memory");
		return -1;
	}
	tspace_at(c->space, idx, &addr, &port, &ti);
	memset(&seg, 0, sizeof(seg));
	seg.src = c->src[ti];
	seg.dst = addr;
	seg.sport = (uint16_t)(c->sport_base + attempt);
	seg.dport = port;
	seg.ttl = c->ttl;
	seg.seq = isn_encode(&s->isn, index);
	seg.flags = TCPF_SYN;
	seg.win = TCP_OUR_WINDOW;
	seg.optlen = (uint8_t)tcpopt_build(&c->syn, c->mss[ti], c->tsval_base + index, seg.opt);
	int rc = ep_wire_send(s->w, s->stop, &seg, &sent_ns);
	if (rc != 0) {
		if (rc < 0)
			ep_send_error(s->err, s->errlen, &addr, &seg, errno);
		r->tail--; /* nothing went out */
		return rc;
	}
	struct srec *rec = ring_at(r, index);
	rec->idx = idx;
	rec->user_ns = sent_ns;
	if (++s->inflight > s->res->ring_peak)
		s->res->ring_peak = s->inflight;
	if (s->res->sent++ == 0)
		s->res->first_send_ns = sent_ns;
	s->res->last_send_ns = sent_ns;
	if (attempt > 0)
		s->res->retries++;
	rate_charge(s, sent_ns);
	return 0;
}

/* The record a segment names: try from our port, place from the key; it
 * must be for the pair at (remote, rport) from our address local. */
static struct srec *lookup(struct sweep *s, const struct match_hit *hit, unsigned *attempt)
{
	const struct sweep_config *c = s->cfg;
	unsigned k = (uint16_t)(hit->lport - c->sport_base);
	if (k >= s->nrings)
		return NULL;
	struct srec *rec = ring_at(&s->ring[k], isn_decode(&s->isn, hit->key));
	if (rec == NULL)
		return NULL;
	struct netaddr addr;
	uint16_t port;
	size_t ti;
	tspace_at(c->space, rec->idx, &addr, &port, &ti);
	if (port != hit->rport || !netaddr_eq(&addr, &hit->remote) || !netaddr_eq(&c->src[ti], &hit->local))
		return NULL;
	*attempt = k;
	return rec;
}

static void answer(struct sweep *s, struct srec *rec, unsigned attempt, const struct segment *seg,
		   const struct wire_packet *pkt, enum reply_kind reply)
{
	if (rec->answered) {
		s->res->duplicates++;
		return;
	}
	enum ts_source src;
	uint64_t rtt_ns = probe_reply_rtt_ns(rec->kernel_ns, rec->user_ns, pkt->ts_ns, &src);
	if (rtt_ns > s->cfg->timeout_ns) {
		s->res->late++; /* on the wire after -W: never an answer */
		return;
	}
	rec->answered = true;
	retry_answer(&s->est, rtt_ns, attempt);
	if (rec->user_ns > s->newest_answered)
		s->newest_answered = rec->user_ns;

	struct probe_event ev;
	memset(&ev, 0, sizeof(ev));
	probe_event_answer(&ev, seg, reply, rtt_ns, src);
	ev.time_ns = pkt->ts_ns; /* known when it was captured (-D) */
	report(s, rec->idx, attempt, &ev, 0);
}

/* Free the server's half-open entry: a RST for every SYN-ACK to our ports,
 * duplicates included (each one means our last RST did not arrive), and
 * without a record (the block of ports is ours alone). */
static void send_rst(struct sweep *s, const struct match_hit *hit)
{
	struct tx_segment seg;
	uint64_t sent_ns;
	memset(&seg, 0, sizeof(seg));
	seg.src = hit->local;
	seg.dst = hit->remote;
	seg.sport = hit->lport;
	seg.dport = hit->rport;
	seg.ttl = s->cfg->ttl;
	seg.seq = hit->key + 1;
	seg.flags = TCPF_RST;
	(void)ep_wire_send(s->w, s->stop, &seg, &sent_ns); /* not charged: see rate_charge */
}

static void handle_packet(struct sweep *s, const struct wire_packet *pkt)
{
	struct segment seg;
	enum segment_reason why;
	struct match_hit hit;
	unsigned attempt;
	enum segment_status st = segment_decode(pkt->data, pkt->caplen, pkt->linktype, &seg, &why);
	if (st == SEGMENT_BAD) {
		s->res->bad++;
		return;
	}
	if (st != SEGMENT_OK)
		return;
	bool on_block;
	enum match_role role = match_classify_block(&seg, s->cfg->sport_base, (uint16_t)s->nrings, &hit,
						    &on_block);
	if (on_block && s->w->ops->record)
		s->w->ops->record(s->w->ctx, pkt);
	struct srec *rec;
	switch (role) {
	case MATCH_OUR_SYN:
		if ((rec = lookup(s, &hit, &attempt)) != NULL && rec->kernel_ns == 0)
			rec->kernel_ns = pkt->ts_ns;
		break;
	case MATCH_REPLY: {
		uint8_t fl = seg.flags & (TCPF_SYN | TCPF_ACK | TCPF_RST);
		if (!(seg.flags & TCPF_ACK))
			break; /* a bare RST names no probe (RFC 9293 answers a SYN with RST|ACK) */
		if (seg.tcp_csum == CSUM_BAD) {
			s->res->bad_checksum++;
			break;
		}
		if (fl == (TCPF_SYN | TCPF_ACK))
			send_rst(s, &hit);
		if ((rec = lookup(s, &hit, &attempt)) == NULL) {
			s->res->foreign++;
			break;
		}
		if (fl == (TCPF_SYN | TCPF_ACK))
			answer(s, rec, attempt, &seg, pkt, REPLY_SA);
		else if (seg.flags & TCPF_RST)
			answer(s, rec, attempt, &seg, pkt, REPLY_RA);
		break;
	}
	case MATCH_ICMP:
		if ((rec = lookup(s, &hit, &attempt)) != NULL) {
			if (s->w->ops->record)
				s->w->ops->record(s->w->ctx, pkt);
			answer(s, rec, attempt, &seg, pkt, REPLY_ICMP);
		}
		break;
	case MATCH_NONE:
		break;
	}
}

static int drain(struct sweep *s)
{
	struct wire_packet pkt;
	int rc;
	while ((rc = s->w->ops->next(s->w->ctx, &pkt)) == 1)
		handle_packet(s, &pkt);
	if (rc < 0) {
		snprintf(s->err, s->errlen, "capture failed");
		return -1;
	}
	return 0;
}

/* When a try (last: the pair's last) sent at rec is given up: at its
 * timeout, or, as RACK has it (RFC 8985), once a try sent after it (by
 * more than the reordering window) was answered and the newest RTT plus
 * that window has passed: answers come back in about the order they were
 * sent, so its own would have come. A queue on the path delays every
 * answer alike and so retransmits nothing; a loss is seen in about one
 * RTT. The last try waits its timeout: it decides the port. */
static uint64_t deadline_of(const struct sweep *s, const struct srec *rec, bool last)
{
	uint64_t d = rec->user_ns + retry_timeout(&s->est, last);
	uint64_t reo = retry_reorder_window(&s->est);
	if (!last && s->newest_answered > rec->user_ns + reo) {
		uint64_t rack = rec->user_ns + s->est.rtt_latest_ns + reo;
		if (rack < d)
			d = rack;
	}
	return d;
}

/* Expire every ring: an unanswered try given up (deadline_of) is retried
 * (queued) or, its retries spent, reported filtered. Returns -1 on no
 * memory. */
static int expire(struct sweep *s, uint64_t now)
{
	unsigned allowed = retry_allowed(&s->est); /* its cap is ours: nrings - 1 */
	for (unsigned k = 0; k < s->nrings; k++) {
		struct sring *r = &s->ring[k];
		bool last = k >= allowed;
		while (r->head != r->tail) {
			struct srec *rec = &r->v[r->head & (r->cap - 1)];
			if (!rec->answered) {
				uint64_t deadline = deadline_of(s, rec, last);
				if (deadline > now)
					break;
				if (!last) {
					if (pend_push(&s->pend, rec->idx, k + 1) < 0)
						return -1;
				} else {
					report(s, rec->idx, k, NULL, deadline);
				}
			}
			r->head++;
			s->inflight--;
		}
	}
	return 0;
}

/* The earliest moment a ring's oldest try times out (UINT64_MAX: none). */
static uint64_t next_timeout(const struct sweep *s)
{
	unsigned allowed = retry_allowed(&s->est); /* its cap is ours: nrings - 1 */
	uint64_t wake = UINT64_MAX;
	for (unsigned k = 0; k < s->nrings; k++) {
		const struct sring *r = &s->ring[k];
		for (uint32_t i = r->head; i != r->tail; i++) {
			const struct srec *rec = &r->v[i & (r->cap - 1)];
			if (rec->answered)
				continue;
			uint64_t d = deadline_of(s, rec, k >= allowed);
			if (d < wake)
				wake = d;
			break;
		}
	}
	return wake;
}

static bool rings_empty(const struct sweep *s)
{
	for (unsigned k = 0; k < s->nrings; k++)
		if (s->ring[k].head != s->ring[k].tail)
			return false;
	return true;
}

/* The next pair to send and its try: a due retransmission, else the next
 * pair of the order. false when there is none now. */
static bool next_send(struct sweep *s, uint64_t *idx, unsigned *attempt)
{
	if (s->pend.n > 0) {
		pend_pop(&s->pend, idx, attempt);
		return true;
	}
	if (!s->order_done && sweep_order_next(&s->order, idx)) {
		*attempt = 0;
		return true;
	}
	s->order_done = true;
	return false;
}

/* Tell the progress sink how far the sweep is; it decides whether to draw. */
static void report_progress(const struct sweep *s, uint64_t now)
{
	if (s->cfg->progress == NULL)
		return;
	struct progress_counts c = {
		.kind = PROGRESS_SWEEP,
		.unit = "ports",
		.done = s->res->ports,
		.total = s->total,
		.sent = s->res->sent,
		.open = s->res->open,
		.start_ns = s->t0,
	};
	progress_report(s->cfg->progress, &c, now);
}

static void teardown(struct sweep *s)
{
	for (unsigned k = 0; k <= SWEEP_MAX_RETRIES; k++)
		ring_free(&s->ring[k]);
	pend_free(&s->pend);
}

void sweep_result_add(struct sweep_result *sum, const struct sweep_result *part)
{
	sum->ports += part->ports;
	sum->open += part->open;
	sum->closed += part->closed;
	sum->filtered += part->filtered;
	sum->sent += part->sent;
	sum->retries += part->retries;
	sum->received += part->received;
	sum->duplicates += part->duplicates;
	sum->late += part->late;
	sum->bad += part->bad;
	sum->bad_checksum += part->bad_checksum;
	sum->foreign += part->foreign;
	sum->paced += part->paced;
	sum->rate_short += part->rate_short;
	sum->interrupted |= part->interrupted;
	if (part->ring_peak > sum->ring_peak)
		sum->ring_peak = part->ring_peak;
	if (sum->first_send_ns == 0)
		sum->first_send_ns = part->first_send_ns;
	if (part->last_send_ns != 0)
		sum->last_send_ns = part->last_send_ns;
}

int sweep_run(const struct sweep_config *cfg, const struct wire *w, struct output *out,
	      const volatile sig_atomic_t *stop, struct sweep_result *res, char *err, size_t errlen)
{
	struct sweep s;
	int rc = 0;

	memset(&s, 0, sizeof(s));
	memset(res, 0, sizeof(*res));
	s.cfg = cfg;
	s.w = w;
	s.out = out;
	s.res = res;
	s.stop = stop;
	s.err = err;
	s.errlen = errlen;
	s.nrings = (cfg->retries > SWEEP_MAX_RETRIES ? SWEEP_MAX_RETRIES : cfg->retries) + 1;
	if (s.nrings > cfg->nsports)
		s.nrings = cfg->nsports ? cfg->nsports : 1;
	if (cfg->isn_seed)
		isn_seed(&s.isn, cfg->isn_seed);
	else
		isn_seed_random(&s.isn);
	/* A handful of ports goes in list order, as ping-like runs do; the
	 * shuffle is for sweeps large enough to burst a host. */
	sweep_order_init(&s.order, cfg->space->n, cfg->order_seed, cfg->shard, cfg->nshards,
			 cfg->space->n > OUTPUT_BLOCKS_MAX);
	s.total = sweep_order_count(&s.order, cfg->shard ? cfg->shard : 1);
	retry_init(&s.est, cfg->timeout_ns, s.nrings - 1, s.total);
	if (cfg->rate > 0)
		s.gap_ns = s.user_gap_ns = (uint64_t)((double)NS_PER_S / cfg->rate);
	s.next_due = s.t0 = w->ops->now(w->ctx);
	s.hold = cfg->space->n <= OUTPUT_BLOCKS_MAX;
	if (!cfg->continued)
		output_begin_sweep(out, cfg->hosts, cfg->header_ports ? cfg->header_ports : s.total);

	for (;;) {
		if (*stop || output_broken(out)) {
			res->interrupted = 1;
			break;
		}
		uint64_t now = w->ops->now(w->ctx);
		uint64_t idx;
		unsigned attempt;
		for (int burst = 0; burst < SEND_BURST && !*stop && rate_allows(&s, now); burst++) {
			if (!next_send(&s, &idx, &attempt))
				break;
			int sr = send_try(&s, idx, attempt);
			if (sr < 0) {
				rc = -1;
				goto done;
			}
			if (sr > 0) {
				/* Stopped while the queue was full: put it back. */
				if (pend_push(&s.pend, idx, attempt) < 0)
					rc = -1;
				break;
			}
			now = w->ops->now(w->ctx);
		}
		if (drain(&s) < 0) {
			rc = -1;
			goto done;
		}
		now = w->ops->now(w->ctx);
		pace(&s, now);
		if (expire(&s, now) < 0) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			goto done;
		}
		report_progress(&s, now);
		bool more = s.pend.n > 0 || !s.order_done;
		if (!more && rings_empty(&s))
			break;
		if (!more)
			s.idle = true;

		uint64_t wake = next_timeout(&s);
		if (more && s.next_due < wake)
			wake = s.next_due;
		if (wake > now && w->ops->wait(w->ctx, wake) < 0 && errno != EINTR) {
			snprintf(err, errlen, "wait failed: %s", strerror(errno));
			rc = -1;
			goto done;
		}
	}
	if (drain(&s) < 0)
		rc = -1;
done:
	progress_end(cfg->progress); /* the line goes before the summaries */
	flush_held(&s);
	teardown(&s);
	return rc;
}
