/*
 * script_lex: the tokens of a packetdrill-syntax script, for script_parse.
 *
 * Private to the script parser. Like packetdrill's lexer, whitespace
 * (newlines included) and comments only separate tokens: an event ends
 * where the next one's time begins, so a system call's {...} may span
 * lines. Every token carries its line and column for "FILE:LINE:COL"
 * messages. Segment flags and hex blobs are read as raw runs of characters
 * (lex_run) because `S.` or `0123abcd` would otherwise split into tokens
 * that mean nothing on their own. The lexer only ever looks inside
 * [buf, buf + len): it never needs a terminating NUL.
 */
#ifndef TCPSHAKE_SCRIPT_LEX_H
#define TCPSHAKE_SCRIPT_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lex_type {
	LEX_EOF,
	LEX_NUM,      /* [0-9][0-9A-Za-z_]*: decimal, or hex with 0x, checked by the user */
	LEX_FLOAT,    /* [0-9]*.[0-9]+ */
	LEX_WORD,     /* [A-Za-z_][A-Za-z0-9_]* */
	LEX_STRING,   /* "..." with \ escapes */
	LEX_BACKTICK, /* `...` */
	LEX_CODE,     /* %{ ... }% */
	LEX_OPTION,   /* --name (the rest of the line is the caller's) */
	LEX_ELLIPSIS, /* ... */
	LEX_PUNCT,    /* any other single ASCII character, in c */
};

struct lex_token {
	enum lex_type type;
	const char *p; /* the token's text: p[0..n) */
	size_t n;
	char c; /* LEX_PUNCT: the character */
	unsigned line, col;
};

struct lex {
	const char *name; /* for messages */
	const char *buf, *end, *p;
	const char *line_start; /* of the line p is on */
	unsigned line;
	char *err;
	size_t errlen;
};

void lex_init(struct lex *lx, const char *name, const char *buf, size_t len, char *err,
	      size_t errlen);

/* Write "NAME:LINE:COL: message" to the error buffer. Returns -1, so callers
 * can `return lex_fail(...)`. */
int lex_fail(struct lex *lx, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Check the whole buffer before tokens are read: no NUL, no control
 * characters but whitespace, only valid UTF-8. 0 or -1 with the error. */
int lex_check_bytes(struct lex *lx);

/* Skip whitespace and comments. -1 on an unterminated comment. */
int lex_skip_space(struct lex *lx);

/* The next token (LEX_EOF at the end). -1 with the error on an unterminated
 * string or block, or a byte that starts no token. */
int lex_next(struct lex *lx, struct lex_token *t);

/* The next token without consuming it. */
int lex_peek(struct lex *lx, struct lex_token *t);

/* After whitespace and comments, the longest run of characters for which
 * accept() is true (possibly empty, then t->n == 0). */
int lex_run(struct lex *lx, struct lex_token *t, bool (*accept)(char c));

/* Consume up to the end of the current line (not the newline itself):
 * the rest of a line whose syntax is not ours to follow (--option=value). */
void lex_skip_line(struct lex *lx);

/* Does token t spell word w exactly? */
bool lex_is(const struct lex_token *t, const char *w);

/* The value of a decimal LEX_NUM token t, which must be at most max. -1
 * with "expected WHAT" or "WHAT N out of range (0-MAX)" at t. */
int lex_uint(struct lex *lx, const struct lex_token *t, uint64_t max, const char *what,
	     uint64_t *out);

/* Is t the punctuation character c? */
bool lex_is_punct(const struct lex_token *t, char c);

#endif
