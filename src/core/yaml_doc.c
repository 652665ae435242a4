/*
 * yaml_doc: libyaml's document API made safe and typed for a config file
 * (yaml_doc.h).
 *
 * Two passes over the bytes, both libyaml's. The first reads events only
 * and refuses, with their place, what a small config never needs and a
 * hostile one could abuse: anchors and aliases (libyaml's loader shares an
 * alias's node rather than copying it, but a walk over shared nodes is
 * exponential), explicit tags (scalars are typed by their style here), a
 * second document, and nesting deeper than the schema's. The second loads
 * the document (yaml_parser_load) for the schema to walk; a schema of fixed
 * depth recurses no further than that.
 *
 * libyaml types every untagged scalar as a string; the typing below is
 * YAML 1.2's core schema for the few types a config needs, with the CLI's
 * own number parsers, so a value reads as it would on the command line.
 */
#include "config.h"
#include "core/yaml_doc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/cli.h"
#include "core/cli_table.h"
#include "core/tcpconst.h"

/* How much of a bad value an error quotes. */
#define QUOTE_MAX 40

static int fail_line(const struct ydoc *d, size_t line, size_t col, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static int fail_line(const struct ydoc *d, size_t line, size_t col, const char *fmt, va_list ap)
{
	char what[512];

	vsnprintf(what, sizeof(what), fmt, ap);
	/* One line, whatever a quoted value or another parser's message held. */
	for (char *c = what; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	snprintf(d->err, d->errlen, "%s:%zu:%zu: %s", d->name, line, col, what);
	return -1;
}

/* At a libyaml mark: 0-based; people count from 1. */
static int fail_mark(const struct ydoc *d, yaml_mark_t m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail_mark(const struct ydoc *d, yaml_mark_t m, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = fail_line(d, m.line + 1, m.column + 1, fmt, ap);
	va_end(ap);
	return rc;
}

int ydoc_fail(const struct ydoc *d, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = fail_line(d, n ? n->start_mark.line + 1 : 1, n ? n->start_mark.column + 1 : 1, fmt,
		       ap);
	va_end(ap);
	return rc;
}

static int syntax_error(const struct ydoc *d, const yaml_parser_t *ps)
{
	if (ps->error == YAML_MEMORY_ERROR)
		return fail_mark(d, ps->mark, "out of memory");
	if (ps->error == YAML_READER_ERROR) {
		/* The reader decodes ahead of the scanner, so its error has an
		 * offset, not a mark: count lines and characters up to it. */
		yaml_mark_t m = { 0, 0, 0 };
		for (size_t i = 0; i < ps->problem_offset && i < d->len; i++) {
			unsigned char ch = (unsigned char)d->buf[i];
			if (ch == '\n') {
				m.line++;
				m.column = 0;
			} else if ((ch & 0xc0) != 0x80) {
				m.column++; /* not a UTF-8 continuation byte */
			}
		}
		if (ps->problem_value != -1)
			return fail_mark(d, m, "YAML: %s (byte 0x%02x at offset %zu)", ps->problem,
					 (unsigned)ps->problem_value, ps->problem_offset);
		return fail_mark(d, m, "YAML: %s (at offset %zu)", ps->problem, ps->problem_offset);
	}
	if (ps->context != NULL)
		return fail_mark(d, ps->problem_mark, "YAML: %s (%s at line %zu, column %zu)",
				 ps->problem, ps->context, ps->context_mark.line + 1,
				 ps->context_mark.column + 1);
	return fail_mark(d, ps->problem_mark, "YAML: %s",
			 ps->problem != NULL ? ps->problem : "syntax error");
}

/* An event's anchor and tag, for those that may carry them. */
static void anchor_tag(const yaml_event_t *ev, const yaml_char_t **anchor, const yaml_char_t **tag)
{
	*anchor = *tag = NULL;
	if (ev->type == YAML_SCALAR_EVENT) {
		*anchor = ev->data.scalar.anchor;
		*tag = ev->data.scalar.tag;
	} else if (ev->type == YAML_SEQUENCE_START_EVENT) {
		*anchor = ev->data.sequence_start.anchor;
		*tag = ev->data.sequence_start.tag;
	} else if (ev->type == YAML_MAPPING_START_EVENT) {
		*anchor = ev->data.mapping_start.anchor;
		*tag = ev->data.mapping_start.tag;
	}
}

/* The first pass (see the top): events only. *docs gets the documents. */
static int screen(const struct ydoc *d, int max_depth, int *docs)
{
	yaml_parser_t ps;
	yaml_event_t ev;
	int depth = 0, rc = 0;
	bool done = false;

	*docs = 0;
	if (!yaml_parser_initialize(&ps))
		return ydoc_fail(d, NULL, "out of memory");
	yaml_parser_set_input_string(&ps, (const unsigned char *)d->buf, d->len);
	while (!done && rc == 0) {
		const yaml_char_t *anchor, *tag;

		if (!yaml_parser_parse(&ps, &ev)) {
			rc = syntax_error(d, &ps);
			break;
		}
		anchor_tag(&ev, &anchor, &tag);
		if (ev.type == YAML_STREAM_END_EVENT)
			done = true;
		else if (ev.type == YAML_DOCUMENT_START_EVENT && ++*docs > 1)
			rc = fail_mark(d, ev.start_mark, "a second YAML document: the file holds one");
		else if (ev.type == YAML_ALIAS_EVENT)
			rc = fail_mark(d, ev.start_mark, "aliases (*%.*s) are not supported", QUOTE_MAX,
				       (const char *)ev.data.alias.anchor);
		else if (anchor != NULL)
			rc = fail_mark(d, ev.start_mark, "anchors (&%.*s) are not supported", QUOTE_MAX,
				       (const char *)anchor);
		else if (tag != NULL)
			rc = fail_mark(d, ev.start_mark, "tags (%.*s) are not supported", QUOTE_MAX,
				       (const char *)tag);
		else if ((ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) &&
			 ++depth > max_depth)
			rc = fail_mark(d, ev.start_mark, "nested deeper than the format's %d levels",
				       max_depth);
		else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT)
			depth--;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&ps);
	return rc;
}

const yaml_node_t *ydoc_load(struct ydoc *d, int max_depth, const char *expect)
{
	yaml_parser_t ps;
	const yaml_node_t *root;
	int docs;

	d->loaded = false;
	if (screen(d, max_depth, &docs) < 0)
		return NULL;
	if (docs == 0) {
		ydoc_fail(d, NULL, "empty file: expected %s", expect);
		return NULL;
	}
	if (!yaml_parser_initialize(&ps)) {
		ydoc_fail(d, NULL, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)d->buf, d->len);
	if (!yaml_parser_load(&ps, &d->doc)) {
		syntax_error(d, &ps);
		yaml_parser_delete(&ps);
		return NULL;
	}
	yaml_parser_delete(&ps);
	d->loaded = true;
	root = yaml_document_get_root_node(&d->doc);
	if (root == NULL || ydoc_null(root)) {
		ydoc_fail(d, root, "empty document: expected %s", expect);
		return NULL;
	}
	return root;
}

void ydoc_free(struct ydoc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	d->loaded = false;
}

const yaml_node_t *ydoc_node(const struct ydoc *d, int index)
{
	return yaml_document_get_node((yaml_document_t *)&d->doc, index);
}

const char *ydoc_text(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A quoted "\0" puts a NUL inside a scalar, where C's string functions
 * would stop: "mode\0x" must not read as mode. */
static bool has_nul(const yaml_node_t *n)
{
	return memchr(n->data.scalar.value, '\0', n->data.scalar.length) != NULL;
}

bool ydoc_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

bool ydoc_null(const yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };

	return ydoc_plain(n) && cli_pick(ydoc_text(n), nulls) >= 0;
}

const char *ydoc_describe(const yaml_node_t *n, char *buf, size_t len)
{
	char v[QUOTE_MAX + 4];
	size_t i, k = 0, vlen;

	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a sequence";
	if (ydoc_null(n))
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
	snprintf(buf, len, ydoc_plain(n) ? "'%s'" : "\"%s\" (a quoted string)", v);
	return buf;
}

size_t ydoc_items(const yaml_node_t *n)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return 1;
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

const yaml_node_t *ydoc_item(const struct ydoc *d, const yaml_node_t *n, size_t i)
{
	return n->type == YAML_SEQUENCE_NODE ? ydoc_node(d, n->data.sequence.items.start[i]) : n;
}

/* "KEY: expected WHAT, got ..." at n. */
static int expected(const struct ydoc *d, const yaml_node_t *n, const char *key, const char *what)
{
	char got[QUOTE_MAX + 32];

	return ydoc_fail(d, n, "%s: expected %s, got %s", key, what,
			 ydoc_describe(n, got, sizeof(got)));
}

/* A plain run of decimal digits within [min, max]. */
static int whole(const yaml_node_t *n, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *s;

	if (!ydoc_plain(n) || *(s = ydoc_text(n)) == '\0')
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

int ydoc_whole(const struct ydoc *d, const yaml_node_t *n, const char *key, unsigned long min,
	       unsigned long max, unsigned long *out)
{
	char what[64];

	if (whole(n, min, max, out) == 0)
		return 0;
	snprintf(what, sizeof(what), "a whole number from %lu to %lu", min, max);
	return expected(d, n, key, what);
}

int ydoc_seconds(const struct ydoc *d, const yaml_node_t *n, const char *key, double min,
		 double max, uint64_t *ns)
{
	char what[80];
	double v;

	if (ydoc_plain(n) && cli_parse_seconds(ydoc_text(n), min, max, &v) == 0) {
		*ns = (uint64_t)llround(v * (double)NS_PER_S);
		return 0;
	}
	snprintf(what, sizeof(what), "seconds from %g to %g (fractions allowed)", min, max);
	return expected(d, n, key, what);
}

int ydoc_boolean(const yaml_node_t *n)
{
	static const char *const words[] = { "false", "False", "FALSE",
					     "true",  "True",  "TRUE",  NULL };
	int i = ydoc_plain(n) ? cli_pick(ydoc_text(n), words) : -1;

	return i < 0 ? -1 : i >= 3;
}

int ydoc_bool(const struct ydoc *d, const yaml_node_t *n, const char *key, bool *out)
{
	int b = ydoc_boolean(n);

	if (b < 0)
		return expected(d, n, key, "true or false");
	*out = b;
	return 0;
}

int ydoc_word(const struct ydoc *d, const yaml_node_t *n, const char *key,
	      const char *const *words, const char *expect, int *out)
{
	int i = n->type == YAML_SCALAR_NODE && !has_nul(n) ? cli_pick(ydoc_text(n), words) : -1;

	if (i < 0)
		return expected(d, n, key, expect);
	*out = i;
	return 0;
}

int ydoc_string(const struct ydoc *d, const yaml_node_t *n, const char *key)
{
	if (n->type == YAML_SCALAR_NODE && has_nul(n))
		return ydoc_fail(d, n, "%s: holds a NUL byte", key);
	if (n->type == YAML_SCALAR_NODE && !ydoc_null(n) && n->data.scalar.length > 0)
		return 0;
	return expected(d, n, key, "a non-empty string");
}

int ydoc_want_map(const struct ydoc *d, const yaml_node_t *n, const char *key, bool null_ok)
{
	if (n->type == YAML_MAPPING_NODE)
		return 1;
	if (null_ok && ydoc_null(n))
		return 0;
	return expected(d, n, key, "a mapping");
}

/* The pair's key as an index into names; -1 with err when the key is not
 * one of them or is there a second time (seen: first lines, 0 unseen). */
static int key_index(const struct ydoc *d, const yaml_node_t *key, const char *const *names,
		     const char *where, size_t *seen)
{
	char known[160] = "", got[QUOTE_MAX + 32];
	size_t used = 0;
	int i;

	if (key->type != YAML_SCALAR_NODE)
		return ydoc_fail(d, key, "a key in %s is %s: keys are words", where,
				 ydoc_describe(key, got, sizeof(got)));
	i = has_nul(key) ? -1 : cli_pick(ydoc_text(key), names);
	if (i >= 0 && seen[i] != 0)
		return ydoc_fail(d, key, "duplicate key '%s' in %s (first at line %zu)", names[i],
				 where, seen[i]);
	if (i >= 0) {
		seen[i] = key->start_mark.line + 1;
		return i;
	}
	for (int j = 0; names[j] != NULL && used < sizeof(known); j++)
		used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s", j ? ", " : "",
					 names[j]);
	return ydoc_fail(d, key, "unknown key %s in %s (known: %s)",
			 ydoc_describe(key, got, sizeof(got)), where, known);
}

int ydoc_map(const struct ydoc *d, const yaml_node_t *n, const char *key, bool null_ok,
	     const char *const *names, const char *where,
	     int (*each)(void *ctx, int index, const yaml_node_t *k, const yaml_node_t *v),
	     void *ctx)
{
	size_t seen[YDOC_KEYS_MAX] = { 0 };
	int r = ydoc_want_map(d, n, key, null_ok);

	if (r <= 0)
		return r;
	for (const yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = ydoc_node(d, p->key);
		int i = key_index(d, k, names, where, seen);

		if (i < 0 || each(ctx, i, k, ydoc_node(d, p->value)) < 0)
			return -1;
	}
	return 0;
}
