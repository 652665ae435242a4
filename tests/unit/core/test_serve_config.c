/*
 * test_serve_config: the --config file. Every key is read into its field,
 * defaults follow the module's mode, and every wrong file is refused with
 * one "NAME:LINE:COL: what" line pointing at the node at fault: YAML syntax,
 * anchors and aliases, tags, a second document, nesting, an empty file, a
 * document that is not a mapping, unknown and duplicate keys, wrong types,
 * values out of range, bad module names, connect keys on a syn module.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/serve_config.h"

#define MS 1000000ull
#define S 1000000000ull

static int parse(const char *yaml, struct serve_config *c, char *err, size_t errlen)
{
	return serve_config_parse(yaml, strlen(yaml), "t.yml", c, err, errlen);
}

/* The file is refused with exactly this message, and c is left empty. */
static void refused(const char *yaml, const char *want)
{
	struct serve_config c;
	char err[512] = "";

	if (parse(yaml, &c, err, sizeof(err)) == 0) {
		serve_config_free(&c);
		fail_msg("accepted: %s", yaml);
	}
	if (strcmp(err, want) != 0)
		fail_msg("for %s\n got: %s\nwant: %s", yaml, err, want);
	assert_null(c.modules.v);
	assert_null(c.allow_targets);
	assert_null(c.allow_ports);
}

static const char design_example[] =
	"modules:\n"
	"  syn_fast: {mode: syn, count: 5, interval: 0.05, timeout: 0.5}\n"
	"  web:\n"
	"    mode: connect\n"
	"    timeout: 2\n"
	"    data: \"GET / HTTP/1.0\\r\\n\\r\\n\"\n"
	"    close: active          # active | passive | half | rst\n"
	"    options: {mss: 1400, wscale: 7, sack: true, timestamps: true}\n"
	"    ttl: 64\n"
	"allow:\n"
	"  targets: [10.0.0.0/8, \"fd00::/8\"]\n"
	"  ports: \"22,80,443\"\n"
	"max_inflight: 64\n";

static void test_design_example(void **state)
{
	struct serve_config c;
	char err[256] = "";
	(void)state;
	assert_int_equal(parse(design_example, &c, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	/* The built-ins first, then the file's in its order. */
	assert_int_equal(c.modules.n, 4);
	assert_string_equal(c.modules.v[0].name, "syn");
	assert_string_equal(c.modules.v[1].name, "connect");
	const struct module *f = module_find(&c.modules, "syn_fast");
	assert_non_null(f);
	assert_int_equal(f->mode, MODULE_SYN);
	assert_int_equal(f->count, 5);
	assert_int_equal(f->interval_ns, 50 * MS);
	assert_int_equal(f->timeout_ns, 500 * MS);
	assert_true(f->syn.mss && f->syn.wscale && f->syn.sack && f->syn.ts);

	const struct module *w = module_find(&c.modules, "web");
	assert_non_null(w);
	assert_int_equal(w->mode, MODULE_CONNECT);
	assert_int_equal(w->count, 1); /* connect's default */
	assert_int_equal(w->timeout_ns, 2 * S);
	assert_string_equal(w->data, "GET / HTTP/1.0\r\n\r\n"); /* YAML's escapes decoded */
	assert_int_equal(w->close, CONN_CLOSE_ACTIVE);
	assert_int_equal(w->time_wait_ns, -1);
	assert_int_equal(w->ttl, 64);
	assert_true(w->syn.mss);
	assert_int_equal(w->syn.mss_value, 1400);
	assert_true(w->syn.wscale);
	assert_int_equal(w->syn.wscale_value, 7);
	assert_true(w->syn.sack && w->syn.ts);

	assert_int_equal(c.nallow_targets, 2);
	assert_string_equal(c.allow_targets[0], "10.0.0.0/8");
	assert_string_equal(c.allow_targets[1], "fd00::/8");
	assert_string_equal(c.allow_ports, "22,80,443");
	assert_int_equal(c.max_inflight, 64);
	serve_config_free(&c);
	assert_null(c.modules.v);
}

/* The example shipped in docs/ parses, and says what it claims. */
static void test_shipped_example(void **state)
{
	const char *top = getenv("top_srcdir");
	char path[1024], err[512] = "";
	static char buf[65536];
	struct serve_config c;
	FILE *f;
	size_t n;
	(void)state;
	snprintf(path, sizeof(path), "%s/docs/examples/tcpshake.yml", top ? top : ".");
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (serve_config_parse(buf, n, "tcpshake.yml", &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.modules.n, 6);
	const struct module *w = module_find(&c.modules, "web");
	assert_non_null(w);
	assert_string_equal(w->data, "GET / HTTP/1.0\r\nHost: example\r\n\r\n");
	assert_int_equal(w->time_wait_ns, 500 * MS);
	assert_false(module_find(&c.modules, "syn_bare")->syn.mss);
	assert_int_equal(module_find(&c.modules, "connect_rst")->close, CONN_CLOSE_RST);
	assert_int_equal(c.nallow_targets, 3);
	assert_string_equal(c.allow_ports, "22,80,443,8000-8100");
	assert_int_equal(c.max_inflight, 64);
	serve_config_free(&c);
}

static void test_every_key(void **state)
{
	struct serve_config c;
	char err[256] = "";
	(void)state;
	const char *yaml = "# a comment\n"
			   "modules:\n"
			   "  connect:\n"
			   "    mode: connect\n"
			   "    count: 3\n"
			   "    interval: 1.5\n"
			   "    timeout: 0.25\n"
			   "    ttl: 255\n"
			   "    options: {sack: true, mss: true, wscale: false, timestamps: false}\n"
			   "    data: |\n"
			   "      HELO x\n"
			   "    close: rst\n"
			   "    time_wait: 0\n"
			   "  t.1-a: {options: {wscale: 0}}\n"
			   "  z: {options: {wscale: true, mss: false, sack: FALSE, timestamps: True}}\n"
			   "allow:\n"
			   "  targets: \"192.0.2.7, 10.0.0.0/8 ::1\"\n"
			   "  ports: 443\n";
	assert_int_equal(parse(yaml, &c, err, sizeof(err)), 0);
	/* A file module of a built-in's name replaces it. */
	assert_int_equal(c.modules.n, 4);
	const struct module *m = module_find(&c.modules, "connect");
	assert_ptr_equal(m, &c.modules.v[1]);
	assert_int_equal(m->count, 3);
	assert_int_equal(m->interval_ns, 1500 * MS);
	assert_int_equal(m->timeout_ns, 250 * MS);
	assert_int_equal(m->ttl, 255);
	/* options: only the named ones offered; mss: true is the interface's. */
	assert_true(m->syn.sack);
	assert_true(m->syn.mss);
	assert_int_equal(m->syn.mss_value, 0);
	assert_false(m->syn.wscale);
	assert_false(m->syn.ts);
	assert_string_equal(m->data, "HELO x\n");
	assert_int_equal(m->close, CONN_CLOSE_RST);
	assert_int_equal(m->time_wait_ns, 0);

	m = module_find(&c.modules, "t.1-a");
	assert_int_equal(m->mode, MODULE_SYN);
	assert_int_equal(m->count, 3); /* syn's defaults */
	assert_int_equal(m->timeout_ns, 1 * S);
	assert_true(m->syn.wscale);
	assert_int_equal(m->syn.wscale_value, 0);
	assert_false(m->syn.mss || m->syn.sack || m->syn.ts);
	m = module_find(&c.modules, "z");
	assert_true(m->syn.wscale);
	assert_int_equal(m->syn.wscale_value, 7);
	assert_false(m->syn.mss || m->syn.sack);
	assert_true(m->syn.ts);

	assert_int_equal(c.nallow_targets, 1);
	assert_string_equal(c.allow_targets[0], "192.0.2.7, 10.0.0.0/8 ::1");
	assert_string_equal(c.allow_ports, "443");
	assert_int_equal(c.max_inflight, 0);
	serve_config_free(&c);
}

static void test_small_files(void **state)
{
	struct serve_config c;
	char err[256] = "";
	(void)state;
	/* Null sections are empty ones (all entries commented out). */
	assert_int_equal(parse("modules:\nallow:\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.modules.n, 2);
	assert_int_equal(c.nallow_targets, 0);
	assert_null(c.allow_ports);
	serve_config_free(&c);
	/* Ports as a list of numbers and ranges; a target list of one. */
	assert_int_equal(parse("allow: {ports: [22, \"8000-8100\", 443], targets: [\"::1\"]}\n"
			       "max_inflight: 256\n",
			       &c, err, sizeof(err)),
			 0);
	assert_string_equal(c.allow_ports, "22,8000-8100,443");
	assert_int_equal(c.nallow_targets, 1);
	assert_int_equal(c.max_inflight, 256);
	serve_config_free(&c);
	/* One explicit document; mode may come after the keys it governs. */
	assert_int_equal(parse("---\nmodules: {w: {close: half, mode: connect}}\n...\n", &c, err,
			       sizeof(err)),
			 0);
	assert_int_equal(module_find(&c.modules, "w")->close, CONN_CLOSE_HALF);
	serve_config_free(&c);
	/* The defaults alone. */
	assert_int_equal(serve_config_default(&c), 0);
	assert_int_equal(c.modules.n, 2);
	assert_int_equal(c.max_inflight, 0);
	serve_config_free(&c);
}

static void test_data_limits(void **state)
{
	struct serve_config c;
	char err[256] = "";
	size_t n = MODULE_DATA_MAX;
	const char *head = "modules: {w: {mode: connect, data: \"";
	char *yaml = malloc(strlen(head) + n + 8);
	(void)state;
	assert_non_null(yaml);
	strcpy(yaml, head);
	memset(yaml + strlen(head), 'a', n);
	strcpy(yaml + strlen(head) + n, "\"}}\n");
	assert_int_equal(parse(yaml, &c, err, sizeof(err)), 0);
	assert_int_equal(strlen(module_find(&c.modules, "w")->data), MODULE_DATA_MAX);
	serve_config_free(&c);
	/* One byte more is refused. */
	strcpy(yaml + strlen(head) + n, "a\"}}\n");
	refused(yaml, "t.yml:1:36: data: 4097 bytes, at most 4096");
	free(yaml);
	refused("modules: {w: {mode: connect, data: \"a\\0b\"}}",
		"t.yml:1:36: data: holds a NUL byte");
	/* A NUL does not cut a key, a word or a string short. */
	refused("modules: {w: {\"mode\\0x\": connect}}",
		"t.yml:1:15: unknown key \"mode?x\" (a quoted string) in module 'w' (known: mode, "
		"count, interval, timeout, ttl, options, data, close, time_wait)");
	refused("modules: {w: {mode: \"connect\\0\"}}",
		"t.yml:1:21: mode: expected syn or connect, got \"connect?\" (a quoted string)");
	refused("allow: {targets: \"10.0.0.1\\0junk\"}",
		"t.yml:1:18: targets: holds a NUL byte");
	refused("modules: {w: {mode: connect, data: \"\"}}",
		"t.yml:1:36: data: expected a non-empty string, got \"\" (a quoted string)");
	refused("modules: {w: {mode: connect, data: ~}}",
		"t.yml:1:36: data: expected a non-empty string, got nothing");
	refused("modules: {w: {mode: connect, data: [a]}}",
		"t.yml:1:36: data: expected a non-empty string, got a sequence");
}

static void test_document_errors(void **state)
{
	(void)state;
	refused("", "t.yml:1:1: empty file: expected a mapping of modules, allow, max_inflight");
	refused("# only a comment\n\n",
		"t.yml:1:1: empty file: expected a mapping of modules, allow, max_inflight");
	refused("---\n", "t.yml:2:1: empty document: expected a mapping of modules, allow, max_inflight");
	refused("- modules\n",
		"t.yml:1:1: expected a mapping of modules, allow, max_inflight at the top, got a sequence");
	refused("just words\n",
		"t.yml:1:1: expected a mapping of modules, allow, max_inflight at the top, got 'just words'");
	refused("a: 1\n---\nb: 2\n", "t.yml:2:1: a second YAML document: the file holds one");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	refused("modules: [\n",
		"t.yml:2:1: YAML: did not find expected node content (while parsing a flow node at line 2, column 1)");
	refused("modules:\n  a: 1\n b: 2\n",
		"t.yml:3:2: YAML: did not find expected key (while parsing a block mapping at line 1, column 1)");
	refused("a: \"open\n",
		"t.yml:2:1: YAML: found unexpected end of stream (while scanning a quoted scalar at line 1, column 4)");
	refused("a:\tb: c\n",
		"t.yml:1:5: YAML: mapping values are not allowed in this context");
	refused("a: \"\\q\"\n",
		"t.yml:1:5: YAML: found unknown escape character (while parsing a quoted scalar at line 1, column 4)");
	/* Not UTF-8: libyaml's reader. */
	refused("a: \xff\n", "t.yml:1:4: YAML: invalid leading UTF-8 octet (byte 0xff at offset 3)");
	/* Its place counted in characters, after a 2-byte one. */
	refused("a: \xc3\xa9\nb: \xff\n",
		"t.yml:2:4: YAML: invalid leading UTF-8 octet (byte 0xff at offset 9)");
	refused("a: b\x01\n", "t.yml:1:5: YAML: control characters are not allowed (byte 0x01 at offset 4)");
}

static void test_anchors_aliases_tags_depth(void **state)
{
	(void)state;
	refused("a: &x 1\nb: *x\n", "t.yml:1:4: anchors (&x) are not supported");
	refused("b: *x\n", "t.yml:1:4: aliases (*x) are not supported");
	/* A billion laughs stops at its first anchor. */
	refused("a: &a [\"lol\",\"lol\"]\nb: &b [*a,*a,*a]\nc: &c [*b,*b,*b]\n",
		"t.yml:1:4: anchors (&a) are not supported");
	refused("max_inflight: !!int 3\n",
		"t.yml:1:15: tags (tag:yaml.org,2002:int) are not supported");
	refused("!foo {}\n", "t.yml:1:1: tags (!foo) are not supported");
	refused("a: [[[[[1]]]]]\n", "t.yml:1:8: nested deeper than the format's 5 levels");
}

static void test_key_errors(void **state)
{
	(void)state;
	refused("module: {}\n",
		"t.yml:1:1: unknown key 'module' in the top level (known: modules, allow, max_inflight)");
	refused("max_inflight: 3\nmax_inflight: 4\n",
		"t.yml:2:1: duplicate key 'max_inflight' in the top level (first at line 1)");
	refused("[a]: 1\n", "t.yml:1:1: a key in the top level is a sequence: keys are words");
	refused("modules: {w: {timeot: 1}}\n",
		"t.yml:1:15: unknown key 'timeot' in module 'w' (known: mode, count, interval, "
		"timeout, ttl, options, data, close, time_wait)");
	refused("modules:\n  w:\n    count: 1\n    count: 2\n",
		"t.yml:4:5: duplicate key 'count' in module 'w' (first at line 3)");
	refused("modules: {w: {options: {ts: true}}}\n",
		"t.yml:1:25: unknown key 'ts' in the options of module 'w' (known: mss, wscale, sack, "
		"timestamps)");
	refused("modules: {w: {options: {sack: true, sack: false}}}\n",
		"t.yml:1:37: duplicate key 'sack' in the options of module 'w' (first at line 1)");
	refused("allow: {target: 10.0.0.0/8}\n",
		"t.yml:1:9: unknown key 'target' in allow (known: targets, ports)");
	refused("allow: {ports: 22, ports: 80}\n",
		"t.yml:1:20: duplicate key 'ports' in allow (first at line 1)");
}

static void test_module_errors(void **state)
{
	(void)state;
	refused("modules: [syn]\n", "t.yml:1:10: modules: expected a mapping, got a sequence");
	refused("modules: {w: 3}\n", "t.yml:1:14: w: expected a mapping, got '3'");
	refused("modules: {\"a b\": {}}\n",
		"t.yml:1:11: module name \"a b\" (a quoted string): expected 1 to 31 of A-Z a-z 0-9 _ . -");
	refused("modules: {a/b: {}}\n",
		"t.yml:1:11: module name 'a/b': expected 1 to 31 of A-Z a-z 0-9 _ . -");
	refused("modules: {\"\": {}}\n",
		"t.yml:1:11: module name \"\" (a quoted string): expected 1 to 31 of A-Z a-z 0-9 _ . -");
	refused("modules: {abcdefghijabcdefghijabcdefghijab: {}}\n",
		"t.yml:1:11: module name 'abcdefghijabcdefghijabcdefghijab': expected 1 to 31 of A-Z a-z 0-9 _ . -");
	refused("modules: {[x]: {}}\n",
		"t.yml:1:11: module name a sequence: expected 1 to 31 of A-Z a-z 0-9 _ . -");
	refused("modules:\n  web: {}\n  web: {}\n",
		"t.yml:3:3: duplicate module 'web' (first at line 2)");
	refused("modules: {w: {mode: tcp}}\n", "t.yml:1:21: mode: expected syn or connect, got 'tcp'");
	refused("modules: {w: {mode: connect, mode: syn}}\n",
		"t.yml:1:30: duplicate key 'mode' in module 'w' (first at line 1)");
	refused("modules: {w: {data: x}}\n",
		"t.yml:1:15: data needs mode: connect (module 'w' is a syn module)");
	refused("modules: {w: {close: rst}}\n",
		"t.yml:1:15: close needs mode: connect (module 'w' is a syn module)");
	refused("modules: {w: {time_wait: 1}}\n",
		"t.yml:1:15: time_wait needs mode: connect (module 'w' is a syn module)");
	refused("modules: {w: {mode: connect, close: fin}}\n",
		"t.yml:1:37: close: expected active, passive, half or rst, got 'fin'");
}

static void test_value_errors(void **state)
{
	(void)state;
	refused("modules: {w: {count: 0}}\n",
		"t.yml:1:22: count: expected a whole number from 1 to 100, got '0'");
	refused("modules: {w: {count: 101}}\n",
		"t.yml:1:22: count: expected a whole number from 1 to 100, got '101'");
	refused("modules: {w: {count: 99999999999999999999999}}\n",
		"t.yml:1:22: count: expected a whole number from 1 to 100, got '99999999999999999999999'");
	refused("modules: {w: {count: \"3\"}}\n",
		"t.yml:1:22: count: expected a whole number from 1 to 100, got \"3\" (a quoted string)");
	refused("modules: {w: {count: -1}}\n",
		"t.yml:1:22: count: expected a whole number from 1 to 100, got '-1'");
	refused("modules: {w: {count: 2.0}}\n",
		"t.yml:1:22: count: expected a whole number from 1 to 100, got '2.0'");
	refused("modules: {w: {interval: 0}}\n",
		"t.yml:1:25: interval: expected seconds from 0.001 to 3600 (fractions allowed), got '0'");
	refused("modules: {w: {interval: 3601}}\n",
		"t.yml:1:25: interval: expected seconds from 0.001 to 3600 (fractions allowed), got '3601'");
	refused("modules: {w: {timeout: 1e3}}\n",
		"t.yml:1:24: timeout: expected seconds from 0.001 to 600 (fractions allowed), got '1e3'");
	refused("modules: {w: {timeout: 600.5}}\n",
		"t.yml:1:24: timeout: expected seconds from 0.001 to 600 (fractions allowed), got '600.5'");
	refused("modules: {w: {timeout: {}}}\n",
		"t.yml:1:24: timeout: expected seconds from 0.001 to 600 (fractions allowed), got a mapping");
	refused("modules: {w: {mode: connect, time_wait: 241}}\n",
		"t.yml:1:41: time_wait: expected seconds from 0 to 240 (fractions allowed), got '241'");
	refused("modules: {w: {ttl: 0}}\n",
		"t.yml:1:20: ttl: expected a whole number from 1 to 255, got '0'");
	refused("modules: {w: {ttl: 256}}\n",
		"t.yml:1:20: ttl: expected a whole number from 1 to 255, got '256'");
	refused("modules: {w: {options: [mss]}}\n",
		"t.yml:1:24: options: expected a mapping, got a sequence");
	refused("modules: {w: {options: {mss: 0}}}\n",
		"t.yml:1:30: mss: expected a whole number from 1 to 65535, or true or false, got '0'");
	refused("modules: {w: {options: {mss: 65536}}}\n",
		"t.yml:1:30: mss: expected a whole number from 1 to 65535, or true or false, got '65536'");
	refused("modules: {w: {options: {wscale: 15}}}\n",
		"t.yml:1:33: wscale: expected a whole number from 0 to 14, or true or false, got '15'");
	refused("modules: {w: {options: {sack: yes}}}\n",
		"t.yml:1:31: sack: expected true or false, got 'yes'");
	refused("modules: {w: {options: {timestamps: \"true\"}}}\n",
		"t.yml:1:37: timestamps: expected true or false, got \"true\" (a quoted string)");
	refused("max_inflight: 0\n",
		"t.yml:1:15: max_inflight: expected a whole number from 1 to 256, got '0'");
	refused("max_inflight: 257\n",
		"t.yml:1:15: max_inflight: expected a whole number from 1 to 256, got '257'");
	/* A long or unprintable value is quoted cut and cleaned. */
	refused("max_inflight: \"a\\tbcdefghijabcdefghijabcdefghijabcdefghijXYZ\"\n",
		"t.yml:1:15: max_inflight: expected a whole number from 1 to 256, got "
		"\"a?bcdefghijabcdefghijabcdefghijabcdefghi...\" (a quoted string)");
}

static void test_allow_errors(void **state)
{
	(void)state;
	refused("allow: [10.0.0.0/8]\n", "t.yml:1:8: allow: expected a mapping, got a sequence");
	refused("allow: {targets: example.com}\n",
		"t.yml:1:18: targets: invalid allow entry 'example.com': not an address (names are not "
		"allowed); expected addresses or prefixes like 10.0.0.0/8, fd00::/8 or 192.0.2.7");
	refused("allow: {targets: [10.0.0.0/8, 10.0.0.9-10.0.0.1]}\n",
		"t.yml:1:31: targets: invalid range '10.0.0.9-10.0.0.1': the last address is below the "
		"first");
	refused("allow: {targets: \"10.0.0.0/33\"}\n",
		"t.yml:1:18: targets: invalid allow entry '10.0.0.0/33': the prefix length must be 0 to "
		"32");
	refused("allow: {targets: \"::/129\"}\n",
		"t.yml:1:18: targets: invalid allow entry '::/129': the prefix length must be 0 to 128");
	refused("allow: {targets: \"10.0.0.0/\"}\n",
		"t.yml:1:18: targets: invalid allow entry '10.0.0.0/': the prefix length must be 0 to 32");
	refused("allow: {targets: [[10.0.0.0/8]]}\n",
		"t.yml:1:19: targets: expected a non-empty string, got a sequence");
	refused("allow: {targets: ~}\n", "t.yml:1:18: targets: expected a non-empty string, got nothing");
	refused("allow: {ports: \"22,,80\"}\n",
		"t.yml:1:16: ports: invalid port list '22,,80': empty item between commas; expected "
		"ports 1-65535 like 22,80,443 or 8000-8100");
	refused("allow: {ports: [22, 0]}\n",
		"t.yml:1:16: ports: invalid port list '22,0': port 0 is out of range; expected ports "
		"1-65535 like 22,80,443 or 8000-8100");
	/* A value's newline does not break the one line. */
	refused("allow: {ports: \"22,\\n80\"}\n",
		"t.yml:1:16: ports: invalid port list '22,?80': '?80' is not a port or a range; "
		"expected ports 1-65535 like 22,80,443 or 8000-8100");
	refused("allow: {targets: \"10.0.0.1\\u0001\"}\n",
		"t.yml:1:18: targets: invalid allow entry: it holds a control character or a byte "
		"beyond ASCII; expected addresses or prefixes like 10.0.0.0/8, fd00::/8 or 192.0.2.7");
	refused("allow: {ports: []}\n", "t.yml:1:16: ports: expected ports, got an empty sequence");
	refused("allow: {ports: {a: 1}}\n",
		"t.yml:1:16: ports: expected a non-empty string, got a mapping");
}

static void test_size_limits(void **state)
{
	struct serve_config c;
	char err[256];
	size_t big = 1024 * 1024 + 1;
	char *buf = malloc(big);
	(void)state;
	assert_non_null(buf);
	memset(buf, '#', big);
	assert_int_equal(serve_config_parse(buf, big, "big.yml", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "big.yml:1:1: 1048577 bytes: a config file holds at most 1048576");
	free(buf);

	/* 257 modules: one too many. */
	size_t cap = 300 * 16 + 16, used = 0;
	char *yaml = malloc(cap);
	assert_non_null(yaml);
	used += (size_t)snprintf(yaml, cap, "modules:\n");
	for (int i = 0; i < 257; i++)
		used += (size_t)snprintf(yaml + used, cap - used, "  m%d: {}\n", i);
	refused(yaml, "t.yml:258:3: more than 256 modules");
	free(yaml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_design_example),
		cmocka_unit_test(test_shipped_example),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_small_files),
		cmocka_unit_test(test_data_limits),
		cmocka_unit_test(test_document_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_anchors_aliases_tags_depth),
		cmocka_unit_test(test_key_errors),
		cmocka_unit_test(test_module_errors),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_allow_errors),
		cmocka_unit_test(test_size_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
