/*
 * outmem: the harness the formatter tests share. A run is written into
 * memory (open_memstream) and its whole text compared with a golden
 * string, so a change of one byte in any format fails a test.
 */
#ifndef TCPSHAKE_TEST_OUTMEM_H
#define TCPSHAKE_TEST_OUTMEM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "out/output.h"

struct mem {
	char *buf;
	size_t len;
	FILE *f;
};

/* A formatter for cfg writing into m. */
struct output *start(struct mem *m, const struct output_config *cfg);
/* output_end, output_free, close: the status output_end returned. */
int finish(struct mem *m, struct output *o);
/* m's text must be want exactly; frees it. */
void check(struct mem *m, const char *want);
/* A configuration of format fmt in syn mode, everything else off. */
struct output_config cfg_of(enum out_format fmt);
/* An address literal, asserted valid. */
struct netaddr A(const char *s);
/* A summary without RTT figures. */
struct summary_event summary(const char *host, const char *addr, uint16_t port, uint32_t sent,
			     uint32_t received, enum port_state st);

#endif
