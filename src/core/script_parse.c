/*
 * script_parse: a packetdrill-syntax script into a struct script (see
 * script.h for the language).
 *
 * A recursive-descent reading of packetdrill's parser.y, cut to what a
 * remote run needs: events are `TIME ACTION`, an action is a packet line,
 * a system call, a `command` or %{ code }%, and untimed --option and
 * `command` lines may stand at the top or the end. Packet lines become
 * SEND/EXPECT lines (script_seg.c reads the segment itself); everything a
 * remote run cannot do is parsed just far enough to know where it ends and
 * kept as a SKIPPED line for the report. Nesting in system-call arguments
 * is followed with a bounded explicit stack, not recursion, so no input can
 * exhaust the C stack. The first error stops the parse: one message, the
 * line and column of the token at fault.
 */
#include "config.h"
#include "core/script.h"

#include <stdlib.h>
#include <string.h>

#include "core/script_header.h"
#include "core/script_lex.h"
#include "core/script_seg.h"

#define MAX_NEST 64	  /* brackets inside one system call */
#define MAX_TEXT 120	  /* bytes of a skipped line's text kept */
#define MAX_SECONDS 1000000LL /* SCRIPT_MAX_TIME_NS in seconds */

struct parser {
	struct lex lx;
	struct script *s;
	size_t cap;
	int64_t now_ns; /* where the script is: the last absolute time reached */
};

static int oom(struct parser *ps)
{
	return lex_fail(&ps->lx, ps->lx.line, 1, "out of memory");
}

static struct script_line *new_line(struct parser *ps, enum script_line_kind kind,
				    const struct lex_token *first)
{
	struct script *s = ps->s;
	if (s->nlines == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 16;
		struct script_line *l = realloc(s->lines, cap * sizeof(*l));
		if (l == NULL)
			return NULL;
		s->lines = l;
		ps->cap = cap;
	}
	struct script_line *l = &s->lines[s->nlines++];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->lineno = first->line;
	l->col = first->col;
	return l;
}

/* ---- times -------------------------------------------------------------- */

static int time_value(struct parser *ps, const struct lex_token *t, int64_t *ns)
{
	if (t->type != LEX_NUM && t->type != LEX_FLOAT)
		return lex_fail(&ps->lx, t->line, t->col, "expected a time in seconds (like 0.1)");
	int64_t sec = 0, frac = 0;
	size_t i = 0;
	for (; i < t->n && t->p[i] >= '0' && t->p[i] <= '9'; i++) {
		sec = sec * 10 + (t->p[i] - '0');
		if (sec > MAX_SECONDS)
			return lex_fail(&ps->lx, t->line, t->col, "time out of range (at most %lld s)", MAX_SECONDS);
	}
	if (i < t->n && t->p[i] == '.') {
		int digits = 0;
		for (i++; i < t->n && t->p[i] >= '0' && t->p[i] <= '9'; i++)
			if (digits < 9) {
				frac = frac * 10 + (t->p[i] - '0');
				digits++;
			}
		for (; digits < 9; digits++)
			frac *= 10;
	}
	if (i != t->n)
		return lex_fail(&ps->lx, t->line, t->col, "'%.*s' is not a time in seconds",
				(int)(t->n > 40 ? 40 : t->n), t->p);
	*ns = sec * 1000000000LL + frac;
	if (*ns > SCRIPT_MAX_TIME_NS)
		return lex_fail(&ps->lx, t->line, t->col, "time out of range (at most %lld s)", MAX_SECONDS);
	return 0;
}

/* `*`, `T`, `+T`, `T~T` or `+T~+T`; t is its first token, already read. */
static int parse_time(struct parser *ps, const struct lex_token *t, struct script_time *tm)
{
	struct lex *lx = &ps->lx;
	struct lex_token v;
	bool rel = lex_is_punct(t, '+');
	memset(tm, 0, sizeof(*tm));
	if (lex_is_punct(t, '*')) {
		tm->kind = SCRIPT_TIME_ANY;
		return 0;
	}
	if (lex_is_punct(t, '-'))
		return lex_fail(lx, t->line, t->col, "negative time");
	if (!rel && t->type != LEX_NUM && t->type != LEX_FLOAT)
		return lex_fail(lx, t->line, t->col, "expected a time (like 0.1, +0.1, * or 0.1~0.2) to start a line");
	if (rel) {
		if (lex_next(lx, &v) < 0)
			return -1;
	} else {
		v = *t;
	}
	tm->kind = rel ? SCRIPT_TIME_RELATIVE : SCRIPT_TIME_ABSOLUTE;
	if (time_value(ps, &v, &tm->lo_ns) < 0)
		return -1;
	tm->hi_ns = tm->lo_ns;
	struct lex_token w;
	if (lex_peek(lx, &w) < 0)
		return -1;
	if (!lex_is_punct(&w, '~'))
		return 0;
	(void)lex_next(lx, &w);
	if (lex_next(lx, &v) < 0)
		return -1;
	if (lex_is_punct(&v, '+') != rel)
		return lex_fail(lx, v.line, v.col, "a time range is both absolute (a~b) or both relative (+a~+b)");
	if (rel && lex_next(lx, &v) < 0)
		return -1;
	if (time_value(ps, &v, &tm->hi_ns) < 0)
		return -1;
	if (tm->hi_ns < tm->lo_ns)
		return lex_fail(lx, w.line, w.col, "time range is backwards");
	tm->range = true;
	return 0;
}

/* Move the script's clock past a line's time, refusing to go backwards. */
static int advance(struct parser *ps, const struct script_line *l)
{
	const struct script_time *tm = &l->time;
	if (tm->kind == SCRIPT_TIME_ABSOLUTE) {
		if (tm->lo_ns < ps->now_ns) {
			char a[32], b[32];
			script_secs_format(tm->lo_ns, a, sizeof(a));
			script_secs_format(ps->now_ns, b, sizeof(b));
			return lex_fail(&ps->lx, l->lineno, l->col,
					"time goes backwards: %s is before %s, where the script already is", a, b);
		}
		ps->now_ns = tm->lo_ns;
	} else if (tm->kind == SCRIPT_TIME_RELATIVE) {
		if (ps->now_ns + tm->lo_ns > SCRIPT_MAX_TIME_NS)
			return lex_fail(&ps->lx, l->lineno, l->col, "script runs past %lld s", MAX_SECONDS);
		ps->now_ns += tm->lo_ns;
	}
	return 0;
}

/* ---- skipped lines ------------------------------------------------------ */

/* Keep a skipped line: name and the text of its first source line from
 * `from`. Does not move the lexer. */
static int skipped(struct parser *ps, struct script_line *l, enum script_skip_kind kind,
		   const char *name, size_t nn, const char *from)
{
	const char *e = from;
	while (e < ps->lx.end && *e != '\n' && e - from < MAX_TEXT)
		e++;
	/* Never cut inside a UTF-8 sequence: back up to its first byte. */
	while (e > from && e < ps->lx.end && ((unsigned char)*e & 0xc0) == 0x80)
		e--;
	while (e > from && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	l->kind = SCRIPT_SKIPPED;
	l->skip = kind;
	l->name = strndup(name, nn);
	l->text = strndup(from, (size_t)(e - from));
	return l->name == NULL || l->text == NULL ? oom(ps) : 0;
}

/* After an opening bracket already read, read up to its partner, through
 * any nesting, with an explicit stack. */
static int balanced(struct parser *ps, const struct lex_token *open)
{
	char stack[MAX_NEST];
	size_t depth = 0;
	struct lex_token t;
	char want = open->c == '(' ? ')' : open->c == '[' ? ']' : '}';
	stack[depth++] = want;
	while (depth > 0) {
		if (lex_next(&ps->lx, &t) < 0)
			return -1;
		if (t.type == LEX_EOF)
			return lex_fail(&ps->lx, open->line, open->col, "unclosed '%c'", open->c);
		if (t.type != LEX_PUNCT)
			continue;
		if (t.c == '(' || t.c == '[' || t.c == '{') {
			if (depth == MAX_NEST)
				return lex_fail(&ps->lx, t.line, t.col, "brackets nested deeper than %d", MAX_NEST);
			stack[depth++] = t.c == '(' ? ')' : t.c == '[' ? ']' : '}';
		} else if (t.c == ')' || t.c == ']' || t.c == '}') {
			if (t.c != stack[depth - 1])
				return lex_fail(&ps->lx, t.line, t.col, "'%c' where '%c' was expected", t.c,
						stack[depth - 1]);
			depth--;
		}
	}
	return 0;
}

static bool is_open(const struct lex_token *t)
{
	return lex_is_punct(t, '(') || lex_is_punct(t, '[') || lex_is_punct(t, '{');
}

/* One operand of a system call's result: a number, word, string, ... or
 * a bracketed expression. */
static int operand(struct parser *ps, const char *what)
{
	struct lex_token t;
	if (lex_next(&ps->lx, &t) < 0)
		return -1;
	if (lex_is_punct(&t, '-')) {
		if (lex_next(&ps->lx, &t) < 0)
			return -1;
		if (t.type != LEX_NUM && t.type != LEX_FLOAT)
			return lex_fail(&ps->lx, t.line, t.col, "expected a number after '-'");
		return 0;
	}
	if (is_open(&t))
		return balanced(ps, &t);
	if (t.type == LEX_NUM || t.type == LEX_FLOAT || t.type == LEX_WORD || t.type == LEX_STRING ||
	    t.type == LEX_ELLIPSIS)
		return 0;
	return lex_fail(&ps->lx, t.line, t.col, "expected %s", what);
}

/* `[...T] name(args) = result [ERRNO] [(note)]`, packetdrill's syscall_spec. */
static int parse_syscall(struct parser *ps, struct script_line *l)
{
	struct lex *lx = &ps->lx;
	struct lex_token t, name;
	if (lex_next(lx, &t) < 0)
		return -1;
	const char *from = t.p;
	if (t.type == LEX_ELLIPSIS) { /* a blocking call's end time */
		int64_t ns;
		if (lex_next(lx, &t) < 0 || time_value(ps, &t, &ns) < 0)
			return -1;
		if (lex_next(lx, &t) < 0)
			return -1;
	}
	name = t;
	if (name.type != LEX_WORD)
		return lex_fail(lx, name.line, name.col, "expected a system call name");
	if (lex_next(lx, &t) < 0)
		return -1;
	if (!lex_is_punct(&t, '('))
		return lex_fail(lx, t.line, t.col, "expected '(' after the system call name");
	if (balanced(ps, &t) < 0)
		return -1;
	if (lex_next(lx, &t) < 0)
		return -1;
	if (!lex_is_punct(&t, '='))
		return lex_fail(lx, t.line, t.col, "expected '= RESULT' after the system call");
	if (operand(ps, "the system call's result after '='") < 0)
		return -1;
	for (;;) {
		if (lex_peek(lx, &t) < 0)
			return -1;
		if (!lex_is_punct(&t, '|'))
			break;
		(void)lex_next(lx, &t);
		if (operand(ps, "an operand after '|'") < 0)
			return -1;
	}
	if (t.type == LEX_WORD) { /* errno name, as in "= -1 EAGAIN (...)" */
		(void)lex_next(lx, &t);
		if (lex_peek(lx, &t) < 0)
			return -1;
	}
	if (lex_is_punct(&t, '(')) { /* the note */
		(void)lex_next(lx, &t);
		if (balanced(ps, &t) < 0)
			return -1;
	}
	return skipped(ps, l, SCRIPT_SKIP_SYSCALL, name.p, name.n, from);
}

/* ---- packet lines ------------------------------------------------------- */

static bool is_other_packet(const struct lex_token *t)
{
	static const char *const words[] = {"udp", "icmp", "ipv4", "ipv6", "gre", "GREv0", "mpls", "encap"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (lex_is(t, words[i]))
			return true;
	return false;
}

static int parse_silence(struct parser *ps, struct script_line *l, const struct lex_token *dir)
{
	struct lex_token t;
	(void)lex_next(&ps->lx, &t); /* "nothing" */
	if (l->kind == SCRIPT_EXPECT_OPTIONAL)
		return lex_fail(&ps->lx, dir->line, dir->col, "'>?' and 'nothing' do not go together");
	if (lex_next(&ps->lx, &t) < 0)
		return -1;
	if (!lex_is(&t, "for"))
		return lex_fail(&ps->lx, t.line, t.col, "expected 'for SECONDS' after 'nothing'");
	if (lex_next(&ps->lx, &t) < 0 || time_value(ps, &t, &l->silence_ns) < 0)
		return -1;
	if (l->silence_ns == 0)
		return lex_fail(&ps->lx, t.line, t.col, "'nothing for' needs a time above 0");
	l->kind = SCRIPT_EXPECT_NOTHING;
	return 0;
}

static int parse_packet(struct parser *ps, struct script_line *l)
{
	struct lex *lx = &ps->lx;
	struct lex_token dir, t;
	(void)lex_next(lx, &dir);
	bool expect = dir.c == '>';
	l->kind = expect ? SCRIPT_EXPECT : SCRIPT_SEND;
	if (lex_peek(lx, &t) < 0)
		return -1;
	if (lex_is_punct(&t, '?')) {
		if (!expect)
			return lex_fail(lx, t.line, t.col, "'?' (optional) only on an expected ('>') segment");
		(void)lex_next(lx, &t);
		l->kind = SCRIPT_EXPECT_OPTIONAL;
		if (lex_peek(lx, &t) < 0)
			return -1;
	}
	if (lex_is(&t, "nothing")) {
		if (!expect)
			return lex_fail(lx, t.line, t.col, "'nothing' only on an expected ('>') line");
		return parse_silence(ps, l, &dir);
	}
	if (is_other_packet(&t)) {
		if (skipped(ps, l, SCRIPT_SKIP_PACKET, "packet", 6, dir.p) < 0)
			return -1;
		lex_skip_line(lx);
		return 0;
	}
	struct script_seg segs[SCRIPT_MAX_ALTS];
	size_t n = 0;
	for (;;) {
		if (script_seg_parse(lx, expect, &segs[n]) < 0)
			goto fail;
		n++;
		if (lex_peek(lx, &t) < 0)
			goto fail;
		if (!lex_is_punct(&t, '|'))
			break;
		if (!expect) {
			lex_fail(lx, t.line, t.col, "'|' (alternatives) only on an expected ('>') line");
			goto fail;
		}
		if (n == SCRIPT_MAX_ALTS) {
			lex_fail(lx, t.line, t.col, "more than %d alternatives", SCRIPT_MAX_ALTS);
			goto fail;
		}
		(void)lex_next(lx, &t);
	}
	l->alts = malloc(n * sizeof(*l->alts));
	if (l->alts == NULL) {
		oom(ps);
		goto fail;
	}
	memcpy(l->alts, segs, n * sizeof(*l->alts));
	l->nalts = n;
	return 0;
fail:
	while (n > 0)
		script_seg_free(&segs[--n]);
	return -1;
}

/* ---- events ------------------------------------------------------------- */

/* What follows the time: a packet line, a system call, `command` or code. */
static int parse_action(struct parser *ps, struct script_line *l)
{
	struct lex *lx = &ps->lx;
	struct lex_token t;
	if (lex_peek(lx, &t) < 0)
		return -1;
	if (lex_is_punct(&t, '<') || lex_is_punct(&t, '>'))
		return parse_packet(ps, l);
	if (t.type == LEX_WORD || t.type == LEX_ELLIPSIS)
		return parse_syscall(ps, l);
	if (t.type == LEX_BACKTICK || t.type == LEX_CODE) {
		enum script_skip_kind k = t.type == LEX_CODE ? SCRIPT_SKIP_CODE : SCRIPT_SKIP_SHELL;
		(void)lex_next(lx, &t);
		const char *name = script_skip_kind_name(k);
		return skipped(ps, l, k, name, strlen(name), t.p);
	}
	return lex_fail(lx, t.line, t.col,
			"expected '<', '>', a system call, a `command` or %%{ code }%% after the time");
}

static int parse_event(struct parser *ps, const struct lex_token *first)
{
	struct lex *lx = &ps->lx;
	struct lex_token t;
	struct script_line *l = new_line(ps, SCRIPT_SKIPPED, first);
	if (l == NULL)
		return oom(ps);
	(void)lex_next(lx, &t);
	if (parse_time(ps, &t, &l->time) < 0 || parse_action(ps, l) < 0)
		return -1;
	bool expect = l->kind == SCRIPT_EXPECT || l->kind == SCRIPT_EXPECT_OPTIONAL ||
		      (l->kind == SCRIPT_SKIPPED && l->skip == SCRIPT_SKIP_PACKET);
	if (!expect && l->time.kind == SCRIPT_TIME_ANY)
		return lex_fail(lx, l->lineno, l->col, "'*' (any time) only on an expected ('>') segment");
	if (!expect && l->time.range)
		return lex_fail(lx, l->lineno, l->col, "a time range only on an expected ('>') segment");
	if (l->kind != SCRIPT_SKIPPED)
		ps->s->npackets++;
	return advance(ps, l);
}

/* Lines without a time: --option=value, and `command` at the top or end. */
static int parse_untimed(struct parser *ps, const struct lex_token *first)
{
	struct lex_token t;
	struct script_line *l = new_line(ps, SCRIPT_SKIPPED, first);
	if (l == NULL)
		return oom(ps);
	(void)lex_next(&ps->lx, &t);
	if (t.type == LEX_OPTION) {
		if (skipped(ps, l, SCRIPT_SKIP_OPTION, "option", 6, t.p) < 0)
			return -1;
		lex_skip_line(&ps->lx);
		return 0;
	}
	return skipped(ps, l, SCRIPT_SKIP_SHELL, "shell", 5, t.p);
}

static int parse_all(struct parser *ps)
{
	struct lex *lx = &ps->lx;
	if (lex_check_bytes(lx) < 0 || script_header_parse(lx, &ps->s->meta) < 0)
		return -1;
	for (;;) {
		struct lex_token t;
		if (lex_peek(lx, &t) < 0)
			return -1;
		if (t.type == LEX_EOF)
			break;
		int r = t.type == LEX_OPTION || t.type == LEX_BACKTICK ? parse_untimed(ps, &t)
								       : parse_event(ps, &t);
		if (r < 0)
			return -1;
	}
	if (ps->s->npackets == 0)
		return lex_fail(lx, 1, 1, "%s", ps->s->nlines == 0
							? "empty script: no packet lines"
							: "no packet lines: nothing to send or expect");
	return 0;
}

int script_parse(const char *name, const char *buf, size_t len, struct script **out, char *err,
		 size_t errlen)
{
	struct parser ps;
	memset(&ps, 0, sizeof(ps));
	*out = NULL;
	if (name == NULL)
		name = "-";
	/* NULL + 0 is undefined: a NULL buf (only allowed to report a size) is
	 * an empty one for the lexer. */
	lex_init(&ps.lx, name, buf == NULL ? "" : buf, buf == NULL ? 0 : len, err, errlen);
	if (len > SCRIPT_MAX_BYTES)
		return lex_fail(&ps.lx, 1, 1, "script larger than %u bytes", SCRIPT_MAX_BYTES);
	if (buf == NULL && len > 0)
		return lex_fail(&ps.lx, 1, 1, "no script text");
	ps.s = calloc(1, sizeof(*ps.s));
	if (ps.s == NULL)
		return oom(&ps);
	ps.s->name = strdup(name);
	if (ps.s->name == NULL || parse_all(&ps) < 0) {
		if (ps.s->name == NULL)
			oom(&ps);
		script_free(ps.s);
		return -1;
	}
	*out = ps.s;
	return 0;
}

void script_free(struct script *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nlines; i++) {
		struct script_line *l = &s->lines[i];
		for (size_t j = 0; j < l->nalts; j++)
			script_seg_free(&l->alts[j]);
		free(l->alts);
		free(l->name);
		free(l->text);
	}
	free(s->lines);
	free(s->meta.id);
	free(s->meta.ref);
	free(s->meta.title);
	free(s->name);
	free(s);
}
