/*
 * script_run: one script against one target port. See script_run.h.
 *
 * Two clocks move together: the script's (ev_script, from the times the
 * lines write) and the wire's (ev_t, when the previous line's event
 * happened, in capture time). Each line's time is turned into a delay from
 * the previous event, applied to ev_t. The peer's frames come through one
 * reader (next_peer), which also keeps the mapping state (the peer's ISN
 * and latest TSval), retimes our segments to their capture time, and turns
 * what is not the peer's segment (an ICMP error, our own kernel's RST) into
 * a result. A frame that one line passes on to the next waits in `pend`.
 */
#include "config.h"
#include "engine/script_run.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/script_match.h"
#include "core/segment.h"
#include "core/tcpconst.h"

#define HISTORY 64 /* peer segments remembered to recognise retransmissions */

/* A peer segment kept past the next ep_next: its options copied. */
struct obs {
	struct segment seg;
	uint8_t opt[40];
	uint64_t t;
};

struct runner {
	struct endpoint *ep;
	const struct script_run_config *cfg;
	struct script_run_result *res;
	bool decided; /* res holds a fail or an error */
	struct script_map map;
	bool have_ts_recent;
	uint32_t ts_recent;
	/* Sequence space both ways, absolute: the furthest each side sent. */
	bool sent_any, rcvd_any;
	uint32_t snd_max, rcv_max;
	bool rst_seen, our_fin, our_fin_acked, peer_fin;
	bool peer_acked;
	uint32_t peer_ack; /* the peer's highest ack: where it expects our next byte */
	/* Our last segment, to retime it when the capture shows it. */
	uint32_t last_seq;
	uint8_t last_flags;
	uint16_t last_len;
	/* The previous event: its wire time, its script time, whether it
	 * was a segment of ours, whether a skipped system call came since. */
	uint64_t ev_t;
	uint64_t real_t; /* the last real event's time (ev_t moves on with skipped lines) */
	int64_t ev_script;
	bool ev_ours, after_syscall;
	bool retime; /* our last segment's capture time has not come yet */
	unsigned ev_line;
	struct obs pend;
	bool have_pend;
	/* An optional line passed over for want of a segment in its time:
	 * its segment, coming late, is still its own, until the peer's next
	 * expected segment. */
	const struct script_line *late_opt;
	struct {
		uint32_t seq;
		uint16_t len;
		uint8_t flags;
	} hist[HISTORY];
	size_t nhist;
};

/* ---- The report ------------------------------------------------------------ */

static int push(char ***v, size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int push(char ***v, size_t *n, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (nv == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strdup(buf)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

#define note(r, ...) push(&(r)->res->notes, &(r)->res->nnotes, __VA_ARGS__)

__attribute__((format(printf, 6, 7))) static void decide(struct runner *r, enum script_outcome out,
							 unsigned line, const char *field,
							 const char *expected, const char *fmt, ...)
{
	struct script_run_result *res = r->res;
	va_list ap;
	if (r->decided)
		return;
	r->decided = true;
	res->result = out;
	res->line = line;
	snprintf(res->field, sizeof(res->field), "%s", field ? field : "");
	snprintf(res->expected, sizeof(res->expected), "%s", expected ? expected : "");
	res->actual[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
}

static void set_actual(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_actual(struct runner *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->res->actual, sizeof(r->res->actual), fmt, ap);
	va_end(ap);
}

/* Seconds as "0.012" for reports; negative ones keep their sign. */
static const char *secs(int64_t ns, char *buf, size_t len)
{
	if (ns < 0) {
		buf[0] = '-';
		script_secs_format(-ns, buf + 1, len - 1);
	} else {
		script_secs_format(ns, buf, len);
	}
	return buf;
}

/* ---- The clocks ------------------------------------------------------------ */

/* A line's delay after the previous event, in the script's time: [lo, hi];
 * *any for `*`. */
static void line_delay(const struct runner *r, const struct script_time *t, int64_t *lo, int64_t *hi,
		       bool *any)
{
	*any = false;
	*lo = *hi = 0;
	switch (t->kind) {
	case SCRIPT_TIME_ABSOLUTE:
		*lo = t->lo_ns - r->ev_script;
		*hi = t->hi_ns - r->ev_script;
		break;
	case SCRIPT_TIME_RELATIVE:
		*lo = t->lo_ns;
		*hi = t->hi_ns;
		break;
	case SCRIPT_TIME_ANY:
		*any = true;
		break;
	case SCRIPT_TIME_NONE:
		break;
	}
	if (*lo < 0)
		*lo = 0;
	if (*hi < *lo)
		*hi = *lo;
}

/* The script's clock after a line whose delay was lo. */
static void script_clock_after(struct runner *r, const struct script_time *t, int64_t lo)
{
	if (t->kind == SCRIPT_TIME_ABSOLUTE)
		r->ev_script = t->lo_ns > r->ev_script ? t->lo_ns : r->ev_script;
	else
		r->ev_script += lo;
}

/* A line that is not a real event (skipped, an optional passed over):
 * both clocks move by its delay, nothing else changes. */
static void virtual_event(struct runner *r, const struct script_line *l)
{
	int64_t lo, hi;
	bool any;
	line_delay(r, &l->time, &lo, &hi, &any);
	r->ev_t += (uint64_t)lo;
	script_clock_after(r, &l->time, lo);
}

static void real_event(struct runner *r, const struct script_line *l, uint64_t t, bool ours, int64_t lo)
{
	r->ev_t = t;
	r->real_t = t;
	r->ev_ours = ours;
	r->retime = false;
	r->after_syscall = false;
	r->ev_line = l->lineno;
	script_clock_after(r, &l->time, lo);
}

/* ---- The peer's segments ---------------------------------------------------- */

static uint32_t seq_end(const struct segment *g)
{
	return g->seq + g->payload_len + ((g->flags & TCPF_SYN) ? 1u : 0u) + ((g->flags & TCPF_FIN) ? 1u : 0u);
}

static bool after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* What a peer segment tells the mapping, before it is matched. */
static void learn(struct runner *r, const struct segment *g)
{
	if ((g->flags & TCPF_SYN) && !r->map.have_irs) {
		r->map.have_irs = true;
		r->map.irs = g->seq;
		r->res->have_irs = true;
		r->res->irs = g->seq;
	}
	if (g->opt.ts_present) {
		r->have_ts_recent = true;
		r->ts_recent = g->opt.tsval;
	}
	if (!r->rcvd_any || after(seq_end(g), r->rcv_max))
		r->rcv_max = seq_end(g);
	r->rcvd_any = true;
	if (g->flags & TCPF_RST)
		r->rst_seen = true;
	if ((g->flags & TCPF_ACK) && (!r->peer_acked || after(g->ack, r->peer_ack)))
		r->peer_ack = g->ack;
	r->peer_acked = r->peer_acked || (g->flags & TCPF_ACK);
	if (g->flags & TCPF_FIN)
		r->peer_fin = true;
	if (r->our_fin && (g->flags & TCPF_ACK) && !after(r->snd_max, g->ack))
		r->our_fin_acked = true;
}

static bool is_retransmission(const struct runner *r, const struct segment *g)
{
	for (size_t i = 0; i < r->nhist; i++)
		if (r->hist[i].seq == g->seq && r->hist[i].len == g->payload_len &&
		    r->hist[i].flags == g->flags)
			return true;
	return false;
}

/* A segment that is not the line's own but may be tolerated: a
 * retransmission of one already matched, or the late segment of an
 * optional line passed over. Notes why. */
static bool tolerated(struct runner *r, const struct obs *o, unsigned line)
{
	if (is_retransmission(r, &o->seg)) {
		note(r, "%u: a retransmission of a segment already matched, tolerated", line);
		return true;
	}
	if (r->late_opt != NULL) {
		struct script_mismatch m;
		for (size_t i = 0; i < r->late_opt->nalts; i++)
			if (script_match(&r->late_opt->alts[i], &o->seg, &r->map, &m)) {
				note(r, "%u: optional segment came late, tolerated", r->late_opt->lineno);
				r->late_opt = NULL;
				return true;
			}
	}
	return false;
}

static void remember(struct runner *r, const struct segment *g)
{
	size_t i = r->nhist < HISTORY ? r->nhist++ : (size_t)(g->seq % HISTORY);
	r->hist[i].seq = g->seq;
	r->hist[i].len = g->payload_len;
	r->hist[i].flags = g->flags;
}

static void observed_text(const struct runner *r, const struct obs *o, char *buf, size_t len)
{
	script_format_observed(&o->seg, &r->map, buf, len);
}

/* One frame of the flow: 1 a peer segment of this run (in *o), 0 nothing
 * for us, 2 it decided the run (an ICMP error, our kernel's RST). */
static int classify(struct runner *r, const struct ep_frame *f, struct obs *o, unsigned line)
{
	const struct segment *g = &f->seg;
	if (f->dir == EP_ICMP) {
		if (f->seg.quote.sport != r->cfg->sport)
			return 0;
		char nbuf[64];
		snprintf(nbuf, sizeof(nbuf), "ICMP type %u code %u", g->icmp_type, g->icmp_code);
		decide(r, SCRIPT_OUTCOME_FAIL, line, "segment", "a TCP segment",
		       "an ICMP error came instead of the peer's segment");
		set_actual(r, "%s", nbuf);
		return 2;
	}
	if (f->dir == EP_OUT) {
		if (g->sport != r->cfg->sport || g->dport != r->cfg->dport)
			return 0;
		if (f->ours) {
			if (r->retime && g->seq == r->last_seq && g->flags == r->last_flags &&
			    g->payload_len == r->last_len && f->ts_ns <= r->real_t) {
				/* Our segment's capture time is its time; skipped
				 * lines since then keep their offset from it. */
				r->ev_t -= r->real_t - f->ts_ns;
				r->real_t = f->ts_ns;
				r->retime = false;
			}
			return 0;
		}
		if (g->flags & TCPF_RST) {
			decide(r, SCRIPT_OUTCOME_ERROR, line, NULL, NULL,
			       "our own kernel reset the connection (is the RST guard on?)");
			return 2;
		}
		return 0;
	}
	if (g->dport != r->cfg->sport || g->sport != r->cfg->dport)
		return 0; /* a late answer to an earlier run */
	o->seg = *g;
	size_t olen = g->doff > 20 ? (size_t)g->doff - 20 : 0;
	if (olen > sizeof(o->opt))
		olen = sizeof(o->opt);
	if (g->options != NULL && olen > 0)
		memcpy(o->opt, g->options, olen);
	o->seg.options = olen > 0 ? o->opt : NULL;
	o->seg.payload = NULL; /* not kept: only its length is compared */
	o->t = f->ts_ns;
	learn(r, &o->seg);
	return 1;
}

/* The next peer segment of this run by deadline: 1 (in *o), 0 none by
 * then, 2 the run was decided, -1 stopped or a runtime error. */
static int next_peer(struct runner *r, uint64_t deadline, struct obs *o, unsigned line)
{
	struct endpoint *ep = r->ep;
	if (r->have_pend) {
		*o = r->pend;
		r->have_pend = false;
		return 1;
	}
	for (;;) {
		struct ep_frame f;
		int rc;
		while ((rc = ep_next(ep, &f)) == 1) {
			int c = classify(r, &f, o, line);
			if (c != 0)
				return c;
		}
		if (rc < 0 || *ep->stop)
			return -1;
		if (ep_now(ep) >= deadline)
			return 0;
		if (ep_wait(ep, deadline) < 0)
			return -1;
	}
}

/* ---- Lines ------------------------------------------------------------------ */

static void unexpected(struct runner *r, const struct obs *o, unsigned line, const char *why)
{
	char seg[192], t[32];
	observed_text(r, o, seg, sizeof(seg));
	decide(r, SCRIPT_OUTCOME_FAIL, line, "segment", "nothing", "%s", why);
	set_actual(r, "%s at %s s", seg, secs((int64_t)(o->t - r->res->t0_ns), t, sizeof(t)));
}

/* Wait until the wire's clock reaches until, failing on any peer segment
 * that is not a retransmission of one matched. A segment stamped after
 * until is kept for the next line. 0, 1 decided, -1. */
static int quiet_until(struct runner *r, uint64_t until, unsigned line)
{
	for (;;) {
		struct obs o;
		int rc = next_peer(r, until, &o, line);
		if (rc <= 0)
			return rc;
		if (rc == 2)
			return 1;
		if (o.t > until) {
			r->pend = o;
			r->have_pend = true;
			return 0;
		}
		if (tolerated(r, &o, line))
			continue;
		char why[96];
		snprintf(why, sizeof(why), "unexpected segment before line %u", line);
		unexpected(r, &o, line, why);
		return 1;
	}
}

static int send_line(struct runner *r, const struct script_line *l)
{
	const struct script_seg *sp = &l->alts[0];
	int64_t lo, hi;
	bool any;
	line_delay(r, &l->time, &lo, &hi, &any);
	uint64_t at = r->ev_t + (uint64_t)lo;
	int rc = quiet_until(r, at > ep_now(r->ep) ? at : ep_now(r->ep), l->lineno);
	if (rc != 0)
		return rc;

	struct tx_segment s;
	char err[160];
	if (sp->ecn != SCRIPT_ECN_UNSET)
		note(r, "%u: the IP ECN field is not set on what we send", l->lineno);
	memset(&s, 0, sizeof(s));
	s.sport = r->cfg->sport;
	s.dport = r->cfg->dport;
	script_seg_wire_flags(sp, &s.flags, &s.reserved);
	s.seq = r->map.iss + sp->seq;
	/* An ack not written is packetdrill's 0, relative (script.h). */
	uint32_t ack = sp->has_ack ? sp->ack : 0;
	s.ack = r->map.have_irs ? r->map.irs + ack : ack;
	s.win = sp->has_win ? sp->win : TCP_OUR_WINDOW;
	s.urp = sp->has_urg ? sp->urg : 0;
	int n = script_build_options(sp, &r->map, r->have_ts_recent, r->ts_recent, s.opt, err, sizeof(err));
	if (n < 0) {
		decide(r, SCRIPT_OUTCOME_ERROR, l->lineno, NULL, NULL, "cannot send this line: %s", err);
		return 1;
	}
	s.optlen = (uint8_t)n;
	uint8_t *payload = NULL;
	if (sp->len > 0) {
		payload = malloc(sp->len);
		if (payload == NULL) {
			decide(r, SCRIPT_OUTCOME_ERROR, l->lineno, NULL, NULL, "out of memory");
			return 1;
		}
		memset(payload, 'x', sp->len);
		s.payload = payload;
		s.payload_len = sp->len;
	}
	uint64_t sent;
	rc = ep_send(r->ep, &s, &sent);
	int e = errno;
	free(payload);
	s.payload = NULL;
	if (rc < 0) {
		if (e == EMSGSIZE) {
			decide(r, SCRIPT_OUTCOME_ERROR, l->lineno, NULL, NULL, "%s", r->ep->err);
			ep_reset_for(r->ep, &s);
			r->rst_seen = true; /* reset already */
			return 1;
		}
		return -1;
	}
	uint32_t end = s.seq + s.payload_len + ((s.flags & TCPF_SYN) ? 1u : 0u) + ((s.flags & TCPF_FIN) ? 1u : 0u);
	if (!(s.flags & TCPF_RST) && (!r->sent_any || after(end, r->snd_max)))
		r->snd_max = end;
	r->sent_any = true;
	if (s.flags & TCPF_FIN)
		r->our_fin = true;
	r->last_seq = s.seq;
	r->last_flags = s.flags;
	r->last_len = s.payload_len;
	real_event(r, l, sent, true, lo);
	r->retime = true;
	/* The send call returned after the frame left: the capture's time,
	 * when it comes, replaces this one (classify). */
	return 0;
}

/* When an expected line's segment may come, absolute: [*early, *late];
 * *learn_rtt when this answer measures the path. */
struct window {
	uint64_t early, late, hard;
	int64_t lo, hi;  /* the line's delay, for the report */
	uint64_t base;   /* the trigger event plus the RTT part */
	bool learn_rtt, any;
};

static struct window expect_window(const struct runner *r, const struct script_line *l)
{
	struct window w;
	uint64_t tol = r->cfg->tolerance_ns, wait = r->cfg->answer_timeout_ns;
	line_delay(r, &l->time, &w.lo, &w.hi, &w.any);
	w.learn_rtt = false;
	w.base = r->ev_t;
	if (r->ev_ours && r->res->have_rtt)
		w.base += r->res->rtt_ns;
	uint64_t lo = w.base + (uint64_t)w.lo, hi = w.base + (uint64_t)w.hi;
	w.early = lo > r->ev_t + tol ? lo - tol : r->ev_t;
	w.late = hi + tol;
	if (w.any) {
		w.early = r->real_t;
		w.late = r->ev_t + wait;
	} else if (r->ev_ours && !r->res->have_rtt) {
		w.late += wait; /* the path's RTT is not known yet */
		w.learn_rtt = true;
	} else if (r->after_syscall && !l->time.range) {
		w.early = r->real_t; /* the remote application's own time */
		w.late += wait;
	}
	w.hard = w.late + wait;
	return w;
}

static void time_fail(struct runner *r, const struct script_line *l, const struct window *w,
		      const struct obs *o, bool early)
{
	char e1[32], e2[32], a[32], tol[32];
	int64_t rtt = (int64_t)(w->base - r->real_t); /* with what skipped lines added */
	secs(rtt + w->lo, e1, sizeof(e1));
	secs(rtt + w->hi, e2, sizeof(e2));
	secs((int64_t)r->cfg->tolerance_ns, tol, sizeof(tol));
	char exp[3 * 32 + 16]; /* three secs() fields and the words between */
	if (w->lo == w->hi)
		snprintf(exp, sizeof(exp), "%s s (+/- %s)", e1, tol);
	else
		snprintf(exp, sizeof(exp), "%s~%s s (+/- %s)", e1, e2, tol);
	decide(r, SCRIPT_OUTCOME_FAIL, l->lineno, "time", exp,
	       "%s: the segment came %s s after line %u's event", early ? "early" : "late",
	       secs((int64_t)o->t - (int64_t)r->real_t, a, sizeof(a)), r->ev_line);
	set_actual(r, "%s s", a);
}

/* Whether o matches one of the line's alternatives; when none, *m holds
 * the difference from the closest (the first with the same flags, else
 * the first). */
static bool match_alts(const struct runner *r, const struct script_line *l, const struct obs *o,
		       struct script_mismatch *m)
{
	struct script_mismatch best, cur;
	bool have_best = false;
	for (size_t i = 0; i < l->nalts; i++) {
		if (script_match(&l->alts[i], &o->seg, &r->map, &cur))
			return true;
		if (!have_best || (strcmp(best.field, "flags") == 0 && strcmp(cur.field, "flags") != 0)) {
			best = cur;
			have_best = true;
		}
	}
	*m = best;
	return false;
}

/* An expected line (`>` or `>?`). 0 done (matched, or an optional passed
 * over), 1 decided, -1. */
static int expect_line(struct runner *r, const struct script_line *l)
{
	bool optional = l->kind == SCRIPT_EXPECT_OPTIONAL;
	struct window w = expect_window(r, l);
	char text[256], seg[192];
	for (;;) {
		struct obs o;
		int rc = next_peer(r, optional ? w.late : w.hard, &o, l->lineno);
		w = expect_window(r, l); /* our segment's capture time may have come */
		if (rc < 0)
			return -1;
		if (rc == 2)
			return 1;
		if (rc == 0) {
			if (optional) {
				note(r, "%u: optional segment not sent in its time (passed over)", l->lineno);
				virtual_event(r, l);
				r->late_opt = l;
				return 0;
			}
			char t[32];
			script_line_format(l, text, sizeof(text));
			decide(r, SCRIPT_OUTCOME_FAIL, l->lineno, "segment", text,
			       "missing: no segment from the peer within %s s of line %u's event",
			       secs((int64_t)(w.hard - r->real_t), t, sizeof(t)), r->ev_line);
			set_actual(r, "nothing");
			return 1;
		}
		struct script_mismatch m;
		if (!match_alts(r, l, &o, &m)) {
			if (tolerated(r, &o, l->lineno))
				continue;
			if (optional) {
				note(r, "%u: optional segment folded into the next (passed over)", l->lineno);
				r->pend = o;
				r->have_pend = true;
				virtual_event(r, l);
				return 0;
			}
			script_line_format(l, text, sizeof(text));
			observed_text(r, &o, seg, sizeof(seg));
			decide(r, SCRIPT_OUTCOME_FAIL, l->lineno, m.field, m.expected, "expected %s, got %s%s",
			       text, seg, l->nalts > 1 ? " (no alternative matched)" : "");
			set_actual(r, "%s", m.actual);
			return 1;
		}
		if (optional && o.t > w.late) {
			/* An optional segment may come late (a delayed ACK). */
			note(r, "%u: optional segment came late, tolerated", l->lineno);
		} else if (o.t < w.early || o.t > w.late) {
			time_fail(r, l, &w, &o, o.t < w.early);
			return 1;
		}
		if (w.learn_rtt) {
			uint64_t rtt = o.t - r->ev_t;
			r->res->rtt_ns = rtt > (uint64_t)w.lo ? rtt - (uint64_t)w.lo : 0;
			r->res->have_rtt = true;
		}
		for (size_t i = 0; i < l->nalts; i++)
			if (l->alts[i].ecn != SCRIPT_ECN_UNSET) {
				note(r, "%u: the IP ECN field is not checked", l->lineno);
				break;
			}
		remember(r, &o.seg);
		real_event(r, l, o.t, false, w.lo);
		r->late_opt = NULL; /* the peer has moved on */
		return 0;
	}
}

static int nothing_line(struct runner *r, const struct script_line *l)
{
	int64_t lo, hi;
	bool any;
	line_delay(r, &l->time, &lo, &hi, &any);
	uint64_t base = r->ev_t + (r->ev_ours && r->res->have_rtt ? r->res->rtt_ns : 0);
	uint64_t end = base + (uint64_t)lo + (uint64_t)l->silence_ns;
	struct obs o;
	int rc = next_peer(r, end, &o, l->lineno);
	if (rc < 0)
		return -1;
	if (rc == 2)
		return 1;
	if (rc == 1 && o.t > end) {
		r->pend = o;
		r->have_pend = true;
		rc = 0;
	}
	if (rc == 1) {
		char d[32], seg[192], t[32];
		observed_text(r, &o, seg, sizeof(seg));
		char exp[64];
		snprintf(exp, sizeof(exp), "nothing for %s s", secs(l->silence_ns, d, sizeof(d)));
		decide(r, SCRIPT_OUTCOME_FAIL, l->lineno, "silence", exp,
		       "the peer sent a segment %s s after line %u's event",
		       secs((int64_t)o.t - (int64_t)r->real_t, t, sizeof(t)), r->ev_line);
		set_actual(r, "%s", seg);
		return 1;
	}
	r->ev_t = r->real_t = end;
	r->ev_ours = false;
	r->after_syscall = false;
	r->ev_line = l->lineno;
	script_clock_after(r, &l->time, lo);
	r->ev_script += l->silence_ns;
	return 0;
}

static int skip_line(struct runner *r, const struct script_line *l)
{
	if (push(&r->res->skipped, &r->res->nskipped, "%u: %s", l->lineno, l->name ? l->name : "?") < 0) {
		decide(r, SCRIPT_OUTCOME_ERROR, l->lineno, NULL, NULL, "out of memory");
		return 1;
	}
	virtual_event(r, l);
	if (l->skip == SCRIPT_SKIP_SYSCALL)
		r->after_syscall = true;
	return 0;
}

/* Reset the connection unless the peer reset or closed it, or never
 * answered. A RST the script sent may have been refused (RFC 5961): it
 * does not count. Ours goes at the peer's highest ack, the one sequence
 * number a RST is sure to be accepted at. */
static void reset_if_open(struct runner *r)
{
	bool closed = r->our_fin_acked && r->peer_fin;
	if (!r->sent_any || r->rst_seen || closed || !r->rcvd_any)
		return;
	struct tx_segment s;
	memset(&s, 0, sizeof(s));
	s.sport = r->cfg->sport;
	s.dport = r->cfg->dport;
	s.seq = r->peer_acked ? r->peer_ack : r->snd_max;
	s.flags = TCPF_RST;
	if (r->rcvd_any) {
		s.flags |= TCPF_ACK;
		s.ack = r->rcv_max;
	}
	(void)ep_send(r->ep, &s, NULL);
}

int script_run(struct endpoint *ep, const struct script *s, const struct script_run_config *cfg,
	       struct script_run_result *res)
{
	struct runner r;
	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	r.ep = ep;
	r.cfg = cfg;
	r.res = res;
	ep_timeline_reset(ep);
	r.map.iss = ep_isn(ep);
	r.map.tsval_base = ep->tsval_base;
	r.map.strict_options = cfg->strict_options;
	res->iss = r.map.iss;
	res->t0_ns = ep->tl.t0;
	r.ev_t = r.real_t = res->t0_ns;
	int rc = 0;
	for (size_t i = 0; i < s->nlines && rc == 0; i++) {
		const struct script_line *l = &s->lines[i];
		switch (l->kind) {
		case SCRIPT_SEND:
			rc = send_line(&r, l);
			break;
		case SCRIPT_EXPECT:
		case SCRIPT_EXPECT_OPTIONAL:
			rc = expect_line(&r, l);
			break;
		case SCRIPT_EXPECT_NOTHING:
			rc = nothing_line(&r, l);
			break;
		case SCRIPT_SKIPPED:
			rc = skip_line(&r, l);
			break;
		}
	}
	if (rc < 0) {
		decide(&r, SCRIPT_OUTCOME_ERROR, 0, NULL, NULL, "%s",
		       *ep->stop ? "interrupted" : ep->err != NULL ? ep->err : "runtime error");
		if (!ep->failed)
			reset_if_open(&r); /* stopped: leave nothing half-open */
		return -1;
	}
	if (!r.decided)
		res->result = SCRIPT_OUTCOME_PASS;
	reset_if_open(&r);
	if (ep->failed)
		return -1;
	return 0;
}

void script_run_result_free(struct script_run_result *res)
{
	for (size_t i = 0; i < res->nskipped; i++)
		free(res->skipped[i]);
	for (size_t i = 0; i < res->nnotes; i++)
		free(res->notes[i]);
	free(res->skipped);
	free(res->notes);
	res->skipped = res->notes = NULL;
	res->nskipped = res->nnotes = 0;
}
