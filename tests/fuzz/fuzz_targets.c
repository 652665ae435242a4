/*
 * fuzz_targets: libFuzzer target for everything that reads targets: a
 * target file (targets_from_file, as -f reads it), an option value
 * (targets_from_list, as --exclude reads it), each line alone as a
 * command-line argument, and, for what parses, the sweep's index space
 * built from it (tspace) with the input's own exclusions, walked at a few
 * indices. The checks turn silent contract breaks into crashes: an error
 * must say why, a pair must lie inside its span.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addrspan.h"
#include "core/target.h"
#include "core/tspace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct target_list *tl, const struct target_list *ex)
{
	struct tspace ts;
	tspace_init(&ts);
	for (size_t i = 0; i < tl->n; i++) {
		struct addr_span sp = tl->t[i].span;
		if (sp.n == 0)
			addr_span_single(&tl->t[i].addr, &sp); /* unresolved: the zero address */
		if (tspace_add(&ts, &sp, tl->t[i].ports.port, tl->t[i].ports.n, i) < 0)
			abort();
	}
	for (size_t i = 0; i < ex->n; i++) {
		struct tspace_cut c = { .ports = ex->t[i].ports.port, .nports = ex->t[i].ports.n };
		c.span = ex->t[i].span;
		if (c.span.n == 0)
			addr_span_single(&ex->t[i].addr, &c.span);
		if (tspace_cut(&ts, &c, 1) < 0)
			abort();
	}
	if (tspace_finish(&ts) == 0 && ts.n > 0) {
		uint64_t idx[] = { 0, ts.n / 3, ts.n / 2, ts.n - 1 };
		for (size_t k = 0; k < 4; k++) {
			struct netaddr a;
			uint16_t p;
			size_t t;
			tspace_at(&ts, idx[k], &a, &p, &t);
			if (t >= tl->n || p == 0)
				abort();
		}
	}
	tspace_free(&ts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct target_list tl = { 0 }, ex = { 0 };
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	FILE *f = fmemopen(text, size, "r");
	if (f != NULL) {
		err[0] = '\0';
		if (targets_from_file(f, "80,443", &tl, err, sizeof(err)) < 0 && err[0] == '\0')
			abort();
		fclose(f);
	}
	err[0] = '\0';
	if (targets_from_list(text, NULL, &ex, err, sizeof(err)) < 0 && err[0] == '\0')
		abort();
	/* Bound the work: huge spans are what --allow-large is for. */
	bool small = true;
	for (size_t i = 0; i < tl.n; i++)
		small &= tl.t[i].span.n <= (1u << 20);
	if (small && tl.n <= 64 && ex.n <= 64)
		walk(&tl, &ex);
	target_list_free(&tl);
	target_list_free(&ex);

	/* The first line alone, as one argument. */
	char *line = strtok(text, "\n");
	if (line != NULL) {
		struct target_list one = { 0 };
		err[0] = '\0';
		if (targets_from_args(&line, 1, NULL, &one, err, sizeof(err)) < 0 && err[0] == '\0')
			abort();
		target_list_free(&one);
	}
	free(text);
	return 0;
}
