/*
 * Unit tests for serve_loop: the engine process's loop, in a thread, over
 * a SOCK_SEQPACKET socketpair whose other end the test holds, playing the
 * HTTP process: LIST, PROBEs allowed, forbidden, of an unknown module,
 * beyond --max-inflight, without a route or free ports, a bad message, a
 * reload, the drain on stop and the peer closing its end.
 *
 * The wire_mux is replaced here by a stand-in (the three calls the loop
 * makes): each view is a fake wire of its own (tests/unit/fakewire.h), so
 * every probe runs on its own scripted network and clock, deterministic
 * whatever the machine's load; the mux's own dealing of frames is
 * wire_mux's tests' business. A gate in the stand-in's send holds probes
 * in flight for as long as a test needs (the busy and drain cases), so no
 * test depends on how fast a thread runs. Every wait for the loop's answer
 * is bounded (10 s), never a guess at a duration.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../fakewire.h"
#include "core/serve_msg.h"
#include "engine/serve_loop.h"

#define ANSWER_WAIT_MS 10000

/* ---- The wire_mux stand-in -------------------------------------------- */

struct wire_mux {
	pthread_mutex_t lock;
	pthread_cond_t open_cond;
	bool gate_closed;       /* sends wait while set */
	unsigned views_free;    /* views it may still open */
	unsigned opened, open_now;
	uint16_t next_base;
};

struct wire_view {
	struct wire_mux *m;
	struct fakewire *f;
};

static struct wire_mux the_mux;

static int gated_send(void *ctx, const struct tx_segment *seg, uint64_t *sent_ns)
{
	struct wire_view *v = ctx;
	pthread_mutex_lock(&v->m->lock);
	while (v->m->gate_closed)
		pthread_cond_wait(&v->m->open_cond, &v->m->lock);
	pthread_mutex_unlock(&v->m->lock);
	struct wire w;
	fw_bind(v->f, &w);
	return w.ops->send(w.ctx, seg, sent_ns);
}

static int view_wait(void *ctx, uint64_t deadline_ns)
{
	struct wire w;
	fw_bind(((struct wire_view *)ctx)->f, &w);
	return w.ops->wait(w.ctx, deadline_ns);
}

static int view_next(void *ctx, struct wire_packet *pkt)
{
	struct wire w;
	fw_bind(((struct wire_view *)ctx)->f, &w);
	return w.ops->next(w.ctx, pkt);
}

static uint64_t view_now(void *ctx)
{
	struct wire w;
	fw_bind(((struct wire_view *)ctx)->f, &w);
	return w.ops->now(w.ctx);
}

static void view_record(void *ctx, const struct wire_packet *pkt)
{
	struct wire w;
	fw_bind(((struct wire_view *)ctx)->f, &w);
	w.ops->record(w.ctx, pkt);
}

static const struct wire_ops view_ops = {
	.send = gated_send, .wait = view_wait, .next = view_next, .now = view_now,
	.record = view_record,
};

struct wire_view *wire_mux_view_open(struct wire_mux *m, uint16_t nports, uint16_t *base)
{
	pthread_mutex_lock(&m->lock);
	struct wire_view *v = NULL;
	if (m->views_free > 0) {
		v = calloc(1, sizeof(*v));
		assert_non_null(v);
		v->m = m;
		v->f = fw_new();
		assert_non_null(v->f);
		/* The peer: 80 open, 81 closed, anything else filtered. */
		memset(v->f->port_beh, FW_PORT_DROP, sizeof(v->f->port_beh));
		v->f->port_beh[80] = FW_PORT_TCP;
		v->f->port_beh[81] = FW_PORT_CLOSED;
		m->views_free--;
		m->opened++;
		m->open_now++;
		*base = m->next_base;
		m->next_base = (uint16_t)(m->next_base + nports);
	}
	pthread_mutex_unlock(&m->lock);
	return v;
}

void wire_view_bind(struct wire_view *v, struct wire *w)
{
	w->ops = &view_ops;
	w->ctx = v;
}

void wire_mux_view_close(struct wire_view *v)
{
	pthread_mutex_lock(&v->m->lock);
	v->m->views_free++;
	v->m->open_now--;
	pthread_mutex_unlock(&v->m->lock);
	free(v->f);
	free(v);
}

/* Views opened so far (read under the stand-in's lock: workers open them). */
static unsigned opened(void)
{
	pthread_mutex_lock(&the_mux.lock);
	unsigned n = the_mux.opened;
	pthread_mutex_unlock(&the_mux.lock);
	return n;
}

static void gate(bool closed)
{
	pthread_mutex_lock(&the_mux.lock);
	the_mux.gate_closed = closed;
	pthread_cond_broadcast(&the_mux.open_cond);
	pthread_mutex_unlock(&the_mux.lock);
}

/* ---- The engine in a thread ------------------------------------------- */

struct harness {
	int fd[2]; /* [0] the test's (HTTP side), [1] the engine's */
	pthread_t thread;
	struct serve_engine *e;
	volatile sig_atomic_t stop, reload; /* as the signal handlers set them */
	int rc;
	char err[256];
	unsigned reloads;
	bool running;
};

/* Our source address; no route to 192.0.2.99. */
static int route(void *ctx, const struct netaddr *dst, struct netaddr *src, uint16_t *mtu,
		 char *err, size_t errlen)
{
	(void)ctx;
	struct netaddr none;
	assert_int_equal(netaddr_parse("192.0.2.99", &none), 0);
	if (netaddr_eq(dst, &none)) {
		snprintf(err, errlen, "no route to 192.0.2.99");
		return -1;
	}
	*mtu = 1500;
	return netaddr_parse(FW_OUR_ADDR, src);
}

/* A worker calls drops() while it builds its DONE, its answer's chunks
 * already sent: hold_drops keeps it there, so a test can act between a
 * probe's end and its DONE. */
static pthread_mutex_t drops_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t drops_cond = PTHREAD_COND_INITIALIZER;
static bool hold_drops;
static unsigned in_drops;

static void hold_dones(bool hold)
{
	pthread_mutex_lock(&drops_lock);
	hold_drops = hold;
	in_drops = 0;
	pthread_cond_broadcast(&drops_cond);
	pthread_mutex_unlock(&drops_lock);
}

/* Wait (10 s at most) until n workers are held in drops(). */
static unsigned held_dones(unsigned n)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&drops_lock);
	while (in_drops < n && pthread_cond_timedwait(&drops_cond, &drops_lock, &until) == 0)
		;
	unsigned got = in_drops;
	pthread_mutex_unlock(&drops_lock);
	return got;
}

/* The capture's drops, as the composing layer would count them. */
static uint64_t drops(void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&drops_lock);
	in_drops++;
	pthread_cond_broadcast(&drops_cond);
	while (hold_drops)
		pthread_cond_wait(&drops_cond, &drops_lock);
	pthread_mutex_unlock(&drops_lock);
	return 42;
}

/* The reloaded configuration: the built-ins but "connect", port 80 only. */
static int reload_cb(void *ctx, struct module_table *modules, struct allow *allow, char *err,
		     size_t errlen)
{
	struct harness *h = ctx;
	h->reloads++;
	struct module_table all;
	assert_int_equal(module_table_builtin(&all), 0);
	const struct module *syn = module_find(&all, "syn");
	assert_non_null(syn);
	struct module keep = *syn;
	keep.data = NULL;
	assert_int_equal(module_table_put(modules, &keep), 0);
	module_table_free(&all);
	assert_int_equal(allow_add_targets(allow, "192.0.2.0/24", err, errlen), 0);
	return allow_add_ports(allow, "80", err, errlen);
}

static void *engine_main(void *arg)
{
	struct harness *h = arg;
	h->rc = serve_engine_run(h->e, h->err, sizeof(h->err));
	return NULL;
}

static void start_reloading(struct harness *h, unsigned max_inflight, unsigned views, bool reload)
{
	memset(h, 0, sizeof(*h));
	h->reload = reload;
	memset(&the_mux, 0, sizeof(the_mux));
	assert_int_equal(pthread_mutex_init(&the_mux.lock, NULL), 0);
	assert_int_equal(pthread_cond_init(&the_mux.open_cond, NULL), 0);
	the_mux.views_free = views;
	the_mux.next_base = 40000;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, h->fd), 0);

	struct module_table mt = { 0 };
	assert_int_equal(module_table_builtin(&mt), 0);
	struct allow al;
	char err[256];
	allow_init(&al);
	assert_int_equal(allow_add_targets(&al, "192.0.2.0/24", err, sizeof(err)), 0);
	assert_int_equal(allow_add_ports(&al, "80,81,82", err, sizeof(err)), 0);
	struct serve_engine_config c = {
		.fd = h->fd[1],
		.mux = &the_mux,
		.max_inflight = max_inflight,
		.ports_per_probe = 4,
		.route = route,
		.stop = &h->stop,
		.reload = &h->reload,
		.reload_cb = reload_cb,
		.reload_ctx = h,
		.drain_max_ns = 10 * FW_SEC,
		.capture_drops = drops,
	};
	h->e = serve_engine_new(&c, &mt, &al);
	assert_non_null(h->e);
	assert_int_equal(mt.n, 0); /* taken */
	assert_int_equal(pthread_create(&h->thread, NULL, engine_main, h), 0);
	h->running = true;
}

static void start(struct harness *h, unsigned max_inflight, unsigned views)
{
	start_reloading(h, max_inflight, views, false);
}

static void join(struct harness *h)
{
	if (h->running)
		assert_int_equal(pthread_join(h->thread, NULL), 0);
	h->running = false;
}

static void finish(struct harness *h)
{
	h->stop = 1;
	join(h);
	assert_int_equal(h->rc, 0);
	serve_engine_free(h->e);
	close(h->fd[0]);
	close(h->fd[1]);
	assert_int_equal(the_mux.open_now, 0);
	pthread_cond_destroy(&the_mux.open_cond);
	pthread_mutex_destroy(&the_mux.lock);
}

/* ---- The HTTP side ----------------------------------------------------- */

static void send_raw(struct harness *h, const void *m, size_t len)
{
	assert_int_equal(send(h->fd[0], m, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void send_probe(struct harness *h, uint32_t id, const char *module, const char *addr,
		       uint16_t port)
{
	struct serve_msg m;
	serve_msg_init(&m, SMSG_PROBE, id);
	serve_msg_text(m.u.probe.module, sizeof(m.u.probe.module), module);
	serve_msg_text(m.u.probe.host, sizeof(m.u.probe.host), "web.example");
	assert_int_equal(netaddr_parse(addr, &m.u.probe.addr), 0);
	m.u.probe.port = port;
	m.u.probe.timeout_ms = 9500;
	send_raw(h, &m, sizeof(m));
}

static void send_list(struct harness *h, uint32_t id)
{
	struct serve_msg m;
	serve_msg_init(&m, SMSG_LIST, id);
	send_raw(h, &m, sizeof(m));
}

/* The engine's next message, well formed (waits at most ANSWER_WAIT_MS). */
static void next_msg(struct harness *h, struct serve_msg *m)
{
	struct pollfd p = { .fd = h->fd[0], .events = POLLIN };
	assert_int_equal(poll(&p, 1, ANSWER_WAIT_MS), 1);
	ssize_t got = recv(h->fd[0], m, sizeof(*m), 0);
	char err[256];
	assert_int_equal(got, (ssize_t)sizeof(*m));
	if (serve_msg_check(m, (size_t)got, false, err, sizeof(err)) != 0)
		fail_msg("bad message from the engine: %s", err);
}

/* One probe's answer: its chunks by stream, in order, then its DONE. */
struct answer {
	char metrics[65536], debug[65536];
	size_t nmetrics, ndebug;
	struct serve_msg done;
};

static void next_answer(struct harness *h, uint32_t id, struct answer *a)
{
	memset(a, 0, sizeof(*a));
	for (;;) {
		struct serve_msg m;
		next_msg(h, &m);
		assert_int_equal(m.id, id);
		if (m.type == SMSG_DONE) {
			a->done = m;
			return;
		}
		assert_int_equal(m.type, SMSG_CHUNK);
		if (m.u.chunk.stream == SSTREAM_METRICS) {
			/* Metrics come first, whole, before any debug text. */
			assert_int_equal(a->ndebug, 0);
			assert_true(a->nmetrics + m.u.chunk.len < sizeof(a->metrics));
			memcpy(a->metrics + a->nmetrics, m.u.chunk.data, m.u.chunk.len);
			a->nmetrics += m.u.chunk.len;
		} else {
			assert_true(a->ndebug + m.u.chunk.len < sizeof(a->debug));
			memcpy(a->debug + a->ndebug, m.u.chunk.data, m.u.chunk.len);
			a->ndebug += m.u.chunk.len;
		}
	}
}

/* A refusal: a DONE with status st and a message saying why, no chunk. */
static void refused(struct harness *h, uint32_t id, enum serve_status st, const char *why)
{
	struct answer a;
	next_answer(h, id, &a);
	assert_int_equal(a.nmetrics + a.ndebug, 0);
	assert_int_equal(a.done.u.done.status, st);
	assert_int_equal(a.done.u.done.success, 0);
	if (strstr(a.done.u.done.message, why) == NULL)
		fail_msg("'%s' is not in the DONE's message '%s'", why, a.done.u.done.message);
}

/* ---- Tests ------------------------------------------------------------- */

static void test_list(void **state)
{
	(void)state;
	struct harness h;
	start(&h, 4, 4);
	send_list(&h, 7);
	struct serve_msg m;
	next_msg(&h, &m);
	assert_int_equal(m.type, SMSG_MODULE);
	assert_int_equal(m.id, 7);
	assert_string_equal(m.u.module.name, "syn");
	assert_int_equal(m.u.module.mode, MODULE_SYN);
	assert_string_not_equal(m.u.module.summary, "");
	next_msg(&h, &m);
	assert_int_equal(m.type, SMSG_MODULE);
	assert_string_equal(m.u.module.name, "connect");
	assert_int_equal(m.u.module.mode, MODULE_CONNECT);
	next_msg(&h, &m);
	assert_int_equal(m.type, SMSG_LIST_END);
	assert_int_equal(m.id, 7);
	finish(&h);
}

static void test_probe_open_and_closed(void **state)
{
	(void)state;
	struct harness h;
	struct answer a;
	start(&h, 4, 4);
	send_probe(&h, 1, "syn", FW_PEER_ADDR, 80);
	next_answer(&h, 1, &a);
	assert_int_equal(a.done.u.done.status, SSTAT_OK);
	assert_int_equal(a.done.u.done.success, 1);
	assert_true(a.done.u.done.duration_ns > 0);
	assert_int_equal(a.done.u.done.capture_drops, 42);
	assert_non_null(strstr(a.metrics, "# HELP probe_success"));
	assert_int_equal(strncmp(a.metrics, "# HELP probe_success", 20), 0);
	assert_non_null(strstr(a.metrics, "\nprobe_success 1\n"));
	assert_non_null(strstr(a.metrics, "tcpshake_port_state{host=\"web.example\",addr=\"192.0.2.10\","
					  "port=\"80\",state=\"open\"} 1\n"));
	assert_non_null(strstr(a.debug, "TCPSHAKE web.example (192.0.2.10) port 80"));

	send_probe(&h, 2, "connect", FW_PEER_ADDR, 81);
	next_answer(&h, 2, &a);
	assert_int_equal(a.done.u.done.status, SSTAT_OK);
	assert_int_equal(a.done.u.done.success, 0);
	assert_non_null(strstr(a.metrics, "\nprobe_success 0\n"));
	assert_non_null(strstr(a.metrics, "handshake=\"refused\"} 1\n"));
	assert_non_null(strstr(a.debug, "handshake=refused"));
	assert_int_equal(opened(), 2);
	finish(&h);
}

/* Refused requests open no view: no packet can leave for them. */
static void test_refusals(void **state)
{
	(void)state;
	struct harness h;
	start(&h, 4, 4);
	send_probe(&h, 3, "syn", "198.51.100.7", 80);
	refused(&h, 3, SSTAT_FORBIDDEN, "198.51.100.7");
	send_probe(&h, 4, "syn", FW_PEER_ADDR, 25);
	refused(&h, 4, SSTAT_FORBIDDEN, "25");
	send_probe(&h, 5, "nosuch", FW_PEER_ADDR, 80);
	refused(&h, 5, SSTAT_BAD_MODULE, "nosuch");
	send_probe(&h, 6, "syn", "192.0.2.99", 80);
	refused(&h, 6, SSTAT_ERROR, "no route to 192.0.2.99");
	assert_int_equal(opened(), 0);
	finish(&h);
}

/* --max-inflight: a second probe while the first is held gets BUSY; and
 * no free view is BUSY too. */
static void test_busy(void **state)
{
	(void)state;
	struct harness h;
	struct answer a;
	start(&h, 1, 4);
	gate(true);
	send_probe(&h, 1, "syn", FW_PEER_ADDR, 80);
	send_probe(&h, 2, "syn", FW_PEER_ADDR, 80);
	refused(&h, 2, SSTAT_BUSY, "in flight");
	gate(false);
	next_answer(&h, 1, &a);
	assert_int_equal(a.done.u.done.status, SSTAT_OK);
	finish(&h);

	start(&h, 4, 0);
	send_probe(&h, 3, "syn", FW_PEER_ADDR, 80);
	refused(&h, 3, SSTAT_BUSY, "ports");
	finish(&h);
}

/* A probe whose answer is all but sent no longer counts against
 * --max-inflight: the HTTP side lets its next request through the moment
 * it has the DONE, and the engine must not then say BUSY for a worker that
 * only had its DONE left to send. */
static void test_slot_free_before_done(void **state)
{
	(void)state;
	struct harness h;
	start(&h, 1, 4);
	hold_dones(true);
	send_probe(&h, 20, "syn", FW_PEER_ADDR, 80);
	assert_int_equal(held_dones(1), 1);
	send_probe(&h, 21, "syn", FW_PEER_ADDR, 81);
	unsigned held = held_dones(2);
	hold_dones(false);
	assert_int_equal(held, 2); /* the second probe ran while the first's DONE was held */
	unsigned dones = 0;
	while (dones < 2) {
		struct serve_msg m;
		next_msg(&h, &m);
		assert_true(m.id == 20 || m.id == 21);
		if (m.type == SMSG_DONE) {
			assert_int_equal(m.u.done.status, SSTAT_OK);
			dones++;
		}
	}
	finish(&h);
}

/* Two probes at once, each answer whole and its own. */
static void test_concurrent(void **state)
{
	(void)state;
	struct harness h;
	start(&h, 4, 4);
	gate(true);
	send_probe(&h, 10, "syn", FW_PEER_ADDR, 80);
	send_probe(&h, 11, "syn", FW_PEER_ADDR, 81);
	gate(false);
	struct answer a[2];
	memset(a, 0, sizeof(a));
	bool done[2] = { false, false };
	while (!done[0] || !done[1]) {
		struct serve_msg m;
		next_msg(&h, &m);
		assert_true(m.id == 10 || m.id == 11);
		struct answer *x = &a[m.id - 10];
		assert_false(done[m.id - 10]);
		if (m.type == SMSG_DONE) {
			x->done = m;
			done[m.id - 10] = true;
		} else if (m.u.chunk.stream == SSTREAM_METRICS) {
			memcpy(x->metrics + x->nmetrics, m.u.chunk.data, m.u.chunk.len);
			x->nmetrics += m.u.chunk.len;
		}
	}
	assert_int_equal(a[0].done.u.done.success, 1);
	assert_int_equal(a[1].done.u.done.success, 0);
	assert_non_null(strstr(a[0].metrics, "port=\"80\",state=\"open\"} 1\n"));
	assert_non_null(strstr(a[1].metrics, "port=\"81\",state=\"closed\"} 1\n"));
	finish(&h);
}

/* A bad message is ignored (one line on stderr) and the loop goes on. */
static void test_bad_message(void **state)
{
	(void)state;
	struct harness h;
	start(&h, 4, 4);
	struct serve_msg m;
	serve_msg_init(&m, SMSG_PROBE, 1);
	m.magic = 0xdeadbeef;
	send_raw(&h, &m, sizeof(m));
	send_raw(&h, "short", 5);
	/* A valid LIST with bytes after it: longer than a message is bad too,
	 * not cut to size and taken. */
	char longer[sizeof(m) + 8];
	serve_msg_init(&m, SMSG_LIST, 4);
	memset(longer, 0, sizeof(longer));
	memcpy(longer, &m, sizeof(m));
	send_raw(&h, longer, sizeof(longer));
	serve_msg_init(&m, SMSG_DONE, 2); /* only the engine sends DONE */
	send_raw(&h, &m, sizeof(m));
	send_list(&h, 3);
	next_msg(&h, &m);
	assert_int_equal(m.id, 3);
	assert_int_equal(m.type, SMSG_MODULE);
	finish(&h);
	assert_int_equal(opened(), 0);
}

/* A reload swaps the modules and the allow list; the flag is cleared.
 * It is set before the loop starts, so the loop sees it before the first
 * request. */
static void test_reload(void **state)
{
	(void)state;
	struct harness h;
	start_reloading(&h, 4, 4, true);
	send_list(&h, 2);
	struct serve_msg m;
	next_msg(&h, &m);
	assert_string_equal(m.u.module.name, "syn");
	next_msg(&h, &m);
	assert_int_equal(m.type, SMSG_LIST_END);
	assert_int_equal(h.reloads, 1);
	assert_int_equal(h.reload, 0);
	send_probe(&h, 3, "connect", FW_PEER_ADDR, 80);
	refused(&h, 3, SSTAT_BAD_MODULE, "connect");
	send_probe(&h, 4, "syn", FW_PEER_ADDR, 81);
	refused(&h, 4, SSTAT_FORBIDDEN, "81");
	finish(&h);
	assert_int_equal(h.reloads, 1);
}

/* On stop: new probes are refused as draining, the running one finishes
 * and its answer arrives, then the loop returns 0. */
static void test_drain(void **state)
{
	(void)state;
	struct harness h;
	struct answer a;
	start(&h, 4, 4);
	gate(true);
	send_probe(&h, 1, "syn", FW_PEER_ADDR, 80);
	/* The probe is admitted once its view is open. */
	send_list(&h, 9);
	struct serve_msg m;
	do
		next_msg(&h, &m);
	while (m.type != SMSG_LIST_END);
	assert_int_equal(opened(), 1);
	h.stop = 1;
	send_probe(&h, 2, "syn", FW_PEER_ADDR, 80);
	refused(&h, 2, SSTAT_DRAINING, "shutting down");
	gate(false);
	next_answer(&h, 1, &a);
	assert_int_equal(a.done.u.done.status, SSTAT_OK);
	assert_int_equal(a.done.u.done.success, 1);
	join(&h);
	assert_int_equal(h.rc, 0);
	finish(&h);
}

/* A drain waits for a probe that is over but still sending its answer
 * (its slot already freed for admission): it keeps answering requests
 * DRAINING meanwhile, and the answer goes out whole. */
static void test_drain_waits_for_answers(void **state)
{
	(void)state;
	struct harness h;
	start(&h, 4, 4);
	hold_dones(true);
	send_probe(&h, 1, "syn", FW_PEER_ADDR, 80);
	assert_int_equal(held_dones(1), 1);
	h.stop = 1;
	/* Long past the loop's noticing *stop (POLL_MS): a drain that did
	 * not wait for the held answer is joining its worker by now, reading
	 * no request. A starved engine thread can only make this pass. */
	struct timespec later = { 0, 300 * 1000 * 1000 };
	nanosleep(&later, NULL);
	send_probe(&h, 2, "syn", FW_PEER_ADDR, 80);
	/* Probe 1's chunks went before its held DONE; then probe 2's refusal. */
	struct serve_msg m;
	do {
		next_msg(&h, &m);
		assert_true(m.id == 1 || m.id == 2);
		assert_false(m.id == 1 && m.type == SMSG_DONE);
	} while (m.id != 2);
	assert_int_equal(m.type, SMSG_DONE);
	assert_int_equal(m.u.done.status, SSTAT_DRAINING);
	hold_dones(false);
	do
		next_msg(&h, &m);
	while (m.type != SMSG_DONE);
	assert_int_equal(m.id, 1);
	assert_int_equal(m.u.done.status, SSTAT_OK);
	join(&h);
	assert_int_equal(h.rc, 0);
	finish(&h);
}

/* The HTTP side closing its end ends the loop (0), running probes joined. */
static void test_peer_close(void **state)
{
	(void)state;
	struct harness h;
	start(&h, 4, 4);
	send_probe(&h, 1, "syn", FW_PEER_ADDR, 82);
	close(h.fd[0]);
	h.fd[0] = -1;
	join(&h);
	assert_int_equal(h.rc, 0);
	serve_engine_free(h.e);
	close(h.fd[1]);
	assert_int_equal(the_mux.open_now, 0);
	pthread_cond_destroy(&the_mux.open_cond);
	pthread_mutex_destroy(&the_mux.lock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_probe_open_and_closed),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_slot_free_before_done),
		cmocka_unit_test(test_bad_message),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_drain_waits_for_answers),
		cmocka_unit_test(test_peer_close),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
