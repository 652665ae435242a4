/*
 * script_fmt: a parsed script written back in its own syntax, and the
 * names of its enums.
 *
 * Pure. The runner's reports quote what a line expected ("expected R
 * 1:1(0) | . 1:1(0) ack 1"), so the text is the script's syntax and a
 * formatted spec parses back to the same spec (the unit tests check this
 * round trip). Every writer is snprintf-shaped: it returns the full length
 * and truncates safely.
 */
#include "config.h"
#include "core/script.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

struct out {
	char *buf;
	size_t len, used; /* used: what the full text would take */
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	size_t room = o->used < o->len ? o->len - o->used : 0;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(room ? o->buf + o->used : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->used += (size_t)n;
}

static struct out out_start(char *buf, size_t len)
{
	struct out o = {buf, len, 0};
	if (len > 0)
		buf[0] = '\0';
	return o;
}

const char *script_line_kind_name(enum script_line_kind k)
{
	switch (k) {
	case SCRIPT_SEND: return "send";
	case SCRIPT_EXPECT: return "expect";
	case SCRIPT_EXPECT_OPTIONAL: return "expect-optional";
	case SCRIPT_EXPECT_NOTHING: return "expect-nothing";
	case SCRIPT_SKIPPED: return "skipped";
	}
	return "?";
}

const char *script_skip_kind_name(enum script_skip_kind k)
{
	switch (k) {
	case SCRIPT_SKIP_SYSCALL: return "syscall";
	case SCRIPT_SKIP_SHELL: return "shell";
	case SCRIPT_SKIP_CODE: return "code";
	case SCRIPT_SKIP_OPTION: return "option";
	case SCRIPT_SKIP_PACKET: return "packet";
	}
	return "?";
}

const char *script_time_kind_name(enum script_time_kind k)
{
	switch (k) {
	case SCRIPT_TIME_NONE: return "none";
	case SCRIPT_TIME_ABSOLUTE: return "absolute";
	case SCRIPT_TIME_RELATIVE: return "relative";
	case SCRIPT_TIME_ANY: return "any";
	}
	return "?";
}

const char *script_target_name(enum script_target t)
{
	return t == SCRIPT_TARGET_CLOSED ? "closed" : "open";
}

const char *script_opt_kind_name(enum script_opt_kind k)
{
	switch (k) {
	case SCRIPT_OPT_EOL: return "eol";
	case SCRIPT_OPT_NOP: return "nop";
	case SCRIPT_OPT_MSS: return "mss";
	case SCRIPT_OPT_WSCALE: return "wscale";
	case SCRIPT_OPT_SACKOK: return "sackOK";
	case SCRIPT_OPT_SACK: return "sack";
	case SCRIPT_OPT_TS: return "TS";
	case SCRIPT_OPT_FO: return "FO";
	case SCRIPT_OPT_FOEXP: return "FOEXP";
	case SCRIPT_OPT_MD5: return "md5";
	case SCRIPT_OPT_KIND: return "kind";
	}
	return "?";
}

static void put_secs(struct out *o, int64_t ns)
{
	int64_t frac = ns % 1000000000;
	int digits = 9;
	while (digits > 3 && frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	put(o, "%" PRId64 ".%0*" PRId64, (int64_t)(ns / 1000000000), digits, frac);
}

size_t script_secs_format(int64_t ns, char *buf, size_t len)
{
	struct out o = out_start(buf, len);
	put_secs(&o, ns < 0 ? 0 : ns);
	return o.used;
}

static void put_time(struct out *o, const struct script_time *t)
{
	const char *plus = t->kind == SCRIPT_TIME_RELATIVE ? "+" : "";
	switch (t->kind) {
	case SCRIPT_TIME_NONE: return;
	case SCRIPT_TIME_ANY: put(o, "*"); return;
	case SCRIPT_TIME_ABSOLUTE:
	case SCRIPT_TIME_RELATIVE:
		put(o, "%s", plus);
		put_secs(o, t->lo_ns);
		if (t->range) {
			put(o, "~%s", plus);
			put_secs(o, t->hi_ns);
		}
		return;
	}
}

size_t script_time_format(const struct script_time *t, char *buf, size_t len)
{
	struct out o = out_start(buf, len);
	put_time(&o, t);
	return o.used;
}

static void put_value(struct out *o, bool any, uint32_t v)
{
	if (any)
		put(o, "*");
	else
		put(o, "%" PRIu32, v);
}

static void put_hex(struct out *o, const struct script_opt *op)
{
	if (op->any_val) {
		put(o, " *");
		return;
	}
	if (op->data_len > 0)
		put(o, " ");
	for (size_t i = 0; i < op->data_len; i++)
		put(o, "%02x", op->data[i]);
}

static void put_opt(struct out *o, const struct script_opt *op)
{
	put(o, "%s", script_opt_kind_name(op->kind));
	switch (op->kind) {
	case SCRIPT_OPT_MSS:
	case SCRIPT_OPT_WSCALE:
		put(o, " ");
		put_value(o, op->any_val, op->val);
		break;
	case SCRIPT_OPT_TS:
		put(o, " val ");
		put_value(o, op->any_val, op->val);
		put(o, " ecr ");
		put_value(o, op->any_ecr, op->ecr);
		break;
	case SCRIPT_OPT_SACK:
		for (size_t i = 0; i < op->nsack && i < SCRIPT_MAX_SACK; i++)
			put(o, " %" PRIu32 ":%" PRIu32, op->sack[i].left, op->sack[i].right);
		break;
	case SCRIPT_OPT_KIND:
		put(o, " %u", op->number);
		put_hex(o, op);
		break;
	case SCRIPT_OPT_FO:
	case SCRIPT_OPT_FOEXP:
	case SCRIPT_OPT_MD5:
		put_hex(o, op);
		break;
	default:
		break;
	}
}

size_t script_opt_format(const struct script_opt *op, char *buf, size_t len)
{
	struct out o = out_start(buf, len);
	put_opt(&o, op);
	return o.used;
}

static void put_flags(struct out *o, const struct script_seg *s)
{
	static const struct {
		uint16_t bit;
		char c;
	} first[] = {{TCPF_FIN, 'F'}, {TCPF_SYN, 'S'}, {TCPF_RST, 'R'}, {TCPF_PSH, 'P'}, {TCPF_URG, 'U'}},
	  ecn[] = {{TCPF_ECE, 'E'}, {TCPF_CWR, 'W'}, {SCRIPT_TCPF_AE, 'A'}};
	bool any = false;
	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		if (s->flags & first[i].bit) {
			put(o, "%c", first[i].c);
			any = true;
		}
	if (s->flags & TCPF_ACK) {
		put(o, ".");
		any = true;
	}
	if (s->has_ace) {
		put(o, "%u", s->ace & 7u);
		any = true;
	} else {
		for (size_t i = 0; i < sizeof(ecn) / sizeof(ecn[0]); i++)
			if (s->flags & ecn[i].bit) {
				put(o, "%c", ecn[i].c);
				any = true;
			}
	}
	if (!any)
		put(o, "-");
}

static void put_seg(struct out *o, const struct script_seg *s)
{
	static const char *const ecn[] = {"", "noecn", "ect0", "ect1", "ce", "ect01"};
	if (s->ecn != SCRIPT_ECN_UNSET && (size_t)s->ecn < sizeof(ecn) / sizeof(ecn[0]))
		put(o, "[%s] ", ecn[s->ecn]);
	put_flags(o, s);
	put(o, " %" PRIu32 ":%" PRIu32 "(%u)", s->seq, (uint32_t)(s->seq + s->len), (unsigned)s->len);
	if (s->has_ack) {
		put(o, " ack ");
		put_value(o, s->any_ack, s->ack);
	}
	if (s->has_win) {
		put(o, " win ");
		put_value(o, s->any_win, s->win);
	}
	if (s->has_urg)
		put(o, " urg %u", (unsigned)s->urg);
	if (s->any_options) {
		put(o, " <...>");
	} else if (s->nopts > 0) {
		put(o, " <");
		for (size_t i = 0; i < s->nopts; i++) {
			if (i > 0)
				put(o, ",");
			put_opt(o, &s->opts[i]);
		}
		put(o, ">");
	}
}

size_t script_seg_format(const struct script_seg *s, char *buf, size_t len)
{
	struct out o = out_start(buf, len);
	put_seg(&o, s);
	return o.used;
}

size_t script_line_format(const struct script_line *l, char *buf, size_t len)
{
	struct out o = out_start(buf, len);
	put_time(&o, &l->time);
	if (l->time.kind != SCRIPT_TIME_NONE)
		put(&o, " ");
	switch (l->kind) {
	case SCRIPT_SKIPPED:
		put(&o, "%s", l->text ? l->text : "");
		break;
	case SCRIPT_EXPECT_NOTHING:
		put(&o, "> nothing for ");
		put_secs(&o, l->silence_ns);
		break;
	case SCRIPT_SEND:
	case SCRIPT_EXPECT:
	case SCRIPT_EXPECT_OPTIONAL:
		put(&o, "%s ", l->kind == SCRIPT_SEND ? "<" : l->kind == SCRIPT_EXPECT ? ">" : ">?");
		for (size_t i = 0; i < l->nalts; i++) {
			if (i > 0)
				put(&o, " | ");
			put_seg(&o, &l->alts[i]);
		}
		break;
	}
	return o.used;
}
