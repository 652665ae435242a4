/*
 * run: one invocation of tcpshake, as main composes it. The state every
 * mode shares (options, resolved targets, routes, source ports, the live
 * wire, the RST guard, the chosen checks) and the set-up steps main runs in
 * order: checks and targets without privileges, then the privileged opens,
 * then the drop. main.c owns the mode table and the exit statuses; these
 * helpers only return -1 with one line in err.
 *
 * Like main.c this is the composing layer, so it may include every layer.
 */
#ifndef TCPSHAKE_RUN_H
#define TCPSHAKE_RUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/cli.h"
#include "core/script.h"
#include "core/target.h"
#include "core/tspace.h"
#include "engine/checks.h"
#include "out/output.h"
#include "out/progress_line.h"
#include "sys/guard.h"
#include "sys/portres.h"
#include "sys/route.h"
#include "sys/wire_live.h"

/* A target the run could not probe (its name, its route). */
struct run_failure {
	struct target t; /* owned; t.addr is unset */
	char message[256];
};

struct run {
	struct options o;
	struct target_list targets;
	struct target_list excludes;     /* --exclude, --exclude-file */
	struct tspace space;             /* a sweep's pairs (run_build_space) */
	size_t hosts;                    /* distinct addresses among targets */
	struct run_failure *failed;      /* targets left out, in the order given */
	size_t nfailed, failed_cap;
	struct netaddr *src;   /* per target: our source address (route or -S) */
	struct route_cache routes;       /* shared by the run's route lookups */
	uint16_t *mss;         /* per target: the MSS to offer (route MTU - headers) */
	uint16_t *mtu;         /* per target: the route's MTU */
	struct output *out;
	struct progress_line *progress;     /* the progress line (run_progress.h), or NULL */
	struct progress_sink progress_sink; /* its sink, as the engines get it */
	FILE *progress_wrap;                /* the results' stream wrapped for it, or NULL */
	struct portres ports;
	struct wire_live *wl;
	struct guard *guard;
	const struct check_def **checks; /* conform: the checks chosen */
	size_t nchecks;
	struct check_def *suite;         /* every check: the scripts loaded, then the builtin ones */
	size_t nsuite;
	struct script **check_scripts;   /* the check scripts, parsed (suite points into them) */
	size_t ncheck_scripts;
	struct script **scripts;         /* script mode: every --script file, parsed */
	size_t nscripts;
	bool error_plain;                /* err is a script's FILE:LINE:COL message: no prefix */
	char capture_if[IF_NAMESIZE];
	bool want4, want6;
	uint64_t started_ns;             /* CLOCK_MONOTONIC when the mode began */
	/* A sweep's -f file of more than RUN_STREAM_PART targets is read a
	 * part at a time (run_stream.c): r->targets holds one part. */
	bool streaming;
	FILE *stream_file;
	struct target_reader reader;
	uint64_t stream_targets, stream_ports; /* the whole file's, for the header */
	size_t nfailed_reported;         /* r->failed already reported */
};

/* Targets a streamed sweep holds at once: memory for them stays flat
 * however long the file. */
#define RUN_STREAM_PART 16384

/* What a mode asks of the capture and the RST guard (main's mode table). */
struct run_needs {
	bool guard;       /* it crafts connections: the RST guard (CAP_NET_ADMIN) */
	int snaplen;      /* bytes kept of each captured frame */
	int buffer_bytes; /* the capture's kernel buffer; 0: sized to the sweep */
};

/* A random 32-bit value from the kernel (the clock when it has none):
 * our TSval base, as Linux offsets its clock, and a sweep's random order. */
uint32_t run_random_u32(void);

/* Free everything r holds (r itself is the caller's). */
void run_free(struct run *r);

/* The targets of the command line and of -f, each with its ports. */
int run_load_targets(struct run *r, char *err, size_t errlen);

/* Resolve every target and ask the kernel for its route: source address,
 * MTU and MSS per target, and the interface to capture on ("any" when the
 * targets are on several). A target whose name does not resolve or that
 * has no route moves to r->failed, and the run goes on with the others.
 * Returns 0 (some targets left, maybe some failed); 1 when every target
 * failed (nothing to probe); -1 with err on our own error (-S invalid, no
 * memory). */
int run_resolve_and_route(struct run *r, char *err, size_t errlen);

/* Target ports of r->failed. */
size_t run_failed_ports(const struct run *r);

/* Source ports syn mode needs so no probe reuses a 4-tuple the server may
 * still hold half-open. */
size_t run_syn_ports(const struct run *r);

/* Source ports connect mode cycles through, so no connection meets an
 * earlier one's TIME_WAIT. */
size_t run_connect_ports(const struct run *r);

/* Open the RST guard (when needs->guard), the live wire and capture, then
 * drop every privilege. Returns 0, or -1 with err. */
int run_open_privileged(struct run *r, const struct run_needs *needs, char *err, size_t errlen);

/* The conformance suite: every check script of the checks directory
 * ($TCPSHAKE_CHECKS_DIR, else the one installed, TCPSHAKE_CHECKS_DIR at
 * build time) parsed, in file name order, then the builtin checks, into
 * r->suite. A script that does not parse, lacks a header line, is not
 * named after its id, or repeats an id is an error; so is a
 * $TCPSHAKE_CHECKS_DIR that cannot be read. The installed directory
 * missing (an uninstalled build) is a warning on stderr: the builtin
 * checks alone. Returns 0, or -1 with err (error_plain for a syntax
 * error). */
int run_load_suite(struct run *r, char *err, size_t errlen);

/* --list-checks: one line a check, or with --json one check_info object a
 * check. */
void run_list_checks(const struct run *r, FILE *f);

/* --checks ID,ID (or all of them) into r->checks. Returns 0, or -1 with err
 * naming an unknown id. */
int run_select_checks(struct run *r, char *err, size_t errlen);

/* Script mode, before anything privileged: read and parse every --script
 * file into r->scripts. A file that cannot be read or is too large is one
 * line in err; a syntax error is "FILE:LINE:COL: message" in err with
 * r->error_plain set. Returns 0 or -1. */
int run_load_scripts(struct run *r, char *err, size_t errlen);

/* Read and parse the script at path into *out. Returns 0; -1 with err when
 * it cannot be read; -2 with err "FILE:LINE:COL: message" when it does not
 * parse. */
int run_parse_script_file(const char *path, struct script **out, char *err, size_t errlen);

/* -f FILE for a sweep: the file checked whole first (a bad line is an
 * error before any packet, as for a file read at once), then, when it
 * holds more than RUN_STREAM_PART targets, only its first part loaded and
 * r->streaming set. Returns 0 (nothing done when it is no such case), or
 * -1 with err. */
int run_stream_open(struct run *r, char *err, size_t errlen);

/* The next part of a streamed file into r->targets (the last part's
 * targets, routes and index space freed first). Returns the targets read
 * (0: the end), or -1 with err. */
long run_stream_next(struct run *r, char *err, size_t errlen);

/* Whether a target is a prefix or a range. */
bool run_any_span(const struct run *r);

/* Whether syn mode sweeps: one probe (-c 1) to each of several target
 * ports, or a prefix or range. */
bool run_is_sweep(const struct run *r);

/* Before anything else of a sweep: a prefix makes -c default to 1 (and
 * any other -c an error); the sweep options need a sweep; prefixes beyond
 * /8 or /104 need --allow-large; exclusions are read. Returns 0 or -1 with
 * err. */
int run_check_sweep(struct run *r, char *err, size_t errlen);

/* --exclude and --exclude-file into r->excludes. */
int run_load_excludes(struct run *r, char *err, size_t errlen);

/* Resolve the names among the exclusions (to family); one that does not
 * resolve is an error. */
int run_resolve_excludes(struct run *r, int family, char *err, size_t errlen);

/* A sweep's index space: the targets (resolved, routed), less the
 * exclusions. Returns 0; 1 with err when the exclusions leave nothing
 * ("the exclusions leave no target to probe": an error for a run, a part
 * to pass over for a streamed file); or -1 with err. */
int run_build_space(struct run *r, char *err, size_t errlen);

/* Source ports script mode takes: one fresh port a run, up to 64. */
size_t run_script_ports(const struct run *r);

/* Free r->scripts (run_free calls it). */
void run_scripts_free(struct run *r);

#endif
