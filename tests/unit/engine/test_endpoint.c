/*
 * Unit tests for endpoint: the connection layer every mode runs on, over
 * the scripted fake wire (tests/unit/fakewire.h). Time is the fake's, so
 * every retry, pause and timestamp is exact.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "../fakewire.h"
#include "core/segment.h"
#include "core/tcpconst.h"
#include "engine/endpoint.h"

#define SPORT 40000

struct fix {
	struct fakewire *f;
	struct wire w;
	struct endpoint ep;
	volatile sig_atomic_t stop;
	char err[256];
};

static struct fix *fix_new(void)
{
	struct fix *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	x->f = fw_new();
	fw_bind(x->f, &x->w);
	ep_init(&x->ep, &x->w, &x->stop, 42, 1000, x->err, sizeof(x->err));
	assert_int_equal(netaddr_parse(FW_OUR_ADDR, &x->ep.src), 0);
	assert_int_equal(netaddr_parse(FW_PEER_ADDR, &x->ep.dst), 0);
	x->ep.port_lo = SPORT;
	x->ep.nports = 16;
	x->ep.ttl = 64;
	return x;
}

static void fix_free(struct fix *x)
{
	ep_free(&x->ep);
	free(x->f);
	free(x);
}

/* A bare ACK from sport to the peer's port 80: no connection there, so the
 * fake peer answers RST after its RTT. */
static void stray_ack(struct tx_segment *s, uint16_t sport, uint16_t len)
{
	static const uint8_t zeros[2048];
	memset(s, 0, sizeof(*s));
	s->sport = sport;
	s->dport = 80;
	s->seq = 1000;
	s->ack = 2000;
	s->flags = TCPF_ACK;
	s->win = 501;
	s->payload = len ? zeros : NULL;
	s->payload_len = len;
}

/* A full queue refuses three sends: the fourth try goes out, one backoff
 * (1 ms of wire time) after each refusal. */
static void test_send_retries_enobufs(void **state)
{
	(void)state;
	struct fix *x = fix_new();
	struct tx_segment s;
	uint64_t sent;
	x->f->enobufs = 3;
	stray_ack(&s, SPORT, 0);
	assert_int_equal(ep_send(&x->ep, &s, &sent), 0);
	assert_int_equal(x->f->sends_tried, 4);
	assert_int_equal(x->f->nsent, 1);
	assert_int_equal(fw_sent_at(x->f, 0), 3 * FW_MS);
	assert_int_equal(sent, FW_T0 + 3 * FW_MS);
	assert_false(x->ep.failed);
	fix_free(x);
}

/* A queue that never drains: given up after SEND_GIVE_UP_NS of wire time,
 * a runtime error that says so. */
static void test_send_gives_up_on_full_queue(void **state)
{
	(void)state;
	struct fix *x = fix_new();
	struct tx_segment s;
	x->f->enobufs = 1000000;
	stray_ack(&s, SPORT, 0);
	assert_int_equal(ep_send(&x->ep, &s, NULL), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_true(x->ep.failed);
	assert_non_null(strstr(x->err, "stayed full for 5 s"));
	assert_true(x->f->now - FW_T0 >= SEND_GIVE_UP_NS);
	assert_true(x->f->now - FW_T0 < SEND_GIVE_UP_NS + 10 * FW_MS);
	assert_int_equal(x->f->nsent, 0);
	fix_free(x);
}

/* Ctrl-C while the queue is full: not sent, not an error. */
static void test_send_stopped(void **state)
{
	(void)state;
	struct fix *x = fix_new();
	struct tx_segment s;
	x->f->enobufs = 1000000;
	x->f->stop = &x->stop;
	x->f->stop_at = FW_T0 + 2 * FW_MS;
	stray_ack(&s, SPORT, 0);
	assert_int_equal(ep_send(&x->ep, &s, NULL), -1);
	assert_int_equal(errno, EINTR);
	assert_false(x->ep.failed);
	fix_free(x);
}

/* A segment the path cannot carry fails that send only: EMSGSIZE, a clear
 * line, the run not failed; ep_reset_for then resets the connection. */
static void test_emsgsize_fails_the_connection_only(void **state)
{
	(void)state;
	struct fix *x = fix_new();
	struct tx_segment s;
	x->f->mtu = 576;
	x->ep.mtu = 1500; /* what we believed */
	stray_ack(&s, SPORT, 1000);
	assert_int_equal(ep_send(&x->ep, &s, NULL), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_false(x->ep.failed);
	assert_non_null(strstr(x->err, "segment of 1000 bytes to 192.0.2.10 port 80"));
	assert_non_null(strstr(x->err, strerror(EMSGSIZE)));
	ep_reset_for(&x->ep, &s);
	assert_int_equal(x->f->nsent, 1);
	assert_int_equal(x->f->sent[0].seg.flags, TCPF_RST | TCPF_ACK);
	assert_int_equal(x->f->sent[0].seg.seq, 1000);
	/* The next segment, within the path, goes. */
	stray_ack(&s, SPORT + 1, 500);
	assert_int_equal(ep_send(&x->ep, &s, NULL), 0);
	fix_free(x);
}

/* RFC 9293 §3.7.1: the peer's MSS within our own MTU, less timestamps. */
static void test_mss_within_our_mtu(void **state)
{
	(void)state;
	struct fix *x = fix_new();
	x->ep.mtu = 576;
	assert_int_equal(ep_mss(&x->ep, 1460, true), 524);
	assert_int_equal(ep_mss(&x->ep, 1460, false), 536);
	assert_int_equal(ep_mss(&x->ep, 0, false), 536);
	assert_int_equal(ep_mss(&x->ep, 400, true), 388);
	x->ep.mtu = 1500;
	assert_int_equal(ep_mss(&x->ep, 1460, true), 1448);
	assert_int_equal(ep_mss(&x->ep, 8960, false), 1460);
	x->ep.mtu = 0; /* unknown: the peer's word */
	assert_int_equal(ep_mss(&x->ep, 8960, false), 8960);
	assert_int_equal(netaddr_parse("2001:db8::1", &x->ep.dst), 0);
	x->ep.mtu = 1280;
	assert_int_equal(ep_mss(&x->ep, 0, false), 1220);
	assert_int_equal(ep_mss(&x->ep, 1440, true), 1208);
	fix_free(x);
}

/* One clock: our segment is stamped by the capture, not after the send
 * call returned, so the peer's answer comes after it on the timeline even
 * when the call took longer than the round trip (issue 8, defect 4). */
static void test_timeline_in_capture_clock(void **state)
{
	(void)state;
	struct fix *x = fix_new();
	struct tx_segment s;
	struct ep_frame fr;
	x->f->send_cost = 50 * FW_US;
	x->f->rtt = 10 * FW_US;
	ep_timeline_reset(&x->ep);
	stray_ack(&s, SPORT, 0);
	assert_int_equal(ep_send(&x->ep, &s, NULL), 0);
	bool answered = false;
	while (!answered) {
		int rc = ep_next(&x->ep, &fr);
		assert_true(rc >= 0);
		if (rc == 0)
			assert_true(ep_wait(&x->ep, ep_now(&x->ep) + FW_SEC) >= 0);
		else if (fr.dir == EP_OUT)
			assert_true(fr.ours);
		else
			answered = fr.dir == EP_IN;
	}
	assert_int_equal(fr.seg.flags, TCPF_RST);
	const struct ep_timeline *tl = &x->ep.tl;
	assert_int_equal(tl->n, 2);
	assert_int_equal(tl->seg[0].dir, CONN_OUT);
	assert_int_equal(tl->seg[0].t_ns, FW_T0);
	assert_true(tl->tag[0].wire_time);
	assert_int_equal(tl->seg[1].dir, CONN_IN);
	assert_int_equal(tl->seg[1].t_ns, FW_T0 + 10 * FW_US);
	fix_free(x);
}

static void count_frame(void *arg, const struct ep_frame *f)
{
	(void)f;
	(*(int *)arg)++;
}

/* A pause lasts its time on the wire, whatever frames come meanwhile (our
 * own segment's copy, the peer's answer), and takes them in (issue 8,
 * defect 2: one wait returns at the first frame). */
static void test_pause_takes_wire_time(void **state)
{
	(void)state;
	struct fix *x = fix_new();
	struct tx_segment s;
	int frames = 0;
	stray_ack(&s, SPORT, 0);
	assert_int_equal(ep_send(&x->ep, &s, NULL), 0);
	/* What a single wait does: back at once, our copy is there. */
	assert_int_equal(x->w.ops->wait(x->w.ctx, FW_T0 + 20 * FW_MS), 1);
	assert_int_equal(x->f->now, FW_T0);
	assert_int_equal(ep_pause(&x->ep, 20 * FW_MS, count_frame, &frames), 0);
	assert_int_equal(x->f->now, FW_T0 + 20 * FW_MS);
	assert_int_equal(frames, 2); /* our copy, the peer's RST */
	fix_free(x);
}

/* Frames of other flows are not ours, bad ones are counted, and ours and
 * the peer's are recorded. */
static void test_filter_count_record(void **state)
{
	(void)state;
	struct fix *x = fix_new();
	struct tx_segment s;
	struct ep_frame fr;
	x->ep.nports = 1;
	stray_ack(&s, SPORT + 5, 0); /* outside our block: its frames are not ours */
	assert_int_equal(ep_send(&x->ep, &s, NULL), 0);
	stray_ack(&s, SPORT, 0);
	assert_int_equal(ep_send(&x->ep, &s, NULL), 0);
	assert_int_equal(ep_pause(&x->ep, FW_SEC, NULL, NULL), 0);
	assert_int_equal(x->f->records, 2);
	assert_int_equal(ep_next(&x->ep, &fr), 0);
	assert_int_equal(x->ep.bad, 0);
	fix_free(x);
}

/* One ISN generator: distinct values, the same for the same seed. */
static void test_isn_and_tsval(void **state)
{
	(void)state;
	struct fix *x = fix_new();
	struct fix *y = fix_new();
	uint32_t a = ep_isn(&x->ep), b = ep_isn(&x->ep);
	assert_int_not_equal(a, b);
	assert_int_equal(ep_isn(&y->ep), a);
	assert_int_equal(ep_tsval(&x->ep), 1000);
	x->f->now += 1500 * FW_MS;
	assert_int_equal(ep_tsval(&x->ep), 2500);
	fix_free(x);
	fix_free(y);
}

/* RFC 6298: 1 s, or half a shorter give-up time; doubled up to 60 s. */
static void test_rto(void **state)
{
	(void)state;
	assert_int_equal(ep_rto_initial(10 * NS_PER_S), NS_PER_S);
	assert_int_equal(ep_rto_initial(NS_PER_S / 2), NS_PER_S / 4);
	assert_int_equal(ep_rto_backoff(NS_PER_S), 2 * NS_PER_S);
	assert_int_equal(ep_rto_backoff(40 * NS_PER_S), TCP_RTO_MAX_NS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_retries_enobufs),
		cmocka_unit_test(test_send_gives_up_on_full_queue),
		cmocka_unit_test(test_send_stopped),
		cmocka_unit_test(test_emsgsize_fails_the_connection_only),
		cmocka_unit_test(test_mss_within_our_mtu),
		cmocka_unit_test(test_timeline_in_capture_clock),
		cmocka_unit_test(test_pause_takes_wire_time),
		cmocka_unit_test(test_filter_count_record),
		cmocka_unit_test(test_isn_and_tsval),
		cmocka_unit_test(test_rto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
