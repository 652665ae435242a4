/*
 * test_yaml_doc: libyaml's document made safe and typed, on a schema of
 * its own (the config's schema is test_serve_config's): the typed values,
 * a list of one or many, a mapping's keys walked in order, and where an
 * error points.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/yaml_doc.h"

static const char *const keys[] = { "n", "s", "b", "w", "l", NULL };

struct seen {
	unsigned long n;
	uint64_t ns;
	bool b;
	int w;
	size_t items;
	char order[8];
};

static int each(void *ctx, int key, const yaml_node_t *k, const yaml_node_t *v)
{
	static const char *const words[] = { "red", "green", NULL };
	struct ydoc *d = ((void **)ctx)[0];
	struct seen *s = ((void **)ctx)[1];
	size_t len = strlen(s->order);

	s->order[len] = ydoc_text(k)[0];
	switch (key) {
	case 0:
		return ydoc_whole(d, v, "n", 2, 9, &s->n);
	case 1:
		return ydoc_seconds(d, v, "s", 0.5, 2, &s->ns);
	case 2:
		return ydoc_bool(d, v, "b", &s->b);
	case 3:
		return ydoc_word(d, v, "w", words, "red or green", &s->w);
	default:
		s->items = ydoc_items(v);
		for (size_t i = 0; i < s->items; i++)
			if (ydoc_string(d, ydoc_item(d, v, i), "l") < 0)
				return -1;
		return 0;
	}
}

/* Walk yaml with the schema above; 0 or -1 with err. */
static int walk(const char *yaml, struct seen *s, char *err, size_t errlen)
{
	struct ydoc d = { .name = "x.yml", .buf = yaml, .len = strlen(yaml), .err = err,
			  .errlen = errlen };
	void *ctx[2] = { &d, s };
	const yaml_node_t *root;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	err[0] = '\0';
	if ((root = ydoc_load(&d, 2, "a mapping")) != NULL)
		rc = ydoc_map(&d, root, "top", false, keys, "the test", each, ctx);
	ydoc_free(&d);
	return rc;
}

static void test_typed_values(void **state)
{
	struct seen s;
	char err[256];
	(void)state;
	assert_int_equal(walk("l: one\nw: green\nb: True\ns: 1.25\nn: 9\n", &s, err, sizeof(err)), 0);
	assert_string_equal(s.order, "lwbsn"); /* file order */
	assert_int_equal(s.n, 9);
	assert_int_equal(s.ns, 1250000000ull);
	assert_true(s.b);
	assert_int_equal(s.w, 1);
	assert_int_equal(s.items, 1); /* a scalar is a list of one */
	assert_int_equal(walk("l: [a, \"b\", c]\nb: false\n", &s, err, sizeof(err)), 0);
	assert_int_equal(s.items, 3);
	assert_false(s.b);
	/* A word may be quoted: it is a string either way. */
	assert_int_equal(walk("w: \"red\"\n", &s, err, sizeof(err)), 0);
	assert_int_equal(s.w, 0);
}

/* yaml is refused with exactly want. */
static void fails(const char *yaml, const char *want)
{
	struct seen s;
	char err[256];

	assert_int_equal(walk(yaml, &s, err, sizeof(err)), -1);
	assert_string_equal(err, want);
}

static void test_errors_point_at_the_node(void **state)
{
	(void)state;
	fails("n: 3\n\n   n: 4\n",
	      "x.yml:3:5: YAML: mapping values are not allowed in this context");
	fails("n: 3\nn: 4\n",
	      "x.yml:2:1: duplicate key 'n' in the test (first at line 1)");
	fails("z: 1\n",
	      "x.yml:1:1: unknown key 'z' in the test (known: n, s, b, w, l)");
	fails("n: 10\n",
	      "x.yml:1:4: n: expected a whole number from 2 to 9, got '10'");
	fails("s:  0.4\n",
	      "x.yml:1:5: s: expected seconds from 0.5 to 2 (fractions allowed), got '0.4'");
	fails("b: 1\n",
	      "x.yml:1:4: b: expected true or false, got '1'");
	fails("w: blue\n",
	      "x.yml:1:4: w: expected red or green, got 'blue'");
	fails("l: [a, '']\n",
	      "x.yml:1:8: l: expected a non-empty string, got \"\" (a quoted string)");
	/* The depth asked for: 2 here. */
	fails("l: [[a]]\n",
	      "x.yml:1:5: nested deeper than the format's 2 levels");
	fails("[]\n",
	      "x.yml:1:1: top: expected a mapping, got a sequence");
	fails("~\n",
	      "x.yml:1:1: empty document: expected a mapping");
	fails("",
	      "x.yml:1:1: empty file: expected a mapping");
}

static void test_describe(void **state)
{
	struct ydoc d = { .name = "x.yml", .buf = "[plain, 'q', ~, {}, []]", .err = NULL };
	char buf[80];
	(void)state;
	d.len = strlen(d.buf);
	const yaml_node_t *root = ydoc_load(&d, 3, "a list");
	assert_non_null(root);
	assert_int_equal(ydoc_items(root), 5);
	assert_string_equal(ydoc_describe(ydoc_item(&d, root, 0), buf, sizeof(buf)), "'plain'");
	assert_string_equal(ydoc_describe(ydoc_item(&d, root, 1), buf, sizeof(buf)),
			    "\"q\" (a quoted string)");
	assert_string_equal(ydoc_describe(ydoc_item(&d, root, 2), buf, sizeof(buf)), "nothing");
	assert_string_equal(ydoc_describe(ydoc_item(&d, root, 3), buf, sizeof(buf)), "a mapping");
	assert_string_equal(ydoc_describe(ydoc_item(&d, root, 4), buf, sizeof(buf)), "a sequence");
	assert_true(ydoc_null(ydoc_item(&d, root, 2)));
	assert_false(ydoc_null(ydoc_item(&d, root, 1)));
	assert_int_equal(ydoc_boolean(ydoc_item(&d, root, 0)), -1);
	ydoc_free(&d);
	ydoc_free(&d); /* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typed_values),
		cmocka_unit_test(test_errors_point_at_the_node),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
