/*
 * Unit tests for progress (the line's text: rates, durations, ETA, the
 * sweep and check forms) and progress_line (when it draws, how it is
 * drawn in place and taken off, plain lines, notes), against golden
 * strings. The drawing tests write to a memory stream and drive time by
 * hand, as an engine's clock would.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "out/progress.h"
#include "out/progress_line.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define T0 (1700000000ull * SEC)

static void test_rate(void **state)
{
	(void)state;
	static const struct {
		double r;
		const char *want;
	} v[] = {
		{0, "0.0/s"},        {0.5, "0.5/s"},       {9.94, "9.9/s"},     {9.96, "10/s"},
		{42.4, "42/s"},      {999.4, "999/s"},     {999.6, "1.0k/s"},   {18234, "18.2k/s"},
		{999940, "999.9k/s"}, {999960, "1.00M/s"}, {1.05e6, "1.05M/s"}, {-1, "0.0/s"},
	};
	char buf[32];
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		progress_format_rate(v[i].r, buf, sizeof(buf));
		assert_string_equal(buf, v[i].want);
	}
}

static void test_duration(void **state)
{
	(void)state;
	static const struct {
		uint64_t ns;
		const char *want;
	} v[] = {
		{0, "0 s"},
		{499 * MS, "0 s"},
		{500 * MS, "1 s"},
		{3 * SEC, "3 s"},
		{59 * SEC + 499 * MS, "59 s"},
		{59 * SEC + 500 * MS, "1 min 00 s"},
		{125 * SEC, "2 min 05 s"},
		{3599 * SEC, "59 min 59 s"},
		{3600 * SEC, "1 h 00 min"},
		{3900 * SEC, "1 h 05 min"},
		{99 * 3600 * SEC + 3599 * SEC, "99 h 59 min"},
		{100 * 3600 * SEC, ">99 h"},
		{UINT64_MAX, ">99 h"},
	};
	char buf[32];
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		progress_format_duration(v[i].ns, buf, sizeof(buf));
		assert_string_equal(buf, v[i].want);
	}
}

static struct progress_counts sweep(uint64_t done, uint64_t total, uint64_t sent, uint64_t open)
{
	struct progress_counts c = {.kind = PROGRESS_SWEEP, .unit = "ports", .done = done,
				    .total = total, .sent = sent, .open = open, .start_ns = T0};
	return c;
}

static void test_sweep_line(void **state)
{
	(void)state;
	char buf[256];
	/* 12034 of 65535 in 0.66 s: 18.2k/s, 53501 more at that pace is 2.9 s. */
	struct progress_counts c = sweep(12034, 65535, 12034, 3);
	size_t n = progress_format(&c, T0 + 660 * MS, buf, sizeof(buf));
	assert_string_equal(buf, "tcpshake: 12034/65535 ports  18.2k/s  3 open  ETA 3 s");
	assert_int_equal(n, strlen(buf));
}

static void test_sweep_nothing_done(void **state)
{
	(void)state;
	char buf[256];
	/* Nothing done: no ETA; no time passed: no rate either. */
	struct progress_counts c = sweep(0, 100, 0, 0);
	progress_format(&c, T0, buf, sizeof(buf));
	assert_string_equal(buf, "tcpshake: 0/100 ports  0 open");
	c.sent = 5;
	progress_format(&c, T0 + 2 * SEC, buf, sizeof(buf));
	assert_string_equal(buf, "tcpshake: 0/100 ports  2.5/s  0 open");
	/* A clock behind the start (stepped back) is no time at all. */
	progress_format(&c, T0 - SEC, buf, sizeof(buf));
	assert_string_equal(buf, "tcpshake: 0/100 ports  0 open");
}

static void test_sweep_all_done(void **state)
{
	(void)state;
	char buf[256];
	struct progress_counts c = sweep(65535, 65535, 65535, 7);
	progress_format(&c, T0 + 4 * SEC, buf, sizeof(buf));
	assert_string_equal(buf, "tcpshake: 65535/65535 ports  16.4k/s  7 open  ETA 0 s");
}

static void test_sweep_unknown_total(void **state)
{
	(void)state;
	char buf[256];
	/* -c 0: no total, no ETA; the unit is the engine's. */
	struct progress_counts c = sweep(40, 0, 41, 1);
	c.unit = "probes";
	progress_format(&c, T0 + 10 * SEC, buf, sizeof(buf));
	assert_string_equal(buf, "tcpshake: 40 probes  4.1/s  1 open");
}

static void test_sweep_huge(void **state)
{
	(void)state;
	char buf[256];
	uint64_t eta;
	/* A /8 of every port, one done per hour: nothing overflows, the ETA
	 * is capped, not wrapped. */
	uint64_t total = 16777216ull * 65535ull;
	struct progress_counts c = sweep(1, total, 1, 0);
	assert_true(progress_eta_ns(&c, T0 + 3600 * SEC, &eta));
	assert_int_equal(eta, 100ull * 3600 * SEC);
	progress_format(&c, T0 + 3600 * SEC, buf, sizeof(buf));
	assert_string_equal(buf, "tcpshake: 1/1099494850560 ports  0.0/s  0 open  ETA >99 h");
	/* The largest counts there are still spell out whole. */
	c = sweep(UINT64_MAX - 1, UINT64_MAX, UINT64_MAX, UINT64_MAX);
	progress_format(&c, T0 + SEC, buf, sizeof(buf));
	assert_string_equal(buf, "tcpshake: 18446744073709551614/18446744073709551615 ports  "
				 "18446744073709.55M/s  18446744073709551615 open  ETA 0 s");
}

static void test_eta(void **state)
{
	(void)state;
	uint64_t eta = 1;
	struct progress_counts c = sweep(0, 10, 0, 0);
	assert_false(progress_eta_ns(&c, T0 + SEC, &eta)); /* nothing done */
	c = sweep(5, 0, 5, 0);
	assert_false(progress_eta_ns(&c, T0 + SEC, &eta)); /* no total */
	c = sweep(1, 4, 1, 0);
	assert_true(progress_eta_ns(&c, T0 + 2 * SEC, &eta));
	assert_int_equal(eta, 6 * SEC); /* 3 more at 2 s each */
	c = sweep(5, 4, 5, 0);            /* more done than planned: none left */
	assert_true(progress_eta_ns(&c, T0 + 2 * SEC, &eta));
	assert_int_equal(eta, 0);
}

static void test_check_line(void **state)
{
	(void)state;
	char buf[256];
	struct progress_counts c = {.kind = PROGRESS_CHECKS, .done = 11, .total = 51,
				    .item = "rst-closed-port", .start_ns = T0};
	/* The 12th is running: 11 done in 11 s, 40 more. */
	progress_format(&c, T0 + 11 * SEC, buf, sizeof(buf));
	assert_string_equal(buf, "tcpshake: check 12/51 rst-closed-port  ETA 40 s");
	c.item_slow = true;
	c.item = "synack-retransmission";
	progress_format(&c, T0 + 11 * SEC, buf, sizeof(buf));
	assert_string_equal(buf, "tcpshake: check 12/51 synack-retransmission (slow)  ETA 40 s");
	/* The first, before any is done; the last, done. */
	c.done = 0;
	c.item_slow = false;
	c.item = "ack-unsent-acked";
	progress_format(&c, T0 + SEC, buf, sizeof(buf));
	assert_string_equal(buf, "tcpshake: check 1/51 ack-unsent-acked");
	c.done = 51;
	c.item = NULL;
	progress_format(&c, T0 + SEC, buf, sizeof(buf));
	assert_string_equal(buf, "tcpshake: check 51/51  ETA 0 s");
}

static void test_format_truncates(void **state)
{
	(void)state;
	char buf[16];
	struct progress_counts c = sweep(12034, 65535, 12034, 3);
	size_t n = progress_format(&c, T0 + 660 * MS, buf, sizeof(buf));
	assert_string_equal(buf, "tcpshake: 12034");
	assert_int_equal(n, strlen("tcpshake: 12034/65535 ports  18.2k/s  3 open  ETA 3 s"));
	assert_int_equal(progress_format(&c, T0, NULL, 0), strlen("tcpshake: 12034/65535 ports  3 open  ETA 0 s"));
}

/* A progress_line drawing into memory. */
struct screen {
	char *buf;
	size_t len;
	FILE *f;
	struct progress_line *pl;
	struct progress_sink s;
};

static void screen_open(struct screen *sc, enum progress_mode mode, unsigned width)
{
	memset(sc, 0, sizeof(*sc));
	sc->f = open_memstream(&sc->buf, &sc->len);
	assert_non_null(sc->f);
	sc->pl = progress_line_new(sc->f, mode, width);
	assert_non_null(sc->pl);
	sc->s = progress_line_sink(sc->pl);
}

/* What was written so far. */
static const char *screen_text(struct screen *sc)
{
	fflush(sc->f);
	return sc->buf;
}

static void screen_close(struct screen *sc)
{
	progress_line_free(sc->pl);
	fclose(sc->f);
	free(sc->buf);
}

static void test_inplace_waits_a_second(void **state)
{
	(void)state;
	struct screen sc;
	screen_open(&sc, PROGRESS_INPLACE, 0);
	struct progress_counts c = sweep(10, 100, 10, 0);
	/* A run shorter than a second never shows a line. */
	progress_report(&sc.s, &c, T0 + 999 * MS);
	assert_string_equal(screen_text(&sc), "");
	progress_end(&sc.s);
	assert_string_equal(screen_text(&sc), "");
	screen_close(&sc);
}

static void test_inplace_rewrites_and_clears(void **state)
{
	(void)state;
	struct screen sc;
	screen_open(&sc, PROGRESS_INPLACE, 0);
	struct progress_counts c = sweep(10, 100, 10, 1);
	progress_report(&sc.s, &c, T0 + SEC);
	assert_string_equal(screen_text(&sc),
			    "\rtcpshake: 10/100 ports  10/s  1 open  ETA 9 s\033[K");
	/* Within 200 ms of the last draw: nothing, however many updates. */
	size_t before = sc.len;
	for (int i = 1; i < 200; i++) {
		c.done = 10 + (uint64_t)i / 10;
		progress_report(&sc.s, &c, T0 + SEC + (uint64_t)i * MS);
	}
	assert_int_equal(sc.len, before);
	/* At 200 ms, rewritten from the line's start. */
	c.done = 50;
	c.sent = 50;
	progress_report(&sc.s, &c, T0 + SEC + 200 * MS);
	assert_string_equal(screen_text(&sc) + before,
			    "\rtcpshake: 50/100 ports  42/s  1 open  ETA 1 s\033[K");
	/* The end takes it off: back to the start, cleared to the end. */
	before = sc.len;
	progress_end(&sc.s);
	assert_string_equal(screen_text(&sc) + before, "\r\033[K");
	/* Once off, clearing again writes nothing. */
	progress_line_clear(sc.pl);
	progress_end(&sc.s);
	assert_int_equal(strlen(screen_text(&sc)), before + 4);
	screen_close(&sc);
}

static void test_inplace_off_and_back_around_output(void **state)
{
	(void)state;
	struct screen sc;
	screen_open(&sc, PROGRESS_INPLACE, 0);
	const char *line = "\rtcpshake: 1/4 ports  1.0/s  0 open  ETA 3 s\033[K";
	struct progress_counts c = sweep(1, 4, 1, 0);
	progress_report(&sc.s, &c, T0 + SEC);
	assert_string_equal(screen_text(&sc), line);
	/* Something else is about to be written: the line goes ... */
	size_t before = sc.len;
	progress_line_clear(sc.pl);
	assert_string_equal(screen_text(&sc) + before, "\r\033[K");
	/* ... and comes back as it was once that is written, once. */
	before = sc.len;
	progress_line_restore(sc.pl);
	assert_string_equal(screen_text(&sc) + before, line);
	before = sc.len;
	progress_line_restore(sc.pl);
	assert_int_equal(strlen(screen_text(&sc)), before);
	/* Updates keep their own pace meanwhile: none within 200 ms. */
	progress_report(&sc.s, &c, T0 + SEC + 100 * MS);
	assert_int_equal(strlen(screen_text(&sc)), before);
	/* After the end nothing brings it back: the results stay alone. */
	progress_end(&sc.s);
	before = strlen(screen_text(&sc));
	progress_line_clear(sc.pl);
	progress_line_restore(sc.pl);
	assert_int_equal(strlen(screen_text(&sc)), before);
	screen_close(&sc);
}

static void test_inplace_cut_to_width(void **state)
{
	(void)state;
	struct screen sc;
	screen_open(&sc, PROGRESS_INPLACE, 20);
	struct progress_counts c = sweep(10, 100, 10, 1);
	progress_report(&sc.s, &c, T0 + SEC);
	/* 19 columns: a line that wrapped could not be rewritten with \r. */
	assert_string_equal(screen_text(&sc), "\rtcpshake: 10/100 po\033[K");
	screen_close(&sc);
}

static void test_lines_every_two_seconds(void **state)
{
	(void)state;
	struct screen sc;
	screen_open(&sc, PROGRESS_LINES, 80);
	struct progress_counts c = sweep(0, 100, 0, 0);
	for (uint64_t t = 0; t <= 5 * SEC; t += 100 * MS) {
		c.done = c.sent = t / (100 * MS);
		progress_report(&sc.s, &c, T0 + t);
	}
	progress_end(&sc.s);
	/* At 1 s, 3 s and 5 s; plain lines, nothing to clear at the end. */
	assert_string_equal(screen_text(&sc),
			    "tcpshake: 10/100 ports  10/s  0 open  ETA 9 s\n"
			    "tcpshake: 30/100 ports  10/s  0 open  ETA 7 s\n"
			    "tcpshake: 50/100 ports  10/s  0 open  ETA 5 s\n");
	screen_close(&sc);
}

static void test_off_draws_nothing_but_notes(void **state)
{
	(void)state;
	struct screen sc;
	screen_open(&sc, PROGRESS_OFF, 80);
	struct progress_counts c = {.kind = PROGRESS_CHECKS, .done = 3, .total = 51,
				    .item = "isn-unpredictable", .item_slow = true, .start_ns = T0};
	progress_report(&sc.s, &c, T0 + 5 * SEC);
	progress_note(&sc.s, "isn-unpredictable is slow (several seconds)...");
	progress_end(&sc.s);
	assert_string_equal(screen_text(&sc),
			    "tcpshake: isn-unpredictable is slow (several seconds)...\n");
	screen_close(&sc);
}

static void test_inplace_slow_check_in_the_line(void **state)
{
	(void)state;
	struct screen sc;
	screen_open(&sc, PROGRESS_INPLACE, 0);
	struct progress_counts c = {.kind = PROGRESS_CHECKS, .done = 0, .total = 2,
				    .item = "synack-retransmission", .item_slow = true,
				    .start_ns = T0};
	/* A slow check is drawn at once, even in the run's first second, and
	 * its note is the line's "(slow)", not a line of its own. */
	progress_report(&sc.s, &c, T0 + 10 * MS);
	progress_note(&sc.s, "synack-retransmission is slow (several seconds)...");
	assert_string_equal(screen_text(&sc),
			    "\rtcpshake: check 1/2 synack-retransmission (slow)\033[K");
	/* The same check again: no redraw within the interval. */
	size_t before = sc.len;
	progress_report(&sc.s, &c, T0 + 20 * MS);
	assert_int_equal(strlen(screen_text(&sc)), before);
	progress_end(&sc.s);
	assert_string_equal(screen_text(&sc) + before, "\r\033[K");
	screen_close(&sc);
}

static void test_null_sink(void **state)
{
	(void)state;
	struct progress_counts c = sweep(1, 2, 1, 0);
	/* Nobody watching: the engine's calls do nothing. */
	progress_report(NULL, &c, T0);
	progress_note(NULL, "x");
	progress_end(NULL);
	struct progress_sink empty = {0};
	progress_report(&empty, &c, T0);
	progress_note(&empty, "x");
	progress_end(&empty);
	progress_line_clear(NULL);
	progress_line_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_sweep_line),
		cmocka_unit_test(test_sweep_nothing_done),
		cmocka_unit_test(test_sweep_all_done),
		cmocka_unit_test(test_sweep_unknown_total),
		cmocka_unit_test(test_sweep_huge),
		cmocka_unit_test(test_eta),
		cmocka_unit_test(test_check_line),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_inplace_waits_a_second),
		cmocka_unit_test(test_inplace_rewrites_and_clears),
		cmocka_unit_test(test_inplace_off_and_back_around_output),
		cmocka_unit_test(test_inplace_cut_to_width),
		cmocka_unit_test(test_lines_every_two_seconds),
		cmocka_unit_test(test_off_draws_nothing_but_notes),
		cmocka_unit_test(test_inplace_slow_check_in_the_line),
		cmocka_unit_test(test_null_sink),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
