/*
 * Unit tests for the script checks: every file of share/checks parses, and
 * its header makes a check (id present, unique, the file's name, a ref
 * and a title, no builtin check's id); check_script_def derives what the
 * runner needs (closed port, RST guard, slow) from the script itself.
 */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/script.h"
#include "engine/check_script.h"
#include "engine/checks.h"

#define SUFFIX ".tcps"

static struct script *parse_text(const char *name, const char *text)
{
	struct script *s = NULL;
	char err[256];
	int rc = script_parse(name, text, strlen(text), &s, err, sizeof(err));
	if (rc < 0)
		fail_msg("%s", err);
	return s;
}

static struct script *parse_file(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char buf[SCRIPT_MAX_BYTES];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	struct script *s = NULL;
	char err[256];
	if (script_parse(path, buf, n, &s, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return s;
}

/* Every share/checks/ID.tcps: parses; a check named ID, with ref and
 * title; no two alike; no builtin check's id. */
static void test_every_check_script(void **state)
{
	(void)state;
	const char *top = getenv("top_srcdir");
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/share/checks", top ? top : ".");
	DIR *d = opendir(dir);
	assert_non_null(d);
	char *ids[256];
	size_t n = 0, nb;
	const struct check_def *builtin = checks_all(&nb);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len <= strlen(SUFFIX) || strcmp(e->d_name + len - strlen(SUFFIX), SUFFIX) != 0)
			continue;
		char path[2048];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct script *s = parse_file(path);
		struct check_def def;
		char err[256];
		if (check_script_def(s, &def, err, sizeof(err)) < 0)
			fail_msg("%s", err);
		assert_non_null(def.ref);
		assert_true(strlen(def.ref) > 0 && strlen(def.what) > 0);
		assert_true(strncmp(def.ref, "RFC ", 4) == 0);
		if (strlen(def.id) != len - strlen(SUFFIX) || strncmp(def.id, e->d_name, strlen(def.id)) != 0)
			fail_msg("%s: id '%s' is not the file's name", path, def.id);
		for (size_t i = 0; i < n; i++)
			if (strcmp(ids[i], def.id) == 0)
				fail_msg("%s: id '%s' twice", path, def.id);
		for (size_t i = 0; i < nb; i++)
			if (strcmp(builtin[i].id, def.id) == 0)
				fail_msg("%s: id '%s' is a builtin check's", path, def.id);
		assert_true(n < sizeof(ids) / sizeof(ids[0]));
		ids[n++] = strdup(def.id);
		script_free(s);
	}
	closedir(d);
	/* The fixed exchanges of the old suite and the new ones. */
	assert_true(n >= 30);
	assert_true(n + nb >= 45);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
}

/* What the runner needs comes from the script: the target, whether a
 * connection is kept past the peer's SYN-ACK (the guard), a long silence. */
static void test_def_derived(void **state)
{
	(void)state;
	struct check_def d;
	char err[256];
	struct script *s = parse_text("closed.tcps", "// id: c\n// ref: RFC 1\n// title: t\n"
						     "// target: closed\n0 < S 0:0(0) win 1\n+0 > R. 0:0(0) ack 1\n");
	assert_int_equal(check_script_def(s, &d, err, sizeof(err)), 0);
	assert_true(d.needs_closed);
	assert_false(d.needs_guard);
	assert_false(d.slow);
	assert_string_equal(check_kind_name(&d), "script");
	assert_ptr_equal(d.script, s);
	script_free(s);

	s = parse_text("conn.tcps", "// id: k\n// ref: RFC 2\n// title: t\n"
				    "0 < S 0:0(0) win 1\n+0 > S. 0:0(0) ack 1 <...>\n"
				    "+0 < R 1:1(0) win 0\n+0 > nothing for 3.5\n");
	assert_int_equal(check_script_def(s, &d, err, sizeof(err)), 0);
	assert_false(d.needs_closed);
	assert_true(d.needs_guard);
	assert_true(d.slow);
	script_free(s);

	/* A SYN-ACK as the last line: our kernel's RST comes after the run. */
	s = parse_text("syn.tcps", "// id: s\n// ref: RFC 3\n// title: t\n"
				   "0 < S 0:0(0) win 1\n+0 > S. 0:0(0) ack 1 <...>\n");
	assert_int_equal(check_script_def(s, &d, err, sizeof(err)), 0);
	assert_false(d.needs_guard);
	script_free(s);
}

static void test_header_required(void **state)
{
	(void)state;
	struct check_def d;
	char err[256];
	struct script *s = parse_text("x.tcps", "// id: x\n// title: t\n0 < S 0:0(0) win 1\n");
	assert_int_equal(check_script_def(s, &d, err, sizeof(err)), -1);
	assert_string_equal(err, "x.tcps: a check script needs a `// ref:` header line");
	script_free(s);
	s = parse_text("y.tcps", "0 < S 0:0(0) win 1\n");
	assert_int_equal(check_script_def(s, &d, err, sizeof(err)), -1);
	assert_string_equal(err, "y.tcps: a check script needs a `// id:` header line");
	script_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_check_script),
		cmocka_unit_test(test_def_derived),
		cmocka_unit_test(test_header_required),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
