/*
 * serve: one exporter probe (see serve.h). A module is the exporter's
 * stand-in for a command line, so this file does for one module and one
 * target what main.c and run_config.c do for the CLI: it fills a
 * probe_config (syn) or session_config (connect) over a one-target list and
 * runs the same engine. The engine takes one output; a tee (out_tee.c)
 * splits it into the prom exposition and the text with --trace, each into
 * its own memory stream, so one run gives both the /probe answer and its
 * debug page. blackbox_exporter's probe_success and probe_duration_seconds
 * go first, with its HELP strings, so its users' alerts keep working; the
 * success verdict comes from the tee's tally of the events it forwarded.
 */
#include "config.h"
#include "engine/serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/target.h"
#include "core/tcpconst.h"
#include "engine/probe.h"
#include "engine/session.h"
#include "out/output.h"

/* An output stream in memory (open_memstream's buffer and length). */
struct memout {
	char *buf;
	size_t len;
	FILE *f;
};

static int memout_open(struct memout *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	return m->f != NULL ? 0 : -1;
}

/* Close the stream (its buffer stays, NUL-terminated); -1 when writing
 * failed (no memory), the buffer then freed. */
static int memout_close(struct memout *m)
{
	if (m->f == NULL)
		return -1;
	bool bad = ferror(m->f) != 0;
	if (fclose(m->f) != 0)
		bad = true;
	m->f = NULL;
	if (bad || m->buf == NULL) {
		free(m->buf);
		m->buf = NULL;
		m->len = 0;
		return -1;
	}
	return 0;
}

/* A module's TTL, interval: 0 means the CLI's defaults (64; the engines
 * need an interval above 0). */
static uint8_t module_ttl(const struct module *m)
{
	return m->ttl != 0 ? m->ttl : 64;
}

static uint64_t module_interval(const struct module *m)
{
	return m->interval_ns != 0 ? m->interval_ns : NS_PER_S / 1000;
}

/* Run the module's engine over the one-target list, reporting to tee; 0,
 * or -1 with err. */
static int run_engine(const struct module *m, const struct serve_target *t,
		      const struct target_list *tl, const struct wire *w, uint16_t sport_base,
		      uint16_t nsports, const volatile sig_atomic_t *stop, struct output *tee,
		      uint32_t tsval_base, char *err, size_t errlen)
{
	if (m->mode == MODULE_CONNECT) {
		struct session_config sc = {
			.count = m->count,
			.interval_ns = module_interval(m),
			.timeout_ns = m->timeout_ns,
			.time_wait_ns = m->time_wait_ns,
			.close = m->close,
			.data = m->data,
			.ttl = module_ttl(m),
			.syn = m->syn,
			.targets = tl,
			.src = &t->src,
			.mss = &t->mss,
			.mtu = t->mtu != 0 ? &t->mtu : NULL,
			.sport_base = sport_base,
			.nsports = nsports,
			.tsval_base = tsval_base,
		};
		struct session_result sr;
		return session_run(&sc, w, tee, stop, &sr, err, errlen);
	}
	struct probe_config pc = {
		.targets = tl,
		.src = &t->src,
		.mss = &t->mss,
		.sport_base = sport_base,
		.nsports = nsports,
		.tsval_base = tsval_base,
		.count = m->count,
		.interval_ns = module_interval(m),
		.timeout_ns = m->timeout_ns,
		.ttl = module_ttl(m),
		.syn = m->syn,
		/* The exporter's RST guard covers its whole port block, so the
		 * kernel says nothing to a server's stale ACK: we must. */
		.reset_unacceptable = true,
	};
	struct probe_result pr;
	return probe_run(&pc, w, tee, stop, &pr, err, errlen);
}

/* blackbox_exporter's two families, its HELP text word for word, then the
 * tcpshake_* body. */
static int compose_metrics(bool success, uint64_t duration_ns, const char *body, size_t body_len,
			   struct serve_result *res)
{
	struct memout m;
	if (memout_open(&m) < 0)
		return -1;
	fprintf(m.f,
		"# HELP probe_success Displays whether or not the probe was a success\n"
		"# TYPE probe_success gauge\n"
		"probe_success %d\n"
		"# HELP probe_duration_seconds Returns how long the probe took to complete in seconds\n"
		"# TYPE probe_duration_seconds gauge\n"
		"probe_duration_seconds %llu.%09llu\n",
		success ? 1 : 0, (unsigned long long)(duration_ns / NS_PER_S),
		(unsigned long long)(duration_ns % NS_PER_S));
	if (body_len > 0)
		fwrite(body, 1, body_len, m.f);
	if (memout_close(&m) < 0)
		return -1;
	res->metrics = m.buf;
	res->metrics_len = m.len;
	return 0;
}

int serve_probe_run(const struct module *m, const struct serve_target *t, const struct wire *w,
		    uint16_t sport_base, uint16_t nsports, const volatile sig_atomic_t *stop,
		    struct serve_result *res)
{
	memset(res, 0, sizeof(*res));

	/* The one target, its host the label the query wrote. Lent, never
	 * freed: target_list_free is not called on it. */
	uint16_t port = t->port;
	struct target tg = {
		.host = (char *)(t->host != NULL ? t->host : ""),
		.addr = t->addr,
		.ports = { .port = &port, .n = 1 },
	};
	struct target_list tl = { .t = &tg, .n = 1, .cap = 1 };

	const char *mode = m->mode == MODULE_CONNECT ? "connect" : "syn";
	struct output_config pcfg = { .format = OUT_PROM, .mode_name = mode };
	struct output_config tcfg = { .format = OUT_TEXT, .mode_name = mode, .trace = true };
	struct memout pm = { 0 }, tm = { 0 };
	struct output *po = NULL, *to = NULL, *tee = NULL;
	int rc = -1;

	if (memout_open(&pm) < 0 || memout_open(&tm) < 0 ||
	    (po = output_new(&pcfg, pm.f)) == NULL || (to = output_new(&tcfg, tm.f)) == NULL ||
	    (tee = output_new_tee(po, to)) == NULL) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		goto out;
	}
	output_plan(tee, 1);

	/* Timestamp values start from the wire's clock in ms: a fresh base
	 * per probe without asking the system for randomness (ISNs already
	 * come from a random key: isn_seed 0). */
	uint64_t t0 = w->ops->now(w->ctx);
	char err[SERVE_TEXT_MAX] = "";
	rc = run_engine(m, t, &tl, w, sport_base, nsports, stop, tee, (uint32_t)(t0 / 1000000u), err,
			sizeof(err));
	uint64_t t1 = w->ops->now(w->ctx);
	res->duration_ns = t1 > t0 ? t1 - t0 : 0;
	if (rc < 0) {
		snprintf(res->error, sizeof(res->error), "%s", err[0] != '\0' ? err : "probe failed");
		output_error(tee, res->error);
	}
	output_end(tee);

	struct output_tally tally;
	output_tee_tally(tee, &tally);
	if (rc == 0) {
		if (m->mode == MODULE_CONNECT)
			res->success = tally.sessions > 0 && tally.handshakes_ok == tally.sessions;
		else
			res->success = tally.ports > 0 && tally.ports_open == tally.ports;
	}

out:
	output_free(tee);
	output_free(po);
	output_free(to);
	int pmc = memout_close(&pm), tmc = memout_close(&tm);
	if (pmc == 0 && compose_metrics(res->success, res->duration_ns, pm.buf, pm.len, res) == 0 &&
	    tmc == 0) {
		res->debug = tm.buf;
		res->debug_len = tm.len;
		tm.buf = NULL;
	} else if (rc == 0) {
		rc = -1;
		snprintf(res->error, sizeof(res->error), "out of memory");
	}
	free(pm.buf);
	free(tm.buf);
	if (rc < 0)
		res->success = false;
	return rc;
}

void serve_result_free(struct serve_result *res)
{
	free(res->metrics);
	free(res->debug);
	res->metrics = res->debug = NULL;
	res->metrics_len = res->debug_len = 0;
}
