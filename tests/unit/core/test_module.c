/*
 * test_module: the built-in modules carry the CLI's defaults; the table
 * finds, replaces and frees; the budget follows what the engines do; fit
 * cuts probes, then the TIME_WAIT hold, then the timeout, deterministically;
 * the summary line reads as documented.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/module.h"

#define MS 1000000ull
#define S 1000000000ull

static void test_builtins(void **state)
{
	struct module_table t;
	(void)state;
	assert_int_equal(module_table_builtin(&t), 0);
	assert_int_equal(t.n, 2);

	const struct module *syn = module_find(&t, "syn");
	assert_non_null(syn);
	assert_int_equal(syn->mode, MODULE_SYN);
	assert_int_equal(syn->count, 3);
	assert_int_equal(syn->interval_ns, 100 * MS);
	assert_int_equal(syn->timeout_ns, 1 * S);
	assert_int_equal(syn->ttl, 64);
	/* The CLI's SYN options: MSS from the interface, wscale 7, SACK, TS. */
	assert_true(syn->syn.mss);
	assert_int_equal(syn->syn.mss_value, 0);
	assert_true(syn->syn.wscale);
	assert_int_equal(syn->syn.wscale_value, 7);
	assert_true(syn->syn.sack);
	assert_true(syn->syn.ts);
	assert_null(syn->data);

	const struct module *conn = module_find(&t, "connect");
	assert_non_null(conn);
	assert_int_equal(conn->mode, MODULE_CONNECT);
	assert_int_equal(conn->count, 1);
	assert_int_equal(conn->timeout_ns, 2 * S);
	assert_int_equal(conn->close, CONN_CLOSE_ACTIVE);
	assert_int_equal(conn->time_wait_ns, -1);
	assert_int_equal(conn->ttl, 64);
	assert_true(conn->syn.sack);

	assert_null(module_find(&t, "nope"));
	assert_null(module_find(&t, "sy"));
	assert_true(module_has_connect(&t));
	module_table_free(&t);
	assert_null(t.v);
	assert_int_equal(t.n, 0);
}

static void test_defaults_name(void **state)
{
	struct module m;
	char longname[64];
	(void)state;
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	module_defaults(&m, longname, MODULE_CONNECT);
	assert_int_equal(strlen(m.name), SERVE_NAME_MAX - 1);
	assert_int_equal(m.timeout_ns, 2 * S);
}

static void test_put_replaces_and_appends(void **state)
{
	struct module_table t;
	struct module m;
	(void)state;
	assert_int_equal(module_table_builtin(&t), 0);

	/* A module named like a built-in replaces it, in its place. */
	module_defaults(&m, "connect", MODULE_CONNECT);
	m.data = strdup("first");
	m.count = 5;
	assert_int_equal(module_table_put(&t, &m), 0);
	assert_null(m.data); /* taken */
	assert_int_equal(t.n, 2);
	assert_int_equal(module_find(&t, "connect")->count, 5);
	assert_string_equal(t.v[1].name, "connect");

	/* Again: the old data is freed (valgrind/ASan would tell). */
	module_defaults(&m, "connect", MODULE_CONNECT);
	m.data = strdup("second");
	assert_int_equal(module_table_put(&t, &m), 0);
	assert_string_equal(module_find(&t, "connect")->data, "second");

	/* A new name is appended; a table of syn modules only needs no guard. */
	module_defaults(&m, "web", MODULE_SYN);
	assert_int_equal(module_table_put(&t, &m), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.v[2].name, "web");
	module_table_free(&t);

	struct module_table only = { 0 };
	module_defaults(&m, "a", MODULE_SYN);
	assert_int_equal(module_table_put(&only, &m), 0);
	assert_false(module_has_connect(&only));
	module_table_free(&only);
}

static void test_budget_syn(void **state)
{
	struct module m;
	(void)state;
	module_defaults(&m, "syn", MODULE_SYN);
	/* Two intervals, then the last SYN's timeout. */
	assert_int_equal(module_budget_ns(&m), 200 * MS + 1 * S);
	m.count = 1;
	assert_int_equal(module_budget_ns(&m), 1 * S);
	m.count = 100;
	m.interval_ns = 3600 * S;
	m.timeout_ns = 600 * S;
	assert_int_equal(module_budget_ns(&m), 99 * 3600 * S + 600 * S);
}

static void test_budget_connect(void **state)
{
	struct module m;
	(void)state;
	module_defaults(&m, "connect", MODULE_CONNECT);
	/* Handshake + 2 steps (ACK of our FIN, its FIN), then the default hold
	 * min(2 s, 1 s): 3 x 2 + 1 = 7 s. */
	assert_int_equal(module_budget_ns(&m), 7 * S);
	/* With data, 4 steps: 5 x 2 + 1. */
	m.data = "GET /";
	assert_int_equal(module_budget_ns(&m), 11 * S);
	m.data = NULL;
	/* An explicit --time-wait is the hold... */
	m.time_wait_ns = (int64_t)(5 * S);
	assert_int_equal(module_budget_ns(&m), 11 * S);
	/* ...but never below the quiet time after a RST. */
	m.time_wait_ns = 0;
	assert_int_equal(module_budget_ns(&m), 7 * S);
	/* A short timeout: its hold is the timeout. */
	m.time_wait_ns = -1;
	m.timeout_ns = 100 * MS;
	assert_int_equal(module_budget_ns(&m), 400 * MS);
	/* Rounds start an interval apart, or when the last ended if later. */
	m.count = 3;
	m.interval_ns = 1 * S;
	assert_int_equal(module_budget_ns(&m), 2 * S + 400 * MS);
	m.interval_ns = 100 * MS;
	assert_int_equal(module_budget_ns(&m), 3 * 400 * MS);
}

static void test_fit_untouched_and_fewer(void **state)
{
	struct module m, out;
	(void)state;
	module_defaults(&m, "syn", MODULE_SYN);
	module_fit(&m, 10 * S, &out);
	assert_memory_equal(&m, &out, sizeof(m));
	/* Exactly the budget fits. */
	module_fit(&m, 1200 * MS, &out);
	assert_int_equal(out.count, 3);
	/* Fewer SYNs first, the timeout kept. */
	module_fit(&m, 1199 * MS, &out);
	assert_int_equal(out.count, 2);
	assert_int_equal(out.timeout_ns, 1 * S);
	module_fit(&m, 1 * S, &out);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.timeout_ns, 1 * S);
	/* Then a shorter timeout, exactly the budget. */
	module_fit(&m, 500 * MS, &out);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.timeout_ns, 500 * MS);
	/* Never below the floor, never no probe: over budget then. */
	module_fit(&m, 0, &out);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.timeout_ns, MODULE_TIMEOUT_MIN_NS);
	/* Deterministic. */
	struct module again;
	module_fit(&m, 777 * MS, &out);
	module_fit(&m, 777 * MS, &again);
	assert_memory_equal(&out, &again, sizeof(out));
	assert_true(module_budget_ns(&out) <= 777 * MS);
}

static void test_fit_connect(void **state)
{
	struct module m, out;
	(void)state;
	module_defaults(&m, "web", MODULE_CONNECT);
	m.data = "GET / HTTP/1.0\r\n\r\n";
	/* 11 s into Prometheus's 10 s less blackbox's 0.5 s: the timeout is
	 * cut to the longest that fits, 1.7 s (5 x 1.7 + 1). */
	module_fit(&m, 9500 * MS, &out);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.timeout_ns, 1700 * MS);
	assert_int_equal(module_budget_ns(&out), 9500 * MS);
	assert_ptr_equal(out.data, m.data); /* borrowed */

	/* The explicit hold goes first, to what fits... */
	m.time_wait_ns = (int64_t)(10 * S);
	module_fit(&m, 15 * S, &out);
	assert_int_equal(out.timeout_ns, 2 * S);
	assert_int_equal(out.time_wait_ns, (int64_t)(5 * S));
	/* ...to 0 when even that does not, then the timeout. */
	module_fit(&m, 9500 * MS, &out);
	assert_int_equal(out.time_wait_ns, 0);
	assert_int_equal(out.timeout_ns, 1700 * MS);

	/* Connections first, before anything else. */
	m.time_wait_ns = -1;
	m.data = NULL;
	m.count = 3;
	m.interval_ns = 100 * MS;
	module_fit(&m, 15 * S, &out);
	assert_int_equal(out.count, 2);
	assert_int_equal(out.timeout_ns, 2 * S);
}

static void test_summary(void **state)
{
	struct module m;
	char buf[SERVE_TEXT_MAX];
	(void)state;
	module_defaults(&m, "syn", MODULE_SYN);
	module_summary(&m, buf, sizeof(buf));
	assert_string_equal(buf, "syn, 3 SYNs 0.1 s apart, timeout 1 s");
	m.count = 1;
	m.ttl = 32;
	m.syn.sack = false;
	m.syn.mss_value = 1400;
	module_summary(&m, buf, sizeof(buf));
	assert_string_equal(buf, "syn, 1 SYN, timeout 1 s, options mss 1400 wscale 7 ts, ttl 32");
	m.syn.mss = m.syn.wscale = m.syn.ts = false;
	module_summary(&m, buf, sizeof(buf));
	assert_string_equal(buf, "syn, 1 SYN, timeout 1 s, no options, ttl 32");
	m.syn.mss = true;
	m.syn.mss_value = 0;
	module_summary(&m, buf, sizeof(buf));
	assert_string_equal(buf, "syn, 1 SYN, timeout 1 s, options mss, ttl 32");

	module_defaults(&m, "connect", MODULE_CONNECT);
	module_summary(&m, buf, sizeof(buf));
	assert_string_equal(buf, "connect, 1 connection, timeout 2 s, close active");
	m.count = 2;
	m.interval_ns = 500 * MS;
	m.data = "GET /\r\n";
	m.close = CONN_CLOSE_RST;
	m.time_wait_ns = (int64_t)(250 * MS);
	module_summary(&m, buf, sizeof(buf));
	assert_string_equal(buf, "connect, 2 connections 0.5 s apart, timeout 2 s, close rst, "
				 "7 bytes of data, time-wait 0.25 s");
	/* A short buffer is cut, NUL-terminated. */
	char small[10];
	module_summary(&m, small, sizeof(small));
	assert_string_equal(small, "connect, ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtins),
		cmocka_unit_test(test_defaults_name),
		cmocka_unit_test(test_put_replaces_and_appends),
		cmocka_unit_test(test_budget_syn),
		cmocka_unit_test(test_budget_connect),
		cmocka_unit_test(test_fit_untouched_and_fewer),
		cmocka_unit_test(test_fit_connect),
		cmocka_unit_test(test_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
