/*
 * connmodel: both ends of one connection, judged segment by segment.
 * See connmodel.h for the ordering rule that makes the peer's states right.
 */
#include "config.h"
#include "core/connmodel.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/segment.h"

const char *teardown_name(enum teardown t)
{
	switch (t) {
	case TEARDOWN_NONE:
		return "none";
	case TEARDOWN_CONFORMANT:
		return "conformant";
	case TEARDOWN_DEVIANT:
		return "deviant";
	case TEARDOWN_INCOMPLETE:
		return "incomplete";
	}
	return "?";
}

void connmodel_init(struct connmodel *m, enum conn_close close)
{
	memset(m, 0, sizeof(*m));
	m->close = close;
	m->local = TCPS_CLOSED;
	m->peer = TCPS_LISTEN;
	deviation_list_init(&m->devs);
}

void connmodel_free(struct connmodel *m)
{
	free(m->log);
	deviation_list_free(&m->devs);
	m->log = NULL;
	m->n = m->cap = 0;
}

/* Sequence space a segment occupies: its bytes, and one each for SYN and FIN. */
const char *connmodel_close_name(enum conn_close c)
{
	static const char *const names[] = { "active", "passive", "half", "rst" };

	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

static uint32_t seg_space(const struct conn_seg *s)
{
	return s->len + ((s->flags & TCPF_SYN) ? 1u : 0u) + ((s->flags & TCPF_FIN) ? 1u : 0u);
}

static bool has_ack(const struct conn_seg *s)
{
	return (s->flags & TCPF_ACK) != 0;
}

/* Our segment e as a state machine event: sent (our end) or received
 * (the peer's end). Its ACK covers the peer's SYN or FIN by what we knew. */
static struct tcpstate_event our_event(const struct connmodel *m, const struct conn_entry *e,
				       enum tcpstate_dir dir)
{
	const struct conn_seg *s = &e->s;
	struct tcpstate_event ev = {
		.dir = dir,
		.flags = s->flags,
		.acks_syn = has_ack(s) && m->have_irs && seq_le(m->irs + 1, s->ack),
		.acks_fin = has_ack(s) && m->peer_fin && seq_le(m->peer_fin_seq + 1, s->ack),
		.data = s->len > 0 && !e->retransmission,
	};
	return ev;
}

/* Record a deviation against entry idx (first one wins for the entry). */
static void deviate(struct connmodel *m, long idx, enum deviation_code code, const char *field,
		    bool has_values, uint32_t expected, uint32_t actual, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

static void deviate(struct connmodel *m, long idx, enum deviation_code code, const char *field,
		    bool has_values, uint32_t expected, uint32_t actual, const char *fmt, ...)
{
	struct deviation d;
	va_list ap;
	memset(&d, 0, sizeof(d));
	d.code = code;
	snprintf(d.field, sizeof(d.field), "%s", field);
	d.has_values = has_values;
	d.expected = expected;
	d.actual = actual;
	va_start(ap, fmt);
	vsnprintf(d.detail, sizeof(d.detail), fmt, ap);
	va_end(ap);
	if (deviation_list_add(&m->devs, &d) < 0) {
		m->oom = true;
		return;
	}
	if (idx >= 0 && m->log[idx].deviation < 0)
		m->log[idx].deviation = (int)(m->devs.n - 1);
}

static bool code_logged(const struct connmodel *m, enum deviation_code c)
{
	for (size_t i = 0; i < m->devs.n; i++)
		if (m->devs.v[i].code == c)
			return true;
	return false;
}

/* Apply our segment at idx to the peer's model (the peer receives it). */
static void apply_to_peer(struct connmodel *m, size_t idx)
{
	struct conn_entry *e = &m->log[idx];
	struct tcpstate_event ev = our_event(m, e, TCPSTATE_RECV);
	enum tcp_state to;
	if (tcpstate_step(m->peer, &ev, &to) == TCPSTATE_OK)
		m->peer = to;
	e->peer = m->peer;
	e->peer_applied = true;
}

/* Apply queued segments of ours up to and including index last. */
static void apply_pending_through(struct connmodel *m, size_t last)
{
	for (; m->pend <= last && m->pend < m->n; m->pend++)
		if (m->log[m->pend].s.dir == CONN_OUT && !m->log[m->pend].peer_applied)
			apply_to_peer(m, m->pend);
}

/* Whether applying our segment at idx would leave the peer's state as it
 * is: a bare ACK of data, say. Such a segment may be applied early without
 * changing any state shown, so the ladder shows it where it happened. */
static bool peer_noop(const struct connmodel *m, size_t idx)
{
	const struct conn_entry *e = &m->log[idx];
	if (seg_space(&e->s) != 0 || (e->s.flags & TCPF_RST))
		return false;
	struct tcpstate_event ev = our_event(m, e, TCPSTATE_RECV);
	enum tcp_state to;
	return tcpstate_step(m->peer, &ev, &to) == TCPSTATE_OK && to == m->peer;
}

/* The next queued segment of ours, or n. */
static size_t next_pending(const struct connmodel *m)
{
	for (size_t i = m->pend; i < m->n; i++)
		if (m->log[i].s.dir == CONN_OUT && !m->log[i].peer_applied)
			return i;
	return m->n;
}

/* Apply the queue's leading bare ACKs that change nothing for the peer. */
static void apply_noops(struct connmodel *m)
{
	for (;;) {
		size_t next = next_pending(m);
		if (next >= m->n || !peer_noop(m, next))
			return;
		apply_pending_through(m, next);
	}
}

/* Everything of ours the peer's segment s proves it had before sending s:
 * each of our segments whose sequence space its ack covers, and what came
 * before them; and our RST once it has surely arrived (it occupies no
 * sequence space, so no ack can prove it). */
static void apply_proven(struct connmodel *m, const struct conn_seg *s, size_t self)
{
	size_t last = SIZE_MAX;
	for (size_t i = m->pend; i < self; i++) {
		const struct conn_entry *e = &m->log[i];
		if (e->s.dir != CONN_OUT || e->peer_applied)
			continue;
		uint32_t space = seg_space(&e->s);
		if (has_ack(s) && space > 0 && seq_le(e->s.seq + space, s->ack))
			last = i;
		if ((e->s.flags & TCPF_RST) && m->rst_transit_ns > 0 &&
		    s->t_ns > e->s.t_ns + m->rst_transit_ns)
			last = i;
	}
	if (last != SIZE_MAX)
		apply_pending_through(m, last);
}

static void log_out(struct connmodel *m, long idx)
{
	struct conn_entry *e = &m->log[idx];
	const struct conn_seg *s = &e->s;
	uint32_t space = seg_space(s);

	if ((s->flags & TCPF_SYN) && !m->have_iss) {
		m->have_iss = true;
		m->iss = s->seq;
		m->snd_nxt = m->snd_una = s->seq;
	} else if (space > 0 && m->have_iss && seq_le(s->seq + space, m->snd_nxt)) {
		e->retransmission = true;
	}
	if (s->len > 0 && m->have_iss && seq_lt(m->snd_nxt, s->seq + s->len)) {
		uint32_t from = seq_lt(s->seq, m->snd_nxt) ? m->snd_nxt : s->seq;
		m->bytes_out += s->seq + s->len - from;
	}
	if (m->have_iss && seq_lt(m->snd_nxt, s->seq + space))
		m->snd_nxt = s->seq + space;
	if ((s->flags & TCPF_FIN) && !m->fin_sent) {
		m->fin_sent = true;
		m->fin_seq = s->seq + s->len;
	}
	if ((s->flags & TCPF_RST) && !m->finished)
		m->rst_sent = true; /* a clean-up after the verdict changes nothing */

	struct tcpstate_event ev = our_event(m, e, TCPSTATE_SEND);
	enum tcp_state to;
	if (tcpstate_step(m->local, &ev, &to) == TCPSTATE_OK)
		m->local = to;
	e->local = m->local;
	e->peer = m->peer; /* provisional until the peer is shown it */
	if (m->finished) /* a clean-up after the verdict: the peer gets it now */
		apply_pending_through(m, (size_t)idx);
	else
		apply_noops(m);
}

/* Hold [start, end) beyond the hole; overlapping ranges merge. A full
 * queue drops the range: the peer will send it again. */
static void ooo_hold(struct connmodel *m, uint32_t start, uint32_t end)
{
	for (size_t i = 0; i < m->nooo; i++) {
		if (seq_le(start, m->ooo[i].end) && seq_le(m->ooo[i].start, end)) {
			if (seq_lt(start, m->ooo[i].start))
				m->ooo[i].start = start;
			if (seq_lt(m->ooo[i].end, end))
				m->ooo[i].end = end;
			return;
		}
	}
	if (m->nooo < sizeof(m->ooo) / sizeof(m->ooo[0])) {
		m->ooo[m->nooo].start = start;
		m->ooo[m->nooo].end = end;
		m->nooo++;
	}
}

/* rcv_nxt moved: take in the held ranges it reaches, then a held FIN. */
static uint32_t ooo_advance(struct connmodel *m)
{
	uint32_t gained = 0;
	bool again = true;
	while (again) {
		again = false;
		for (size_t i = 0; i < m->nooo; i++) {
			if (seq_lt(m->rcv_nxt, m->ooo[i].start))
				continue;
			if (seq_lt(m->rcv_nxt, m->ooo[i].end)) {
				gained += m->ooo[i].end - m->rcv_nxt;
				m->rcv_nxt = m->ooo[i].end;
			}
			m->ooo[i] = m->ooo[--m->nooo];
			again = true;
			break;
		}
	}
	if (m->peer_fin_ooo && !m->peer_fin && m->peer_fin_ooo_seq == m->rcv_nxt) {
		m->peer_fin = true;
		m->peer_fin_seq = m->rcv_nxt;
		m->rcv_nxt++;
	}
	return gained;
}

/* Sequence checks of the peer's bytes and FIN. Returns whether the segment
 * brought nothing new (a retransmission). */
static bool check_peer_space(struct connmodel *m, long idx, const struct conn_seg *s)
{
	bool fresh = false;
	uint32_t start = s->seq + ((s->flags & TCPF_SYN) ? 1u : 0u);

	if (s->len > 0) {
		if (m->peer_fin && seq_le(m->peer_fin_seq + 1, start)) {
			deviate(m, idx, DEV_DATA_AFTER_FIN, "seq", false, 0, 0,
				"%u bytes at seq %u after its FIN at %u", s->len, start, m->peer_fin_seq);
			return false;
		}
		if (seq_le(start, m->rcv_nxt) && seq_lt(m->rcv_nxt, start + s->len)) {
			uint32_t fresh_bytes = start + s->len - m->rcv_nxt;
			m->rcv_nxt = start + s->len;
			fresh_bytes += ooo_advance(m);
			m->bytes_in += fresh_bytes;
			if (m->fin_sent && has_ack(s) && seq_le(m->fin_seq + 1, s->ack))
				m->bytes_in_after_our_fin += fresh_bytes;
			fresh = true;
		} else if (seq_lt(m->rcv_nxt, start)) {
			bool held = false;
			for (size_t i = 0; i < m->nooo; i++)
				held = held || (seq_le(m->ooo[i].start, start) &&
						seq_le(start + s->len, m->ooo[i].end));
			ooo_hold(m, start, start + s->len);
			fresh = !held; /* ahead of the hole: new, unless held already */
		}
	}
	if (s->flags & TCPF_FIN) {
		uint32_t pos = start + s->len;
		if (m->peer_fin) {
			if (pos != m->peer_fin_seq)
				deviate(m, idx, DEV_FIN_SEQ_WRONG, "seq", true, m->peer_fin_seq, pos,
					"a second FIN at another place");
		} else if (pos == m->rcv_nxt) {
			m->peer_fin = true;
			m->peer_fin_seq = pos;
			m->rcv_nxt = pos + 1;
			fresh = true;
		} else if (seq_lt(m->rcv_nxt, pos)) {
			fresh = !m->peer_fin_ooo || m->peer_fin_ooo_seq != pos;
			m->peer_fin_ooo = true; /* judged at the end: the hole may fill */
			m->peer_fin_ooo_seq = pos;
		} else {
			deviate(m, idx, DEV_FIN_SEQ_WRONG, "seq", true, m->rcv_nxt, pos,
				"FIN inside data already received");
		}
	}
	return !fresh && (s->len > 0 || (s->flags & TCPF_FIN));
}

static void log_in(struct connmodel *m, long idx)
{
	struct conn_entry *e = &m->log[idx];
	const struct conn_seg *s = &e->s;
	/* Judged from ESTABLISHED on, and after our RST too: a peer that had
	 * it must stay quiet (§3.10.7.4). */
	bool judged = m->synced && !m->finished;

	/* Opening: the peer's ISN, or a SYN it should not send any more. */
	if (s->flags & TCPF_SYN) {
		if (!m->have_irs && !(s->flags & TCPF_RST)) {
			if (!has_ack(s) || (m->have_iss && s->ack == m->iss + 1)) {
				m->have_irs = true;
				m->irs = s->seq;
				m->rcv_nxt = s->seq + 1;
			}
		} else if (m->have_irs && s->seq == m->irs) {
			e->retransmission = true; /* its SYN-ACK again: our ACK was lost */
		} else if (judged) {
			deviate(m, idx, DEV_UNEXPECTED_SYN, "seq", true, m->irs, s->seq,
				"SYN in %s", tcpstate_name(m->peer));
		}
	}
	if (s->flags & TCPF_RST) {
		m->rst_received = true;
		if (judged && !m->rst_sent)
			deviate(m, idx, DEV_RST_INSTEAD_OF_FIN, "flags", false, 0, 0,
				"RST while we were in %s", tcpstate_name(m->local));
	}

	/* Its acknowledgement: of data we never sent, or of our FIN. */
	bool acks_fin = false;
	if (has_ack(s) && m->have_iss && !(s->flags & TCPF_RST)) {
		uint32_t before = m->snd_una;
		if (seq_lt(m->snd_nxt, s->ack)) {
			if (judged)
				deviate(m, idx, DEV_ACK_OF_UNSENT, "ack", true, m->snd_nxt, s->ack,
					"acknowledges %u bytes never sent", s->ack - m->snd_nxt);
		} else {
			if (seq_lt(m->snd_una, s->ack))
				m->snd_una = s->ack;
			if (m->fin_sent && seq_le(m->fin_seq + 1, s->ack)) {
				m->fin_acked = true;
				acks_fin = true;
			} else if (m->fin_sent && s->ack == m->fin_seq && before == m->fin_seq &&
				   ((s->flags & TCPF_FIN) || s->len == 0)) {
				/* It answers our FIN (nothing else was left to
				 * acknowledge) but without counting the FIN. */
				m->wrong_fin_acks++;
			}
		}
	}
	bool fin_before = m->peer_fin;
	if (m->have_irs && !(s->flags & TCPF_RST) && judged)
		if (check_peer_space(m, idx, s))
			e->retransmission = true;
	/* Its FIN became ours with this segment: in place, or held until this
	 * segment filled the hole before it. */
	bool fin_taken = !fin_before && m->peer_fin;
	/* Bytes below the furthest it ever sent were sent before: reordered
	 * by the network, they say nothing new of the peer's state. */
	uint32_t end = s->seq + s->len + ((s->flags & TCPF_SYN) ? 1u : 0u);
	bool sent_later = !m->peer_sent_any || seq_lt(m->peer_max_end, end);
	if (!(s->flags & TCPF_RST) && sent_later) {
		m->peer_max_end = end;
		m->peer_sent_any = true;
	}

	/* The peer's state: first what it must have had of ours. */
	apply_proven(m, s, (size_t)idx);
	apply_noops(m);
	struct tcpstate_event pev = {
		.dir = TCPSTATE_SEND,
		.flags = s->flags,
		.acks_syn = has_ack(s) && m->have_iss && seq_le(m->iss + 1, s->ack),
		.acks_fin = acks_fin,
		.data = s->len > 0 && !e->retransmission && sent_later,
	};
	enum tcp_state to;
	enum tcpstate_verdict v;
	while ((v = tcpstate_step(m->peer, &pev, &to)) != TCPSTATE_OK) {
		size_t next = next_pending(m);
		if (next >= (size_t)idx)
			break;
		apply_pending_through(m, next);
	}
	if (v == TCPSTATE_OK)
		m->peer = to;
	else if (judged && e->deviation < 0 && !e->retransmission)
		deviate(m, idx, DEV_ILLEGAL_TRANSITION, "flags", false, 0, 0,
			"the peer cannot send this in %s", tcpstate_name(m->peer));
	e->peer = m->peer;

	/* Our state. A FIN beyond a hole is not yet a FIN for us: we take it
	 * only at its place in the sequence (§3.10.7.4, eighth step). */
	struct tcpstate_event lev = pev;
	lev.dir = TCPSTATE_RECV;
	if ((s->flags & TCPF_FIN) &&
	    !(m->peer_fin && m->peer_fin_seq == s->seq + ((s->flags & TCPF_SYN) ? 1u : 0u) + s->len))
		lev.flags &= (uint8_t)~TCPF_FIN;
	if (fin_taken)
		lev.flags |= TCPF_FIN;
	lev.data = s->len > 0 && !e->retransmission;
	if (tcpstate_step(m->local, &lev, &to) == TCPSTATE_OK) {
		m->local = to;
	} else if (judged && e->deviation < 0 && !e->retransmission) {
		deviate(m, idx, DEV_ILLEGAL_TRANSITION, "flags", false, 0, 0,
			"not acceptable in our %s", tcpstate_name(m->local));
	}
	e->local = m->local;
	if (tcpstate_is_synchronized(m->local))
		m->synced = true;
}

long connmodel_add(struct connmodel *m, const struct conn_seg *s)
{
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 32;
		struct conn_entry *nl = realloc(m->log, ncap * sizeof(*nl));
		if (nl == NULL) {
			m->oom = true;
			return -1;
		}
		m->log = nl;
		m->cap = ncap;
	}
	long idx = (long)m->n++;
	struct conn_entry *e = &m->log[idx];
	memset(e, 0, sizeof(*e));
	e->s = *s;
	e->deviation = -1;
	if (s->dir == CONN_OUT) {
		log_out(m, idx);
	} else {
		e->peer_applied = true;
		log_in(m, idx);
	}
	return idx;
}

void connmodel_retime(struct connmodel *m, const struct conn_seg *s)
{
	for (size_t i = 0; i < m->n; i++) {
		struct conn_entry *e = &m->log[i];
		if (e->s.dir != CONN_OUT || e->wire_time || e->s.flags != s->flags ||
		    e->s.seq != s->seq || e->s.len != s->len ||
		    (has_ack(s) && e->s.ack != s->ack))
			continue;
		e->s.t_ns = s->t_ns;
		e->wire_time = true;
		return;
	}
}

void connmodel_finish(struct connmodel *m)
{
	if (m->finished)
		return;
	/* Without a connection nothing proves the peer ever saw our SYN: its
	 * state stays as last known. */
	if (m->n > 0 && m->synced)
		apply_pending_through(m, m->n - 1);
	if (m->synced) {
		bool reset = m->rst_received || m->rst_sent;
		if (m->fin_sent && !m->fin_acked && !reset) {
			if (m->wrong_fin_acks > 0)
				deviate(m, -1, DEV_WRONG_ACK, "ack", true, m->fin_seq + 1, m->fin_seq,
					"our FIN answered %u times without counting it",
					m->wrong_fin_acks);
			else
				deviate(m, -1, DEV_NO_ACK_OF_FIN, "ack", true, m->fin_seq + 1, m->snd_una,
					"our FIN was never acknowledged");
		}
		if (m->nooo > 0)
			deviate(m, -1, DEV_SEQ_GAP, "seq", true, m->rcv_nxt, m->ooo[0].start,
				"bytes before it never came");
		if (m->peer_fin_ooo && !m->peer_fin && !code_logged(m, DEV_SEQ_GAP))
			deviate(m, -1, DEV_FIN_SEQ_WRONG, "seq", true, m->rcv_nxt, m->peer_fin_ooo_seq,
				"its FIN lies beyond bytes it never sent");
		bool want_peer_fin = m->close == CONN_CLOSE_ACTIVE || m->close == CONN_CLOSE_HALF;
		if (want_peer_fin && m->fin_acked && !m->peer_fin && !m->peer_fin_ooo && !reset)
			deviate(m, -1, DEV_FIN_NEVER_SENT, "", false, 0, 0,
				"it acknowledged our FIN and stayed in %s", tcpstate_name(m->peer));
	}
	m->finished = true;
}

bool connmodel_close_done(const struct connmodel *m)
{
	if (m->close == CONN_CLOSE_RST)
		return m->rst_sent;
	if (m->rst_received || m->rst_sent)
		return false;
	return m->fin_acked && m->peer_fin &&
	       (m->local == TCPS_TIME_WAIT || m->local == TCPS_CLOSED);
}

enum teardown connmodel_verdict(const struct connmodel *m, bool handshake_ok)
{
	if (!handshake_ok)
		return TEARDOWN_NONE;
	for (size_t i = 0; i < m->devs.n; i++) {
		enum deviation_code c = m->devs.v[i].code;
		if (c != DEV_NO_ACK_OF_FIN && c != DEV_FIN_NEVER_SENT)
			return TEARDOWN_DEVIANT;
	}
	if (!connmodel_close_done(m) || m->devs.n > 0)
		return TEARDOWN_INCOMPLETE;
	return TEARDOWN_CONFORMANT;
}
