/*
 * check_script: a script as a conformance check. See check_script.h.
 */
#include "config.h"
#include "engine/check_script.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/segment.h"
#include "engine/check_premise.h"

#define SLOW_SILENCE_NS (2 * 1000000000LL) /* a wait this long makes a check slow */
#define TOLERANCE_NS (20 * 1000000ULL)      /* script mode's default --tolerance */
#define FIN_SETTLE_NS (20 * 1000000ULL)     /* for a FIN right behind a failing segment */

/* How far from its time a timed `>` line's segment may come: script mode's
 * default tolerance, plus half the path's RTT, since a path's jitter grows
 * with its length (a timed line tells an immediate answer from a delayed
 * one, 40 ms at the least, not the path's jitter from the peer). */
static uint64_t tolerance(const struct cx *cx)
{
	return TOLERANCE_NS + cx->rtt_ns / 2;
}

/* Whether a line expects a SYN-ACK among its alternatives. */
static bool expects_synack(const struct script_line *l)
{
	if (l->kind != SCRIPT_EXPECT && l->kind != SCRIPT_EXPECT_OPTIONAL)
		return false;
	for (size_t i = 0; i < l->nalts; i++)
		if ((l->alts[i].flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK))
			return true;
	return false;
}

/* A script that sends on after the peer's SYN-ACK keeps a connection (or a
 * half-open one) our kernel knows nothing of: it would reset it. */
static bool needs_guard(const struct script *s)
{
	bool synack = false;
	for (size_t i = 0; i < s->nlines; i++) {
		const struct script_line *l = &s->lines[i];
		if (synack && l->kind == SCRIPT_SEND)
			return true;
		synack = synack || expects_synack(l);
	}
	return false;
}

static bool slow(const struct script *s)
{
	for (size_t i = 0; i < s->nlines; i++)
		if (s->lines[i].kind == SCRIPT_EXPECT_NOTHING && s->lines[i].silence_ns >= SLOW_SILENCE_NS)
			return true;
	return false;
}

int check_script_def(const struct script *s, struct check_def *d, char *err, size_t errlen)
{
	const char *missing = s->meta.id == NULL ? "id" : s->meta.ref == NULL ? "ref"
						       : s->meta.title == NULL ? "title" : NULL;
	if (missing != NULL) {
		snprintf(err, errlen, "%s: a check script needs a `// %s:` header line", s->name, missing);
		return -1;
	}
	memset(d, 0, sizeof(*d));
	d->id = s->meta.id;
	d->ref = s->meta.ref;
	d->what = s->meta.title;
	d->slow = slow(s);
	d->needs_closed = s->meta.target == SCRIPT_TARGET_CLOSED;
	d->needs_guard = needs_guard(s);
	d->needs_open = (s->meta.needs & SCRIPT_NEED_OPEN) != 0;
	d->script = s;
	return 0;
}

/* A result and its detail, cut to what the verdict holds (a long expected
 * or actual segment is the end of the line, and it is cut, not the start). */
__attribute__((format(printf, 3, 4))) static void set(struct verdict *v, enum check_result r,
						      const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	size_t n = strlen(buf);
	if (n >= sizeof(v->detail))
		n = sizeof(v->detail) - 1;
	memcpy(v->detail, buf, n);
	v->detail[n] = '\0';
	v->result = r;
}

/* The file's last path component, as reports name it. */
static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b != NULL ? b + 1 : path;
}

/* The line of the peer's first SYN-ACK, 0 when none is expected. */
static unsigned synack_line(const struct script *s)
{
	for (size_t i = 0; i < s->nlines; i++)
		if (expects_synack(&s->lines[i]))
			return s->lines[i].lineno;
	return 0;
}

/* A script about an option the peer may rightly not implement (`needs:
 * timestamps`, `needs: sack`) failed at the SYN-ACK on its options, and the
 * SYN-ACK does not take that option: the reason to skip, or NULL. */
static const char *option_not_taken(const struct script *s, const struct script_run_result *res)
{
	if (res->result != SCRIPT_OUTCOME_FAIL || res->line == 0 || res->line != synack_line(s) ||
	    strcmp(res->field, "options") != 0)
		return NULL;
	if ((s->meta.needs & SCRIPT_NEED_TS) && strstr(res->actual, "TS val") == NULL)
		return "the peer does not take timestamps (RFC 7323 makes them optional): nothing to check";
	if ((s->meta.needs & SCRIPT_NEED_SACK) && strstr(res->actual, "sackOK") == NULL)
		return "the peer does not permit SACK (RFC 2018 makes it optional): nothing to check";
	return NULL;
}

/* Whether a line up to lineno expects a FIN of the peer among its
 * alternatives. */
static bool expects_fin_by(const struct script *s, unsigned lineno)
{
	for (size_t i = 0; i < s->nlines && s->lines[i].lineno <= lineno; i++) {
		const struct script_line *l = &s->lines[i];
		if (l->kind != SCRIPT_EXPECT && l->kind != SCRIPT_EXPECT_OPTIONAL)
			continue;
		for (size_t k = 0; k < l->nalts; k++)
			if (l->alts[k].flags & TCPF_FIN)
				return true;
	}
	return false;
}

/* Whether the running check's timeline holds a FIN of the peer. */
static bool peer_fin_seen(const struct cx *cx)
{
	for (size_t i = 0; i < cx->nev; i++)
		if (cx->ev[i].dir == CONN_IN && (cx->ev[i].flags & TCPF_FIN))
			return true;
	return false;
}

/* The premise of a script check on an open port (check_premise.h): a
 * server that keeps the connection open. A script that failed after the
 * peer sent a FIN that no line up to the failing one expects failed on
 * what the server's application did, not its TCP: the reason to skip, or
 * NULL. The run ends at the failing segment, which may be the data an
 * application sends just before it closes; its FIN, right behind, is
 * given the path's RTT and a little more to land in the timeline. A
 * script that passed held every line, a FIN notwithstanding. */
static const char *closed_first(struct cx *cx, const struct script *s,
				const struct script_run_result *res)
{
	if (res->result != SCRIPT_OUTCOME_FAIL || s->meta.target == SCRIPT_TARGET_CLOSED ||
	    expects_fin_by(s, res->line))
		return NULL;
	if (!peer_fin_seen(cx) && cx_pause(cx, cx->rtt_ns + FIN_SETTLE_NS) < 0)
		return NULL;
	return peer_fin_seen(cx) ? CHECK_CLOSED_FIRST : NULL;
}

void check_script_run(struct cx *cx, const struct check_def *d, const char *data, struct verdict *v)
{
	const struct script *s = d->script;
	if ((s->meta.needs & SCRIPT_NEED_DATA) && data == NULL) {
		set(v, CHECK_SKIP, "needs a server that sends data: give --data with a request it answers");
		return;
	}
	uint16_t port = d->needs_closed ? cx->closed_port : cx->port;
	struct script_run_result res;
	int rc = cx_script(cx, s, port, tolerance(cx), &res);
	const char *file = base_name(s->name);
	const char *not_taken = rc < 0 ? NULL : option_not_taken(s, &res);
	if (not_taken == NULL && rc == 0)
		not_taken = closed_first(cx, s, &res);
	if (not_taken != NULL)
		set(v, CHECK_SKIP, "%s", not_taken);
	else if (rc < 0 || res.result == SCRIPT_OUTCOME_ERROR)
		set(v, CHECK_ERROR, "%s", res.detail[0] ? res.detail : cx->err[0] ? cx->err : "interrupted");
	else if (res.result == SCRIPT_OUTCOME_FAIL && res.field[0] != '\0')
		set(v, CHECK_FAIL, "%s:%u: %s: expected %s, got %s", file, res.line, res.field,
		    res.expected, res.actual);
	else if (res.result == SCRIPT_OUTCOME_FAIL)
		set(v, CHECK_FAIL, "%s:%u: %s", file, res.line, res.detail);
	else
		set(v, CHECK_PASS, "every line of %s held%s%s", file, res.nnotes > 0 ? "; " : "",
		    res.nnotes > 0 ? res.notes[0] : "");
	script_run_result_free(&res);
}
