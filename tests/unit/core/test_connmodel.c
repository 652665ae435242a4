/*
 * Unit tests for connmodel: hand-written segment sequences of one
 * connection, each checking exactly what the judge makes of them: both
 * ends' states per segment (with the peer's causality rule), the
 * retransmission flags, the deviations with their expected/actual values,
 * and the teardown verdict.
 *
 * Conventions: our ISN is ISS, the peer's IRS; times are in milliseconds;
 * seg(m, t, OUT/IN, "FA", seq, ack, len) parses flag letters
 * (S SYN, A ACK, F FIN, R RST, P PSH).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/connmodel.h"
#include "core/deviation.h"
#include "core/segment.h"
#include "core/tcpstate.h"

#define OUT CONN_OUT
#define IN CONN_IN

#define ISS 1000u
#define IRS 5000u

/* ---- helpers ---------------------------------------------------------- */

static int setup(void **state)
{
	struct connmodel *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -1;
	connmodel_init(m, CONN_CLOSE_ACTIVE);
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	struct connmodel *m = *state;
	connmodel_free(m);
	free(m);
	return 0;
}

/* The fixture's model, (re)initialised for close mode c (nothing logged yet). */
static struct connmodel *model(void **state, enum conn_close c)
{
	struct connmodel *m = *state;
	connmodel_init(m, c);
	return m;
}

static uint8_t parse_flags(const char *f)
{
	uint8_t v = 0;
	for (; *f; f++) {
		switch (*f) {
		case 'S': v |= TCPF_SYN; break;
		case 'A': v |= TCPF_ACK; break;
		case 'F': v |= TCPF_FIN; break;
		case 'R': v |= TCPF_RST; break;
		case 'P': v |= TCPF_PSH; break;
		default: fail_msg("bad flag letter '%c'", *f);
		}
	}
	return v;
}

/* Feed one segment; returns its index in the log. */
static long seg(struct connmodel *m, uint64_t t_ms, enum conn_dir dir, const char *flags,
		uint32_t seq, uint32_t ack, uint16_t len)
{
	struct conn_seg s = {
		.t_ns = t_ms * 1000000ull,
		.dir = dir,
		.flags = parse_flags(flags),
		.seq = seq,
		.ack = ack,
		.len = len,
		.win = 65535,
	};
	size_t before = m->n;
	long idx = connmodel_add(m, &s);
	assert_int_equal(idx, (long)before);
	assert_int_equal(m->n, before + 1);
	return idx;
}

/* The three-way handshake at t = 0, 10, 11 ms: entries 0, 1, 2. */
static void handshake(struct connmodel *m, uint32_t iss, uint32_t irs)
{
	seg(m, 0, OUT, "S", iss, 0, 0);
	seg(m, 10, IN, "SA", irs, iss + 1, 0);
	seg(m, 11, OUT, "A", iss + 1, irs + 1, 0);
}

static void dump_devs(const struct connmodel *m)
{
	char b[256];
	for (size_t i = 0; i < m->devs.n; i++)
		print_message("  deviation %zu: %s: %s\n", i, deviation_name(m->devs.v[i].code),
			      deviation_format(&m->devs.v[i], b, sizeof(b)));
}

/* Exactly k deviations (all of them printed when not). */
#define EXPECT_NDEVS(m, k)                                                                     \
	do {                                                                                   \
		if ((m)->devs.n != (size_t)(k))                                                \
			dump_devs(m);                                                          \
		assert_int_equal((m)->devs.n, (k));                                            \
	} while (0)

/* Deviation i has this code and field, and these values (when has_values). */
#define EXPECT_DEV(m, i, code_, field_, has_values_, exp_, act_)                              \
	do {                                                                                   \
		const struct deviation *d_ = &(m)->devs.v[i];                                  \
		assert_string_equal(deviation_name(d_->code), deviation_name(code_));          \
		assert_string_equal(d_->field, (field_));                                      \
		assert_int_equal(d_->has_values, (has_values_));                               \
		if (has_values_) {                                                             \
			assert_int_equal(d_->expected, (uint32_t)(exp_));                      \
			assert_int_equal(d_->actual, (uint32_t)(act_));                        \
		}                                                                              \
	} while (0)

/* Entry i: our state and the peer's after it. */
#define EXPECT_STATES(m, i, local_, peer_)                                                     \
	do {                                                                                   \
		assert_string_equal(tcpstate_name((m)->log[i].local), tcpstate_name(local_));  \
		assert_string_equal(tcpstate_name((m)->log[i].peer), tcpstate_name(peer_));    \
	} while (0)

/* The verdict, with "the handshake succeeded" meaning we reached ESTABLISHED. */
#define EXPECT_VERDICT(m, v)                                                                   \
	assert_string_equal(teardown_name(connmodel_verdict((m), (m)->synced)), teardown_name(v))

static void expect_no_retransmission(const struct connmodel *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->log[i].retransmission)
			fail_msg("entry %zu flagged as a retransmission", i);
}

static void expect_no_entry_deviation(const struct connmodel *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->log[i].deviation != -1)
			fail_msg("entry %zu carries deviation %d", i, m->log[i].deviation);
}

/*
 * The common active close with data both ways, entries 0..9:
 * handshake; 100 bytes out; 200 bytes in; our ACK; our FIN; its bare ACK
 * of the FIN; its FIN; our last ACK.
 */
static void active_close_with_data(struct connmodel *m, uint32_t iss, uint32_t irs)
{
	handshake(m, iss, irs);                                  /* 0 1 2 */
	seg(m, 20, OUT, "PA", iss + 1, irs + 1, 100);             /* 3 */
	seg(m, 30, IN, "PA", irs + 1, iss + 101, 200);            /* 4 */
	seg(m, 31, OUT, "A", iss + 101, irs + 201, 0);            /* 5 */
	seg(m, 40, OUT, "FA", iss + 101, irs + 201, 0);           /* 6 */
	seg(m, 50, IN, "A", irs + 201, iss + 102, 0);             /* 7 */
	seg(m, 60, IN, "FA", irs + 201, iss + 102, 0);            /* 8 */
	seg(m, 61, OUT, "A", iss + 102, irs + 202, 0);            /* 9 */
}

/* ---- names -------------------------------------------------------------- */

/* The verdict names are part of the JSON contract. */
static void test_teardown_names(void **state)
{
	(void)state;
	assert_string_equal(teardown_name(TEARDOWN_NONE), "none");
	assert_string_equal(teardown_name(TEARDOWN_CONFORMANT), "conformant");
	assert_string_equal(teardown_name(TEARDOWN_DEVIANT), "deviant");
	assert_string_equal(teardown_name(TEARDOWN_INCOMPLETE), "incomplete");
	assert_string_equal(teardown_name((enum teardown)42), "?");
}

/* ---- conformant closes --------------------------------------------------- */

/*
 * Handshake, data both ways, and the textbook four-segment active close
 * (RFC 9293 §3.6 case 1). Checks every entry's states both ways, the
 * causality rule (our segments stay provisional until the peer proves it
 * had them), the byte counters, and the verdict.
 */
static void test_active_close_four_segments(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	active_close_with_data(m, ISS, IRS);

	/* Before finish: our last ACK is not known to the peer yet. */
	assert_false(m->log[9].peer_applied);
	EXPECT_STATES(m, 9, TCPS_TIME_WAIT, TCPS_LAST_ACK);
	assert_true(m->log[6].peer_applied); /* its ACK of the FIN proved it */

	connmodel_finish(m);
	assert_true(m->finished);
	for (size_t i = 0; i < m->n; i++)
		assert_true(m->log[i].peer_applied);

	EXPECT_STATES(m, 0, TCPS_SYN_SENT, TCPS_SYN_RECEIVED);   /* our SYN */
	EXPECT_STATES(m, 1, TCPS_ESTABLISHED, TCPS_SYN_RECEIVED); /* its SYN-ACK */
	EXPECT_STATES(m, 2, TCPS_ESTABLISHED, TCPS_ESTABLISHED); /* our ACK */
	EXPECT_STATES(m, 3, TCPS_ESTABLISHED, TCPS_ESTABLISHED); /* our data */
	EXPECT_STATES(m, 4, TCPS_ESTABLISHED, TCPS_ESTABLISHED); /* its data */
	EXPECT_STATES(m, 5, TCPS_ESTABLISHED, TCPS_ESTABLISHED); /* our ACK */
	EXPECT_STATES(m, 6, TCPS_FIN_WAIT_1, TCPS_CLOSE_WAIT);   /* our FIN */
	EXPECT_STATES(m, 7, TCPS_FIN_WAIT_2, TCPS_CLOSE_WAIT);   /* its ACK */
	EXPECT_STATES(m, 8, TCPS_TIME_WAIT, TCPS_LAST_ACK);      /* its FIN */
	EXPECT_STATES(m, 9, TCPS_TIME_WAIT, TCPS_CLOSED);        /* our ACK */

	expect_no_retransmission(m);
	expect_no_entry_deviation(m);
	EXPECT_NDEVS(m, 0);
	assert_true(m->synced);
	assert_int_equal(m->iss, ISS);
	assert_int_equal(m->irs, IRS);
	assert_int_equal(m->bytes_out, 100);
	assert_int_equal(m->bytes_in, 200);
	assert_int_equal(m->bytes_in_after_our_fin, 0);
	assert_true(m->fin_sent);
	assert_true(m->fin_acked);
	assert_int_equal(m->fin_seq, ISS + 101);
	assert_true(m->peer_fin);
	assert_int_equal(m->peer_fin_seq, IRS + 201);
	assert_int_equal(m->local, TCPS_TIME_WAIT);
	assert_int_equal(m->peer, TCPS_CLOSED);
	assert_true(connmodel_close_done(m));
	EXPECT_VERDICT(m, TEARDOWN_CONFORMANT);
	/* No handshake: no verdict on the teardown. */
	assert_int_equal(connmodel_verdict(m, false), TEARDOWN_NONE);
}

/* Our FIN answered directly by its FIN|ACK acknowledging it (three-segment
 * close): we go FIN_WAIT_1 -> TIME_WAIT in one step, the peer CLOSE_WAIT ->
 * LAST_ACK at once. */
static void test_three_segment_close(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	long fin = seg(m, 20, OUT, "FA", ISS + 1, IRS + 1, 0);
	long pfin = seg(m, 30, IN, "FA", IRS + 1, ISS + 2, 0);
	long last = seg(m, 31, OUT, "A", ISS + 2, IRS + 2, 0);
	connmodel_finish(m);

	EXPECT_STATES(m, fin, TCPS_FIN_WAIT_1, TCPS_CLOSE_WAIT);
	EXPECT_STATES(m, pfin, TCPS_TIME_WAIT, TCPS_LAST_ACK);
	EXPECT_STATES(m, last, TCPS_TIME_WAIT, TCPS_CLOSED);
	expect_no_retransmission(m);
	EXPECT_NDEVS(m, 0);
	assert_true(m->fin_acked);
	assert_true(m->peer_fin);
	EXPECT_VERDICT(m, TEARDOWN_CONFORMANT);
}

/*
 * Passive close: the peer's FIN first, our ACK, our FIN, its ACK. Ours:
 * CLOSE_WAIT -> LAST_ACK -> CLOSED. The peer's, once its final ACK proves
 * our segments arrived: FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT. Its FIN also
 * shows it had our handshake ACK (SYN_RECEIVED cannot send a FIN).
 */
static void test_passive_close(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_PASSIVE);
	handshake(m, ISS, IRS);
	long pfin = seg(m, 20, IN, "FA", IRS + 1, ISS + 1, 0);
	assert_true(m->log[2].peer_applied);
	EXPECT_STATES(m, 2, TCPS_ESTABLISHED, TCPS_ESTABLISHED);
	long ack = seg(m, 21, OUT, "A", ISS + 1, IRS + 2, 0);
	long fin = seg(m, 22, OUT, "FA", ISS + 1, IRS + 2, 0);
	assert_false(m->log[ack].peer_applied);
	assert_false(m->log[fin].peer_applied);
	long pack = seg(m, 30, IN, "A", IRS + 2, ISS + 2, 0);
	assert_true(m->log[fin].peer_applied);
	connmodel_finish(m);

	EXPECT_STATES(m, pfin, TCPS_CLOSE_WAIT, TCPS_FIN_WAIT_1);
	EXPECT_STATES(m, ack, TCPS_CLOSE_WAIT, TCPS_FIN_WAIT_2);
	EXPECT_STATES(m, fin, TCPS_LAST_ACK, TCPS_TIME_WAIT);
	EXPECT_STATES(m, pack, TCPS_CLOSED, TCPS_TIME_WAIT);
	expect_no_retransmission(m);
	EXPECT_NDEVS(m, 0);
	assert_int_equal(m->fin_seq, ISS + 1);
	assert_int_equal(m->peer_fin_seq, IRS + 1);
	assert_true(connmodel_close_done(m));
	EXPECT_VERDICT(m, TEARDOWN_CONFORMANT);
}

/*
 * Simultaneous close (RFC 9293 §3.6 case 2): our FIN and its FIN cross, its
 * FIN acknowledging only up to our FIN's seq. Its FIN was sent before ours
 * arrived, so the peer was in FIN_WAIT_1 and both ends pass CLOSING; a naive
 * in-order replay would put the peer in CLOSE_WAIT. The ACKs cross too.
 */
static void test_simultaneous_close(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	long fin = seg(m, 20, OUT, "FA", ISS + 1, IRS + 1, 0);
	long pfin = seg(m, 21, IN, "FA", IRS + 1, ISS + 1, 0);
	long ack = seg(m, 22, OUT, "A", ISS + 2, IRS + 2, 0);
	long pack = seg(m, 30, IN, "A", IRS + 2, ISS + 2, 0);
	connmodel_finish(m);

	/* The peer: FIN_WAIT_1, then our FIN -> CLOSING, our ACK -> TIME_WAIT. */
	EXPECT_STATES(m, pfin, TCPS_CLOSING, TCPS_FIN_WAIT_1);
	EXPECT_STATES(m, fin, TCPS_FIN_WAIT_1, TCPS_CLOSING);
	EXPECT_STATES(m, pack, TCPS_TIME_WAIT, TCPS_CLOSING);
	EXPECT_STATES(m, ack, TCPS_CLOSING, TCPS_TIME_WAIT);
	assert_int_equal(m->peer, TCPS_TIME_WAIT);
	assert_int_equal(m->local, TCPS_TIME_WAIT);
	expect_no_retransmission(m);
	EXPECT_NDEVS(m, 0);
	assert_true(m->fin_acked);
	EXPECT_VERDICT(m, TEARDOWN_CONFORMANT);
}

/*
 * Half close: after our FIN the peer still sends data (legal in CLOSE_WAIT),
 * acknowledging our FIN with it, then its FIN. The bytes count as sent after
 * it had our FIN.
 */
static void test_half_close(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_HALF);
	handshake(m, ISS, IRS);
	long fin = seg(m, 20, OUT, "FA", ISS + 1, IRS + 1, 0);
	long data = seg(m, 30, IN, "PA", IRS + 1, ISS + 2, 300);
	seg(m, 31, OUT, "A", ISS + 2, IRS + 301, 0);
	long pfin = seg(m, 40, IN, "FA", IRS + 301, ISS + 2, 0);
	long last = seg(m, 41, OUT, "A", ISS + 2, IRS + 302, 0);
	connmodel_finish(m);

	EXPECT_STATES(m, fin, TCPS_FIN_WAIT_1, TCPS_CLOSE_WAIT);
	EXPECT_STATES(m, data, TCPS_FIN_WAIT_2, TCPS_CLOSE_WAIT);
	EXPECT_STATES(m, pfin, TCPS_TIME_WAIT, TCPS_LAST_ACK);
	EXPECT_STATES(m, last, TCPS_TIME_WAIT, TCPS_CLOSED);
	expect_no_retransmission(m);
	EXPECT_NDEVS(m, 0);
	assert_int_equal(m->bytes_in, 300);
	assert_int_equal(m->bytes_in_after_our_fin, 300);
	assert_int_equal(m->bytes_out, 0);
	assert_int_equal(m->peer_fin_seq, IRS + 301);
	EXPECT_VERDICT(m, TEARDOWN_CONFORMANT);
}

/* RST close: we abort with a RST; that is the close the mode asks for. The
 * peer's state follows at the end (no ack can prove a RST arrived). */
static void test_rst_close(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_RST);
	handshake(m, ISS, IRS);
	long rst = seg(m, 20, OUT, "R", ISS + 1, 0, 0);
	EXPECT_STATES(m, rst, TCPS_CLOSED, TCPS_SYN_RECEIVED); /* provisional */
	assert_false(m->log[rst].peer_applied);
	connmodel_finish(m);

	EXPECT_STATES(m, rst, TCPS_CLOSED, TCPS_CLOSED);
	assert_true(m->rst_sent);
	assert_false(m->rst_received);
	EXPECT_NDEVS(m, 0);
	assert_true(connmodel_close_done(m));
	EXPECT_VERDICT(m, TEARDOWN_CONFORMANT);
}

/*
 * RST close with rst_transit_ns: a peer data segment captured well after our
 * RST (more than rst_transit_ns later) was sent once the RST had arrived, so
 * the peer sent data from CLOSED (RFC 9293 §3.10.7.4: on RST it enters
 * CLOSED and deletes the TCB; a closed end sends nothing but RSTs):
 * illegal-transition on that segment, verdict deviant.
 */
static void test_rst_transit_late_peer_data_deviates(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_RST);
	m->rst_transit_ns = 10 * 1000000ull; /* 10 ms */
	handshake(m, ISS, IRS);
	long rst = seg(m, 100, OUT, "R", ISS + 1, 0, 0);
	long data = seg(m, 200, IN, "PA", IRS + 1, ISS + 1, 10);

	/* The RST is proven to have arrived first. */
	assert_true(m->log[rst].peer_applied);
	EXPECT_STATES(m, rst, TCPS_CLOSED, TCPS_CLOSED);
	EXPECT_STATES(m, data, TCPS_CLOSED, TCPS_CLOSED);
	connmodel_finish(m);

	EXPECT_NDEVS(m, 1);
	EXPECT_DEV(m, 0, DEV_ILLEGAL_TRANSITION, "flags", false, 0, 0);
	assert_int_equal(m->log[data].deviation, 0);
	EXPECT_VERDICT(m, TEARDOWN_DEVIANT);
}

/* The same, but the peer's data comes within rst_transit_ns: it may have
 * been in flight when our RST left, so the peer sent it in ESTABLISHED. */
static void test_rst_transit_inflight_peer_data_ok(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_RST);
	m->rst_transit_ns = 10 * 1000000ull;
	handshake(m, ISS, IRS);
	long rst = seg(m, 100, OUT, "R", ISS + 1, 0, 0);
	long data = seg(m, 105, IN, "PA", IRS + 1, ISS + 1, 10);

	assert_false(m->log[rst].peer_applied);
	EXPECT_STATES(m, data, TCPS_CLOSED, TCPS_ESTABLISHED);
	connmodel_finish(m);

	EXPECT_STATES(m, rst, TCPS_CLOSED, TCPS_CLOSED);
	EXPECT_NDEVS(m, 0);
	assert_int_equal(m->log[data].deviation, -1);
	EXPECT_VERDICT(m, TEARDOWN_CONFORMANT);
}

/* rst_transit_ns 0 means "never proven": even much later, no deviation. */
static void test_rst_transit_zero_never_proves(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_RST);
	handshake(m, ISS, IRS);
	long rst = seg(m, 100, OUT, "R", ISS + 1, 0, 0);
	long data = seg(m, 5000, IN, "PA", IRS + 1, ISS + 1, 10);
	assert_false(m->log[rst].peer_applied);
	EXPECT_STATES(m, data, TCPS_CLOSED, TCPS_ESTABLISHED);
	connmodel_finish(m);
	EXPECT_NDEVS(m, 0);
	EXPECT_VERDICT(m, TEARDOWN_CONFORMANT);
}

/* ---- lost and duplicated segments ---------------------------------------- */

/* Our FIN lost and sent again: the second copy is a retransmission (legal
 * stay in FIN_WAIT_1), no deviation, and the close completes. */
static void test_our_fin_retransmitted(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	long fin1 = seg(m, 20, OUT, "FA", ISS + 1, IRS + 1, 0);
	long fin2 = seg(m, 220, OUT, "FA", ISS + 1, IRS + 1, 0);
	long pack = seg(m, 230, IN, "A", IRS + 1, ISS + 2, 0);
	long pfin = seg(m, 240, IN, "FA", IRS + 1, ISS + 2, 0);
	long last = seg(m, 241, OUT, "A", ISS + 2, IRS + 2, 0);
	connmodel_finish(m);

	assert_false(m->log[fin1].retransmission);
	assert_true(m->log[fin2].retransmission);
	assert_false(m->log[pack].retransmission);
	assert_false(m->log[pfin].retransmission);
	assert_false(m->log[last].retransmission);
	EXPECT_STATES(m, fin1, TCPS_FIN_WAIT_1, TCPS_CLOSE_WAIT);
	EXPECT_STATES(m, fin2, TCPS_FIN_WAIT_1, TCPS_CLOSE_WAIT);
	EXPECT_STATES(m, pack, TCPS_FIN_WAIT_2, TCPS_CLOSE_WAIT);
	EXPECT_STATES(m, pfin, TCPS_TIME_WAIT, TCPS_LAST_ACK);
	EXPECT_STATES(m, last, TCPS_TIME_WAIT, TCPS_CLOSED);
	assert_int_equal(m->fin_seq, ISS + 1);
	expect_no_entry_deviation(m);
	EXPECT_NDEVS(m, 0);
	EXPECT_VERDICT(m, TEARDOWN_CONFORMANT);
}

/* Our last ACK lost: the peer (in LAST_ACK) resends its FIN, we ACK again.
 * The repeated FIN is a retransmission, not a deviation. */
static void test_peer_fin_retransmitted_after_lost_ack(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	long fin = seg(m, 20, OUT, "FA", ISS + 1, IRS + 1, 0);
	long pfin1 = seg(m, 30, IN, "FA", IRS + 1, ISS + 2, 0);
	long ack1 = seg(m, 31, OUT, "A", ISS + 2, IRS + 2, 0); /* lost */
	long pfin2 = seg(m, 230, IN, "FA", IRS + 1, ISS + 2, 0);
	long ack2 = seg(m, 231, OUT, "A", ISS + 2, IRS + 2, 0);
	connmodel_finish(m);

	assert_false(m->log[fin].retransmission);
	assert_false(m->log[pfin1].retransmission);
	assert_true(m->log[pfin2].retransmission);
	EXPECT_STATES(m, pfin1, TCPS_TIME_WAIT, TCPS_LAST_ACK);
	EXPECT_STATES(m, pfin2, TCPS_TIME_WAIT, TCPS_LAST_ACK);
	EXPECT_STATES(m, ack1, TCPS_TIME_WAIT, TCPS_CLOSED);
	EXPECT_STATES(m, ack2, TCPS_TIME_WAIT, TCPS_CLOSED);
	assert_int_equal(m->peer_fin_seq, IRS + 1);
	expect_no_entry_deviation(m);
	EXPECT_NDEVS(m, 0);
	EXPECT_VERDICT(m, TEARDOWN_CONFORMANT);
}

/*
 * A data segment of the peer lost: its next segment arrives out of order
 * (beyond rcv_nxt), we send a duplicate ACK, the peer retransmits the lost
 * one, which fills the hole; then a normal close. RFC 9293 §3.10.7.4: the
 * out-of-order segment is held and, once the hole fills, RCV.NXT advances
 * over it, so the peer's FIN right after the second segment is in order.
 * No seq-gap, no other deviation, all 200 bytes counted, conformant.
 */
static void test_peer_data_lost_hole_filled(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	/* IRS+1..IRS+100 lost; IRS+101..IRS+200 arrives first. */
	long ahead = seg(m, 20, IN, "PA", IRS + 101, ISS + 1, 100);
	assert_false(m->log[ahead].retransmission);
	assert_true(m->ooo);
	seg(m, 21, OUT, "A", ISS + 1, IRS + 1, 0);              /* duplicate ACK */
	seg(m, 220, IN, "PA", IRS + 1, ISS + 1, 100);          /* the hole filled */
	seg(m, 221, OUT, "A", ISS + 1, IRS + 201, 0);
	long fin = seg(m, 230, OUT, "FA", ISS + 1, IRS + 201, 0);
	long pfin = seg(m, 240, IN, "FA", IRS + 201, ISS + 2, 0);
	long last = seg(m, 241, OUT, "A", ISS + 2, IRS + 202, 0);
	connmodel_finish(m);

	EXPECT_NDEVS(m, 0);
	assert_int_equal(m->bytes_in, 200);
	assert_true(m->peer_fin);
	assert_int_equal(m->peer_fin_seq, IRS + 201);
	assert_false(m->log[pfin].retransmission);
	EXPECT_STATES(m, fin, TCPS_FIN_WAIT_1, TCPS_CLOSE_WAIT);
	EXPECT_STATES(m, pfin, TCPS_TIME_WAIT, TCPS_LAST_ACK);
	EXPECT_STATES(m, last, TCPS_TIME_WAIT, TCPS_CLOSED);
	EXPECT_VERDICT(m, TEARDOWN_CONFORMANT);
}

/* Every segment carrying sequence space duplicated by the network (ours and
 * the peer's): the copies are retransmissions, counted once, no deviation. */
static void test_duplicated_segments(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	long d1 = seg(m, 20, OUT, "PA", ISS + 1, IRS + 1, 50);
	long d2 = seg(m, 20, OUT, "PA", ISS + 1, IRS + 1, 50);
	long p1 = seg(m, 30, IN, "PA", IRS + 1, ISS + 51, 80);
	long p2 = seg(m, 30, IN, "PA", IRS + 1, ISS + 51, 80);
	long fin = seg(m, 40, OUT, "FA", ISS + 51, IRS + 81, 0);
	long f1 = seg(m, 50, IN, "FA", IRS + 81, ISS + 52, 0);
	long f2 = seg(m, 50, IN, "FA", IRS + 81, ISS + 52, 0);
	long last = seg(m, 51, OUT, "A", ISS + 52, IRS + 82, 0);
	connmodel_finish(m);

	assert_false(m->log[d1].retransmission);
	assert_true(m->log[d2].retransmission);
	assert_false(m->log[p1].retransmission);
	assert_true(m->log[p2].retransmission);
	assert_false(m->log[fin].retransmission);
	assert_false(m->log[f1].retransmission);
	assert_true(m->log[f2].retransmission);
	assert_false(m->log[last].retransmission);
	EXPECT_STATES(m, p2, TCPS_ESTABLISHED, TCPS_ESTABLISHED);
	EXPECT_STATES(m, f2, TCPS_TIME_WAIT, TCPS_LAST_ACK);
	EXPECT_STATES(m, last, TCPS_TIME_WAIT, TCPS_CLOSED);
	assert_int_equal(m->bytes_out, 50);
	assert_int_equal(m->bytes_in, 80);
	expect_no_entry_deviation(m);
	EXPECT_NDEVS(m, 0);
	EXPECT_VERDICT(m, TEARDOWN_CONFORMANT);
}

/* Our handshake ACK lost: the peer resends its SYN-ACK (same ISN). That is a
 * retransmission, not an unexpected SYN; the peer stays in SYN_RECEIVED. */
static void test_synack_retransmitted(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	long sa2 = seg(m, 1010, IN, "SA", IRS, ISS + 1, 0);
	long ack2 = seg(m, 1011, OUT, "A", ISS + 1, IRS + 1, 0);
	assert_true(m->log[sa2].retransmission);
	EXPECT_STATES(m, sa2, TCPS_ESTABLISHED, TCPS_SYN_RECEIVED);
	seg(m, 1020, OUT, "FA", ISS + 1, IRS + 1, 0);
	seg(m, 1030, IN, "FA", IRS + 1, ISS + 2, 0);
	seg(m, 1031, OUT, "A", ISS + 2, IRS + 2, 0);
	connmodel_finish(m);

	EXPECT_STATES(m, ack2, TCPS_ESTABLISHED, TCPS_ESTABLISHED);
	assert_false(m->log[ack2].retransmission);
	EXPECT_NDEVS(m, 0);
	EXPECT_VERDICT(m, TEARDOWN_CONFORMANT);
}

/* ---- deviations ---------------------------------------------------------- */

/* The peer answers our FIN (bare ACK, then its FIN) with ack = FIN seq,
 * never counting the FIN (RFC 9293 §3.5: the FIN occupies one sequence
 * number): wrong-ack, ack expected fin_seq+1, got fin_seq; deviant. */
static void test_wrong_ack(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	seg(m, 20, OUT, "FA", ISS + 1, IRS + 1, 0);
	seg(m, 30, IN, "A", IRS + 1, ISS + 1, 0);
	seg(m, 40, IN, "FA", IRS + 1, ISS + 1, 0);
	seg(m, 41, OUT, "A", ISS + 2, IRS + 2, 0);
	connmodel_finish(m);

	assert_false(m->fin_acked);
	assert_int_equal(m->wrong_fin_acks, 2);
	EXPECT_NDEVS(m, 1);
	EXPECT_DEV(m, 0, DEV_WRONG_ACK, "ack", true, ISS + 2, ISS + 1);
	expect_no_entry_deviation(m); /* only the end reveals it */
	assert_false(connmodel_close_done(m));
	EXPECT_VERDICT(m, TEARDOWN_DEVIANT);
}

/* After acknowledging our FIN the peer resets instead of sending its FIN. */
static void test_rst_instead_of_fin(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	seg(m, 20, OUT, "FA", ISS + 1, IRS + 1, 0);
	long pack = seg(m, 30, IN, "A", IRS + 1, ISS + 2, 0);
	long rst = seg(m, 40, IN, "RA", IRS + 1, ISS + 2, 0);
	connmodel_finish(m);

	EXPECT_STATES(m, pack, TCPS_FIN_WAIT_2, TCPS_CLOSE_WAIT);
	EXPECT_STATES(m, rst, TCPS_CLOSED, TCPS_CLOSED);
	assert_true(m->rst_received);
	EXPECT_NDEVS(m, 1); /* not also fin-never-sent: the RST ended it */
	EXPECT_DEV(m, 0, DEV_RST_INSTEAD_OF_FIN, "flags", false, 0, 0);
	assert_int_equal(m->log[rst].deviation, 0);
	assert_false(connmodel_close_done(m));
	EXPECT_VERDICT(m, TEARDOWN_DEVIANT);
}

/* The peer acknowledges our FIN and then stays in CLOSE_WAIT: its FIN never
 * comes before we give up. fin-never-sent; the close did not finish, so the
 * verdict is incomplete rather than deviant. */
static void test_fin_never_sent(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	seg(m, 20, OUT, "FA", ISS + 1, IRS + 1, 0);
	long pack = seg(m, 30, IN, "A", IRS + 1, ISS + 2, 0);
	connmodel_finish(m);

	EXPECT_STATES(m, pack, TCPS_FIN_WAIT_2, TCPS_CLOSE_WAIT);
	EXPECT_NDEVS(m, 1);
	EXPECT_DEV(m, 0, DEV_FIN_NEVER_SENT, "", false, 0, 0);
	assert_non_null(strstr(m->devs.v[0].detail, "CLOSE_WAIT"));
	assert_false(connmodel_close_done(m));
	EXPECT_VERDICT(m, TEARDOWN_INCOMPLETE);
}

/* New data after the peer's own FIN (RFC 9293 §3.10.7: nothing follows a
 * FIN in its sequence space): data-after-fin on that segment; deviant. */
static void test_data_after_fin(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	seg(m, 20, OUT, "FA", ISS + 1, IRS + 1, 0);
	seg(m, 30, IN, "FA", IRS + 1, ISS + 2, 0);
	seg(m, 31, OUT, "A", ISS + 2, IRS + 2, 0);
	long data = seg(m, 40, IN, "PA", IRS + 2, ISS + 2, 20);
	connmodel_finish(m);

	EXPECT_NDEVS(m, 1);
	EXPECT_DEV(m, 0, DEV_DATA_AFTER_FIN, "seq", false, 0, 0);
	assert_int_equal(m->log[data].deviation, 0);
	assert_int_equal(m->bytes_in, 0);
	EXPECT_VERDICT(m, TEARDOWN_DEVIANT);
}

/* Data starting beyond rcv_nxt whose hole is never filled, then the FIN
 * after it: seq-gap, seq expected rcv_nxt, got the segment's start; the FIN
 * beyond the hole is not reported again as fin-seq-wrong. */
static void test_seq_gap_never_filled(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	seg(m, 20, OUT, "FA", ISS + 1, IRS + 1, 0);
	long ahead = seg(m, 30, IN, "PA", IRS + 101, ISS + 2, 100);
	seg(m, 31, OUT, "A", ISS + 2, IRS + 1, 0);
	seg(m, 40, IN, "FA", IRS + 201, ISS + 2, 0);
	seg(m, 41, OUT, "A", ISS + 2, IRS + 1, 0);
	assert_int_equal(m->devs.n, 0); /* the hole might still fill */
	connmodel_finish(m);

	assert_false(m->log[ahead].retransmission);
	assert_false(m->peer_fin);
	assert_true(m->peer_fin_ooo);
	EXPECT_NDEVS(m, 1);
	EXPECT_DEV(m, 0, DEV_SEQ_GAP, "seq", true, IRS + 1, IRS + 101);
	EXPECT_VERDICT(m, TEARDOWN_DEVIANT);
}

/* An ACK of bytes we never sent (RFC 9293 §3.10.7.4: SEG.ACK > SND.NXT is
 * not acceptable): ack-of-unsent with expected snd_nxt, got the ack. */
static void test_ack_of_unsent(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	long bad = seg(m, 20, IN, "A", IRS + 1, ISS + 501, 0);
	assert_int_equal(m->snd_una, ISS + 1); /* not taken */
	seg(m, 30, OUT, "FA", ISS + 1, IRS + 1, 0);
	seg(m, 40, IN, "FA", IRS + 1, ISS + 2, 0);
	seg(m, 41, OUT, "A", ISS + 2, IRS + 2, 0);
	connmodel_finish(m);

	EXPECT_NDEVS(m, 1);
	EXPECT_DEV(m, 0, DEV_ACK_OF_UNSENT, "ack", true, ISS + 1, ISS + 501);
	assert_int_equal(m->log[bad].deviation, 0);
	EXPECT_VERDICT(m, TEARDOWN_DEVIANT);
}

/* A SYN with another ISN in ESTABLISHED: unexpected-syn, seq expected the
 * ISN of the handshake, got the new one (and no second deviation for the
 * same segment). */
static void test_unexpected_syn(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	long syn = seg(m, 20, IN, "S", 0x12345678u, 0, 0);
	seg(m, 30, OUT, "FA", ISS + 1, IRS + 1, 0);
	seg(m, 40, IN, "FA", IRS + 1, ISS + 2, 0);
	seg(m, 41, OUT, "A", ISS + 2, IRS + 2, 0);
	connmodel_finish(m);

	assert_false(m->log[syn].retransmission);
	assert_int_equal(m->irs, IRS);
	EXPECT_NDEVS(m, 1);
	EXPECT_DEV(m, 0, DEV_UNEXPECTED_SYN, "seq", true, IRS, 0x12345678u);
	assert_int_equal(m->log[syn].deviation, 0);
	EXPECT_VERDICT(m, TEARDOWN_DEVIANT);
}

/* Our FIN (sent twice) never acknowledged at all: no-ack-of-fin, ack
 * expected fin_seq+1, got snd_una; incomplete. */
static void test_no_ack_of_fin(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	seg(m, 20, OUT, "FA", ISS + 1, IRS + 1, 0);
	long fin2 = seg(m, 420, OUT, "FA", ISS + 1, IRS + 1, 0);
	connmodel_finish(m);

	assert_true(m->log[fin2].retransmission);
	EXPECT_NDEVS(m, 1);
	EXPECT_DEV(m, 0, DEV_NO_ACK_OF_FIN, "ack", true, ISS + 2, ISS + 1);
	assert_int_equal(m->local, TCPS_FIN_WAIT_1);
	EXPECT_VERDICT(m, TEARDOWN_INCOMPLETE);
}

/* Its FIN sent again at another sequence number: fin-seq-wrong, seq
 * expected the first FIN's place, got the new one. */
static void test_fin_seq_wrong_second_fin(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	seg(m, 20, OUT, "FA", ISS + 1, IRS + 1, 0);
	seg(m, 30, IN, "FA", IRS + 1, ISS + 2, 0);
	seg(m, 31, OUT, "A", ISS + 2, IRS + 2, 0);
	long fin2 = seg(m, 40, IN, "FA", IRS + 11, ISS + 2, 0);
	connmodel_finish(m);

	EXPECT_NDEVS(m, 1);
	EXPECT_DEV(m, 0, DEV_FIN_SEQ_WRONG, "seq", true, IRS + 1, IRS + 11);
	assert_int_equal(m->log[fin2].deviation, 0);
	assert_int_equal(m->peer_fin_seq, IRS + 1);
	EXPECT_VERDICT(m, TEARDOWN_DEVIANT);
}

/* ---- no connection --------------------------------------------------------- */

/* The peer refuses (RST|ACK to our SYN): no connection, so verdict none and
 * nothing to blame the peer for. */
static void test_refused_handshake(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	long syn = seg(m, 0, OUT, "S", ISS, 0, 0);
	long rst = seg(m, 10, IN, "RA", 0, ISS + 1, 0);
	connmodel_finish(m);

	EXPECT_STATES(m, syn, TCPS_SYN_SENT, TCPS_SYN_RECEIVED);
	EXPECT_STATES(m, rst, TCPS_CLOSED, TCPS_CLOSED);
	assert_true(m->rst_received);
	assert_false(m->have_irs);
	assert_false(m->synced);
	EXPECT_NDEVS(m, 0);
	EXPECT_VERDICT(m, TEARDOWN_NONE);
}

/* Only our SYNs (the first and two retransmissions), no answer: none. */
static void test_only_syns(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	long s1 = seg(m, 0, OUT, "S", ISS, 0, 0);
	long s2 = seg(m, 1000, OUT, "S", ISS, 0, 0);
	long s3 = seg(m, 3000, OUT, "S", ISS, 0, 0);
	connmodel_finish(m);

	assert_false(m->log[s1].retransmission);
	assert_true(m->log[s2].retransmission);
	assert_true(m->log[s3].retransmission);
	assert_int_equal(m->local, TCPS_SYN_SENT);
	assert_false(m->synced);
	EXPECT_NDEVS(m, 0);
	EXPECT_VERDICT(m, TEARDOWN_NONE);
}

/* ---- after the verdict ----------------------------------------------------- */

/* A clean-up RST of ours after connmodel_finish is logged but not judged
 * (connmodel.h): a conformant close stays conformant. */
static void test_cleanup_rst_after_conformant_close(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	active_close_with_data(m, ISS, IRS);
	connmodel_finish(m);
	EXPECT_VERDICT(m, TEARDOWN_CONFORMANT);

	long rst = seg(m, 100, OUT, "R", ISS + 102, 0, 0);
	assert_true(m->log[rst].peer_applied);
	assert_int_equal(m->log[rst].deviation, -1);
	EXPECT_NDEVS(m, 0);
	EXPECT_VERDICT(m, TEARDOWN_CONFORMANT);
}

/* The same after an incomplete close (the peer stuck in CLOSE_WAIT, which
 * is where a clean-up RST is really needed): still incomplete, with the
 * one deviation. */
static void test_cleanup_rst_after_incomplete_close(void **state)
{
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	handshake(m, ISS, IRS);
	seg(m, 20, OUT, "FA", ISS + 1, IRS + 1, 0);
	seg(m, 30, IN, "A", IRS + 1, ISS + 2, 0);
	connmodel_finish(m);
	EXPECT_VERDICT(m, TEARDOWN_INCOMPLETE);

	long rst = seg(m, 5000, OUT, "R", ISS + 2, 0, 0);
	assert_int_equal(m->log[rst].deviation, -1);
	EXPECT_NDEVS(m, 1);
	EXPECT_DEV(m, 0, DEV_FIN_NEVER_SENT, "", false, 0, 0);
	EXPECT_VERDICT(m, TEARDOWN_INCOMPLETE);
}

/* ---- sequence wrap-around ---------------------------------------------------- */

/* ISNs just below 2^32, data crossing zero both ways: the active close is
 * judged with modulo-2^32 arithmetic and stays conformant. */
static void test_seq_wraparound_active_close(void **state)
{
	const uint32_t iss = 0xFFFFFFF0u, irs = 0xFFFFFFF8u;
	struct connmodel *m = model(state, CONN_CLOSE_ACTIVE);
	active_close_with_data(m, iss, irs);
	connmodel_finish(m);

	EXPECT_STATES(m, 6, TCPS_FIN_WAIT_1, TCPS_CLOSE_WAIT);
	EXPECT_STATES(m, 7, TCPS_FIN_WAIT_2, TCPS_CLOSE_WAIT);
	EXPECT_STATES(m, 8, TCPS_TIME_WAIT, TCPS_LAST_ACK);
	EXPECT_STATES(m, 9, TCPS_TIME_WAIT, TCPS_CLOSED);
	expect_no_retransmission(m);
	EXPECT_NDEVS(m, 0);
	assert_int_equal(m->bytes_out, 100);
	assert_int_equal(m->bytes_in, 200);
	assert_int_equal(m->fin_seq, 0x55u);      /* iss + 101, wrapped */
	assert_int_equal(m->peer_fin_seq, 0xC1u); /* irs + 201, wrapped */
	assert_true(m->fin_acked);
	EXPECT_VERDICT(m, TEARDOWN_CONFORMANT);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_teardown_names),
		T(test_active_close_four_segments),
		T(test_three_segment_close),
		T(test_passive_close),
		T(test_simultaneous_close),
		T(test_half_close),
		T(test_rst_close),
		T(test_rst_transit_late_peer_data_deviates),
		T(test_rst_transit_inflight_peer_data_ok),
		T(test_rst_transit_zero_never_proves),
		T(test_our_fin_retransmitted),
		T(test_peer_fin_retransmitted_after_lost_ack),
		T(test_peer_data_lost_hole_filled),
		T(test_duplicated_segments),
		T(test_synack_retransmitted),
		T(test_wrong_ack),
		T(test_rst_instead_of_fin),
		T(test_fin_never_sent),
		T(test_data_after_fin),
		T(test_seq_gap_never_filled),
		T(test_ack_of_unsent),
		T(test_unexpected_syn),
		T(test_no_ack_of_fin),
		T(test_fin_seq_wrong_second_fin),
		T(test_refused_handshake),
		T(test_only_syns),
		T(test_cleanup_rst_after_conformant_close),
		T(test_cleanup_rst_after_incomplete_close),
		T(test_seq_wraparound_active_close),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
