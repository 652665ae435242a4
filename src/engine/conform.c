/*
 * conform: run the suite against each target port. See conform.h.
 */
#include "config.h"
#include "engine/conform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/segment.h"
#include "core/tcpconst.h"
#include "engine/check_premise.h"
#include "engine/check_script.h"
#include "engine/cx.h"


/* What a port of the host does with a SYN: -1 error, 0 no answer, 1 RST,
 * 2 SYN-ACK (an open port: its half-open entry is freed at once). */
static int syn_knock(struct cx *cx, uint16_t port)
{
	struct tx_segment s;
	struct cx_pkt r;
	memset(&s, 0, sizeof(s));
	s.sport = cx_port(cx);
	s.dport = port;
	s.seq = cx_isn(cx);
	s.flags = TCPF_SYN;
	s.win = 64240;
	if (cx_send(cx, &s) < 0)
		return -1;
	int rc = cx_recv(cx, s.sport, s.dport, cx_now(cx) + cx_answer_wait(cx), &r);
	if (rc <= 0)
		return rc;
	if (r.flags & TCPF_RST)
		return 1;
	if ((r.flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK)) {
		s.flags = TCPF_RST;
		s.seq++;
		cx_send(cx, &s);
		return 2;
	}
	return 0; /* something else: not a closed port's answer either */
}

/* Ports tried, in order, when a check needs a closed port and none was
 * given: the target port's neighbours first (often closed on servers),
 * then ports rarely served. The first that answers a SYN with RST is it. */
static uint16_t find_closed(struct cx *cx)
{
	const uint16_t fixed[] = {1, 9, 65534, 47, 65000};
	uint16_t cand[8];
	size_t n = 0;
	if (cx->port < 65535)
		cand[n++] = (uint16_t)(cx->port + 1);
	if (cx->port > 1)
		cand[n++] = (uint16_t)(cx->port - 1);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (fixed[i] != cx->port)
			cand[n++] = fixed[i];
	for (size_t i = 0; i < n; i++) {
		int rc = syn_knock(cx, cand[i]);
		if (rc < 0)
			return 0;
		if (rc == 1)
			return cand[i];
	}
	return 0;
}

/* The closed port the closed-* checks use: the one given, when a SYN to it
 * draws a RST, or one found. 0 with the reason in why when there is none:
 * a given port that is filtered or open would make those checks blame the
 * server for our choice. */
static uint16_t closed_port(const struct conform_config *cfg, struct cx *cx, char *why,
			    size_t whylen)
{
	if (cfg->closed_port == 0) {
		uint16_t p = find_closed(cx);
		if (p == 0)
			snprintf(why, whylen, "no closed port found on the host (give --closed-port)");
		return p;
	}
	int rc = syn_knock(cx, cfg->closed_port);
	if (rc == 1)
		return cfg->closed_port;
	if (rc == 0)
		snprintf(why, whylen, "port %u filtered: no answer, pick a closed port",
			 cfg->closed_port);
	else if (rc == 2)
		snprintf(why, whylen, "port %u is open, pick a closed port", cfg->closed_port);
	else
		snprintf(why, whylen, "port %u could not be tried: %.60s", cfg->closed_port,
			 cx->err[0] ? cx->err : "interrupted");
	return 0;
}

static bool any_needs_closed(const struct conform_config *cfg)
{
	for (size_t i = 0; i < cfg->nchecks; i++)
		if (cfg->checks[i]->needs_closed)
			return true;
	return false;
}

static bool any_needs_open(const struct conform_config *cfg)
{
	for (size_t i = 0; i < cfg->nchecks; i++)
		if (cfg->checks[i]->needs_open)
			return true;
	return false;
}

/* Why check d cannot be judged here, from our side's conditions or the
 * server's own close, or NULL when it runs. */
static const char *skip_reason(const struct conform_config *cfg, const struct cx *cx,
			       const struct check_def *d, int closes, const char *no_closed)
{
	if (d->needs_closed && cx->closed_port == 0)
		return no_closed;
	if (d->needs_guard && !cfg->guarded)
		return "no RST guard: our own kernel would reset the connection this check "
		       "crafts (the guard needs CAP_NET_ADMIN and --rst-guard auto or on)";
	if (d->needs_open && closes == 1)
		return CHECK_CLOSED_FIRST;
	return NULL;
}

/* Check d is starting: tell the progress sink, and note a slow one that runs. */
static void report_check(const struct conform_config *cfg, struct cx *cx,
			 struct progress_counts *pc, const struct check_def *d, bool runs)
{
	pc->item = d->id;
	pc->item_slow = d->slow && runs;
	progress_report(cfg->progress, pc, cx_now(cx));
	if (pc->item_slow && !cfg->quiet) {
		char msg[160];
		snprintf(msg, sizeof(msg), "%s is slow (several seconds)...", d->id);
		progress_note(cfg->progress, msg);
	}
}

static int one_port(const struct conform_config *cfg, struct cx *cx, const struct target *t,
		    struct output *out, struct progress_counts *pc, struct conform_result *res,
		    char *err, size_t errlen)
{
	char abuf[NETADDR_STRLEN];
	struct cx_conn c;
	int closes = 0; /* whether the server closes on its own (check_premise.h) */

	/* One handshake first: is the port open at all, and how far away; and,
	 * when a chosen check needs the connection kept open, whether the
	 * server's application closes it on its own. */
	cx_evidence_reset(cx);
	int rc = cx_connect(cx, cx->port, NULL, 0, &c);
	if (rc < 0) {
		snprintf(err, errlen, "%s", cx->err[0] ? cx->err : "interrupted");
		return *cx->stop ? 0 : -1;
	}
	if (rc == 0 && (c.synack.flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == (TCPF_SYN | TCPF_ACK)) {
		/* A SYN-ACK, but a wrong one: the port is open, and synack-ack
		 * will say what is wrong with it. Free the peer's entry. */
		cx_release(cx, c.sport, c.dport, c.iss);
		if (cx->rtt_ns == 0)
			cx->rtt_ns = 1000000; /* unknown: waits assume a short path */
	} else if (rc == 0) {
		snprintf(err, errlen, "%s port %u is not open: conform mode needs an open port",
			 netaddr_str(&t->addr, abuf, sizeof(abuf)), cx->port);
		return -1;
	} else {
		if (any_needs_open(cfg) && cfg->guarded)
			closes = check_server_closes(cx, &c);
		cx_abort(cx, &c);
		if (closes < 0) {
			snprintf(err, errlen, "%s", cx->err[0] ? cx->err : "interrupted");
			return *cx->stop ? 0 : -1;
		}
	}
	char no_closed[120] = "";
	if (any_needs_closed(cfg))
		cx->closed_port = closed_port(cfg, cx, no_closed, sizeof(no_closed));
	if (cx->failed) {
		snprintf(err, errlen, "%s", cx->err);
		return -1;
	}

	for (size_t i = 0; i < cfg->nchecks && !*cx->stop && !output_broken(out); i++) {
		const struct check_def *d = cfg->checks[i];
		struct verdict v;
		memset(&v, 0, sizeof(v));
		cx_evidence_reset(cx);
		/* Our side's conditions first: a check they spoil is skipped,
		 * with the reason, and only a slow check that really runs says so. */
		const char *skip_why = skip_reason(cfg, cx, d, closes, no_closed);
		report_check(cfg, cx, pc, d, skip_why == NULL);
		if (skip_why != NULL) {
			v.result = CHECK_SKIP;
			snprintf(v.detail, sizeof(v.detail), "%s", skip_why);
		} else {
			cx->err[0] = '\0';
			if (d->script != NULL)
				check_script_run(cx, d, cfg->data, &v);
			else
				d->run(cx, cfg->data, &v);
		}
		if (*cx->stop && v.result == CHECK_ERROR)
			break; /* interrupted mid-check: not a result */
		if (cx->failed) {
			snprintf(err, errlen, "%s", cx->err);
			return -1;
		}
		struct check_event ev = {
			.host = t->host, .addr = t->addr, .port = cx->port, .id = d->id, .ref = d->ref,
			.what = d->what, .result = v.result, .detail = v.detail, .evidence = cx->ev,
			.nevidence = cx->nev, .t0_ns = cx->ev_t0, .index = i + 1, .total = cfg->nchecks,
			.time_ns = cx_now(cx),
		};
		output_check(out, &ev);
		pc->done++;
		res->run++;
		switch (v.result) {
		case CHECK_PASS:
			res->passed++;
			break;
		case CHECK_FAIL:
			res->failed++;
			break;
		case CHECK_SKIP:
			res->skipped++;
			break;
		case CHECK_ERROR:
			res->errors++;
			break;
		}
	}
	return 0;
}

int conform_run(const struct conform_config *cfg, const struct wire *w, struct output *out,
		const volatile sig_atomic_t *stop, struct conform_result *res, char *err,
		size_t errlen)
{
	memset(res, 0, sizeof(*res));
	struct cx cx;
	memset(&cx, 0, sizeof(cx));
	cx.w = w;
	cx.stop = stop;
	cx.sport_base = cfg->sport_base;
	cx.nsports = cfg->nsports;
	cx.ttl = cfg->ttl;
	cx.tsval_base = cfg->tsval_base;
	cx.t0 = w->ops->now(w->ctx);
	cx.isn_state = (uint32_t)cx.t0 ^ cfg->tsval_base;
	struct progress_counts pc = {
		.kind = PROGRESS_CHECKS,
		.total = (uint64_t)target_list_ports(cfg->targets) * cfg->nchecks,
		.start_ns = cx.t0,
	};
	int rc = 0;
	for (size_t ti = 0; ti < cfg->targets->n && rc == 0 && !*stop; ti++) {
		const struct target *t = &cfg->targets->t[ti];
		for (size_t pi = 0; pi < t->ports.n && rc == 0 && !*stop; pi++) {
			cx.src = cfg->src[ti];
			cx.dst = t->addr;
			cx.port = t->ports.port[pi];
			cx.mss = cfg->mss[ti];
			cx.mtu = cfg->mtu != NULL ? cfg->mtu[ti] : 0;
			cx.rtt_ns = 0;
			cx.closed_port = 0;
			cx.nqueue = 0;
			if (pi == 0)
				output_begin_target(out, t->host, &t->addr, t->ports.n);
			output_begin(out, t->host, &t->addr, cx.port);
			rc = one_port(cfg, &cx, t, out, &pc, res, err, errlen);
		}
	}
	progress_end(cfg->progress);
	if (*stop)
		res->interrupted = 1;
	res->bad = cx.bad;
	free(cx.ev);
	return rc;
}
