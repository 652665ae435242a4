/*
 * wire_mux: one inner struct wire shared by concurrent probe threads. See
 * wire_mux.h.
 *
 * One reader thread is the inner wire's only reader: it waits on it with a
 * short deadline (READER_TICK_NS), so wire_mux_free stops it promptly
 * without any way to wake the inner wire (a struct wire has none), takes
 * every frame, decodes it (core/segment.h) and copies it into the queue
 * of the view that owns the port it names. The engines on
 * the views never see the inner wire's buffers, so "valid until the next
 * next()" holds per view.
 *
 * Three kinds of lock, always taken in this order when nested:
 *  - m->lock: the port table and the list of views. The reader holds it
 *    while it hands a frame to its view, so a view that closes (under
 *    m->lock too) can never be handed a frame after it is gone.
 *  - v->lock: one view's queue, with v->cond (on CLOCK_MONOTONIC, so a
 *    step of the wall clock neither ends a wait early nor stretches it).
 *  - m->io (never nested): every inner call except wait and now: send,
 *    next and record, and whatever wire_mux_locked runs. libnet is not
 *    thread-safe, nor does libpcap promise a handle is safe from two
 *    threads; wait stays outside it so a waiting reader never delays a
 *    send.
 *
 * A full queue drops the newest frame (counted in wire_mux_overflows), as
 * the kernel's capture ring does when its reader falls behind: what is
 * queued is the oldest and in order, and the first answer is what a probe
 * measures. A full queue means the engine is not keeping up; TCP's
 * retransmissions and the probes' timeouts handle what was lost.
 *
 * When the inner wire fails (a wait error other than a signal, or a
 * capture error), the mux fails for good: every view's wait returns 1 at
 * once and its next returns -1 once its queue is empty, so each engine
 * ends with "capture failed", as it would on the inner wire alone.
 */
#include "config.h"
#include "engine/wire_mux.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/segment.h"

/* Frames one view holds before the newest are dropped. */
#define VIEW_QUEUE_MAX 256
/* The reader's longest wait on the inner wire: how long wire_mux_free may
 * take to stop it. */
#define READER_TICK_NS (50 * 1000000ull)
/* The longest single condition wait of a view (its loop goes on to the
 * deadline), so a far deadline never overflows a timespec. */
#define VIEW_WAIT_SLICE_NS (3600 * 1000000000ull)

/* A frame copied out of the inner wire (data malloc'd, caplen bytes). */
struct mux_frame {
	uint8_t *data;
	size_t caplen;
	int linktype;
	uint64_t ts_ns;
};

struct wire_view {
	struct wire_mux *m;
	uint16_t first, n;  /* ports [m->base + first, + n) */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a frame came, or a wake */
	struct mux_frame q[VIEW_QUEUE_MAX];
	size_t head, len;
	struct mux_frame cur; /* the frame next() handed out last */
	bool woken;           /* a signal reached the reader: wait returns 1 once */
	struct wire_view *next_view;
};

struct wire_mux {
	struct wire inner;
	uint16_t base, n;
	pthread_mutex_t io;
	pthread_mutex_t lock;
	struct wire_view **owner; /* n entries, by port - base; NULL: free */
	size_t cursor;            /* where the next view's search begins */
	struct wire_view *views;
	pthread_t reader;
	bool started;
	atomic_bool stopping;
	atomic_bool failed;
	atomic_ulong unowned, overflows;
	atomic_bool reset_strays; /* answer what no view owns with a RST */
	atomic_ulong strays_reset;
};

/* ---- The views' side ------------------------------------------------------ */

static int view_send(void *ctx, const struct tx_segment *seg, uint64_t *sent_ns)
{
	struct wire_view *v = ctx;
	struct wire_mux *m = v->m;
	pthread_mutex_lock(&m->io);
	int rc = m->inner.ops->send(m->inner.ctx, seg, sent_ns);
	int e = errno;
	pthread_mutex_unlock(&m->io);
	errno = e;
	return rc;
}

static uint64_t view_now(void *ctx)
{
	struct wire_view *v = ctx;
	return v->m->inner.ops->now(v->m->inner.ctx);
}

/* The monotonic clock dur_ns from now, for pthread_cond_timedwait. */
static struct timespec mono_after(uint64_t dur_ns)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t ns = (uint64_t)ts.tv_nsec + dur_ns % 1000000000ull;
	ts.tv_sec += (time_t)(dur_ns / 1000000000ull + ns / 1000000000ull);
	ts.tv_nsec = (long)(ns % 1000000000ull);
	return ts;
}

/* The deadline is in the inner wire's clock (now()), which need not be
 * the monotonic one: sleep for what is left of it, then look again. */
static int view_wait(void *ctx, uint64_t deadline_ns)
{
	struct wire_view *v = ctx;
	struct wire_mux *m = v->m;
	int rc;
	pthread_mutex_lock(&v->lock);
	for (;;) {
		if (v->len > 0 || v->woken || atomic_load(&m->failed)) {
			v->woken = false;
			rc = 1;
			break;
		}
		uint64_t now = m->inner.ops->now(m->inner.ctx);
		if (now >= deadline_ns) {
			rc = 0;
			break;
		}
		uint64_t left = deadline_ns - now;
		struct timespec until = mono_after(left < VIEW_WAIT_SLICE_NS ? left : VIEW_WAIT_SLICE_NS);
		pthread_cond_timedwait(&v->cond, &v->lock, &until);
	}
	pthread_mutex_unlock(&v->lock);
	return rc;
}

static int view_next(void *ctx, struct wire_packet *pkt)
{
	struct wire_view *v = ctx;
	int rc = 1;
	pthread_mutex_lock(&v->lock);
	free(v->cur.data);
	v->cur.data = NULL;
	if (v->len == 0) {
		rc = atomic_load(&v->m->failed) ? -1 : 0;
	} else {
		v->cur = v->q[v->head];
		v->head = (v->head + 1) % VIEW_QUEUE_MAX;
		v->len--;
		pkt->data = v->cur.data;
		pkt->caplen = v->cur.caplen;
		pkt->linktype = v->cur.linktype;
		pkt->ts_ns = v->cur.ts_ns;
	}
	pthread_mutex_unlock(&v->lock);
	if (rc < 0)
		errno = EIO;
	return rc;
}

static void view_record(void *ctx, const struct wire_packet *pkt)
{
	struct wire_view *v = ctx;
	struct wire_mux *m = v->m;
	if (m->inner.ops->record == NULL)
		return;
	pthread_mutex_lock(&m->io);
	m->inner.ops->record(m->inner.ctx, pkt);
	pthread_mutex_unlock(&m->io);
}

static const struct wire_ops view_ops = {
	.send = view_send,
	.wait = view_wait,
	.next = view_next,
	.now = view_now,
	.record = view_record,
};

/* ---- The reader ------------------------------------------------------------ */

/* The view owning port, or NULL. m->lock held. */
static struct wire_view *owner_of(const struct wire_mux *m, uint16_t port)
{
	uint16_t i = (uint16_t)(port - m->base);
	return i < m->n ? m->owner[i] : NULL;
}

/* The view a decoded frame belongs to: a TCP segment's source port (our
 * own segment's capture copy) or destination port (the answer), an ICMP
 * error's quoted source port. m->lock held. */
static struct wire_view *owner_of_seg(const struct wire_mux *m, const struct segment *seg)
{
	if (seg->kind == SEGMENT_KIND_ICMP_ERROR)
		return owner_of(m, seg->quote.sport);
	struct wire_view *v = owner_of(m, seg->sport);
	return v != NULL ? v : owner_of(m, seg->dport);
}

/* Whether seg is an answer to one of our ports that no probe holds any
 * longer and that a TCP would reset: it carries ACK and not RST (RFC 9293
 * 3.10.7.1, a segment for a connection in CLOSED). */
static bool stray_to_reset(const struct wire_mux *m, const struct segment *seg)
{
	return seg->kind == SEGMENT_KIND_TCP && (uint16_t)(seg->dport - m->base) < m->n &&
	       (uint16_t)(seg->sport - m->base) >= m->n && (seg->flags & TCPF_ACK) &&
	       !(seg->flags & TCPF_RST);
}

/* <SEQ=SEG.ACK><CTL=RST> for seg, as RFC 9293 answers it in CLOSED. */
static void reset_stray(struct wire_mux *m, const struct segment *seg)
{
	struct tx_segment rst;
	uint64_t sent_ns;
	memset(&rst, 0, sizeof(rst));
	rst.src = seg->dst;
	rst.dst = seg->src;
	rst.sport = seg->dport;
	rst.dport = seg->sport;
	rst.seq = seg->ack;
	rst.flags = TCPF_RST;
	rst.ttl = 64;
	pthread_mutex_lock(&m->io);
	if (m->inner.ops->send(m->inner.ctx, &rst, &sent_ns) == 0)
		atomic_fetch_add(&m->strays_reset, 1);
	pthread_mutex_unlock(&m->io);
}

/* Copy pkt to the end of v's queue (the newest is dropped when it is full,
 * or when there is no memory for the copy). m->lock held. */
static void enqueue(struct wire_mux *m, struct wire_view *v, const struct wire_packet *pkt)
{
	pthread_mutex_lock(&v->lock);
	uint8_t *copy = v->len < VIEW_QUEUE_MAX ? malloc(pkt->caplen ? pkt->caplen : 1) : NULL;
	if (copy == NULL) {
		atomic_fetch_add(&m->overflows, 1);
	} else {
		memcpy(copy, pkt->data, pkt->caplen);
		struct mux_frame *f = &v->q[(v->head + v->len) % VIEW_QUEUE_MAX];
		f->data = copy;
		f->caplen = pkt->caplen;
		f->linktype = pkt->linktype;
		f->ts_ns = pkt->ts_ns;
		v->len++;
		pthread_cond_signal(&v->cond);
	}
	pthread_mutex_unlock(&v->lock);
}

static void deal(struct wire_mux *m, const struct wire_packet *pkt)
{
	struct segment seg;
	enum segment_reason why;
	if (segment_decode(pkt->data, pkt->caplen, pkt->linktype, &seg, &why) != SEGMENT_OK) {
		atomic_fetch_add(&m->unowned, 1); /* the engines ignore what does not decode */
		return;
	}
	pthread_mutex_lock(&m->lock);
	struct wire_view *v = owner_of_seg(m, &seg);
	if (v != NULL)
		enqueue(m, v, pkt);
	pthread_mutex_unlock(&m->lock);
	if (v != NULL)
		return;
	atomic_fetch_add(&m->unowned, 1);
	/* With the RST guard the kernel's own answer is silenced: without
	 * ours, a server whose SYN-ACK we missed would hold the half-open
	 * connection, and answer the next probe from that port with an ACK
	 * for the old one. */
	if (atomic_load(&m->reset_strays) && stray_to_reset(m, &seg))
		reset_stray(m, &seg);
}

/* Make every view's wait return 1 now: after a signal (its engine looks at
 * its stop flag), or a failure (its next reports it). */
static void wake_all(struct wire_mux *m)
{
	pthread_mutex_lock(&m->lock);
	for (struct wire_view *v = m->views; v != NULL; v = v->next_view) {
		pthread_mutex_lock(&v->lock);
		v->woken = true;
		pthread_cond_signal(&v->cond);
		pthread_mutex_unlock(&v->lock);
	}
	pthread_mutex_unlock(&m->lock);
}

/* Take and deal every frame ready. 0, or -1 when the inner wire failed. */
static int drain(struct wire_mux *m)
{
	while (!atomic_load(&m->stopping)) {
		struct wire_packet pkt;
		pthread_mutex_lock(&m->io);
		int rc = m->inner.ops->next(m->inner.ctx, &pkt);
		pthread_mutex_unlock(&m->io);
		/* pkt stays valid until the next next(), which only this
		 * thread calls. */
		if (rc <= 0)
			return rc;
		deal(m, &pkt);
	}
	return 0;
}

static void *reader_main(void *arg)
{
	struct wire_mux *m = arg;
	while (!atomic_load(&m->stopping)) {
		uint64_t now = m->inner.ops->now(m->inner.ctx);
		int rc = m->inner.ops->wait(m->inner.ctx, now + READER_TICK_NS);
		if (rc < 0 && errno == EINTR) {
			/* A signal: the engines' stop flags may be set, and a
			 * condition wait does not end for a signal. */
			wake_all(m);
		} else if (rc < 0 || drain(m) < 0) {
			atomic_store(&m->failed, true);
			wake_all(m);
			break;
		}
	}
	return NULL;
}

/* ---- The mux ------------------------------------------------------------- */

struct wire_mux *wire_mux_new(const struct wire *inner, uint16_t base, uint16_t n, char *err,
			      size_t errlen)
{
	if (inner == NULL || inner->ops == NULL) {
		snprintf(err, errlen, "no wire to share");
		return NULL;
	}
	if (n == 0 || base == 0 || (uint32_t)base + n > 65536u) {
		snprintf(err, errlen, "bad source port block: %u ports from %u", n, base);
		return NULL;
	}
	struct wire_mux *m = calloc(1, sizeof(*m));
	if (m != NULL)
		m->owner = calloc(n, sizeof(*m->owner));
	if (m == NULL || m->owner == NULL) {
		free(m);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->inner = *inner;
	m->base = base;
	m->n = n;
	pthread_mutex_init(&m->io, NULL);
	pthread_mutex_init(&m->lock, NULL);
	atomic_init(&m->stopping, false);
	atomic_init(&m->failed, false);
	atomic_init(&m->unowned, 0);
	atomic_init(&m->reset_strays, false);
	atomic_init(&m->strays_reset, 0);
	atomic_init(&m->overflows, 0);
	return m;
}

int wire_mux_start(struct wire_mux *m, char *err, size_t errlen)
{
	if (m->started) {
		snprintf(err, errlen, "the wire mux is already started");
		return -1;
	}
	int rc = pthread_create(&m->reader, NULL, reader_main, m);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the capture reader thread: %s", strerror(rc));
		return -1;
	}
	m->started = true;
	return 0;
}

static void view_destroy(struct wire_view *v)
{
	for (size_t i = 0; i < v->len; i++)
		free(v->q[(v->head + i) % VIEW_QUEUE_MAX].data);
	free(v->cur.data);
	pthread_cond_destroy(&v->cond);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

void wire_mux_free(struct wire_mux *m)
{
	if (m == NULL)
		return;
	if (m->started) {
		atomic_store(&m->stopping, true);
		pthread_join(m->reader, NULL);
	}
	while (m->views != NULL) {
		struct wire_view *v = m->views;
		m->views = v->next_view;
		view_destroy(v);
	}
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->io);
	free(m->owner);
	free(m);
}

/* The first index where nports free ports begin, trying every start from
 * the cursor on and wrapping once, or -1. A run never wraps: its ports are
 * contiguous. */
static long find_run(const struct wire_mux *m, uint16_t nports)
{
	size_t starts = (size_t)m->n - nports + 1;
	size_t s0 = m->cursor < starts ? m->cursor : 0;
	for (size_t k = 0; k < starts; k++) {
		size_t s = (s0 + k) % starts, j = 0;
		while (j < nports && m->owner[s + j] == NULL)
			j++;
		if (j == nports)
			return (long)s;
	}
	return -1;
}

struct wire_view *wire_mux_view_open(struct wire_mux *m, uint16_t nports, uint16_t *base)
{
	if (nports == 0 || nports > m->n)
		return NULL;
	struct wire_view *v = calloc(1, sizeof(*v));
	if (v == NULL)
		return NULL;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&v->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&v->lock, NULL);
	v->m = m;
	v->n = nports;

	pthread_mutex_lock(&m->lock);
	long s = find_run(m, nports);
	if (s >= 0) {
		v->first = (uint16_t)s;
		for (size_t i = 0; i < nports; i++)
			m->owner[(size_t)s + i] = v;
		m->cursor = (size_t)s + nports < m->n ? (size_t)s + nports : 0;
		v->next_view = m->views;
		m->views = v;
	}
	pthread_mutex_unlock(&m->lock);
	if (s < 0) {
		view_destroy(v);
		return NULL;
	}
	*base = (uint16_t)(m->base + v->first);
	return v;
}

void wire_view_bind(struct wire_view *v, struct wire *w)
{
	w->ops = &view_ops;
	w->ctx = v;
}

void wire_mux_view_close(struct wire_view *v)
{
	if (v == NULL)
		return;
	struct wire_mux *m = v->m;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < v->n; i++)
		m->owner[v->first + i] = NULL;
	for (struct wire_view **p = &m->views; *p != NULL; p = &(*p)->next_view) {
		if (*p == v) {
			*p = v->next_view;
			break;
		}
	}
	pthread_mutex_unlock(&m->lock);
	view_destroy(v);
}

void wire_mux_locked(struct wire_mux *m, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&m->io);
	fn(arg);
	pthread_mutex_unlock(&m->io);
}

void wire_mux_reset_strays(struct wire_mux *m, bool on)
{
	atomic_store(&m->reset_strays, on);
}

unsigned long wire_mux_strays_reset(const struct wire_mux *m)
{
	return atomic_load(&m->strays_reset);
}

unsigned long wire_mux_unowned(const struct wire_mux *m)
{
	return atomic_load(&m->unowned);
}

unsigned long wire_mux_overflows(const struct wire_mux *m)
{
	return atomic_load(&m->overflows);
}
