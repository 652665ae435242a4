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
/* The module called name, or NULL. */
const struct module *module_find(const struct module_table *t, const char *name);
/* Add m (its data taken), replacing a module of the same name. 0 or -1. */
int module_table_put(struct module_table *t, struct module *m);
void module_table_free(struct module_table *t);
/* Whether some module makes connections (the engine then needs the RST guard). */
bool module_has_connect(const struct module_table *t);

/* The longest m can take: (count - 1) x interval + timeout, plus a
 * connect module's close. */
uint64_t module_budget_ns(const struct module *m);
/* m cut to fit budget_ns: fewer probes first, then a shorter timeout, never
 * fewer than one probe. out->data is borrowed from m (do not free it). */
void module_fit(const struct module *m, uint64_t budget_ns, struct module *out);
/* One line for the / page and LIST: "syn, 3 SYNs 0.1 s apart, timeout 1 s". */
void module_summary(const struct module *m, char *buf, size_t len);

#endif
