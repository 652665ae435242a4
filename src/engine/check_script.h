/*
 * check_script: a conformance check written as a script (share/checks/,
 * core/script.h) rather than as a C procedure. The script's header names
 * the check (id, ref, title), says which port it runs against (target:
 * open or closed) and what it needs of the server (needs: data); the script
 * itself is the exchange and the expectation. Running it is script mode's
 * runner (engine/script_run.h) on conform's endpoint, and its result
 * becomes a check result like a builtin one's: pass, fail with the failing
 * line ("FILE:LINE: field: expected E, got A"), skip, error.
 */
#ifndef TCPSHAKE_CHECK_SCRIPT_H
#define TCPSHAKE_CHECK_SCRIPT_H

#include <stddef.h>

#include "core/script.h"
#include "engine/checks.h"
#include "engine/cx.h"

/* Fill d for the parsed script s (which must outlive d): id, ref and what
 * from its header, needs_closed from its target, needs_guard when it
 * answers a SYN-ACK of the peer (a connection our kernel would reset), slow
 * when it waits 2 s or more in silence. Returns 0, or -1 with one line in
 * err when the header lacks the id, ref or title. */
int check_script_def(const struct script *s, struct check_def *d, char *err, size_t errlen);

/* Run the script check d against cx (its open port, or its closed port
 * for target: closed) and decide v. data is --data: a check that needs
 * data is skipped without it. Errors of the run itself are v's; a runtime
 * error that ends the suite sets cx->failed. */
void check_script_run(struct cx *cx, const struct check_def *d, const char *data, struct verdict *v);

#endif
