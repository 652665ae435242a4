/*
 * ladder: a crafted connection drawn as a ladder of segments (--trace).
 *
 * One line per segment, time going down: when (ms from our first SYN), our
 * state after it, the arrow (--> we sent, <-- the peer sent), flags,
 * sequence and acknowledgement numbers relative to each side's ISN with the
 * absolute ones in brackets, payload length, and the peer's state after it;
 * then what the model noticed (a retransmission, a deviation's code).
 * Pure formatting of a session_event, pinned by tests/unit/test_output.c.
 */
#ifndef TCPSHAKE_LADDER_H
#define TCPSHAKE_LADDER_H

#include <stdio.h>

#include "core/event.h"

void ladder_print(FILE *f, const struct session_event *e);

#endif
