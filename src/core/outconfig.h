/*
 * outconfig: what the user asked of the output (format, thresholds, detail).
 * A plain value filled in by the CLI and read by the formatters; it lives in
 * core/ so the CLI, which is pure, need not know the formatters.
 */
#ifndef TCPSHAKE_OUTCONFIG_H
#define TCPSHAKE_OUTCONFIG_H

#include <stdbool.h>

enum out_format { OUT_TEXT, OUT_JSON, OUT_NAGIOS, OUT_PROM };

/* Nagios thresholds: a figure at or above the threshold trips it. */
struct threshold {
	bool set;
	double rtt_ms;    /* average RTT */
	bool loss_set;
	double loss_pct;
};

struct output_config {
	enum out_format format;
	bool quiet;                 /* summaries only (text) */
	struct threshold warning, critical;
	const char *mode_name;      /* "syn"... for headers */
	bool trace;                 /* --trace: text draws each connection's ladder */
	bool print_data;            /* --print-data: show the peer's bytes */
	bool timestamps;            /* -D: text lines of probes, connections, checks and
	                             * scripts start with "[UNIX.USEC] "; their JSON
	                             * records end with "time" (Unix seconds) */
	bool color;                 /* text: colour the state and result words (ANSI);
	                             * the CLI leaves it false, main decides it from
	                             * --color, the terminal and NO_COLOR */
};

#endif
