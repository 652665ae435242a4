/*
 * fuzz_script: libFuzzer target for the script parser.
 *
 * Each input is parsed as a script. The checks turn silent contract
 * breaks into crashes: a failure must leave no script and one line of
 * error starting with the file name; a success must hold at least one
 * packet line, every packet line its alternatives, and every line must
 * format without overrunning (the formatters are what reports print).
 * The input is copied to an exact-size buffer so a read past its end is an
 * ASan report, not luck.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	char err[256];
	struct script *s = (struct script *)1;
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	int r = script_parse("f.pkt", buf, size, &s, err, sizeof(err));
	if (r != 0) {
		if (s != NULL || strncmp(err, "f.pkt:", 6) != 0 || strchr(err, '\n') != NULL)
			abort();
		free(buf);
		return 0;
	}
	if (s == NULL || s->npackets == 0 || s->npackets > s->nlines)
		abort();
	for (size_t i = 0; i < s->nlines; i++) {
		const struct script_line *l = &s->lines[i];
		char line[160];
		bool packet = l->kind == SCRIPT_SEND || l->kind == SCRIPT_EXPECT ||
			      l->kind == SCRIPT_EXPECT_OPTIONAL;
		if (packet != (l->nalts > 0) || l->nalts > SCRIPT_MAX_ALTS)
			abort();
		if (l->kind == SCRIPT_SEND && l->nalts != 1)
			abort();
		if (l->kind == SCRIPT_SKIPPED && (l->name == NULL || l->text == NULL))
			abort();
		if (l->time.hi_ns < l->time.lo_ns || l->time.hi_ns > SCRIPT_MAX_TIME_NS)
			abort();
		size_t full = script_line_format(l, line, sizeof(line));
		if (strlen(line) > full || strlen(line) >= sizeof(line))
			abort();
		for (size_t j = 0; j < l->nalts; j++) {
			const struct script_seg *g = &l->alts[j];
			if ((g->nopts > 0) != (g->opts != NULL) || g->nopts > 40)
				abort();
			for (size_t k = 0; k < g->nopts; k++)
				if (g->opts[k].nsack > SCRIPT_MAX_SACK || g->opts[k].data_len > SCRIPT_MAX_OPT_DATA)
					abort();
		}
	}
	script_free(s);
	free(buf);
	return 0;
}
