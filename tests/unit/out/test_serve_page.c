/*
 * Unit tests for serve_page: HTML escaping, the / page (modules, recent
 * probes with their /logs links, what it says when the engine did not
 * list or nothing ran yet), the exporter's own metrics against a golden
 * exposition, and the answer for an unresolvable target. Everything is
 * rendered into a memory stream.
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

#include "out/serve_page.h"

#define SEC 1000000000ll

/* What fn wrote, NUL-terminated; the caller frees it. */
struct mem {
	char *p;
	size_t len;
	FILE *f;
};

static FILE *mem_open(struct mem *m)
{
	m->p = NULL;
	m->len = 0;
	m->f = open_memstream(&m->p, &m->len);
	assert_non_null(m->f);
	return m->f;
}

static char *mem_close(struct mem *m)
{
	assert_int_equal(fclose(m->f), 0);
	return m->p;
}

static void test_escape(void **state)
{
	(void)state;
	struct mem m;
	serve_page_html_escape(mem_open(&m), "a<b>&\"c\"'d' plain");
	char *s = mem_close(&m);
	assert_string_equal(s, "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39; plain");
	free(s);
}

static const struct serve_page_module modules[] = {
	{ "syn", "syn: 3 SYNs 0.1 s apart, timeout 1 s" },
	{ "web", "connect: <script>alert('x')</script> & more" },
};

static const struct serve_page_probe probes[] = {
	{ 42, 1764503215 * SEC, "db.example:5432", "syn", "success", 12345678 },
	{ 41, 1764503214 * SEC, "[2001:db8::1]:80", "web", "forbidden", 0 },
	{ 40, 0, "<img src=x>:1", "syn\"", "fail<ure>", 1500000000 },
};

static void test_page_lists_modules_and_probes(void **state)
{
	(void)state;
	struct serve_page_view v = {
		.version = "1.2.3",
		.modules_known = true,
		.modules = modules,
		.nmodules = 2,
		.probes = probes,
		.nprobes = 3,
		.recent_max = 20,
	};
	struct mem m;
	serve_page_html(mem_open(&m), &v);
	char *s = mem_close(&m);

	assert_non_null(strstr(s, "<title>tcpshake exporter</title>"));
	assert_non_null(strstr(s, "tcpshake 1.2.3."));
	assert_non_null(strstr(s, "<a href=\"/metrics\">"));
	assert_non_null(strstr(s, "<tr><td>syn</td><td>syn: 3 SYNs 0.1 s apart, timeout 1 s</td></tr>"));
	assert_non_null(strstr(s, "connect: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"));
	assert_null(strstr(s, "<script>"));
	assert_non_null(strstr(s, "The last 20, newest first."));
	assert_non_null(strstr(s, "<tr><td>2025-11-30 11:46:55</td><td>db.example:5432</td><td>syn</td>"
				  "<td>success</td><td>0.012 s</td><td><a href=\"/logs?id=42\">Logs</a></td></tr>"));
	assert_non_null(strstr(s, "<td>[2001:db8::1]:80</td><td>web</td><td>forbidden</td><td>0.000 s</td>"));
	assert_non_null(strstr(s, "<td>1970-01-01 00:00:00</td><td>&lt;img src=x&gt;:1</td><td>syn&quot;</td>"
				  "<td>fail&lt;ure&gt;</td><td>1.500 s</td><td><a href=\"/logs?id=40\">"));
	assert_null(strstr(s, "<img"));
	/* Newest first, as given. */
	assert_true(strstr(s, "id=42") < strstr(s, "id=41"));
	assert_true(strstr(s, "id=41") < strstr(s, "id=40"));
	assert_non_null(strstr(s, "</html>\n"));
	free(s);
}

static void test_page_without_modules_or_probes(void **state)
{
	(void)state;
	struct serve_page_view v = { .version = "1.2.3", .modules_known = false, .recent_max = 5 };
	struct mem m;
	serve_page_html(mem_open(&m), &v);
	char *s = mem_close(&m);
	assert_non_null(strstr(s, "The probe engine did not list its modules."));
	assert_non_null(strstr(s, "None yet."));
	assert_null(strstr(s, "<table>"));
	free(s);

	v.modules_known = true;
	serve_page_html(mem_open(&m), &v);
	s = mem_close(&m);
	assert_non_null(strstr(s, "The probe engine has no modules."));
	free(s);
}

static void test_metrics_exposition(void **state)
{
	(void)state;
	struct serve_page_module_count mods[3] = {
		{ .name = "syn", .success = 7, .failure = 2 },
		{ .name = "web", .success = 0, .failure = 0 },
		{ .name = "bad name", .success = 1 }, /* never in the table; left out if it were */
	};
	struct serve_page_counts c = {
		.modules = mods,
		.nmodules = 3,
		.inflight = 3,
		.refused = { 1, 2, 3, 4, 5, 6 },
		.resolve_failures = 9,
		.capture_drops = 11,
		.version = "0.9\"x",
		.start_ns = 1764503215 * SEC + 250000000,
	};
	struct mem m;
	serve_page_metrics(mem_open(&m), &c);
	char *s = mem_close(&m);
	assert_string_equal(
		s,
		"# HELP tcpshake_exporter_probes_total Probes run, by module and result.\n"
		"# TYPE tcpshake_exporter_probes_total counter\n"
		"tcpshake_exporter_probes_total{module=\"syn\",result=\"success\"} 7\n"
		"tcpshake_exporter_probes_total{module=\"syn\",result=\"failure\"} 2\n"
		"tcpshake_exporter_probes_total{module=\"web\",result=\"success\"} 0\n"
		"tcpshake_exporter_probes_total{module=\"web\",result=\"failure\"} 0\n"
		"# HELP tcpshake_exporter_probes_inflight Probes being run now.\n"
		"# TYPE tcpshake_exporter_probes_inflight gauge\n"
		"tcpshake_exporter_probes_inflight 3\n"
		"# HELP tcpshake_exporter_refused_total Probe requests answered without a probe, by reason.\n"
		"# TYPE tcpshake_exporter_refused_total counter\n"
		"tcpshake_exporter_refused_total{reason=\"bad_request\"} 1\n"
		"tcpshake_exporter_refused_total{reason=\"forbidden\"} 2\n"
		"tcpshake_exporter_refused_total{reason=\"busy\"} 3\n"
		"tcpshake_exporter_refused_total{reason=\"draining\"} 4\n"
		"tcpshake_exporter_refused_total{reason=\"error\"} 5\n"
		"tcpshake_exporter_refused_total{reason=\"bad_module\"} 6\n"
		"# HELP tcpshake_exporter_resolve_failures_total Probe targets whose name did not resolve "
		"(answered probe_success 0).\n"
		"# TYPE tcpshake_exporter_resolve_failures_total counter\n"
		"tcpshake_exporter_resolve_failures_total 9\n"
		"# HELP tcpshake_exporter_capture_drops Frames the shared capture dropped, as the latest probe "
		"reported.\n"
		"# TYPE tcpshake_exporter_capture_drops gauge\n"
		"tcpshake_exporter_capture_drops 11\n"
		"# HELP tcpshake_exporter_build_info The tcpshake version serving, always 1.\n"
		"# TYPE tcpshake_exporter_build_info gauge\n"
		"tcpshake_exporter_build_info{version=\"0.9x\"} 1\n"
		"# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
		"# TYPE process_start_time_seconds gauge\n"
		"process_start_time_seconds 1764503215.250\n");
	free(s);
}

static void test_refusal_names(void **state)
{
	(void)state;
	assert_string_equal(serve_refusal_name(SERVE_REFUSED_BAD_REQUEST), "bad_request");
	assert_string_equal(serve_refusal_name(SERVE_REFUSED_BAD_MODULE), "bad_module");
	assert_string_equal(serve_refusal_name(SERVE_REFUSED_N), "unknown");
}

static void test_unresolved(void **state)
{
	(void)state;
	struct mem m;
	serve_page_unresolved(mem_open(&m), "cannot resolve 'x.invalid':\nName or service not known",
			      2500000);
	char *s = mem_close(&m);
	assert_string_equal(s, "# cannot resolve 'x.invalid': Name or service not known\n"
			       "# HELP probe_success Displays whether or not the probe was a success\n"
			       "# TYPE probe_success gauge\n"
			       "probe_success 0\n"
			       "# HELP probe_duration_seconds Returns how long the probe took to complete in seconds\n"
			       "# TYPE probe_duration_seconds gauge\n"
			       "probe_duration_seconds 0.002500\n");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_page_lists_modules_and_probes),
		cmocka_unit_test(test_page_without_modules_or_probes),
		cmocka_unit_test(test_metrics_exposition),
		cmocka_unit_test(test_refusal_names),
		cmocka_unit_test(test_unresolved),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
