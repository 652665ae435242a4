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
 * X-Prometheus-Scrape-Timeout-Seconds, NULL when absent.
 * - target (required) is HOST:PORT or [V6]:PORT: one host and one port 1 to
 *   65535, no prefix, range or list; the host is a name or a literal made
 *   of [A-Za-z0-9._:-] (serve_host_ok), so no blank, control character or
 *   byte beyond ASCII anywhere in the target.
 * - module is [A-Za-z0-9_.-]{1,31} (serve_name_ok), "syn" when absent.
 * - debug is "true" or "false", false when absent.
 * - The header is decimal seconds as Prometheus writes them: digits,
 *   optionally a '.' and more digits ("10", "9.5"; no sign, exponent or
 *   blank), read to the millisecond (further digits ignored), saturating
 *   at UINT32_MAX ms. The budget, timeout_ms, is the header less
 *   SERVE_TIMEOUT_MARGIN_MS but at least SERVE_TIMEOUT_MIN_MS (a header of
 *   0.6 s or less gives 0.1 s); without the header, SERVE_TIMEOUT_DEFAULT_MS
 *   less the margin (9.5 s).
 * Returns 0 with q filled, or -1 with err the 400 answer's one line, which
 * quotes the input only as printable ASCII (q untouched then). */
int serve_query_parse(const char *target, const char *module, const char *debug,
		      const char *timeout_hdr, struct serve_query *q, char *err, size_t errlen);

#endif
