/*
 * run_progress: where the progress line goes, decided once for a run.
 *
 * The engines report progress to a sink they are handed and never ask
 * whether anyone watches; this is where that is decided, from the options
 * and the terminal: on a terminal (stderr) the line is drawn in place for a
 * run of many items unless -q; --progress draws it for any run, in place
 * on a terminal and as plain lines every 2 s elsewhere; otherwise nothing
 * is drawn (a slow check's note still prints). When the line may be drawn
 * in place and the results go to a terminal too, the results' stream is
 * wrapped so each write takes the line off first and puts it back after.
 *
 * Composing layer, like main.c: it may include every layer.
 */
#ifndef TCPSHAKE_RUN_PROGRESS_H
#define TCPSHAKE_RUN_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

#include "run.h"

/* The stream the formatters should write the results to, given the one
 * they would (base): base itself, or a wrapper of it (run_progress_close
 * closes it) whose writes take the progress line off the screen first and
 * put it back after.
 * Call once, after the options are parsed and before output_new. */
FILE *run_progress_stream(struct run *r, FILE *base);

/* The sink the mode's engine is handed (in its config), valid until
 * run_progress_close. many: the run has many items (more than one target
 * port; in conform mode, more than one check), the only runs that get a
 * line on a terminal without --progress. NULL on no memory. */
const struct progress_sink *run_progress_sink(struct run *r, bool many);

/* Take the line off the screen, free it, and close the wrapper of
 * run_progress_stream (flushing the results). After the output is freed. */
void run_progress_close(struct run *r);

#endif
