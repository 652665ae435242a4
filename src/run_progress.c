/*
 * run_progress: the progress line's mode, its sink and the results' stream
 * wrapper for one run. See run_progress.h.
 */
#include "config.h"
#include "run_progress.h"

#include "sys/term.h"

/* Whether the line may be drawn in place on stderr in this run. */
static bool in_place_possible(const struct run *r)
{
	return term_is_tty(stderr) && (r->o.progress || !r->o.out.quiet);
}

static void clear_line(void *ctx)
{
	struct run *r = ctx;
	progress_line_clear(r->progress);
}

static void restore_line(void *ctx)
{
	struct run *r = ctx;
	progress_line_restore(r->progress);
}

FILE *run_progress_stream(struct run *r, FILE *base)
{
	/* Results to a file or a pipe never share the line's screen. */
	if (!in_place_possible(r) || !term_is_tty(base))
		return base;
	r->progress_wrap = term_stream_around_writes(base, clear_line, restore_line, r);
	return r->progress_wrap != NULL ? r->progress_wrap : base; /* no memory: unwrapped */
}

const struct progress_sink *run_progress_sink(struct run *r, bool many)
{
	if (r->progress == NULL) {
		enum progress_mode mode = PROGRESS_OFF;
		if (r->o.progress)
			mode = term_is_tty(stderr) ? PROGRESS_INPLACE : PROGRESS_LINES;
		else if (many && in_place_possible(r))
			mode = PROGRESS_INPLACE;
		r->progress = progress_line_new(stderr, mode, term_columns(stderr));
		if (r->progress == NULL)
			return NULL;
		r->progress_sink = progress_line_sink(r->progress);
	}
	return &r->progress_sink;
}

void run_progress_close(struct run *r)
{
	progress_line_free(r->progress);
	r->progress = NULL;
	if (r->progress_wrap != NULL)
		fclose(r->progress_wrap);
	r->progress_wrap = NULL;
	fflush(stdout);
}
