/*
 * term: what main needs to know of the terminal to draw a progress line,
 * and the one stream wrapper that keeps its output off that line.
 *
 * Whether a stream is a terminal (and how wide) is a question about file
 * descriptors, so it lives here, in the layer that touches the system; the
 * engines never ask it. The wrapper exists because the progress line on
 * stderr and the results on stdout share one screen: every write of the
 * results must first take the line off, or a result would be glued to its
 * end, and put it back after. Wrapping the stream the formatters write to does that for every
 * format at once, and no formatter knows.
 */
#ifndef TCPSHAKE_TERM_H
#define TCPSHAKE_TERM_H

#include <stdbool.h>
#include <stdio.h>

/* Whether f is open on a terminal. */
bool term_is_tty(FILE *f);

/* The terminal's width in columns, or 0 when f is not a terminal or the
 * width is unknown. */
unsigned term_columns(FILE *f);

/* A line-buffered stream writing through to base (not owned, nor closed
 * by fclose of the result): each write of its buffer is wrapped in
 * before(ctx) and after(ctx), after only when the write ended a line (a
 * line longer than the buffer comes in pieces). A write to base that fails makes the
 * stream's ferror() true, with errno as base's write left it (EPIPE for a
 * closed pipe). fclose() it when done (that flushes it into base, and
 * base). NULL on no memory. */
FILE *term_stream_around_writes(FILE *base, void (*before)(void *ctx), void (*after)(void *ctx),
				void *ctx);

#endif
