/*
 * serve_config: the exporter's --config file (serve_config.h): the schema,
 * over a document core/yaml_doc loads with libyaml and types.
 *
 * A module starts as its mode's built-in (module_defaults), so the file
 * names only what differs; the ranges are the CLI's, so a module accepts
 * what the command line would. The allowed targets and ports are checked
 * here as well as kept as strings for core/allow, so an error in them has
 * its line and column like every other.
 */
#include "config.h"
#include "core/serve_config.h"
#include "core/allow.h"
#include "core/serve_msg.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/netaddr.h"
#include "core/target.h"
#include "core/tcpconst.h"
#include "core/yaml_doc.h"

#define CONFIG_MODULES_MAX 256
/* The schema's depth: the top, modules, a module, its options, and one
 * more for a list of ports. */
#define CONFIG_DEPTH_MAX 5
/* The CLI's ranges (core/cli_table.c). */
#define INTERVAL_MIN 0.001
#define INTERVAL_MAX 3600.0
#define TIMEOUT_MIN 0.001
#define TIMEOUT_MAX 600.0
#define TIME_WAIT_MAX 240.0 /* RFC 9293's 2 MSL */
#define EXPECT_TOP "a mapping of modules, allow, max_inflight"

/* What a handler of ydoc_map needs. */
struct walk {
	const struct ydoc *d;
	struct serve_config *c;
	struct module *m; /* the module being read */
};

/* --- Modules. --- */

enum { K_MODE, K_COUNT, K_INTERVAL, K_TIMEOUT, K_TTL, K_OPTIONS, K_DATA, K_CLOSE, K_TIME_WAIT };
static const char *const module_keys[] = { "mode", "count", "interval", "timeout", "ttl",
					   "options", "data", "close", "time_wait", NULL };
enum { OPT_MSS, OPT_WSCALE, OPT_SACK, OPT_TIMESTAMPS };
static const char *const option_keys[] = { "mss", "wscale", "sack", "timestamps", NULL };
static const char *const mode_words[] = { "syn", "connect", NULL };
static const char *const close_words[] = { "active", "passive", "half", "rst", NULL };

/* An option offered: a bool, or (mss, wscale) a value, which offers it. */
static int get_option(const struct ydoc *d, const yaml_node_t *n, const char *key,
		      unsigned long min, unsigned long max, bool *offer, int *value)
{
	char got[64];
	unsigned long v;
	int b = ydoc_boolean(n);

	if (b >= 0) {
		*offer = b;
		return 0;
	}
	if (ydoc_plain(n) && ydoc_whole(d, n, key, min, max, &v) == 0) {
		*offer = true;
		*value = (int)v;
		return 0;
	}
	return ydoc_fail(d, n, "%s: expected a whole number from %lu to %lu, or true or false, got %s",
			 key, min, max, ydoc_describe(n, got, sizeof(got)));
}

static int option_key(void *ctx, int key, const yaml_node_t *k, const yaml_node_t *v)
{
	struct walk *w = ctx;
	struct syn_options *so = &w->m->syn;

	(void)k;
	switch (key) {
	case OPT_MSS:
		return get_option(w->d, v, "mss", 1, 65535, &so->mss, &so->mss_value);
	case OPT_WSCALE:
		return get_option(w->d, v, "wscale", 0, TCP_WSCALE_MAX, &so->wscale,
				  &so->wscale_value);
	case OPT_SACK:
		return ydoc_bool(w->d, v, "sack", &so->sack);
	default:
		return ydoc_bool(w->d, v, "timestamps", &so->ts);
	}
}

/* options: only those named are offered (--no-options with --mss,
 * --wscale, --sack, --tsopt). mss: true offers the interface's MSS,
 * wscale: true the default shift 7. */
static int parse_options(struct walk *w, const yaml_node_t *n)
{
	char where[64];
	struct syn_options *so = &w->m->syn;

	snprintf(where, sizeof(where), "the options of module '%s'", w->m->name);
	if (n->type == YAML_MAPPING_NODE)
		so->mss = so->wscale = so->sack = so->ts = false;
	return ydoc_map(w->d, n, "options", false, option_keys, where, option_key, w);
}

/* data: the bytes as YAML decoded them (escapes in double quotes, block
 * scalars' newlines), at most MODULE_DATA_MAX, no NUL (ydoc_string: the
 * engine sends a C string). */
static int parse_data(const struct ydoc *d, const yaml_node_t *v, struct module *m)
{
	size_t len;

	if (ydoc_string(d, v, "data") < 0)
		return -1;
	len = v->data.scalar.length;
	if (len > MODULE_DATA_MAX)
		return ydoc_fail(d, v, "data: %zu bytes, at most %d", len, MODULE_DATA_MAX);
	free(m->data);
	if ((m->data = strdup(ydoc_text(v))) == NULL)
		return ydoc_fail(d, v, "out of memory");
	return 0;
}

static int module_key(void *ctx, int key, const yaml_node_t *k, const yaml_node_t *v)
{
	struct walk *w = ctx;
	struct module *m = w->m;
	unsigned long ul;
	uint64_t ns;
	int i;

	if ((key == K_DATA || key == K_CLOSE || key == K_TIME_WAIT) && m->mode != MODULE_CONNECT)
		return ydoc_fail(w->d, k, "%s needs mode: connect (module '%s' is a syn module)",
				 module_keys[key], m->name);
	switch (key) {
	case K_MODE:
		return 0; /* read first, by parse_module */
	case K_COUNT:
		if (ydoc_whole(w->d, v, "count", 1, MODULE_COUNT_MAX, &ul) < 0)
			return -1;
		m->count = ul;
		return 0;
	case K_INTERVAL:
		return ydoc_seconds(w->d, v, "interval", INTERVAL_MIN, INTERVAL_MAX, &m->interval_ns);
	case K_TIMEOUT:
		return ydoc_seconds(w->d, v, "timeout", TIMEOUT_MIN, TIMEOUT_MAX, &m->timeout_ns);
	case K_TTL:
		if (ydoc_whole(w->d, v, "ttl", 1, 255, &ul) < 0)
			return -1;
		m->ttl = (uint8_t)ul;
		return 0;
	case K_OPTIONS:
		return parse_options(w, v);
	case K_DATA:
		return parse_data(w->d, v, m);
	case K_CLOSE:
		if (ydoc_word(w->d, v, "close", close_words, "active, passive, half or rst", &i) < 0)
			return -1;
		m->close = (enum conn_close)i;
		return 0;
	default:
		if (ydoc_seconds(w->d, v, "time_wait", 0, TIME_WAIT_MAX, &ns) < 0)
			return -1;
		m->time_wait_ns = (int64_t)ns;
		return 0;
	}
}

/* One module: its mode first (the defaults follow it), then every key. */
static int parse_module(struct walk *w, const yaml_node_t *name, const yaml_node_t *n)
{
	char where[64];
	struct module m;
	int mode = MODULE_SYN;

	if (ydoc_want_map(w->d, n, ydoc_text(name), false) < 0)
		return -1;
	for (const yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = ydoc_node(w->d, p->key);
		if (k->type == YAML_SCALAR_NODE && k->data.scalar.length == 4 &&
		    memcmp(ydoc_text(k), "mode", 4) == 0 &&
		    ydoc_word(w->d, ydoc_node(w->d, p->value), "mode", mode_words, "syn or connect",
			      &mode) < 0)
			return -1;
	}
	module_defaults(&m, ydoc_text(name), (enum module_mode)mode);
	snprintf(where, sizeof(where), "module '%s'", m.name);
	w->m = &m;
	if (ydoc_map(w->d, n, ydoc_text(name), false, module_keys, where, module_key, w) < 0) {
		free(m.data);
		return -1;
	}
	if (module_table_put(&w->c->modules, &m) < 0) {
		free(m.data);
		return ydoc_fail(w->d, n, "out of memory");
	}
	return 0;
}

static int parse_modules(struct walk *w, const yaml_node_t *n)
{
	size_t count = 0;
	int r = ydoc_want_map(w->d, n, "modules", true);

	if (r <= 0)
		return r;
	for (const yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = ydoc_node(w->d, p->key);
		char got[64];

		if (k->type != YAML_SCALAR_NODE || strlen(ydoc_text(k)) != k->data.scalar.length || !serve_name_ok(ydoc_text(k)))
			return ydoc_fail(w->d, k,
					 "module name %s: expected 1 to %d of A-Z a-z 0-9 _ . -",
					 ydoc_describe(k, got, sizeof(got)), SERVE_NAME_MAX - 1);
		/* A name the file already used (the built-ins may be replaced). */
		for (const yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
			const yaml_node_t *prev = ydoc_node(w->d, q->key);
			if (strcmp(ydoc_text(prev), ydoc_text(k)) == 0)
				return ydoc_fail(w->d, k, "duplicate module '%s' (first at line %zu)",
						 ydoc_text(k), prev->start_mark.line + 1);
		}
		if (++count > CONFIG_MODULES_MAX)
			return ydoc_fail(w->d, k, "more than %d modules", CONFIG_MODULES_MAX);
		if (parse_module(w, k, ydoc_node(w->d, p->value)) < 0)
			return -1;
	}
	return 0;
}

/* --- allow. --- */

/* One targets string: prefixes or addresses, by commas or blanks (as
 * allow_add_targets reads it), kept for it. */
static int add_targets(struct walk *w, const yaml_node_t *n)
{
	struct serve_config *c = w->c;
	const char *s = ydoc_text(n);
	char **v;

	if (ydoc_string(w->d, n, "targets") < 0)
		return -1;
	/* Checked by the allow list's own parser, as --allow is: one rule. */
	struct allow scratch;
	char why[SERVE_TEXT_MAX];
	allow_init(&scratch);
	int ok = allow_add_targets(&scratch, s, why, sizeof(why));
	allow_free(&scratch);
	if (ok < 0)
		return ydoc_fail(w->d, n, "targets: %s", why);
	/* Grown by doubling (at 1, 2, 4, ...): a 1 MiB list stays linear. */
	size_t k = c->nallow_targets;
	if (k == 0 || (k & (k - 1)) == 0) {
		v = realloc(c->allow_targets, (k ? 2 * k : 1) * sizeof(*v));
		if (v == NULL)
			return ydoc_fail(w->d, n, "out of memory");
		c->allow_targets = v;
	}
	v = c->allow_targets;
	if ((v[c->nallow_targets] = strdup(ydoc_text(n))) == NULL)
		return ydoc_fail(w->d, n, "out of memory");
	c->nallow_targets++;
	return 0;
}

/* ports: "22,80,443", 22, or a list of either, joined with commas into one
 * string as -p spells it, and checked by -p's parser. */
static int parse_ports(struct walk *w, const yaml_node_t *n)
{
	size_t count = ydoc_items(n), len = 0, used = 0;
	struct port_list pl;
	char why[256], *s;

	if (count == 0)
		return ydoc_fail(w->d, n, "ports: expected ports, got an empty sequence");
	for (size_t i = 0; i < count; i++) {
		if (ydoc_string(w->d, ydoc_item(w->d, n, i), "ports") < 0)
			return -1;
		len += ydoc_item(w->d, n, i)->data.scalar.length + 1;
	}
	if ((s = malloc(len)) == NULL)
		return ydoc_fail(w->d, n, "out of memory");
	for (size_t i = 0; i < count; i++) {
		const yaml_node_t *it = ydoc_item(w->d, n, i);
		if (i > 0)
			s[used++] = ',';
		memcpy(s + used, ydoc_text(it), it->data.scalar.length);
		used += it->data.scalar.length;
	}
	s[used] = '\0';
	if (ports_parse(s, &pl, why, sizeof(why)) < 0) {
		free(s);
		return ydoc_fail(w->d, n, "ports: %s", why);
	}
	port_list_free(&pl);
	free(w->c->allow_ports);
	w->c->allow_ports = s;
	return 0;
}

enum { A_TARGETS, A_PORTS };
static const char *const allow_keys[] = { "targets", "ports", NULL };

static int allow_key(void *ctx, int key, const yaml_node_t *k, const yaml_node_t *v)
{
	struct walk *w = ctx;

	(void)k;
	if (key == A_PORTS)
		return parse_ports(w, v);
	for (size_t i = 0; i < ydoc_items(v); i++)
		if (add_targets(w, ydoc_item(w->d, v, i)) < 0)
			return -1;
	return 0;
}

/* --- The top. --- */

enum { T_MODULES, T_ALLOW, T_MAX_INFLIGHT };
static const char *const top_keys[] = { "modules", "allow", "max_inflight", NULL };

static int top_key(void *ctx, int key, const yaml_node_t *k, const yaml_node_t *v)
{
	struct walk *w = ctx;
	unsigned long ul;

	(void)k;
	if (key == T_MODULES)
		return parse_modules(w, v);
	if (key == T_ALLOW)
		return ydoc_map(w->d, v, "allow", true, allow_keys, "allow", allow_key, w);
	if (ydoc_whole(w->d, v, "max_inflight", 1, SERVE_INFLIGHT_MAX, &ul) < 0)
		return -1;
	w->c->max_inflight = (unsigned)ul;
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
	struct ydoc d = { .name = name, .buf = buf, .len = len, .err = err, .errlen = errlen };
	struct walk w = { .d = &d, .c = c };
	const yaml_node_t *root;
	char got[64];
	int rc = -1;

	if (serve_config_default(c) < 0)
		return ydoc_fail(&d, NULL, "out of memory");
	if (len > SERVE_CONFIG_BYTES_MAX)
		ydoc_fail(&d, NULL, "%zu bytes: a config file holds at most %d", len, SERVE_CONFIG_BYTES_MAX);
	else if ((root = ydoc_load(&d, CONFIG_DEPTH_MAX, EXPECT_TOP)) == NULL)
		;
	else if (root->type != YAML_MAPPING_NODE)
		ydoc_fail(&d, root, "expected " EXPECT_TOP " at the top, got %s",
			  ydoc_describe(root, got, sizeof(got)));
	else
		rc = ydoc_map(&d, root, "the top", false, top_keys, "the top level", top_key, &w);
	ydoc_free(&d);
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
