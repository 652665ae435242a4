/*
 * run_serve: `tcpshake --serve`, composed. Reads the configuration, opens
 * everything privileged, splits into the HTTP process and the probe engine
 * (sys/privsep.h), and runs the engine until a signal ends it. Like main.c
 * this is the composing layer and may include every layer.
 */
#ifndef TCPSHAKE_RUN_SERVE_H
#define TCPSHAKE_RUN_SERVE_H

#include <signal.h>

#include "core/cli.h"

/* The flags main's signal handlers set: stop (SIGINT, SIGTERM) and reload
 * (SIGHUP). */
struct serve_signals {
	volatile sig_atomic_t *stop;
	volatile sig_atomic_t *reload;
};

/* Run the exporter. Returns the exit status: 0 after a drain on SIGTERM or
 * SIGINT; 2 when it could not start (one line on stderr); 1 when it ended
 * on a runtime error. */
int run_serve(const struct options *o, const struct serve_signals *sig);

#endif
