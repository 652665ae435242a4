/*
 * run_stream: a sweep's target file read a part at a time. A million-line
 * file is a million targets; held at once they would cost a hundred
 * megabytes before the first packet. So a sweep reads its -f file twice:
 * once whole, only to check every line (a mistake on line 900000 is still
 * one line of error and nothing sent) and to count its targets and ports
 * for the header; then RUN_STREAM_PART targets at a time, each part
 * resolved, routed and swept before the next is read. A pair named in two
 * parts is probed twice (each part is deduplicated on its own). Standard
 * input cannot be read twice, so "-f -" is read whole, as before.
 */
#include "config.h"
#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Whether the run may be a sweep, before its targets are known: syn mode,
 * and -c 1 given (a prefix's default count is decided later, by the first
 * part; a file of prefixes is seldom long). */
static bool may_sweep(const struct options *o)
{
	return o->mode == MODE_SYN && o->count_given && o->count == 1;
}

int run_stream_open(struct run *r, char *err, size_t errlen)
{
	const char *path = r->o.target_file;
	char ferr[400];

	if (path == NULL || strcmp(path, "-") == 0 || !may_sweep(&r->o))
		return 0;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "cannot read targets from '%s': %s", path, strerror(errno));
		return -1;
	}
	/* The check: every line, a part at a time, nothing kept. */
	struct target_reader rd;
	struct target_list part = { 0 };
	long n;
	if (target_reader_open(&rd, f, r->o.ports, ferr, sizeof(ferr)) < 0)
		goto bad;
	while ((n = target_reader_next(&rd, RUN_STREAM_PART, &part, ferr, sizeof(ferr))) > 0) {
		r->stream_targets += (uint64_t)n;
		r->stream_ports += target_list_ports(&part);
		target_list_free(&part);
	}
	target_reader_close(&rd);
	if (n < 0)
		goto bad;
	if (r->stream_targets <= RUN_STREAM_PART) {
		fclose(f); /* short: read whole, as any -f file */
		r->stream_targets = r->stream_ports = 0;
		return 0;
	}
	rewind(f);
	if (target_reader_open(&r->reader, f, r->o.ports, ferr, sizeof(ferr)) < 0)
		goto bad;
	r->stream_file = f;
	r->streaming = true;
	return target_reader_next(&r->reader, RUN_STREAM_PART, &r->targets, err, errlen) < 0 ? -1 : 0;
bad:
	snprintf(err, errlen, "%s: %s", path, ferr);
	fclose(f);
	return -1;
}

long run_stream_next(struct run *r, char *err, size_t errlen)
{
	char ferr[400];
	target_list_free(&r->targets);
	tspace_free(&r->space);
	free(r->src);
	free(r->mss);
	free(r->mtu);
	r->src = NULL;
	r->mss = r->mtu = NULL;
	long n = target_reader_next(&r->reader, RUN_STREAM_PART, &r->targets, ferr, sizeof(ferr));
	if (n < 0)
		snprintf(err, errlen, "%s: %s", r->o.target_file, ferr);
	return n;
}
