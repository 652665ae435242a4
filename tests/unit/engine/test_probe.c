/*
 * Unit tests for probe: syn mode's engine over the one fake wire of the
 * engine tests (tests/unit/fakewire.h).
 *
 * The fake plays the network: every segment sent shows up in the capture
 * as the kernel's copy stamped when the send began, and each port of the
 * peer answers as its port_beh says, port_rtt after the send (250 us
 * here). Time only moves when the engine waits or sends (send_cost a
 * send), so every RTT and timeout is exact and repeatable.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "../fakewire.h"
#include "../progress_rec.h"
#include "engine/probe.h"
#include "core/segment.h"

#define US FW_US
#define MS FW_MS
#define T0 FW_T0

/* One run: options, one target with the given ports; JSON output captured. */
struct run {
	struct fakewire *f;
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
	bool stamps;       /* -D: JSON records get "time" */
	bool reset_unacceptable; /* the exporter's probe_config flag */
	FILE *mf;          /* the output while the run goes */
	const struct progress_sink *progress; /* the engine's sink (NULL: none) */
	long out_at_stop;  /* its length when the fake's stop came */
};

/* The fake's stop (a signal): how much output there was by then. */
static void note_stop(void *arg)
{
	struct run *r = arg;
	fflush(r->mf);
	r->out_at_stop = ftell(r->mf);
}

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
	r->oc.timestamps = r->stamps;
	memset(&r->tl, 0, sizeof(r->tl));
	assert_int_equal(targets_from_args(&argv[1], 1, ports, &r->tl, err, sizeof(r->err)), 0);
	assert_int_equal(netaddr_parse(r->tl.t[0].host, &r->tl.t[0].addr), 0);
	assert_int_equal(netaddr_parse(r->tl.t[0].addr.family == AF_INET6 ? "2001:db8::1" : "192.0.2.1",
				       &r->src), 0);
	r->mss = 1460;
	FILE *mf = open_memstream(&r->out, &r->outlen);
	struct output *out = output_new(&r->oc, mf);
	r->mf = mf;
	r->f->on_stop = note_stop;
	r->f->on_stop_arg = r;
	struct wire w;
	fw_bind(r->f, &w);
	struct probe_config pc = {.targets = &r->tl, .src = &r->src, .mss = &r->mss,
				  .count = count,
				  .interval_ns = (uint64_t)((r->interval ? r->interval : 0.1) * 1e9),
				  .timeout_ns = (uint64_t)((r->timeout ? r->timeout : 0.5) * 1e9),
				  .ttl = 64, .open_only = open_only,
				  .syn = {.mss = true, .sack = true, .ts = true, .wscale = true,
					  .wscale_value = 7},
				  .sport_base = 40000, .nsports = 4, .isn_seed = 1234, .tsval_base = 1,
				  .progress = r->progress,
				  .reset_unacceptable = r->reset_unacceptable};
	volatile sig_atomic_t never = 0;
	r->rc = probe_run(&pc, &w, out, stop ? stop : &never, &r->res, err, sizeof(r->err));
	output_end(out);
	output_free(out);
	r->f->on_stop = NULL;
	r->mf = NULL;
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

static struct fakewire *new_fake(void)
{
	struct fakewire *f = fw_new();
	f->send_cost = 2 * US;
	f->rtt = 250 * US;
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
		assert_int_equal(r.f->sent[i].seg.flags, TCPF_SYN);
		assert_int_equal(r.f->sent[i + 1].seg.flags, TCPF_RST);
		assert_int_equal(r.f->sent[i + 1].seg.seq, r.f->sent[i].seg.seq + 1);
		assert_int_equal(r.f->sent[i].seg.optlen, 20);
	}
	/* Consecutive probes take consecutive ports of the block; each RST
	 * leaves from its probe's port. */
	assert_int_equal(r.f->sent[0].seg.sport, 40000);
	assert_int_equal(r.f->sent[2].seg.sport, 40001);
	assert_int_equal(r.f->sent[4].seg.sport, 40002);
	assert_int_equal(r.f->sent[3].seg.sport, 40001);
	/* Every probe has its own ISN. */
	assert_int_not_equal(r.f->sent[0].seg.seq, r.f->sent[2].seg.seq);
	run_free(&r);
	free(r.f);
}

static void test_user_timestamp_fallback(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	r.f->no_own_copy = true;
	run_probe(&r, "192.0.2.10", "80", 1, NULL);
	assert_non_null(line_with(r.out, "\"type\":\"probe\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"ts_source\":\"user\""));
	/* Reply 250 us after the send began; user time taken when the send
	 * call returned, 2 us later. */
	assert_non_null(strstr(b, "\"rtt_ms\":0.248000"));
	run_free(&r);
	free(r.f);
}

static void test_states(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	r.f->port_beh[81] = FW_PORT_CLOSED;
	r.f->port_beh[82] = FW_PORT_DROP;
	r.f->port_beh[83] = FW_PORT_ICMP;
	run_probe(&r, "192.0.2.10", "80-83", 1, NULL);
	assert_int_equal(r.res.ports, 4);
	assert_int_equal(r.res.ports_open, 1);
	/* The run's totals: an ICMP error is an answer of a filtered port. */
	assert_int_equal(r.res.ports_closed, 1);
	assert_int_equal(r.res.ports_filtered, 2);
	assert_int_equal(r.res.sent, 4);
	assert_int_equal(r.res.received, 3);
	assert_non_null(line_with(r.out, "\"port\":81,\"seq\":1", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"state\":\"closed\",\"reply\":\"RA\""));
	assert_non_null(line_with(r.out, "\"port\":82,\"seq\":1", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"state\":\"filtered\",\"reply\":\"none\",\"rtt_ms\":null"));
	assert_non_null(line_with(r.out, "\"port\":83,\"seq\":1", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"state\":\"filtered\",\"reply\":\"icmp:admin-prohibited\",\"rtt_ms\":0.250000"));
	/* No RST for closed, dropped or ICMP'd ports: only port 80 got one. */
	int rsts = 0;
	for (size_t i = 0; i < r.f->nsent; i++)
		rsts += r.f->sent[i].seg.flags == TCPF_RST;
	assert_int_equal(rsts, 1);
	run_free(&r);
	free(r.f);
}

/* -D's time is the event's own: an answer's capture timestamp, a
 * timeout's moment (the send, as the user-space clock took it right after,
 * plus -W). */
static void test_event_time_is_capture_time(void **state)
{
	(void)state;
	struct run r = {.f = new_fake(), .stamps = true};
	char b[1024], want[64];
	r.f->port_beh[81] = FW_PORT_DROP;
	run_probe(&r, "192.0.2.10", "80,81", 1, NULL);
	long syn80 = fw_find(r.f, 0, TCPF_SYN), syn81 = fw_find(r.f, (size_t)syn80 + 1, TCPF_SYN);
	assert_true(syn80 >= 0 && syn81 > syn80);
	assert_int_equal(r.f->sent[syn80].seg.dport, 80);
	assert_int_equal(r.f->sent[syn81].seg.dport, 81);
	/* Port 80: the SYN-ACK was captured 250 us after the SYN's send began. */
	uint64_t t = FW_T0 + fw_sent_at(r.f, (size_t)syn80) + 250 * US;
	snprintf(want, sizeof(want), ",\"time\":%llu.%06llu}", (unsigned long long)(t / 1000000000ull),
		 (unsigned long long)(t % 1000000000ull / 1000));
	assert_non_null(line_with(r.out, "\"port\":80,\"seq\":1", 0, b, sizeof(b)));
	assert_non_null(strstr(b, want));
	/* Port 81: its send returned send_cost after it began; -W 0.5 s later. */
	t = FW_T0 + fw_sent_at(r.f, (size_t)syn81) + r.f->send_cost + 500 * MS;
	snprintf(want, sizeof(want), ",\"time\":%llu.%06llu}", (unsigned long long)(t / 1000000000ull),
		 (unsigned long long)(t % 1000000000ull / 1000));
	assert_non_null(line_with(r.out, "\"port\":81,\"seq\":1", 0, b, sizeof(b)));
	assert_non_null(strstr(b, want));
	run_free(&r);
	free(r.f);
}

static void test_open_only_reports_open_ports(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	r.f->port_beh[81] = FW_PORT_CLOSED;
	r.f->port_beh[82] = FW_PORT_DROP;
	run_probe_open(&r, "192.0.2.10", "80-82");
	assert_int_equal(r.res.ports, 3);
	assert_int_equal(r.res.ports_open, 1);
	/* --open hides the others from the output, not from the totals. */
	assert_int_equal(r.res.ports_closed, 1);
	assert_int_equal(r.res.ports_filtered, 1);
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
	r.f->port_beh[80] = FW_PORT_BADCK;
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
	r.f->port_beh[80] = FW_PORT_DUP;
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

/* The libslirp sequence: SYN, SYN-ACK, our RST and our kernel's RST, and
 * the peer's RST|ACK (ack = ISN + 1, so it names the probe) to each. Those
 * answer our RSTs, not the probe: no duplicates, every probe open. */
static void test_answers_to_our_rsts_not_duplicates(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	r.f->port_beh[80] = FW_PORT_SLIRP;
	r.interval = 0.01;
	run_probe(&r, "192.0.2.10", "80", 3, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.res.ports_open, 1);
	for (int i = 0; i < 3; i++) {
		assert_non_null(line_with(r.out, "\"type\":\"probe\"", i, b, sizeof(b)));
		assert_non_null(strstr(b, "\"state\":\"open\",\"reply\":\"SA\""));
	}
	assert_non_null(line_with(r.out, "\"type\":\"summary\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"sent\":3,\"received\":3"));
	assert_non_null(strstr(b, "\"duplicates\":0"));
	/* A retransmitted SYN-ACK is still one (test_duplicate_counted_once). */
	run_free(&r);
	free(r.f);
}

static void test_late_answer_counted_not_answered(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	r.f->port_rtt[80] = 700 * MS; /* timeout is 500 ms */
	run_probe(&r, "192.0.2.10", "80", 1, NULL);
	assert_non_null(line_with(r.out, "\"type\":\"probe\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"reply\":\"none\""));
	/* The run ends at the timeout; the late SYN-ACK may not be read. Make
	 * it arrive within the run with a second, later probe. */
	run_free(&r);
	free(r.f);

	struct run r2 = {.f = new_fake()};
	r2.f->port_rtt[80] = 550 * MS;
	run_probe(&r2, "192.0.2.10", "80", 3, NULL);
	assert_non_null(line_with(r2.out, "\"type\":\"summary\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"received\":0"));
	assert_non_null(strstr(b, "\"late\":2"));
	run_free(&r2);
	free(r2.f);
}

/* One run of count probes to port 80, whose SYN-ACK comes rtt after each
 * send, each send call taking send_cost (0: the usual 2 us), with -W
 * timeout and -i interval (0: the defaults); its summary must show
 * received answered and late late answers. */
static void check_lateness(uint64_t send_cost, uint64_t rtt, double timeout, double interval,
			   unsigned long count, unsigned received, unsigned late)
{
	struct run r = {.f = new_fake(), .timeout = timeout, .interval = interval};
	char b[1024], want[64];
	if (send_cost)
		r.f->send_cost = send_cost;
	r.f->port_rtt[80] = rtt;
	run_probe(&r, "192.0.2.10", "80", count, NULL);
	assert_int_equal(r.rc, 0);
	assert_non_null(line_with(r.out, "\"type\":\"probe\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, received ? "\"reply\":\"SA\"" : "\"reply\":\"none\""));
	assert_non_null(line_with(r.out, "\"type\":\"summary\"", 0, b, sizeof(b)));
	snprintf(want, sizeof(want), "\"received\":%u,", received);
	assert_non_null(strstr(b, want));
	snprintf(want, sizeof(want), "\"late\":%u}", late);
	assert_non_null(strstr(b, want));
	run_free(&r);
	free(r.f);
}

/* A SYN-ACK 1 us past -W (by capture time) that the loop reads before the
 * probe's timer fires (the timer runs from when the send call returned, 2 us
 * after the SYN's capture stamp) is late, not answered; one at exactly -W is
 * answered. */
static void test_answer_just_past_timeout_read_early_is_late(void **state)
{
	(void)state;
	check_lateness(0, 500 * MS + 1 * US, 0.5, 0, 1, 0, 1);
	check_lateness(0, 500 * MS, 0.5, 0, 1, 1, 0);
}

/* A send call that takes 300 ms starts the probe's timer late; an answer
 * at 1.5 x -W on the wire, read before that timer fires, is still late. */
static void test_answer_at_one_and_a_half_timeouts_read_early_is_late(void **state)
{
	(void)state;
	check_lateness(300 * MS, 750 * MS, 0.5, 0, 1, 0, 1);
}

/* The late window is the longer of -W and 1 s after the timeout, by capture
 * time: with -W 0.01 an answer at 40 ms is late (the second probe's is not
 * seen: the run ends at its timeout); one at 1.5 s is not counted at all,
 * though the loop, idle until the next probe, reads it while the record is
 * still kept. */
static void test_late_window_judged_by_capture_time(void **state)
{
	(void)state;
	check_lateness(0, 40 * MS, 0.01, 2, 2, 0, 1);
	check_lateness(0, 1500 * MS, 0.01, 2, 2, 0, 0);
}

static void test_foreign_replies_ignored(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	r.f->port_beh[80] = FW_PORT_WRONG_ACK;
	r.f->port_beh[81] = FW_PORT_WRONG_SRC;
	run_probe(&r, "192.0.2.10", "80,81", 1, NULL);
	assert_int_equal(r.res.ports_open, 0);
	assert_non_null(line_with(r.out, "\"port\":80,\"seq\":1", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"reply\":\"none\""));
	assert_non_null(line_with(r.out, "\"port\":81,\"seq\":1", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"reply\":\"none\""));
	run_free(&r);
	free(r.f);
}

/* The RSTs among what the engine sent: their count, the last one's seq. */
static size_t rsts_sent(const struct fakewire *f, uint32_t *seq, uint32_t *syn_seq)
{
	size_t n = 0;
	for (size_t i = 0; i < f->nsent; i++) {
		if (f->sent[i].seg.flags == TCPF_SYN)
			*syn_seq = f->sent[i].seg.seq;
		if (f->sent[i].seg.flags & TCPF_RST) {
			*seq = f->sent[i].seg.seq;
			n++;
		}
	}
	return n;
}

/* An ACK naming none of our probes means the server holds an older
 * connection on the port: with reset_unacceptable (the exporter, whose RST
 * guard silences the kernel) it is reset as RFC 9293 has SYN-SENT do,
 * <SEQ=SEG.ACK><CTL=RST>; without, the kernel is left to say it. */
static void test_unacceptable_ack_reset_when_asked(void **state)
{
	(void)state;
	uint32_t seq = 0, syn = 0;
	struct run r = {.f = new_fake()};
	r.f->port_beh[80] = FW_PORT_WRONG_ACK; /* acknowledges ISN + 100 */
	run_probe(&r, "192.0.2.10", "80", 1, NULL);
	assert_int_equal(rsts_sent(r.f, &seq, &syn), 0);
	run_free(&r);
	free(r.f);

	struct run q = {.f = new_fake(), .reset_unacceptable = true};
	q.f->port_beh[80] = FW_PORT_WRONG_ACK;
	run_probe(&q, "192.0.2.10", "80", 1, NULL);
	assert_int_equal(q.res.ports_open, 0); /* still no answer of ours */
	assert_int_equal(rsts_sent(q.f, &seq, &syn), 1);
	assert_int_equal(seq, syn + 100);
	run_free(&q);
	free(q.f);
}

static void test_replies_out_of_order_match_their_probes(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	/* Port 80 answers slowly, 81 fast: the answers cross. */
	r.f->port_rtt[80] = 90 * MS;
	r.f->port_rtt[81] = 1 * MS;
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
	/* The fake answers from the address and port probed, so an IPv6
	 * target gives IPv6 frames, ICMPv6 errors included. */
	r.f->port_beh[444] = FW_PORT_ICMP;
	run_probe(&r, "2001:db8::10", "443,444", 1, NULL);
	assert_non_null(line_with(r.out, "\"port\":443,\"seq\":1", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"addr\":\"2001:db8::10\",\"port\":443"));
	assert_non_null(strstr(b, "\"state\":\"open\""));
	assert_non_null(line_with(r.out, "\"port\":444,\"seq\":1", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"state\":\"filtered\",\"reply\":\"icmp:admin-prohibited\""));
	run_free(&r);
	free(r.f);
}

static void test_stop_reports_summary_so_far(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	char b[1024];
	volatile sig_atomic_t stop = 0;
	r.f->stop = &stop;
	r.f->stop_tries = 5; /* SYN,RST,SYN,RST,SYN */
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

/* The progress sink's end: how much output there was by then. */
static void note_end(void *arg)
{
	note_stop(arg);
}

/* A sweep of four ports, two probes each: the sink hears every probe done,
 * the one port found open, on the fake's clock, and the end once, before
 * any summary is written (the line must be off the screen by then). */
static void test_progress_counts(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	struct progress_rec pr = {.on_end = note_end, .on_end_arg = &r};
	struct progress_sink sink = progress_rec_sink(&pr);
	r.progress = &sink;
	r.f->port_beh[81] = FW_PORT_CLOSED;
	r.f->port_beh[82] = FW_PORT_DROP;
	r.f->port_beh[83] = FW_PORT_ICMP;
	run_probe(&r, "192.0.2.10", "80-83", 2, NULL);
	assert_int_equal(r.rc, 0);
	assert_true(pr.updates >= 2);
	progress_rec_assert_swept(&pr, "probes", 8, 1, T0);
	/* Times are the fake's: the last is when the dropped port's second
	 * probe timed out, 0.1 s + 0.5 s after the start and its sends. */
	assert_true(pr.first_now >= T0);
	assert_true(pr.last_now >= T0 + 600 * MS && pr.last_now < T0 + 700 * MS);
	/* Some update came before all was done: progress, not just a total. */
	assert_true(pr.first.done < 8);
	assert_int_equal(count_in(r.out, (size_t)r.out_at_stop, "\"type\":\"summary\""), 0);
	assert_non_null(strstr(r.out, "\"type\":\"summary\""));
	run_free(&r);
	free(r.f);
}

/* One probe a port: the unit is ports; -c 0: no total (no ETA). */
static void test_progress_units_and_unknown_total(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	struct progress_rec pr = {0};
	struct progress_sink sink = progress_rec_sink(&pr);
	r.progress = &sink;
	run_probe(&r, "192.0.2.10", "80-81", 1, NULL);
	progress_rec_assert_swept(&pr, "ports", 2, 2, T0);
	run_free(&r);
	free(r.f);

	struct progress_rec pr0 = {0};
	sink = progress_rec_sink(&pr0);
	r = (struct run){.f = new_fake(), .progress = &sink};
	volatile sig_atomic_t stop = 0;
	r.f->stop = &stop;
	r.f->stop_tries = 5;
	run_probe(&r, "192.0.2.10", "80", 0, &stop);
	assert_int_equal(pr0.last.total, 0);
	assert_true(pr0.last.sent >= 2);
	assert_int_equal(pr0.ends, 1); /* interrupted: the line still goes */
	run_free(&r);
	free(r.f);
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
	r.f->send_cost = 100 * US;
	r.f->no_own_copy = true;
	for (int p = 1; p <= 300; p++)
		r.f->port_beh[p] = FW_PORT_DROP;
	r.f->stop = &stop;
	r.f->stop_tries = 1000;
	run_probe(&r, "192.0.2.10", "1-300", 0, &stop);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.res.interrupted, 1);
	/* By the 1000th send (at 100 ms) the ~900 probes sent before 90 ms
	 * are past their deadline: all but the last burst's must be reported
	 * already, while sending went on. */
	assert_true(r.out_at_stop > 0);
	int early = count_in(r.out, (size_t)r.out_at_stop, "\"reply\":\"none\"");
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
	r.f->enobufs = UINT_MAX;
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
	r.f->enobufs = UINT_MAX;
	r.f->stop = &stop;
	r.f->stop_tries = 10;
	run_probe(&r, "192.0.2.10", "80", 0, &stop);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.res.interrupted, 1);
	assert_int_equal(r.f->sends_tried, 10);
	assert_int_equal(r.f->nsent_all, 0);
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
	assert_int_equal(r.f->sends_tried - r.f->nsent_all, 3);
	assert_non_null(line_with(r.out, "\"type\":\"summary\"", 0, b, sizeof(b)));
	assert_non_null(strstr(b, "\"sent\":1,\"received\":1"));
	run_free(&r);
	free(r.f);
}

/* The RST that frees the server's half-open entry goes through the one
 * send loop too: a queue that is full for a moment delays it, and does not
 * lose it (it was sent with one bare send call, dropped on ENOBUFS). */
static void test_rst_retried_when_queue_full(void **state)
{
	(void)state;
	struct run r = {.f = new_fake()};
	r.f->enobufs = 2;
	r.f->enobufs_from = 1; /* the SYN goes; the RST is refused twice */
	run_probe(&r, "192.0.2.10", "80", 1, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.f->sends_tried, 4);
	assert_int_equal(r.f->nsent, 2);
	assert_int_equal(r.f->sent[1].seg.flags, TCPF_RST);
	assert_int_equal(r.f->sent[1].seg.seq, r.f->sent[0].seg.seq + 1);
	/* Backed off a millisecond a refusal, by the wire's clock. */
	assert_true(r.f->sent[1].t - r.f->sent[0].t >= 250 * US + 2 * MS);
	run_free(&r);
	free(r.f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_exact_kernel_rtt_and_rst),
		cmocka_unit_test(test_user_timestamp_fallback),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_event_time_is_capture_time),
		cmocka_unit_test(test_bad_checksum_ignored_and_counted),
		cmocka_unit_test(test_open_only_reports_open_ports),
		cmocka_unit_test(test_duplicate_counted_once),
		cmocka_unit_test(test_answers_to_our_rsts_not_duplicates),
		cmocka_unit_test(test_late_answer_counted_not_answered),
		cmocka_unit_test(test_answer_just_past_timeout_read_early_is_late),
		cmocka_unit_test(test_answer_at_one_and_a_half_timeouts_read_early_is_late),
		cmocka_unit_test(test_late_window_judged_by_capture_time),
		cmocka_unit_test(test_foreign_replies_ignored),
		cmocka_unit_test(test_unacceptable_ack_reset_when_asked),
		cmocka_unit_test(test_replies_out_of_order_match_their_probes),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_stop_reports_summary_so_far),
		cmocka_unit_test(test_timeouts_reported_while_sends_always_due),
		cmocka_unit_test(test_enobufs_forever_gives_up),
		cmocka_unit_test(test_enobufs_stop),
		cmocka_unit_test(test_enobufs_transient_retried),
		cmocka_unit_test(test_rst_retried_when_queue_full),
		cmocka_unit_test(test_progress_counts),
		cmocka_unit_test(test_progress_units_and_unknown_total),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
