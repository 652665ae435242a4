/*
 * run_script: script mode's set-up, in the composing layer because it reads
 * files: every --script file is read and parsed before anything privileged
 * is opened or any packet is sent, so a typo in the last of ten scripts
 * never costs a run of the nine before it. The parser (core/script.h) is
 * pure; this is the part that touches the file system.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "sys/file_read.h"

int run_parse_script_file(const char *path, struct script **out, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	bool too_big;
	*out = NULL;
	if (file_read_whole(path, SCRIPT_MAX_BYTES, &buf, &len, &too_big) < 0) {
		snprintf(err, errlen, "cannot read script %s: %s", path, strerror(errno));
		return -1;
	}
	int rc = script_parse(path, too_big ? NULL : buf, len, out, err, errlen);
	free(buf);
	return rc < 0 ? -2 : 0;
}

int run_load_scripts(struct run *r, char *err, size_t errlen)
{
	const char *list = r->o.scripts;
	r->error_plain = false;
	while (list != NULL && *list != '\0') {
		size_t n = strcspn(list, ",");
		char *name = strndup(list, n);
		list += n + (list[n] == ',');
		struct script **v = realloc(r->scripts, (r->nscripts + 1) * sizeof(*v));
		if (name == NULL || v == NULL) {
			free(name);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		r->scripts = v;
		struct script *s = NULL;
		int rc = run_parse_script_file(name, &s, err, errlen);
		free(name);
		if (rc < 0) {
			r->error_plain = rc == -2;
			return -1;
		}
		r->scripts[r->nscripts++] = s;
	}
	return 0;
}

size_t run_script_ports(const struct run *r)
{
	size_t want = target_list_ports(&r->targets) * (r->nscripts ? r->nscripts : 1);
	return want > 64 ? 64 : want ? want : 1;
}

void run_scripts_free(struct run *r)
{
	for (size_t i = 0; i < r->nscripts; i++)
		script_free(r->scripts[i]);
	free(r->scripts);
	r->scripts = NULL;
	r->nscripts = 0;
}
