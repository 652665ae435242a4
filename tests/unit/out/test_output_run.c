/*
 * test_output_run: what every format says about a whole run — the totals
 * line and "run" record, the compact per-port lines of a sweep, and
 * targets that could not be probed (a name that does not resolve) next to
 * ones that were.
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

#include "out/output.h"
#include "outmem.h"

static const uint16_t bad_ports[] = { 80, 443 };

static const struct target_error_event bad_name = {
	.host = "nosuch.invalid",
	.ports = bad_ports,
	.nports = 2,
	.message = "cannot resolve 'nosuch.invalid': Name or service not known",
};

static const struct run_event totals = {
	.hosts = 1, .ports = 3, .open = 1, .closed = 1, .filtered = 1, .errors = 2,
	.sent = 3, .received = 2, .elapsed_s = 2.3141,
};

/* One open port of 192.0.2.1, probed once. */
static void one_open(struct output *o)
{
	struct summary_event s = summary("h", "192.0.2.1", 80, 1, 1, PORT_OPEN);
	output_summary(o, &s);
}

static void test_text_totals_line(void **state)
{
	struct output_config c = cfg_of(OUT_TEXT);
	struct mem m;
	struct output *o = start(&m, &c);

	output_plan(o, 3);
	output_run(o, &totals);
	assert_int_equal(finish(&m, o), -1);
	check(&m, "\n3 ports on 1 host: 1 open, 1 closed, 1 filtered, 2 errors in 2.31 s\n");

	/* Singular words for one of each. */
	struct run_event one = { .hosts = 1, .ports = 2, .open = 1, .closed = 1, .errors = 1, .elapsed_s = 0.5 };
	o = start(&m, &c);
	output_plan(o, 2);
	output_run(o, &one);
	finish(&m, o);
	check(&m, "\n2 ports on 1 host: 1 open, 1 closed, 0 filtered, 1 error in 0.50 s\n");
}

static void test_single_port_has_no_totals(void **state)
{
	/* One target port: its statistics block is already the whole story. */
	enum out_format fmts[] = { OUT_TEXT, OUT_JSON };
	for (size_t i = 0; i < 2; i++) {
		struct output_config c = cfg_of(fmts[i]);
		struct mem m;
		struct output *o = start(&m, &c);
		struct run_event one = { .hosts = 1, .ports = 1, .open = 1, .sent = 1, .received = 1 };
		output_plan(o, 1);
		output_run(o, &one);
		finish(&m, o);
		check(&m, "");
	}
}

static void test_text_totals_even_when_open_shows_nothing(void **state)
{
	/* --open with nothing open: no port line at all, but the totals say
	 * what was swept. */
	struct output_config c = cfg_of(OUT_TEXT);
	c.quiet = true;
	struct mem m;
	struct output *o = start(&m, &c);
	struct run_event e = { .hosts = 1, .ports = 65535, .closed = 65533, .filtered = 2,
			       .sent = 65535, .received = 65533, .elapsed_s = 2.0 };
	output_plan(o, 65535);
	output_run(o, &e);
	finish(&m, o);
	check(&m, "\n65535 ports on 1 host: 0 open, 65533 closed, 2 filtered, 0 errors in 2.00 s\n");
}

static void test_json_run_record(void **state)
{
	struct output_config c = cfg_of(OUT_JSON);
	struct mem m;
	struct output *o = start(&m, &c);

	output_plan(o, 3);
	output_run(o, &totals);
	finish(&m, o);
	check(&m, "{\"type\":\"run\",\"hosts\":1,\"ports\":3,\"open\":1,\"closed\":1,\"filtered\":1,"
		  "\"errors\":2,\"sent\":3,\"received\":2,\"elapsed_s\":2.314}\n");
}

static void test_text_compact_lines_above_sixteen_ports(void **state)
{
	struct output_config c = cfg_of(OUT_TEXT);
	struct mem m;
	struct output *o = start(&m, &c);

	output_plan(o, OUTPUT_BLOCKS_MAX + 1);
	struct summary_event s = summary("h", "192.0.2.1", 80, 2, 2, PORT_OPEN);
	s.rtt.n = 2;
	s.rtt.min = 0.1;
	s.rtt.avg = 0.15;
	s.rtt.max = 0.2;
	s.rtt.mdev = 0.05;
	output_summary(o, &s);
	struct summary_event f = summary("h", "192.0.2.1", 82, 2, 0, PORT_FILTERED);
	output_summary(o, &f);
	/* One probe a port: the probe line said it all, no second line. */
	struct summary_event one = summary("h", "192.0.2.1", 81, 1, 1, PORT_CLOSED);
	output_summary(o, &one);
	finish(&m, o);
	check(&m, "\n192.0.2.1:80 open: 2 probes sent, 2 answered, 0.0% loss, "
		  "rtt min/avg/max/mdev = 0.100/0.150/0.200/0.050 ms\n"
		  "192.0.2.1:82 filtered: 2 probes sent, 0 answered, 100.0% loss\n");
}

static void test_text_compact_quiet_keeps_one_probe_ports(void **state)
{
	/* -q hides the probe lines, so the compact line is all there is. */
	struct output_config c = cfg_of(OUT_TEXT);
	c.quiet = true;
	struct mem m;
	struct output *o = start(&m, &c);

	output_plan(o, 100);
	struct summary_event one = summary("h", "192.0.2.1", 81, 1, 1, PORT_CLOSED);
	output_summary(o, &one);
	finish(&m, o);
	check(&m, "192.0.2.1:81 closed: 1 probes sent, 1 answered, 0.0% loss\n");
}

static void test_text_blocks_up_to_sixteen_ports(void **state)
{
	struct output_config c = cfg_of(OUT_TEXT);
	struct mem m;
	struct output *o = start(&m, &c);

	output_plan(o, OUTPUT_BLOCKS_MAX);
	struct summary_event s = summary("h", "192.0.2.1", 81, 1, 1, PORT_CLOSED);
	output_summary(o, &s);
	finish(&m, o);
	check(&m, "\n--- h port 81 tcpshake statistics ---\n1 probes sent, 1 answered, 0.0% loss, port closed\n");
}

static void test_json_target_error(void **state)
{
	struct output_config c = cfg_of(OUT_JSON);
	struct mem m;
	struct output *o = start(&m, &c);

	output_target_error(o, &bad_name);
	finish(&m, o);
	check(&m, "{\"type\":\"error\",\"host\":\"nosuch.invalid\",\"message\":\"cannot resolve "
		  "'nosuch.invalid': Name or service not known\",\"ports\":[80,443]}\n");
}

static void test_prom_target_error_keeps_up_series(void **state)
{
	struct output_config c = cfg_of(OUT_PROM);
	struct mem m;
	struct output *o = start(&m, &c);

	/* Alone: tcpshake_up 0 for each port it named, and why. */
	output_target_error(o, &bad_name);
	assert_int_equal(finish(&m, o), -1);
	check(&m, "# HELP tcpshake_up 1 if the port answered a SYN with a SYN-ACK, else 0.\n"
		  "# TYPE tcpshake_up gauge\n"
		  "# tcpshake error: cannot resolve 'nosuch.invalid': Name or service not known\n"
		  "tcpshake_up{host=\"nosuch.invalid\",addr=\"\",port=\"80\"} 0\n"
		  "tcpshake_up{host=\"nosuch.invalid\",addr=\"\",port=\"443\"} 0\n");

	/* Beside a probed port: the same series among the others. */
	o = start(&m, &c);
	output_target_error(o, &bad_name);
	one_open(o);
	finish(&m, o);
	assert_non_null(strstr(m.buf, "tcpshake_up{host=\"h\",addr=\"192.0.2.1\",port=\"80\"} 1\n"
				      "# tcpshake error: cannot resolve"));
	assert_non_null(strstr(m.buf, "tcpshake_up{host=\"nosuch.invalid\",addr=\"\",port=\"443\"} 0\n"
				      "# HELP tcpshake_port_state"));
	free(m.buf);
}

static void test_nagios_target_error(void **state)
{
	struct output_config c = cfg_of(OUT_NAGIOS);
	struct mem m;

	/* Nothing could be probed: UNKNOWN, with why. */
	struct output *o = start(&m, &c);
	output_target_error(o, &bad_name);
	assert_int_equal(finish(&m, o), 3);
	check(&m, "TCPSHAKE UNKNOWN - cannot resolve 'nosuch.invalid': Name or service not known\n");

	/* Some probed and open: at least WARNING, the failure named. */
	o = start(&m, &c);
	output_target_error(o, &bad_name);
	one_open(o);
	assert_int_equal(finish(&m, o), 1);
	assert_non_null(strstr(m.buf, "TCPSHAKE WARNING - 192.0.2.1:80 open, "));
	assert_non_null(strstr(m.buf, ", 1 target not probed: cannot resolve 'nosuch.invalid': "
				      "Name or service not known |"));
	free(m.buf);

	/* A probed port that is closed stays CRITICAL: the worst state wins. */
	o = start(&m, &c);
	output_target_error(o, &bad_name);
	struct summary_event s = summary("h", "192.0.2.1", 81, 1, 1, PORT_CLOSED);
	output_summary(o, &s);
	assert_int_equal(finish(&m, o), 2);
	free(m.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_totals_line),
		cmocka_unit_test(test_single_port_has_no_totals),
		cmocka_unit_test(test_text_totals_even_when_open_shows_nothing),
		cmocka_unit_test(test_json_run_record),
		cmocka_unit_test(test_text_compact_lines_above_sixteen_ports),
		cmocka_unit_test(test_text_compact_quiet_keeps_one_probe_ports),
		cmocka_unit_test(test_text_blocks_up_to_sixteen_ports),
		cmocka_unit_test(test_json_target_error),
		cmocka_unit_test(test_prom_target_error_keeps_up_series),
		cmocka_unit_test(test_nagios_target_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
