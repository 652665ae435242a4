/*
 * check_premise: a check's premise about the server. See check_premise.h.
 */
#include "config.h"
#include "engine/check_premise.h"

#include <stdio.h>
#include <string.h>

#include "core/connmodel.h"
#include "core/segment.h"

/* What a premise is read from: the peer's first FIN on connection c in
 * causality order (found false when none), whether it acknowledged our
 * FIN, and the end of the sequence space we sent (sent_end, valid when
 * sent: a byte or a FIN of ours). */
struct close_facts {
	bool found, had_ours, sent;
	struct conn_seg fin;
	uint32_t sent_end;
};

/* Fill *k for connection c; false with v an error when out of memory. */
static bool close_facts_of(struct cx *cx, const struct cx_conn *c, struct close_facts *k,
			   struct verdict *v)
{
	struct connmodel m;
	if (cx_model(cx, c, CONN_CLOSE_ACTIVE, &m) < 0) {
		v->result = CHECK_ERROR;
		snprintf(v->detail, sizeof(v->detail), "out of memory");
		return false;
	}
	memset(k, 0, sizeof(*k));
	for (size_t i = 0; i < m.n; i++) {
		const struct conn_seg *s = &m.log[i].s;
		if (s->dir == CONN_OUT && (s->len > 0 || (s->flags & TCPF_FIN)) && !(s->flags & TCPF_RST)) {
			uint32_t end = s->seq + s->len + ((s->flags & TCPF_FIN) ? 1 : 0);
			if (!k->sent || seq_lt(k->sent_end, end))
				k->sent_end = end;
			k->sent = true;
		}
		if (k->found || s->dir != CONN_IN || !(s->flags & TCPF_FIN))
			continue;
		k->found = true;
		k->fin = *s;
		k->had_ours = m.fin_sent && (s->flags & TCPF_ACK) && seq_le(m.fin_seq + 1, s->ack);
	}
	connmodel_free(&m);
	return true;
}

bool check_peer_close(struct cx *cx, const struct cx_conn *c, enum peer_close *pc, struct verdict *v)
{
	struct close_facts k;
	if (!close_facts_of(cx, c, &k, v))
		return false;
	*pc = !k.found ? PEER_OPEN : k.had_ours ? PEER_CLOSED_AFTER_US : PEER_CLOSED_FIRST;
	return true;
}

int check_server_closes(struct cx *cx, const struct cx_conn *c)
{
	uint64_t until = cx_now(cx) + cx_answer_wait(cx);
	for (;;) {
		struct cx_pkt p;
		int rc = cx_recv(cx, c->sport, c->dport, until, &p);
		if (rc <= 0)
			return rc;
		if (p.flags & TCPF_RST)
			return 0;
		if (p.flags & TCPF_FIN)
			return 1;
	}
}

bool check_kept_open(struct cx *cx, const struct cx_conn *c, struct verdict *v)
{
	struct close_facts k;
	if (!close_facts_of(cx, c, &k, v))
		return false;
	if (!k.found || (k.sent && (k.fin.flags & TCPF_ACK) && seq_le(k.sent_end, k.fin.ack)))
		return true;
	v->result = CHECK_SKIP;
	snprintf(v->detail, sizeof(v->detail), "%s", CHECK_CLOSED_FIRST);
	return false;
}
