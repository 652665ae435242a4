/*
 * check_premise: whether a check's premise about the server held, for the
 * checks that probe an open connection. Their premise is a server that
 * keeps the connection open until the check is done: one whose application
 * closed may rightly reset what we send after that (RFC 9293 3.6, RFC 1122
 * 4.2.2.13), so a failure would blame TCP for the application. Only an
 * application makes its TCP send a FIN, so the peer's FIN is the sign. The
 * builtin checks (checks.c, checks_measure.c) ask here; the script checks
 * read the same sign from the script's lines (check_script.c) and say the
 * same thing, CHECK_CLOSED_FIRST, when it fails.
 */
#ifndef TCPSHAKE_CHECK_PREMISE_H
#define TCPSHAKE_CHECK_PREMISE_H

#include <stdbool.h>

#include "core/verdict.h"
#include "engine/cx.h"

/* A skipped check's detail when the server closed first. */
#define CHECK_CLOSED_FIRST "the server closed the connection first: run against a server that keeps it open"

/* How the peer's side of connection c closed during the running check:
 * not at all, or with a FIN that acknowledged ours (it had our FIN first:
 * CLOSE_WAIT, then LAST_ACK), or with a FIN sent before it had ours (its
 * application closed first: FIN_WAIT_1, then TIME_WAIT). */
enum peer_close { PEER_OPEN, PEER_CLOSED_AFTER_US, PEER_CLOSED_FIRST };

/* Fill *pc for connection c from the causality ordering of the running
 * check's segments (cx_model), not from arrival order: a FIN that crossed
 * ours arrives after we sent it, yet was sent before the peer had it.
 * Returns true, or false with v an error (out of memory). */
bool check_peer_close(struct cx *cx, const struct cx_conn *c, enum peer_close *pc, struct verdict *v);

/* Whether the server's application closes a connection on its own: on
 * the established connection c, on which nothing was sent yet, its FIN
 * within an answer's wait (cx_answer_wait). 1 yes, 0 no (silence, data
 * alone, a RST), -1 on error or when stopped. The conform runner asks it
 * once a port, on its first handshake, and skips the checks that need the
 * connection kept open (check_def.needs_open) when the answer is yes: a
 * server that greets and closes (or closes at once) would spoil them
 * however their own exchanges go, even when a zero window keeps its FIN
 * off the wire. */
int check_server_closes(struct cx *cx, const struct cx_conn *c);

/* The premise of a builtin check on connection c: the server kept it
 * open until it had every byte we sent on it: true when the peer sent no
 * FIN during the check, or only one that acknowledged all of them (a
 * server that answers a request and closes, as HTTP/1.0's do), with v
 * untouched. Else false, v a skip (CHECK_CLOSED_FIRST) or an
 * error. Call it after the check's last segment, before deciding. */
bool check_kept_open(struct cx *cx, const struct cx_conn *c, struct verdict *v);

#endif
