/*
 * probe: syn mode's engine.
 *
 * One loop, one thread: send what the scheduler says is due, drain the
 * capture, report probes whose timeout passed, then wait for the earlier of
 * the next send and the next timeout. Every probe gets its own ISN from a
 * keyed permutation of its index (isn.c), so a reply's ack - 1 (or an ICMP
 * error's quoted seq) leads straight to the probe record; the record must then
 * agree on the remote address and port, or the segment is not ours.
 *
 * Records live in a ring in send order. Their timeouts are in send order too
 * (one -W for all), so expiring walks the ring from its oldest end. A record
 * is kept for the late window after its timeout so late and duplicate
 * answers are recognised and counted rather than mistaken for new ones.
 *
 * Whether an answer is on time is judged by capture timestamps alone: its
 * capture time minus our SYN's. An answer whose RTT exceeds -W is late even
 * when the loop reads it before the probe's timer fires (a send call that
 * returned late, a busy machine), and an answer the loop reads late is still
 * judged by when it was on the wire.
 */
#include "config.h"
#include "engine/probe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/isn.h"
#include "core/match.h"
#include "core/sched.h"
#include "core/segment.h"
#include "core/stats.h"
#include "core/tcpconst.h"
#include "core/tcpopt.h"
#include "engine/endpoint.h"

/* How long after its timeout an answer is still counted as late: the longer
 * of -W and this. An answer later than that (by capture time) is ignored, so
 * the count does not depend on when the loop got round to reading it. A short
 * -W keeps a second's window, so a user whose -W is below the path's RTT
 * sees "late" answers rather than a silent "filtered". */
#define LATE_WINDOW_MIN_NS (1000 * NS_PER_MS)

/* Send at most this many probes before draining the capture and expiring
 * timeouts, so a large sweep does not overflow the capture buffer before we
 * read it, and a run whose sends are always due still reports its timeouts
 * (and frees their records). */
#define SEND_BURST 64

struct rec {
	uint32_t flow;
	uint16_t sport;     /* source port of this probe */
	uint32_t number;    /* probe number of its flow, from 1 */
	uint64_t user_ns;   /* user-space time right after the send */
	uint64_t kernel_ns; /* capture timestamp of our SYN; 0 until seen */
	uint64_t deadline;  /* user_ns + timeout */
	/* A record is pending, then either answered (an answer on time),
	 * or reported as timed out (filtered); a timed-out one may still get
	 * a late answer. reported is set in both ends. */
	bool answered;
	bool reported;
	bool late;             /* a late answer came (counted once) */
	enum reply_kind reply; /* the kind of its answer or late answer */
};

struct flow {
	const struct target *t;
	uint16_t port;
	const struct netaddr *src;
	uint16_t mss;
	uint32_t sent, received, dup, badck, late;
	uint32_t last_index; /* ring index of its newest probe */
	bool any_sent;
	bool seen_sa, seen_rst, seen_icmp;
	struct stats rtt;
};

struct engine {
	const struct probe_config *cfg;
	const struct wire *w;
	struct output *out;
	struct probe_result *res;
	const volatile sig_atomic_t *stop;
	struct isn_gen isn;
	struct sched sched;
	struct flow *flows;
	size_t nflows;
	struct match_table table;
	/* Ring of records: indices [head, tail) are live; slot = index % cap. */
	struct rec *ring;
	uint32_t cap, head, tail;
	uint32_t scan;       /* oldest record that may be unreported */
	uint32_t unreported; /* records not yet reported */
	uint64_t timeout_ns;
	uint64_t late_ns; /* the late window after a timeout */
	uint64_t t0;         /* when the run began (progress) */
	uint64_t sent;       /* probes sent, all flows */
	uint64_t open_found; /* flows that have had a SYN-ACK */
	char *err;
	size_t errlen;
};

static struct rec *rec_at(struct engine *e, uint32_t index)
{
	if ((uint32_t)(index - e->head) >= (uint32_t)(e->tail - e->head))
		return NULL;
	return &e->ring[index % e->cap];
}

static int ring_push(struct engine *e, uint32_t *index)
{
	if (e->tail - e->head == e->cap) {
		/* index % cap must survive the uint32 index wrapping, so cap stays
		 * a power of two that fits: past 2^31 records we are out of memory. */
		if (e->cap > UINT32_MAX / 2)
			return -1;
		uint32_t ncap = e->cap ? e->cap * 2 : 256;
		struct rec *n = calloc(ncap, sizeof(*n));
		if (n == NULL)
			return -1;
		for (uint32_t i = e->head; i != e->tail; i++)
			n[i % ncap] = e->ring[i % e->cap];
		free(e->ring);
		e->ring = n;
		e->cap = ncap;
	}
	*index = e->tail++;
	memset(&e->ring[*index % e->cap], 0, sizeof(struct rec));
	return 0;
}

static void fill_base(const struct flow *f, const struct rec *r, struct probe_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->host = f->t->host;
	ev->addr = f->t->addr;
	ev->port = f->port;
	ev->sport = r->sport;
	ev->seq = r->number;
}

static void report_timeout(struct engine *e, struct rec *r)
{
	struct flow *f = &e->flows[r->flow];
	struct probe_event ev;
	fill_base(f, r, &ev);
	ev.state = PORT_FILTERED;
	ev.reply = REPLY_NONE;
	ev.time_ns = r->deadline;
	r->reported = true;
	e->unreported--;
	if (!e->cfg->open_only)
		output_probe(e->out, &ev);
}

/* Move the scan cursor past reported records: it then names the oldest
 * unreported one (or tail), so no loop walks reported records twice. */
static void advance_scan(struct engine *e)
{
	if ((uint32_t)(e->scan - e->head) > (uint32_t)(e->tail - e->head))
		e->scan = e->head;
	while (e->scan != e->tail && e->ring[e->scan % e->cap].reported)
		e->scan++;
}

/* Report timeouts that passed and drop records older than one more timeout. */
static void expire(struct engine *e, uint64_t now)
{
	advance_scan(e);
	while (e->scan != e->tail) {
		struct rec *r = &e->ring[e->scan % e->cap];
		if (r->deadline > now)
			break;
		report_timeout(e, r);
		e->scan++;
		advance_scan(e);
	}
	while (e->head != e->scan) {
		struct rec *r = &e->ring[e->head % e->cap];
		if (r->deadline + e->late_ns > now)
			break;
		e->head++;
	}
}

/* Send s through the program's one send loop (endpoint.h): 0 sent, 1 not
 * sent because *stop was set (Ctrl-C must work even when the queue never
 * drains), -1 with errno on a hard error or a queue that stayed full. */
static int send_segment(struct engine *e, const struct tx_segment *s, uint64_t *sent_ns)
{
	return ep_wire_send(e->w, e->stop, s, sent_ns);
}

static void base_segment(struct engine *e, const struct flow *f, uint16_t sport,
			 struct tx_segment *s)
{
	memset(s, 0, sizeof(*s));
	s->src = *f->src;
	s->dst = f->t->addr;
	s->sport = sport;
	s->dport = f->port;
	s->ttl = e->cfg->ttl;
}

/* Send the next probe of flow fi. Returns 0 sent, 1 not sent because *stop
 * was set, -1 on error (e->err filled). */
static int send_probe(struct engine *e, size_t fi)
{
	struct flow *f = &e->flows[fi];
	struct tx_segment s;
	uint32_t index;
	uint64_t sent_ns;

	if (!f->any_sent) {
		if (f->port == f->t->ports.port[0])
			output_begin_target(e->out, f->t->host, &f->t->addr, f->t->ports.n);
		output_begin(e->out, f->t->host, &f->t->addr, f->port);
	}
	if (ring_push(e, &index) < 0) {
		snprintf(e->err, e->errlen, "out of memory");
		return -1;
	}
	/* Consecutive probes of one target port take consecutive ports of the
	 * block, so none shares a 4-tuple with a half-open predecessor. */
	uint16_t sport = (uint16_t)(e->cfg->sport_base + f->sent % e->cfg->nsports);
	base_segment(e, f, sport, &s);
	s.seq = isn_encode(&e->isn, index);
	s.flags = TCPF_SYN;
	s.win = TCP_OUR_WINDOW;
	s.optlen = (uint8_t)tcpopt_build(&e->cfg->syn, f->mss, e->cfg->tsval_base + index, s.opt);
	int rc = send_segment(e, &s, &sent_ns);
	if (rc != 0) {
		if (rc < 0)
			ep_send_error(e->err, e->errlen, &f->t->addr, &s, errno);
		e->tail--; /* nothing went out */
		return rc;
	}
	struct rec *r = rec_at(e, index);
	r->flow = (uint32_t)fi;
	r->sport = sport;
	r->number = ++f->sent;
	e->sent++;
	r->user_ns = sent_ns;
	r->deadline = sent_ns + e->timeout_ns;
	f->last_index = index;
	f->any_sent = true;
	e->unreported++;
	return 0;
}

static void send_rst(struct engine *e, const struct flow *f, uint16_t sport, uint32_t seq)
{
	struct tx_segment s;
	uint64_t sent_ns;
	base_segment(e, f, sport, &s);
	s.seq = seq;
	s.flags = TCPF_RST;
	/* Best effort: the server also times its half-open entry out. Still
	 * through the one send loop, so a full queue delays it, not loses it. */
	if (send_segment(e, &s, &sent_ns) == 0)
		sched_charge(&e->sched, sent_ns);
}

static bool rec_belongs(struct engine *e, const struct rec *r, const struct match_hit *hit)
{
	const struct flow *f = &e->flows[r->flow];
	return f->port == hit->rport && netaddr_eq(&f->t->addr, &hit->remote) &&
	       netaddr_eq(f->src, &hit->local) && r->sport == hit->lport;
}

static void answer(struct engine *e, struct rec *r, const struct segment *seg,
		   const struct wire_packet *pkt, enum reply_kind reply)
{
	struct flow *f = &e->flows[r->flow];
	struct probe_event ev;
	enum ts_source src;
	uint64_t rtt_ns = probe_reply_rtt_ns(r->kernel_ns, r->user_ns, pkt->ts_ns, &src);

	if (r->answered || r->late) {
		/* The same answer again: a retransmitted SYN-ACK or a duplicated
		 * frame. Another kind is not an answer to the probe: a RST (or
		 * RST|ACK, whose ack also names the probe) after a SYN-ACK is
		 * the peer answering our RST or our kernel's, which a host with
		 * no socket for the SYN-ACK sends too (libslirp answers a RST
		 * to a port it has closed with RST|ACK). */
		if (reply == r->reply)
			f->dup++;
		return;
	}
	if (rtt_ns > e->timeout_ns || r->reported) {
		/* Late: on the wire after -W, even if read before the timer
		 * fired. (A record already reported as timed out whose answer
		 * is on time by capture time was read after the timer fired
		 * only because the capture handed it over late: it cannot be
		 * answered any more, so it is late too.) */
		if (rtt_ns > e->timeout_ns + e->late_ns)
			return; /* past the late window: not counted at all */
		if (!r->reported)
			report_timeout(e, r);
		r->late = true;
		r->reply = reply;
		f->late++;
		return;
	}
	r->answered = true;
	r->reply = reply;
	r->reported = true;
	e->unreported--;
	f->received++;

	fill_base(f, r, &ev);
	probe_event_answer(&ev, seg, reply, rtt_ns, src);
	ev.time_ns = pkt->ts_ns;
	if (reply == REPLY_ICMP) {
		f->seen_icmp = true;
	} else if (reply == REPLY_SA) {
		e->open_found += !f->seen_sa;
		f->seen_sa = true;
	} else {
		f->seen_rst = true;
	}
	stats_add(&f->rtt, ev.rtt_ms);
	if (!e->cfg->open_only || ev.state == PORT_OPEN)
		output_probe(e->out, &ev);
}

static void handle_reply(struct engine *e, const struct segment *seg, const struct match_hit *hit,
			 const struct wire_packet *pkt)
{
	long fi = match_table_find(&e->table, &hit->remote, hit->rport);
	if (fi < 0)
		return; /* from an endpoint we never probed */
	struct flow *f = &e->flows[fi];
	if (seg->tcp_csum == CSUM_BAD) {
		f->badck++;
		return;
	}
	struct rec *r = NULL;
	if (seg->flags & TCPF_ACK) {
		r = rec_at(e, isn_decode(&e->isn, hit->key));
		if (r != NULL && !rec_belongs(e, r, hit))
			r = NULL;
	} else if ((seg->flags & TCPF_RST) && f->any_sent) {
		/* A bare RST carries no ack to name its probe: it answers the newest. */
		r = rec_at(e, f->last_index);
		if (r != NULL && r->sport != hit->lport)
			r = NULL;
	}
	if (r == NULL) {
		/* ack names no probe of ours: not an answer. */
		if (e->cfg->reset_unacceptable && (seg->flags & TCPF_ACK) && !(seg->flags & TCPF_RST))
			send_rst(e, f, hit->lport, seg->ack);
		return;
	}

	uint8_t fl = seg->flags & (TCPF_SYN | TCPF_ACK | TCPF_RST);
	if (fl == (TCPF_SYN | TCPF_ACK)) {
		/* Free the server's half-open entry even for duplicates: each SYN-ACK
		 * retransmission means our last RST did not arrive. */
		send_rst(e, f, r->sport, hit->key + 1);
		answer(e, r, seg, pkt, REPLY_SA);
	} else if (seg->flags & TCPF_RST) {
		answer(e, r, seg, pkt, (seg->flags & TCPF_ACK) ? REPLY_RA : REPLY_R);
	}
}

static void handle_packet(struct engine *e, const struct wire_packet *pkt)
{
	struct segment seg;
	enum segment_reason why;
	struct match_hit hit;
	enum segment_status st = segment_decode(pkt->data, pkt->caplen, pkt->linktype, &seg, &why);
	if (st == SEGMENT_BAD) {
		e->res->bad++;
		return;
	}
	if (st != SEGMENT_OK)
		return;
	bool on_block;
	enum match_role role = match_classify_block(&seg, e->cfg->sport_base, e->cfg->nsports, &hit,
						    &on_block);
	/* The block is ours alone (portres.h): every TCP segment on it belongs
	 * in --pcap, answers, duplicates and our RSTs alike. */
	if (on_block && e->w->ops->record)
		e->w->ops->record(e->w->ctx, pkt);
	switch (role) {
	case MATCH_OUR_SYN: {
		struct rec *r = rec_at(e, isn_decode(&e->isn, hit.key));
		if (r != NULL && rec_belongs(e, r, &hit) && r->kernel_ns == 0)
			r->kernel_ns = pkt->ts_ns;
		break;
	}
	case MATCH_REPLY:
		handle_reply(e, &seg, &hit, pkt);
		break;
	case MATCH_ICMP: {
		struct rec *r = rec_at(e, isn_decode(&e->isn, hit.key));
		if (r != NULL && rec_belongs(e, r, &hit)) {
			if (e->w->ops->record)
				e->w->ops->record(e->w->ctx, pkt);
			answer(e, r, &seg, pkt, REPLY_ICMP);
		}
		break;
	}
	case MATCH_NONE:
		break;
	}
}

static int drain(struct engine *e)
{
	struct wire_packet pkt;
	int rc;
	while ((rc = e->w->ops->next(e->w->ctx, &pkt)) == 1)
		handle_packet(e, &pkt);
	if (rc < 0) {
		snprintf(e->err, e->errlen, "capture failed");
		return -1;
	}
	return 0;
}

static void summarize(struct engine *e)
{
	for (size_t i = 0; i < e->nflows; i++) {
		struct flow *f = &e->flows[i];
		struct summary_event s;
		memset(&s, 0, sizeof(s));
		s.host = f->t->host;
		s.addr = f->t->addr;
		s.port = f->port;
		s.sent = f->sent;
		s.received = f->received;
		s.loss_pct = f->sent ? 100.0 * (double)(f->sent - f->received) / (double)f->sent : 0.0;
		s.state = f->seen_sa ? PORT_OPEN : f->seen_rst ? PORT_CLOSED : PORT_FILTERED;
		stats_summarize(&f->rtt, &s.rtt);
		s.duplicates = f->dup;
		s.bad_checksum = f->badck;
		s.late = f->late;
		e->res->ports++;
		e->res->sent += f->sent;
		e->res->received += f->received;
		if (s.state == PORT_CLOSED)
			e->res->ports_closed++;
		else if (s.state == PORT_FILTERED)
			e->res->ports_filtered++;
		if (s.state == PORT_OPEN)
			e->res->ports_open++;
		else if (e->cfg->open_only)
			continue; /* --open: a sweep reports what it found */
		if (!f->any_sent) {
			if (f->port == f->t->ports.port[0])
				output_begin_target(e->out, f->t->host, &f->t->addr, f->t->ports.n);
			output_begin(e->out, f->t->host, &f->t->addr, f->port);
		}
		output_summary(e->out, &s);
	}
}

/* Tell the progress sink how far the sweep is; it decides whether to draw. */
static void report_progress(const struct engine *e, uint64_t now)
{
	if (e->cfg->progress == NULL)
		return;
	struct progress_counts c = {
		.kind = PROGRESS_SWEEP,
		.unit = e->cfg->count == 1 ? "ports" : "probes",
		.done = e->sent - e->unreported,
		.total = (uint64_t)e->nflows * e->cfg->count, /* -c 0: 0, unknown */
		.sent = e->sent,
		.open = e->open_found,
		.start_ns = e->t0,
	};
	progress_report(e->cfg->progress, &c, now);
}

static int setup(struct engine *e)
{
	size_t n = target_list_ports(e->cfg->targets);
	e->flows = calloc(n ? n : 1, sizeof(*e->flows));
	if (e->flows == NULL || match_table_init(&e->table, n) < 0)
		return -1;
	for (size_t ti = 0; ti < e->cfg->targets->n; ti++) {
		const struct target *t = &e->cfg->targets->t[ti];
		for (size_t pi = 0; pi < t->ports.n; pi++) {
			struct flow *f = &e->flows[e->nflows];
			f->t = t;
			f->port = t->ports.port[pi];
			f->src = &e->cfg->src[ti];
			f->mss = e->cfg->mss[ti];
			stats_init(&f->rtt);
			if (match_table_add(&e->table, &t->addr, f->port, e->nflows) < 0)
				return -1;
			e->nflows++;
		}
	}
	return 0;
}

static void teardown(struct engine *e)
{
	for (size_t i = 0; i < e->nflows; i++)
		stats_free(&e->flows[i].rtt);
	free(e->flows);
	match_table_free(&e->table);
	free(e->ring);
}

int probe_run(const struct probe_config *cfg, const struct wire *w, struct output *out,
	      const volatile sig_atomic_t *stop, struct probe_result *res, char *err, size_t errlen)
{
	struct engine e;
	int rc = 0;

	memset(&e, 0, sizeof(e));
	memset(res, 0, sizeof(*res));
	e.cfg = cfg;
	e.w = w;
	e.out = out;
	e.res = res;
	e.stop = stop;
	e.err = err;
	e.errlen = errlen;
	e.timeout_ns = cfg->timeout_ns;
	e.late_ns = cfg->timeout_ns > LATE_WINDOW_MIN_NS ? cfg->timeout_ns : LATE_WINDOW_MIN_NS;
	if (cfg->isn_seed)
		isn_seed(&e.isn, cfg->isn_seed);
	else
		isn_seed_random(&e.isn);
	if (setup(&e) < 0) {
		snprintf(err, errlen, "out of memory");
		teardown(&e);
		return -1;
	}

	e.t0 = w->ops->now(w->ctx);
	sched_init(&e.sched, e.nflows, cfg->count, cfg->interval_ns, cfg->rate, e.t0);
	for (;;) {
		if (*stop || output_broken(out)) {
			res->interrupted = 1;
			break;
		}
		uint64_t now = w->ops->now(w->ctx);
		size_t fi;
		uint64_t due;
		bool more = sched_next(&e.sched, &fi, &due);
		/* A burst ends after SEND_BURST sends even when more are due: with
		 * sends always due (-c 0 -i 0.001 over many ports, rounds longer
		 * than -i) timeouts must still be reported below. */
		for (int burst = 0; more && due <= now && !*stop && burst < SEND_BURST; burst++) {
			int sr = send_probe(&e, fi);
			if (sr < 0) {
				rc = -1;
				goto done;
			}
			if (sr > 0)
				break; /* stopped while the send queue was full */
			sched_sent(&e.sched, now);
			now = w->ops->now(w->ctx);
			more = sched_next(&e.sched, &fi, &due);
		}
		if (drain(&e) < 0) {
			rc = -1;
			goto done;
		}
		now = w->ops->now(w->ctx);
		expire(&e, now);
		report_progress(&e, now);
		if (!more && e.unreported == 0)
			break;

		/* Sleep until the next send or the oldest pending timeout. */
		uint64_t wake = UINT64_MAX;
		if (more)
			wake = due;
		advance_scan(&e);
		if (e.scan != e.tail && e.ring[e.scan % e.cap].deadline < wake)
			wake = e.ring[e.scan % e.cap].deadline;
		if (wake > now && w->ops->wait(w->ctx, wake) < 0 && errno != EINTR) {
			snprintf(err, errlen, "wait failed: %s", strerror(errno));
			rc = -1;
			goto done;
		}
	}
	/* Interrupted or finished: read what already arrived before summing up. */
	if (drain(&e) < 0)
		rc = -1;
done:
	progress_end(cfg->progress); /* the line goes before the summaries */
	summarize(&e);
	teardown(&e);
	return rc;
}
