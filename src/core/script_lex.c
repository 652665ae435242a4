/*
 * script_lex: tokens of a packetdrill-syntax script (see script_lex.h).
 *
 * A hand-written scanner over a bounded buffer, following packetdrill's
 * lexer.l token for token where scripts need it (numbers, words, strings,
 * backticks, %{ }% code, --options, ..., comments) and no further: the
 * parser reads flags and hex blobs as raw runs. Positions are tracked as
 * the scanner moves so every token knows its line and column.
 */
#include "config.h"
#include "core/script_lex.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void lex_init(struct lex *lx, const char *name, const char *buf, size_t len, char *err,
	      size_t errlen)
{
	lx->name = name;
	lx->buf = buf;
	lx->end = buf + len;
	lx->p = buf;
	lx->line_start = buf;
	lx->line = 1;
	lx->err = err;
	lx->errlen = errlen;
}

int lex_fail(struct lex *lx, unsigned line, unsigned col, const char *fmt, ...)
{
	if (lx->err == NULL || lx->errlen == 0)
		return -1;
	int n = snprintf(lx->err, lx->errlen, "%s:%u:%u: ", lx->name, line, col);
	if (n >= 0 && (size_t)n < lx->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(lx->err + n, lx->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	/* One line, whatever a quoted token held (a `command` spans lines). */
	for (char *c = lx->err; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20)
			*c = ' ';
	return -1;
}

static unsigned col_of(const char *p, const char *line_start)
{
	return (unsigned)(p - line_start) + 1;
}

/* Move p forward by one byte, keeping line and line_start right. */
static void step(struct lex *lx)
{
	if (*lx->p == '\n') {
		lx->line++;
		lx->line_start = lx->p + 1;
	}
	lx->p++;
}

static bool at(const struct lex *lx, size_t off, char c)
{
	return lx->p + off < lx->end && lx->p[off] == c;
}

/* Length of the valid UTF-8 sequence at p (2-4), or 0. RFC 3629 table. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

int lex_check_bytes(struct lex *lx)
{
	const unsigned char *p = (const unsigned char *)lx->buf;
	const unsigned char *end = (const unsigned char *)lx->end;
	const unsigned char *ls = p;
	unsigned line = 1;
	while (p < end) {
		unsigned char c = *p;
		unsigned col = (unsigned)(p - ls) + 1;
		if (c == '\n') {
			line++;
			ls = ++p;
			continue;
		}
		if (c == 0)
			return lex_fail(lx, line, col, "NUL byte: not a text file");
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\r' && c != '\v' && c != '\f') || c == 0x7f)
				return lex_fail(lx, line, col, "control character 0x%02x: not a text file", c);
			p++;
			continue;
		}
		size_t n = utf8_len(p, end);
		if (n == 0)
			return lex_fail(lx, line, col, "invalid UTF-8 byte 0x%02x: not a text file", c);
		p += n;
	}
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

int lex_skip_space(struct lex *lx)
{
	for (;;) {
		while (lx->p < lx->end && is_space(*lx->p))
			step(lx);
		if (at(lx, 0, '/') && at(lx, 1, '/')) {
			while (lx->p < lx->end && *lx->p != '\n')
				step(lx);
			continue;
		}
		if (at(lx, 0, '/') && at(lx, 1, '*')) {
			unsigned line = lx->line, col = col_of(lx->p, lx->line_start);
			step(lx);
			step(lx);
			while (lx->p < lx->end && !(at(lx, 0, '*') && at(lx, 1, '/')))
				step(lx);
			if (lx->p >= lx->end)
				return lex_fail(lx, line, col, "unterminated /* comment");
			step(lx);
			step(lx);
			continue;
		}
		return 0;
	}
}

/* Scan a quoted token from the opening quote q to its closing one (a
 * backslash escapes the next byte). */
static int quoted(struct lex *lx, char q, const char *what, unsigned line, unsigned col)
{
	step(lx);
	while (lx->p < lx->end && *lx->p != q) {
		if (*lx->p == '\\' && lx->p + 1 < lx->end)
			step(lx);
		step(lx);
	}
	if (lx->p >= lx->end)
		return lex_fail(lx, line, col, "unterminated %s", what);
	step(lx);
	return 0;
}

int lex_next(struct lex *lx, struct lex_token *t)
{
	if (lex_skip_space(lx) < 0)
		return -1;
	memset(t, 0, sizeof(*t));
	t->p = lx->p;
	t->line = lx->line;
	t->col = col_of(lx->p, lx->line_start);
	if (lx->p >= lx->end) {
		t->type = LEX_EOF;
		return 0;
	}
	char c = *lx->p;
	if (c == '.' && at(lx, 1, '.') && at(lx, 2, '.')) {
		t->type = LEX_ELLIPSIS;
		step(lx);
		step(lx);
		step(lx);
	} else if (is_digit(c) || (c == '.' && lx->p + 1 < lx->end && is_digit(lx->p[1]))) {
		t->type = LEX_NUM;
		while (lx->p < lx->end && is_digit(*lx->p))
			step(lx);
		if (at(lx, 0, '.') && lx->p + 1 < lx->end && is_digit(lx->p[1])) {
			t->type = LEX_FLOAT;
			step(lx);
			while (lx->p < lx->end && is_digit(*lx->p))
				step(lx);
		} else {
			while (lx->p < lx->end && (is_digit(*lx->p) || is_alpha(*lx->p)))
				step(lx);
		}
	} else if (is_alpha(c)) {
		t->type = LEX_WORD;
		while (lx->p < lx->end && (is_digit(*lx->p) || is_alpha(*lx->p)))
			step(lx);
	} else if (c == '"') {
		t->type = LEX_STRING;
		if (quoted(lx, '"', "string", t->line, t->col) < 0)
			return -1;
	} else if (c == '`') {
		t->type = LEX_BACKTICK;
		if (quoted(lx, '`', "`command`", t->line, t->col) < 0)
			return -1;
	} else if (c == '%' && at(lx, 1, '{')) {
		t->type = LEX_CODE;
		step(lx);
		step(lx);
		while (lx->p < lx->end && !(at(lx, 0, '}') && at(lx, 1, '%')))
			step(lx);
		if (lx->p >= lx->end)
			return lex_fail(lx, t->line, t->col, "unterminated %%{ code block");
		step(lx);
		step(lx);
	} else if (c == '-' && at(lx, 1, '-') && lx->p + 2 < lx->end &&
		   (is_alpha(lx->p[2]) || is_digit(lx->p[2]))) {
		t->type = LEX_OPTION;
		step(lx);
		step(lx);
		while (lx->p < lx->end && (is_digit(*lx->p) || is_alpha(*lx->p)))
			step(lx);
	} else if ((unsigned char)c < 0x80) {
		t->type = LEX_PUNCT;
		t->c = c;
		step(lx);
	} else {
		return lex_fail(lx, t->line, t->col, "unexpected byte 0x%02x", (unsigned char)c);
	}
	t->n = (size_t)(lx->p - t->p);
	return 0;
}

int lex_peek(struct lex *lx, struct lex_token *t)
{
	struct lex save = *lx;
	int r = lex_next(lx, t);
	*lx = save;
	return r;
}

int lex_run(struct lex *lx, struct lex_token *t, bool (*accept)(char c))
{
	if (lex_skip_space(lx) < 0)
		return -1;
	memset(t, 0, sizeof(*t));
	t->type = LEX_WORD;
	t->p = lx->p;
	t->line = lx->line;
	t->col = col_of(lx->p, lx->line_start);
	while (lx->p < lx->end && accept(*lx->p))
		step(lx);
	t->n = (size_t)(lx->p - t->p);
	return 0;
}

void lex_skip_line(struct lex *lx)
{
	while (lx->p < lx->end && *lx->p != '\n')
		step(lx);
}

bool lex_is(const struct lex_token *t, const char *w)
{
	size_t n = strlen(w);
	return t->type == LEX_WORD && t->n == n && memcmp(t->p, w, n) == 0;
}

bool lex_is_punct(const struct lex_token *t, char c)
{
	return t->type == LEX_PUNCT && t->c == c;
}

int lex_uint(struct lex *lx, const struct lex_token *t, uint64_t max, const char *what,
	     uint64_t *out)
{
	if (t->type != LEX_NUM)
		return lex_fail(lx, t->line, t->col, "expected %s, a number", what);
	uint64_t v = 0;
	bool big = false;
	for (size_t i = 0; i < t->n; i++) {
		if (!is_digit(t->p[i]))
			return lex_fail(lx, t->line, t->col, "%s: '%.*s' is not a decimal number", what,
					(int)(t->n > 40 ? 40 : t->n), t->p);
		if (v > UINT64_MAX / 10 - 1)
			big = true;
		else
			v = v * 10 + (uint64_t)(t->p[i] - '0');
	}
	if (big || v > max)
		return lex_fail(lx, t->line, t->col, "%s %.*s out of range (0-%llu)", what,
				(int)(t->n > 40 ? 40 : t->n), t->p, (unsigned long long)max);
	*out = v;
	return 0;
}
