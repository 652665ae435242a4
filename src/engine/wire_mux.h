/*
 * wire_mux: one capture and one raw socket shared by concurrent probes (the
 * exporter runs each probe in its own thread). The mux owns a block of
 * source ports and hands each probe a few of them; a reader thread takes
 * every frame off the inner wire and deals it to the view whose ports it
 * names: a TCP segment's source or destination port (our own SYN's capture
 * copy, then the answer), or the TCP header quoted in an ICMP or ICMPv6
 * error. A view is itself a struct wire, so probe_run and session_run run
 * on it unchanged. Sends are serialised (libnet is not thread-safe).
 *
 * Everything is over the inner struct wire, so the unit tests use the fake
 * wire as the inner one.
 */
#ifndef TCPSHAKE_WIRE_MUX_H
#define TCPSHAKE_WIRE_MUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/wire.h"

struct wire_mux;
struct wire_view;

/* A mux over inner (not owned; only the mux's reader thread reads it, and
 * sends go through the mux's lock) owning source ports [base, base + n).
 * NULL with err. */
struct wire_mux *wire_mux_new(const struct wire *inner, uint16_t base, uint16_t n, char *err,
			      size_t errlen);
/* Start the reader thread. 0, or -1 with err. */
int wire_mux_start(struct wire_mux *m, char *err, size_t errlen);
/* Stop the reader thread (within about 50 ms: it waits on the inner wire
 * that long at most) and free m, closing any view still open: no thread
 * may use one any more. */
void wire_mux_free(struct wire_mux *m);

/* A view owning nports ports of the block, taken round-robin so a port is
 * used again as late as possible; *base gets the first. NULL when not
 * enough ports are free. */
struct wire_view *wire_mux_view_open(struct wire_mux *m, uint16_t nports, uint16_t *base);
/* Fill w with the view's ops, for one thread at a time: send (the inner's,
 * serialised), wait (until a frame for this view or the deadline, in the
 * inner's clock; 1 also after a signal reached the reader, so the engine
 * looks at its stop flag, and once the inner wire failed), next (a copy
 * of the frame, valid until this view's next next; -1 once the inner wire
 * failed and the queue is empty), now (the inner's, which must be
 * thread-safe), record (the inner's, serialised). A full queue (256
 * frames) drops the newest. */
void wire_view_bind(struct wire_view *v, struct wire *w);
/* Give the view's ports back; frames still queued for it are dropped. */
void wire_mux_view_close(struct wire_view *v);

/* Run fn(arg) holding the lock the mux takes around every inner call but
 * wait and now (send, next, record): for a caller that must touch the
 * inner wire's own handles while the reader runs, such as reading the
 * capture's drop counter (wire_live_dropped: libpcap does not promise a
 * handle is safe from two threads). fn must not use the mux's views. */
void wire_mux_locked(struct wire_mux *m, void (*fn)(void *arg), void *arg);

/* With on, answer a TCP segment to the block's ports that no view owns and
 * that carries ACK but not RST with <SEQ=SEG.ACK><CTL=RST>, as a TCP in
 * CLOSED does (RFC 9293 3.10.7.1). For a composing layer whose RST guard
 * silences the kernel's own reset: without it a server whose SYN-ACK the
 * capture missed keeps the half-open connection and answers the next
 * probe from that port with an ACK for the old one. Off by default. */
void wire_mux_reset_strays(struct wire_mux *m, bool on);
/* The resets wire_mux_reset_strays sent. */
unsigned long wire_mux_strays_reset(const struct wire_mux *m);

/* Frames no view owned (counted, dropped). */
unsigned long wire_mux_unowned(const struct wire_mux *m);
/* Frames dropped because their view's queue was full. */
unsigned long wire_mux_overflows(const struct wire_mux *m);

#endif
