/*
 * progress_line: when to draw the progress line, and how. See
 * progress_line.h.
 *
 * The engine calls update on every turn of its loop; all this module does
 * then, most of the time, is compare two times. A draw is one fwrite of a
 * line built in a buffer, so a terminal never shows half of one.
 */
#include "config.h"
#include "out/progress_line.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Clear to the end of the line (ECMA-48 EL): what a longer line left. */
#define CLEAR_EOL "\033[K"

struct progress_line {
	FILE *f;
	enum progress_mode mode;
	unsigned width;
	bool shown;            /* in place: a line is on the screen now */
	bool hidden;           /* in place: taken off for other output, to come back */
	char text[512];        /* the line as last drawn (in place), for coming back */
	size_t textlen;
	bool drawn;            /* a line was drawn (last_draw is set) */
	uint64_t last_draw;    /* when, on the engine's clock */
	const char *last_item; /* the item and done count of the last update: */
	uint64_t last_done;    /* a slow item starting is drawn at once */
};

struct progress_line *progress_line_new(FILE *f, enum progress_mode mode, unsigned width)
{
	struct progress_line *pl = calloc(1, sizeof(*pl));
	if (pl == NULL)
		return NULL;
	pl->f = f;
	pl->mode = mode;
	pl->width = width;
	return pl;
}

/* Take the line off; hide: it is to come back (progress_line_restore). */
static void take_off(struct progress_line *pl, bool hide)
{
	if (pl == NULL || !pl->shown)
		return;
	fputs("\r" CLEAR_EOL, pl->f);
	fflush(pl->f);
	pl->shown = false;
	pl->hidden = hide;
}

void progress_line_clear(struct progress_line *pl)
{
	take_off(pl, true);
}

void progress_line_restore(struct progress_line *pl)
{
	if (pl == NULL || !pl->hidden)
		return;
	fwrite(pl->text, 1, pl->textlen, pl->f);
	fflush(pl->f);
	pl->shown = true;
	pl->hidden = false;
}

void progress_line_free(struct progress_line *pl)
{
	take_off(pl, false);
	free(pl);
}

static void draw(struct progress_line *pl, const struct progress_counts *c, uint64_t now_ns)
{
	char line[sizeof(pl->text) - 8];
	size_t n = progress_format(c, now_ns, line, sizeof(line));
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	if (pl->mode == PROGRESS_INPLACE) {
		/* Never wider than the terminal: a wrapped line cannot be
		 * rewritten from its start with "\r". */
		if (pl->width > 1 && n > pl->width - 1)
			n = pl->width - 1;
		int len = snprintf(pl->text, sizeof(pl->text), "\r%.*s" CLEAR_EOL, (int)n, line);
		pl->textlen = (size_t)len;
		fwrite(pl->text, 1, pl->textlen, pl->f);
		pl->shown = true;
		pl->hidden = false;
	} else {
		line[n] = '\n';
		fwrite(line, 1, n + 1, pl->f);
	}
	fflush(pl->f);
	pl->drawn = true;
	pl->last_draw = now_ns;
}

static void on_update(void *ctx, const struct progress_counts *c, uint64_t now_ns)
{
	struct progress_line *pl = ctx;
	if (pl->mode == PROGRESS_OFF)
		return;
	/* A slow check gets the line at once, however young the run: the
	 * line is what says it is slow (in place, no note line is printed). */
	bool slow_start = pl->mode == PROGRESS_INPLACE && c->item_slow &&
			  (c->item != pl->last_item || c->done != pl->last_done);
	pl->last_item = c->item;
	pl->last_done = c->done;
	if (!slow_start) {
		uint64_t age = now_ns > c->start_ns ? now_ns - c->start_ns : 0;
		uint64_t every = pl->mode == PROGRESS_INPLACE ? PROGRESS_INTERVAL_NS
							      : PROGRESS_LINES_INTERVAL_NS;
		if (age < PROGRESS_DELAY_NS)
			return;
		if (pl->drawn && now_ns >= pl->last_draw && now_ns - pl->last_draw < every)
			return;
	}
	draw(pl, c, now_ns);
}

static void on_note(void *ctx, const char *msg)
{
	struct progress_line *pl = ctx;
	if (pl->shown)
		return; /* the line on the screen names the item, and says it */
	fprintf(pl->f, "tcpshake: %s\n", msg);
	fflush(pl->f);
}

static void on_end(void *ctx)
{
	take_off(ctx, false); /* for good: the results that follow stay alone */
}

struct progress_sink progress_line_sink(struct progress_line *pl)
{
	struct progress_sink s = {.update = on_update, .note = on_note, .end = on_end, .ctx = pl};
	return s;
}
