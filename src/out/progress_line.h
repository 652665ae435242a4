/*
 * progress_line: the progress sink that draws on a stream (stderr).
 *
 * Three ways, chosen by the caller (main knows what the stream is; this
 * module never asks the system):
 *  - PROGRESS_INPLACE, a terminal: one line, rewritten in place ("\r", the
 *    line, then ESC[K to clear what a longer line left), from the run's
 *    first second on and at most every 200 ms of the engine's clock, so a
 *    fast sweep spends no time on it and a short run never flashes it.
 *    It is taken off (progress_line_clear) before anything else is
 *    written to the screen and put back after (progress_line_restore),
 *    and taken off for good at the run's end, so nothing of it stays.
 *  - PROGRESS_LINES, not a terminal but --progress: a plain line, ended
 *    by a newline, every 2 s from the first second on, readable in a log.
 *  - PROGRESS_OFF: no progress at all; notes (a slow check) still print.
 * Notes print as their own line "tcpshake: MSG", except in place, where
 * the line itself names the item (a slow check says "(slow)" there).
 */
#ifndef TCPSHAKE_PROGRESS_LINE_H
#define TCPSHAKE_PROGRESS_LINE_H

#include <stdint.h>
#include <stdio.h>

#include "core/tcpconst.h"
#include "out/progress.h"

enum progress_mode { PROGRESS_OFF, PROGRESS_INPLACE, PROGRESS_LINES };

/* The first draw waits this long into the run; then at most one draw
 * every interval (in place) or every lines interval (plain lines). */
#define PROGRESS_DELAY_NS (1 * NS_PER_S)
#define PROGRESS_INTERVAL_NS (200 * NS_PER_MS)
#define PROGRESS_LINES_INTERVAL_NS (2 * NS_PER_S)

struct progress_line;

/* A line drawing on f (not owned) in the given mode; width is the
 * terminal's columns (longer lines are cut to width - 1 so they never
 * wrap), 0 when unknown. NULL on no memory. */
struct progress_line *progress_line_new(FILE *f, enum progress_mode mode, unsigned width);

/* Take the line off the screen, then free pl (NULL is fine). */
void progress_line_free(struct progress_line *pl);

/* The sink an engine is handed; valid while pl lives. */
struct progress_sink progress_line_sink(struct progress_line *pl);

/* Take the line off the screen now, if it is on (in place only): before
 * anything else is written to the same terminal. NULL is fine. */
void progress_line_clear(struct progress_line *pl);

/* Put back the line progress_line_clear took off, as it was: after that
 * other output, so the line stays below what scrolls past. Nothing when
 * the line was not on, or the run has ended. NULL is fine. */
void progress_line_restore(struct progress_line *pl);

#endif
