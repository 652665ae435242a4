/*
 * serve_query: the values of a /probe request, checked. libmicrohttpd has
 * already split and unescaped the query string; this says whether what it
 * holds is one target, a module name and a debug flag we accept, and turns
 * Prometheus's scrape timeout header into the probe's budget. Pure: a
 * failure is the one line the 400 answer carries.
 */
#ifndef TCPSHAKE_SERVE_QUERY_H
#define TCPSHAKE_SERVE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/serve_msg.h"

/* Taken off the scrape timeout so the answer is back before Prometheus
 * gives up (blackbox_exporter's default --timeout-offset). */
#define SERVE_TIMEOUT_MARGIN_MS 500
/* The budget when Prometheus sent no header (its default scrape timeout). */
#define SERVE_TIMEOUT_DEFAULT_MS 10000
/* The least budget a probe gets, however short the scrape timeout. */
#define SERVE_TIMEOUT_MIN_MS 100

struct serve_query {
	char host[SERVE_HOST_MAX]; /* a name or a literal, brackets removed */
	uint16_t port;
	char module[SERVE_NAME_MAX]; /* "syn" when the query named none */
	bool debug;
	uint32_t timeout_ms;
};

/* target, module, debug: the query's values, NULL when absent; timeout_hdr:
 * X-Prometheus-Scrape-Timeout-Seconds, NULL when absent. target is HOST:PORT
 * or [V6]:PORT: one host and one port, no prefix, range or list. module is
 * [A-Za-z0-9_.-]{1,31}. debug is "true" or "false". The budget is the header
 * less SERVE_TIMEOUT_MARGIN_MS, at least SERVE_TIMEOUT_MIN_MS. Returns 0, or
 * -1 with err. */
int serve_query_parse(const char *target, const char *module, const char *debug,
		      const char *timeout_hdr, struct serve_query *q, char *err, size_t errlen);

#endif
