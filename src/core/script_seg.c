/*
 * script_seg: a segment spec, `FLAGS SEQ [ack N] [win N] [urg N] [<OPTS>]`,
 * as packetdrill's parser.y reads it (see script_seg.h).
 *
 * The checks are packetdrill's: a seq range's end must be start + length,
 * values fit their fields (seq/ack 32 bits, win/urg/mss 16, wscale 8), the
 * options fit TCP's 40 bytes. Ours on top: `*` for a value the peer
 * chooses, and only where the peer chooses it (an expected segment).
 * ack/win/urg may come in any order, each once: packetdrill fixes the
 * order, and nothing is gained by refusing the other.
 */
#include "config.h"
#include "core/script_seg.h"

#include <stdlib.h>
#include <string.h>

#define TCP_OPTS_MAX 40

static const char flag_chars[] = ".FSRPEWAU01234567";

static bool flag_run_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

static int parse_flags(struct lex *lx, struct script_seg *seg)
{
	struct lex_token t;
	if (lex_run(lx, &t, flag_run_char) < 0)
		return -1;
	if (t.n == 0)
		return lex_fail(lx, t.line, t.col, "expected TCP flags (like S, S., ., P., F., R or -)");
	if (t.n == 1 && t.p[0] == '-')
		return 0;
	bool ecn_letter = false;
	for (size_t i = 0; i < t.n; i++) {
		char c = t.p[i];
		unsigned col = t.col + (unsigned)i;
		if (c == '\0' || strchr(flag_chars, c) == NULL)
			return lex_fail(lx, t.line, col, "unknown flag '%c' (flags are . F S R P E W A U, or - for none)", c);
		uint16_t bit = 0;
		switch (c) {
		case '.': bit = TCPF_ACK; break;
		case 'F': bit = TCPF_FIN; break;
		case 'S': bit = TCPF_SYN; break;
		case 'R': bit = TCPF_RST; break;
		case 'P': bit = TCPF_PSH; break;
		case 'U': bit = TCPF_URG; break;
		case 'E': bit = TCPF_ECE; break;
		case 'W': bit = TCPF_CWR; break;
		case 'A': bit = SCRIPT_TCPF_AE; break;
		default: /* an ACE digit: AE, CWR and ECE as one 3-bit counter */
			if (seg->has_ace || ecn_letter)
				return lex_fail(lx, t.line, col, "conflicting flag '%c': one ACE digit, without E, W or A", c);
			seg->has_ace = true;
			seg->ace = (uint8_t)(c - '0');
			if (seg->ace & 4)
				seg->flags |= SCRIPT_TCPF_AE;
			if (seg->ace & 2)
				seg->flags |= TCPF_CWR;
			if (seg->ace & 1)
				seg->flags |= TCPF_ECE;
			continue;
		}
		if (bit == TCPF_ECE || bit == TCPF_CWR || bit == SCRIPT_TCPF_AE) {
			if (seg->has_ace)
				return lex_fail(lx, t.line, col, "conflicting flag '%c': one ACE digit, without E, W or A", c);
			ecn_letter = true;
		}
		if (seg->flags & bit)
			return lex_fail(lx, t.line, col, "flag '%c' written twice", c);
		seg->flags |= bit;
	}
	return 0;
}

static int expect_punct(struct lex *lx, char c, const char *where)
{
	struct lex_token t;
	if (lex_next(lx, &t) < 0)
		return -1;
	if (!lex_is_punct(&t, c))
		return lex_fail(lx, t.line, t.col, "expected '%c' %s", c, where);
	return 0;
}

static int parse_seq(struct lex *lx, struct script_seg *seg)
{
	struct lex_token a, b, l;
	uint64_t start, end, len;
	if (lex_next(lx, &a) < 0 || lex_uint(lx, &a, UINT32_MAX, "sequence number (start:end(length))", &start) < 0)
		return -1;
	if (expect_punct(lx, ':', "in the sequence range start:end(length)") < 0)
		return -1;
	if (lex_next(lx, &b) < 0 || lex_uint(lx, &b, UINT32_MAX, "end sequence number", &end) < 0)
		return -1;
	if (expect_punct(lx, '(', "in the sequence range start:end(length)") < 0)
		return -1;
	if (lex_next(lx, &l) < 0 || lex_uint(lx, &l, UINT16_MAX, "payload length", &len) < 0)
		return -1;
	if (expect_punct(lx, ')', "closing the sequence range start:end(length)") < 0)
		return -1;
	if (end != start + len)
		return lex_fail(lx, a.line, a.col,
				"sequence range %llu:%llu(%llu) disagrees: end - start is %lld, length is %llu",
				(unsigned long long)start, (unsigned long long)end, (unsigned long long)len,
				(long long)end - (long long)start, (unsigned long long)len);
	seg->seq = (uint32_t)start;
	seg->len = (uint16_t)len;
	return 0;
}

/* A value, or `*` (any) where expect allows it. *any may be NULL when `*`
 * is never allowed for this value. */
static int value_or_any(struct lex *lx, bool expect, uint64_t max, const char *what, uint64_t *v,
			bool *any)
{
	struct lex_token t;
	if (lex_next(lx, &t) < 0)
		return -1;
	if (lex_is_punct(&t, '*') && any != NULL) {
		if (!expect)
			return lex_fail(lx, t.line, t.col, "'*' (any %s) only in an expected ('>') segment", what);
		*any = true;
		*v = 0;
		return 0;
	}
	return lex_uint(lx, &t, max, what, v);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* An optional hex blob after FO, FOEXP, md5 or kind N, or `*` for any
 * data where expect allows it. max: bytes. */
static int hex_blob(struct lex *lx, bool expect, struct script_opt *o, size_t max, const char *what)
{
	struct lex_token t;
	if (lex_peek(lx, &t) < 0)
		return -1;
	if (lex_is_punct(&t, '*')) {
		if (!expect)
			return lex_fail(lx, t.line, t.col, "'*' (any %s) only in an expected ('>') segment", what);
		(void)lex_next(lx, &t);
		o->any_val = true;
		return 0;
	}
	if (t.type != LEX_NUM && t.type != LEX_WORD)
		return 0;
	(void)lex_next(lx, &t);
	if (t.n % 2 != 0 || t.n / 2 > max)
		return lex_fail(lx, t.line, t.col, "%s: expected an even number of hex digits, at most %zu bytes",
				what, max);
	for (size_t i = 0; i < t.n; i += 2) {
		int hi = hexval(t.p[i]), lo = hexval(t.p[i + 1]);
		if (hi < 0 || lo < 0)
			return lex_fail(lx, t.line, t.col + (unsigned)i, "%s: '%c%c' is not a hex byte", what,
					t.p[i], t.p[i + 1]);
		o->data[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	o->data_len = (uint8_t)(t.n / 2);
	return 0;
}

size_t script_opts_wire_len(const struct script_opt *opts, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		const struct script_opt *o = &opts[i];
		switch (o->kind) {
		case SCRIPT_OPT_EOL:
		case SCRIPT_OPT_NOP: len += 1; break;
		case SCRIPT_OPT_MSS: len += 4; break;
		case SCRIPT_OPT_WSCALE: len += 3; break;
		case SCRIPT_OPT_SACKOK: len += 2; break;
		case SCRIPT_OPT_SACK: len += 2 + 8 * (size_t)o->nsack; break;
		case SCRIPT_OPT_TS: len += 10; break;
		case SCRIPT_OPT_FO: len += 2 + (size_t)o->data_len; break;
		case SCRIPT_OPT_FOEXP: len += 4 + (size_t)o->data_len; break;
		case SCRIPT_OPT_MD5: len += 18; break;
		case SCRIPT_OPT_KIND: len += 2 + (size_t)o->data_len; break;
		}
	}
	return len;
}

static int parse_option(struct lex *lx, bool expect, struct script_opt *o)
{
	struct lex_token t;
	uint64_t v = 0;
	memset(o, 0, sizeof(*o));
	if (lex_next(lx, &t) < 0)
		return -1;
	if (lex_is(&t, "nop")) {
		o->kind = SCRIPT_OPT_NOP;
	} else if (lex_is(&t, "eol")) {
		o->kind = SCRIPT_OPT_EOL;
	} else if (lex_is(&t, "sackOK")) {
		o->kind = SCRIPT_OPT_SACKOK;
	} else if (lex_is(&t, "mss")) {
		o->kind = SCRIPT_OPT_MSS;
		if (value_or_any(lx, expect, UINT16_MAX, "mss value", &v, &o->any_val) < 0)
			return -1;
		o->val = (uint32_t)v;
	} else if (lex_is(&t, "wscale")) {
		o->kind = SCRIPT_OPT_WSCALE;
		if (value_or_any(lx, expect, UINT8_MAX, "window scale shift", &v, &o->any_val) < 0)
			return -1;
		o->val = (uint32_t)v;
	} else if (lex_is(&t, "TS")) {
		struct lex_token w;
		o->kind = SCRIPT_OPT_TS;
		if (lex_next(lx, &w) < 0)
			return -1;
		if (!lex_is(&w, "val"))
			return lex_fail(lx, w.line, w.col, "expected 'val' in 'TS val N ecr N'");
		if (value_or_any(lx, expect, UINT32_MAX, "TS val", &v, &o->any_val) < 0)
			return -1;
		o->val = (uint32_t)v;
		if (lex_next(lx, &w) < 0)
			return -1;
		if (!lex_is(&w, "ecr"))
			return lex_fail(lx, w.line, w.col, "expected 'ecr' in 'TS val N ecr N'");
		if (value_or_any(lx, expect, UINT32_MAX, "TS ecr", &v, &o->any_ecr) < 0)
			return -1;
		o->ecr = (uint32_t)v;
	} else if (lex_is(&t, "sack")) {
		o->kind = SCRIPT_OPT_SACK;
		for (;;) {
			struct lex_token a, b;
			uint64_t l, r;
			if (lex_peek(lx, &a) < 0)
				return -1;
			if (a.type != LEX_NUM)
				break;
			if (o->nsack == SCRIPT_MAX_SACK)
				return lex_fail(lx, a.line, a.col, "more than %d SACK blocks", SCRIPT_MAX_SACK);
			(void)lex_next(lx, &a);
			if (lex_uint(lx, &a, UINT32_MAX, "SACK left edge", &l) < 0)
				return -1;
			if (expect_punct(lx, ':', "in the SACK block left:right") < 0)
				return -1;
			if (lex_next(lx, &b) < 0 || lex_uint(lx, &b, UINT32_MAX, "SACK right edge", &r) < 0)
				return -1;
			o->sack[o->nsack].left = (uint32_t)l;
			o->sack[o->nsack].right = (uint32_t)r;
			o->nsack++;
		}
		if (o->nsack == 0)
			return lex_fail(lx, t.line, t.col, "sack needs at least one block left:right");
	} else if (lex_is(&t, "FO")) {
		o->kind = SCRIPT_OPT_FO;
		if (hex_blob(lx, expect, o, TCP_OPTS_MAX - 2, "FO cookie") < 0)
			return -1;
	} else if (lex_is(&t, "FOEXP")) {
		o->kind = SCRIPT_OPT_FOEXP;
		if (hex_blob(lx, expect, o, TCP_OPTS_MAX - 4, "FOEXP cookie") < 0)
			return -1;
	} else if (lex_is(&t, "md5")) {
		o->kind = SCRIPT_OPT_MD5;
		if (hex_blob(lx, expect, o, 16, "md5 digest") < 0)
			return -1;
		if (o->data_len != 0 && o->data_len != 16)
			return lex_fail(lx, t.line, t.col, "md5 digest must be 16 bytes");
	} else if (lex_is(&t, "kind")) {
		struct lex_token k;
		o->kind = SCRIPT_OPT_KIND;
		if (lex_next(lx, &k) < 0 || lex_uint(lx, &k, UINT8_MAX, "option kind", &v) < 0)
			return -1;
		if (v < 2)
			return lex_fail(lx, k.line, k.col, "option kind %u: write eol or nop", (unsigned)v);
		o->number = (uint8_t)v;
		if (hex_blob(lx, expect, o, TCP_OPTS_MAX - 2, "option data") < 0)
			return -1;
	} else {
		return lex_fail(lx, t.line, t.col,
				"unknown TCP option '%.*s' (known: mss, sackOK, nop, eol, wscale, TS, sack, FO, FOEXP, md5, kind)",
				(int)(t.n > 40 ? 40 : t.n), t.p);
	}
	return 0;
}

static int parse_options(struct lex *lx, bool expect, struct script_seg *seg)
{
	struct lex_token open, t;
	struct script_opt opts[TCP_OPTS_MAX];
	size_t n = 0;
	(void)lex_next(lx, &open); /* the '<' the caller peeked */
	if (lex_peek(lx, &t) < 0)
		return -1;
	if (t.type == LEX_ELLIPSIS) {
		if (!expect)
			return lex_fail(lx, open.line, open.col,
					"<...> (any options) only in an expected ('>') segment");
		(void)lex_next(lx, &t);
		seg->any_options = true;
		return expect_punct(lx, '>', "closing <...>");
	}
	if (lex_is_punct(&t, '>'))
		return lex_fail(lx, t.line, t.col, "empty option list: leave out <> for no options");
	for (;;) {
		if (lex_peek(lx, &t) < 0)
			return -1;
		if (parse_option(lx, expect, &opts[n]) < 0)
			return -1;
		n++;
		size_t wire = script_opts_wire_len(opts, n);
		if (wire > TCP_OPTS_MAX)
			return lex_fail(lx, t.line, t.col, "options take %zu bytes, more than TCP's %d", wire,
					TCP_OPTS_MAX);
		if (lex_next(lx, &t) < 0)
			return -1;
		if (lex_is_punct(&t, '>'))
			break;
		if (!lex_is_punct(&t, ','))
			return lex_fail(lx, t.line, t.col, "expected ',' or '>' in the option list");
	}
	seg->opts = malloc(n * sizeof(*seg->opts));
	if (seg->opts == NULL)
		return lex_fail(lx, open.line, open.col, "out of memory");
	memcpy(seg->opts, opts, n * sizeof(*seg->opts));
	seg->nopts = n;
	return 0;
}

/* `[ect0]` or `(ect0)` before the flags: the IP ECN field, the one IP
 * field a remote run can set and see. */
static int parse_ip_info(struct lex *lx, bool expect, struct script_seg *seg)
{
	static const struct {
		const char *w;
		enum script_ecn e;
	} names[] = {
		{"noecn", SCRIPT_ECN_NOT_ECT}, {"ect0", SCRIPT_ECN_ECT0}, {"ect1", SCRIPT_ECN_ECT1},
		{"ce", SCRIPT_ECN_CE},	       {"ect01", SCRIPT_ECN_ECT01},
	};
	struct lex_token open, w;
	(void)lex_next(lx, &open);
	if (lex_next(lx, &w) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!lex_is(&w, names[i].w))
			continue;
		if (names[i].e == SCRIPT_ECN_ECT01 && !expect)
			return lex_fail(lx, w.line, w.col, "[ect01] only in an expected ('>') segment");
		seg->ecn = names[i].e;
		return expect_punct(lx, open.c == '[' ? ']' : ')', "after the ECN codepoint");
	}
	return lex_fail(lx, w.line, w.col,
			"unsupported IP field (only the ECN codepoint: noecn, ect0, ect1, ce, ect01)");
}

/* `ack N`, `win N` or `urg N`, at most once each; t is the keyword, peeked. */
static int field(struct lex *lx, bool expect, const struct lex_token *t, bool *has, bool *any,
		 uint64_t max, const char *what, uint64_t *v)
{
	struct lex_token kw;
	if (*has)
		return lex_fail(lx, t->line, t->col, "'%.*s' written twice", (int)t->n, t->p);
	(void)lex_next(lx, &kw);
	if (value_or_any(lx, expect, max, what, v, any) < 0)
		return -1;
	*has = true;
	return 0;
}

int script_seg_parse(struct lex *lx, bool expect, struct script_seg *seg)
{
	struct lex_token t;
	memset(seg, 0, sizeof(*seg));
	if (lex_peek(lx, &t) < 0)
		goto fail;
	if ((lex_is_punct(&t, '[') || lex_is_punct(&t, '(')) && parse_ip_info(lx, expect, seg) < 0)
		goto fail;
	if (parse_flags(lx, seg) < 0 || parse_seq(lx, seg) < 0)
		goto fail;
	for (;;) {
		uint64_t v = 0;
		int r;
		if (lex_peek(lx, &t) < 0)
			goto fail;
		if (lex_is(&t, "ack")) {
			r = field(lx, expect, &t, &seg->has_ack, &seg->any_ack, UINT32_MAX, "ack number", &v);
			seg->ack = (uint32_t)v;
		} else if (lex_is(&t, "win")) {
			r = field(lx, expect, &t, &seg->has_win, &seg->any_win, UINT16_MAX, "window", &v);
			seg->win = (uint16_t)v;
		} else if (lex_is(&t, "urg")) {
			r = field(lx, expect, &t, &seg->has_urg, NULL, UINT16_MAX, "urgent pointer", &v);
			seg->urg = (uint16_t)v;
		} else {
			break;
		}
		if (r < 0)
			goto fail;
	}
	if (lex_is_punct(&t, '<') && parse_options(lx, expect, seg) < 0)
		goto fail;
	return 0;
fail:
	script_seg_free(seg);
	return -1;
}

void script_seg_free(struct script_seg *seg)
{
	free(seg->opts);
	seg->opts = NULL;
	seg->nopts = 0;
}
