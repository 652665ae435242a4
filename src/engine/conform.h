/*
 * conform: conform mode's runner. For each target port: find a closed port
 * of the host when a check needs one (or take --closed-port), measure the
 * RTT with one handshake, then run the chosen checks of checks.h in order
 * and report each as a check event with its evidence.
 */
#ifndef TCPSHAKE_CONFORM_H
#define TCPSHAKE_CONFORM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/checks.h"
#include "core/cli.h"
#include "out/output.h"
#include "core/target.h"
#include "engine/wire.h"

struct conform_config {
	const struct options *opt;
	const struct target_list *targets;
	const struct netaddr *src;
	const uint16_t *mss;
	const uint16_t *mtu; /* per target: our link's MTU (NULL: mss + headers) */
	uint16_t sport_base, nsports;
	uint32_t tsval_base;
	const struct check_def *const *checks; /* the checks to run, in order */
	size_t nchecks;
};

struct conform_result {
	size_t run, passed, failed, skipped, errors;
	int interrupted;
	unsigned long bad;
};

int conform_run(const struct conform_config *cfg, const struct wire *w, struct output *out,
		const volatile sig_atomic_t *stop, struct conform_result *res, char *err,
		size_t errlen);

#endif
