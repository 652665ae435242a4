/*
 * serve: one exporter probe. A module run against one target over a wire
 * (a wire_mux view), its output written twice: the exposition a /probe
 * answers with (probe_success and probe_duration_seconds, blackbox_exporter's
 * names, then the tcpshake_* families of --format prom) and the debug text
 * (the text format with --trace) that &debug=true and the / page show.
 */
#ifndef TCPSHAKE_SERVE_H
#define TCPSHAKE_SERVE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/module.h"
#include "core/netaddr.h"
#include "core/serve_msg.h"
#include "engine/wire.h"

struct serve_target {
	const char *host;     /* as the query wrote it: the host label */
	struct netaddr addr;
	uint16_t port;
	struct netaddr src;   /* our source address (the route's) */
	uint16_t mss, mtu;    /* the route's */
};

struct serve_result {
	bool success;         /* syn: the port answered open; connect: every handshake ok */
	uint64_t duration_ns; /* the probe's, first send to its end */
	char *metrics;        /* malloc'd, metrics_len bytes (NUL-terminated) */
	size_t metrics_len;
	char *debug;          /* malloc'd, debug_len bytes (NUL-terminated) */
	size_t debug_len;
	char error[SERVE_TEXT_MAX]; /* a runtime error (the probe failed), or "" */
};

/* Run m against t over w with source ports [sport_base, + nsports), until
 * its end or *stop. Returns 0 with res filled (a target that did not answer
 * is success false, not an error), or -1 with res->error (a send or capture
 * error; res's texts still filled when memory allowed). */
int serve_probe_run(const struct module *m, const struct serve_target *t, const struct wire *w,
		    uint16_t sport_base, uint16_t nsports, const volatile sig_atomic_t *stop,
		    struct serve_result *res);
void serve_result_free(struct serve_result *res);

#endif
