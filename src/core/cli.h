/*
 * cli: the command-line options (the table in cli_table.c), parsed and validated.
 *
 * Pure: fills struct options or writes one line of what is wrong (and what is
 * allowed) into err. Never prints, never exits: main does that. Every option
 * is range-checked here so the engines can trust struct options.
 */
#ifndef TCPSHAKE_CLI_H
#define TCPSHAKE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/connmodel.h"
#include "core/netaddr.h"
#include "core/outconfig.h"
#include "core/serve_msg.h"
#include "core/tcpopt.h"

/* MODE_SCRIPT is chosen by --script (or -m script together with it). */
enum mode { MODE_SYN, MODE_CONNECT, MODE_CONFORM, MODE_SCRIPT };
enum rst_guard { GUARD_AUTO, GUARD_ON, GUARD_OFF };
/* --color: colour only on a terminal without NO_COLOR, always, or never. */
enum color_when { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct options {
	enum mode mode;
	char **targets;          /* positional arguments, borrowed from argv */
	size_t ntargets;
	const char *ports;       /* -p, NULL: port 80 */
	const char *target_file; /* -f, "-" is stdin */
	unsigned long count;     /* -c; 0 = until interrupted */
	double interval;         /* -i seconds, > 0 */
	double timeout;          /* -W seconds, > 0 */
	double rate;             /* --rate packets/s; 0 = no cap */
	const char *source;      /* -S literal address, NULL: by route */
	struct netaddr source_addr; /* -S parsed; family 0 when -S not given */
	int source_port;         /* -s, -1: a free ephemeral port */
	const char *iface;       /* -I, NULL: by route */
	int family;              /* AF_UNSPEC, AF_INET (-4) or AF_INET6 (-6);
	                          * -S alone also sets it to the source's family */
	int ttl;                 /* 1..255 */
	struct syn_options syn;
	const char *data;        /* --data (connect) */
	enum conn_close close;
	double time_wait;        /* --time-wait seconds; -1: the default */
	enum rst_guard guard;
	struct output_config out;
	bool trace;
	bool open_only;          /* --open: report only target ports found open */
	bool progress;           /* --progress: a progress line even off a terminal */
	const char *checks;      /* --checks ID,ID (conform); NULL: all */
	bool list_checks;        /* --list-checks */
	int closed_port;         /* --closed-port (conform); 0: find one */
	const char *pcap_file;
	const char *scripts;     /* --script FILE[,FILE...] (script mode), borrowed;
	                          * every name non-empty; NULL when not given */
	bool strict_options;     /* --strict-options: compare option values and order */
	double tolerance_ms;     /* --tolerance: default slack of a script's timing,
	                          * milliseconds, 0..60000 (default CLI_TOLERANCE_MS) */
	const char *output_file; /* -o: write the output there, atomically; borrowed,
	                          * non-empty; NULL (or "-") for stdout */
	enum color_when color;   /* --color; out.color is decided from it by main */
	bool count_given;        /* -c was on the line (a prefix sweeps with -c 1 unless) */
	/* Sweeps (syn mode, -c 1 over several target ports, or a prefix). */
	const char *exclude;     /* --exclude TARGETS, borrowed; NULL: none */
	const char *exclude_file; /* --exclude-file */
	int retries;             /* --retries, 0..RETRIES_MAX (default RETRIES_DEFAULT) */
	unsigned long seed;      /* --seed: the sweep's order (64 bits) */
	bool seed_given;
	unsigned long shard_i, shard_n; /* --shard I/N, 1 <= I <= N (default 1/1) */
	bool allow_large;        /* --allow-large: prefixes beyond /8 or /104 */
	bool sweep_option;       /* one of the options above was given */
	/* The exporter (--serve): Prometheus names the targets, modules the probe. */
	bool serve;
	struct netaddr serve_addr; /* --serve's ADDR (default 127.0.0.1) */
	uint16_t serve_port;
	const char *allow;       /* --allow CIDR[,CIDR...], borrowed; NULL: none */
	const char *allow_ports; /* --allow-ports PORTS */
	const char *config;      /* --config FILE */
	unsigned long max_inflight; /* --max-inflight 1..CLI_INFLIGHT_MAX; 0: not given */
	const char *user;        /* --user: the HTTP process's user (default "nobody") */
};

/* --max-inflight's bounds, the configuration file's too. */
#define CLI_INFLIGHT_MAX SERVE_INFLIGHT_MAX
#define CLI_INFLIGHT_DEFAULT 32

/* The default --tolerance. A remote peer's timing reaches us through the
 * path, our scheduler and the capture, so packetdrill's local 4 ms is too
 * tight; but it must stay well under Linux's 40 ms minimum delayed ACK, or a
 * delayed ACK could not be told from an immediate one. */
#define CLI_TOLERANCE_MS 20.0

enum cli_status {
	CLI_OK,      /* run */
	CLI_HELP,    /* -h: print cli_usage to stdout, exit 0 */
	CLI_VERSION, /* -V: print the version, exit 0 */
	CLI_ERROR,   /* err holds one line; exit 2 (3 for --format nagios) */
};

/* Parse argv (getopt_long; resets optind). Returns the status; on CLI_ERROR
 * err holds a message without the "tcpshake: " prefix and without newline. */
enum cli_status cli_parse(int argc, char **argv, struct options *o, char *err, size_t errlen);

/* The --help text: a preamble, then every option of the table in its order
 * (that of the man page), then the exit statuses and examples. */
void cli_usage(FILE *out);

/* The option table, for tests and tools that check it against the docs:
 * the long name of the i-th option (without "--"), or NULL past the end;
 * *letter gets its short form, or 0 when it has none. */
const char *cli_option_name(size_t i, int *letter);

/* Whether text output gets colour: --color always, or --color auto when
 * the output is a terminal and NO_COLOR is unset or empty (no-color.org:
 * the command line overrides NO_COLOR). no_color is getenv("NO_COLOR"),
 * NULL when unset. Formats other than text are never coloured. */
bool cli_color_wanted(enum color_when when, enum out_format format, bool is_terminal,
		      const char *no_color);

/* Parse a number of seconds like "0.2" or "1" within [min, max]. Returns 0 or -1. */
int cli_parse_seconds(const char *s, double min, double max, double *out);

#endif
