/*
 * yaml_doc: a small YAML file read for a fixed schema, with libyaml.
 *
 * What a config reader needs around libyaml's document API: one document
 * loaded with what such a file never needs refused first (anchors and
 * aliases, whose shared nodes make a walk exponential: the billion laughs;
 * explicit tags; a second document; nesting beyond the schema's), untagged
 * scalars typed by their style as YAML 1.2's core schema types them (a
 * plain 3 is a number, a quoted "3" a string), mappings whose keys come
 * from a fixed list, once each, and every error one "NAME:LINE:COL: what"
 * line at the node at fault (1-based). Pure: bytes in, nodes out.
 */
#ifndef TCPSHAKE_YAML_DOC_H
#define TCPSHAKE_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

/* Most keys a mapping of the schema may know. */
#define YDOC_KEYS_MAX 16

struct ydoc {
	const char *name;     /* the file's, for messages */
	const char *buf;      /* the bytes; borrowed */
	size_t len;
	char *err;            /* where errors go: one line */
	size_t errlen;
	yaml_document_t doc;  /* loaded by ydoc_load */
	bool loaded;
};

/* Load d->buf as one document nested at most max_depth collections deep.
 * Returns its root, or NULL with d->err (a syntax error with libyaml's
 * problem and context; an empty file or document: "empty file: expected
 * <expect>"). Call ydoc_free either way. */
const yaml_node_t *ydoc_load(struct ydoc *d, int max_depth, const char *expect);
void ydoc_free(struct ydoc *d);

/* Write "NAME:LINE:COL: what" at n (NULL: 1:1), control characters shown
 * as '?' so it stays one line. Returns -1, for `return ydoc_fail(...)`. */
int ydoc_fail(const struct ydoc *d, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

const yaml_node_t *ydoc_node(const struct ydoc *d, int index);
/* A scalar's bytes (NUL-terminated; may hold a NUL from "\0"). */
const char *ydoc_text(const yaml_node_t *n);
bool ydoc_plain(const yaml_node_t *n);
/* A plain empty, ~ or null: nothing. */
bool ydoc_null(const yaml_node_t *n);
/* For "got ...": 'abc' (plain, cut and cleaned), "abc" (a quoted string),
 * a mapping, a sequence, nothing. Returns buf or a constant. */
const char *ydoc_describe(const yaml_node_t *n, char *buf, size_t len);
/* Seq n's items, or n itself as a list of one when it is not a sequence. */
size_t ydoc_items(const yaml_node_t *n);
const yaml_node_t *ydoc_item(const struct ydoc *d, const yaml_node_t *n, size_t i);

/* The typed values. Each returns 0 with *out, or -1 with "KEY: expected
 * ..., got ..." at n. */
int ydoc_whole(const struct ydoc *d, const yaml_node_t *n, const char *key, unsigned long min,
	       unsigned long max, unsigned long *out);
/* Seconds as the CLI's -i and -W take them (cli_parse_seconds), in ns. */
int ydoc_seconds(const struct ydoc *d, const yaml_node_t *n, const char *key, double min,
		 double max, uint64_t *ns);
int ydoc_bool(const struct ydoc *d, const yaml_node_t *n, const char *key, bool *out);
/* A plain true or false: 1 or 0; -1 when n is not one (no error). */
int ydoc_boolean(const yaml_node_t *n);
/* One of words (NULL-terminated), as its index; expect lists them. */
int ydoc_word(const struct ydoc *d, const yaml_node_t *n, const char *key,
	      const char *const *words, const char *expect, int *out);
/* A scalar that is not nothing nor empty, and holds no NUL byte. */
int ydoc_string(const struct ydoc *d, const yaml_node_t *n, const char *key);

/* A mapping: 1; with null_ok, nothing: 0; else -1 with "KEY: expected a
 * mapping, got ...". */
int ydoc_want_map(const struct ydoc *d, const yaml_node_t *n, const char *key, bool null_ok);
/* Walk mapping n (checked with ydoc_want_map first): every key must be a
 * word of names (NULL-terminated, at most YDOC_KEYS_MAX), and once; each
 * pair goes to each(ctx, its index in names, key, value) in file order.
 * where names the mapping in messages ("module 'web'"). Returns 0 (also
 * for nothing, when null_ok), or -1 at the first error. */
int ydoc_map(const struct ydoc *d, const yaml_node_t *n, const char *key, bool null_ok,
	     const char *const *names, const char *where,
	     int (*each)(void *ctx, int index, const yaml_node_t *k, const yaml_node_t *v),
	     void *ctx);

#endif
