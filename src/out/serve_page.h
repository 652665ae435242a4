/*
 * serve_page: what the exporter's HTTP process writes itself, as opposed to
 * a probe's own output (which the engine writes): the HTML page at /, the
 * exporter's own metrics at /metrics, and the answer for a target whose
 * name did not resolve (blackbox_exporter's shape: probe_success 0 and a
 * comment saying why). Pure functions of value structs onto a stream, so
 * the unit tests pin escaping and spelling without a socket; the HTTP
 * process (sys/http_front.c) snapshots its state under its lock, renders
 * into a memory stream and answers with the bytes.
 */
#ifndef TCPSHAKE_SERVE_PAGE_H
#define TCPSHAKE_SERVE_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/serve_msg.h"

/* The Content-Type of a Prometheus text exposition. */
#define SERVE_PAGE_PROM_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* One recent probe, as the page lists it. Strings are borrowed. */
struct serve_page_probe {
	uint32_t id;          /* its /logs?id= */
	int64_t when_ns;      /* when it was asked for, ns since the Unix epoch */
	const char *target;   /* as the query wrote it */
	const char *module;
	const char *result;   /* "success", "failure", "forbidden", "unresolved"... */
	uint64_t duration_ns;
};

/* One module, as the engine's LIST answer named it. Strings are borrowed. */
struct serve_page_module {
	const char *name;
	const char *summary; /* module_summary's line */
};

struct serve_page_view {
	const char *version;
	bool modules_known; /* false: the engine did not answer the LIST */
	const struct serve_page_module *modules;
	size_t nmodules;
	const struct serve_page_probe *probes; /* newest first */
	size_t nprobes;
	size_t recent_max; /* how many the page keeps, for its sentence */
};

/* The page at /: title, the modules, the recent probes (each linking to
 * /logs?id=N), a link to /metrics. Every string of the view is HTML-escaped. */
void serve_page_html(FILE *f, const struct serve_page_view *v);

/* s with & < > " ' written as entities. */
void serve_page_html_escape(FILE *f, const char *s);

/* Why a /probe request got no probe: the reason label of
 * tcpshake_exporter_refused_total. */
enum serve_refusal {
	SERVE_REFUSED_BAD_REQUEST, /* the query did not parse (400) */
	SERVE_REFUSED_FORBIDDEN,   /* outside the allow list (403) */
	SERVE_REFUSED_BUSY,        /* too many in flight (503) */
	SERVE_REFUSED_DRAINING,    /* shutting down (503) */
	SERVE_REFUSED_ERROR,       /* the engine failed, went away or was late (500, 503) */
	SERVE_REFUSED_BAD_MODULE,  /* the engine knows no such module (400) */
	SERVE_REFUSED_N
};

/* "bad_request" "forbidden" "busy" "draining" "error" "bad_module". */
const char *serve_refusal_name(enum serve_refusal r);

/* Probes of one module that ran, by result. */
struct serve_page_module_count {
	char name[SERVE_NAME_MAX];
	uint64_t success, failure;
};

/* The exporter's own counters, a snapshot. */
struct serve_page_counts {
	const struct serve_page_module_count *modules; /* names the engine accepted */
	size_t nmodules;
	unsigned inflight;                 /* probes waiting for the engine now */
	uint64_t refused[SERVE_REFUSED_N];
	uint64_t resolve_failures;         /* answered probe_success 0: no address */
	uint64_t capture_drops;            /* the latest probe's report of the capture's drops */
	const char *version;
	int64_t start_ns;                  /* when the HTTP process started serving, ns since the epoch */
};

/* The /metrics exposition: every family with HELP and TYPE, every refusal
 * reason even at 0. A module whose name is not serve_name_ok is left out
 * (names are label values, and such a name never reaches the table). */
void serve_page_metrics(FILE *f, const struct serve_page_counts *c);

/* The /probe answer for a target whose name did not resolve, as
 * blackbox_exporter gives it: a comment with why (one line, made so),
 * probe_success 0 and probe_duration_seconds. */
void serve_page_unresolved(FILE *f, const char *why, uint64_t duration_ns);

#endif
