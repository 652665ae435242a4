/*
 * Unit tests for probe: syn mode's engine over a scripted fake wire.
 *
 * The fake plays the network: every SYN sent shows up in the "capture" 1 us
 * later (the kernel's copy, whose timestamp is the send time), and the fake
 * server answers per destination port after a chosen RTT. Time only moves
 * when the engine waits or sends (send_step a send), so every RTT and timeout
 * is exact and repeatable.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "../pktbuild.h"
#include "engine/probe.h"
#include "core/segment.h"

#define US 1000ull
#define MS 1000000ull
#define T0 (1700000000ull * 1000000000ull)

enum behaviour {
	B_OPEN,       /* SYN-ACK after rtt */
	B_CLOSED,     /* RST+ACK after rtt */
	B_DROP,       /* nothing */
	B_ICMP,       /* ICMP admin-prohibited quoting the SYN */
	B_BADCK,      /* SYN-ACK with a bad checksum */
	B_DUP,        /* SYN-ACK twice */
	B_WRONG_ACK,  /* SYN-ACK acknowledging something else */
	B_WRONG_SRC,  /* SYN-ACK from another address with the right ack */
};

struct frame {
	uint64_t ts;
	size_t len;
	uint8_t buf[512];
};

struct fake {
	uint64_t now;
	struct frame q[256];
	size_t nq;
	struct frame cur;
	enum behaviour beh[65536];
	uint64_t rtt[65536];
	bool no_syn_copy;
	uint64_t send_step; /* the clock's advance per send */
	/* what the engine sent: the first 256 segments, and how many in all */
	struct tx_segment sent[256];
	size_t nsent;
	volatile sig_atomic_t *stop_after_sends; /* set when nsent reaches stop_at */
	size_t stop_at;
	/* A full interface queue: refuse this many sends with ENOBUFS (SIZE_MAX:
	 * all), setting *stop_after_sends when refused reaches stop_at_refusal. */
	size_t enobufs, refused, stop_at_refusal;
	/* The engine's output; its length when *stop_after_sends was set. */
	FILE *out;
	long out_at_stop;
};

static void enqueue(struct fake *f, uint64_t ts, const struct pkt_spec *s)
{
	assert_true(f->nq < 256);
	struct frame *fr = &f->q[f->nq++];
	fr->ts = ts;
	fr->len = pkt_build(s, fr->buf, sizeof(fr->buf));
	assert_true(fr->len > 0);
}

static void addr_text(const struct netaddr *a, char *buf)
{
	netaddr_str(a, buf, NETADDR_STRLEN);
}

static void fake_stop(struct fake *f)
{
	*f->stop_after_sends = 1;
	if (f->out != NULL) {
		fflush(f->out);
		f->out_at_stop = ftell(f->out);
	}
}

static int fake_send(void *ctx, const struct tx_segment *seg, uint64_t *sent_ns)
{
	struct fake *f = ctx;
	char src[NETADDR_STRLEN], dst[NETADDR_STRLEN];
	if (f->refused < f->enobufs) {
		f->refused++;
		if (f->stop_after_sends && f->refused == f->stop_at_refusal)
			fake_stop(f);
		errno = ENOBUFS;
		return -1;
	}
	if (f->nsent < 256)
		f->sent[f->nsent] = *seg;
	f->nsent++;
	uint64_t t = f->now;
	f->now += f->send_step;
	*sent_ns = f->now;
	if (f->stop_after_sends && f->nsent == f->stop_at)
		fake_stop(f);
	if (seg->flags != TCPF_SYN)
		return 0;
	addr_text(&seg->src, src);
	addr_text(&seg->dst, dst);

	struct pkt_spec syn;
	pkt_defaults(&syn);
	syn.src = src;
	syn.dst = dst;
	syn.sport = seg->sport;
	syn.dport = seg->dport;
	syn.seq = seg->seq;
	syn.ack = 0;
	syn.flags = TCPF_SYN;
	if (!f->no_syn_copy)
		enqueue(f, t + 1 * US, &syn);

	struct pkt_spec r;
	pkt_defaults(&r);
	r.src = dst;
	r.dst = src;
	r.sport = seg->dport;
	r.dport = seg->sport;
	r.seq = 777;
	r.ack = seg->seq + 1;
	r.flags = TCPF_SYN | TCPF_ACK;
	r.tcp_opts = pkt_linux_synack_opts;
	r.tcp_opts_len = sizeof(pkt_linux_synack_opts);
	uint64_t at = t + 1 * US + f->rtt[seg->dport];
	switch (f->beh[seg->dport]) {
	case B_OPEN:
		enqueue(f, at, &r);
		break;
	case B_CLOSED:
		r.flags = TCPF_RST | TCPF_ACK;
		r.seq = 0;
		r.win = 0;
		r.tcp_opts = NULL;
		r.tcp_opts_len = 0;
		enqueue(f, at, &r);
		break;
	case B_DROP:
		break;
	case B_ICMP: {
		struct pkt_spec icmp;
		pkt_defaults(&icmp);
		icmp.src = dst;
		icmp.dst = src;
		icmp.l4 = PKT_L4_ICMP;
		icmp.icmp_type = 3;
		icmp.icmp_code = 13;
		icmp.quote = &syn;
		enqueue(f, at, &icmp);
		break;
	}
	case B_BADCK:
		r.tcp_csum = PKT_CSUM_BAD;
		enqueue(f, at, &r);
		break;
	case B_DUP:
		enqueue(f, at, &r);
		enqueue(f, at + 5 * US, &r);
		break;
	case B_WRONG_ACK:
		r.ack = seg->seq + 100;
		enqueue(f, at, &r);
		break;
	case B_WRONG_SRC:
		r.src = "10.0.0.99";
		enqueue(f, at, &r);
		break;
	}
	return 0;
}

static size_t earliest(const struct fake *f)
{
	size_t best = SIZE_MAX;
	for (size_t i = 0; i < f->nq; i++)
		if (best == SIZE_MAX || f->q[i].ts < f->q[best].ts)
			best = i;
	return best;
}

static int fake_wait(void *ctx, uint64_t deadline)
{
	struct fake *f = ctx;
	size_t e = earliest(f);
	if (e != SIZE_MAX && f->q[e].ts <= deadline) {
		if (f->q[e].ts > f->now)
			f->now = f->q[e].ts;
		return 1;
	}
	if (deadline > f->now)
		f->now = deadline;
	return 0;
}

static int fake_next(void *ctx, struct wire_packet *pkt)
{
	struct fake *f = ctx;
	size_t e = earliest(f);
	if (e == SIZE_MAX || f->q[e].ts > f->now)
		return 0;
	f->cur = f->q[e];
	f->q[e] = f->q[--f->nq];
	pkt->data = f->cur.buf;
	pkt->caplen = f->cur.len;
	pkt->linktype = SEGMENT_LINK_RAW;
	pkt->ts_ns = f->cur.ts;
	return 1;
}

static uint64_t fake_now(void *ctx)
{
	return ((struct fake *)ctx)->now;
}

static const struct wire_ops fake_ops = {
	.send = fake_send, .wait = fake_wait, .next = fake_next, .now = fake_now, .record = NULL,
};

/* One run: options, one target with the given ports; JSON output captured. */
struct run {
	struct fake *f;
	double interval, timeout; /* -i and -W when nonzero; else 0.1 and 0.5 */
	char err[256];
	struct output_config oc;
	struct target_list tl;
	struct netaddr src;
	uint16_t mss;
	char *out;
	size_t outlen;
	struct probe_result res;
	int rc;
};

static void run_probe_flags(struct run *r, const char *target, const char *ports,
			    unsigned long count, volatile sig_atomic_t *stop, bool open_only);

static void run_probe(struct run *r, const char *target, const char *ports, unsigned long count,
		      volatile sig_atomic_t *stop)
{
	run_probe_flags(r, target, ports, count, stop, false);
}

static void run_probe_open(struct run *r, const char *target, const char *ports)
{
	run_probe_flags(r, target, ports, 1, NULL, true);
}

static void run_probe_flags(struct run *r, const char *target, const char *ports,
			    unsigned long count, volatile sig_atomic_t *stop, bool open_only)
{
	char *err = r->err;
	char *argv[] = {(char *)"tcpshake", (char *)target, NULL};
	memset(&r->oc, 0, sizeof(r->oc));
	r->oc.format = OUT_JSON;
	memset(&r->tl, 0, sizeof(r->tl));
	assert_int_equal(targets_from_args(&argv[1], 1, ports, &r->tl, err, sizeof(r->err)), 0);
	assert_int_equal(netaddr_parse(r->tl.t[0].host, &r->tl.t[0].addr), 0);
	assert_int_equal(netaddr_parse(r->tl.t[0].addr.family == AF_INET6 ? "2001:db8::1" : "192.0.2.1",
				       &r->src), 0);
	r->mss = 1460;
	FILE *mf = open_memstream(&r->out, &r->outlen);
	struct output *out = output_new(&r->oc, mf);
	r->f->out = mf;
	struct wire w = {&fake_ops, r->f};
	struct probe_config pc = {.targets = &r->tl, .src = &r->src, .mss = &r->mss,
				  .count = count,
				  .interval_ns = (uint64_t)((r->interval ? r->interval : 0.1) * 1e9),
				  .timeout_ns = (uint64_t)((r->timeout ? r->timeout : 0.5) * 1e9),
				  .ttl = 64, .open_only = open_only,
				  .syn = {.mss = true, .sack = true, .ts = true, .wscale = true,
					  .wscale_value = 7},
				  .sport_base = 40000, .nsports = 4, .isn_seed = 1234, .tsval_base = 1};
	volatile sig_atomic_t never = 0;
	r->rc = probe_run(&pc, &w, out, stop ? stop : &never, &r->res, err, sizeof(r->err));
	output_end(out);
	output_free(out);
	r->f->out = NULL;
	fclose(mf);
}

static void run_free(struct run *r)
{
	free(r->out);
	target_list_free(&r->tl);
}

/* The n-th line (from 0) containing needle, or NULL. */
static const char *line_with(const char *text, const char *needle, int n, char *buf, size_t len)
{
	const char *p = text;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l < len) {
			memcpy(buf, p, l);
			buf[l] = '\0';
			if (strstr(buf, needle) && n-- == 0)
				return buf;
		}
		if (!e)
			break;
		p = e + 1;
	}
	return NULL;
}

static struct fake *new_fake(void)
{
	struct fake *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->now = T0;
	f->send_step = 2 * US;
	for (int p = 0; p < 65536; p++)
		f->rtt[p] = 250 * US;
	return f;
}

static void test_open_exact_kernel_rtt_and_rst(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	run_probe(&r, "192.0.2.10", "80", 3, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.res.ports, 1);
	assert_int_equal(r.res.ports_open, 1);
	for (int i = 0; i < 3; i++) {
		assert_non_null(line_with(r.out, "\"type\":\"probe\"", i, b, sizeof(b)));
		/* RTT = reply ts - kernel ts of our SYN, exactly 250 us. */
		assert_non_null(strstr(b, "\"rtt_ms\":0.250000"));
		assert_non_null(strstr(b, "\"state\":\"open\""));
		assert_non_null(strstr(b, "\"ts_source\":\"kernel\""));
		assert_non_null(strstr(b, "\"mss\":1460"));
	}
	assert_non_null(line_with(r.out, "\"type\":\"summary\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"sent\":3,\"received\":3"));
	/* SYN, RST for each probe; the RST's seq is the SYN's seq + 1. */
	assert_int_equal(r.f->nsent, 6);
	for (int i = 0; i < 6; i += 2) {
		assert_int_equal(r.f->sent[i].flags, TCPF_SYN);
		assert_int_equal(r.f->sent[i + 1].flags, TCPF_RST);
		assert_int_equal(r.f->sent[i + 1].seq, r.f->sent[i].seq + 1);
		assert_int_equal(r.f->sent[i].optlen, 20);
	}
	/* Consecutive probes take consecutive ports of the block; each RST
	 * leaves from its probe's port. */
	assert_int_equal(r.f->sent[0].sport, 40000);
	assert_int_equal(r.f->sent[2].sport, 40001);
	assert_int_equal(r.f->sent[4].sport, 40002);
	assert_int_equal(r.f->sent[3].sport, 40001);
	/* Every probe has its own ISN. */
	assert_int_not_equal(r.f->sent[0].seq, r.f->sent[2].seq);
	run_free(&r);
	free(r.f);
}

static void test_user_timestamp_fallback(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	r.f->no_syn_copy = true;
	run_probe(&r, "192.0.2.10", "80", 1, NULL);
	assert_non_null(line_with(r.out, "\"type\":\"probe\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"ts_source\":\"user\""));
	/* Reply at send + 1 us + 250 us; user time taken 2 us after the send. */
	assert_non_null(strstr(b, "\"rtt_ms\":0.249000"));
	run_free(&r);
	free(r.f);
}

static void test_states(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	r.f->beh[81] = B_CLOSED;
	r.f->beh[82] = B_DROP;
	r.f->beh[83] = B_ICMP;
	run_probe(&r, "192.0.2.10", "80-83", 1, NULL);
	assert_int_equal(r.res.ports, 4);
	assert_int_equal(r.res.ports_open, 1);
	assert_non_null(line_with(r.out, "\"port\":81,\"seq\":1", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"state\":\"closed\",\"reply\":\"RA\""));
	assert_non_null(line_with(r.out, "\"port\":82,\"seq\":1", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"state\":\"filtered\",\"reply\":\"none\",\"rtt_ms\":null"));
	assert_non_null(line_with(r.out, "\"port\":83,\"seq\":1", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"state\":\"filtered\",\"reply\":\"icmp:admin-prohibited\",\"rtt_ms\":0.250000"));
	/* No RST for closed, dropped or ICMP'd ports: only port 80 got one. */
	int rsts = 0;
	for (size_t i = 0; i < r.f->nsent; i++)
		rsts += r.f->sent[i].flags == TCPF_RST;
	assert_int_equal(rsts, 1);
	run_free(&r);
	free(r.f);
}

static void test_open_only_reports_open_ports(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	r.f->beh[81] = B_CLOSED;
	r.f->beh[82] = B_DROP;
	run_probe_open(&r, "192.0.2.10", "80-82");
	assert_int_equal(r.res.ports, 3);
	assert_int_equal(r.res.ports_open, 1);
	assert_non_null(line_with(r.out, "\"type\":\"summary\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"port\":80"));
	assert_null(line_with(r.out, "\"type\":\"summary\"", 1, b, sizeof(b)));
	assert_null(line_with(r.out, "\"port\":81", 0, b, sizeof(b)));
	assert_null(line_with(r.out, "\"port\":82", 0, b, sizeof(b)));
	run_free(&r);
	free(r.f);
}

static void test_bad_checksum_ignored_and_counted(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	r.f->beh[80] = B_BADCK;
	run_probe(&r, "192.0.2.10", "80", 2, NULL);
	assert_int_equal(r.res.ports_open, 0);
	assert_non_null(line_with(r.out, "\"type\":\"summary\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"received\":0"));
	assert_non_null(strstr(b, "\"bad_checksum\":2"));
	run_free(&r);
	free(r.f);
}

static void test_duplicate_counted_once(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	r.f->beh[80] = B_DUP;
	run_probe(&r, "192.0.2.10", "80", 2, NULL);
	assert_non_null(line_with(r.out, "\"type\":\"summary\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"sent\":2,\"received\":2"));
	/* The first probe's duplicate arrives before the second probe; the
	 * run ends on the second answer, before its duplicate. */
	assert_non_null(strstr(b, "\"duplicates\":1"));
	assert_null(line_with(r.out, "\"type\":\"probe\"", 2, b, sizeof(b)));
	run_free(&r);
	free(r.f);
}

static void test_late_answer_counted_not_answered(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	r.f->rtt[80] = 700 * MS; /* timeout is 500 ms */
	run_probe(&r, "192.0.2.10", "80", 1, NULL);
	assert_non_null(line_with(r.out, "\"type\":\"probe\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"reply\":\"none\""));
	/* The run ends at the timeout; the late SYN-ACK may not be read. Make
	 * it arrive within the run with a second, later probe. */
	run_free(&r);
	free(r.f);

	struct run r2 = {.f = new_fake()};
	r2.f->rtt[80] = 550 * MS;
	run_probe(&r2, "192.0.2.10", "80", 3, NULL);
	assert_non_null(line_with(r2.out, "\"type\":\"summary\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"received\":0"));
	assert_non_null(strstr(b, "\"late\":2"));
	run_free(&r2);
	free(r2.f);
}

static void test_foreign_replies_ignored(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	r.f->beh[80] = B_WRONG_ACK;
	r.f->beh[81] = B_WRONG_SRC;
	run_probe(&r, "192.0.2.10", "80,81", 1, NULL);
	assert_int_equal(r.res.ports_open, 0);
	assert_non_null(line_with(r.out, "\"port\":80,\"seq\":1", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"reply\":\"none\""));
	assert_non_null(line_with(r.out, "\"port\":81,\"seq\":1", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"reply\":\"none\""));
	run_free(&r);
	free(r.f);
}

static void test_replies_out_of_order_match_their_probes(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	/* Port 80 answers slowly, 81 fast: the answers cross. */
	r.f->rtt[80] = 90 * MS;
	r.f->rtt[81] = 1 * MS;
	run_probe(&r, "192.0.2.10", "80,81", 2, NULL);
	assert_non_null(line_with(r.out, "\"port\":80,\"seq\":2", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"rtt_ms\":90.000000"));
	assert_non_null(line_with(r.out, "\"port\":81,\"seq\":2", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"rtt_ms\":1.000000"));
	run_free(&r);
	free(r.f);
}

static void test_ipv6(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	/* pktbuild's defaults are IPv4; the fake builds from the text
	 * addresses, so an IPv6 target gives IPv6 frames. */
	run_probe(&r, "[2001:db8::10]:443", NULL, 1, NULL);
	assert_non_null(line_with(r.out, "\"type\":\"probe\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"addr\":\"2001:db8::10\",\"port\":443"));
	assert_non_null(strstr(b, "\"state\":\"open\""));
	run_free(&r);
	free(r.f);
}

static void test_stop_reports_summary_so_far(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	volatile sig_atomic_t stop = 0;
	r.f->stop_after_sends = &stop;
	r.f->stop_at = 5; /* SYN,RST,SYN,RST,SYN */
	run_probe(&r, "192.0.2.10", "80", 0, &stop);
	assert_int_equal(r.res.interrupted, 1);
	assert_non_null(line_with(r.out, "\"type\":\"summary\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"sent\":3"));
	run_free(&r);
	free(r.f);
}

/* Occurrences of needle in the first len bytes of text. */
static int count_in(const char *text, size_t len, const char *needle)
{
	int n = 0;
	size_t nl = strlen(needle);
	for (const char *p = text; (p = strstr(p, needle)) != NULL && (size_t)(p - text) + nl <= len; p += nl)
		n++;
	return n;
}

static void test_timeouts_reported_while_sends_always_due(void **state)
{
	(void)state;
	struct run r = {.f = new_fake(), .interval = 0.001, .timeout = 0.01};
	char b[1024];
	volatile sig_atomic_t stop = 0;
	/* -c 0 -i 0.001 -W 0.01 over 300 silent ports, 100 us a send: a round
	 * takes 30 ms, so the next send is always due, and each probe passes
	 * its deadline 100 sends after it went out. */
	r.f->send_step = 100 * US;
	r.f->no_syn_copy = true;
	for (int p = 1; p <= 300; p++)
		r.f->beh[p] = B_DROP;
	r.f->stop_after_sends = &stop;
	r.f->stop_at = 1000;
	run_probe(&r, "192.0.2.10", "1-300", 0, &stop);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.res.interrupted, 1);
	/* By the 1000th send (at 100 ms) the ~900 probes sent before 90 ms
	 * are past their deadline: all but the last burst's must be reported
	 * already, while sending went on. */
	assert_true(r.f->out_at_stop > 0);
	int early = count_in(r.out, (size_t)r.f->out_at_stop, "\"reply\":\"none\"");
	assert_true(early >= 800);
	assert_true(early <= 900);
	assert_non_null(line_with(r.out, "\"port\":1,\"seq\":1,", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"state\":\"filtered\""));
	run_free(&r);
	free(r.f);
}

static void test_enobufs_forever_gives_up(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	/* The queue never drains: the engine backs off in wait() (which moves
	 * the fake clock) and gives up after 5 s instead of hanging. */
	r.f->enobufs = SIZE_MAX;
	run_probe(&r, "192.0.2.10", "80", 1, NULL);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.f->nsent, 0);
	assert_true(r.f->now - T0 >= 5000 * MS);
	assert_true(r.f->now - T0 < 5100 * MS);
	assert_non_null(strstr(r.err, "cannot send to 192.0.2.10 port 80"));
	assert_non_null(strstr(r.err, "stayed full"));
	run_free(&r);
	free(r.f);
}

static void test_enobufs_stop(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	volatile sig_atomic_t stop = 0;
	/* Ctrl-C while the queue is full: the retries end at once. */
	r.f->enobufs = SIZE_MAX;
	r.f->stop_after_sends = &stop;
	r.f->stop_at_refusal = 10;
	run_probe(&r, "192.0.2.10", "80", 0, &stop);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.res.interrupted, 1);
	assert_int_equal(r.f->refused, 10);
	assert_true(r.f->now - T0 < 100 * MS);
	assert_non_null(line_with(r.out, "\"type\":\"summary\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"sent\":0"));
	run_free(&r);
	free(r.f);
}

static void test_enobufs_transient_retried(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	/* Three refusals, then the queue drains: the probe goes out. */
	r.f->enobufs = 3;
	run_probe(&r, "192.0.2.10", "80", 1, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.f->refused, 3);
	assert_non_null(line_with(r.out, "\"type\":\"summary\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"sent\":1,\"received\":1"));
	run_free(&r);
	free(r.f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_exact_kernel_rtt_and_rst),
		cmocka_unit_test(test_user_timestamp_fallback),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_bad_checksum_ignored_and_counted),
		cmocka_unit_test(test_open_only_reports_open_ports),
		cmocka_unit_test(test_duplicate_counted_once),
		cmocka_unit_test(test_late_answer_counted_not_answered),
		cmocka_unit_test(test_foreign_replies_ignored),
		cmocka_unit_test(test_replies_out_of_order_match_their_probes),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_stop_reports_summary_so_far),
		cmocka_unit_test(test_timeouts_reported_while_sends_always_due),
		cmocka_unit_test(test_enobufs_forever_gives_up),
		cmocka_unit_test(test_enobufs_stop),
		cmocka_unit_test(test_enobufs_transient_retried),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
