/*
 * serve_page: the HTML page, the exporter's own metrics and the answer for
 * an unresolvable target, described in serve_page.h. Everything a user
 * could have written (targets, module names, the engine's summaries) goes
 * through serve_page_html_escape on the page; in the exposition, label
 * values are module names that serve_name_ok passed, so they need no
 * escaping, and a comment is made one line so it cannot end early.
 */
#include "config.h"
#include "out/serve_page.h"

#include <inttypes.h>
#include <time.h>

void serve_page_html_escape(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

/* "2026-11-30 11:46:55" in UTC. */
static void put_utc(FILE *f, int64_t when_ns)
{
	time_t t = (time_t)(when_ns / 1000000000);
	struct tm tm;
	char buf[32];

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		fputs("?", f);
	else
		fputs(buf, f);
}

static void put_modules(FILE *f, const struct serve_page_view *v)
{
	fputs("<h2>Modules</h2>\n", f);
	if (!v->modules_known) {
		fputs("<p>The probe engine did not list its modules.</p>\n", f);
		return;
	}
	if (v->nmodules == 0) {
		fputs("<p>The probe engine has no modules.</p>\n", f);
		return;
	}
	fputs("<table>\n<tr><th>Module</th><th>What it does</th></tr>\n", f);
	for (size_t i = 0; i < v->nmodules; i++) {
		fputs("<tr><td>", f);
		serve_page_html_escape(f, v->modules[i].name);
		fputs("</td><td>", f);
		serve_page_html_escape(f, v->modules[i].summary);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void put_probes(FILE *f, const struct serve_page_view *v)
{
	fprintf(f, "<h2>Recent probes</h2>\n<p>The last %zu, newest first.</p>\n", v->recent_max);
	if (v->nprobes == 0) {
		fputs("<p>None yet.</p>\n", f);
		return;
	}
	fputs("<table>\n<tr><th>Time (UTC)</th><th>Target</th><th>Module</th><th>Result</th>"
	      "<th>Duration</th><th>Debug</th></tr>\n",
	      f);
	for (size_t i = 0; i < v->nprobes; i++) {
		const struct serve_page_probe *p = &v->probes[i];
		fputs("<tr><td>", f);
		put_utc(f, p->when_ns);
		fputs("</td><td>", f);
		serve_page_html_escape(f, p->target);
		fputs("</td><td>", f);
		serve_page_html_escape(f, p->module);
		fputs("</td><td>", f);
		serve_page_html_escape(f, p->result);
		fprintf(f, "</td><td>%.3f s</td><td><a href=\"/logs?id=%" PRIu32 "\">Logs</a></td></tr>\n",
			(double)p->duration_ns / 1e9, p->id);
	}
	fputs("</table>\n", f);
}

void serve_page_html(FILE *f, const struct serve_page_view *v)
{
	fputs("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>tcpshake exporter</title>\n</head>\n<body>\n<h1>tcpshake exporter</h1>\n<p>tcpshake ",
	      f);
	serve_page_html_escape(f, v->version);
	fputs(". Probe with <code>/probe?target=HOST:PORT&amp;module=NAME</code>; add "
	      "<code>&amp;debug=true</code> for the probe's text and trace. "
	      "<a href=\"/metrics\">Metrics</a> are the exporter's own.</p>\n",
	      f);
	put_modules(f, v);
	put_probes(f, v);
	fputs("</body>\n</html>\n", f);
}

const char *serve_refusal_name(enum serve_refusal r)
{
	switch (r) {
	case SERVE_REFUSED_BAD_REQUEST: return "bad_request";
	case SERVE_REFUSED_FORBIDDEN: return "forbidden";
	case SERVE_REFUSED_BUSY: return "busy";
	case SERVE_REFUSED_DRAINING: return "draining";
	case SERVE_REFUSED_ERROR: return "error";
	case SERVE_REFUSED_BAD_MODULE: return "bad_module";
	case SERVE_REFUSED_N: break;
	}
	return "unknown";
}

static void put_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void serve_page_metrics(FILE *f, const struct serve_page_counts *c)
{
	put_family(f, "tcpshake_exporter_probes_total", "counter", "Probes run, by module and result.");
	for (size_t i = 0; i < c->nmodules; i++) {
		const struct serve_page_module_count *m = &c->modules[i];
		if (!serve_name_ok(m->name))
			continue;
		fprintf(f, "tcpshake_exporter_probes_total{module=\"%s\",result=\"success\"} %" PRIu64 "\n",
			m->name, m->success);
		fprintf(f, "tcpshake_exporter_probes_total{module=\"%s\",result=\"failure\"} %" PRIu64 "\n",
			m->name, m->failure);
	}
	put_family(f, "tcpshake_exporter_probes_inflight", "gauge", "Probes being run now.");
	fprintf(f, "tcpshake_exporter_probes_inflight %u\n", c->inflight);
	put_family(f, "tcpshake_exporter_refused_total", "counter",
		   "Probe requests answered without a probe, by reason.");
	for (int r = 0; r < SERVE_REFUSED_N; r++)
		fprintf(f, "tcpshake_exporter_refused_total{reason=\"%s\"} %" PRIu64 "\n",
			serve_refusal_name((enum serve_refusal)r), c->refused[r]);
	put_family(f, "tcpshake_exporter_resolve_failures_total", "counter",
		   "Probe targets whose name did not resolve (answered probe_success 0).");
	fprintf(f, "tcpshake_exporter_resolve_failures_total %" PRIu64 "\n", c->resolve_failures);
	put_family(f, "tcpshake_exporter_capture_drops", "gauge",
		   "Frames the shared capture dropped, as the latest probe reported.");
	fprintf(f, "tcpshake_exporter_capture_drops %" PRIu64 "\n", c->capture_drops);
	put_family(f, "tcpshake_exporter_build_info", "gauge", "The tcpshake version serving, always 1.");
	fputs("tcpshake_exporter_build_info{version=\"", f);
	for (const char *s = c->version; *s != '\0'; s++)
		if (*s != '"' && *s != '\\' && *s != '\n')
			fputc(*s, f);
	fputs("\"} 1\n", f);
	put_family(f, "process_start_time_seconds", "gauge",
		   "Start time of the process since unix epoch in seconds.");
	fprintf(f, "process_start_time_seconds %.3f\n", (double)c->start_ns / 1e9);
}

void serve_page_unresolved(FILE *f, const char *why, uint64_t duration_ns)
{
	fputs("# ", f);
	for (const char *s = why; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
	fputc('\n', f);
	put_family(f, "probe_success", "gauge", "Displays whether or not the probe was a success");
	fputs("probe_success 0\n", f);
	put_family(f, "probe_duration_seconds", "gauge",
		   "Returns how long the probe took to complete in seconds");
	fprintf(f, "probe_duration_seconds %.6f\n", (double)duration_ns / 1e9);
}
