/*
 * Unit tests for conform, conform mode's runner, over the scripted fake
 * wire (tests/unit/fakewire.h): what it tells its progress sink. The
 * checks are stand-ins (a plain one, a slow one, one that needs the RST
 * guard and is skipped without it), so the test is about the runner, not
 * about any check: each check is reported to the sink as it starts, before
 * it runs, with the counts so far; a slow check that runs is flagged and
 * noted (unless quiet), a skipped one is neither; the end comes once.
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

#include "../fakewire.h"
#include "../progress_rec.h"
#include "engine/conform.h"

/* The recorder of the run under way, for the stand-in checks to look at:
 * a test-only static, reset by each test. */
static const struct progress_rec *watching;

/* A stand-in check: it passes, after making sure the sink already heard
 * that it started. */
static void stand_in(struct cx *cx, const char *data, struct verdict *v)
{
	(void)cx;
	(void)data;
	assert_non_null(watching->last.item);
	assert_int_equal(watching->last.kind, PROGRESS_CHECKS);
	v->result = CHECK_PASS;
	snprintf(v->detail, sizeof(v->detail), "ran after %s was reported", watching->last.item);
}

static const struct check_def checks[] = {
	{.id = "plain", .ref = "RFC 0", .what = "a plain check", .run = stand_in},
	{.id = "slow-one", .ref = "RFC 0", .what = "a slow check", .slow = true, .run = stand_in},
	{.id = "guarded", .ref = "RFC 0", .what = "needs the guard", .slow = true,
	 .needs_guard = true, .run = stand_in},
};

struct run {
	struct fakewire *f;
	struct progress_rec pr;
	struct conform_result res;
	char *out;
	size_t outlen;
	char err[256];
	int rc;
};

/* conform against 192.0.2.10 on ports (the fake's plain peer answers on
 * each), the three stand-ins, no RST guard. */
static void run_conform(struct run *r, const char *ports, bool quiet)
{
	char *argv[] = {(char *)FW_PEER_ADDR, NULL};
	struct target_list tl;
	memset(&tl, 0, sizeof(tl));
	assert_int_equal(targets_from_args(argv, 1, ports, &tl, r->err, sizeof(r->err)), 0);
	assert_int_equal(netaddr_parse(tl.t[0].host, &tl.t[0].addr), 0);
	struct netaddr src;
	assert_int_equal(netaddr_parse(FW_OUR_ADDR, &src), 0);
	uint16_t mss = 1460;
	const struct check_def *chosen[] = {&checks[0], &checks[1], &checks[2]};
	struct progress_sink sink = progress_rec_sink(&r->pr);
	struct conform_config cc = {
		.targets = &tl, .src = &src, .mss = &mss, .sport_base = 40000, .nsports = 64,
		.tsval_base = 1, .ttl = 64, .quiet = quiet, .guarded = false,
		.checks = chosen, .nchecks = 3, .progress = &sink,
	};
	struct output_config oc = {.format = OUT_JSON};
	FILE *mf = open_memstream(&r->out, &r->outlen);
	struct output *out = output_new(&oc, mf);
	struct wire w;
	fw_bind(r->f, &w);
	volatile sig_atomic_t never = 0;
	watching = &r->pr;
	r->rc = conform_run(&cc, &w, out, &never, &r->res, r->err, sizeof(r->err));
	watching = NULL;
	output_end(out);
	output_free(out);
	fclose(mf);
	target_list_free(&tl);
}

static void test_progress_per_check(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	run_conform(&r, "80-81", false);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.res.passed, 4);
	assert_int_equal(r.res.skipped, 2);
	/* Every check of both ports, in order, each as it started; the slow
	 * one flagged, the skipped one (slow, but it does not run) not. */
	assert_string_equal(r.pr.items, "plain,slow-one(slow),guarded,plain,slow-one(slow),guarded");
	assert_int_equal(r.pr.updates, 6);
	assert_int_equal(r.pr.last.total, 6);
	assert_int_equal(r.pr.last.done, 5); /* the last update: the sixth starting */
	assert_int_equal(r.pr.first.done, 0);
	assert_int_equal(r.pr.first.start_ns, FW_T0);
	assert_true(r.pr.first_now > FW_T0); /* after the first handshake */
	assert_false(r.pr.went_back);
	assert_false(r.pr.over_total);
	/* The slow check that runs is noted, as the user always was told. */
	assert_string_equal(r.pr.noted, "slow-one is slow (several seconds)...\n"
					"slow-one is slow (several seconds)...\n");
	assert_int_equal(r.pr.ends, 1);
	assert_false(r.pr.after_end);
	free(r.out);
	free(r.f);
}

static void test_quiet_has_no_notes(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	run_conform(&r, "80", true);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.pr.items, "plain,slow-one(slow),guarded");
	assert_int_equal(r.pr.notes, 0);
	assert_int_equal(r.pr.ends, 1);
	free(r.out);
	free(r.f);
}

/* A port that is not open ends the run with an error: the line still goes
 * before main prints it. */
static void test_end_on_error(void **state)
{
	(void)state;
	struct run r = {.f = fw_new()};
	r.f->port_beh[80] = FW_PORT_CLOSED;
	run_conform(&r, "80", false);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err, "is not open"));
	assert_int_equal(r.pr.updates, 0);
	assert_int_equal(r.pr.ends, 1);
	free(r.out);
	free(r.f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_progress_per_check),
		cmocka_unit_test(test_quiet_has_no_notes),
		cmocka_unit_test(test_end_on_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
