/*
 * http_front: the exporter's HTTP process, described in http_front.h.
 *
 * libmicrohttpd parses HTTP; this file routes four paths and keeps the
 * little state the process has: counters for /metrics, the last probes for
 * / and /logs, and how many requests and probes are in flight.
 *
 * Why thread-per-connection (MHD_USE_THREAD_PER_CONNECTION with the
 * internal polling thread) rather than a thread pool with suspend/resume:
 * a /probe request waits, for up to its scrape budget, on its answer from
 * the engine. With a thread of its own it simply blocks on a condition
 * variable (front_link.c) and answers when woken, in straight-line code;
 * suspend/resume would turn every endpoint into a state machine resumed
 * from the reader thread, for a load that does not need it (Prometheus
 * scrapes are counted in tens a second, not thousands). The connection
 * limit bounds the threads: twice --max-inflight plus a margin, so the
 * connections past --max-inflight still reach us and get their 503 rather
 * than a refused connection, and idle keep-alive connections time out.
 *
 * The listening socket is handed to libmicrohttpd as a duplicate, so the
 * caller's descriptor stays the caller's whatever libmicrohttpd closes on
 * its error paths. Stopping quiesces the daemon (no new connection),
 * waits until every request has been answered (counted from the first
 * call of the access handler to libmicrohttpd's completion notice) or
 * drain_max_ns passed, then wakes whatever still waits for the engine
 * (it answers 503) and stops the daemon.
 */
#include "config.h"
#include "sys/http_front.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/netaddr.h"
#include "core/serve_msg.h"
#include "core/serve_query.h"
#include "core/target.h"
#include "out/serve_page.h"
#include "sys/clock.h"
#include "sys/front_link.h"

/* How long past its budget a /probe request waits for the engine's DONE:
 * the engine answers within the budget, so this only covers its own
 * lateness (a busy machine) before the request gives up with 500. */
#define ANSWER_MARGIN_MS 2000u
/* How long / waits for the engine's list of modules. */
#define LIST_WAIT_NS 2000000000ull
/* Debug text kept per recent probe for /logs. */
#define RECENT_DEBUG_MAX (64u * 1024u)
/* Idle keep-alive connections are closed after this (seconds). */
#define CONNECTION_TIMEOUT_S 30u
/* Connections beyond 2 x --max-inflight, for /metrics, / and 503s. */
#define CONNECTION_MARGIN 16u
#define CONNECTION_LIMIT_MAX 4096u
/* A connection thread's stack: the handlers keep a few KiB on it,
 * getaddrinfo somewhat more. */
#define THREAD_STACK_BYTES (512u * 1024u)
/* After the drain bound: how long the requests woken to answer 503 get to
 * send it. */
#define ABORT_GRACE_NS 1000000000ull
/* How often the main thread looks at *stop and the engine. */
#define STOP_POLL_NS 100000000L
/* Module names counted in /metrics (only names the engine accepted). */
#define MODULES_COUNTED_MAX 256

/* One recent probe for / and /logs. */
struct recent {
	uint32_t id;
	int64_t when_ns;
	uint64_t duration_ns;
	char target[SERVE_HOST_MAX + 8];
	char module[SERVE_NAME_MAX];
	char result[24];
	char *debug; /* malloc'd, NUL-terminated, at most RECENT_DEBUG_MAX + a note */
};

struct front {
	const struct http_front_config *cfg;
	struct front_link *link;
	pthread_mutex_t mu;
	pthread_cond_t idle;  /* requests fell to 0 */
	unsigned requests;    /* between the handler's first call and completion */
	unsigned inflight;    /* /probe requests past the --max-inflight gate */
	bool stopping;
	struct serve_page_module_count mods[MODULES_COUNTED_MAX];
	size_t nmods;
	uint64_t refused[SERVE_REFUSED_N];
	uint64_t resolve_failures;
	uint64_t capture_drops;
	struct recent *recent; /* a ring of cfg->recent_max */
	size_t nrecent, recent_next;
	int64_t start_ns;
	char counted; /* its address is *req_cls of a counted request */
};

/* ---- answers ---------------------------------------------------------- */

/* A body written into memory, then handed to libmicrohttpd. */
struct body {
	char *p;
	size_t len;
	FILE *f;
};

static FILE *body_open(struct body *b)
{
	b->p = NULL;
	b->len = 0;
	b->f = open_memstream(&b->p, &b->len);
	return b->f;
}

/* Queue b (closed here, freed by libmicrohttpd) with the status, type and
 * an optional extra header. Every body ends with a newline. */
static enum MHD_Result body_send(struct MHD_Connection *c, unsigned status, const char *type,
				 struct body *b, const char *hname, const char *hvalue)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	if (b->f == NULL)
		return MHD_NO;
	if (b->len == 0 || b->p[b->len - 1] != '\n')
		fputc('\n', b->f);
	if (fclose(b->f) != 0) {
		free(b->p);
		return MHD_NO;
	}
	r = MHD_create_response_from_buffer(b->len, b->p, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(b->p);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (hname != NULL)
		MHD_add_response_header(r, hname, hvalue);
	ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result answer_line(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A one-line text/plain answer. */
static enum MHD_Result answer_line(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
	struct body b;
	va_list ap;

	if (body_open(&b) == NULL)
		return MHD_NO;
	va_start(ap, fmt);
	vfprintf(b.f, fmt, ap);
	va_end(ap);
	return body_send(c, status, "text/plain; charset=utf-8", &b, NULL, NULL);
}

/* ---- counters and the recent ring (under f->mu) ----------------------- */

static void refused(struct front *f, enum serve_refusal r)
{
	pthread_mutex_lock(&f->mu);
	f->refused[r]++;
	pthread_mutex_unlock(&f->mu);
}

/* The counter of a module name the engine accepted; NULL when the table
 * is full. Under f->mu. */
static struct serve_page_module_count *module_count(struct front *f, const char *name)
{
	for (size_t i = 0; i < f->nmods; i++)
		if (strcmp(f->mods[i].name, name) == 0)
			return &f->mods[i];
	if (f->nmods == MODULES_COUNTED_MAX)
		return NULL;
	struct serve_page_module_count *m = &f->mods[f->nmods++];
	memset(m, 0, sizeof(*m));
	serve_msg_text(m->name, sizeof(m->name), name);
	return m;
}

/* debug (len bytes, may be NULL) cut to RECENT_DEBUG_MAX with a note. */
static char *recent_debug_copy(const char *debug, size_t len, bool cut)
{
	static const char none[] = "(the probe wrote no debug text)\n";
	char *p;

	if (debug == NULL || len == 0)
		return strdup(none);
	size_t keep = len > RECENT_DEBUG_MAX ? RECENT_DEBUG_MAX : len;
	p = malloc(keep + 128);
	if (p == NULL)
		return NULL;
	memcpy(p, debug, keep);
	p[keep] = '\0';
	if (keep < len || cut)
		snprintf(p + keep, 128, "%s[cut: /logs keeps the first %u KiB of the debug text]\n",
			 p[keep - 1] == '\n' ? "" : "\n", RECENT_DEBUG_MAX / 1024u);
	return p;
}

/* Keep one probe for / and /logs; the oldest is forgotten. */
static void recent_add(struct front *f, uint32_t id, int64_t when_ns, uint64_t duration_ns,
		       const char *target, const char *module, const char *result, const char *debug,
		       size_t debug_len, bool cut)
{
	if (f->cfg->recent_max == 0)
		return;
	char *text = recent_debug_copy(debug, debug_len, cut);
	pthread_mutex_lock(&f->mu);
	struct recent *r = &f->recent[f->recent_next];
	free(r->debug);
	r->id = id;
	r->when_ns = when_ns;
	r->duration_ns = duration_ns;
	serve_msg_text(r->target, sizeof(r->target), target);
	serve_msg_text(r->module, sizeof(r->module), module);
	serve_msg_text(r->result, sizeof(r->result), result);
	r->debug = text;
	f->recent_next = (f->recent_next + 1) % f->cfg->recent_max;
	if (f->nrecent < f->cfg->recent_max)
		f->nrecent++;
	pthread_mutex_unlock(&f->mu);
}

/* The i-th newest recent probe (i < f->nrecent). Under f->mu. */
static const struct recent *recent_at(const struct front *f, size_t i)
{
	size_t max = f->cfg->recent_max;
	return &f->recent[(f->recent_next + max - 1 - i) % max];
}

/* ---- /probe ----------------------------------------------------------- */

/* Past the --max-inflight gate, or why not (a refusal, answered here). */
static bool probe_enter(struct front *f, struct MHD_Connection *c, enum MHD_Result *ok)
{
	enum serve_refusal why;

	pthread_mutex_lock(&f->mu);
	if (f->stopping)
		why = SERVE_REFUSED_DRAINING;
	else if (f->inflight >= f->cfg->max_inflight)
		why = SERVE_REFUSED_BUSY;
	else {
		f->inflight++;
		pthread_mutex_unlock(&f->mu);
		return true;
	}
	f->refused[why]++;
	pthread_mutex_unlock(&f->mu);
	if (why == SERVE_REFUSED_DRAINING)
		*ok = answer_line(c, MHD_HTTP_SERVICE_UNAVAILABLE, "tcpshake is shutting down");
	else
		*ok = answer_line(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "%u probes are in flight already (--max-inflight)", f->cfg->max_inflight);
	return false;
}

static void probe_leave(struct front *f)
{
	pthread_mutex_lock(&f->mu);
	f->inflight--;
	pthread_mutex_unlock(&f->mu);
}

/* A name that did not resolve: 200 with probe_success 0, as blackbox. */
static enum MHD_Result probe_unresolved(struct front *f, struct MHD_Connection *c, const char *target,
					const struct serve_query *q, const char *why, uint64_t t0,
					int64_t when)
{
	uint64_t duration = clock_monotonic_ns() - t0;
	struct body b;

	recent_add(f, front_link_next_id(f->link), when, duration, target, q->module, "unresolved", why,
		   strlen(why), false);
	pthread_mutex_lock(&f->mu);
	f->resolve_failures++;
	pthread_mutex_unlock(&f->mu);
	if (body_open(&b) == NULL)
		return MHD_NO;
	if (q->debug)
		fprintf(b.f, "%s\n", why);
	else
		serve_page_unresolved(b.f, why, duration);
	return body_send(c, MHD_HTTP_OK, q->debug ? "text/plain; charset=utf-8" : SERVE_PAGE_PROM_TYPE,
			 &b, NULL, NULL);
}

/* The HTTP status, refusal and line for a probe that did not run. */
struct refusal {
	unsigned status;
	enum serve_refusal reason;
	bool module_valid; /* the engine knows the module (cardinality) */
	char line[SERVE_TEXT_MAX + 64];
};

static void refusal_of(enum front_outcome out, const struct front_answer *a, uint32_t timeout_ms,
		       struct refusal *r)
{
	if (out == FRONT_GONE) {
		*r = (struct refusal){ MHD_HTTP_SERVICE_UNAVAILABLE, SERVE_REFUSED_ERROR, false, "" };
		snprintf(r->line, sizeof(r->line), "the probe engine is gone");
		return;
	}
	if (out == FRONT_TIMEOUT) {
		*r = (struct refusal){ MHD_HTTP_INTERNAL_SERVER_ERROR, SERVE_REFUSED_ERROR, false, "" };
		snprintf(r->line, sizeof(r->line), "the probe engine did not answer within %" PRIu32 " ms",
			 timeout_ms + ANSWER_MARGIN_MS);
		return;
	}
	if (out == FRONT_ABORTED) {
		*r = (struct refusal){ MHD_HTTP_SERVICE_UNAVAILABLE, SERVE_REFUSED_DRAINING, false, "" };
		snprintf(r->line, sizeof(r->line), "tcpshake is shutting down");
		return;
	}
	switch (a->status) {
	case SSTAT_BAD_MODULE:
		*r = (struct refusal){ MHD_HTTP_BAD_REQUEST, SERVE_REFUSED_BAD_MODULE, false, "" };
		break;
	case SSTAT_FORBIDDEN:
		*r = (struct refusal){ MHD_HTTP_FORBIDDEN, SERVE_REFUSED_FORBIDDEN, true, "" };
		break;
	case SSTAT_BUSY:
		*r = (struct refusal){ MHD_HTTP_SERVICE_UNAVAILABLE, SERVE_REFUSED_BUSY, true, "" };
		break;
	case SSTAT_DRAINING:
		*r = (struct refusal){ MHD_HTTP_SERVICE_UNAVAILABLE, SERVE_REFUSED_DRAINING, false, "" };
		break;
	default:
		*r = (struct refusal){ MHD_HTTP_INTERNAL_SERVER_ERROR, SERVE_REFUSED_ERROR, false, "" };
		break;
	}
	snprintf(r->line, sizeof(r->line), "%s",
		 a->message[0] != '\0' ? a->message : serve_status_name(a->status));
}

/* The engine ran the probe: count it, keep it, answer its output. */
static enum MHD_Result probe_ran(struct front *f, struct MHD_Connection *c, const char *target,
				 const struct serve_query *q, const struct front_answer *a, int64_t when)
{
	struct body b;

	pthread_mutex_lock(&f->mu);
	struct serve_page_module_count *m = module_count(f, q->module);
	if (m != NULL) {
		if (a->success)
			m->success++;
		else
			m->failure++;
	}
	f->capture_drops = a->capture_drops;
	pthread_mutex_unlock(&f->mu);
	recent_add(f, a->id, when, a->duration_ns, target, q->module, a->success ? "success" : "failure",
		   a->debug, a->debug_len, a->cut);

	if (body_open(&b) == NULL)
		return MHD_NO;
	const char *text = q->debug ? a->debug : a->metrics;
	size_t len = q->debug ? a->debug_len : a->metrics_len;
	if (text != NULL)
		fwrite(text, 1, len, b.f);
	if (a->cut)
		fprintf(b.f, "%s# tcpshake: output cut at %u MiB\n",
			len > 0 && text[len - 1] != '\n' ? "\n" : "", FRONT_STREAM_MAX >> 20);
	return body_send(c, MHD_HTTP_OK, q->debug ? "text/plain; charset=utf-8" : SERVE_PAGE_PROM_TYPE, &b,
			 NULL, NULL);
}

/* Resolve, ask the engine, answer. Past the --max-inflight gate. */
static enum MHD_Result probe_run(struct front *f, struct MHD_Connection *c, const char *target,
				 const struct serve_query *q)
{
	uint64_t t0 = clock_monotonic_ns();
	int64_t when = (int64_t)clock_realtime_ns();
	struct netaddr addr;
	char why[SERVE_TEXT_MAX];
	struct serve_msg m;
	struct front_answer a;
	struct refusal r;

	if (target_resolve(q->host, AF_UNSPEC, &addr, why, sizeof(why)) != 0)
		return probe_unresolved(f, c, target, q, why, t0, when);

	serve_msg_init(&m, SMSG_PROBE, 0);
	serve_msg_text(m.u.probe.module, sizeof(m.u.probe.module), q->module);
	serve_msg_text(m.u.probe.host, sizeof(m.u.probe.host), q->host);
	m.u.probe.addr = addr;
	m.u.probe.port = q->port;
	m.u.probe.timeout_ms = q->timeout_ms;
	enum front_outcome out =
		front_link_probe(f->link, &m, ((uint64_t)q->timeout_ms + ANSWER_MARGIN_MS) * 1000000u, &a);
	if (out == FRONT_ANSWERED && a.status == SSTAT_OK) {
		enum MHD_Result ok = probe_ran(f, c, target, q, &a, when);
		front_answer_free(&a);
		return ok;
	}
	refusal_of(out, &a, q->timeout_ms, &r);
	front_answer_free(&a);
	pthread_mutex_lock(&f->mu);
	f->refused[r.reason]++;
	if (r.module_valid)
		(void)module_count(f, q->module);
	pthread_mutex_unlock(&f->mu);
	recent_add(f, a.id, when, clock_monotonic_ns() - t0, target, q->module,
		   out == FRONT_ANSWERED ? serve_status_name(a.status) : "error", r.line, strlen(r.line),
		   false);
	return answer_line(c, r.status, "%s", r.line);
}

static enum MHD_Result on_probe(struct front *f, struct MHD_Connection *c)
{
	const char *target = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "target");
	const char *module = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "module");
	const char *debug = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "debug");
	const char *timeout =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Prometheus-Scrape-Timeout-Seconds");
	struct serve_query q;
	char err[SERVE_TEXT_MAX];
	enum MHD_Result ok = MHD_NO;

	if (serve_query_parse(target, module, debug, timeout, &q, err, sizeof(err)) != 0) {
		refused(f, SERVE_REFUSED_BAD_REQUEST);
		return answer_line(c, MHD_HTTP_BAD_REQUEST, "%s", err);
	}
	if (!probe_enter(f, c, &ok))
		return ok;
	ok = probe_run(f, c, target, &q);
	probe_leave(f);
	return ok;
}

/* ---- /metrics, /, /logs ----------------------------------------------- */

static enum MHD_Result on_metrics(struct front *f, struct MHD_Connection *c)
{
	struct serve_page_counts k;
	struct body b;
	struct serve_page_module_count *mods = malloc(sizeof(f->mods));

	if (mods == NULL)
		return MHD_NO;
	pthread_mutex_lock(&f->mu);
	memcpy(mods, f->mods, sizeof(f->mods));
	k = (struct serve_page_counts){
		.modules = mods,
		.nmodules = f->nmods,
		.inflight = f->inflight,
		.resolve_failures = f->resolve_failures,
		.capture_drops = f->capture_drops,
		.version = PACKAGE_VERSION,
		.start_ns = f->start_ns,
	};
	memcpy(k.refused, f->refused, sizeof(k.refused));
	pthread_mutex_unlock(&f->mu);
	if (body_open(&b) == NULL) {
		free(mods);
		return MHD_NO;
	}
	serve_page_metrics(b.f, &k);
	free(mods);
	return body_send(c, MHD_HTTP_OK, SERVE_PAGE_PROM_TYPE, &b, NULL, NULL);
}

static enum MHD_Result on_page(struct front *f, struct MHD_Connection *c)
{
	struct front_module *mods = NULL;
	size_t nmods = 0;
	enum front_outcome out = front_link_list(f->link, LIST_WAIT_NS, &mods, &nmods);
	struct serve_page_module *pm = calloc(nmods + 1, sizeof(*pm));
	struct recent *copy = calloc(f->cfg->recent_max + 1, sizeof(*copy));
	struct serve_page_probe *pp = calloc(f->cfg->recent_max + 1, sizeof(*pp));
	enum MHD_Result ok = MHD_NO;
	struct body b;
	size_t n = 0;

	if (pm == NULL || copy == NULL || pp == NULL)
		goto done;
	for (size_t i = 0; i < nmods; i++)
		pm[i] = (struct serve_page_module){ mods[i].name, mods[i].summary };
	pthread_mutex_lock(&f->mu);
	for (n = 0; n < f->nrecent; n++) {
		copy[n] = *recent_at(f, n);
		copy[n].debug = NULL;
	}
	pthread_mutex_unlock(&f->mu);
	for (size_t i = 0; i < n; i++)
		pp[i] = (struct serve_page_probe){ copy[i].id, copy[i].when_ns, copy[i].target, copy[i].module,
						   copy[i].result, copy[i].duration_ns };
	struct serve_page_view v = {
		.version = PACKAGE_VERSION,
		.modules_known = out == FRONT_ANSWERED,
		.modules = pm,
		.nmodules = nmods,
		.probes = pp,
		.nprobes = n,
		.recent_max = f->cfg->recent_max,
	};
	if (body_open(&b) != NULL) {
		serve_page_html(b.f, &v);
		ok = body_send(c, MHD_HTTP_OK, "text/html; charset=utf-8", &b, NULL, NULL);
	}
done:
	free(mods);
	free(pm);
	free(copy);
	free(pp);
	return ok;
}

static enum MHD_Result on_logs(struct front *f, struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "id");
	char *text = NULL;
	unsigned long id = 0;
	size_t i;

	if (v == NULL || v[0] == '\0' || strspn(v, "0123456789") != strlen(v) || strlen(v) > 10 ||
	    (id = strtoul(v, NULL, 10)) > UINT32_MAX)
		return answer_line(c, MHD_HTTP_BAD_REQUEST, "/logs wants id=N, the number the page links to");
	pthread_mutex_lock(&f->mu);
	for (i = 0; i < f->nrecent; i++) {
		const struct recent *r = recent_at(f, i);
		if (r->id == id) {
			text = r->debug != NULL ? strdup(r->debug) : NULL;
			break;
		}
	}
	bool found = i < f->nrecent;
	pthread_mutex_unlock(&f->mu);
	if (!found)
		return answer_line(c, MHD_HTTP_NOT_FOUND, "no recent probe %lu: the page keeps the last %zu", id,
				   f->cfg->recent_max);
	if (text == NULL)
		return MHD_NO;
	struct body b;
	if (body_open(&b) == NULL) {
		free(text);
		return MHD_NO;
	}
	fputs(text, b.f);
	free(text);
	return body_send(c, MHD_HTTP_OK, "text/plain; charset=utf-8", &b, NULL, NULL);
}

/* ---- libmicrohttpd's callbacks ---------------------------------------- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	struct front *f = cls;
	struct body b;

	(void)version;
	(void)upload_data;
	if (*req_cls != NULL) {
		/* A request body nobody asked for: its answer is queued already. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	*req_cls = &f->counted;
	pthread_mutex_lock(&f->mu);
	f->requests++;
	pthread_mutex_unlock(&f->mu);

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		if (body_open(&b) == NULL)
			return MHD_NO;
		fputs("only GET and HEAD are served", b.f);
		return body_send(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", &b,
				 MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	}
	if (strcmp(url, "/probe") == 0)
		return on_probe(f, c);
	if (strcmp(url, "/metrics") == 0)
		return on_metrics(f, c);
	if (strcmp(url, "/") == 0)
		return on_page(f, c);
	if (strcmp(url, "/logs") == 0)
		return on_logs(f, c);
	return answer_line(c, MHD_HTTP_NOT_FOUND, "not found: tcpshake serves /probe, /metrics, / and /logs");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct front *f = cls;

	(void)c;
	(void)toe;
	if (*req_cls != &f->counted)
		return;
	*req_cls = NULL;
	pthread_mutex_lock(&f->mu);
	if (--f->requests == 0)
		pthread_cond_broadcast(&f->idle);
	pthread_mutex_unlock(&f->mu);
}

/* libmicrohttpd's errors, one stderr line each. fmt is the library's own
 * format string (the attribute lets clang check vsnprintf against it). */
__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt,
							      va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	for (char *p = line; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	fprintf(stderr, "tcpshake: http: %s\n", line);
}

/* ---- the process ------------------------------------------------------ */

static void front_free(struct front *f)
{
	if (f == NULL)
		return;
	front_link_free(f->link);
	for (size_t i = 0; f->recent != NULL && i < f->cfg->recent_max; i++)
		free(f->recent[i].debug);
	free(f->recent);
	pthread_cond_destroy(&f->idle);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

static struct front *front_new(const struct http_front_config *cfg, char *err, size_t errlen)
{
	struct front *f = calloc(1, sizeof(*f));
	pthread_condattr_t ca;

	if (f == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->cfg = cfg;
	f->start_ns = (int64_t)clock_realtime_ns();
	pthread_mutex_init(&f->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->idle, &ca);
	pthread_condattr_destroy(&ca);
	f->recent = calloc(cfg->recent_max + 1, sizeof(*f->recent));
	if (f->recent == NULL) {
		snprintf(err, errlen, "out of memory");
		front_free(f);
		return NULL;
	}
	f->link = front_link_new(cfg->engine_fd, err, errlen);
	if (f->link == NULL) {
		front_free(f);
		return NULL;
	}
	return f;
}

/* Wait up to wait_ns for every request to be answered; whether they were. */
static bool wait_idle(struct front *f, uint64_t wait_ns)
{
	struct timespec until = clock_timespec(clock_monotonic_ns() + wait_ns);

	pthread_mutex_lock(&f->mu);
	while (f->requests > 0)
		if (pthread_cond_timedwait(&f->idle, &f->mu, &until) == ETIMEDOUT)
			break;
	bool idle = f->requests == 0;
	pthread_mutex_unlock(&f->mu);
	return idle;
}

/* Wait until no request is left or drain_max_ns passed; whatever still
 * waits for the engine is then woken to answer 503, and given a moment to
 * send it before the daemon stops and cuts the connections. */
static void drain(struct front *f)
{
	if (wait_idle(f, f->cfg->drain_max_ns))
		return;
	front_link_abort(f->link);
	(void)wait_idle(f, ABORT_GRACE_NS);
}

static unsigned connection_limit(unsigned max_inflight)
{
	uint64_t n = 2 * (uint64_t)max_inflight + CONNECTION_MARGIN;
	return n > CONNECTION_LIMIT_MAX ? CONNECTION_LIMIT_MAX : (unsigned)n;
}

int http_front_run(const struct http_front_config *c, char *err, size_t errlen)
{
	struct front *f = front_new(c, err, errlen);
	struct timespec tick = { 0, STOP_POLL_NS };

	if (f == NULL)
		return -1;
	int fd = fcntl(c->listen_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot duplicate the listening socket: %s", strerror(errno));
		front_free(f);
		return -1;
	}
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL | MHD_USE_ITC |
			MHD_USE_ERROR_LOG,
		0, NULL, NULL, on_request, f,
		/* First, so that every later message goes through it. */
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
		MHD_OPTION_CONNECTION_LIMIT, connection_limit(c->max_inflight),
		MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT_S,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, f,
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)THREAD_STACK_BYTES,
		MHD_OPTION_END);
	if (d == NULL) {
		/* Some of libmicrohttpd's error paths close it, some do not;
		 * nothing else runs yet that could have reused the number. */
		if (fcntl(fd, F_GETFD) != -1)
			close(fd);
		snprintf(err, errlen, "libmicrohttpd cannot serve on the listening socket");
		front_free(f);
		return -1;
	}
	while (!*c->stop && !front_link_gone(f->link))
		nanosleep(&tick, NULL);

	pthread_mutex_lock(&f->mu);
	f->stopping = true;
	pthread_mutex_unlock(&f->mu);
	MHD_socket quiet = MHD_quiesce_daemon(d);
	drain(f);
	MHD_stop_daemon(d);
	if (quiet != MHD_INVALID_SOCKET)
		close(quiet); /* a quiesced daemon leaves it to us */
	front_free(f);
	return 0;
}
