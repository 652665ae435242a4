/*
 * Unit tests for http_front: http_front_run in a thread on a listening
 * socket bound to 127.0.0.1 port 0, a fake engine thread on the other end
 * of the socketpair answering PROBE and LIST as serve_msg.h says (its
 * answer chosen by the module name: "forbid" is refused, "hold" waits
 * until the test releases it, "silent" never answers...), and a tiny
 * HTTP/1.1 client over a plain socket (Connection: close, read to EOF).
 *
 * Nothing is timed against the wall clock: where the test needs the front
 * to be in a state (two probes held), it waits, with a generous bound, on
 * the fake engine having seen them; where it checks that something did not
 * happen yet (the front returning while a probe is held), the check cannot
 * fail on a slow machine, only on a wrong front.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/serve_msg.h"
#include "core/serve_query.h"
#include "sys/http_front.h"

#define MAX_INFLIGHT 2
#define RECENT_MAX 4
/* Bounds on waits that only a broken front reaches. */
#define WAIT_S 30

/* ---- the fake engine -------------------------------------------------- */

struct engine {
	int fd;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool quit;
	uint32_t held[8]; /* ids of "hold" probes not answered yet */
	char held_host[8][SERVE_HOST_MAX];
	size_t nheld;
	unsigned probes;  /* PROBEs seen */
	unsigned lists;
	char bad[200];    /* why the first message that failed serve_msg_check failed */
};

static void send_msg(struct engine *e, const struct serve_msg *m)
{
	ssize_t n = send(e->fd, m, sizeof(*m), MSG_NOSIGNAL);
	(void)n; /* the front may be gone already in the shutdown tests */
}

static void send_chunks(struct engine *e, uint32_t id, enum serve_stream stream, const char *text)
{
	size_t len = strlen(text);
	for (size_t off = 0; off < len; off += SERVE_CHUNK_MAX) {
		struct serve_msg m;
		serve_msg_init(&m, SMSG_CHUNK, id);
		size_t n = len - off < SERVE_CHUNK_MAX ? len - off : SERVE_CHUNK_MAX;
		m.u.chunk.stream = (uint8_t)stream;
		m.u.chunk.len = (uint16_t)n;
		memcpy(m.u.chunk.data, text + off, n);
		send_msg(e, &m);
	}
}

static void send_done(struct engine *e, uint32_t id, enum serve_status st, bool success, const char *message)
{
	struct serve_msg m;
	serve_msg_init(&m, SMSG_DONE, id);
	m.u.done.status = (uint8_t)st;
	m.u.done.success = success;
	m.u.done.duration_ns = 12000000;
	m.u.done.capture_drops = 7;
	serve_msg_text(m.u.done.message, sizeof(m.u.done.message), message);
	send_msg(e, &m);
}

/* A probe that ran: its metrics and debug text name what it was asked. */
static void answer_ran(struct engine *e, const struct serve_msg *p, bool success, size_t pad)
{
	char metrics[8192], debug[512], addr[NETADDR_STRLEN];
	int n = snprintf(metrics, sizeof(metrics),
			 "probe_success %d\nprobe_duration_seconds 0.012\ntcpshake_up{host=\"%s\"} 1\n",
			 success, p->u.probe.host);
	for (size_t i = 0; i < pad && (size_t)n + 2 < sizeof(metrics); i++)
		n += snprintf(metrics + n, sizeof(metrics) - (size_t)n, "#\n");
	snprintf(debug, sizeof(debug), "debug: %s %s port %u timeout %u module %s\n", p->u.probe.host,
		 netaddr_str(&p->u.probe.addr, addr, sizeof(addr)), p->u.probe.port, p->u.probe.timeout_ms,
		 p->u.probe.module);
	send_chunks(e, p->id, SSTREAM_METRICS, metrics);
	send_chunks(e, p->id, SSTREAM_DEBUG, debug);
	send_done(e, p->id, SSTAT_OK, success, "");
}

static void answer_list(struct engine *e, uint32_t id)
{
	static const char *mods[][2] = {
		{ "syn", "syn: 3 SYNs 0.1 s apart, timeout 1 s" },
		{ "web", "connect: <b>one</b> connection & data" },
	};
	for (size_t i = 0; i < 2; i++) {
		struct serve_msg m;
		serve_msg_init(&m, SMSG_MODULE, id);
		serve_msg_text(m.u.module.name, sizeof(m.u.module.name), mods[i][0]);
		m.u.module.mode = (uint8_t)i;
		serve_msg_text(m.u.module.summary, sizeof(m.u.module.summary), mods[i][1]);
		send_msg(e, &m);
	}
	struct serve_msg end;
	serve_msg_init(&end, SMSG_LIST_END, id);
	send_msg(e, &end);
}

static void answer_probe(struct engine *e, const struct serve_msg *p)
{
	const char *mod = p->u.probe.module;

	if (strcmp(mod, "hold") == 0) {
		pthread_mutex_lock(&e->mu);
		e->held[e->nheld] = p->id;
		serve_msg_text(e->held_host[e->nheld], SERVE_HOST_MAX, p->u.probe.host);
		e->nheld++;
		pthread_cond_broadcast(&e->cond);
		pthread_mutex_unlock(&e->mu);
	} else if (strcmp(mod, "silent") == 0) {
		return;
	} else if (strcmp(mod, "nosuch") == 0) {
		send_done(e, p->id, SSTAT_BAD_MODULE, false, "no module 'nosuch'");
	} else if (strcmp(mod, "forbid") == 0) {
		send_done(e, p->id, SSTAT_FORBIDDEN, false, "10.9.9.9 is outside --allow");
	} else if (strcmp(mod, "busy") == 0) {
		send_done(e, p->id, SSTAT_BUSY, false, "64 probes in flight");
	} else if (strcmp(mod, "drain") == 0) {
		send_done(e, p->id, SSTAT_DRAINING, false, "shutting down");
	} else if (strcmp(mod, "error") == 0) {
		send_done(e, p->id, SSTAT_ERROR, false, "no route to 10.9.9.9");
	} else if (strcmp(mod, "fail") == 0) {
		answer_ran(e, p, false, 0);
	} else if (strcmp(mod, "big") == 0) {
		answer_ran(e, p, true, 1500); /* metrics over three chunks */
	} else {
		answer_ran(e, p, true, 0);
	}
}

static void *engine_main(void *arg)
{
	struct engine *e = arg;
	struct serve_msg m;
	char err[200];

	for (;;) {
		pthread_mutex_lock(&e->mu);
		bool quit = e->quit;
		pthread_mutex_unlock(&e->mu);
		if (quit)
			return NULL;
		struct pollfd p = { .fd = e->fd, .events = POLLIN };
		if (poll(&p, 1, 50) <= 0)
			continue;
		ssize_t got = recv(e->fd, &m, sizeof(m), MSG_DONTWAIT);
		if (got <= 0)
			continue;
		pthread_mutex_lock(&e->mu);
		bool bad = serve_msg_check(&m, (size_t)got, true, err, sizeof(err)) != 0;
		if (bad && e->bad[0] == '\0')
			snprintf(e->bad, sizeof(e->bad), "%s", err);
		if (!bad && m.type == SMSG_PROBE)
			e->probes++;
		if (!bad && m.type == SMSG_LIST)
			e->lists++;
		pthread_mutex_unlock(&e->mu);
		if (bad)
			continue;
		if (m.type == SMSG_LIST)
			answer_list(e, m.id);
		else
			answer_probe(e, &m);
	}
}

/* Wait until the engine holds n "hold" probes. */
static void engine_wait_held(struct engine *e, size_t n)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_S;
	pthread_mutex_lock(&e->mu);
	while (e->nheld < n)
		if (pthread_cond_timedwait(&e->cond, &e->mu, &until) == ETIMEDOUT)
			break;
	size_t got = e->nheld;
	pthread_mutex_unlock(&e->mu);
	assert_int_equal(got, n);
}

/* Answer every held probe as one that ran. */
static void engine_release(struct engine *e)
{
	pthread_mutex_lock(&e->mu);
	for (size_t i = 0; i < e->nheld; i++) {
		struct serve_msg p;
		serve_msg_init(&p, SMSG_PROBE, e->held[i]);
		serve_msg_text(p.u.probe.host, sizeof(p.u.probe.host), e->held_host[i]);
		serve_msg_text(p.u.probe.module, sizeof(p.u.probe.module), "hold");
		p.u.probe.addr.family = AF_INET;
		answer_ran(e, &p, true, 0);
	}
	e->nheld = 0;
	pthread_mutex_unlock(&e->mu);
}

static unsigned engine_probes(struct engine *e)
{
	pthread_mutex_lock(&e->mu);
	unsigned n = e->probes;
	pthread_mutex_unlock(&e->mu);
	return n;
}

/* Stop the engine thread; close_end: close its end too (the engine dies). */
static void engine_stop(struct engine *e, bool close_end)
{
	pthread_mutex_lock(&e->mu);
	bool running = !e->quit;
	e->quit = true;
	pthread_mutex_unlock(&e->mu);
	if (running)
		pthread_join(e->thread, NULL);
	if (close_end && e->fd >= 0) {
		close(e->fd);
		e->fd = -1;
	}
}

/* ---- the fixture ------------------------------------------------------ */

struct fixture {
	int listen_fd;
	uint16_t port;
	int front_fd;
	struct engine engine;
	volatile sig_atomic_t stop;
	struct http_front_config cfg;
	pthread_t front;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool returned;
	bool joined;
	int rc;
	char err[200];
};

static void *front_main(void *arg)
{
	struct fixture *x = arg;
	int rc = http_front_run(&x->cfg, x->err, sizeof(x->err));
	pthread_mutex_lock(&x->mu);
	x->rc = rc;
	x->returned = true;
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->mu);
	return NULL;
}

static bool front_returned(struct fixture *x)
{
	pthread_mutex_lock(&x->mu);
	bool r = x->returned;
	pthread_mutex_unlock(&x->mu);
	return r;
}

/* Wait for http_front_run to return (once). */
static void front_join(struct fixture *x)
{
	if (!x->joined)
		pthread_join(x->front, NULL);
	x->joined = true;
}

static int setup_with(void **state, uint64_t drain_max_ns)
{
	struct fixture *x = calloc(1, sizeof(*x));
	int sv[2];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t salen = sizeof(sa);

	assert_non_null(x);
	x->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(x->listen_fd >= 0);
	assert_int_equal(bind(x->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(x->listen_fd, 64), 0);
	assert_int_equal(getsockname(x->listen_fd, (struct sockaddr *)&sa, &salen), 0);
	x->port = ntohs(sa.sin_port);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	x->front_fd = sv[0];
	x->engine.fd = sv[1];
	pthread_mutex_init(&x->engine.mu, NULL);
	pthread_cond_init(&x->engine.cond, NULL);
	assert_int_equal(pthread_create(&x->engine.thread, NULL, engine_main, &x->engine), 0);

	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->cond, NULL);
	x->cfg = (struct http_front_config){
		.listen_fd = x->listen_fd,
		.engine_fd = x->front_fd,
		.max_inflight = MAX_INFLIGHT,
		.recent_max = RECENT_MAX,
		.stop = &x->stop,
		.drain_max_ns = drain_max_ns,
	};
	assert_int_equal(pthread_create(&x->front, NULL, front_main, x), 0);
	*state = x;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, 20ull * 1000000000u);
}

/* A drain bound short enough that a held probe outlives it. */
static int setup_short_drain(void **state)
{
	return setup_with(state, 200000000u);
}

static int teardown(void **state)
{
	struct fixture *x = *state;

	x->stop = 1;
	front_join(x);
	assert_int_equal(x->rc, 0);
	engine_stop(&x->engine, true);
	assert_string_equal(x->engine.bad, "");
	close(x->front_fd);
	close(x->listen_fd);
	pthread_mutex_destroy(&x->engine.mu);
	pthread_cond_destroy(&x->engine.cond);
	pthread_mutex_destroy(&x->mu);
	pthread_cond_destroy(&x->cond);
	free(x);
	return 0;
}

/* ---- the client ------------------------------------------------------- */

struct reply {
	int status;
	char head[4096]; /* status line and headers */
	char *body;      /* NUL-terminated */
	size_t body_len;
};

static void reply_free(struct reply *r)
{
	free(r->body);
	r->body = NULL;
}

/* METHOD path with extra header lines ("Name: value\r\n"...), to the end. */
static int http_do(uint16_t port, const char *method, const char *path, const char *extra, struct reply *r)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = WAIT_S };
	char *req = NULL;
	char *all = NULL;
	size_t len = 0, cap = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(r, 0, sizeof(*r));
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	int n = asprintf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s\r\n", method,
			 path, extra != NULL ? extra : "");
	assert_true(n > 0);
	ssize_t sent = send(fd, req, (size_t)n, MSG_NOSIGNAL);
	free(req);
	if (sent != n) {
		close(fd);
		return -1;
	}
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			all = realloc(all, cap);
			assert_non_null(all);
		}
		ssize_t got = recv(fd, all + len, cap - len - 1, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	if (all == NULL)
		return -1;
	all[len] = '\0';
	char *end = strstr(all, "\r\n\r\n");
	if (end == NULL || sscanf(all, "HTTP/1.%*d %d", &r->status) != 1) {
		free(all);
		return -1;
	}
	size_t hl = (size_t)(end - all) + 2;
	if (hl >= sizeof(r->head))
		hl = sizeof(r->head) - 1;
	memcpy(r->head, all, hl);
	r->head[hl] = '\0';
	r->body_len = len - (size_t)(end + 4 - all);
	r->body = malloc(r->body_len + 1);
	assert_non_null(r->body);
	memcpy(r->body, end + 4, r->body_len);
	r->body[r->body_len] = '\0';
	free(all);
	return 0;
}

static struct reply get(struct fixture *x, const char *path)
{
	struct reply r;
	assert_int_equal(http_do(x->port, "GET", path, NULL, &r), 0);
	return r;
}

/* A header's value ("" when absent), copied into buf. */
static const char *header(const struct reply *r, const char *name, char *buf, size_t len)
{
	size_t nl = strlen(name);
	buf[0] = '\0';
	for (const char *p = strstr(r->head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
		if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':') {
			const char *v = p + 3 + nl;
			while (*v == ' ')
				v++;
			size_t n = strcspn(v, "\r");
			snprintf(buf, len, "%.*s", (int)n, v);
			break;
		}
	}
	return buf;
}

/* The body is text ending with exactly one newline-terminated last line. */
static void assert_ends_with_newline(const struct reply *r)
{
	assert_true(r->body_len > 0);
	assert_int_equal(r->body[r->body_len - 1], '\n');
}

/* ---- /probe ----------------------------------------------------------- */

static void test_probe_ok(void **state)
{
	struct fixture *x = *state;
	char buf[128];
	struct reply r = get(x, "/probe?target=127.0.0.1:80&module=syn");
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type", buf, sizeof(buf)),
			    "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(strstr(r.body, "probe_success 1\n"));
	assert_non_null(strstr(r.body, "tcpshake_up{host=\"127.0.0.1\"} 1\n"));
	assert_ends_with_newline(&r);
	reply_free(&r);

	/* No module: syn; unknown parameters ignored; the first target wins. */
	r = get(x, "/probe?foo=bar&target=127.0.0.1:443&target=nonsense&debug=true");
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type", buf, sizeof(buf)), "text/plain; charset=utf-8");
	assert_non_null(strstr(r.body, "debug: 127.0.0.1 127.0.0.1 port 443 timeout "));
	assert_non_null(strstr(r.body, " module syn\n"));
	reply_free(&r);
}

static void test_probe_metrics_over_chunks(void **state)
{
	struct fixture *x = *state;
	struct reply r = get(x, "/probe?target=[::1]:22&module=big");
	assert_int_equal(r.status, 200);
	assert_true(r.body_len > 2 * SERVE_CHUNK_MAX);
	assert_true(strncmp(r.body, "probe_success 1\n", 16) == 0);
	assert_non_null(strstr(r.body, "tcpshake_up{host=\"::1\"} 1\n#\n#\n"));
	size_t hashes = 0;
	for (const char *p = r.body; (p = strstr(p, "\n#\n")) != NULL; p += 2)
		hashes++;
	assert_int_equal(hashes, 1500);
	reply_free(&r);
}

static void test_probe_timeout_header(void **state)
{
	struct fixture *x = *state;
	struct serve_query q;
	char err[200], want[64];

	struct reply r;
	assert_int_equal(http_do(x->port, "GET", "/probe?target=127.0.0.1:80&debug=true",
				 "X-Prometheus-Scrape-Timeout-Seconds: 5\r\n", &r),
			 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(serve_query_parse("127.0.0.1:80", NULL, NULL, "5", &q, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "timeout %u module", q.timeout_ms);
	assert_non_null(strstr(r.body, want));
	reply_free(&r);

	r = get(x, "/probe?target=127.0.0.1:80&debug=true");
	assert_int_equal(serve_query_parse("127.0.0.1:80", NULL, NULL, NULL, &q, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "timeout %u module", q.timeout_ms);
	assert_non_null(strstr(r.body, want));
	reply_free(&r);
}

static void test_probe_bad_requests(void **state)
{
	struct fixture *x = *state;
	static const char *paths[] = {
		"/probe",                                     /* no target */
		"/probe?target=127.0.0.1",                    /* no port */
		"/probe?target=10.0.0.0/8:80",                /* a prefix */
		"/probe?target=127.0.0.1:80&module=a%20b",    /* a blank in the module */
		"/probe?target=127.0.0.1:80&module=%3Cx%3E",  /* <x> */
		"/probe?target=127.0.0.1:80&debug=maybe",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct reply r = get(x, paths[i]);
		assert_int_equal(r.status, 400);
		assert_ends_with_newline(&r);
		assert_ptr_equal(strchr(r.body, '\n'), r.body + r.body_len - 1); /* one line */
		reply_free(&r);
	}
	struct reply r;
	assert_int_equal(http_do(x->port, "GET", "/probe?target=127.0.0.1:80",
				 "X-Prometheus-Scrape-Timeout-Seconds: soon\r\n", &r),
			 0);
	assert_int_equal(r.status, 400);
	reply_free(&r);

	/* Oversized: a host longer than any name (400), then a request line
	 * longer than libmicrohttpd keeps for a request: it answers 414
	 * itself, and the handler never sees it. */
	char *path = malloc(64 + 40000);
	assert_non_null(path);
	int n = sprintf(path, "/probe?target=");
	memset(path + n, 'a', 300);
	strcpy(path + n + 300, ".example:80");
	r = get(x, path);
	assert_int_equal(r.status, 400);
	reply_free(&r);
	memset(path + n, 'a', 40000);
	strcpy(path + n + 40000, ".example:80");
	r = get(x, path);
	assert_int_equal(r.status, 414);
	reply_free(&r);
	free(path);
	assert_int_equal(engine_probes(&x->engine), 0);

	r = get(x, "/metrics");
	assert_non_null(strstr(r.body, "tcpshake_exporter_refused_total{reason=\"bad_request\"} 8\n"));
	reply_free(&r);
}

static void test_probe_engine_refusals(void **state)
{
	struct fixture *x = *state;
	static const struct {
		const char *module;
		int status;
		const char *body;
	} v[] = {
		{ "forbid", 403, "10.9.9.9 is outside --allow\n" },
		{ "nosuch", 400, "no module 'nosuch'\n" },
		{ "busy", 503, "64 probes in flight\n" },
		{ "drain", 503, "shutting down\n" },
		{ "error", 500, "no route to 10.9.9.9\n" },
	};
	char path[128], buf[64];
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(path, sizeof(path), "/probe?target=10.9.9.9:80&module=%s", v[i].module);
		struct reply r = get(x, path);
		assert_int_equal(r.status, v[i].status);
		assert_string_equal(r.body, v[i].body);
		assert_string_equal(header(&r, "Content-Type", buf, sizeof(buf)), "text/plain; charset=utf-8");
		reply_free(&r);
	}
}

static void test_probe_unresolved(void **state)
{
	struct fixture *x = *state;
	/* A name with an empty label: the resolver refuses it without asking
	 * a name server, so the test needs no network. */
	struct reply r = get(x, "/probe?target=a..b:80&module=syn");
	assert_int_equal(r.status, 200);
	assert_true(strncmp(r.body, "# cannot resolve 'a..b'", 23) == 0);
	assert_non_null(strstr(r.body, "\nprobe_success 0\n"));
	assert_non_null(strstr(r.body, "\nprobe_duration_seconds "));
	assert_ends_with_newline(&r);
	reply_free(&r);
	assert_int_equal(engine_probes(&x->engine), 0);

	r = get(x, "/metrics");
	assert_non_null(strstr(r.body, "tcpshake_exporter_resolve_failures_total 1\n"));
	reply_free(&r);
}

static void test_probe_engine_late(void **state)
{
	struct fixture *x = *state;
	struct reply r;
	/* The least budget (0.1 s) plus the front's margin: about 2 s. */
	assert_int_equal(http_do(x->port, "GET", "/probe?target=127.0.0.1:80&module=silent",
				 "X-Prometheus-Scrape-Timeout-Seconds: 0.2\r\n", &r),
			 0);
	assert_int_equal(r.status, 500);
	assert_non_null(strstr(r.body, "did not answer"));
	reply_free(&r);
}

/* ---- in flight, stopping, the engine dying ----------------------------- */

struct client {
	struct fixture *x;
	const char *path;
	pthread_t thread;
	struct reply r;
	int rc;
};

static void *client_main(void *arg)
{
	struct client *c = arg;
	c->rc = http_do(c->x->port, "GET", c->path, NULL, &c->r);
	return NULL;
}

static void client_start(struct client *c, struct fixture *x, const char *path)
{
	c->x = x;
	c->path = path;
	assert_int_equal(pthread_create(&c->thread, NULL, client_main, c), 0);
}

static void client_join(struct client *c, int status)
{
	pthread_join(c->thread, NULL);
	assert_int_equal(c->rc, 0);
	assert_int_equal(c->r.status, status);
}

static void test_busy_beyond_max_inflight(void **state)
{
	struct fixture *x = *state;
	struct client c[MAX_INFLIGHT];

	for (size_t i = 0; i < MAX_INFLIGHT; i++)
		client_start(&c[i], x, "/probe?target=127.0.0.1:80&module=hold");
	engine_wait_held(&x->engine, MAX_INFLIGHT);

	struct reply r = get(x, "/metrics");
	assert_non_null(strstr(r.body, "tcpshake_exporter_probes_inflight 2\n"));
	reply_free(&r);
	r = get(x, "/probe?target=127.0.0.1:80&module=syn");
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "--max-inflight"));
	reply_free(&r);
	assert_int_equal(engine_probes(&x->engine), MAX_INFLIGHT); /* not asked */

	engine_release(&x->engine);
	for (size_t i = 0; i < MAX_INFLIGHT; i++) {
		client_join(&c[i], 200);
		assert_non_null(strstr(c[i].r.body, "probe_success 1\n"));
		reply_free(&c[i].r);
	}
	r = get(x, "/metrics");
	assert_non_null(strstr(r.body, "tcpshake_exporter_probes_inflight 0\n"));
	assert_non_null(strstr(r.body, "tcpshake_exporter_refused_total{reason=\"busy\"} 1\n"));
	reply_free(&r);
}

static void test_stop_drains_in_flight(void **state)
{
	struct fixture *x = *state;
	struct client c;

	client_start(&c, x, "/probe?target=127.0.0.1:80&module=hold");
	engine_wait_held(&x->engine, 1);
	x->stop = 1;
	/* However long this sleep runs, a front that waits does not return. */
	struct timespec ts = { 0, 300000000 };
	nanosleep(&ts, NULL);
	assert_false(front_returned(x));
	engine_release(&x->engine);
	client_join(&c, 200);
	assert_non_null(strstr(c.r.body, "probe_success 1\n"));
	reply_free(&c.r);
	front_join(x);
}

static void test_stop_drain_is_bounded(void **state)
{
	struct fixture *x = *state;
	struct client c;

	client_start(&c, x, "/probe?target=127.0.0.1:80&module=hold");
	engine_wait_held(&x->engine, 1);
	x->stop = 1;
	/* The held probe outlives the 0.2 s drain: it is answered 503. */
	client_join(&c, 503);
	assert_string_equal(c.r.body, "tcpshake is shutting down\n");
	reply_free(&c.r);
	front_join(x);
	assert_int_equal(x->rc, 0);
}

static void test_engine_gone(void **state)
{
	struct fixture *x = *state;
	struct client c;

	client_start(&c, x, "/probe?target=127.0.0.1:80&module=hold");
	engine_wait_held(&x->engine, 1);
	engine_stop(&x->engine, true);
	client_join(&c, 503);
	assert_string_equal(c.r.body, "the probe engine is gone\n");
	reply_free(&c.r);
	/* The front returns on its own, without *stop. */
	front_join(x);
	assert_int_equal(x->rc, 0);
}

/* ---- methods and paths ------------------------------------------------ */

static void test_methods_and_paths(void **state)
{
	struct fixture *x = *state;
	char buf[64];
	struct reply r;

	assert_int_equal(http_do(x->port, "POST", "/probe?target=127.0.0.1:80",
				 "Content-Length: 5\r\n", &r), 0);
	assert_int_equal(r.status, 405);
	assert_string_equal(header(&r, "Allow", buf, sizeof(buf)), "GET, HEAD");
	reply_free(&r);
	assert_int_equal(http_do(x->port, "DELETE", "/", NULL, &r), 0);
	assert_int_equal(r.status, 405);
	assert_string_equal(header(&r, "Allow", buf, sizeof(buf)), "GET, HEAD");
	reply_free(&r);
	assert_int_equal(engine_probes(&x->engine), 0);

	static const char *missing[] = { "/nope", "/probe/", "/metrics/x", "/../etc/passwd", "/index.html" };
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		r = get(x, missing[i]);
		assert_int_equal(r.status, 404);
		assert_ends_with_newline(&r);
		reply_free(&r);
	}

	/* HEAD: the headers GET would have, no body. */
	assert_int_equal(http_do(x->port, "HEAD", "/metrics", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type", buf, sizeof(buf)),
			    "text/plain; version=0.0.4; charset=utf-8");
	assert_true(atoi(header(&r, "Content-Length", buf, sizeof(buf))) > 0);
	assert_int_equal(r.body_len, 0);
	reply_free(&r);
}

/* ---- /metrics, /, /logs ------------------------------------------------ */

static void test_metrics_count_probes(void **state)
{
	struct fixture *x = *state;
	static const char *paths[] = {
		"/probe?target=127.0.0.1:80&module=syn",
		"/probe?target=127.0.0.1:81&module=syn",
		"/probe?target=127.0.0.1:82&module=fail",
		"/probe?target=127.0.0.1:83&module=forbid",
		"/probe?target=127.0.0.1:84&module=nosuch",
		"/probe?target=127.0.0.1:85&module=error",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct reply r = get(x, paths[i]);
		reply_free(&r);
	}
	struct reply r = get(x, "/metrics");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "tcpshake_exporter_probes_total{module=\"syn\",result=\"success\"} 2\n"));
	assert_non_null(strstr(r.body, "tcpshake_exporter_probes_total{module=\"syn\",result=\"failure\"} 0\n"));
	assert_non_null(strstr(r.body, "tcpshake_exporter_probes_total{module=\"fail\",result=\"failure\"} 1\n"));
	/* Refused by the allow list: a module the engine knows, so labelled. */
	assert_non_null(strstr(r.body, "tcpshake_exporter_probes_total{module=\"forbid\",result=\"success\"} 0\n"));
	/* A module the engine does not know never becomes a label. */
	assert_null(strstr(r.body, "module=\"nosuch\""));
	assert_null(strstr(r.body, "module=\"error\""));
	assert_non_null(strstr(r.body, "tcpshake_exporter_refused_total{reason=\"forbidden\"} 1\n"));
	assert_non_null(strstr(r.body, "tcpshake_exporter_refused_total{reason=\"bad_module\"} 1\n"));
	assert_non_null(strstr(r.body, "tcpshake_exporter_refused_total{reason=\"error\"} 1\n"));
	assert_non_null(strstr(r.body, "tcpshake_exporter_capture_drops 7\n"));
	assert_non_null(strstr(r.body, "tcpshake_exporter_build_info{version=\"" PACKAGE_VERSION "\"} 1\n"));
	assert_non_null(strstr(r.body, "process_start_time_seconds "));
	reply_free(&r);
}

/* The id of the n-th /logs link of the page (0: the newest). */
static unsigned long page_log_id(const char *page, size_t n)
{
	const char *p = page;
	for (size_t i = 0; i <= n; i++) {
		p = strstr(p, "/logs?id=");
		assert_non_null(p);
		p += 9;
	}
	return strtoul(p, NULL, 10);
}

static void test_page_and_logs(void **state)
{
	struct fixture *x = *state;
	struct reply r = get(x, "/probe?target=127.0.0.1:80&module=syn");
	reply_free(&r);
	r = get(x, "/probe?target=127.0.0.2:443&module=forbid");
	reply_free(&r);

	r = get(x, "/");
	char buf[64];
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type", buf, sizeof(buf)), "text/html; charset=utf-8");
	assert_non_null(strstr(r.body, "<td>syn</td><td>syn: 3 SYNs 0.1 s apart, timeout 1 s</td>"));
	assert_non_null(strstr(r.body, "connect: &lt;b&gt;one&lt;/b&gt; connection &amp; data"));
	assert_non_null(strstr(r.body, "<td>127.0.0.2:443</td><td>forbid</td><td>forbidden</td>"));
	assert_non_null(strstr(r.body, "<td>127.0.0.1:80</td><td>syn</td><td>success</td>"));
	unsigned long forbidden_id = page_log_id(r.body, 0), ok_id = page_log_id(r.body, 1);
	reply_free(&r);

	char path[64];
	snprintf(path, sizeof(path), "/logs?id=%lu", ok_id);
	r = get(x, path);
	assert_int_equal(r.status, 200);
	assert_true(strncmp(r.body, "debug: 127.0.0.1 127.0.0.1 port 80 timeout ", 43) == 0);
	assert_non_null(strstr(r.body, " module syn\n"));
	reply_free(&r);
	snprintf(path, sizeof(path), "/logs?id=%lu", forbidden_id);
	r = get(x, path);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "10.9.9.9 is outside --allow\n");
	reply_free(&r);

	r = get(x, "/logs?id=999999");
	assert_int_equal(r.status, 404);
	reply_free(&r);
	r = get(x, "/logs?id=x1");
	assert_int_equal(r.status, 400);
	reply_free(&r);

	/* Only the last RECENT_MAX are kept: the first is gone from both. */
	for (int i = 0; i < RECENT_MAX; i++) {
		r = get(x, "/probe?target=127.0.0.1:22&module=syn");
		reply_free(&r);
	}
	snprintf(path, sizeof(path), "/logs?id=%lu", ok_id);
	r = get(x, path);
	assert_int_equal(r.status, 404);
	reply_free(&r);
	r = get(x, "/");
	assert_null(strstr(r.body, "127.0.0.1:80"));
	assert_non_null(strstr(r.body, "127.0.0.1:22"));
	reply_free(&r);
}

static void test_page_without_engine(void **state)
{
	struct fixture *x = *state;
	/* Not the engine's death (that stops the front): one that does not
	 * answer the LIST within the page's wait. */
	engine_stop(&x->engine, false);
	struct reply r = get(x, "/");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "did not list its modules"));
	reply_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_metrics_over_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_timeout_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_engine_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_unresolved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_engine_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_beyond_max_inflight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_drains_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_drain_is_bounded, setup_short_drain, teardown),
		cmocka_unit_test_setup_teardown(test_engine_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_methods_and_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_count_probes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_and_logs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_without_engine, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
