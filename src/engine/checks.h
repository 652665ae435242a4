/*
 * checks: conform mode's suite. Each check has a stable id, the RFC
 * requirement it tests, one line of what it does, and a run function that
 * crafts segments through cx and decides with a verdict function
 * (verdict.h). Checks that take many seconds are marked slow.
 */
#ifndef TCPSHAKE_CHECKS_H
#define TCPSHAKE_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/cx.h"
#include "core/verdict.h"

struct check_def {
	const char *id;
	const char *ref;
	const char *what;
	bool slow;
	bool needs_closed; /* needs a closed port of the host */
	/* Needs the peer to keep the connection (or half-open entry) the check
	 * crafts: without the RST guard our own kernel resets it. */
	bool needs_guard;
	/* Run against cx; fill v. data is --data (may be NULL). */
	void (*run)(struct cx *cx, const char *data, struct verdict *v);
};

/* The suite, in the order it runs. */
const struct check_def *checks_all(size_t *n);
/* A check by id, or NULL. */
const struct check_def *checks_find(const char *id);

#endif
