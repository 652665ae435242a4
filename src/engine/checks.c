/*
 * checks: the builtin part of the conformance suite, the checks that
 * measure (timers, ISNs, segment sizes), need bytes a script cannot write
 * (a bad checksum, reserved bits, a zero option length) or depend on what
 * the server's application does (closing first). The fixed exchanges are
 * scripts (share/checks). Each run function crafts the segments its
 * requirement is about, collects the peer's answers through cx, frees
 * whatever it left open on the peer, and lets a verdict function decide.
 * See checks.h; docs/checks.md describes each check for people.
 */
#include "config.h"
#include "engine/checks.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/segment.h"
#include "core/tcpconst.h"
#include "core/tcpopt.h"
#include "engine/check_premise.h"
#include "engine/checks_measure.h"

#define UNKNOWN_KIND 79 /* unassigned by IANA (RFC 9293 §3.1's kinds) */
#define REQUEST "tcpshake conformance check\r\n"

/* Our usual SYN options, with a TSval we know. */
static uint8_t default_opts(struct cx *cx, uint32_t tsval, uint8_t buf[40])
{
	struct syn_options so = {.mss = true, .sack = true, .ts = true, .wscale = true,
				 .wscale_value = 7};
	return (uint8_t)tcpopt_build(&so, cx->mss, tsval, buf);
}

/* The peer's first answer to our port sport within the answer wait. */
static int first_answer(struct cx *cx, uint16_t sport, uint16_t dport, struct cx_pkt *r)
{
	return cx_recv(cx, sport, dport, cx_now(cx) + cx_answer_wait(cx), r);
}

/* One SYN from a fresh port; its first answer in *r (1), or none (0). A
 * SYN-ACK is reset at once so no half-open entry is left on the peer. */
static int syn_probe(struct cx *cx, uint16_t dport, const uint8_t *opt, uint8_t optlen,
		     uint8_t reserved, bool bad_csum, uint32_t *iss, struct cx_pkt *r)
{
	struct tx_segment s;
	memset(&s, 0, sizeof(s));
	s.sport = cx_port(cx);
	s.dport = dport;
	s.seq = *iss = cx_isn(cx);
	s.flags = TCPF_SYN;
	s.win = 64240;
	if (optlen > 0) /* opt may be NULL for a SYN without options */
		memcpy(s.opt, opt, optlen);
	s.optlen = optlen;
	s.reserved = reserved;
	s.bad_csum = bad_csum;
	if (cx_send(cx, &s) < 0)
		return -1;
	int rc = first_answer(cx, s.sport, dport, r);
	if (rc == 1 && (r->flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK))
		cx_release(cx, s.sport, dport, *iss);
	return rc;
}

void checks_error(struct cx *cx, struct verdict *v)
{
	v->result = CHECK_ERROR;
	snprintf(v->detail, sizeof(v->detail), "%s", cx->err[0] ? cx->err : "interrupted");
}

static void skip(struct verdict *v, const char *why)
{
	v->result = CHECK_SKIP;
	snprintf(v->detail, sizeof(v->detail), "%s", why);
}

bool checks_connect(struct cx *cx, const uint8_t *opt, uint8_t optlen, struct cx_conn *c,
		    struct verdict *v)
{
	int rc = cx_connect(cx, cx->port, opt, optlen, c);
	if (rc < 0) {
		checks_error(cx, v);
		return false;
	}
	if (rc == 0) {
		v->result = CHECK_ERROR;
		snprintf(v->detail, sizeof(v->detail), "no connection to port %u", cx->port);
		return false;
	}
	return true;
}

static void run_bad_checksum(struct cx *cx, const char *data, struct verdict *v)
{
	uint8_t opt[40];
	uint32_t iss;
	struct cx_pkt r, ctl;
	(void)data;
	uint8_t n = default_opts(cx, cx_tsval(cx), opt);
	int rc = syn_probe(cx, cx->port, opt, n, 0, true, &iss, &r);
	if (rc < 0)
		return checks_error(cx, v);
	int rc2 = syn_probe(cx, cx->port, opt, n, 0, false, &iss, &ctl);
	if (rc2 < 0)
		return checks_error(cx, v);
	verdict_ignored_then_ok(rc ? &r : NULL, rc2 ? &ctl : NULL, "a SYN with a bad checksum", v);
}

static void run_option_length(struct cx *cx, const char *data, struct verdict *v)
{
	/* MSS, then an option whose length byte is 0: a parser that trusts it
	 * loops or reads past the header (MUST-7). */
	uint8_t opt[8] = {2, 4, (uint8_t)(cx->mss >> 8), (uint8_t)cx->mss, UNKNOWN_KIND, 0, 0, 0};
	uint32_t iss;
	struct cx_pkt r;
	struct cx_conn c;
	(void)data;
	int rc = syn_probe(cx, cx->port, opt, sizeof(opt), 0, false, &iss, &r);
	if (rc < 0)
		return checks_error(cx, v);
	int ok = cx_connect(cx, cx->port, NULL, 0, &c);
	if (ok < 0)
		return checks_error(cx, v);
	if (ok == 1)
		cx_abort(cx, &c);
	verdict_survived(rc ? &r : NULL, ok == 1, v);
}

static void run_reserved_bits(struct cx *cx, const char *data, struct verdict *v)
{
	uint8_t opt[40];
	uint32_t iss;
	struct cx_pkt r;
	(void)data;
	/* 0xe: the three bits below the data offset that no RFC has taken;
	 * the fourth (0x1) is AccECN's AE. */
	int rc = syn_probe(cx, cx->port, opt, default_opts(cx, cx_tsval(cx), opt), 0x0e, false, &iss, &r);
	if (rc < 0)
		return checks_error(cx, v);
	verdict_synack_normal(rc ? &r : NULL, iss, "reserved bits 0xe", v);
}

/* Acknowledge the peer's bytes and FIN as they come, for dur_ns; the data
 * segment lengths in lens. Returns whether its FIN came, -1 on error. */
static int read_peer(struct cx *cx, struct cx_conn *c, uint64_t dur_ns, uint16_t *lens, size_t *nlens,
		     size_t max)
{
	uint64_t until = cx_now(cx) + dur_ns;
	for (;;) {
		struct cx_pkt p;
		int rc = cx_recv(cx, c->sport, c->dport, until, &p);
		if (rc < 0)
			return -1;
		if (rc == 0 || (p.flags & TCPF_RST))
			return 0;
		if (p.len > 0 && nlens != NULL && *nlens < max)
			lens[(*nlens)++] = p.len;
		if (cx_take(cx, c, &p, c->snd_nxt))
			return 1;
	}
}

/* Send --data (or a line of ours) in segments the peer's MSS allows. */
static int send_request(struct cx *cx, struct cx_conn *c, const char *data)
{
	const char *d = data != NULL ? data : REQUEST;
	size_t len = strlen(d), off = 0;
	uint16_t mss = c->synack.opt.mss_present ? c->synack.opt.mss : 536;
	if (c->ts)
		mss = (uint16_t)(mss - 12); /* MSS counts no options (RFC 9293 §3.7.1) */
	while (off < len) {
		uint16_t n = (uint16_t)(len - off > mss ? mss : len - off);
		if (cx_send_on(cx, c, TCPF_PSH | TCPF_ACK, c->snd_nxt, c->rcv_nxt, d + off, n) < 0)
			return -1;
		c->snd_nxt += n;
		off += n;
	}
	return 0;
}

static void run_default_mss(struct cx *cx, const char *data, struct verdict *v)
{
	struct cx_conn c;
	uint16_t lens[256];
	size_t n = 0;
	/* No options at all (a non-NULL empty list: NULL means our usual
	 * ones): the peer must assume 536 (IPv4) or 1220 (IPv6). */
	static const uint8_t none[1] = {0};
	int rc = cx_connect(cx, cx->port, none, 0, &c);
	if (rc < 0)
		return checks_error(cx, v);
	if (rc == 0) {
		v->result = CHECK_FAIL;
		snprintf(v->detail, sizeof(v->detail), "a SYN without MSS was not answered");
		return;
	}
	if (send_request(cx, &c, data) < 0 || read_peer(cx, &c, cx_answer_wait(cx) + NS_PER_S / 2, lens, &n, 256) < 0) {
		cx_abort(cx, &c);
		return checks_error(cx, v);
	}
	cx_abort(cx, &c);
	verdict_default_mss(lens, n, cx->dst.family == AF_INET6, v);
}

static void run_after_close(struct cx *cx, const char *data, struct verdict *v)
{
	struct cx_conn c;
	struct cx_pkt r;
	(void)data;
	if (!checks_connect(cx, NULL, 0, &c, v))
		return;
	if (cx_send_on(cx, &c, TCPF_FIN | TCPF_ACK, c.snd_nxt, c.rcv_nxt, NULL, 0) < 0)
		return checks_error(cx, v);
	c.snd_nxt++;
	int fin = read_peer(cx, &c, cx_answer_wait(cx) + NS_PER_S, NULL, NULL, 0);
	if (fin < 0)
		return checks_error(cx, v);
	if (fin == 0) {
		cx_abort(cx, &c);
		return skip(v, "the peer did not close after our FIN");
	}
	/* The premise: we closed first, so the peer went through LAST_ACK to
	 * CLOSED. A peer whose FIN left before it had ours closed first: it is
	 * in TIME_WAIT (or CLOSING), where a stale ACK is rightly ignored. */
	enum peer_close pc;
	if (!check_peer_close(cx, &c, &pc, v)) {
		cx_abort(cx, &c);
		return;
	}
	if (pc == PEER_CLOSED_FIRST) {
		cx_abort(cx, &c);
		return skip(v, "the peer closed first: it is in TIME_WAIT, not LAST_ACK (run against a "
			       "server that waits for our FIN)");
	}
	/* read_peer acknowledged its FIN: LAST_ACK is over. Wait for our ACK
	 * to land, then send what a stale endpoint would. */
	if (cx_pause(cx, 2 * cx->rtt_ns + 50 * NS_PER_MS) < 0)
		return checks_error(cx, v);
	if (cx_send_on(cx, &c, TCPF_ACK, c.snd_nxt, c.rcv_nxt, NULL, 0) < 0)
		return checks_error(cx, v);
	int rc = first_answer(cx, c.sport, c.dport, &r);
	if (rc < 0)
		return checks_error(cx, v);
	verdict_after_close(rc ? &r : NULL, v);
}

static void run_time_wait(struct cx *cx, const char *data, struct verdict *v)
{
	struct cx_conn c;
	struct cx_pkt r;
	if (!checks_connect(cx, NULL, 0, &c, v))
		return;
	if (data != NULL && send_request(cx, &c, data) < 0)
		return checks_error(cx, v);
	int fin = read_peer(cx, &c, cx_answer_wait(cx) + NS_PER_S, NULL, NULL, 0);
	if (fin < 0)
		return checks_error(cx, v);
	if (fin == 0) {
		cx_abort(cx, &c);
		return skip(v, "the peer did not close first (try a server that does, or --data "
			       "that asks it to)");
	}
	uint32_t fseq = c.snd_nxt;
	if (cx_send_on(cx, &c, TCPF_FIN | TCPF_ACK, fseq, c.rcv_nxt, NULL, 0) < 0)
		return checks_error(cx, v);
	c.snd_nxt++;
	int rc = first_answer(cx, c.sport, c.dport, &r);
	if (rc < 0)
		return checks_error(cx, v);
	if (rc == 0 || (r.flags & TCPF_RST) || r.ack != fseq + 1) {
		v->result = CHECK_FAIL;
		snprintf(v->detail, sizeof(v->detail), "our FIN was not acknowledged before TIME_WAIT");
		return;
	}
	/* As if that ACK were lost: our FIN again. */
	if (cx_send_on(cx, &c, TCPF_FIN | TCPF_ACK, fseq, c.rcv_nxt, NULL, 0) < 0)
		return checks_error(cx, v);
	rc = first_answer(cx, c.sport, c.dport, &r);
	if (rc < 0)
		return checks_error(cx, v);
	verdict_time_wait(rc ? &r : NULL, fseq, v);
}

static void run_synack_retrans(struct cx *cx, const char *data, struct verdict *v)
{
	struct tx_segment s;
	uint64_t t[3];
	size_t n = 0;
	uint8_t opt[40];
	(void)data;
	memset(&s, 0, sizeof(s));
	s.sport = cx_port(cx);
	s.dport = cx->port;
	s.seq = cx_isn(cx);
	s.flags = TCPF_SYN;
	s.win = 64240;
	s.optlen = default_opts(cx, cx_tsval(cx), opt);
	memcpy(s.opt, opt, s.optlen);
	if (cx_send(cx, &s) < 0)
		return checks_error(cx, v);
	/* The first SYN-ACK within the answer wait; then as long as
	 * synack_retrans_watch_until says (verdict.h: why those bounds). */
	uint64_t until = cx_now(cx) + cx_answer_wait(cx);
	while (until != 0) {
		struct cx_pkt r;
		int rc = cx_recv(cx, s.sport, s.dport, until, &r);
		if (rc < 0)
			return checks_error(cx, v);
		if (rc == 0)
			break;
		if ((r.flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) != (TCPF_SYN | TCPF_ACK))
			continue;
		t[n++] = r.t_ns;
		until = synack_retrans_watch_until(t, n);
	}
	cx_release(cx, s.sport, s.dport, s.seq);
	if (n == 0) {
		v->result = CHECK_ERROR;
		snprintf(v->detail, sizeof(v->detail), "no SYN-ACK at all");
		return;
	}
	verdict_synack_retrans(t, n, v);
}

static void run_isn(struct cx *cx, const char *data, struct verdict *v)
{
	enum { N = 12 };
	uint32_t isn[N];
	uint64_t t[N];
	size_t n = 0;
	uint8_t opt[40];
	(void)data;
	for (int i = 0; i < N; i++) {
		uint32_t iss;
		struct cx_pkt r;
		uint64_t sent = cx_now(cx);
		int rc = syn_probe(cx, cx->port, opt, default_opts(cx, cx_tsval(cx), opt), 0, false,
				   &iss, &r);
		if (rc < 0)
			return checks_error(cx, v);
		if (rc == 1 && (r.flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK)) {
			isn[n] = r.seq;
			t[n++] = sent;
		}
		if (cx_pause(cx, 20 * NS_PER_MS) < 0) /* the SYNs' spacing: a pause, not a wait */
			return checks_error(cx, v);
	}
	verdict_isn(isn, t, n, v);
}

static const struct check_def suite[] = {
	{.id = "bad-checksum-ignored", .ref = "RFC 9293 3.1 (MUST-2, MUST-3)",
	 .what = "a SYN with a bad checksum is ignored", .run = run_bad_checksum},
	{.id = "option-length-zero", .ref = "RFC 9293 3.1 (MUST-7)",
	 .what = "a zero option length does not break later connections", .run = run_option_length},
	{.id = "reserved-bits-ignored", .ref = "RFC 9293 3.1",
	 .what = "reserved header bits in a SYN are ignored", .run = run_reserved_bits},
	{.id = "default-mss", .ref = "RFC 9293 3.7.1 (MUST-14, MUST-15)",
	 .what = "without an MSS option the peer sends at most 536 (IPv4) / 1220 (IPv6) bytes a segment",
	 .needs_guard = true, .run = run_default_mss},
	{.id = "rst-after-close", .ref = "RFC 9293 3.10.7.4, 3.6",
	 .what = "after LAST_ACK is acknowledged, a further segment gets RST", .needs_guard = true,
	 .run = run_after_close},
	{.id = "time-wait-fin-acked", .ref = "RFC 9293 3.10.7.4 (MUST-13)",
	 .what = "in TIME_WAIT the peer acknowledges a retransmitted FIN again",
	 .needs_guard = true, .run = run_time_wait},
	{.id = "synack-retransmission", .ref = "RFC 6298 2, 5.5; RFC 9293 3.8.1",
	 .what = "a withheld ACK makes the SYN-ACK go again after 1 s or more, then with backoff",
	 .slow = true, .needs_guard = true, .run = run_synack_retrans},
	{.id = "isn-unpredictable", .ref = "RFC 6528 3; RFC 9293 3.4.1 (MUST-8, MUST-9)",
	 .what = "ISNs are neither constant nor clock-linear", .slow = true, .run = run_isn},
	CHECKS_MEASURE,
};

const char *check_kind_name(const struct check_def *d)
{
	return d->script != NULL ? "script" : "builtin";
}

const struct check_def *checks_all(size_t *n)
{
	*n = sizeof(suite) / sizeof(suite[0]);
	return suite;
}

const struct check_def *checks_find(const char *id)
{
	for (size_t i = 0; i < sizeof(suite) / sizeof(suite[0]); i++)
		if (strcmp(suite[i].id, id) == 0)
			return &suite[i];
	return NULL;
}
