/*
 * Unit tests for wire_mux: one inner wire shared by concurrent views.
 *
 * The fake wire (tests/unit/fakewire.h) moves its clock only when its one
 * caller waits, which fits one engine, not a reader thread and several
 * engines at once. So the inner wire here is "twire": the fake's network
 * and peer behind a mutex, on the real clock (FW_T0 plus the monotonic
 * time since the test began), its wait a condition wait until the fake's
 * next frame is due or the deadline. The tests can also hand it frames of
 * their own (built by pktbuild), which it gives out before the fake's, and
 * make its wait fail with EINTR (a signal) or its next fail (a capture
 * error).
 *
 * Nothing is judged by wall-clock time: a wait that should end early gets
 * a deadline of many seconds, so a busy machine cannot make a test fail,
 * only a broken mux can.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <cmocka.h>

#include "../fakewire.h"
#include "../pktbuild.h"
#include "core/segment.h"
#include "core/target.h"
#include "engine/probe.h"
#include "engine/session.h"
#include "engine/wire_mux.h"

#define LONG_WAIT (30 * FW_SEC) /* a wait that must end long before this */
#define INJ_MAX 512

/* ---- twire: the fake behind a lock, on the real clock ------------------- */

struct inj {
	uint8_t buf[256];
	size_t len;
	int linktype;
	uint64_t ts;
};

struct twire {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* CLOCK_MONOTONIC: a frame was handed in or sent */
	struct fakewire *f;
	struct wire fw;      /* the fake's own ops */
	uint64_t mono0;
	struct inj inj[INJ_MAX]; /* the test's frames, first out */
	size_t ninj, inj_next;
	struct inj cur;
	unsigned eintr;      /* waits still to fail with EINTR */
	bool fail_next;      /* next fails once the test's frames are out */
	unsigned long records, waits;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * FW_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t tw_clock(const struct twire *t)
{
	return FW_T0 + (mono_ns() - t->mono0);
}

/* The fake's clock follows the real one. t->lock held. */
static void tw_sync(struct twire *t)
{
	uint64_t now = tw_clock(t);
	if (t->f->now < now)
		t->f->now = now;
}

static int tw_send(void *ctx, const struct tx_segment *seg, uint64_t *sent_ns)
{
	struct twire *t = ctx;
	pthread_mutex_lock(&t->lock);
	tw_sync(t);
	int rc = t->fw.ops->send(t->fw.ctx, seg, sent_ns);
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	return rc;
}

static int tw_wait(void *ctx, uint64_t deadline)
{
	struct twire *t = ctx;
	int rc;
	pthread_mutex_lock(&t->lock);
	t->waits++;
	for (;;) {
		if (t->eintr > 0) {
			t->eintr--;
			pthread_mutex_unlock(&t->lock);
			errno = EINTR;
			return -1;
		}
		tw_sync(t);
		uint64_t now = t->f->now;
		bool due = t->f->nq > 0 && t->f->q[0].ts <= now;
		if (t->inj_next < t->ninj || due || t->fail_next) {
			rc = 1;
			break;
		}
		if (now >= deadline) {
			rc = 0;
			break;
		}
		uint64_t until = deadline;
		if (t->f->nq > 0 && t->f->q[0].ts < until)
			until = t->f->q[0].ts;
		uint64_t d = until - now;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t ns = (uint64_t)ts.tv_nsec + d % FW_SEC;
		ts.tv_sec += (time_t)(d / FW_SEC + ns / FW_SEC);
		ts.tv_nsec = (long)(ns % FW_SEC);
		pthread_cond_timedwait(&t->cond, &t->lock, &ts);
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

static int tw_next(void *ctx, struct wire_packet *pkt)
{
	struct twire *t = ctx;
	int rc;
	pthread_mutex_lock(&t->lock);
	if (t->inj_next < t->ninj) {
		t->cur = t->inj[t->inj_next++];
		pkt->data = t->cur.buf;
		pkt->caplen = t->cur.len;
		pkt->linktype = t->cur.linktype;
		pkt->ts_ns = t->cur.ts;
		rc = 1;
	} else if (t->fail_next) {
		errno = EIO;
		rc = -1;
	} else {
		tw_sync(t);
		rc = t->fw.ops->next(t->fw.ctx, pkt);
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

static uint64_t tw_now(void *ctx)
{
	return tw_clock(ctx);
}

static void tw_record(void *ctx, const struct wire_packet *pkt)
{
	struct twire *t = ctx;
	(void)pkt;
	pthread_mutex_lock(&t->lock);
	t->records++;
	pthread_mutex_unlock(&t->lock);
}

static const struct wire_ops tw_ops = {
	.send = tw_send, .wait = tw_wait, .next = tw_next, .now = tw_now, .record = tw_record,
};

static struct twire *tw_new(void)
{
	struct twire *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cond, &ca);
	pthread_condattr_destroy(&ca);
	t->f = fw_new();
	t->f->rtt = 1 * FW_MS;
	fw_bind(t->f, &t->fw);
	t->mono0 = mono_ns();
	return t;
}

static void tw_bind(struct twire *t, struct wire *w)
{
	w->ops = &tw_ops;
	w->ctx = t;
}

static void tw_free(struct twire *t)
{
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t->f);
	free(t);
}

/* Hand the mux len bytes of a frame of link type linktype. */
static void tw_inject_raw(struct twire *t, const uint8_t *buf, size_t len, int linktype)
{
	pthread_mutex_lock(&t->lock);
	assert_true(t->ninj < INJ_MAX);
	assert_true(len <= sizeof(t->inj[0].buf));
	struct inj *i = &t->inj[t->ninj++];
	memcpy(i->buf, buf, len);
	i->len = len;
	i->linktype = linktype;
	i->ts = tw_clock(t);
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

/* Hand the mux the frame s describes (its link: linktype). */
static void tw_inject_link(struct twire *t, const struct pkt_spec *s, int linktype)
{
	uint8_t buf[sizeof(t->inj[0].buf)];
	size_t len = pkt_build(s, buf, sizeof(buf));
	assert_true(len > 0);
	tw_inject_raw(t, buf, len, linktype);
}

/* What the inner wire does next: fail eintr waits with EINTR (a signal),
 * and, when fail, fail next once the test's frames are out. */
static void tw_script(struct twire *t, unsigned eintr, bool fail)
{
	pthread_mutex_lock(&t->lock);
	t->eintr = eintr;
	t->fail_next = fail;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

static void tw_inject(struct twire *t, const struct pkt_spec *s)
{
	tw_inject_link(t, s, SEGMENT_LINK_RAW);
}

/* A TCP segment sport -> dport with sequence number seq. */
static void inject_tcp(struct twire *t, uint16_t sport, uint16_t dport, uint32_t seq)
{
	struct pkt_spec s;
	pkt_defaults(&s);
	s.sport = sport;
	s.dport = dport;
	s.seq = seq;
	tw_inject(t, &s);
}

/* An ICMP (v6: ICMPv6) destination unreachable quoting our SYN from sport. */
static void inject_icmp(struct twire *t, bool v6, uint16_t sport, uint32_t seq)
{
	struct pkt_spec syn, icmp;
	if (v6) {
		pkt_defaults6(&syn);
		pkt_defaults6(&icmp);
	} else {
		pkt_defaults(&syn);
		pkt_defaults(&icmp);
	}
	syn.src = icmp.dst;
	syn.dst = icmp.src;
	syn.sport = sport;
	syn.dport = 80;
	syn.seq = seq;
	syn.ack = 0;
	syn.flags = TCPF_SYN;
	icmp.l4 = PKT_L4_ICMP;
	icmp.icmp_type = v6 ? 1 : 3;
	icmp.icmp_code = v6 ? 1 : 13;
	icmp.quote = &syn;
	tw_inject(t, &icmp);
}

/* ---- Helpers on the views ------------------------------------------------ */

/* The next frame of w, waiting for it as an engine would (fails after
 * LONG_WAIT without one). */
static void take(const struct wire *w, struct wire_packet *pkt)
{
	uint64_t deadline = w->ops->now(w->ctx) + LONG_WAIT;
	for (;;) {
		int rc = w->ops->next(w->ctx, pkt);
		assert_int_not_equal(rc, -1);
		if (rc == 1)
			return;
		assert_int_equal(w->ops->wait(w->ctx, deadline), 1);
	}
}

static struct segment decoded(const struct wire_packet *pkt)
{
	struct segment seg;
	enum segment_reason why;
	assert_int_equal(segment_decode(pkt->data, pkt->caplen, pkt->linktype, &seg, &why), SEGMENT_OK);
	return seg;
}

static struct wire_mux *mux_over(struct twire *t, uint16_t base, uint16_t n)
{
	struct wire inner;
	char err[256];
	tw_bind(t, &inner);
	struct wire_mux *m = wire_mux_new(&inner, base, n, err, sizeof(err));
	assert_non_null(m);
	return m;
}

static void start(struct wire_mux *m)
{
	char err[256];
	assert_int_equal(wire_mux_start(m, err, sizeof(err)), 0);
}

/* Most tests' set-up: a twire, a mux over ports 40000-40015 and two views,
 * A (40000-40003) and B (40004-40007), bound to wa and wb. */
struct rig {
	struct twire *t;
	struct wire_mux *m;
	struct wire_view *va, *vb;
	struct wire wa, wb;
};

static void rig_open(struct rig *r, bool started)
{
	uint16_t ba = 0, bb = 0;
	r->t = tw_new();
	r->m = mux_over(r->t, 40000, 16);
	r->va = wire_mux_view_open(r->m, 4, &ba);
	r->vb = wire_mux_view_open(r->m, 4, &bb);
	assert_non_null(r->va);
	assert_non_null(r->vb);
	assert_int_equal(ba, 40000);
	assert_int_equal(bb, 40004);
	wire_view_bind(r->va, &r->wa);
	wire_view_bind(r->vb, &r->wb);
	if (started)
		start(r->m);
}

static void rig_close(struct rig *r)
{
	wire_mux_view_close(r->va);
	wire_mux_view_close(r->vb);
	wire_mux_free(r->m);
	tw_free(r->t);
}

/* ---- Tests ------------------------------------------------------------------ */

static void test_new_rejects_bad_blocks(void **state)
{
	(void)state;
	struct twire *t = tw_new();
	struct wire inner;
	char err[256];
	tw_bind(t, &inner);
	assert_null(wire_mux_new(&inner, 40000, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "port block"));
	assert_null(wire_mux_new(&inner, 0, 10, err, sizeof(err)));
	assert_null(wire_mux_new(&inner, 65530, 7, err, sizeof(err)));
	assert_null(wire_mux_new(NULL, 40000, 10, err, sizeof(err)));
	struct wire_mux *m = wire_mux_new(&inner, 65530, 6, err, sizeof(err)); /* up to 65535 */
	assert_non_null(m);
	uint16_t base = 0;
	struct wire_view *v = wire_mux_view_open(m, 6, &base);
	assert_non_null(v);
	assert_int_equal(base, 65530);
	wire_mux_view_close(v);
	/* Started twice: refused, and the first thread still stops. */
	start(m);
	assert_int_equal(wire_mux_start(m, err, sizeof(err)), -1);
	wire_mux_free(m);
	tw_free(t);
}

/* Views take ports round-robin: a freed port is used again only after the
 * rest of the block, and a request that fits nowhere gets NULL. */
static void test_round_robin_and_exhaustion(void **state)
{
	(void)state;
	struct twire *t = tw_new();
	struct wire_mux *m = mux_over(t, 1000, 10);
	uint16_t b = 0;
	struct wire_view *a = wire_mux_view_open(m, 3, &b);
	assert_non_null(a);
	assert_int_equal(b, 1000);
	struct wire_view *c = wire_mux_view_open(m, 3, &b);
	assert_non_null(c);
	assert_int_equal(b, 1003);
	struct wire_view *d = wire_mux_view_open(m, 3, &b);
	assert_non_null(d);
	assert_int_equal(b, 1006);
	/* One port left (1009): three do not fit, nor do none or eleven. */
	assert_null(wire_mux_view_open(m, 3, &b));
	assert_null(wire_mux_view_open(m, 0, &b));
	assert_null(wire_mux_view_open(m, 11, &b));
	wire_mux_view_close(a);
	/* The cursor is at 1009: three ports wrap to the freed 1000. */
	struct wire_view *e = wire_mux_view_open(m, 3, &b);
	assert_non_null(e);
	assert_int_equal(b, 1000);
	/* One port goes to the next free one from the cursor (1003): 1009. */
	struct wire_view *g = wire_mux_view_open(m, 1, &b);
	assert_non_null(g);
	assert_int_equal(b, 1009);
	assert_null(wire_mux_view_open(m, 1, &b)); /* full */
	wire_mux_view_close(c);
	wire_mux_view_close(g);
	/* 1003-1005 and 1009 free; from the cursor (wrapped to 1000): 1003. */
	struct wire_view *h = wire_mux_view_open(m, 2, &b);
	assert_non_null(h);
	assert_int_equal(b, 1003);
	/* Next from 1005: 1005 itself, then 1009 is the only other. */
	struct wire_view *i = wire_mux_view_open(m, 1, &b);
	assert_non_null(i);
	assert_int_equal(b, 1005);
	struct wire_view *j = wire_mux_view_open(m, 1, &b);
	assert_non_null(j);
	assert_int_equal(b, 1009);
	wire_mux_view_close(d);
	wire_mux_view_close(e);
	wire_mux_view_close(h);
	wire_mux_view_close(i);
	/* j stays open: wire_mux_free closes it. */
	wire_mux_free(m);
	tw_free(t);
}

/* Frames go to the view owning their source port (our segment's copy),
 * their destination port (the answer), or the source port an ICMP or
 * ICMPv6 error quotes; anything else is counted and dropped. */
static void test_deals_by_ports(void **state)
{
	(void)state;
	struct rig r;
	rig_open(&r, true);

	/* Nobody's: a port of the block no view holds, a port outside it,
	 * a UDP datagram, and bytes that do not decode. */
	inject_tcp(r.t, 80, 40010, 1);
	inject_tcp(r.t, 80, 41000, 2);
	inject_icmp(r.t, false, 40012, 3);
	struct pkt_spec udp;
	pkt_defaults(&udp);
	udp.l4 = PKT_L4_UDP;
	udp.dport = 40001;
	tw_inject(r.t, &udp);
	uint8_t cut[10];
	memset(cut, 0x45, sizeof(cut)); /* an IPv4 header cut short */
	tw_inject_raw(r.t, cut, sizeof(cut), SEGMENT_LINK_RAW);

	/* A's: an answer to 40001, the copy of our segment from 40003 (in
	 * a Linux cooked v2 frame), an ICMP error quoting 40002. */
	inject_tcp(r.t, 80, 40001, 10);
	struct pkt_spec own;
	pkt_defaults(&own);
	own.link = PKT_LINK_SLL2;
	own.src = "192.0.2.1";
	own.dst = "192.0.2.10";
	own.sport = 40003;
	own.dport = 80;
	own.seq = 11;
	tw_inject_link(r.t, &own, SEGMENT_LINK_LINUX_SLL2);
	inject_icmp(r.t, false, 40002, 12);
	/* B's: an answer to 40004, an ICMPv6 error quoting 40007, our
	 * segment from 40005. */
	inject_tcp(r.t, 80, 40004, 20);
	inject_icmp(r.t, true, 40007, 21);
	inject_tcp(r.t, 40005, 80, 22);

	struct wire_packet p;
	struct segment s;
	take(&r.wa, &p);
	s = decoded(&p);
	assert_int_equal(s.kind, SEGMENT_KIND_TCP);
	assert_int_equal(s.dport, 40001);
	assert_int_equal(s.seq, 10);
	assert_int_equal(p.linktype, SEGMENT_LINK_RAW);
	assert_int_equal(p.ts_ns, r.t->inj[5].ts);
	assert_int_equal(p.caplen, r.t->inj[5].len);
	assert_memory_equal(p.data, r.t->inj[5].buf, p.caplen);
	assert_ptr_not_equal(p.data, r.t->inj[5].buf); /* a copy */
	take(&r.wa, &p);
	assert_int_equal(p.linktype, SEGMENT_LINK_LINUX_SLL2);
	s = decoded(&p);
	assert_int_equal(s.sport, 40003);
	assert_int_equal(s.seq, 11);
	take(&r.wa, &p);
	s = decoded(&p);
	assert_int_equal(s.kind, SEGMENT_KIND_ICMP_ERROR);
	assert_int_equal(s.quote.sport, 40002);
	assert_int_equal(s.quote.seq, 12);
	assert_int_equal(r.wa.ops->next(r.wa.ctx, &p), 0);

	take(&r.wb, &p);
	s = decoded(&p);
	assert_int_equal(s.dport, 40004);
	assert_int_equal(s.seq, 20);
	take(&r.wb, &p);
	s = decoded(&p);
	assert_int_equal(s.kind, SEGMENT_KIND_ICMP_ERROR);
	assert_int_equal(s.src.family, AF_INET6);
	assert_int_equal(s.quote.sport, 40007);
	take(&r.wb, &p);
	s = decoded(&p);
	assert_int_equal(s.sport, 40005);
	assert_int_equal(s.seq, 22);
	assert_int_equal(r.wb.ops->next(r.wb.ctx, &p), 0);

	/* The reader deals in order: the unowned five came first. */
	assert_int_equal(wire_mux_unowned(r.m), 5);
	assert_int_equal(wire_mux_overflows(r.m), 0);

	/* A closed view's ports belong to nobody. */
	wire_mux_view_close(r.va);
	r.va = NULL;
	inject_tcp(r.t, 80, 40001, 30);
	inject_tcp(r.t, 80, 40004, 31);
	take(&r.wb, &p);
	assert_int_equal(decoded(&p).seq, 31);
	assert_int_equal(wire_mux_unowned(r.m), 6);
	rig_close(&r);
}

/* With the RST guard on, an answer to a port of the block that no view
 * holds (a SYN-ACK the capture missed the first time, retransmitted after
 * its probe ended) is reset as RFC 9293 resets a segment in CLOSED:
 * <SEQ=SEG.ACK><CTL=RST>. Not a RST, not our own segment's copy, not a
 * port outside the block, not an owned port; and nothing when off. */
static void test_resets_strays(void **state)
{
	(void)state;
	struct rig r;
	struct wire_packet p;
	rig_open(&r, false);
	r.t->f->no_own_copy = true;
	r.t->f->p.silent = true;
	start(r.m);

	/* Off (the default): nothing sent. The owned frame after it marks
	 * that the reader has dealt it. */
	inject_tcp(r.t, 80, 40010, 1);
	inject_tcp(r.t, 80, 40001, 2);
	take(&r.wa, &p);
	assert_int_equal(r.t->f->nsent, 0);

	wire_mux_reset_strays(r.m, true);
	struct pkt_spec sa;
	pkt_defaults(&sa); /* a SYN-ACK 192.0.2.10:80 -> 192.0.2.1, ack 2001 */
	sa.sport = 80;
	sa.dport = 40010;
	tw_inject(r.t, &sa);
	struct pkt_spec rst = sa;
	rst.flags = TCPF_RST | TCPF_ACK;
	tw_inject(r.t, &rst);
	struct pkt_spec own = sa; /* our own segment's copy: from the block */
	own.src = "192.0.2.1";
	own.dst = "192.0.2.10";
	own.sport = 40011;
	own.dport = 80;
	tw_inject(r.t, &own);
	struct pkt_spec outside = sa;
	outside.dport = 41000;
	tw_inject(r.t, &outside);
	struct pkt_spec owned = sa;
	owned.dport = 40004;
	tw_inject(r.t, &owned);
	take(&r.wb, &p);
	assert_int_equal(decoded(&p).dport, 40004);

	assert_int_equal(r.t->f->nsent, 1);
	assert_int_equal(wire_mux_strays_reset(r.m), 1);
	const struct tx_segment *x = &r.t->f->sent[0].seg;
	assert_int_equal(x->flags, TCPF_RST);
	assert_int_equal(x->seq, 2001);
	assert_int_equal(x->sport, 40010);
	assert_int_equal(x->dport, 80);
	char a[NETADDR_STRLEN];
	assert_string_equal(netaddr_str(&x->src, a, sizeof(a)), "192.0.2.1");
	assert_string_equal(netaddr_str(&x->dst, a, sizeof(a)), "192.0.2.10");
	rig_close(&r);
}

/* A full queue drops the newest frames and counts them; what it keeps is
 * the oldest, in order. */
static void test_queue_overflow_drops_newest(void **state)
{
	(void)state;
	struct rig r;
	rig_open(&r, true);
	for (uint32_t i = 0; i < 300; i++)
		inject_tcp(r.t, 80, 40000, i);
	inject_tcp(r.t, 80, 40004, 1000); /* dealt after all of A's */
	struct wire_packet p;
	take(&r.wb, &p);
	assert_int_equal(decoded(&p).seq, 1000);
	assert_int_equal(wire_mux_overflows(r.m), 300 - 256);
	for (uint32_t i = 0; i < 256; i++) {
		assert_int_equal(r.wa.ops->next(r.wa.ctx, &p), 1);
		assert_int_equal(decoded(&p).seq, i);
	}
	assert_int_equal(r.wa.ops->next(r.wa.ctx, &p), 0);
	/* Room again: the next frame is queued. */
	inject_tcp(r.t, 80, 40000, 2000);
	take(&r.wa, &p);
	assert_int_equal(decoded(&p).seq, 2000);
	assert_int_equal(wire_mux_overflows(r.m), 300 - 256);
	/* Frames still queued when a view closes are freed with it. */
	inject_tcp(r.t, 80, 40000, 3000);
	inject_tcp(r.t, 80, 40004, 3001);
	take(&r.wb, &p);
	rig_close(&r);
}

/* wait ends at its deadline (by the inner wire's clock) when nothing comes,
 * and at once when a frame is queued. */
static void test_wait_deadline(void **state)
{
	(void)state;
	struct rig r;
	rig_open(&r, true);
	uint64_t deadline = r.wa.ops->now(r.wa.ctx) + 200 * FW_MS;
	assert_int_equal(r.wa.ops->wait(r.wa.ctx, deadline), 0);
	assert_true(r.wa.ops->now(r.wa.ctx) >= deadline);
	/* A deadline already past: 0 at once. */
	assert_int_equal(r.wa.ops->wait(r.wa.ctx, deadline), 0);
	inject_tcp(r.t, 80, 40002, 7);
	assert_int_equal(r.wa.ops->wait(r.wa.ctx, r.wa.ops->now(r.wa.ctx) + LONG_WAIT), 1);
	struct wire_packet p;
	assert_int_equal(r.wa.ops->next(r.wa.ctx, &p), 1);
	assert_int_equal(decoded(&p).seq, 7);
	/* Queued already: wait returns 1 without sleeping, even past its
	 * deadline. */
	inject_tcp(r.t, 80, 40003, 8);
	inject_tcp(r.t, 80, 40004, 9); /* the other view's, dealt after */
	take(&r.wb, &p);
	assert_int_equal(r.wa.ops->wait(r.wa.ctx, 0), 1);
	assert_int_equal(r.wa.ops->next(r.wa.ctx, &p), 1);
	assert_int_equal(decoded(&p).seq, 8);
	rig_close(&r);
}

/* send and record reach the inner wire; now is the inner's clock. */
static void test_send_and_record_pass_through(void **state)
{
	(void)state;
	struct rig r;
	rig_open(&r, false);
	r.t->f->no_own_copy = true;
	r.t->f->p.silent = true;
	struct tx_segment seg;
	memset(&seg, 0, sizeof(seg));
	assert_int_equal(netaddr_parse(FW_OUR_ADDR, &seg.src), 0);
	assert_int_equal(netaddr_parse(FW_PEER_ADDR, &seg.dst), 0);
	seg.sport = 40000;
	seg.dport = 80;
	seg.seq = 42;
	seg.flags = TCPF_SYN;
	uint64_t before = r.wa.ops->now(r.wa.ctx), sent = 0;
	assert_int_equal(r.wa.ops->send(r.wa.ctx, &seg, &sent), 0);
	assert_true(sent >= before && sent <= r.wa.ops->now(r.wa.ctx));
	assert_int_equal(r.t->f->nsent, 1);
	assert_int_equal(r.t->f->sent[0].seg.sport, 40000);
	assert_int_equal(r.t->f->sent[0].seg.seq, 42);
	/* A failing send keeps its errno through the mux. */
	r.t->f->enobufs = 1;
	r.t->f->enobufs_from = 1;
	errno = 0;
	assert_int_equal(r.wa.ops->send(r.wa.ctx, &seg, &sent), -1);
	assert_int_equal(errno, ENOBUFS);
	struct wire_packet p = {.data = (const uint8_t *)"x", .caplen = 1};
	r.wa.ops->record(r.wa.ctx, &p);
	assert_int_equal(r.t->records, 1);
	rig_close(&r);
}

/* A signal ends the reader's wait on the inner wire (EINTR): every view's
 * wait returns 1, so its engine looks at its stop flag, as a ppoll cut
 * short by the signal would have made it. */
static void test_signal_wakes_views(void **state)
{
	(void)state;
	struct rig r;
	rig_open(&r, true);
	tw_script(r.t, 1, false);
	assert_int_equal(r.wa.ops->wait(r.wa.ctx, r.wa.ops->now(r.wa.ctx) + LONG_WAIT), 1);
	assert_int_equal(r.wb.ops->wait(r.wb.ctx, r.wb.ops->now(r.wb.ctx) + LONG_WAIT), 1);
	struct wire_packet p;
	assert_int_equal(r.wa.ops->next(r.wa.ctx, &p), 0);
	/* Once: the next wait waits again. */
	assert_int_equal(r.wa.ops->wait(r.wa.ctx, r.wa.ops->now(r.wa.ctx) + 50 * FW_MS), 0);
	/* The reader goes on after a signal. */
	inject_tcp(r.t, 80, 40001, 5);
	take(&r.wa, &p);
	assert_int_equal(decoded(&p).seq, 5);
	rig_close(&r);
}

/* A capture error fails the mux for good: the frames already queued are
 * still read, then next returns -1 and wait returns at once. */
static void test_inner_failure_reaches_views(void **state)
{
	(void)state;
	struct rig r;
	rig_open(&r, true);
	inject_tcp(r.t, 80, 40001, 1);
	struct wire_packet p;
	take(&r.wa, &p);
	inject_tcp(r.t, 80, 40001, 2);
	tw_script(r.t, 0, true);
	take(&r.wa, &p);
	assert_int_equal(decoded(&p).seq, 2);
	uint64_t deadline = r.wa.ops->now(r.wa.ctx) + LONG_WAIT;
	int rc;
	while ((rc = r.wa.ops->next(r.wa.ctx, &p)) == 0)
		assert_int_equal(r.wa.ops->wait(r.wa.ctx, deadline), 1);
	assert_int_equal(rc, -1);
	assert_int_equal(r.wa.ops->wait(r.wa.ctx, deadline), 1);
	assert_int_equal(r.wa.ops->next(r.wa.ctx, &p), -1);
	rig_close(&r);
}

/* ---- Engines on views, at once ---------------------------------------------- */

enum job_kind { JOB_SYN, JOB_CONNECT };

/* One engine run in its own thread, over its own view. */
struct job {
	enum job_kind kind;
	uint16_t port; /* the peer's */
	struct wire_view *v;
	uint16_t base, nports;
	struct target_list tl;
	struct netaddr src;
	uint16_t mss;
	char *out;
	size_t outlen;
	struct probe_result pres;
	struct session_result sres;
	int rc;
	char err[256];
};

static void *job_main(void *arg)
{
	struct job *j = arg;
	struct output_config oc = {.format = OUT_JSON};
	FILE *mf = open_memstream(&j->out, &j->outlen);
	struct output *out = output_new(&oc, mf);
	struct wire w;
	wire_view_bind(j->v, &w);
	volatile sig_atomic_t never = 0;
	struct syn_options syn = {.mss = true, .sack = true, .ts = true, .wscale = true,
				  .wscale_value = 7};
	if (j->kind == JOB_SYN) {
		/* The same ISN seed in every thread: only the ports keep the
		 * runs apart. */
		struct probe_config pc = {
			.targets = &j->tl, .src = &j->src, .mss = &j->mss, .count = 2,
			.interval_ns = 100 * FW_MS, .timeout_ns = 3 * FW_SEC, .ttl = 64,
			.syn = syn, .sport_base = j->base, .nsports = j->nports, .isn_seed = 1234,
			.tsval_base = 1,
		};
		j->rc = probe_run(&pc, &w, out, &never, &j->pres, j->err, sizeof(j->err));
	} else {
		struct session_config sc = {
			.count = 1, .interval_ns = 100 * FW_MS, .timeout_ns = 3 * FW_SEC,
			.time_wait_ns = 100 * FW_MS, .close = CONN_CLOSE_ACTIVE, .ttl = 64,
			.syn = syn, .targets = &j->tl, .src = &j->src, .mss = &j->mss,
			.sport_base = j->base, .nsports = j->nports, .isn_seed = 1234,
			.tsval_base = 1,
		};
		j->rc = session_run(&sc, &w, out, &never, &j->sres, j->err, sizeof(j->err));
	}
	output_end(out);
	output_free(out);
	fclose(mf);
	wire_mux_view_close(j->v);
	return NULL;
}

static void job_setup(struct job *j, struct wire_mux *m, enum job_kind kind, uint16_t port)
{
	char portstr[8], err[256];
	char *argv[] = {(char *)FW_PEER_ADDR, NULL};
	memset(j, 0, sizeof(*j));
	j->kind = kind;
	j->port = port;
	j->nports = 4;
	snprintf(portstr, sizeof(portstr), "%u", port);
	assert_int_equal(targets_from_args(argv, 1, portstr, &j->tl, err, sizeof(err)), 0);
	assert_int_equal(netaddr_parse(j->tl.t[0].host, &j->tl.t[0].addr), 0);
	assert_int_equal(netaddr_parse(FW_OUR_ADDR, &j->src), 0);
	j->mss = 1460;
	j->v = wire_mux_view_open(m, j->nports, &j->base);
	assert_non_null(j->v);
}

/* Every segment the peer got came from the ports of the job probing the
 * port it went to, and every job sent some. */
static void assert_jobs_ports(const struct twire *t, const struct job *jobs, size_t njobs)
{
	size_t n[8] = {0};
	assert_true(njobs <= 8);
	for (size_t i = 0; i < t->f->nsent; i++) {
		const struct tx_segment *s = &t->f->sent[i].seg;
		size_t k = 0;
		while (k < njobs && !(s->sport >= jobs[k].base && s->sport < jobs[k].base + jobs[k].nports))
			k++;
		assert_true(k < njobs);
		assert_int_equal(s->dport, jobs[k].port);
		n[k]++;
	}
	for (size_t k = 0; k < njobs; k++)
		assert_true(n[k] > 0);
}

/* The exporter's case: engines in threads of their own, each over its own
 * view of one wire, against one peer whose ports answer differently. Each
 * must see its own answers and only them. */
static void test_engines_run_concurrently(void **state)
{
	(void)state;
	struct twire *t = tw_new();
	t->f->port_beh[81] = FW_PORT_CLOSED;
	t->f->port_beh[82] = FW_PORT_ICMP;
	t->f->port_beh[83] = FW_PORT_DROP;
	struct wire_mux *m = mux_over(t, 40000, 64);
	struct job jobs[5];
	job_setup(&jobs[0], m, JOB_SYN, 80);
	job_setup(&jobs[1], m, JOB_SYN, 81);
	job_setup(&jobs[2], m, JOB_SYN, 82);
	job_setup(&jobs[3], m, JOB_SYN, 83);
	job_setup(&jobs[4], m, JOB_CONNECT, 80);
	start(m);
	pthread_t th[5];
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(pthread_create(&th[i], NULL, job_main, &jobs[i]), 0);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);

	for (size_t i = 0; i < 5; i++)
		if (jobs[i].rc != 0)
			fail_msg("job %zu: %s", i, jobs[i].err);
	assert_jobs_ports(t, jobs, 5);
	/* open: both SYNs answered by a SYN-ACK */
	assert_int_equal(jobs[0].pres.ports_open, 1);
	assert_int_equal(jobs[0].pres.sent, 2);
	assert_int_equal(jobs[0].pres.received, 2);
	/* closed: RST|ACK twice */
	assert_int_equal(jobs[1].pres.ports_closed, 1);
	assert_int_equal(jobs[1].pres.received, 2);
	/* an ICMP error, twice: filtered, but answered */
	assert_int_equal(jobs[2].pres.ports_filtered, 1);
	assert_int_equal(jobs[2].pres.received, 2);
	assert_non_null(strstr(jobs[2].out, "icmp:admin-prohibited"));
	/* nothing: filtered */
	assert_int_equal(jobs[3].pres.ports_filtered, 1);
	assert_int_equal(jobs[3].pres.received, 0);
	/* a whole connection, judged conformant */
	assert_int_equal(jobs[4].sres.connections, 1);
	assert_int_equal(jobs[4].sres.good, 1);
	assert_int_equal(jobs[4].sres.ports_open, 1);
	for (size_t i = 0; i < 4; i++) {
		char want[32];
		snprintf(want, sizeof(want), "\"port\":%u", jobs[i].port);
		assert_non_null(strstr(jobs[i].out, want));
		assert_int_equal(jobs[i].pres.bad, 0);
	}
	assert_int_equal(wire_mux_overflows(m), 0);
	wire_mux_free(m);
	for (size_t i = 0; i < 5; i++) {
		free(jobs[i].out);
		target_list_free(&jobs[i].tl);
	}
	tw_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_rejects_bad_blocks),
		cmocka_unit_test(test_round_robin_and_exhaustion),
		cmocka_unit_test(test_deals_by_ports),
		cmocka_unit_test(test_resets_strays),
		cmocka_unit_test(test_queue_overflow_drops_newest),
		cmocka_unit_test(test_wait_deadline),
		cmocka_unit_test(test_send_and_record_pass_through),
		cmocka_unit_test(test_signal_wakes_views),
		cmocka_unit_test(test_inner_failure_reaches_views),
		cmocka_unit_test(test_engines_run_concurrently),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
