/*
 * script_mode: script mode's runner. For each target port, each parsed
 * script in the order given runs once (engine/script_run.h), on its own
 * fresh source port, and is reported as a script event with its segments
 * and both ends' states (connmodel's causality ordering of the endpoint's
 * timeline). Its own config: main fills it, nothing of the CLI inside.
 */
#ifndef TCPSHAKE_SCRIPT_MODE_H
#define TCPSHAKE_SCRIPT_MODE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/script.h"
#include "core/target.h"
#include "engine/wire.h"
#include "out/output.h"

struct script_mode_config {
	const struct target_list *targets;
	const struct netaddr *src;          /* per target: our source address */
	const uint16_t *mtu;                /* per target: our link's MTU (NULL: unknown) */
	uint16_t sport_base, nsports;       /* our source port block */
	uint8_t ttl;
	uint32_t tsval_base;                /* our TSvals: this plus the script's */
	uint64_t isn_seed;                  /* 0: random ISNs */
	const struct script *const *scripts; /* parsed, in the order given */
	size_t nscripts;
	uint64_t tolerance_ns;              /* --tolerance */
	uint64_t answer_timeout_ns;         /* -W */
	bool strict_options;                /* --strict-options */
};

struct script_mode_result {
	size_t run, passed, failed, errors;
	bool interrupted;
};

/* Run every script against every target port. Returns 0, or -1 with err on
 * a runtime error that ends the run (a capture failure, a send error other
 * than a segment too long for the path) or when stopped (res->interrupted). */
int script_mode_run(const struct script_mode_config *cfg, const struct wire *w, struct output *out,
		    const volatile sig_atomic_t *stop, struct script_mode_result *res, char *err,
		    size_t errlen);

#endif
