/*
 * tcpstate: the RFC 9293 state machine of one TCP endpoint, as a table.
 *
 * Connect mode models both ends with it: ours from what we send and
 * receive, the peer's from the same segments seen the other way round, so
 * every segment of a session carries both ends' states and a segment the
 * table refuses is a deviation with a name. RFC 9293, figure 5:
 *
 *                             +---------+ ---------\      active OPEN
 *                             |  CLOSED |            \    -----------
 *                             +---------+<---------\   \   create TCB
 *                               |     ^              \   \  snd SYN
 *                  passive OPEN |     |   CLOSE        \   \
 *                  ------------ |     | ----------       \   \
 *                   create TCB  |     | delete TCB         \   \
 *                               V     |                      \   \
 *           rcv RST (note 1)  +---------+            CLOSE    |    \
 *        -------------------->|  LISTEN |          ---------- |     |
 *       /                     +---------+          delete TCB |     |
 *      /           rcv SYN      |     |     SEND              |     |
 *     /           -----------   |     |    -------            |     V
 * +--------+      snd SYN,ACK  /       \   snd SYN          +--------+
 * |        |<-----------------           ------------------>|        |
 * |  SYN   |                    rcv SYN                     |  SYN   |
 * |  RCVD  |<-----------------------------------------------|  SENT  |
 * |        |                  snd SYN,ACK                   |        |
 * |        |------------------           -------------------|        |
 * +--------+   rcv ACK of SYN  \       /  rcv SYN,ACK       +--------+
 *    |         --------------   |     |   -----------
 *    |                x         |     |     snd ACK
 *    |                          V     V
 *    |  CLOSE                 +---------+
 *    | -------                |  ESTAB  |
 *    | snd FIN                +---------+
 *    |                 CLOSE    |     |    rcv FIN
 *    V                -------   |     |    -------
 * +---------+         snd FIN  /       \   snd ACK         +---------+
 * |  FIN    |<----------------          ------------------>|  CLOSE  |
 * | WAIT-1  |------------------                            |   WAIT  |
 * +---------+          rcv FIN  \                          +---------+
 *   | rcv ACK of FIN   -------   |                          CLOSE  |
 *   | --------------   snd ACK   |                         ------- |
 *   V        x                   V                         snd FIN V
 * +---------+               +---------+                    +---------+
 * |FINWAIT-2|               | CLOSING |                    | LAST-ACK|
 * +---------+               +---------+                    +---------+
 *   |              rcv ACK of FIN |                 rcv ACK of FIN |
 *   |  rcv FIN     -------------- |    Timeout=2MSL -------------- |
 *   |  -------            x       V    ------------        x       V
 *    \ snd ACK              +---------+delete TCB          +---------+
 *      -------------------->|TIME-WAIT|------------------->| CLOSED  |
 *                           +---------+                    +---------+
 *
 * Pure: no I/O. Retransmissions are legal stays (a FIN sent again, a
 * SYN-ACK resent); whether a segment is a retransmission by its sequence
 * numbers is the caller's business, not the table's.
 */
#ifndef TCPSHAKE_TCPSTATE_H
#define TCPSHAKE_TCPSTATE_H

#include <stdbool.h>
#include <stdint.h>

enum tcp_state {
	TCPS_CLOSED,
	TCPS_LISTEN,
	TCPS_SYN_SENT,
	TCPS_SYN_RECEIVED,
	TCPS_ESTABLISHED,
	TCPS_FIN_WAIT_1,
	TCPS_FIN_WAIT_2,
	TCPS_CLOSE_WAIT,
	TCPS_CLOSING,
	TCPS_LAST_ACK,
	TCPS_TIME_WAIT,
	TCPS_COUNT
};

/* The documented spelling: "CLOSED" ... "TIME_WAIT"; "?" out of range. */
const char *tcpstate_name(enum tcp_state s);

enum tcpstate_dir {
	TCPSTATE_SEND,    /* this endpoint sent the segment */
	TCPSTATE_RECV,    /* this endpoint received it */
	TCPSTATE_TIMEOUT, /* the 2 MSL timer of TIME_WAIT ran out (no segment) */
};

struct tcpstate_event {
	enum tcpstate_dir dir;
	uint8_t flags;  /* TCPF_* of the segment */
	bool acks_syn;  /* its ACK covers this endpoint's SYN */
	bool acks_fin;  /* its ACK covers this endpoint's FIN */
	bool data;      /* it carries payload (new data, not a retransmission) */
};

enum tcpstate_verdict {
	TCPSTATE_OK,      /* legal: *to is the state after the segment */
	TCPSTATE_ILLEGAL, /* not allowed in that state: *to is left alone */
};

enum tcpstate_verdict tcpstate_step(enum tcp_state from, const struct tcpstate_event *ev,
				    enum tcp_state *to);

/* ESTABLISHED and every state after it (RFC 9293 §3.3.2's "synchronized"). */
bool tcpstate_is_synchronized(enum tcp_state s);

#endif
