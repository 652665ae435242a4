/*
 * serve_loop: the exporter's engine process (see serve_loop.h).
 *
 * One thread reads the socketpair and decides; each admitted probe runs in
 * a worker thread of its own over its own wire_mux view. The main thread
 * is the one authority on what may be probed: it checks every request
 * (serve_msg_check, then the module, the allow list, draining, the
 * in-flight cap) before any packet can leave, and it alone calls the
 * composing layer's route and reload callbacks, so those need no locks.
 *
 * Shared state and its locks:
 *  - e->lock guards the module table, the allow list, the in-flight count,
 *    the draining flag and the list of workers. A worker copies its module
 *    (data included) when admitted, so a reload can free the old table
 *    while the probe still runs.
 *  - e->send_lock serialises writes to the socket: SOCK_SEQPACKET keeps
 *    each message whole, and the lock keeps one sender at a time, so a
 *    message never interleaves with another; messages of different probes
 *    may. Lock order: e->lock before e->send_lock, never the other way.
 * Sends never block for good: a peer that stops reading is waited for a
 * bounded time, then the socket is treated as broken (results dropped),
 * so a drain always ends. Each worker has its own stop flag, which the
 * main thread sets when the scrape's deadline passes (a peer that keeps a
 * connection busy) or the drain's bound does.
 *
 * Time here is CLOCK_MONOTONIC: it bounds the drain and the waits, and is
 * never compared with a wire's (capture) time.
 */
#include "config.h"
#include "engine/serve_loop.h"
#include "core/tcpopt.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/serve_msg.h"
#include "core/tcpconst.h"
#include "engine/serve.h"

#define POLL_MS 50                  /* how often *stop and *reload are looked at */
#define SEND_STALL_NS (5 * NS_PER_S) /* a peer that reads nothing this long is gone */

struct worker {
	struct serve_engine *e;
	pthread_t thread;
	uint32_t id;
	struct module m;            /* a copy; m.data owned */
	char host[SERVE_HOST_MAX];
	struct serve_target t;      /* t.host points at host */
	uint32_t timeout_ms;
	struct wire_view *view;
	uint16_t sport_base;
	uint64_t deadline;          /* mono_ns: the scrape's budget spent, stop the probe */
	volatile sig_atomic_t stop; /* set by the main thread: the deadline or the drain's bound */
	bool finished;              /* under e->lock: ready to be joined */
	struct worker *next;
};

struct serve_engine {
	struct serve_engine_config c;
	pthread_mutex_t lock, send_lock;
	pthread_cond_t ended;       /* a worker finished */
	struct module_table modules;
	struct allow allow;
	unsigned inflight;          /* admitted and not yet finished */
	bool draining;
	bool broken;                /* under send_lock: the socket failed; send nothing more */
	volatile sig_atomic_t sends_stop; /* the drain's bound passed: no more waiting to send */
	struct worker *workers;
	unsigned long bad_msgs;     /* bad messages after the first (logged once) */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

struct serve_engine *serve_engine_new(const struct serve_engine_config *c,
				      struct module_table *modules, struct allow *allow)
{
	struct serve_engine *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	if (pthread_mutex_init(&e->lock, NULL) != 0) {
		free(e);
		return NULL;
	}
	if (pthread_mutex_init(&e->send_lock, NULL) != 0) {
		pthread_mutex_destroy(&e->lock);
		free(e);
		return NULL;
	}
	if (pthread_cond_init(&e->ended, NULL) != 0) {
		pthread_mutex_destroy(&e->send_lock);
		pthread_mutex_destroy(&e->lock);
		free(e);
		return NULL;
	}
	e->c = *c;
	if (e->c.ports_per_probe == 0)
		e->c.ports_per_probe = 1;
	/* Taken: the caller's structs are left empty. */
	e->modules = *modules;
	memset(modules, 0, sizeof(*modules));
	e->allow = *allow;
	memset(allow, 0, sizeof(*allow));
	return e;
}

void serve_engine_free(struct serve_engine *e)
{
	if (e == NULL)
		return;
	module_table_free(&e->modules);
	allow_free(&e->allow);
	pthread_cond_destroy(&e->ended);
	pthread_mutex_destroy(&e->send_lock);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

/* ---- Sending ------------------------------------------------------------ */

/* Send one whole message, under send_lock. A full socket is waited on (a
 * slow reader), at most SEND_STALL_NS, and not at all once the drain's
 * bound passed; a closed or failed socket is marked broken. 0 or -1. */
static int send_msg(struct serve_engine *e, const struct serve_msg *m)
{
	int rc = -1;
	pthread_mutex_lock(&e->send_lock);
	uint64_t give_up = mono_ns() + SEND_STALL_NS;
	while (!e->broken) {
		if (send(e->c.fd, m, sizeof(*m), MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)sizeof(*m)) {
			rc = 0;
			break;
		}
		if (errno == EINTR)
			continue;
		if ((errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) || e->sends_stop ||
		    mono_ns() >= give_up) {
			e->broken = true;
			break;
		}
		struct pollfd p = { .fd = e->c.fd, .events = POLLOUT };
		(void)poll(&p, 1, POLL_MS);
	}
	pthread_mutex_unlock(&e->send_lock);
	return rc;
}

static void send_done(struct serve_engine *e, uint32_t id, enum serve_status st, bool success,
		      uint64_t duration_ns, const char *message)
{
	struct serve_msg m;
	serve_msg_init(&m, SMSG_DONE, id);
	m.u.done.status = (uint8_t)st;
	m.u.done.success = success ? 1 : 0;
	m.u.done.duration_ns = duration_ns;
	if (st == SSTAT_OK && e->c.capture_drops != NULL)
		m.u.done.capture_drops = e->c.capture_drops(e->c.capture_drops_ctx);
	serve_msg_text(m.u.done.message, sizeof(m.u.done.message), message != NULL ? message : "");
	(void)send_msg(e, &m);
}

/* text in CHUNKs of stream; stops at the first failed send. */
static int send_chunks(struct serve_engine *e, uint32_t id, enum serve_stream stream,
		       const char *text, size_t len)
{
	struct serve_msg m;
	for (size_t at = 0; at < len;) {
		size_t n = len - at < SERVE_CHUNK_MAX ? len - at : SERVE_CHUNK_MAX;
		serve_msg_init(&m, SMSG_CHUNK, id);
		m.u.chunk.stream = (uint8_t)stream;
		m.u.chunk.len = (uint16_t)n;
		memcpy(m.u.chunk.data, text + at, n);
		if (send_msg(e, &m) < 0)
			return -1;
		at += n;
	}
	return 0;
}

/* ---- Workers ------------------------------------------------------------ */

static void worker_free(struct worker *w)
{
	free(w->m.data);
	free(w);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct serve_engine *e = w->e;

	/* A scrape's budget shorter than the module's cuts the module. */
	struct module run = w->m;
	uint64_t budget = (uint64_t)w->timeout_ms * 1000000u;
	if (budget > 0 && module_budget_ns(&w->m) > budget)
		module_fit(&w->m, budget, &run);

	struct wire wire;
	wire_view_bind(w->view, &wire);
	struct serve_result res;
	int rc = serve_probe_run(&run, &w->t, &wire, w->sport_base, e->c.ports_per_probe, &w->stop,
				 &res);
	wire_mux_view_close(w->view);
	w->view = NULL;
	/* The slot is free before the answer goes: the HTTP side, once it
	 * has the DONE, lets its next request through, and the engine must
	 * not refuse that one as busy for a worker that only has its
	 * answer left to send. */
	pthread_mutex_lock(&e->lock);
	e->inflight--;
	pthread_mutex_unlock(&e->lock);

	if (send_chunks(e, w->id, SSTREAM_METRICS, res.metrics, res.metrics_len) == 0 &&
	    send_chunks(e, w->id, SSTREAM_DEBUG, res.debug, res.debug_len) == 0)
		send_done(e, w->id, rc == 0 ? SSTAT_OK : SSTAT_ERROR, res.success, res.duration_ns,
			  rc == 0 ? "" : res.error);
	serve_result_free(&res);

	pthread_mutex_lock(&e->lock);
	w->finished = true;
	pthread_cond_broadcast(&e->ended);
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

/* Stop the probes whose deadline passed (all of them when all is set):
 * a peer that keeps a connection busy must not outlast the scrape. */
static void stop_late(struct serve_engine *e, bool all)
{
	uint64_t now = mono_ns();
	pthread_mutex_lock(&e->lock);
	for (struct worker *w = e->workers; w != NULL; w = w->next)
		if (all || now >= w->deadline)
			w->stop = 1;
	pthread_mutex_unlock(&e->lock);
}

/* Join the workers that finished (all of them when all is set, waiting
 * for each). */
static void reap(struct serve_engine *e, bool all)
{
	for (;;) {
		struct worker *done = NULL;
		pthread_mutex_lock(&e->lock);
		for (struct worker **pw = &e->workers; *pw != NULL; pw = &(*pw)->next)
			if ((*pw)->finished || all) {
				done = *pw;
				*pw = done->next;
				break;
			}
		pthread_mutex_unlock(&e->lock);
		if (done == NULL)
			return;
		pthread_join(done->thread, NULL);
		worker_free(done);
	}
}

/* ---- Requests ----------------------------------------------------------- */

/* Admit a PROBE under e->lock: its module copied into w, the in-flight
 * slot taken. SSTAT_OK, or why not with why filled. */
static enum serve_status admit(struct serve_engine *e, const struct serve_msg *q, struct worker *w,
			       char *why, size_t whylen)
{
	const struct module *m = module_find(&e->modules, q->u.probe.module);
	if (m == NULL) {
		snprintf(why, whylen, "unknown module '%s'", q->u.probe.module);
		return SSTAT_BAD_MODULE;
	}
	if (!allow_check(&e->allow, &q->u.probe.addr, q->u.probe.port, why, whylen))
		return SSTAT_FORBIDDEN;
	if (e->draining || *e->c.stop) {
		snprintf(why, whylen, "the exporter is shutting down");
		return SSTAT_DRAINING;
	}
	if (e->c.max_inflight > 0 && e->inflight >= e->c.max_inflight) {
		snprintf(why, whylen, "%u probes in flight already (--max-inflight)", e->inflight);
		return SSTAT_BUSY;
	}
	w->m = *m;
	w->m.data = NULL;
	if (m->data != NULL && (w->m.data = strdup(m->data)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return SSTAT_ERROR;
	}
	e->inflight++;
	return SSTAT_OK;
}

static void handle_probe(struct serve_engine *e, const struct serve_msg *q)
{
	char why[SERVE_TEXT_MAX] = "";
	struct worker *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		send_done(e, q->id, SSTAT_ERROR, false, 0, "out of memory");
		return;
	}
	pthread_mutex_lock(&e->lock);
	enum serve_status st = admit(e, q, w, why, sizeof(why));
	pthread_mutex_unlock(&e->lock);
	if (st != SSTAT_OK) {
		free(w);
		send_done(e, q->id, st, false, 0, why);
		return;
	}

	w->e = e;
	w->id = q->id;
	w->timeout_ms = q->u.probe.timeout_ms;
	/* The module, cut to the budget, ends by itself before this; the
	 * deadline is for a peer that keeps it going. No budget given: the
	 * module's own, plus a second. */
	uint64_t budget = w->timeout_ms > 0 ? (uint64_t)w->timeout_ms * 1000000u
					      : module_budget_ns(&w->m) + NS_PER_S;
	w->deadline = mono_ns() + budget;
	serve_msg_text(w->host, sizeof(w->host), q->u.probe.host);
	w->t.host = w->host;
	w->t.addr = q->u.probe.addr;
	w->t.port = q->u.probe.port;
	uint16_t mtu = 0;
	if (e->c.route == NULL)
		snprintf(why, sizeof(why), "no route lookup");
	if (e->c.route == NULL || e->c.route(e->c.route_ctx, &w->t.addr, &w->t.src, &mtu, why,
					     sizeof(why)) < 0) {
		st = SSTAT_ERROR;
	} else {
		w->t.mtu = mtu;
		w->t.mss = tcpopt_mss_for_mtu(w->t.addr.family, mtu);
		w->view = wire_mux_view_open(e->c.mux, e->c.ports_per_probe, &w->sport_base);
		if (w->view == NULL) {
			st = SSTAT_BUSY;
			snprintf(why, sizeof(why), "no source ports free");
		}
	}
	if (st == SSTAT_OK) {
		pthread_mutex_lock(&e->lock);
		if (pthread_create(&w->thread, NULL, worker_main, w) == 0) {
			w->next = e->workers;
			e->workers = w;
		} else {
			st = SSTAT_ERROR;
			snprintf(why, sizeof(why), "cannot start a probe thread");
		}
		pthread_mutex_unlock(&e->lock);
		if (st == SSTAT_OK)
			return;
		wire_mux_view_close(w->view);
	}
	pthread_mutex_lock(&e->lock);
	e->inflight--;
	pthread_mutex_unlock(&e->lock);
	worker_free(w);
	send_done(e, q->id, st, false, 0, why);
}

static void handle_list(struct serve_engine *e, uint32_t id)
{
	struct serve_msg m;
	pthread_mutex_lock(&e->lock);
	for (size_t i = 0; i < e->modules.n; i++) {
		const struct module *mod = &e->modules.v[i];
		serve_msg_init(&m, SMSG_MODULE, id);
		serve_msg_text(m.u.module.name, sizeof(m.u.module.name), mod->name);
		m.u.module.mode = (uint8_t)mod->mode;
		module_summary(mod, m.u.module.summary, sizeof(m.u.module.summary));
		if (send_msg(e, &m) < 0)
			break;
	}
	pthread_mutex_unlock(&e->lock);
	serve_msg_init(&m, SMSG_LIST_END, id);
	(void)send_msg(e, &m);
}

static void do_reload(struct serve_engine *e)
{
	struct module_table mt = { 0 };
	struct allow al;
	char err[SERVE_TEXT_MAX] = "";
	allow_init(&al);
	if (e->c.reload_cb == NULL ||
	    e->c.reload_cb(e->c.reload_ctx, &mt, &al, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpshake: reload failed, keeping the old configuration: %s\n",
			err[0] != '\0' ? err : "no reload callback");
		module_table_free(&mt);
		allow_free(&al);
		return;
	}
	pthread_mutex_lock(&e->lock);
	struct module_table old_mt = e->modules;
	struct allow old_al = e->allow;
	e->modules = mt;
	e->allow = al;
	pthread_mutex_unlock(&e->lock);
	module_table_free(&old_mt);
	allow_free(&old_al);
}

/* Read and answer one message. 0 read (or nothing to read), 1 the peer
 * closed its end, -1 the socket failed (err). */
static int serve_one(struct serve_engine *e, char *err, size_t errlen)
{
	struct serve_msg m;
	/* MSG_TRUNC: the real length of a longer message, so a wrong size
	 * cannot pass as the right one. */
	ssize_t got = recv(e->c.fd, &m, sizeof(m), MSG_DONTWAIT | MSG_TRUNC);
	if (got == 0)
		return 1;
	if (got < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		if (errno == ECONNRESET)
			return 1;
		snprintf(err, errlen, "reading the HTTP side's requests: %s", strerror(errno));
		return -1;
	}
	char why[SERVE_TEXT_MAX];
	if (serve_msg_check(&m, (size_t)got, true, why, sizeof(why)) < 0) {
		/* One line for the first; a peer that sends garbage must not
		 * flood the log. */
		if (e->bad_msgs++ == 0)
			fprintf(stderr, "tcpshake: ignoring a bad request from the HTTP side: %s\n", why);
		return 0;
	}
	if (m.type == SMSG_LIST)
		handle_list(e, m.id);
	else
		handle_probe(e, &m);
	return 0;
}

/* Wait up to POLL_MS for a request; read it when there is one. As
 * serve_one, and 1 also on a hang-up. */
static int poll_once(struct serve_engine *e, char *err, size_t errlen)
{
	struct pollfd p = { .fd = e->c.fd, .events = POLLIN };
	int n = poll(&p, 1, POLL_MS);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		snprintf(err, errlen, "waiting for requests: %s", strerror(errno));
		return -1;
	}
	if (n == 0)
		return 0;
	if (p.revents & POLLIN)
		return serve_one(e, err, errlen);
	if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
		return 1;
	return 0;
}

/* Whether some worker has not finished: its probe may be over (its slot
 * freed) and its answer still being sent. Under e->lock. */
static bool workers_running(const struct serve_engine *e)
{
	for (const struct worker *w = e->workers; w != NULL; w = w->next)
		if (!w->finished)
			return true;
	return false;
}

/* Refuse new probes, let the running ones end and send their answers (at
 * most drain_max_ns, then tell them to stop), join every worker. Requests
 * still read meanwhile get SSTAT_DRAINING, unless the peer is gone. */
static void drain(struct serve_engine *e, bool peer_gone)
{
	char err[SERVE_TEXT_MAX];
	uint64_t deadline = mono_ns() + e->c.drain_max_ns;
	pthread_mutex_lock(&e->lock);
	e->draining = true;
	pthread_mutex_unlock(&e->lock);
	for (;;) {
		pthread_mutex_lock(&e->lock);
		bool left = workers_running(e);
		pthread_mutex_unlock(&e->lock);
		if (!left || mono_ns() >= deadline)
			break;
		if (peer_gone || poll_once(e, err, sizeof(err)) != 0) {
			peer_gone = true;
			/* Nothing to answer: just wait for the workers. */
			pthread_mutex_lock(&e->lock);
			if (workers_running(e)) {
				struct timespec ts;
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_nsec += POLL_MS * 1000000L;
				if (ts.tv_nsec >= 1000000000L) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000L;
				}
				pthread_cond_timedwait(&e->ended, &e->lock, &ts);
			}
			pthread_mutex_unlock(&e->lock);
		}
		stop_late(e, false);
		reap(e, false);
	}
	stop_late(e, true);
	e->sends_stop = 1;
	reap(e, true);
}

int serve_engine_run(struct serve_engine *e, char *err, size_t errlen)
{
	int rc = 0;
	bool peer_gone = false;
	while (!*e->c.stop) {
		if (e->c.reload != NULL && *e->c.reload) {
			*e->c.reload = 0;
			do_reload(e);
		}
		int r = poll_once(e, err, errlen);
		stop_late(e, false);
		reap(e, false);
		if (r != 0) {
			peer_gone = true;
			rc = r < 0 ? -1 : 0;
			break;
		}
	}
	drain(e, peer_gone);
	if (e->bad_msgs > 1)
		fprintf(stderr, "tcpshake: %lu more bad requests from the HTTP side were ignored\n",
			e->bad_msgs - 1);
	return rc;
}
