/*
 * http_front: the exporter's HTTP process, on libmicrohttpd. Runs without any
 * capability as an unprivileged user; it parses queries (serve_query.h),
 * resolves names, and asks the engine process for everything else over the
 * socketpair (serve_msg.h). Endpoints: /probe, /metrics, /, /logs.
 */
#ifndef TCPSHAKE_HTTP_FRONT_H
#define TCPSHAKE_HTTP_FRONT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct http_front_config {
	int listen_fd;        /* bound and listening; handed to libmicrohttpd */
	int engine_fd;        /* the HTTP side's socketpair end */
	unsigned max_inflight;/* probes at once; more get 503 without asking the engine */
	size_t recent_max;    /* probes the / page lists (and /logs keeps) */
	const volatile sig_atomic_t *stop; /* set: stop accepting, drain, return */
	uint64_t drain_max_ns;
};

/* Serve until *stop or until the engine closes its end, then finish the
 * requests in flight (bounded by drain_max_ns). Returns 0, or -1 with err
 * when libmicrohttpd cannot start. */
int http_front_run(const struct http_front_config *c, char *err, size_t errlen);

#endif
