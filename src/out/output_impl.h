/*
 * output_impl: the contract between output.c and the formatters out_*.c.
 *
 * output.c owns the struct output and dispatches each public call through a
 * small table of function pointers, one table per format; a formatter keeps
 * whatever it needs in o->state, which its init allocates and its fini frees.
 * Text and JSON print as events come; nagios and prom keep copies of the
 * summaries (events only lend their strings) and print at the end. The few
 * helpers every formatter needs (address:port text, kept summaries) live in
 * output.c and are declared here, not in output.h, because nothing outside
 * the output family should use them.
 */
#ifndef TCPSHAKE_OUTPUT_IMPL_H
#define TCPSHAKE_OUTPUT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/event.h"
#include "out/output.h"

struct out_ops {
	/* Allocate o->state (may leave it NULL); 0, or -1 on no memory. */
	int (*init)(struct output *o);
	/* Free o->state; called once, also when end was never called. */
	void (*fini)(struct output *o);
	void (*begin)(struct output *o, const char *host, const struct netaddr *addr, uint16_t port);
	void (*probe)(struct output *o, const struct probe_event *e);
	void (*summary)(struct output *o, const struct summary_event *e);
	/* One crafted connection (connect mode); NULL: the format ignores it. */
	void (*session)(struct output *o, const struct session_event *e);
	/* One conformance check (conform mode); NULL: the format ignores it. */
	void (*check)(struct output *o, const struct check_event *e);
	/* One script run (script mode); NULL: the format ignores it. */
	void (*script)(struct output *o, const struct script_event *e);
	void (*error)(struct output *o, const char *message);
	/* A target that could not be probed; NULL: the format ignores it. */
	void (*target_error)(struct output *o, const struct target_error_event *e);
	/* The run's totals; NULL: the format ignores them. */
	void (*run)(struct output *o, const struct run_event *e);
	/* Print what was gathered; the status output_end returns. */
	int (*end)(struct output *o);
};

struct output {
	const struct out_ops *ops;
	struct output_config cfg; /* a copy; its mode_name stays borrowed */
	FILE *out;                /* not owned */
	void *state;              /* the formatter's own */
	bool ended;               /* output_end ran: later calls do nothing */
	bool multi_port;          /* the current target has several ports (text: one header) */
	size_t plan_ports;        /* target ports the run will probe (output_plan) */
	size_t target_errors;     /* targets reported by output_target_error */
	bool compact_started;     /* text: the first compact summary line is out */
	int end_status;           /* what it returned */
	size_t checks[4];         /* conform: checks by result (enum check_result), all ports */
	size_t port_checks[4];    /* the same for the current target port */
	size_t scripts[3];        /* script mode: runs by result (enum script_outcome) */
	bool script_where_set;    /* text: the target port script lines are under */
	struct netaddr script_addr;
	uint16_t script_port;
};

extern const struct out_ops out_text_ops;
extern const struct out_ops out_json_ops;
extern const struct out_ops out_nagios_ops;
extern const struct out_ops out_prom_ops;

/* Whether o is a tee (output_new_tee); then *a and *b get its parts, so
 * output.c forwards the calls it handles before any table. */
bool out_tee_parts(const struct output *o, struct output **a, struct output **b);

/* Room for "[" IPv6 "]:" port. */
#define OUT_ADDRPORT_LEN (NETADDR_STRLEN + 8)

/* What the run does, for text headers: "SYN probes", "crafted connections"... */
const char *out_mode_words(const struct output *o);
/* Whether the run is connect mode. */
bool out_is_connect(const struct output *o);
/* Script runs reported so far. */
size_t out_scripts_total(const struct output *o);

/* "192.0.2.1:80" or "[2001:db8::1]:80" into buf; returns buf. */
const char *out_addr_port(const struct netaddr *a, uint16_t port, char *buf, size_t len);

/* -D's time: CLOCK_REALTIME ns as Unix seconds with microseconds,
 * "1732950000.123456", printed from the integer so no rounding of a double
 * moves it; into buf (OUT_UNIX_TIME_LEN is room enough); returns buf. */
#define OUT_UNIX_TIME_LEN 32
const char *out_unix_time(uint64_t time_ns, char *buf, size_t len);

/* Connect mode: the teardown verdicts of one target port's connections.
 * worst ranks deviant over incomplete over conformant over none, so one
 * bad close among several decides the port, as the exit status does. */
struct out_teardown {
	size_t conns; /* connections judged; 0: not connect mode */
	size_t deviant, incomplete;
	enum teardown worst;
	char codes[96]; /* the distinct deviation codes seen, space-separated */
	size_t handshakes[4]; /* connections by handshake outcome (enum handshake) */
	uint32_t devs_seen;   /* bit c: deviation code c seen (enum deviation_code) */
};

/* A summary kept until output_end, its host copied (owned), with the
 * teardowns of its sessions (td.conns == 0 when none came). */
struct out_kept {
	struct summary_event e; /* e.host points at host */
	char *host;
	struct out_teardown td;
};

/* Teardowns of a target port whose summary has not come yet. */
struct out_pending_td {
	char *host; /* owned */
	struct netaddr addr;
	uint16_t port;
	struct out_teardown td;
};

/* A target that could not be probed, kept until output_end (all owned). */
struct out_failed {
	char *host;
	char *message; /* made one line (out_one_line) */
	uint16_t *ports;
	size_t nports;
};

struct out_kept_list {
	struct out_kept *v;
	size_t n, cap;
	struct out_failed *failed; /* targets that could not be probed */
	size_t nfailed, failedcap;
	struct out_pending_td *pend; /* sessions come before their summary */
	size_t npend, pendcap;
	bool lost; /* a summary or session could not be kept (no memory) */
};

/* Append a copy of e with the teardowns its sessions left; 0, or -1 on no
 * memory (then lost is set). */
int out_kept_add(struct out_kept_list *l, const struct summary_event *e);
/* Fold one session's teardown into its target port's; 0, or -1 on no
 * memory (then lost is set). */
int out_kept_session(struct out_kept_list *l, const struct session_event *e);
/* Keep a copy of a target error; 0, or -1 on no memory (then lost is set). */
int out_kept_failed(struct out_kept_list *l, const struct target_error_event *e);
void out_kept_free(struct out_kept_list *l);

/* Copy of s for one line of text: control characters become spaces, and
 * '|' (which starts nagios perfdata) becomes '/'. NULL on no memory. */
char *out_one_line(const char *s);

#endif
