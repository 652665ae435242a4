/*
 * tcpstate: RFC 9293's figure 5 as one table of rows, first match wins.
 *
 * A row names the state, the direction, which of SYN/FIN/RST/ACK must be
 * set or clear, whether the segment's ACK must (or must not) cover this
 * endpoint's SYN or FIN, whether it may carry data, and the state after.
 * Anything no row accepts is illegal in that state.
 */
#include "config.h"
#include "core/tcpstate.h"

#include <stddef.h>

#include "core/segment.h"

#define CTL (TCPF_SYN | TCPF_FIN | TCPF_RST | TCPF_ACK)
#define ANY (-1) /* for the three-valued requirements */

struct row {
	enum tcp_state from;
	enum tcpstate_dir dir;
	uint8_t mask, value; /* (flags & mask) == value, over CTL */
	int8_t acks_syn;     /* 1 must, 0 must not, ANY */
	int8_t acks_fin;
	int8_t data;
	enum tcp_state to;
};

#define S TCPSTATE_SEND
#define R TCPSTATE_RECV

static const struct row rows[] = {
	/* Aborts (§3.10.7.x): a RST ends any synchronized connection. */
	{TCPS_ESTABLISHED, S, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	{TCPS_ESTABLISHED, R, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	{TCPS_FIN_WAIT_1, S, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	{TCPS_FIN_WAIT_1, R, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	{TCPS_FIN_WAIT_2, S, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	{TCPS_FIN_WAIT_2, R, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	{TCPS_CLOSE_WAIT, S, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	{TCPS_CLOSE_WAIT, R, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	{TCPS_CLOSING, S, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	{TCPS_CLOSING, R, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	{TCPS_LAST_ACK, S, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	{TCPS_LAST_ACK, R, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	{TCPS_TIME_WAIT, S, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	{TCPS_TIME_WAIT, R, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	/* SYN_RECEIVED: a RST ends this connection (a passive end's listener
	 * lives on, but the connection modelled here is gone). */
	{TCPS_SYN_RECEIVED, S, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	{TCPS_SYN_RECEIVED, R, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	/* SYN_SENT: only a RST acknowledging our SYN is acceptable (refused). */
	{TCPS_SYN_SENT, R, TCPF_RST | TCPF_ACK, TCPF_RST | TCPF_ACK, 1, ANY, ANY, TCPS_CLOSED},
	{TCPS_SYN_SENT, S, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	/* CLOSED answers with RST; LISTEN ignores RSTs. */
	{TCPS_CLOSED, S, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_CLOSED},
	{TCPS_CLOSED, R, 0, 0, ANY, ANY, ANY, TCPS_CLOSED},
	{TCPS_LISTEN, R, TCPF_RST, TCPF_RST, ANY, ANY, ANY, TCPS_LISTEN},

	/* Opening. */
	{TCPS_CLOSED, S, CTL, TCPF_SYN, ANY, ANY, 0, TCPS_SYN_SENT},
	{TCPS_LISTEN, R, CTL, TCPF_SYN, ANY, ANY, ANY, TCPS_SYN_RECEIVED},
	{TCPS_SYN_SENT, S, CTL, TCPF_SYN, ANY, ANY, 0, TCPS_SYN_SENT}, /* retransmission */
	{TCPS_SYN_SENT, R, CTL, TCPF_SYN | TCPF_ACK, 1, ANY, ANY, TCPS_ESTABLISHED},
	{TCPS_SYN_SENT, R, CTL, TCPF_SYN, ANY, ANY, ANY, TCPS_SYN_RECEIVED}, /* simultaneous open */
	{TCPS_SYN_RECEIVED, S, CTL, TCPF_SYN | TCPF_ACK, ANY, ANY, 0, TCPS_SYN_RECEIVED},
	{TCPS_SYN_RECEIVED, R, CTL, TCPF_SYN, ANY, ANY, ANY, TCPS_SYN_RECEIVED}, /* SYN again */
	{TCPS_SYN_RECEIVED, R, CTL, TCPF_ACK, 1, ANY, ANY, TCPS_ESTABLISHED},
	{TCPS_SYN_RECEIVED, R, CTL, TCPF_ACK | TCPF_FIN, 1, ANY, ANY, TCPS_CLOSE_WAIT},

	/* ESTABLISHED: data both ways; our ACK of a resent SYN-ACK. */
	{TCPS_ESTABLISHED, S, CTL, TCPF_ACK, ANY, ANY, ANY, TCPS_ESTABLISHED},
	{TCPS_ESTABLISHED, R, CTL, TCPF_ACK, ANY, ANY, ANY, TCPS_ESTABLISHED},
	{TCPS_ESTABLISHED, R, CTL, TCPF_SYN | TCPF_ACK, ANY, ANY, 0, TCPS_ESTABLISHED},
	{TCPS_ESTABLISHED, S, TCPF_SYN | TCPF_FIN | TCPF_RST, TCPF_FIN, ANY, ANY, ANY, TCPS_FIN_WAIT_1},
	{TCPS_ESTABLISHED, R, TCPF_SYN | TCPF_FIN | TCPF_RST, TCPF_FIN, ANY, ANY, ANY, TCPS_CLOSE_WAIT},

	/* Active close (§3.6). */
	{TCPS_FIN_WAIT_1, R, CTL, TCPF_FIN | TCPF_ACK, ANY, 1, ANY, TCPS_TIME_WAIT}, /* 3-segment close */
	{TCPS_FIN_WAIT_1, R, TCPF_SYN | TCPF_FIN | TCPF_RST, TCPF_FIN, ANY, 0, ANY, TCPS_CLOSING},
	{TCPS_FIN_WAIT_1, R, CTL, TCPF_ACK, ANY, 1, ANY, TCPS_FIN_WAIT_2},
	{TCPS_FIN_WAIT_1, R, CTL, TCPF_ACK, ANY, 0, ANY, TCPS_FIN_WAIT_1},
	{TCPS_FIN_WAIT_1, S, CTL, TCPF_ACK, ANY, ANY, 0, TCPS_FIN_WAIT_1},
	{TCPS_FIN_WAIT_1, S, TCPF_SYN | TCPF_FIN | TCPF_RST, TCPF_FIN, ANY, ANY, 0, TCPS_FIN_WAIT_1},
	{TCPS_FIN_WAIT_2, R, TCPF_SYN | TCPF_FIN | TCPF_RST, TCPF_FIN, ANY, ANY, ANY, TCPS_TIME_WAIT},
	{TCPS_FIN_WAIT_2, R, CTL, TCPF_ACK, ANY, ANY, ANY, TCPS_FIN_WAIT_2},
	{TCPS_FIN_WAIT_2, S, CTL, TCPF_ACK, ANY, ANY, 0, TCPS_FIN_WAIT_2},
	{TCPS_CLOSING, R, CTL, TCPF_ACK, ANY, 1, 0, TCPS_TIME_WAIT},
	{TCPS_CLOSING, R, CTL, TCPF_ACK, ANY, 0, 0, TCPS_CLOSING},
	{TCPS_CLOSING, R, TCPF_SYN | TCPF_FIN | TCPF_RST, TCPF_FIN, ANY, ANY, 0, TCPS_CLOSING},
	{TCPS_CLOSING, S, CTL, TCPF_ACK, ANY, ANY, 0, TCPS_CLOSING},
	{TCPS_CLOSING, S, TCPF_SYN | TCPF_FIN | TCPF_RST, TCPF_FIN, ANY, ANY, 0, TCPS_CLOSING},
	{TCPS_TIME_WAIT, R, TCPF_SYN | TCPF_FIN | TCPF_RST, TCPF_FIN, ANY, ANY, 0, TCPS_TIME_WAIT},
	{TCPS_TIME_WAIT, R, CTL, TCPF_ACK, ANY, ANY, 0, TCPS_TIME_WAIT},
	{TCPS_TIME_WAIT, S, CTL, TCPF_ACK, ANY, ANY, 0, TCPS_TIME_WAIT},

	/* Passive close. */
	{TCPS_CLOSE_WAIT, S, TCPF_SYN | TCPF_FIN | TCPF_RST, TCPF_FIN, ANY, ANY, ANY, TCPS_LAST_ACK},
	{TCPS_CLOSE_WAIT, S, CTL, TCPF_ACK, ANY, ANY, ANY, TCPS_CLOSE_WAIT},
	{TCPS_CLOSE_WAIT, R, CTL, TCPF_ACK, ANY, ANY, 0, TCPS_CLOSE_WAIT},
	{TCPS_CLOSE_WAIT, R, TCPF_SYN | TCPF_FIN | TCPF_RST, TCPF_FIN, ANY, ANY, 0, TCPS_CLOSE_WAIT},
	{TCPS_LAST_ACK, R, CTL, TCPF_ACK, ANY, 1, 0, TCPS_CLOSED},
	{TCPS_LAST_ACK, R, CTL, TCPF_ACK, ANY, 0, 0, TCPS_LAST_ACK},
	{TCPS_LAST_ACK, R, TCPF_SYN | TCPF_FIN | TCPF_RST, TCPF_FIN, ANY, ANY, 0, TCPS_LAST_ACK},
	{TCPS_LAST_ACK, S, TCPF_SYN | TCPF_FIN | TCPF_RST, TCPF_FIN, ANY, ANY, 0, TCPS_LAST_ACK},
	{TCPS_LAST_ACK, S, CTL, TCPF_ACK, ANY, ANY, 0, TCPS_LAST_ACK},
};

#undef S
#undef R

static bool req(int8_t want, bool have)
{
	return want == ANY || (want == 1) == have;
}

enum tcpstate_verdict tcpstate_step(enum tcp_state from, const struct tcpstate_event *ev,
				    enum tcp_state *to)
{
	if (ev->dir == TCPSTATE_TIMEOUT) {
		if (from != TCPS_TIME_WAIT)
			return TCPSTATE_ILLEGAL;
		*to = TCPS_CLOSED;
		return TCPSTATE_OK;
	}
	uint8_t fl = ev->flags & CTL;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		if (r->from != from || r->dir != ev->dir || (fl & r->mask) != r->value)
			continue;
		if (!req(r->acks_syn, ev->acks_syn) || !req(r->acks_fin, ev->acks_fin) ||
		    !req(r->data, ev->data))
			continue;
		*to = r->to;
		return TCPSTATE_OK;
	}
	return TCPSTATE_ILLEGAL;
}

bool tcpstate_is_synchronized(enum tcp_state s)
{
	return s >= TCPS_ESTABLISHED && s < TCPS_COUNT;
}

const char *tcpstate_name(enum tcp_state s)
{
	static const char *const names[TCPS_COUNT] = {
		"CLOSED",      "LISTEN",     "SYN_SENT",   "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
		"FIN_WAIT_2",  "CLOSE_WAIT", "CLOSING",    "LAST_ACK",     "TIME_WAIT",
	};
	return (unsigned)s < TCPS_COUNT ? names[s] : "?";
}
