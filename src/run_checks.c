/*
 * run_checks: conform mode's suite as the command line picks it: the
 * --list-checks listing (text, or one check_info JSON object a check) and
 * the --checks selection, both done before any privilege is used.
 */
#include "config.h"
#include "run.h"

#include <stdlib.h>
#include <string.h>

/* {"type":"check_info","id":...,"ref":...,"title":...,"kind":"builtin"}.
 * Every check is a C procedure today; script checks will say "script". */
static void list_check_json(const struct check_def *c, FILE *f)
{
	char id[256], ref[256], title[512];

	output_json_escape(c->id, id, sizeof(id));
	output_json_escape(c->ref, ref, sizeof(ref));
	output_json_escape(c->what, title, sizeof(title));
	fprintf(f, "{\"type\":\"check_info\",\"id\":\"%s\",\"ref\":\"%s\",\"title\":\"%s\","
		   "\"kind\":\"builtin\"}\n",
		id, ref, title);
}

void run_list_checks(const struct run *r, FILE *f)
{
	size_t n;
	const struct check_def *c = checks_all(&n);
	for (size_t i = 0; i < n; i++) {
		if (r->o.out.format == OUT_JSON) {
			list_check_json(&c[i], f);
			continue;
		}
		fprintf(f, "%-26s %-34s %s%s%s\n", c[i].id, c[i].ref, c[i].what,
			c[i].slow ? " (slow)" : "", c[i].needs_closed ? " (needs a closed port)" : "");
	}
}

/* --checks ID,ID (or all of them), checked before any privilege is used. */
int run_select_checks(struct run *r, char *err, size_t errlen)
{
	size_t n;
	const struct check_def *all = checks_all(&n);
	r->checks = calloc(n, sizeof(*r->checks));
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
		const struct check_def *d = checks_find(id);
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

