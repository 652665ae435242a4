/*
 * run_config: the CLI's options turned into each engine's own config. The
 * engines never see struct options; main (and the tests that drive an
 * engine through the command line) fill their configs here, so the mapping
 * is written once.
 */
#ifndef TCPSHAKE_RUN_CONFIG_H
#define TCPSHAKE_RUN_CONFIG_H

#include "core/cli.h"
#include "engine/session.h"

/* Fill what connect mode takes from the command line. The per-target
 * fields (targets, src, mss, mtu, ports, seeds) stay the caller's. */
void run_session_options(const struct options *o, struct session_config *sc);

#endif
