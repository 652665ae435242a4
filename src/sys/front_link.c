/*
 * front_link: the HTTP process's end of the engine socketpair, described in
 * front_link.h.
 *
 * Why this shape: SOCK_SEQPACKET keeps each fixed-size message whole, so
 * any request thread may send its own PROBE or LIST (a send is one atomic
 * message), but only one thread can sensibly read, since answers to
 * different requests interleave. That reader owns nothing but the
 * dispatch: a waiter lives on its request thread's stack, is linked into
 * the table (under the mutex) before its request is sent, and is unlinked
 * by that thread, under the mutex, before it returns, so the reader only
 * ever touches a waiter that is still linked. The reader polls with a
 * short timeout so front_link_free can stop it without closing the caller's
 * descriptor. Waits use CLOCK_MONOTONIC, so a clock step cannot stretch a
 * scrape. Sends do not block past the request's deadline: an engine that
 * stops reading makes a timeout, not a stuck thread.
 */
#include "config.h"
#include "sys/front_link.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "sys/clock.h"

/* How often the reader looks at its quit flag. */
#define READER_POLL_MS 100

enum waiter_kind { WAIT_PROBE, WAIT_LIST };

struct stream_buf {
	char *p;
	size_t len, cap;
};

struct waiter {
	struct waiter *next;
	uint32_t id;
	enum waiter_kind kind;
	pthread_cond_t cond;
	bool answered;
	/* WAIT_PROBE */
	struct serve_msg done;
	struct stream_buf metrics, debug;
	bool cut;
	/* WAIT_LIST */
	struct front_module *mods;
	size_t nmods;
};

struct front_link {
	int fd;
	pthread_mutex_t mu;
	struct waiter *waiters; /* linked while their request waits */
	uint32_t next_id;
	bool gone;              /* the engine's end closed */
	bool aborted;
	bool quit;              /* front_link_free: the reader returns */
	pthread_t reader;
};

/* Append n bytes, keeping a NUL after them; false when the cap was hit
 * (what fits is kept) or memory ran out. */
static bool stream_append(struct stream_buf *b, const char *data, size_t n)
{
	bool whole = true;

	if (b->len + n > FRONT_STREAM_MAX) {
		n = FRONT_STREAM_MAX - b->len;
		whole = false;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL)
			return false;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return whole;
}

static struct waiter *find_waiter(struct front_link *l, uint32_t id)
{
	for (struct waiter *w = l->waiters; w != NULL; w = w->next)
		if (w->id == id)
			return w;
	return NULL;
}

/* One checked message from the engine, to its waiter (under l->mu). */
static void dispatch(struct front_link *l, const struct serve_msg *m)
{
	struct waiter *w = find_waiter(l, m->id);

	if (w == NULL || w->answered)
		return; /* a request that stopped waiting, or a repeat */
	switch ((enum serve_msg_type)m->type) {
	case SMSG_CHUNK:
		if (w->kind != WAIT_PROBE)
			return;
		if (!stream_append(m->u.chunk.stream == SSTREAM_DEBUG ? &w->debug : &w->metrics,
				   m->u.chunk.data, m->u.chunk.len))
			w->cut = true;
		return;
	case SMSG_DONE:
		if (w->kind != WAIT_PROBE)
			return;
		w->done = *m;
		break;
	case SMSG_MODULE:
		if (w->kind != WAIT_LIST || w->nmods >= FRONT_MODULES_MAX)
			return;
		if (w->nmods % 16 == 0) {
			struct front_module *v = realloc(w->mods, (w->nmods + 16) * sizeof(*v));
			if (v == NULL)
				return;
			w->mods = v;
		}
		serve_msg_text(w->mods[w->nmods].name, SERVE_NAME_MAX, m->u.module.name);
		serve_msg_text(w->mods[w->nmods].summary, SERVE_TEXT_MAX, m->u.module.summary);
		w->nmods++;
		return;
	case SMSG_LIST_END:
		if (w->kind != WAIT_LIST)
			return;
		break;
	default:
		return;
	}
	w->answered = true;
	pthread_cond_signal(&w->cond);
}

static void wake_all(struct front_link *l)
{
	for (struct waiter *w = l->waiters; w != NULL; w = w->next)
		pthread_cond_signal(&w->cond);
}

static void *reader_main(void *arg)
{
	struct front_link *l = arg;
	struct serve_msg m;
	char err[160];

	for (;;) {
		pthread_mutex_lock(&l->mu);
		bool quit = l->quit;
		pthread_mutex_unlock(&l->mu);
		if (quit)
			return NULL;
		struct pollfd p = { .fd = l->fd, .events = POLLIN };
		int pr = poll(&p, 1, READER_POLL_MS);
		if (pr < 0 && errno != EINTR)
			break;
		if (pr <= 0)
			continue;
		ssize_t got = recv(l->fd, &m, sizeof(m), MSG_DONTWAIT);
		if (got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (got <= 0)
			break;
		if (serve_msg_check(&m, (size_t)got, false, err, sizeof(err)) != 0) {
			fprintf(stderr, "tcpshake: a message from the probe engine dropped: %s\n", err);
			continue;
		}
		pthread_mutex_lock(&l->mu);
		dispatch(l, &m);
		pthread_mutex_unlock(&l->mu);
	}
	pthread_mutex_lock(&l->mu);
	l->gone = true;
	wake_all(l);
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

struct front_link *front_link_new(int fd, char *err, size_t errlen)
{
	struct front_link *l = calloc(1, sizeof(*l));
	int rc;

	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->fd = fd;
	l->next_id = 1;
	pthread_mutex_init(&l->mu, NULL);
	rc = pthread_create(&l->reader, NULL, reader_main, l);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the engine reader thread: %s", strerror(rc));
		pthread_mutex_destroy(&l->mu);
		free(l);
		return NULL;
	}
	return l;
}

void front_link_free(struct front_link *l)
{
	if (l == NULL)
		return;
	pthread_mutex_lock(&l->mu);
	l->quit = true;
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->reader, NULL);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

/* The next id, skipping 0 when the counter wraps (under l->mu). */
static uint32_t take_id(struct front_link *l)
{
	uint32_t id = l->next_id++;
	if (l->next_id == 0)
		l->next_id = 1;
	return id;
}

uint32_t front_link_next_id(struct front_link *l)
{
	pthread_mutex_lock(&l->mu);
	uint32_t id = take_id(l);
	pthread_mutex_unlock(&l->mu);
	return id;
}

bool front_link_gone(struct front_link *l)
{
	pthread_mutex_lock(&l->mu);
	bool gone = l->gone;
	pthread_mutex_unlock(&l->mu);
	return gone;
}

void front_link_abort(struct front_link *l)
{
	pthread_mutex_lock(&l->mu);
	l->aborted = true;
	wake_all(l);
	pthread_mutex_unlock(&l->mu);
}

/* Send m whole before deadline (monotonic ns): FRONT_ANSWERED when it is
 * sent, or the outcome that stopped it. */
static enum front_outcome send_msg(struct front_link *l, const struct serve_msg *m, uint64_t deadline)
{
	for (;;) {
		ssize_t n = send(l->fd, m, sizeof(*m), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == (ssize_t)sizeof(*m))
			return FRONT_ANSWERED;
		if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			return FRONT_GONE;
		uint64_t now = clock_monotonic_ns();
		if (now >= deadline)
			return FRONT_TIMEOUT;
		uint64_t left_ms = (deadline - now) / 1000000u + 1;
		struct pollfd p = { .fd = l->fd, .events = POLLOUT };
		(void)poll(&p, 1, left_ms > READER_POLL_MS ? READER_POLL_MS : (int)left_ms);
		pthread_mutex_lock(&l->mu);
		enum front_outcome stop = l->gone ? FRONT_GONE : l->aborted ? FRONT_ABORTED : FRONT_ANSWERED;
		pthread_mutex_unlock(&l->mu);
		if (stop != FRONT_ANSWERED)
			return stop;
	}
}

/* Link w under a fresh id into m, send m, wait for w's answer; w is
 * unlinked again whatever happens. */
static enum front_outcome ask(struct front_link *l, struct waiter *w, struct serve_msg *m, uint64_t wait_ns)
{
	uint64_t deadline = clock_monotonic_ns() + wait_ns;
	enum front_outcome out;
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);

	pthread_mutex_lock(&l->mu);
	w->id = take_id(l);
	m->id = w->id;
	if (l->gone || l->aborted) {
		out = l->gone ? FRONT_GONE : FRONT_ABORTED;
		pthread_mutex_unlock(&l->mu);
		pthread_cond_destroy(&w->cond);
		return out;
	}
	w->next = l->waiters;
	l->waiters = w;
	pthread_mutex_unlock(&l->mu);

	out = send_msg(l, m, deadline);

	pthread_mutex_lock(&l->mu);
	if (out == FRONT_ANSWERED) {
		struct timespec until = clock_timespec(deadline);
		while (!w->answered && !l->gone && !l->aborted) {
			if (pthread_cond_timedwait(&w->cond, &l->mu, &until) == ETIMEDOUT)
				break;
		}
		if (w->answered)
			out = FRONT_ANSWERED;
		else if (l->gone)
			out = FRONT_GONE;
		else if (l->aborted)
			out = FRONT_ABORTED;
		else
			out = FRONT_TIMEOUT;
	}
	for (struct waiter **p = &l->waiters; *p != NULL; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	pthread_mutex_unlock(&l->mu);
	pthread_cond_destroy(&w->cond);
	return out;
}

enum front_outcome front_link_probe(struct front_link *l, struct serve_msg *m, uint64_t wait_ns,
				    struct front_answer *a)
{
	struct waiter w;

	memset(&w, 0, sizeof(w));
	memset(a, 0, sizeof(*a));
	w.kind = WAIT_PROBE;
	enum front_outcome out = ask(l, &w, m, wait_ns);
	a->id = w.id;
	a->metrics = w.metrics.p;
	a->metrics_len = w.metrics.len;
	a->debug = w.debug.p;
	a->debug_len = w.debug.len;
	a->cut = w.cut;
	if (out == FRONT_ANSWERED) {
		a->status = (enum serve_status)w.done.u.done.status;
		a->success = w.done.u.done.success != 0;
		a->duration_ns = w.done.u.done.duration_ns;
		a->capture_drops = w.done.u.done.capture_drops;
		serve_msg_text(a->message, sizeof(a->message), w.done.u.done.message);
	}
	return out;
}

void front_answer_free(struct front_answer *a)
{
	free(a->metrics);
	free(a->debug);
	a->metrics = a->debug = NULL;
	a->metrics_len = a->debug_len = 0;
}

enum front_outcome front_link_list(struct front_link *l, uint64_t wait_ns, struct front_module **mods,
				   size_t *n)
{
	struct waiter w;
	struct serve_msg m;

	memset(&w, 0, sizeof(w));
	w.kind = WAIT_LIST;
	serve_msg_init(&m, SMSG_LIST, 0);
	enum front_outcome out = ask(l, &w, &m, wait_ns);
	if (out != FRONT_ANSWERED) {
		free(w.mods);
		w.mods = NULL;
		w.nmods = 0;
	}
	*mods = w.mods;
	*n = w.nmods;
	return out;
}
