/*
 * checks: conform mode's suite. Each check has a stable id, the RFC
 * requirement it tests, one line of what it does, and either a run function
 * that crafts segments through cx and decides with a verdict function
 * (verdict.h): the builtin checks, the ones that measure or need bytes a
 * script cannot write; or a script (share/checks/ID.tcps, engine/
 * check_script.h): the fixed exchanges. Checks that take many seconds are
 * marked slow. checks_all() lists the builtin ones; the runner adds the
 * scripts it loaded.
 */
#ifndef TCPSHAKE_CHECKS_H
#define TCPSHAKE_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/script.h"
#include "core/verdict.h"
#include "engine/cx.h"

struct check_def {
	const char *id;
	const char *ref;
	const char *what;
	bool slow;
	bool needs_closed; /* needs a closed port of the host */
	/* Needs the peer to keep the connection (or half-open entry) the check
	 * crafts: without the RST guard our own kernel resets it. */
	bool needs_guard;
	/* Needs a server that keeps the connection open: one whose
	 * application closes on its own (check_premise.h) denies the premise
	 * and the check is skipped. */
	bool needs_open;
	/* Run against cx; fill v. data is --data (may be NULL). NULL for a
	 * script check. */
	void (*run)(struct cx *cx, const char *data, struct verdict *v);
	/* A script check: the script (id, ref and what point into its
	 * header); NULL for a builtin one. */
	const struct script *script;
};

/* "script" or "builtin", for --list-checks. */
const char *check_kind_name(const struct check_def *d);

/* For the builtin checks' run functions: v becomes an error with cx's
 * reason ("interrupted" when it has none). */
void checks_error(struct cx *cx, struct verdict *v);
/* A connection to the port under test with our SYN options (opt NULL: as
 * Linux's), for the checks that need one. False with v set to an error when
 * there is none (the port answered the runner's handshake moments ago). */
bool checks_connect(struct cx *cx, const uint8_t *opt, uint8_t optlen, struct cx_conn *c,
		    struct verdict *v);

/* The builtin checks, in the order they run. */
const struct check_def *checks_all(size_t *n);
/* A check by id, or NULL. */
const struct check_def *checks_find(const char *id);

#endif
