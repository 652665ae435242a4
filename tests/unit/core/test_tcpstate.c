/*
 * Unit tests for tcpstate: every legal transition as a row, illegal
 * segments in each state, and whole closes walked for both ends.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/segment.h"
#include "core/tcpstate.h"

#define S TCPSTATE_SEND
#define R TCPSTATE_RECV
#define SYN TCPF_SYN
#define ACK TCPF_ACK
#define FIN TCPF_FIN
#define RST TCPF_RST

struct t {
	enum tcp_state from;
	enum tcpstate_dir dir;
	uint8_t flags;
	bool acks_syn, acks_fin, data;
	enum tcpstate_verdict want;
	enum tcp_state to;
};

static const struct t legal[] = {
	{TCPS_CLOSED, S, SYN, 0, 0, 0, TCPSTATE_OK, TCPS_SYN_SENT},
	{TCPS_LISTEN, R, SYN, 0, 0, 0, TCPSTATE_OK, TCPS_SYN_RECEIVED},
	{TCPS_SYN_SENT, S, SYN, 0, 0, 0, TCPSTATE_OK, TCPS_SYN_SENT},
	{TCPS_SYN_SENT, R, SYN | ACK, 1, 0, 0, TCPSTATE_OK, TCPS_ESTABLISHED},
	{TCPS_SYN_SENT, R, SYN, 0, 0, 0, TCPSTATE_OK, TCPS_SYN_RECEIVED},
	{TCPS_SYN_SENT, R, RST | ACK, 1, 0, 0, TCPSTATE_OK, TCPS_CLOSED},
	{TCPS_SYN_RECEIVED, S, SYN | ACK, 0, 0, 0, TCPSTATE_OK, TCPS_SYN_RECEIVED},
	{TCPS_SYN_RECEIVED, R, ACK, 1, 0, 0, TCPSTATE_OK, TCPS_ESTABLISHED},
	{TCPS_SYN_RECEIVED, R, ACK | FIN, 1, 0, 0, TCPSTATE_OK, TCPS_CLOSE_WAIT},
	{TCPS_SYN_RECEIVED, R, RST, 0, 0, 0, TCPSTATE_OK, TCPS_CLOSED},
	{TCPS_ESTABLISHED, S, ACK, 0, 0, 1, TCPSTATE_OK, TCPS_ESTABLISHED},
	{TCPS_ESTABLISHED, R, ACK, 0, 0, 1, TCPSTATE_OK, TCPS_ESTABLISHED},
	{TCPS_ESTABLISHED, R, SYN | ACK, 1, 0, 0, TCPSTATE_OK, TCPS_ESTABLISHED},
	{TCPS_ESTABLISHED, S, FIN | ACK, 0, 0, 0, TCPSTATE_OK, TCPS_FIN_WAIT_1},
	{TCPS_ESTABLISHED, R, FIN | ACK, 0, 0, 0, TCPSTATE_OK, TCPS_CLOSE_WAIT},
	{TCPS_ESTABLISHED, R, RST, 0, 0, 0, TCPSTATE_OK, TCPS_CLOSED},
	{TCPS_ESTABLISHED, S, RST, 0, 0, 0, TCPSTATE_OK, TCPS_CLOSED},
	{TCPS_FIN_WAIT_1, R, ACK, 0, 1, 0, TCPSTATE_OK, TCPS_FIN_WAIT_2},
	{TCPS_FIN_WAIT_1, R, ACK, 0, 0, 1, TCPSTATE_OK, TCPS_FIN_WAIT_1},
	{TCPS_FIN_WAIT_1, R, FIN | ACK, 0, 1, 0, TCPSTATE_OK, TCPS_TIME_WAIT},
	{TCPS_FIN_WAIT_1, R, FIN | ACK, 0, 0, 0, TCPSTATE_OK, TCPS_CLOSING},
	{TCPS_FIN_WAIT_1, S, FIN | ACK, 0, 0, 0, TCPSTATE_OK, TCPS_FIN_WAIT_1},
	{TCPS_FIN_WAIT_2, R, FIN | ACK, 0, 1, 0, TCPSTATE_OK, TCPS_TIME_WAIT},
	{TCPS_FIN_WAIT_2, R, ACK, 0, 1, 1, TCPSTATE_OK, TCPS_FIN_WAIT_2},
	{TCPS_FIN_WAIT_2, S, ACK, 0, 0, 0, TCPSTATE_OK, TCPS_FIN_WAIT_2},
	{TCPS_CLOSING, R, ACK, 0, 1, 0, TCPSTATE_OK, TCPS_TIME_WAIT},
	{TCPS_CLOSING, S, ACK, 0, 0, 0, TCPSTATE_OK, TCPS_CLOSING},
	{TCPS_TIME_WAIT, R, FIN | ACK, 0, 1, 0, TCPSTATE_OK, TCPS_TIME_WAIT},
	{TCPS_TIME_WAIT, S, ACK, 0, 0, 0, TCPSTATE_OK, TCPS_TIME_WAIT},
	{TCPS_CLOSE_WAIT, S, ACK, 0, 0, 1, TCPSTATE_OK, TCPS_CLOSE_WAIT},
	{TCPS_CLOSE_WAIT, S, FIN | ACK, 0, 0, 0, TCPSTATE_OK, TCPS_LAST_ACK},
	{TCPS_CLOSE_WAIT, R, FIN | ACK, 0, 0, 0, TCPSTATE_OK, TCPS_CLOSE_WAIT},
	{TCPS_LAST_ACK, R, ACK, 0, 1, 0, TCPSTATE_OK, TCPS_CLOSED},
	{TCPS_LAST_ACK, R, ACK, 0, 0, 0, TCPSTATE_OK, TCPS_LAST_ACK},
	{TCPS_LAST_ACK, S, FIN | ACK, 0, 0, 0, TCPSTATE_OK, TCPS_LAST_ACK},
	{TCPS_LAST_ACK, R, RST, 0, 0, 0, TCPSTATE_OK, TCPS_CLOSED},
	{TCPS_LISTEN, R, RST, 0, 0, 0, TCPSTATE_OK, TCPS_LISTEN},
	{TCPS_CLOSED, R, ACK, 0, 0, 0, TCPSTATE_OK, TCPS_CLOSED},
	{TCPS_CLOSED, S, RST, 0, 0, 0, TCPSTATE_OK, TCPS_CLOSED},
};

static const struct t illegal[] = {
	{TCPS_CLOSED, S, FIN, 0, 0, 0, TCPSTATE_ILLEGAL, TCPS_CLOSED},
	{TCPS_LISTEN, R, ACK, 0, 0, 0, TCPSTATE_ILLEGAL, TCPS_LISTEN},
	{TCPS_SYN_SENT, R, SYN | ACK, 0, 0, 0, TCPSTATE_ILLEGAL, TCPS_SYN_SENT}, /* wrong ack */
	{TCPS_SYN_SENT, R, RST, 0, 0, 0, TCPSTATE_ILLEGAL, TCPS_SYN_SENT},       /* RST without ACK */
	{TCPS_SYN_SENT, S, ACK, 0, 0, 1, TCPSTATE_ILLEGAL, TCPS_SYN_SENT},
	{TCPS_SYN_RECEIVED, R, ACK, 0, 0, 0, TCPSTATE_ILLEGAL, TCPS_SYN_RECEIVED},
	{TCPS_ESTABLISHED, R, SYN, 0, 0, 0, TCPSTATE_ILLEGAL, TCPS_ESTABLISHED},
	{TCPS_ESTABLISHED, R, SYN | ACK, 1, 0, 1, TCPSTATE_ILLEGAL, TCPS_ESTABLISHED},
	{TCPS_FIN_WAIT_1, S, ACK, 0, 0, 1, TCPSTATE_ILLEGAL, TCPS_FIN_WAIT_1}, /* data after our FIN */
	{TCPS_FIN_WAIT_2, S, FIN | ACK, 0, 0, 0, TCPSTATE_ILLEGAL, TCPS_FIN_WAIT_2},
	{TCPS_CLOSE_WAIT, R, ACK, 0, 0, 1, TCPSTATE_ILLEGAL, TCPS_CLOSE_WAIT}, /* data after its FIN */
	{TCPS_CLOSING, R, ACK, 0, 1, 1, TCPSTATE_ILLEGAL, TCPS_CLOSING},
	{TCPS_LAST_ACK, R, ACK, 0, 1, 1, TCPSTATE_ILLEGAL, TCPS_LAST_ACK},
	{TCPS_LAST_ACK, S, ACK, 0, 0, 1, TCPSTATE_ILLEGAL, TCPS_LAST_ACK},
	{TCPS_TIME_WAIT, S, FIN | ACK, 0, 0, 0, TCPSTATE_ILLEGAL, TCPS_TIME_WAIT},
	{TCPS_TIME_WAIT, R, ACK, 0, 0, 1, TCPSTATE_ILLEGAL, TCPS_TIME_WAIT},
	{TCPS_TIME_WAIT, R, SYN, 0, 0, 0, TCPSTATE_ILLEGAL, TCPS_TIME_WAIT},
};

static void run_rows(const struct t *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct t *c = &rows[i];
		struct tcpstate_event ev = {c->dir, c->flags, c->acks_syn, c->acks_fin, c->data};
		enum tcp_state to = TCPS_COUNT;
		enum tcpstate_verdict v = tcpstate_step(c->from, &ev, &to);
		if (v != c->want || (v == TCPSTATE_OK && to != c->to))
			fail_msg("row %zu: %s %s flags 0x%02x -> verdict %d state %s, want %d %s", i,
				 tcpstate_name(c->from), c->dir == S ? "send" : "recv", c->flags, v,
				 tcpstate_name(to), c->want, tcpstate_name(c->to));
		if (v == TCPSTATE_ILLEGAL)
			assert_int_equal(to, TCPS_COUNT); /* left alone */
	}
}

static void test_legal_transitions(void **state)
{
	(void)state;
	run_rows(legal, sizeof(legal) / sizeof(legal[0]));
}

static void test_illegal_segments(void **state)
{
	(void)state;
	run_rows(illegal, sizeof(illegal) / sizeof(illegal[0]));
}

static void test_rst_from_every_synchronized_state(void **state)
{
	(void)state;
	for (enum tcp_state s = TCPS_ESTABLISHED; s < TCPS_COUNT; s++) {
		struct tcpstate_event in = {R, RST, 0, 0, 0}, out = {S, RST | ACK, 0, 0, 0};
		enum tcp_state to;
		assert_int_equal(tcpstate_step(s, &in, &to), TCPSTATE_OK);
		assert_int_equal(to, TCPS_CLOSED);
		assert_int_equal(tcpstate_step(s, &out, &to), TCPSTATE_OK);
		assert_int_equal(to, TCPS_CLOSED);
		assert_true(tcpstate_is_synchronized(s));
	}
	assert_false(tcpstate_is_synchronized(TCPS_SYN_RECEIVED));
}

static void test_timeout(void **state)
{
	(void)state;
	struct tcpstate_event ev = {TCPSTATE_TIMEOUT, 0, 0, 0, 0};
	enum tcp_state to = TCPS_COUNT;
	assert_int_equal(tcpstate_step(TCPS_TIME_WAIT, &ev, &to), TCPSTATE_OK);
	assert_int_equal(to, TCPS_CLOSED);
	assert_int_equal(tcpstate_step(TCPS_FIN_WAIT_2, &ev, &to), TCPSTATE_ILLEGAL);
}

/* One segment seen by both ends: ours steps as dir, the peer's as the
 * opposite direction, with acks judged against each end's own SYN/FIN. */
struct seg {
	bool out; /* we sent it */
	uint8_t flags;
	bool acks_our_syn, acks_our_fin, acks_peer_syn, acks_peer_fin;
	enum tcp_state want_local, want_peer;
};

static void walk(const struct seg *segs, size_t n, enum tcp_state local, enum tcp_state peer)
{
	for (size_t i = 0; i < n; i++) {
		const struct seg *s = &segs[i];
		struct tcpstate_event le = {s->out ? S : R, s->flags, s->acks_our_syn, s->acks_our_fin, 0};
		struct tcpstate_event pe = {s->out ? R : S, s->flags, s->acks_peer_syn, s->acks_peer_fin, 0};
		if (tcpstate_step(local, &le, &local) != TCPSTATE_OK)
			fail_msg("segment %zu illegal for us in %s", i, tcpstate_name(local));
		if (tcpstate_step(peer, &pe, &peer) != TCPSTATE_OK)
			fail_msg("segment %zu illegal for the peer in %s", i, tcpstate_name(peer));
		assert_string_equal(tcpstate_name(local), tcpstate_name(s->want_local));
		assert_string_equal(tcpstate_name(peer), tcpstate_name(s->want_peer));
	}
}

static void test_active_close_both_ends(void **state)
{
	(void)state;
	/* SYN, SYN-ACK, ACK; our FIN; its bare ACK; its FIN; our ACK. */
	const struct seg segs[] = {
		{1, SYN, 0, 0, 0, 0, TCPS_SYN_SENT, TCPS_SYN_RECEIVED},
		{0, SYN | ACK, 1, 0, 0, 0, TCPS_ESTABLISHED, TCPS_SYN_RECEIVED},
		{1, ACK, 0, 0, 1, 0, TCPS_ESTABLISHED, TCPS_ESTABLISHED},
		{1, FIN | ACK, 0, 0, 0, 0, TCPS_FIN_WAIT_1, TCPS_CLOSE_WAIT},
		{0, ACK, 0, 1, 0, 0, TCPS_FIN_WAIT_2, TCPS_CLOSE_WAIT},
		{0, FIN | ACK, 0, 1, 0, 0, TCPS_TIME_WAIT, TCPS_LAST_ACK},
		{1, ACK, 0, 0, 0, 1, TCPS_TIME_WAIT, TCPS_CLOSED},
	};
	walk(segs, sizeof(segs) / sizeof(segs[0]), TCPS_CLOSED, TCPS_LISTEN);
}

static void test_three_segment_and_passive_close(void **state)
{
	(void)state;
	const struct seg three[] = {
		{1, FIN | ACK, 0, 0, 0, 0, TCPS_FIN_WAIT_1, TCPS_CLOSE_WAIT},
		{0, FIN | ACK, 0, 1, 0, 0, TCPS_TIME_WAIT, TCPS_LAST_ACK},
		{1, ACK, 0, 0, 0, 1, TCPS_TIME_WAIT, TCPS_CLOSED},
	};
	walk(three, 3, TCPS_ESTABLISHED, TCPS_ESTABLISHED);
	const struct seg passive[] = {
		{0, FIN | ACK, 0, 0, 0, 0, TCPS_CLOSE_WAIT, TCPS_FIN_WAIT_1},
		{1, ACK, 0, 0, 0, 1, TCPS_CLOSE_WAIT, TCPS_FIN_WAIT_2},
		{1, FIN | ACK, 0, 0, 0, 1, TCPS_LAST_ACK, TCPS_TIME_WAIT},
		{0, ACK, 0, 1, 0, 0, TCPS_CLOSED, TCPS_TIME_WAIT},
	};
	walk(passive, 4, TCPS_ESTABLISHED, TCPS_ESTABLISHED);
}

static void test_simultaneous_close(void **state)
{
	(void)state;
	/* Both FINs cross; each ACKs the other's: both through CLOSING. */
	const struct seg segs[] = {
		{1, FIN | ACK, 0, 0, 0, 0, TCPS_FIN_WAIT_1, TCPS_CLOSE_WAIT},
		/* the peer's FIN was sent before ours arrived: from its side it
		 * was sent in ESTABLISHED, but the model sees it after ours, so
		 * it goes CLOSE_WAIT -> LAST_ACK; for us FIN_WAIT_1 -> CLOSING. */
		{0, FIN | ACK, 0, 0, 0, 0, TCPS_CLOSING, TCPS_LAST_ACK},
		{1, ACK, 0, 0, 0, 1, TCPS_CLOSING, TCPS_CLOSED},
		{0, ACK, 0, 1, 0, 0, TCPS_TIME_WAIT, TCPS_CLOSED},
	};
	enum tcp_state local = TCPS_ESTABLISHED, peer = TCPS_ESTABLISHED;
	/* The last segment is illegal for the peer model once CLOSED: step
	 * only our end for it. */
	walk(segs, 3, local, peer);
	struct tcpstate_event le = {R, ACK, 0, 1, 0};
	enum tcp_state to;
	assert_int_equal(tcpstate_step(TCPS_CLOSING, &le, &to), TCPSTATE_OK);
	assert_int_equal(to, TCPS_TIME_WAIT);
}

static void test_names(void **state)
{
	(void)state;
	const char *want[] = {"CLOSED",     "LISTEN",     "SYN_SENT", "SYN_RECEIVED",
			      "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT",
			      "CLOSING",    "LAST_ACK",   "TIME_WAIT"};
	for (int i = 0; i < TCPS_COUNT; i++)
		assert_string_equal(tcpstate_name((enum tcp_state)i), want[i]);
	assert_string_equal(tcpstate_name(TCPS_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legal_transitions),
		cmocka_unit_test(test_illegal_segments),
		cmocka_unit_test(test_rst_from_every_synchronized_state),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_active_close_both_ends),
		cmocka_unit_test(test_three_segment_and_passive_close),
		cmocka_unit_test(test_simultaneous_close),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
