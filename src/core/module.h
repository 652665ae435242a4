/*
 * module: what one exporter probe does, as blackbox_exporter's modules say.
 * Built-in "syn" and "connect", and those a --config file defines
 * (serve_config.h). A module is the exporter's stand-in for a command line:
 * the engine turns it into a probe_config or session_config.
 */
#ifndef TCPSHAKE_MODULE_H
#define TCPSHAKE_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/connmodel.h"
#include "core/serve_msg.h"
#include "core/tcpopt.h"

enum module_mode { MODULE_SYN, MODULE_CONNECT };

/* Most probes or connections one module may make in a scrape. */
#define MODULE_COUNT_MAX 100
/* Longest data a connect module sends (bytes): a request, not a payload. */
#define MODULE_DATA_MAX 4096
/* Shortest timeout module_fit cuts to: the CLI's least -W, 1 ms. */
#define MODULE_TIMEOUT_MIN_NS 1000000ull

struct module {
	char name[SERVE_NAME_MAX];
	enum module_mode mode;
	unsigned long count;    /* SYNs (syn) or connections (connect), 1..MODULE_COUNT_MAX */
	uint64_t interval_ns;   /* between two of them */
	uint64_t timeout_ns;    /* each one's wait for an answer (-W) */
	uint8_t ttl;
	struct syn_options syn; /* options our SYN offers; the CLI's defaults */
	char *data;             /* connect: bytes sent after the handshake, or NULL; owned */
	enum conn_close close;  /* connect */
	int64_t time_wait_ns;   /* connect: --time-wait, -1 the default */
};

struct module_table {
	struct module *v;
	size_t n;
};

/* "syn" (3 SYNs 0.1 s apart, timeout 1 s) and "connect" (one connection,
 * timeout 2 s, active close). Returns 0, or -1 on no memory. */
int module_table_builtin(struct module_table *t);
/* m set to the built-in of its mode ("syn" or "connect" above) under the
 * name given (truncated to SERVE_NAME_MAX - 1): what a --config module
 * starts from before its keys apply. */
void module_defaults(struct module *m, const char *name, enum module_mode mode);
/* The module called name, or NULL. */
const struct module *module_find(const struct module_table *t, const char *name);
/* Add m (its data taken), replacing a module of the same name. 0 or -1. */
int module_table_put(struct module_table *t, struct module *m);
void module_table_free(struct module_table *t);
/* Whether some module makes connections (the engine then needs the RST guard). */
bool module_has_connect(const struct module_table *t);

/* The longest m can take, in ns. syn: (count - 1) x interval + timeout
 * (the last SYN's wait). connect: rounds run one connection each and start
 * interval apart, or when the last one ended if it ran longer, so
 * (count - 1) x max(interval, C) + C, where C bounds one connection as
 * engine/session.c runs it: timeout for the handshake, then timeout for
 * each step of an orderly exchange (the peer acknowledging our data, one
 * answer, acknowledging our FIN, its FIN: 2 steps without data, 4 with),
 * then the hold after the close (TIME_WAIT's --time-wait, by default the
 * smaller of timeout and 1 s; after a RST, the same quiet time). Every
 * step restarts the timeout, so a peer that keeps sending (a long answer)
 * can outlast C: whoever runs the probe must still stop it at the
 * scrape's deadline (serve_probe_run's stop). */
uint64_t module_budget_ns(const struct module *m);
/* m cut to fit budget_ns: fewer probes first; then, for connect, a shorter
 * explicit --time-wait hold; then a shorter timeout, never below
 * MODULE_TIMEOUT_MIN_NS and never fewer than one probe (so a budget too
 * small for that leaves out above it). Deterministic: the same m and
 * budget give the same out. out->data is borrowed from m (do not free it). */
void module_fit(const struct module *m, uint64_t budget_ns, struct module *out);
/* One line for the / page and LIST: "syn, 3 SYNs 0.1 s apart, timeout 1 s". */
void module_summary(const struct module *m, char *buf, size_t len);

#endif
