/*
 * run_checks: conform mode's suite as the command line picks it. The suite
 * is the check scripts of the checks directory (the fixed exchanges) and
 * the builtin checks (engine/checks.h); this file reads the directory, so
 * it lives in the composing layer. Then the --list-checks listing (text,
 * or one check_info JSON object a check) and the --checks selection, both
 * done before any privilege is used.
 */
#include "config.h"
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/check_script.h"

#ifndef TCPSHAKE_CHECKS_DIR
#define TCPSHAKE_CHECKS_DIR "/usr/local/share/tcpshake/checks"
#endif
#define CHECK_SUFFIX ".tcps"

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.tcps file names of dir, sorted, in *names (owned). 0, or -1 with
 * errno. */
static int list_dir(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	*names = NULL;
	*n = 0;
	if (d == NULL)
		return -1;
	struct dirent *e;
	size_t sl = strlen(CHECK_SUFFIX);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len <= sl || strcmp(e->d_name + len - sl, CHECK_SUFFIX) != 0)
			continue;
		char **v = realloc(*names, (*n + 1) * sizeof(*v));
		if (v == NULL || (v[*n] = strdup(e->d_name)) == NULL) {
			if (v != NULL)
				*names = v;
			closedir(d);
			errno = ENOMEM;
			return -1;
		}
		*names = v;
		(*n)++;
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), by_name);
	return 0;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static const struct check_def *suite_find(const struct run *r, const char *id)
{
	for (size_t i = 0; i < r->nsuite; i++)
		if (strcmp(r->suite[i].id, id) == 0)
			return &r->suite[i];
	return NULL;
}

/* Parse each file into r->check_scripts and a check into r->suite. */
static int load_scripts(struct run *r, const char *dir, char **names, size_t n, char *err, size_t errlen)
{
	r->check_scripts = calloc(n ? n : 1, sizeof(*r->check_scripts));
	if (r->check_scripts == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		struct script *s;
		int rc = run_parse_script_file(path, &s, err, errlen);
		if (rc < 0) {
			r->error_plain = rc == -2;
			return -1;
		}
		r->check_scripts[r->ncheck_scripts++] = s;
		struct check_def *d = &r->suite[r->nsuite];
		if (check_script_def(s, d, err, errlen) < 0)
			return -1;
		size_t idlen = strlen(names[i]) - strlen(CHECK_SUFFIX);
		if (strlen(d->id) != idlen || strncmp(d->id, names[i], idlen) != 0) {
			snprintf(err, errlen, "%s: its id '%s' is not its file name", path, d->id);
			return -1;
		}
		if (suite_find(r, d->id) != NULL) {
			snprintf(err, errlen, "%s: check id '%s' is taken", path, d->id);
			return -1;
		}
		r->nsuite++;
	}
	return 0;
}

int run_load_suite(struct run *r, char *err, size_t errlen)
{
	if (r->suite != NULL)
		return 0;
	const char *env = getenv("TCPSHAKE_CHECKS_DIR");
	const char *dir = env != NULL && *env != '\0' ? env : TCPSHAKE_CHECKS_DIR;
	char **names;
	size_t n, nb;
	if (list_dir(dir, &names, &n) < 0) {
		if (errno == ENOMEM || dir == env) {
			snprintf(err, errlen, "cannot read the checks directory %s: %s", dir, strerror(errno));
			return -1;
		}
		fprintf(stderr, "tcpshake: warning: no check scripts in %s (%s): the builtin checks "
				"only (set TCPSHAKE_CHECKS_DIR)\n", dir, strerror(errno));
		names = NULL;
		n = 0;
	}
	const struct check_def *builtin = checks_all(&nb);
	r->suite = calloc(n + nb, sizeof(*r->suite));
	if (r->suite == NULL) {
		free_names(names, n);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = load_scripts(r, dir, names, n, err, errlen);
	free_names(names, n);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < nb; i++) {
		if (suite_find(r, builtin[i].id) != NULL) {
			snprintf(err, errlen, "%s/%s%s: check id '%s' is a builtin check's", dir,
				 builtin[i].id, CHECK_SUFFIX, builtin[i].id);
			return -1;
		}
		r->suite[r->nsuite++] = builtin[i];
	}
	return 0;
}

/* {"type":"check_info","id":...,"ref":...,"title":...,"kind":"script"|"builtin"}. */
static void list_check_json(const struct check_def *c, FILE *f)
{
	char id[256], ref[256], title[512];

	output_json_escape(c->id, id, sizeof(id));
	output_json_escape(c->ref, ref, sizeof(ref));
	output_json_escape(c->what, title, sizeof(title));
	fprintf(f, "{\"type\":\"check_info\",\"id\":\"%s\",\"ref\":\"%s\",\"title\":\"%s\","
		   "\"kind\":\"%s\"}\n",
		id, ref, title, check_kind_name(c));
}

void run_list_checks(const struct run *r, FILE *f)
{
	const struct check_def *c = r->suite;
	for (size_t i = 0; i < r->nsuite; i++) {
		if (r->o.out.format == OUT_JSON) {
			list_check_json(&c[i], f);
			continue;
		}
		fprintf(f, "%-26s %-7s %-34s %s%s%s\n", c[i].id, check_kind_name(&c[i]), c[i].ref,
			c[i].what, c[i].slow ? " (slow)" : "",
			c[i].needs_closed ? " (needs a closed port)" : "");
	}
}

/* --checks ID,ID (or all of them), checked before any privilege is used. */
int run_select_checks(struct run *r, char *err, size_t errlen)
{
	if (run_load_suite(r, err, errlen) < 0)
		return -1;
	size_t n = r->nsuite;
	const struct check_def *all = r->suite;
	r->checks = calloc(n ? n : 1, sizeof(*r->checks));
	if (r->checks == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (r->o.checks == NULL) {
		for (size_t i = 0; i < n; i++)
			r->checks[r->nchecks++] = &all[i];
		return 0;
	}
	const char *p = r->o.checks;
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		char id[64];
		snprintf(id, sizeof(id), "%.*s", (int)(len < sizeof(id) - 1 ? len : sizeof(id) - 1), p);
		const struct check_def *d = suite_find(r, id);
		if (d == NULL) {
			snprintf(err, errlen, "unknown check '%s' (see --list-checks)", id);
			return -1;
		}
		bool dup = false;
		for (size_t i = 0; i < r->nchecks; i++)
			dup = dup || r->checks[i] == d;
		if (!dup && r->nchecks < n)
			r->checks[r->nchecks++] = d;
		p += len;
		if (*p == ',')
			p++;
	}
	if (r->nchecks == 0) {
		snprintf(err, errlen, "--checks names no check (see --list-checks)");
		return -1;
	}
	return 0;
}
