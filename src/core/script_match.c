/*
 * script_match: script segment specs against wire segments. See
 * script_match.h.
 *
 * The observed segment is first turned into a script spec of its own
 * (relative numbers, its options as a list of struct script_opt), so one
 * formatter (script_fmt.c) writes both sides of every mismatch and the
 * reader compares like with like.
 */
#include "config.h"
#include "core/script_match.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_OBS_OPTS 40 /* one option a byte at most */

/* The flags of the observed segment as a script writes them: byte 13,
 * and AE from the lowest reserved bit. */
static uint16_t observed_flags(const struct segment *g)
{
	return (uint16_t)(g->flags | ((g->reserved & 1u) ? SCRIPT_TCPF_AE : 0u));
}

void script_seg_wire_flags(const struct script_seg *s, uint8_t *flags, uint8_t *reserved)
{
	uint16_t f = s->flags;
	if (s->has_ace) {
		f &= (uint16_t) ~(TCPF_ECE | TCPF_CWR | SCRIPT_TCPF_AE);
		if (s->ace & 1u)
			f |= TCPF_ECE;
		if (s->ace & 2u)
			f |= TCPF_CWR;
		if (s->ace & 4u)
			f |= SCRIPT_TCPF_AE;
	}
	*flags = (uint8_t)(f & 0xffu);
	*reserved = (f & SCRIPT_TCPF_AE) ? 1u : 0u;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Raw data of an option into o->data (cut to what fits). */
static void take_data(struct script_opt *o, const uint8_t *p, size_t n)
{
	if (n > SCRIPT_MAX_OPT_DATA)
		n = SCRIPT_MAX_OPT_DATA;
	memcpy(o->data, p, n);
	o->data_len = (uint8_t)n;
}

/* The observed segment's options as script options: TS ecr and SACK
 * blocks in the script's terms. Stops at EOL (kept) or at a malformed
 * option (then *malformed). Returns how many. */
static size_t observed_opts(const struct segment *g, const struct script_map *map, struct script_opt *out,
			    bool *malformed)
{
	size_t n = 0, i = 0, len = g->doff > 20 ? (size_t)g->doff - 20 : 0;
	const uint8_t *p = g->options;
	*malformed = false;
	if (p == NULL)
		return 0;
	while (i < len && n < MAX_OBS_OPTS) {
		struct script_opt *o = &out[n];
		memset(o, 0, sizeof(*o));
		uint8_t kind = p[i];
		if (kind == 0 || kind == 1) {
			o->kind = kind == 0 ? SCRIPT_OPT_EOL : SCRIPT_OPT_NOP;
			n++;
			if (kind == 0)
				break;
			i++;
			continue;
		}
		if (i + 1 >= len || p[i + 1] < 2 || i + p[i + 1] > len) {
			*malformed = true;
			break;
		}
		size_t olen = p[i + 1];
		const uint8_t *d = p + i + 2;
		size_t dlen = olen - 2;
		if (kind == 2 && olen == 4) {
			o->kind = SCRIPT_OPT_MSS;
			o->val = (uint32_t)d[0] << 8 | d[1];
		} else if (kind == 3 && olen == 3) {
			o->kind = SCRIPT_OPT_WSCALE;
			o->val = d[0];
		} else if (kind == 4 && olen == 2) {
			o->kind = SCRIPT_OPT_SACKOK;
		} else if (kind == 5 && dlen % 8 == 0 && dlen / 8 <= SCRIPT_MAX_SACK) {
			o->kind = SCRIPT_OPT_SACK;
			o->nsack = (uint8_t)(dlen / 8);
			for (size_t b = 0; b < o->nsack; b++) {
				o->sack[b].left = be32(d + 8 * b) - map->iss;
				o->sack[b].right = be32(d + 8 * b + 4) - map->iss;
			}
		} else if (kind == 8 && olen == 10) {
			o->kind = SCRIPT_OPT_TS;
			o->val = be32(d);
			o->ecr = be32(d + 4) - map->tsval_base;
		} else if (kind == 34) {
			o->kind = SCRIPT_OPT_FO;
			take_data(o, d, dlen);
		} else if (kind == 254 && dlen >= 2 && d[0] == 0xf9 && d[1] == 0x89) {
			o->kind = SCRIPT_OPT_FOEXP;
			take_data(o, d + 2, dlen - 2);
		} else if (kind == 19 && olen == 18) {
			o->kind = SCRIPT_OPT_MD5;
			take_data(o, d, dlen);
		} else {
			o->kind = SCRIPT_OPT_KIND;
			o->number = kind;
			take_data(o, d, dlen);
		}
		n++;
		i += olen;
	}
	return n;
}

/* The observed segment as a script spec (options in opts, MAX_OBS_OPTS). */
static void observed_seg(const struct segment *g, const struct script_map *map, struct script_seg *s,
			 struct script_opt *opts, bool *malformed)
{
	memset(s, 0, sizeof(*s));
	s->flags = observed_flags(g);
	s->seq = map->have_irs ? g->seq - map->irs : g->seq;
	s->len = g->payload_len;
	if (g->flags & TCPF_ACK) {
		s->has_ack = true;
		s->ack = g->ack - map->iss;
	}
	s->has_win = true;
	s->win = g->win;
	if (g->flags & TCPF_URG) {
		s->has_urg = true;
		s->urg = g->urp;
	}
	s->nopts = observed_opts(g, map, opts, malformed);
	s->opts = s->nopts > 0 ? opts : NULL;
}

size_t script_format_observed(const struct segment *got, const struct script_map *map, char *buf,
			      size_t len)
{
	struct script_seg s;
	struct script_opt opts[MAX_OBS_OPTS];
	bool malformed;
	observed_seg(got, map, &s, opts, &malformed);
	size_t n = script_seg_format(&s, buf, len);
	if (malformed && n + 1 < len) {
		size_t at = strlen(buf);
		n += (size_t)snprintf(buf + at, len - at, " (malformed options)");
	}
	return n;
}

__attribute__((format(printf, 4, 5))) static bool differ(struct script_mismatch *m, const char *field,
							  const char *expected, const char *fmt, ...)
{
	va_list ap;
	snprintf(m->field, sizeof(m->field), "%s", field);
	snprintf(m->expected, sizeof(m->expected), "%s", expected);
	va_start(ap, fmt);
	vsnprintf(m->actual, sizeof(m->actual), fmt, ap);
	va_end(ap);
	return false;
}

static void fmt_u32(char *buf, size_t len, uint32_t v)
{
	snprintf(buf, len, "%" PRIu32, v);
}

/* The flags part of a spec, as a script writes it. */
static void flags_text(uint16_t flags, const struct script_seg *like, char *buf, size_t len)
{
	struct script_seg s;
	memset(&s, 0, sizeof(s));
	s.flags = flags;
	if (like != NULL) {
		s.has_ace = like->has_ace;
		s.ace = like->ace;
	}
	script_seg_format(&s, buf, len);
	char *sp = strchr(buf, ' ');
	if (sp != NULL)
		*sp = '\0';
}

static bool flags_match(const struct script_seg *want, uint16_t got)
{
	if (!want->has_ace)
		return want->flags == got;
	uint16_t ecn = TCPF_ECE | TCPF_CWR | SCRIPT_TCPF_AE;
	uint16_t ace = (uint16_t)(((got & TCPF_ECE) ? 1u : 0u) | ((got & TCPF_CWR) ? 2u : 0u) |
				  ((got & SCRIPT_TCPF_AE) ? 4u : 0u));
	return (want->flags & ~ecn) == (got & ~ecn) && ace == (want->ace & 7u);
}

static void list_text(const struct script_opt *o, size_t n, char *buf, size_t len)
{
	size_t at = 0;
	at += (size_t)snprintf(buf, len, "<");
	for (size_t i = 0; i < n && at < len; i++) {
		if (i > 0 && at < len)
			at += (size_t)snprintf(buf + at, len - at, ",");
		if (at < len)
			at += script_opt_format(&o[i], buf + at, len - at);
	}
	if (at < len)
		snprintf(buf + at, len - at, ">");
}

static bool is_pad(const struct script_opt *o)
{
	return o->kind == SCRIPT_OPT_NOP || o->kind == SCRIPT_OPT_EOL;
}

static bool same_kind(const struct script_opt *w, const struct script_opt *g)
{
	return w->kind == g->kind && (w->kind != SCRIPT_OPT_KIND || w->number == g->number);
}

/* One written option against the observed one of its kind: the values
 * the script wrote. */
static bool opt_values_match(const struct script_opt *w, const struct script_opt *g,
			     const struct script_map *map, struct script_mismatch *m)
{
	char e[64], a[64];
	const char *name = script_opt_kind_name(w->kind);
	switch (w->kind) {
	case SCRIPT_OPT_MSS:
	case SCRIPT_OPT_WSCALE:
		if (!w->any_val && w->val != g->val) {
			fmt_u32(e, sizeof(e), w->val);
			return differ(m, name, e, "%" PRIu32, g->val);
		}
		return true;
	case SCRIPT_OPT_TS:
		if (map->strict_options && !w->any_val && w->val != g->val) {
			fmt_u32(e, sizeof(e), w->val);
			return differ(m, "TS val", e, "%" PRIu32, g->val);
		}
		if (!w->any_ecr && w->ecr != g->ecr) {
			fmt_u32(e, sizeof(e), w->ecr);
			return differ(m, "TS ecr", e, "%" PRIu32, g->ecr);
		}
		return true;
	case SCRIPT_OPT_SACK: {
		bool same = w->nsack == g->nsack;
		for (size_t i = 0; same && i < w->nsack; i++)
			same = w->sack[i].left == g->sack[i].left && w->sack[i].right == g->sack[i].right;
		if (same)
			return true;
		script_opt_format(w, e, sizeof(e));
		script_opt_format(g, a, sizeof(a));
		return differ(m, "sack", e, "%s", a);
	}
	case SCRIPT_OPT_MD5:
		if (w->data_len == 0)
			return true; /* any digest */
		/* fall through */
	case SCRIPT_OPT_FO:
	case SCRIPT_OPT_FOEXP:
	case SCRIPT_OPT_KIND:
		if (w->any_val ||
		    (w->data_len == g->data_len && memcmp(w->data, g->data, w->data_len) == 0))
			return true;
		script_opt_format(w, e, sizeof(e));
		script_opt_format(g, a, sizeof(a));
		return differ(m, name, e, "%s", a);
	case SCRIPT_OPT_EOL:
	case SCRIPT_OPT_NOP:
	case SCRIPT_OPT_SACKOK:
		return true;
	}
	return true;
}

static bool options_match(const struct script_seg *want, const struct script_opt *got, size_t ngot,
			  const struct script_map *map, struct script_mismatch *m)
{
	char e[192], a[192];
	list_text(want->opts, want->nopts, e, sizeof(e));
	list_text(got, ngot, a, sizeof(a));
	if (map->strict_options) {
		if (want->nopts != ngot)
			return differ(m, "options", e, "%s", a);
		for (size_t i = 0; i < ngot; i++) {
			if (!same_kind(&want->opts[i], &got[i]))
				return differ(m, "options", e, "%s", a);
			if (!opt_values_match(&want->opts[i], &got[i], map, m))
				return false;
		}
		return true;
	}
	bool used[MAX_OBS_OPTS] = {false};
	for (size_t i = 0; i < want->nopts; i++) {
		const struct script_opt *w = &want->opts[i];
		if (is_pad(w))
			continue;
		size_t j = 0;
		while (j < ngot && (used[j] || !same_kind(w, &got[j])))
			j++;
		if (j == ngot)
			return differ(m, "options", e, "%s", a);
		used[j] = true;
		if (!opt_values_match(w, &got[j], map, m))
			return false;
	}
	for (size_t j = 0; j < ngot; j++)
		if (!used[j] && !is_pad(&got[j]))
			return differ(m, "options", e, "%s", a);
	return true;
}

bool script_match(const struct script_seg *want, const struct segment *got, const struct script_map *map,
		  struct script_mismatch *m)
{
	struct script_seg g;
	struct script_opt opts[MAX_OBS_OPTS];
	bool malformed;
	char e[64], a[64];
	observed_seg(got, map, &g, opts, &malformed);

	if (!flags_match(want, g.flags)) {
		flags_text(want->flags, want, e, sizeof(e));
		flags_text(g.flags, NULL, a, sizeof(a));
		return differ(m, "flags", e, "%s", a);
	}
	if (want->seq != g.seq || want->len != g.len) {
		snprintf(e, sizeof(e), "%" PRIu32 ":%" PRIu32 "(%u)", want->seq,
			 (uint32_t)(want->seq + want->len), (unsigned)want->len);
		return differ(m, "seq", e, "%" PRIu32 ":%" PRIu32 "(%u)", g.seq, (uint32_t)(g.seq + g.len),
			      (unsigned)g.len);
	}
	if (want->has_ack && !want->any_ack && (!g.has_ack || g.ack != want->ack)) {
		fmt_u32(e, sizeof(e), want->ack);
		if (!g.has_ack)
			return differ(m, "ack", e, "none (no ACK flag)");
		return differ(m, "ack", e, "%" PRIu32, g.ack);
	}
	if (want->has_win && !want->any_win && g.win != want->win) {
		fmt_u32(e, sizeof(e), want->win);
		return differ(m, "win", e, "%u", (unsigned)g.win);
	}
	if (want->has_urg && got->urp != want->urg) {
		fmt_u32(e, sizeof(e), want->urg);
		return differ(m, "urg", e, "%u", (unsigned)got->urp);
	}
	if (want->any_options)
		return true;
	if (malformed) {
		list_text(want->opts, want->nopts, e, sizeof(e));
		return differ(m, "options", e, "malformed options");
	}
	return options_match(want, g.opts, g.nopts, map, m);
}

int script_build_options(const struct script_seg *s, const struct script_map *map, bool have_ts_recent,
			 uint32_t ts_recent, uint8_t out[40], char *err, size_t errlen)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nopts; i++) {
		const struct script_opt *o = &s->opts[i];
		uint8_t b[48];
		size_t k = 0;
		if (o->any_val || o->any_ecr) {
			snprintf(err, errlen, "option %s: `*` in a segment we send",
				 script_opt_kind_name(o->kind));
			return -1;
		}
		switch (o->kind) {
		case SCRIPT_OPT_EOL:
			b[k++] = 0;
			break;
		case SCRIPT_OPT_NOP:
			b[k++] = 1;
			break;
		case SCRIPT_OPT_MSS:
			b[k++] = 2, b[k++] = 4, b[k++] = (uint8_t)(o->val >> 8), b[k++] = (uint8_t)o->val;
			break;
		case SCRIPT_OPT_WSCALE:
			b[k++] = 3, b[k++] = 3, b[k++] = (uint8_t)o->val;
			break;
		case SCRIPT_OPT_SACKOK:
			b[k++] = 4, b[k++] = 2;
			break;
		case SCRIPT_OPT_SACK:
			b[k++] = 5, b[k++] = (uint8_t)(2 + 8 * o->nsack);
			for (size_t j = 0; j < o->nsack; j++) {
				uint32_t base = map->have_irs ? map->irs : 0;
				put32(b + k, base + o->sack[j].left);
				put32(b + k + 4, base + o->sack[j].right);
				k += 8;
			}
			break;
		case SCRIPT_OPT_TS:
			b[k++] = 8, b[k++] = 10;
			put32(b + k, map->tsval_base + o->val);
			put32(b + k + 4, have_ts_recent ? ts_recent : o->ecr);
			k += 8;
			break;
		case SCRIPT_OPT_FO:
		case SCRIPT_OPT_MD5:
		case SCRIPT_OPT_KIND:
			b[k++] = o->kind == SCRIPT_OPT_FO ? 34 : o->kind == SCRIPT_OPT_MD5 ? 19 : o->number;
			if (o->kind == SCRIPT_OPT_MD5 && o->data_len == 0) {
				b[k++] = 18;
				memset(b + k, 0, 16); /* no key: a digest of zeros */
				k += 16;
				break;
			}
			b[k++] = (uint8_t)(2 + o->data_len);
			memcpy(b + k, o->data, o->data_len);
			k += o->data_len;
			break;
		case SCRIPT_OPT_FOEXP:
			b[k++] = 254, b[k++] = (uint8_t)(4 + o->data_len), b[k++] = 0xf9, b[k++] = 0x89;
			memcpy(b + k, o->data, o->data_len);
			k += o->data_len;
			break;
		}
		if (n + k > 40) {
			snprintf(err, errlen, "options longer than TCP's 40 bytes");
			return -1;
		}
		memcpy(out + n, b, k);
		n += k;
	}
	while (n % 4 != 0)
		out[n++] = 0; /* EOL padding */
	return (int)n;
}
