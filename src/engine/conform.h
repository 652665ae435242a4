/*
 * conform: conform mode's runner. For each target port: measure the RTT
 * with one handshake, find a closed port of the host when a check needs one
 * (or try the one given), then run the chosen checks of checks.h in order
 * and report each as a check event with its evidence. A check that a
 * condition of our own side makes meaningless (no closed port that answers,
 * no RST guard) is skipped with the reason, never run to a false fail.
 *
 * Its config is its own, filled in by main: the few settings it reads,
 * copied, so the engine does not depend on the command line's shape.
 */
#ifndef TCPSHAKE_CONFORM_H
#define TCPSHAKE_CONFORM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/checks.h"
#include "out/output.h"
#include "out/progress.h"
#include "core/target.h"
#include "engine/wire.h"

struct conform_config {
	const struct target_list *targets;
	const struct netaddr *src;
	const uint16_t *mss;
	const uint16_t *mtu; /* per target: our link's MTU (NULL: mss + headers) */
	uint16_t sport_base, nsports;
	uint32_t tsval_base;
	uint8_t ttl;          /* of our segments */
	uint16_t closed_port; /* a closed port of the host to use; 0: find one */
	const char *data;     /* request bytes for the checks that send some; NULL: ours */
	bool quiet;           /* no "slow check" notes */
	bool guarded;         /* the RST guard keeps our kernel from resetting
			       * crafted connections: checks marked needs_guard
			       * are skipped without it */
	const struct check_def *const *checks; /* the checks to run, in order */
	size_t nchecks;
	const struct progress_sink *progress; /* how far the suite is, and the notes
					       * of slow checks; NULL: nobody asks */
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
