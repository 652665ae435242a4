/*
 * output: formatters over the event stream, one per format (out_*.c).
 *
 * The engine calls output_begin once per target port, output_probe for each
 * probe, output_summary at each target port's end, output_error for a runtime
 * error, and output_end once. Text and JSON print as events come; nagios and
 * prom gather summaries and print at output_end.
 */
#ifndef TCPSHAKE_OUTPUT_H
#define TCPSHAKE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "core/event.h"
#include "core/outconfig.h"

struct output;

/* A new formatter writing to out (not owned). NULL on no memory. */
struct output *output_new(const struct output_config *cfg, FILE *out);
void output_free(struct output *o);

/* Before the first probe of a target (a host with its ports): a target of
 * several ports gets one text header for all of them, not one per port. */
void output_begin_target(struct output *o, const char *host, const struct netaddr *addr,
			 size_t nports);
/* Before the first probe of a sweep (sweep.h), in place of the per-target
 * calls: text prints one header for the whole run. */
void output_begin_sweep(struct output *o, uint64_t hosts, uint64_t ports);
/* Before the first probe of a target port (text prints a header line unless
 * the target has several ports). */
void output_begin(struct output *o, const char *host, const struct netaddr *addr, uint16_t port);
void output_probe(struct output *o, const struct probe_event *e);
void output_summary(struct output *o, const struct summary_event *e);
/* One connection of connect mode, with its segments and verdict. */
void output_session(struct output *o, const struct session_event *e);
/* One check of conform mode. */
void output_check(struct output *o, const struct check_event *e);
/* One script run of script mode against one target port. */
void output_script(struct output *o, const struct script_event *e);
/* Before the run: how many target ports it will probe. Text prints one
 * compact line per port, not a statistics block, above OUTPUT_BLOCKS_MAX. */
#define OUTPUT_BLOCKS_MAX 16
void output_plan(struct output *o, size_t ports);
/* A target that could not be probed (name, route); the run goes on. JSON
 * emits {"type":"error","host":..}, prom tcpshake_up 0 for each port, nagios
 * names it; text prints nothing (main prints the line on stderr). */
void output_target_error(struct output *o, const struct target_error_event *e);
/* The run's totals, once, before output_end: text prints the totals line,
 * JSON the "run" record. Ignored when the run probed at most one target
 * port and had no target error. */
void output_run(struct output *o, const struct run_event *e);
/* A runtime error; JSON emits {"type":"error"}; text prints nothing (main prints to stderr). */
void output_error(struct output *o, const char *message);
/* Finish. Returns the exit status the format dictates: for nagios the
 * OK/WARNING/CRITICAL status from thresholds and port states; for the other
 * formats -1 (main decides). */
int output_end(struct output *o);

/* Whether writing to the output failed (a closed pipe): engines stop then,
 * as `tcpshake -c 0 | head -1` expects. */
bool output_broken(const struct output *o);

/* An output that forwards every call to a and to b (not owned: free them
 * after the tee), for one engine run printed in two formats at once.
 * output_end returns a's status; output_broken is either's. NULL on no
 * memory. */
struct output *output_new_tee(struct output *a, struct output *b);

/* What a tee forwarded: the connections (output_session) and how many had
 * an ok handshake, the target ports (output_summary) and how many were
 * open. All zero for an output that is not a tee. */
struct output_tally {
	size_t sessions, handshakes_ok;
	size_t ports, ports_open;
};
void output_tee_tally(const struct output *o, struct output_tally *tally);

/* JSON string escaping into buf (always NUL-terminated); exposed for tests. */
void output_json_escape(const char *s, char *buf, size_t len);

#endif
