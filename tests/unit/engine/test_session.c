/*
 * Unit tests for session: connect mode's engine over the scripted fake wire
 * (tests/unit/fakewire.h).
 *
 * The fake plays the network and a small scripted TCP peer. Every segment
 * the engine sends is recorded, shows up in the "capture" at once (the
 * kernel's copy of our own segment, stamped with the send time), and the
 * peer reacts to it by queueing its answers RTT (10 ms) later. Time moves
 * only when the engine waits, to the deadline or the next frame due, so
 * every RTT, retransmission time and timeout is exact.
 *
 * The engine's verdict is read from its JSON output (one "session" line);
 * what it sent is read from the fake's record.
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

#include "core/cli.h"
#include "../fakewire.h"
#include "../progress_rec.h"
#include "../pktbuild.h"
#include "core/segment.h"
#include "engine/session.h"
#include "run_config.h"

#define US FW_US
#define MS FW_MS
#define SEC FW_SEC
#define T0 FW_T0
#define RTT (10 * MS)
#define PEER_ISS FW_PEER_ISS
#define OUR_ADDR FW_OUR_ADDR
#define PEER_ADDR FW_PEER_ADDR
#define PEER_PORT 80
#define SPORT 40000

/* ---- One run ----------------------------------------------------------- */

struct run {
	struct fakewire *f;
	struct options o;
	struct target_list tl;
	struct netaddr src;
	uint16_t mss;
	uint16_t mtu;     /* our link's MTU for the engine (0: none given) */
	char *out;
	size_t outlen;
	struct session_result res;
	int rc;
	char err[256];
	char line[16384]; /* the session line */
	uint32_t iss;     /* our ISN: the first SYN's seq */
	const char *target; /* the target argument (NULL: 192.0.2.10:80) */
	uint16_t nsports;   /* source ports the engine cycles through (0: 1) */
	const struct progress_sink *progress; /* the engine's sink (NULL: none) */
};

/* Run `tcpshake -m connect --json [args] 192.0.2.10:80` against r->f. */
static void run_session(struct run *r, const char *const *args, volatile sig_atomic_t *stop)
{
	char *argv[32];
	int argc = 0;
	argv[argc++] = (char *)"tcpshake";
	argv[argc++] = (char *)"-m";
	argv[argc++] = (char *)"connect";
	argv[argc++] = (char *)"--json";
	for (size_t i = 0; args && args[i]; i++)
		argv[argc++] = (char *)args[i];
	argv[argc++] = (char *)(r->target ? r->target : PEER_ADDR ":80");
	argv[argc] = NULL;
	assert_int_equal(cli_parse(argc, argv, &r->o, r->err, sizeof(r->err)), CLI_OK);
	memset(&r->tl, 0, sizeof(r->tl));
	assert_int_equal(targets_from_args(r->o.targets, r->o.ntargets, r->o.ports, &r->tl, r->err,
					   sizeof(r->err)), 0);
	assert_int_equal(netaddr_parse(r->tl.t[0].host, &r->tl.t[0].addr), 0);
	assert_int_equal(netaddr_parse(OUR_ADDR, &r->src), 0);
	r->mss = 1460;
	FILE *mf = open_memstream(&r->out, &r->outlen);
	assert_non_null(mf);
	struct output *out = output_new(&r->o.out, mf);
	assert_non_null(out);
	struct wire w;
	fw_bind(r->f, &w);
	struct session_config sc = {
		.targets = &r->tl, .src = &r->src, .mss = &r->mss,
		.mtu = r->mtu ? &r->mtu : NULL,
		.sport_base = SPORT, .nsports = r->nsports ? r->nsports : 1, .isn_seed = 1234,
		.tsval_base = 1, .progress = r->progress,
	};
	run_session_options(&r->o, &sc);
	volatile sig_atomic_t never = 0;
	r->rc = session_run(&sc, &w, out, stop ? stop : &never, &r->res, r->err, sizeof(r->err));
	output_end(out);
	output_free(out);
	fclose(mf);
	/* The session line. */
	const char *p = strstr(r->out, "{\"type\":\"session\"");
	assert_non_null(p);
	size_t n = strcspn(p, "\n");
	assert_true(n < sizeof(r->line));
	memcpy(r->line, p, n);
	r->line[n] = '\0';
	assert_true(r->f->nsent > 0);
	r->iss = r->f->sent[0].seg.seq;
}

static void run_free(struct run *r)
{
	free(r->out);
	target_list_free(&r->tl);
	free(r->f);
}

/* ---- Progress -------------------------------------------------------- */

/* Two target ports, two connections each: the sink hears each connection
 * done, the one port found open (once, though connected twice), on the
 * fake's clock, and the end once. */
static void test_progress_counts(void **state)
{
	(void)state;
	struct run r = {.f = fw_new(), .target = PEER_ADDR ":80-81", .nsports = 8};
	struct progress_rec pr = {0};
	struct progress_sink sink = progress_rec_sink(&pr);
	r.progress = &sink;
	r.f->port_beh[81] = FW_PORT_CLOSED;
	static const char *const args[] = {"-c", "2", "-i", "0.1", NULL};
	run_session(&r, args, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.res.connections, 4);
	assert_int_equal(pr.updates, 4); /* one a connection */
	assert_int_equal(pr.first.done, 1);
	assert_int_equal(pr.first.open, 1);
	assert_true(pr.first_now > T0);
	progress_rec_assert_swept(&pr, "connections", 4, 1, T0);
	run_free(&r);
}

/* The raw text of a top-level key's value in a JSON line: "\"ok\"", "10.000000",
 * "null"... (keys that occur once only). */
static const char *jfield(const char *line, const char *key, char *buf, size_t len)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(line, pat);
	if (p == NULL)
		return NULL;
	p += strlen(pat);
	size_t n = 0;
	bool in_str = false;
	while (p[n] != '\0' && (in_str || (p[n] != ',' && p[n] != '}')) && n + 1 < len) {
		if (p[n] == '"')
			in_str = !in_str;
		n++;
	}
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

#define assert_field(line, key, want)                                                  \
	do {                                                                           \
		char fb_[256];                                                         \
		assert_non_null(jfield((line), (key), fb_, sizeof(fb_)));               \
		assert_string_equal(fb_, (want));                                      \
	} while (0)

/* Occurrences of needle in text. */
static int count_of(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* The deviations array's text. */
static const char *deviations(const struct run *r, char *buf, size_t len)
{
	const char *p = strstr(r->line, "\"deviations\":[");
	assert_non_null(p);
	size_t n = strcspn(p, "]") + 1;
	assert_true(n < len);
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

/* Our i-th segment: flags, seq and ack relative to both ISNs, length. */
static void assert_seg(const struct run *r, size_t i, uint8_t flags, uint32_t rseq, uint32_t rack,
		       uint16_t len)
{
	assert_true(i < r->f->nsent);
	const struct tx_segment *s = &r->f->sent[i].seg;
	char want[16], got[16];
	segment_flags_str(flags, want);
	segment_flags_str(s->flags, got);
	assert_string_equal(got, want);
	assert_int_equal(s->seq, r->iss + rseq);
	assert_int_equal(s->ack, (flags & TCPF_ACK) ? PEER_ISS + rack : 0);
	assert_int_equal(s->payload_len, len);
	assert_int_equal(s->sport, SPORT);
	assert_int_equal(s->dport, PEER_PORT);
}

/* When our i-th segment went out, in ms from T0. */
static uint64_t sent_ms(const struct run *r, size_t i)
{
	assert_true(i < r->f->nsent);
	return (r->f->sent[i].t - T0) / MS;
}

/* ---- The scenarios ----------------------------------------------------- */

/* -D: the session record ends with "time", the moment it was reported on
 * the wire's clock: after our last segment, within the TIME_WAIT held. */
static void test_session_time(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	const char *args[] = {"-D", "--time-wait", "0.2", NULL};
	run_session(&r, args, NULL);
	unsigned long long sec, usec;
	const char *p = strstr(r.line, ",\"time\":");
	assert_non_null(p);
	assert_int_equal(sscanf(p, ",\"time\":%llu.%6llu}", &sec, &usec), 2);
	assert_string_equal(strchr(p, '}'), "}");
	uint64_t t = (uint64_t)sec * 1000000000ull + (uint64_t)usec * 1000ull;
	uint64_t last = r.f->sent[r.f->nsent - 1].t;
	assert_true(t + 1000 > last);
	assert_true(t <= last + 1000 * MS);
	run_free(&r);
}

/* Active close with --data against a conformant peer: S, A, PA(5), FA, A;
 * RTT from the capture timestamps exactly the fake's 10 ms; FIN once the
 * data is acknowledged and four RTTs + 20 ms have passed quietly; TIME_WAIT
 * held for --time-wait 0.2, and a FIN the peer sends again meanwhile gets
 * an ACK. */
static void test_active_close_with_data(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	char dv[1024];
	r.f->p.fin_again_after = 100 * MS;
	const char *args[] = {"--data", "hello", "--time-wait", "0.2", "-W", "2", NULL};
	run_session(&r, args, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.f->nsent, 6);
	assert_seg(&r, 0, TCPF_SYN, 0, 0, 0);
	assert_seg(&r, 1, TCPF_ACK, 1, 1, 0);
	assert_seg(&r, 2, TCPF_PSH | TCPF_ACK, 1, 1, 5);
	assert_seg(&r, 3, TCPF_FIN | TCPF_ACK, 6, 1, 0);
	assert_seg(&r, 4, TCPF_ACK, 7, 2, 0);
	assert_seg(&r, 5, TCPF_ACK, 7, 2, 0); /* the resent FIN's ACK */
	assert_int_equal(sent_ms(&r, 1), 10);
	assert_int_equal(sent_ms(&r, 2), 10);
	assert_int_equal(sent_ms(&r, 3), 80); /* data ACKed at 20 ms + 60 ms quiet */
	assert_int_equal(sent_ms(&r, 4), 90);
	assert_int_equal(sent_ms(&r, 5), 190);
	assert_memory_equal(r.f->p.rcvd, "hello", 5);
	assert_int_equal(r.f->p.nrcvd, 5);
	/* TIME_WAIT from 90 ms, held 200 ms: the run ends at 290 ms. */
	assert_int_equal(r.f->now, T0 + 290 * MS);
	assert_field(r.line, "handshake", "\"ok\"");
	assert_field(r.line, "rtt_ms", "10.000000");
	assert_field(r.line, "ts_source", "\"kernel\"");
	assert_field(r.line, "close", "\"active\"");
	assert_field(r.line, "teardown", "\"conformant\"");
	assert_string_equal(deviations(&r, dv, sizeof(dv)), "\"deviations\":[]");
	assert_field(r.line, "bytes_sent", "5");
	assert_field(r.line, "bytes_received", "0");
	assert_field(r.line, "retransmissions_sent", "0");
	assert_field(r.line, "retransmissions_received", "1");
	assert_field(r.line, "time_wait_ms", "240000");
	assert_field(r.line, "time_wait_held_ms", "200.000000");
	assert_field(r.line, "cause", "null");
	/* Every segment both ways logged: 6 ours; SA, A, A, FA, FA again. */
	assert_int_equal(count_of(r.line, "\"dir\":\"out\""), 6);
	assert_int_equal(count_of(r.line, "\"dir\":\"in\""), 5);
	assert_int_equal(r.res.connections, 1);
	assert_int_equal(r.res.good, 1);
	assert_int_equal(r.res.interrupted, 0);
	assert_int_equal(r.res.ports, 1);
	assert_int_equal(r.res.ports_open, 1);
	assert_int_equal(r.res.answered, 1);
	run_free(&r);
}

/* Our SYN lost twice: resent 1 s after the first, then 2 s after that
 * (exponential backoff from the initial RTO of 1 s under -W 10); the third
 * is answered, and the RTT is measured from that last SYN. */
static void test_syn_lost_twice_backoff(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	r.f->p.drop_syns = 2;
	const char *args[] = {"-W", "10", NULL};
	run_session(&r, args, NULL);
	assert_int_equal(r.rc, 0);
	for (size_t i = 0; i < 3; i++)
		assert_seg(&r, i, TCPF_SYN, 0, 0, 0);
	assert_int_equal(sent_ms(&r, 0), 0);
	assert_int_equal(sent_ms(&r, 1), 1000);
	assert_int_equal(sent_ms(&r, 2), 3000);
	assert_seg(&r, 3, TCPF_ACK, 1, 1, 0);
	assert_int_equal(sent_ms(&r, 3), 3010);
	assert_seg(&r, 4, TCPF_FIN | TCPF_ACK, 1, 1, 0); /* no data: FIN at once */
	assert_seg(&r, 5, TCPF_ACK, 2, 2, 0);
	assert_int_equal(r.f->nsent, 6);
	assert_field(r.line, "handshake", "\"ok\"");
	assert_field(r.line, "rtt_ms", "10.000000");
	assert_field(r.line, "teardown", "\"conformant\"");
	assert_field(r.line, "retransmissions_sent", "2");
	run_free(&r);
}

/* -W 0.5 shortens the initial RTO to 0.25 s: against silence, a SYN at 0
 * and one at 250 ms, then the handshake times out at 500 ms. */
static void test_short_timeout_syn_rto(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	char b[1024];
	r.f->p.silent = true;
	const char *args[] = {"-W", "0.5", NULL};
	run_session(&r, args, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.f->nsent, 2);
	assert_seg(&r, 0, TCPF_SYN, 0, 0, 0);
	assert_seg(&r, 1, TCPF_SYN, 0, 0, 0);
	assert_int_equal(sent_ms(&r, 1), 250);
	assert_int_equal(r.f->now, T0 + 500 * MS);
	assert_field(r.line, "handshake", "\"timeout\"");
	assert_field(r.line, "rtt_ms", "null");
	assert_field(r.line, "teardown", "\"none\"");
	assert_int_equal(r.res.good, 0);
	assert_int_equal(r.res.ports_filtered, 1);
	assert_int_equal(r.res.answered, 0);
	const char *sum = strstr(r.out, "{\"type\":\"summary\"");
	assert_non_null(sum);
	assert_non_null(jfield(sum, "state", b, sizeof(b)));
	assert_string_equal(b, "\"filtered\"");
	run_free(&r);
}

/* RST|ACK to our SYN: refused, no teardown, and nothing more sent. */
static void test_refused(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	char b[1024];
	r.f->p.refuse = true;
	run_session(&r, NULL, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.f->nsent, 1);
	assert_seg(&r, 0, TCPF_SYN, 0, 0, 0);
	assert_field(r.line, "handshake", "\"refused\"");
	assert_field(r.line, "teardown", "\"none\"");
	assert_field(r.line, "rtt_ms", "null"); /* man page: null unless ok */
	/* It ended on the RST, at 10 ms, without waiting for anything. */
	assert_int_equal(r.f->now, T0 + 10 * MS);
	const char *sum = strstr(r.out, "{\"type\":\"summary\"");
	assert_non_null(sum);
	assert_non_null(jfield(sum, "state", b, sizeof(b)));
	assert_string_equal(b, "\"closed\"");
	run_free(&r);
}

/* Our FIN lost once: sent again one RTO (1 s under -W 5) later, identical;
 * the close then finishes conformant. */
static void test_fin_lost_once(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	r.f->p.drop_fins = 1;
	const char *args[] = {"-W", "5", "--time-wait", "0", NULL};
	run_session(&r, args, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.f->nsent, 5);
	assert_seg(&r, 0, TCPF_SYN, 0, 0, 0);
	assert_seg(&r, 1, TCPF_ACK, 1, 1, 0);
	assert_seg(&r, 2, TCPF_FIN | TCPF_ACK, 1, 1, 0);
	assert_seg(&r, 3, TCPF_FIN | TCPF_ACK, 1, 1, 0);
	assert_seg(&r, 4, TCPF_ACK, 2, 2, 0);
	assert_int_equal(sent_ms(&r, 2), 10);
	assert_int_equal(sent_ms(&r, 3), 1010);
	assert_int_equal(sent_ms(&r, 4), 1020);
	assert_field(r.line, "teardown", "\"conformant\"");
	assert_field(r.line, "retransmissions_sent", "1");
	run_free(&r);
}

/* A peer window of 4 bytes (SYN-ACK window 4, no options, so no scaling)
 * with --data of 10 bytes: never more than 4 bytes unacknowledged; the
 * peer gets all 10 in order, in segments of 4, 4 and 2. */
static void test_small_peer_window(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	r.f->p.win = 4;
	r.f->p.no_opts = true;
	const char *args[] = {"--data", "0123456789", NULL};
	run_session(&r, args, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.f->max_inflight, 4);
	assert_int_equal(r.f->p.nrcvd, 10);
	assert_memory_equal(r.f->p.rcvd, "0123456789", 10);
	assert_seg(&r, 2, TCPF_PSH | TCPF_ACK, 1, 1, 4);
	assert_seg(&r, 3, TCPF_PSH | TCPF_ACK, 5, 1, 4);
	assert_seg(&r, 4, TCPF_PSH | TCPF_ACK, 9, 1, 2);
	assert_int_equal(sent_ms(&r, 3), 20);
	assert_int_equal(sent_ms(&r, 4), 30);
	assert_seg(&r, 5, TCPF_FIN | TCPF_ACK, 11, 1, 0);
	assert_field(r.line, "bytes_sent", "10");
	assert_field(r.line, "retransmissions_sent", "0");
	assert_field(r.line, "teardown", "\"conformant\"");
	run_free(&r);
}

/* The same 4-byte window, and the first data segment is lost: the
 * retransmission must stay within the window too (RFC 9293 §3.8.6: never
 * more than the window allows; man page: "no more at once than the peer's
 * window allows"). */
static void test_small_peer_window_retransmission(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	r.f->p.win = 4;
	r.f->p.no_opts = true;
	r.f->p.drop_data = 1;
	const char *args[] = {"--data", "0123456789", "-W", "5", NULL};
	run_session(&r, args, NULL);
	assert_int_equal(r.rc, 0);
	assert_seg(&r, 2, TCPF_PSH | TCPF_ACK, 1, 1, 4);
	assert_int_equal(sent_ms(&r, 3), 1010);
	assert_seg(&r, 3, TCPF_PSH | TCPF_ACK, 1, 1, 4); /* the retransmission: 4 bytes */
	assert_int_equal(r.f->max_inflight, 4);
	assert_int_equal(r.f->p.nrcvd, 10);
	assert_memory_equal(r.f->p.rcvd, "0123456789", 10);
	assert_field(r.line, "teardown", "\"conformant\"");
	run_free(&r);
}

/* Passive close: after the handshake the peer sends 5 bytes and its FIN;
 * we ACK each at once, cumulatively (the FIN's ACK covers the data too),
 * send our FIN (LAST_ACK), and its ACK ends the session: conformant. */
static void test_passive_close(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	char dv[1024];
	r.f->p.send_data = "world";
	const char *args[] = {"--close", "passive", NULL};
	run_session(&r, args, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.f->nsent, 5);
	assert_seg(&r, 0, TCPF_SYN, 0, 0, 0);
	assert_seg(&r, 1, TCPF_ACK, 1, 1, 0);
	assert_seg(&r, 2, TCPF_ACK, 1, 6, 0);  /* the data */
	assert_seg(&r, 3, TCPF_ACK, 1, 7, 0);  /* data and FIN */
	assert_seg(&r, 4, TCPF_FIN | TCPF_ACK, 1, 7, 0);
	assert_int_equal(sent_ms(&r, 2), 20);
	assert_int_equal(sent_ms(&r, 4), 20);
	/* The peer's ACK of our FIN at 30 ms ends it: no TIME_WAIT. */
	assert_int_equal(r.f->now, T0 + 30 * MS);
	assert_field(r.line, "close", "\"passive\"");
	assert_field(r.line, "teardown", "\"conformant\"");
	assert_string_equal(deviations(&r, dv, sizeof(dv)), "\"deviations\":[]");
	assert_field(r.line, "bytes_received", "5");
	assert_field(r.line, "time_wait_ms", "null");
	assert_field(r.line, "cause", "null");
	assert_int_equal(r.res.good, 1);
	run_free(&r);
}

/* The peer ACKs our FIN but never sends its own (-W 0.5): incomplete with
 * fin-never-sent, given up 0.5 s after the last progress (its ACK at
 * 20 ms), and a final RST|ACK frees the peer. */
static void test_peer_never_fins(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	char dv[1024];
	r.f->p.never_fin = true;
	const char *args[] = {"-W", "0.5", NULL};
	run_session(&r, args, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.f->nsent, 4);
	assert_seg(&r, 2, TCPF_FIN | TCPF_ACK, 1, 1, 0);
	assert_seg(&r, 3, TCPF_RST | TCPF_ACK, 2, 1, 0);
	assert_int_equal(sent_ms(&r, 3), 520);
	assert_field(r.line, "teardown", "\"incomplete\"");
	deviations(&r, dv, sizeof(dv));
	assert_non_null(strstr(dv, "\"code\":\"fin-never-sent\""));
	assert_int_equal(count_of(dv, "\"code\":"), 1);
	assert_field(r.line, "cause", "\"the close did not finish within the timeout\"");
	/* The RST is shown last in the segments. */
	const char *last = NULL;
	for (const char *q = r.line; (q = strstr(q, "{\"t_ms\":")) != NULL; q++)
		last = q;
	assert_non_null(last);
	assert_true(strncmp(strstr(last, "\"flags\":"), "\"flags\":\"RA\"", 12) == 0);
	assert_int_equal(r.res.good, 0);
	run_free(&r);
}

/* Ctrl-C mid-session (while our data waits for its ACK): session_run
 * returns at once, with res.interrupted set and the connection reported
 * as interrupted; -c 0 would otherwise go on forever. */
static void test_stop_mid_session(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	volatile sig_atomic_t stop = 0;
	r.f->stop = &stop;
	r.f->stop_at = T0 + 15 * MS;
	const char *args[] = {"-c", "0", "--data", "hello", NULL};
	run_session(&r, args, &stop);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.res.interrupted, 1);
	assert_int_equal(r.res.connections, 1);
	assert_int_equal(r.f->now, T0 + 15 * MS); /* no waiting after the stop */
	assert_field(r.line, "handshake", "\"ok\"");
	assert_field(r.line, "teardown", "\"incomplete\"");
	assert_field(r.line, "cause", "\"interrupted\"");
	/* S, A, PA; then the RST that frees the peer. */
	assert_int_equal(r.f->nsent, 4);
	assert_seg(&r, 2, TCPF_PSH | TCPF_ACK, 1, 1, 5);
	assert_seg(&r, 3, TCPF_RST | TCPF_ACK, 6, 1, 0);
	assert_non_null(strstr(r.out, "{\"type\":\"summary\""));
	run_free(&r);
}

/* Frames with a bad TCP checksum from the peer are no segments: a corrupted
 * SYN-ACK 5 ms early does not end the handshake (the RTT is the good one's
 * 10 ms), and a corrupted RST and data segment after it neither reset the
 * connection nor get an ACK nor show in the log. */
static void test_bad_checksum_ignored(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	r.f->p.badck_synack = true;
	r.f->p.badck_after_hs = true;
	run_session(&r, NULL, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.f->nsent, 4);
	assert_seg(&r, 0, TCPF_SYN, 0, 0, 0);
	assert_seg(&r, 1, TCPF_ACK, 1, 1, 0);
	assert_int_equal(sent_ms(&r, 1), 10);
	assert_seg(&r, 2, TCPF_FIN | TCPF_ACK, 1, 1, 0);
	assert_seg(&r, 3, TCPF_ACK, 2, 2, 0);
	assert_field(r.line, "handshake", "\"ok\"");
	assert_field(r.line, "rtt_ms", "10.000000");
	assert_field(r.line, "teardown", "\"conformant\"");
	assert_field(r.line, "bytes_received", "0");
	assert_field(r.line, "cause", "null");
	/* Logged from the peer: SA, A, FA only. */
	assert_int_equal(count_of(r.line, "\"dir\":\"in\""), 3);
	assert_int_equal(count_of(r.line, "\"flags\":\"RA\""), 0);
	/* A bad checksum is a decoded frame, not a malformed one. */
	assert_int_equal(r.res.bad, 0);
	run_free(&r);
}

/* A 576-byte MTU on our side (issue 8, defect 3): the peer offers 1460,
 * but no segment of ours may exceed 576 - 40 - 12 bytes of payload with
 * timestamps, and 3000 bytes of --data go through, conformant. Sized by
 * the peer's MSS alone, the first one is refused with EMSGSIZE. */
static void test_data_within_link_mtu(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	static char data[3001];
	memset(data, 'x', 3000);
	r.f->mtu = 576;
	r.mtu = 576;
	const char *args[] = {"--data", data, NULL};
	run_session(&r, args, NULL);
	assert_int_equal(r.rc, 0);
	size_t ndata = 0;
	for (size_t i = 0; i < r.f->nsent; i++) {
		assert_true(r.f->sent[i].seg.payload_len <= 524);
		ndata += r.f->sent[i].seg.payload_len > 0;
	}
	assert_int_equal(ndata, 6); /* 5 x 524 + 380 */
	assert_int_equal(r.f->p.nrcvd, 3000);
	assert_field(r.line, "teardown", "\"conformant\"");
	assert_field(r.line, "cause", "null");
	assert_int_equal(r.res.good, 1);
	run_free(&r);
}

/* A path narrower than we were told: the send fails with EMSGSIZE. The
 * connection ends with that cause and the peer is reset, but the run goes
 * on (no runtime error, nothing left open). */
static void test_emsgsize_ends_the_connection(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	static char data[1201];
	memset(data, 'y', 1200);
	r.f->mtu = 576; /* the engine believes 1500 (mss 1460) */
	const char *args[] = {"--data", data, NULL};
	run_session(&r, args, NULL);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.line, "\"cause\":\"cannot send a segment of 1200 bytes"));
	assert_non_null(strstr(r.line, strerror(EMSGSIZE)));
	assert_int_equal(r.f->sent[r.f->nsent - 1].seg.flags, TCPF_RST | TCPF_ACK);
	assert_int_equal(r.res.good, 0);
	assert_int_equal(r.res.connections, 1);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_active_close_with_data),
		cmocka_unit_test(test_syn_lost_twice_backoff),
		cmocka_unit_test(test_short_timeout_syn_rto),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_session_time),
		cmocka_unit_test(test_fin_lost_once),
		cmocka_unit_test(test_small_peer_window),
		cmocka_unit_test(test_small_peer_window_retransmission),
		cmocka_unit_test(test_passive_close),
		cmocka_unit_test(test_peer_never_fins),
		cmocka_unit_test(test_stop_mid_session),
		cmocka_unit_test(test_bad_checksum_ignored),
		cmocka_unit_test(test_data_within_link_mtu),
		cmocka_unit_test(test_emsgsize_ends_the_connection),
		cmocka_unit_test(test_progress_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
