/*
 * serve_config: the exporter's --config file (serve_config.h), YAML read
 * by libyaml.
 *
 * Two passes over the bytes, both libyaml's. The first reads events only to
 * refuse what a small config never needs and a hostile one could abuse:
 * anchors and aliases (a "billion laughs" expands nothing in libyaml's
 * loader, but a walk over shared nodes would be exponential), explicit tags
 * (the schema below types scalars by their style), a second document, and
 * nesting deeper than the schema's. The second loads the document
 * (yaml_parser_load) and walks it against the schema, which is fixed and
 * three mappings deep, so the walk recurses no further than that.
 *
 * Untagged scalars are all strings to libyaml; this module types them as
 * YAML 1.2's core schema does: a plain 3 is a number, a quoted "3" is a
 * string. Numbers and seconds are checked with the CLI's own ranges and
 * parsers, so a module accepts what the command line would.
 *
 * Every error is one "NAME:LINE:COL: what" line, at the node at fault
 * (1-based, as editors count).
 */
#include "config.h"
#include "core/serve_config.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "core/cli.h"
#include "core/cli_table.h"
#include "core/netaddr.h"
#include "core/target.h"
#include "core/tcpconst.h"

/* A config file is a few dozen lines; beyond these it is a mistake. */
#define CONFIG_BYTES_MAX (1024 * 1024)
#define CONFIG_MODULES_MAX 256
/* The schema's depth is 4 (root, modules, a module, its options); one more
 * for a flow sequence of ports. */
#define CONFIG_DEPTH_MAX 5
/* The CLI's ranges (core/cli_table.c). */
#define INTERVAL_MIN 0.001
#define INTERVAL_MAX 3600.0
#define TIMEOUT_MIN 0.001
#define TIMEOUT_MAX 600.0
#define TIME_WAIT_MAX 240.0 /* RFC 9293's 2 MSL */
/* max_inflight: each probe in flight is a thread and a block of ports. */
#define INFLIGHT_MAX 1024
/* How much of a bad value an error quotes. */
#define QUOTE_MAX 40

struct parse {
	const char *buf; /* the file, for the place of a reader error */
	size_t len;
	const char *name;
	char *err;
	size_t errlen;
	yaml_document_t *doc;
	struct serve_config *c;
};

/* "NAME:LINE:COL: what". Returns -1, for `return fail(...)`. */
static int fail_at(const struct parse *p, size_t line, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail_at(const struct parse *p, size_t line, size_t col, const char *fmt, ...)
{
	va_list ap;
	char what[512];

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%zu:%zu: %s", p->name, line, col, what);
	return -1;
}

/* Marks are 0-based; people count from 1. */
#define AT(mark) (mark).line + 1, (mark).column + 1

static int syntax_error(const struct parse *p, const yaml_parser_t *ps)
{
	if (ps->error == YAML_MEMORY_ERROR)
		return fail_at(p, AT(ps->mark), "out of memory");
	if (ps->error == YAML_READER_ERROR) {
		/* The reader decodes ahead of the scanner, so its error has an
		 * offset, not a mark: count lines and characters up to it. */
		size_t line = 1, col = 1;
		for (size_t i = 0; i < ps->problem_offset && i < p->len; i++) {
			unsigned char ch = (unsigned char)p->buf[i];
			if (ch == '\n') {
				line++;
				col = 1;
			} else if ((ch & 0xc0) != 0x80) {
				col++; /* not a UTF-8 continuation byte */
			}
		}
		if (ps->problem_value != -1)
			return fail_at(p, line, col, "YAML: %s (byte 0x%02x at offset %zu)",
				       ps->problem, (unsigned)ps->problem_value, ps->problem_offset);
		return fail_at(p, line, col, "YAML: %s (at offset %zu)", ps->problem,
			       ps->problem_offset);
	}
	if (ps->context != NULL)
		return fail_at(p, AT(ps->problem_mark), "YAML: %s (%s at line %zu, column %zu)",
			       ps->problem, ps->context, AT(ps->context_mark));
	return fail_at(p, AT(ps->problem_mark), "YAML: %s",
		       ps->problem != NULL ? ps->problem : "syntax error");
}

/* The first pass (see the top): events only. */
static int screen_events(const struct parse *p, const char *buf, size_t len, bool *empty)
{
	yaml_parser_t ps;
	yaml_event_t ev;
	int depth = 0, docs = 0, rc = 0;
	bool done = false;

	if (!yaml_parser_initialize(&ps))
		return fail_at(p, 1, 1, "out of memory");
	yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&ps, &ev)) {
			rc = syntax_error(p, &ps);
			break;
		}
		const yaml_char_t *anchor = NULL, *tag = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				rc = fail_at(p, AT(ev.start_mark),
					     "a second YAML document: the file holds one");
			break;
		case YAML_ALIAS_EVENT:
			rc = fail_at(p, AT(ev.start_mark), "aliases (*%.*s) are not supported",
				     QUOTE_MAX, (const char *)ev.data.alias.anchor);
			break;
		case YAML_SCALAR_EVENT:
			anchor = ev.data.scalar.anchor;
			tag = ev.data.scalar.tag;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			anchor = ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor
								      : ev.data.mapping_start.anchor;
			tag = ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.tag
								   : ev.data.mapping_start.tag;
			if (++depth > CONFIG_DEPTH_MAX)
				rc = fail_at(p, AT(ev.start_mark),
					     "nested deeper than the format's %d levels",
					     CONFIG_DEPTH_MAX);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (rc == 0 && anchor != NULL)
			rc = fail_at(p, AT(ev.start_mark), "anchors (&%.*s) are not supported",
				     QUOTE_MAX, (const char *)anchor);
		if (rc == 0 && tag != NULL)
			rc = fail_at(p, AT(ev.start_mark), "tags (%.*s) are not supported",
				     QUOTE_MAX, (const char *)tag);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&ps);
	*empty = docs == 0;
	return rc;
}

/* --- Scalars, typed by their style (see the top). --- */

static const char *text(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static bool is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };

	return plain(n) && cli_pick(text(n), nulls) >= 0;
}

/* What a node is, for "got ...": 'abc' (printable, cut), "abc" (a quoted
 * string), a mapping, a sequence, nothing. */
static const char *describe(const yaml_node_t *n, char *buf, size_t len)
{
	char v[QUOTE_MAX + 4];
	size_t i, k = 0, vlen;

	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a sequence";
	if (is_null(n))
		return "nothing";
	vlen = n->data.scalar.length;
	for (i = 0; i < vlen && k < QUOTE_MAX; i++) {
		unsigned char ch = n->data.scalar.value[i];
		v[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	if (i < vlen) {
		memcpy(v + k, "...", 3);
		k += 3;
	}
	v[k] = '\0';
	snprintf(buf, len, plain(n) ? "'%s'" : "\"%s\" (a quoted string)", v);
	return buf;
}

/* A plain run of decimal digits within [min, max]. */
static int whole(const yaml_node_t *n, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *s;

	if (!plain(n) || *(s = text(n)) == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (max - (unsigned long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < min)
		return -1;
	*out = v;
	return 0;
}

static int get_whole(const struct parse *p, const yaml_node_t *n, const char *key,
		     unsigned long min, unsigned long max, unsigned long *out)
{
	char d[QUOTE_MAX + 32];

	if (whole(n, min, max, out) == 0)
		return 0;
	return fail_at(p, AT(n->start_mark), "%s: expected a whole number from %lu to %lu, got %s",
		       key, min, max, describe(n, d, sizeof(d)));
}

/* Seconds as -i and -W take them, in ns. */
static int get_seconds(const struct parse *p, const yaml_node_t *n, const char *key, double min,
		       double max, uint64_t *ns)
{
	char d[QUOTE_MAX + 32];
	double v;

	if (plain(n) && cli_parse_seconds(text(n), min, max, &v) == 0) {
		*ns = (uint64_t)llround(v * (double)NS_PER_S);
		return 0;
	}
	return fail_at(p, AT(n->start_mark),
		       "%s: expected seconds from %g to %g (fractions allowed), got %s", key, min,
		       max, describe(n, d, sizeof(d)));
}

/* true or false, as YAML 1.2's core schema spells them; 1 or 0, -1 if not. */
static int boolean(const yaml_node_t *n)
{
	static const char *const words[] = { "false", "False", "FALSE",
					     "true",  "True",  "TRUE",  NULL };
	int i = plain(n) ? cli_pick(text(n), words) : -1;

	return i < 0 ? -1 : i >= 3;
}

static int get_bool(const struct parse *p, const yaml_node_t *n, const char *key, bool *out)
{
	char d[QUOTE_MAX + 32];
	int b = boolean(n);

	if (b >= 0) {
		*out = b;
		return 0;
	}
	return fail_at(p, AT(n->start_mark), "%s: expected true or false, got %s", key,
		       describe(n, d, sizeof(d)));
}

/* One of words (NULL-terminated), as its index. */
static int get_word(const struct parse *p, const yaml_node_t *n, const char *key,
		    const char *const *words, const char *expect, int *out)
{
	char d[QUOTE_MAX + 32];
	int i = n->type == YAML_SCALAR_NODE ? cli_pick(text(n), words) : -1;

	if (i >= 0) {
		*out = i;
		return 0;
	}
	return fail_at(p, AT(n->start_mark), "%s: expected %s, got %s", key, expect,
		       describe(n, d, sizeof(d)));
}

/* A scalar that is not null: a string, whatever its style. */
static int get_string(const struct parse *p, const yaml_node_t *n, const char *key)
{
	char d[QUOTE_MAX + 32];

	if (n->type == YAML_SCALAR_NODE && !is_null(n) && n->data.scalar.length > 0)
		return 0;
	return fail_at(p, AT(n->start_mark), "%s: expected a non-empty string, got %s", key,
		       describe(n, d, sizeof(d)));
}

/* --- Mappings: keys from a fixed list, each once. --- */

#define KEYS_MAX 16

struct keys {
	const char *const *names; /* NULL-terminated, at most KEYS_MAX */
	const char *where;        /* "module 'web'", for messages */
	size_t first_line[KEYS_MAX]; /* 0: not seen yet */
};

/* The pair's key as an index into k->names; -1 with err when the key is
 * not a word of the list or is there twice. */
static int key_of(const struct parse *p, struct keys *k, const yaml_node_t *key)
{
	char known[160] = "", d[QUOTE_MAX + 32];
	size_t used = 0;
	int i;

	if (key->type != YAML_SCALAR_NODE)
		return fail_at(p, AT(key->start_mark), "a key in %s is %s: keys are words",
			       k->where, describe(key, d, sizeof(d)));
	i = cli_pick(text(key), k->names);
	if (i >= 0 && k->first_line[i] != 0)
		return fail_at(p, AT(key->start_mark), "duplicate key '%s' in %s (first at line %zu)",
			       k->names[i], k->where, k->first_line[i]);
	if (i >= 0) {
		k->first_line[i] = key->start_mark.line + 1;
		return i;
	}
	for (int j = 0; k->names[j] != NULL && used < sizeof(known); j++)
		used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s",
					 j ? ", " : "", k->names[j]);
	return fail_at(p, AT(key->start_mark), "unknown key %s in %s (known: %s)",
		       describe(key, d, sizeof(d)), k->where, known);
}

static const yaml_node_t *node(const struct parse *p, int index)
{
	return yaml_document_get_node(p->doc, index);
}

/* A mapping (or, when null_ok, nothing: false with no error). */
static int want_map(const struct parse *p, const yaml_node_t *n, const char *key, bool null_ok)
{
	char d[QUOTE_MAX + 32];

	if (n->type == YAML_MAPPING_NODE)
		return 1;
	if (null_ok && is_null(n))
		return 0;
	return fail_at(p, AT(n->start_mark), "%s: expected a mapping, got %s", key,
		       describe(n, d, sizeof(d)));
}

#define PAIRS(n) (n)->data.mapping.pairs.start, *pair_end_ = (n)->data.mapping.pairs.top
#define EACH_PAIR(pp, n) for (const yaml_node_pair_t *pp = PAIRS(n); pp < pair_end_; pp++)

/* --- Modules. --- */

enum { K_MODE, K_COUNT, K_INTERVAL, K_TIMEOUT, K_TTL, K_OPTIONS, K_DATA, K_CLOSE, K_TIME_WAIT };
static const char *const module_keys[] = { "mode", "count", "interval", "timeout", "ttl",
					   "options", "data", "close", "time_wait", NULL };
enum { OPT_MSS, OPT_WSCALE, OPT_SACK, OPT_TIMESTAMPS };
static const char *const option_keys[] = { "mss", "wscale", "sack", "timestamps", NULL };
static const char *const mode_words[] = { "syn", "connect", NULL };
static const char *const close_words[] = { "active", "passive", "half", "rst", NULL };

/* [A-Za-z0-9_.-]{1,31}: what a /probe query's module= may name. */
static bool name_ok(const char *s, size_t len)
{
	if (len == 0 || len >= SERVE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
			return false;
	}
	return true;
}

/* An option offered: a bool, or (mss, wscale) a value, which offers it. */
static int get_option(const struct parse *p, const yaml_node_t *n, const char *key, long min,
		      long max, bool *offer, int *value)
{
	char d[QUOTE_MAX + 32];
	unsigned long v;
	int b = boolean(n);

	if (b >= 0) {
		*offer = b;
		return 0;
	}
	if (whole(n, (unsigned long)min, (unsigned long)max, &v) == 0) {
		*offer = true;
		*value = (int)v;
		return 0;
	}
	return fail_at(p, AT(n->start_mark),
		       "%s: expected a whole number from %ld to %ld, or true or false, got %s", key,
		       min, max, describe(n, d, sizeof(d)));
}

/* options: named, only those are offered (--no-options with --mss,
 * --wscale, --sack, --tsopt). mss: true offers the interface's MSS,
 * wscale: true the default shift 7. */
static int parse_options(const struct parse *p, const yaml_node_t *n, struct module *m)
{
	char where[64];
	struct keys k = { .names = option_keys, .where = where };
	struct syn_options *so = &m->syn;

	snprintf(where, sizeof(where), "the options of module '%s'", m->name);
	if (want_map(p, n, "options", false) < 0)
		return -1;
	so->mss = so->wscale = so->sack = so->ts = false;
	EACH_PAIR(pr, n) {
		const yaml_node_t *v = node(p, pr->value);
		int rc = 0;

		switch (key_of(p, &k, node(p, pr->key))) {
		case OPT_MSS:
			rc = get_option(p, v, "mss", 1, 65535, &so->mss, &so->mss_value);
			break;
		case OPT_WSCALE:
			rc = get_option(p, v, "wscale", 0, TCP_WSCALE_MAX, &so->wscale,
					&so->wscale_value);
			break;
		case OPT_SACK:
			rc = get_bool(p, v, "sack", &so->sack);
			break;
		case OPT_TIMESTAMPS:
			rc = get_bool(p, v, "timestamps", &so->ts);
			break;
		default:
			return -1;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* data: the bytes as YAML decoded them (escapes in double quotes, folding
 * in block scalars), at most MODULE_DATA_MAX, no NUL (the engine sends a C
 * string). */
static int parse_data(const struct parse *p, const yaml_node_t *v, struct module *m)
{
	size_t len;

	if (get_string(p, v, "data") < 0)
		return -1;
	len = v->data.scalar.length;
	if (len > MODULE_DATA_MAX)
		return fail_at(p, AT(v->start_mark), "data: %zu bytes, at most %d", len,
			       MODULE_DATA_MAX);
	if (memchr(v->data.scalar.value, '\0', len) != NULL)
		return fail_at(p, AT(v->start_mark), "data: holds a NUL byte, which cannot be sent");
	if ((m->data = strdup(text(v))) == NULL)
		return fail_at(p, AT(v->start_mark), "out of memory");
	return 0;
}

static int module_key(const struct parse *p, int key, const yaml_node_t *kn,
		      const yaml_node_t *v, struct module *m)
{
	unsigned long ul;
	uint64_t ns;
	int i;

	if ((key == K_DATA || key == K_CLOSE || key == K_TIME_WAIT) && m->mode != MODULE_CONNECT)
		return fail_at(p, AT(kn->start_mark),
			       "%s needs mode: connect (module '%s' is a syn module)",
			       module_keys[key], m->name);
	switch (key) {
	case K_MODE:
		return 0; /* read first, by parse_module */
	case K_COUNT:
		if (get_whole(p, v, "count", 1, MODULE_COUNT_MAX, &ul) < 0)
			return -1;
		m->count = ul;
		return 0;
	case K_INTERVAL:
		return get_seconds(p, v, "interval", INTERVAL_MIN, INTERVAL_MAX, &m->interval_ns);
	case K_TIMEOUT:
		return get_seconds(p, v, "timeout", TIMEOUT_MIN, TIMEOUT_MAX, &m->timeout_ns);
	case K_TTL:
		if (get_whole(p, v, "ttl", 1, 255, &ul) < 0)
			return -1;
		m->ttl = (uint8_t)ul;
		return 0;
	case K_OPTIONS:
		return parse_options(p, v, m);
	case K_DATA:
		return parse_data(p, v, m);
	case K_CLOSE:
		if (get_word(p, v, "close", close_words, "active, passive, half or rst", &i) < 0)
			return -1;
		m->close = (enum conn_close)i;
		return 0;
	case K_TIME_WAIT:
		if (get_seconds(p, v, "time_wait", 0, TIME_WAIT_MAX, &ns) < 0)
			return -1;
		m->time_wait_ns = (int64_t)ns;
		return 0;
	}
	return -1;
}

/* One module: its mode first (the defaults follow it), then every key. */
static int parse_module(const struct parse *p, const yaml_node_t *name, const yaml_node_t *n)
{
	char where[64];
	struct keys k = { .names = module_keys, .where = where };
	struct module m;
	int mode = MODULE_SYN;

	if (want_map(p, n, text(name), false) < 0)
		return -1;
	EACH_PAIR(pr, n) {
		const yaml_node_t *kn = node(p, pr->key);
		if (kn->type == YAML_SCALAR_NODE && strcmp(text(kn), "mode") == 0 &&
		    get_word(p, node(p, pr->value), "mode", mode_words, "syn or connect", &mode) < 0)
			return -1;
	}
	module_defaults(&m, text(name), (enum module_mode)mode);
	snprintf(where, sizeof(where), "module '%s'", m.name);
	EACH_PAIR(pr, n) {
		const yaml_node_t *kn = node(p, pr->key);
		int key = key_of(p, &k, kn);

		if (key < 0 || module_key(p, key, kn, node(p, pr->value), &m) < 0) {
			free(m.data);
			return -1;
		}
	}
	if (module_table_put(&p->c->modules, &m) < 0) {
		free(m.data);
		return fail_at(p, AT(n->start_mark), "out of memory");
	}
	return 0;
}

static int parse_modules(const struct parse *p, const yaml_node_t *n)
{
	size_t count = 0;
	int r = want_map(p, n, "modules", true);

	if (r <= 0)
		return r;
	EACH_PAIR(pr, n) {
		const yaml_node_t *kn = node(p, pr->key);
		char d[QUOTE_MAX + 32];

		if (kn->type != YAML_SCALAR_NODE || !name_ok(text(kn), kn->data.scalar.length))
			return fail_at(p, AT(kn->start_mark),
				       "module name %s: expected 1 to %d of A-Z a-z 0-9 _ . -",
				       describe(kn, d, sizeof(d)), SERVE_NAME_MAX - 1);
		/* A name the file already used (the built-ins may be replaced). */
		for (const yaml_node_pair_t *q = n->data.mapping.pairs.start; q < pr; q++) {
			const yaml_node_t *prev = node(p, q->key);
			if (strcmp(text(prev), text(kn)) == 0)
				return fail_at(p, AT(kn->start_mark),
					       "duplicate module '%s' (first at line %zu)",
					       text(kn), prev->start_mark.line + 1);
		}
		if (++count > CONFIG_MODULES_MAX)
			return fail_at(p, AT(kn->start_mark), "more than %d modules",
				       CONFIG_MODULES_MAX);
		if (parse_module(p, kn, node(p, pr->value)) < 0)
			return -1;
	}
	return 0;
}

/* --- allow. --- */

/* "10.0.0.0/8", "fd00::/8" or "192.0.2.7": an address, then optionally a
 * prefix length within its family's bits. */
static bool prefix_ok(const char *piece)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(piece, '/');
	size_t alen = slash != NULL ? (size_t)(slash - piece) : strlen(piece);
	struct netaddr a;
	unsigned long bits = 0;

	if (alen >= sizeof(addr))
		return false;
	memcpy(addr, piece, alen);
	addr[alen] = '\0';
	if (netaddr_parse(addr, &a) < 0)
		return false;
	if (slash == NULL)
		return true;
	for (const char *d = slash + 1; *d != '\0'; d++) {
		if (*d < '0' || *d > '9' || bits > 128)
			return false;
		bits = bits * 10 + (unsigned long)(*d - '0');
	}
	return slash[1] != '\0' && bits <= (a.family == AF_INET ? 32u : 128u);
}

/* One targets string: prefixes or addresses, by commas or blanks (as
 * allow_add_targets reads it), checked here so an error has its place. */
static int check_targets(const struct parse *p, const yaml_node_t *n)
{
	const char *s = text(n);

	while (*s != '\0') {
		size_t len = strcspn(s, ", \t");
		char piece[QUOTE_MAX + 8];

		if (len == 0) {
			s++;
			continue;
		}
		snprintf(piece, sizeof(piece), "%.*s%s", (int)(len > QUOTE_MAX ? QUOTE_MAX : len), s,
			 len > QUOTE_MAX ? "..." : "");
		if (len > QUOTE_MAX || !prefix_ok(piece))
			return fail_at(p, AT(n->start_mark),
				       "targets: '%s' is not a prefix (CIDR) or an address (names and ranges are not allowed)",
				       piece);
		s += len;
	}
	return 0;
}

static int add_target(const struct parse *p, const yaml_node_t *n)
{
	struct serve_config *c = p->c;
	char **v;

	if (get_string(p, n, "targets") < 0 || check_targets(p, n) < 0)
		return -1;
	v = realloc(c->allow_targets, (c->nallow_targets + 1) * sizeof(*v));
	if (v == NULL)
		return fail_at(p, AT(n->start_mark), "out of memory");
	c->allow_targets = v;
	if ((v[c->nallow_targets] = strdup(text(n))) == NULL)
		return fail_at(p, AT(n->start_mark), "out of memory");
	c->nallow_targets++;
	return 0;
}

/* The i-th of n's scalars: n itself when it is not a sequence. */
static const yaml_node_t *piece_of(const struct parse *p, const yaml_node_t *n, size_t i)
{
	return n->type == YAML_SEQUENCE_NODE ? node(p, n->data.sequence.items.start[i]) : n;
}

static int parse_targets(const struct parse *p, const yaml_node_t *n)
{
	size_t count = 1;

	if (n->type == YAML_SEQUENCE_NODE)
		count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	for (size_t i = 0; i < count; i++)
		if (add_target(p, piece_of(p, n, i)) < 0)
			return -1;
	return 0;
}

/* ports: "22,80,443", 22, or a list of either, joined with commas into one
 * string as -p spells it, and checked by -p's parser. */
static int parse_ports(const struct parse *p, const yaml_node_t *n)
{
	size_t count = 1, len = 0, used = 0;
	struct port_list pl;
	char why[256], *s;

	if (n->type == YAML_SEQUENCE_NODE)
		count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count == 0)
		return fail_at(p, AT(n->start_mark), "ports: expected ports, got an empty sequence");
	for (size_t i = 0; i < count; i++) {
		if (get_string(p, piece_of(p, n, i), "ports") < 0)
			return -1;
		len += piece_of(p, n, i)->data.scalar.length + 1;
	}
	if ((s = malloc(len)) == NULL)
		return fail_at(p, AT(n->start_mark), "out of memory");
	for (size_t i = 0; i < count; i++) {
		const yaml_node_t *it = piece_of(p, n, i);
		if (i > 0)
			s[used++] = ',';
		memcpy(s + used, text(it), it->data.scalar.length);
		used += it->data.scalar.length;
	}
	s[used] = '\0';
	if (ports_parse(s, &pl, why, sizeof(why)) < 0) {
		free(s);
		return fail_at(p, AT(n->start_mark), "ports: %s", why);
	}
	port_list_free(&pl);
	free(p->c->allow_ports);
	p->c->allow_ports = s;
	return 0;
}

enum { A_TARGETS, A_PORTS };
static const char *const allow_keys[] = { "targets", "ports", NULL };

static int parse_allow(const struct parse *p, const yaml_node_t *n)
{
	struct keys k = { .names = allow_keys, .where = "allow" };
	int r = want_map(p, n, "allow", true);

	if (r <= 0)
		return r;
	EACH_PAIR(pr, n) {
		const yaml_node_t *v = node(p, pr->value);

		switch (key_of(p, &k, node(p, pr->key))) {
		case A_TARGETS:
			r = parse_targets(p, v);
			break;
		case A_PORTS:
			r = parse_ports(p, v);
			break;
		default:
			return -1;
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

/* --- The document. --- */

enum { T_MODULES, T_ALLOW, T_MAX_INFLIGHT };
static const char *const top_keys[] = { "modules", "allow", "max_inflight", NULL };

static int parse_root(const struct parse *p, const yaml_node_t *root)
{
	struct keys k = { .names = top_keys, .where = "the top level" };
	char d[QUOTE_MAX + 32];
	unsigned long ul;

	if (root == NULL || is_null(root))
		return fail_at(p, root ? root->start_mark.line + 1 : 1,
			       root ? root->start_mark.column + 1 : 1,
			       "empty document: expected a mapping of modules, allow, max_inflight");
	if (root->type != YAML_MAPPING_NODE)
		return fail_at(p, AT(root->start_mark),
			       "expected a mapping of modules, allow, max_inflight at the top, got %s",
			       describe(root, d, sizeof(d)));
	EACH_PAIR(pr, root) {
		const yaml_node_t *v = node(p, pr->value);
		int r;

		switch (key_of(p, &k, node(p, pr->key))) {
		case T_MODULES:
			r = parse_modules(p, v);
			break;
		case T_ALLOW:
			r = parse_allow(p, v);
			break;
		case T_MAX_INFLIGHT:
			r = get_whole(p, v, "max_inflight", 1, INFLIGHT_MAX, &ul);
			if (r == 0)
				p->c->max_inflight = (unsigned)ul;
			break;
		default:
			return -1;
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

int serve_config_default(struct serve_config *c)
{
	memset(c, 0, sizeof(*c));
	return module_table_builtin(&c->modules);
}

int serve_config_parse(const char *buf, size_t len, const char *name, struct serve_config *c,
		       char *err, size_t errlen)
{
	struct parse p = { .buf = buf, .len = len, .name = name, .err = err, .errlen = errlen, .c = c };
	yaml_parser_t ps;
	yaml_document_t doc;
	bool empty = false;
	int rc;

	if (serve_config_default(c) < 0)
		return fail_at(&p, 1, 1, "out of memory");
	if (len > CONFIG_BYTES_MAX)
		rc = fail_at(&p, 1, 1, "%zu bytes: a config file holds at most %d", len,
			     CONFIG_BYTES_MAX);
	else if ((rc = screen_events(&p, buf, len, &empty)) == 0 && empty)
		rc = fail_at(&p, 1, 1, "empty file: expected a mapping of modules, allow, max_inflight");
	if (rc < 0) {
		serve_config_free(c);
		return -1;
	}
	if (!yaml_parser_initialize(&ps)) {
		serve_config_free(c);
		return fail_at(&p, 1, 1, "out of memory");
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&ps, &doc)) {
		rc = syntax_error(&p, &ps);
	} else {
		p.doc = &doc;
		rc = parse_root(&p, yaml_document_get_root_node(&doc));
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&ps);
	if (rc < 0)
		serve_config_free(c);
	return rc;
}

void serve_config_free(struct serve_config *c)
{
	module_table_free(&c->modules);
	for (size_t i = 0; i < c->nallow_targets; i++)
		free(c->allow_targets[i]);
	free(c->allow_targets);
	free(c->allow_ports);
	memset(c, 0, sizeof(*c));
}
