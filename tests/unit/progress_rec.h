/*
 * progress_rec: a progress sink for the engine tests that records what an
 * engine reported (tests/unit/engine/test_probe.c, test_session.c,
 * test_conform.c), so each can check the counts, their order, the clock
 * they came with, and that the end came once, before the final output.
 *
 * Header only (static functions): three test programs include it and none
 * needs another object linked.
 */
#ifndef TCPSHAKE_TEST_PROGRESS_REC_H
#define TCPSHAKE_TEST_PROGRESS_REC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "out/progress.h"

struct progress_rec {
	unsigned updates, notes, ends;
	struct progress_counts first, last; /* item pointers borrowed: see items */
	uint64_t first_now, last_now;
	bool went_back;      /* done, sent, open or the clock ever decreased */
	bool over_total;     /* done above a known total */
	bool after_end;      /* an update or note after the end */
	char items[1024];    /* each item as it started: "id,id(slow),..." */
	char noted[1024];    /* the notes, one a line */
	void (*on_end)(void *arg); /* called at the end (NULL: nothing) */
	void *on_end_arg;
};

static void progress_rec_update(void *ctx, const struct progress_counts *c, uint64_t now_ns)
{
	struct progress_rec *r = ctx;
	if (r->ends > 0)
		r->after_end = true;
	if (r->updates == 0) {
		r->first = *c;
		r->first_now = now_ns;
	} else {
		if (c->done < r->last.done || c->sent < r->last.sent || c->open < r->last.open ||
		    now_ns < r->last_now)
			r->went_back = true;
	}
	if (c->total > 0 && c->done > c->total)
		r->over_total = true;
	bool new_item = c->item != NULL &&
			(r->updates == 0 || c->item != r->last.item || c->done != r->last.done);
	if (new_item) {
		size_t n = strlen(r->items);
		snprintf(r->items + n, sizeof(r->items) - n, "%s%s%s", n ? "," : "", c->item,
			 c->item_slow ? "(slow)" : "");
	}
	r->last = *c;
	r->last_now = now_ns;
	r->updates++;
}

static void progress_rec_note(void *ctx, const char *msg)
{
	struct progress_rec *r = ctx;
	size_t n = strlen(r->noted);
	if (r->ends > 0)
		r->after_end = true;
	snprintf(r->noted + n, sizeof(r->noted) - n, "%s\n", msg);
	r->notes++;
}

static void progress_rec_end(void *ctx)
{
	struct progress_rec *r = ctx;
	r->ends++;
	if (r->on_end != NULL)
		r->on_end(r->on_end_arg);
}

static inline struct progress_sink progress_rec_sink(struct progress_rec *r)
{
	struct progress_sink s = {.update = progress_rec_update, .note = progress_rec_note,
				  .end = progress_rec_end, .ctx = r};
	return s;
}

/* What a whole sweep's recording shows at its end (cmocka's asserts: the
 * includer has included cmocka.h): the last counts say all total items
 * were sent and are done, the open target ports found, the run's start;
 * nothing went back or past the total; the end came once, after the rest. */
static inline void progress_rec_assert_swept(const struct progress_rec *r, const char *unit,
					     uint64_t total, uint64_t open, uint64_t start_ns)
{
	assert_int_equal(r->first.kind, PROGRESS_SWEEP);
	assert_string_equal(r->last.unit, unit);
	assert_int_equal(r->last.total, total);
	assert_int_equal(r->last.done, total);
	assert_int_equal(r->last.sent, total);
	assert_int_equal(r->last.open, open);
	assert_int_equal(r->last.start_ns, start_ns);
	assert_false(r->went_back);
	assert_false(r->over_total);
	assert_int_equal(r->ends, 1);
	assert_false(r->after_end);
}

#endif
