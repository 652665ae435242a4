/*
 * session: connect mode. For each target port, -c times, one connection made
 * of crafted segments: SYN, SYN-ACK, ACK, the --data, then the close that
 * --close asks for, with retransmission of our SYN, data and FIN. Every
 * segment both ways goes to connmodel, which judges the peer; the engine
 * only acts as a minimal, correct TCP endpoint would.
 *
 * Runs over a struct wire like probe.c, so unit tests can script it.
 */
#ifndef TCPSHAKE_SESSION_H
#define TCPSHAKE_SESSION_H

#include <signal.h>
#include <stdint.h>

#include <stdbool.h>

#include "core/connmodel.h"
#include "core/target.h"
#include "core/tcpopt.h"
#include "engine/wire.h"
#include "out/output.h"
#include "out/progress.h"

/* What connect mode needs of the command line, filled in by main: the
 * engine never sees the CLI's struct options. */
struct session_config {
	unsigned long count;               /* connections per target port; 0: until stopped */
	uint64_t interval_ns;              /* between connections to one target port */
	uint64_t timeout_ns;               /* -W: how long to wait for the peer */
	int64_t time_wait_ns;              /* --time-wait; -1: min(timeout, 1 s) */
	enum conn_close close;             /* --close */
	const char *data;                  /* --data, or NULL */
	bool print_data;                   /* keep the peer's bytes for the report */
	uint8_t ttl;
	struct syn_options syn;            /* what our SYN offers */
	const struct target_list *targets; /* resolved */
	const struct netaddr *src;         /* per target: our source address */
	const uint16_t *mss;               /* per target: MSS offered when the user set none */
	const uint16_t *mtu;               /* per target: our link's MTU (NULL: mss + headers) */
	uint16_t sport_base;               /* our source ports: one per connection, in turn */
	uint16_t nsports;
	uint32_t isn_seed;                 /* 0: random ISNs */
	uint32_t tsval_base;               /* our timestamp clock's offset */
	const struct progress_sink *progress; /* how far the run is; NULL: nobody asks */
};

struct session_result {
	size_t connections;   /* attempted */
	size_t good;          /* handshake ok and teardown conformant */
	size_t ports, ports_open, ports_closed, ports_filtered; /* target ports, by handshakes */
	uint64_t answered;    /* connections the peer answered (SYN-ACK, RST, ICMP) */
	int interrupted;
	unsigned long bad;    /* frames that failed to decode */
};

/* Run every connection (or until *stop). Returns 0, or -1 with err on a
 * runtime error (a send that kept failing, a capture error). */
int session_run(const struct session_config *cfg, const struct wire *w, struct output *out,
		const volatile sig_atomic_t *stop, struct session_result *res, char *err,
		size_t errlen);

#endif
