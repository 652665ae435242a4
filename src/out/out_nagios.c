/*
 * out_nagios: one status line for Nagios, Icinga, Naemon and friends.
 *
 * Follows the monitoring plugin guidelines: nothing is printed while probes
 * run; at the end, one line `TCPSHAKE <STATUS> - <text> | <perfdata>` and
 * the status as the exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). The
 * summaries are therefore kept (with their host strings copied) until
 * output_end. A port that is not open is CRITICAL whatever the thresholds say:
 * the check is "is this port answering"; RTT and loss thresholds then refine
 * an open port. Thresholds trip at or above their value. In connect mode
 * the teardowns weigh in too: a deviant one makes its port CRITICAL (the
 * peer broke the RFC 9293 close), an incomplete one WARNING (the close did
 * not finish in time, which a slow peer can cause), the deviation codes in
 * the text. A target that could not be probed (its name, its route) makes
 * the check at least WARNING, named in the text; UNKNOWN only when no
 * target could be probed. A runtime error makes the whole check UNKNOWN.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "out/output_impl.h"

enum nagios_status { NAGIOS_OK, NAGIOS_WARNING, NAGIOS_CRITICAL, NAGIOS_UNKNOWN };

static const char *const status_names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

/* At most this many not-open ports are named in the status text. */
#define NAGIOS_LIST_MAX 5

struct nagios {
	struct out_kept_list kept;
	char *error; /* first runtime error, made one line; NULL when none */
	bool error_oom;
	char failed_ids[256]; /* conform: ids of the checks that failed; scripts: FILE:LINE */
};

static int nagios_init(struct output *o)
{
	o->state = calloc(1, sizeof(struct nagios));
	return o->state != NULL ? 0 : -1;
}

static void nagios_fini(struct output *o)
{
	struct nagios *n = o->state;
	out_kept_free(&n->kept);
	free(n->error);
	free(n);
}

static void nagios_begin(struct output *o, const char *host, const struct netaddr *addr, uint16_t port)
{
}

static void nagios_probe(struct output *o, const struct probe_event *e)
{
}

static void nagios_summary(struct output *o, const struct summary_event *e)
{
	struct nagios *n = o->state;
	(void)out_kept_add(&n->kept, e); /* a loss sets kept.lost: UNKNOWN at the end */
}

static void nagios_session(struct output *o, const struct session_event *e)
{
	struct nagios *n = o->state;
	(void)out_kept_session(&n->kept, e); /* a loss sets kept.lost: UNKNOWN at the end */
}

static void nagios_error(struct output *o, const char *message)
{
	struct nagios *n = o->state;
	if (n->error != NULL || n->error_oom)
		return; /* the first error is the cause; later ones follow from it */
	n->error = out_one_line(message);
	if (n->error == NULL)
		n->error_oom = true;
}

static bool has_rtt(const struct summary_event *e)
{
	return e->rtt.n > 0 && isfinite(e->rtt.avg);
}

/* Whether the port's teardowns are worth a word: connect mode, a handshake
 * made (a port not open is judged by its handshakes alone). */
static bool has_teardown(const struct out_kept *k)
{
	return k->td.conns > 0 && k->e.state == PORT_OPEN;
}

static enum nagios_status judge(const struct output_config *cfg, const struct out_kept *k)
{
	const struct threshold *w = &cfg->warning, *c = &cfg->critical;
	const struct summary_event *e = &k->e;

	if (e->state != PORT_OPEN)
		return NAGIOS_CRITICAL;
	if ((c->set && has_rtt(e) && e->rtt.avg >= c->rtt_ms) || (c->loss_set && e->loss_pct >= c->loss_pct))
		return NAGIOS_CRITICAL;
	if (has_teardown(k) && k->td.worst == TEARDOWN_DEVIANT)
		return NAGIOS_CRITICAL;
	if ((w->set && has_rtt(e) && e->rtt.avg >= w->rtt_ms) || (w->loss_set && e->loss_pct >= w->loss_pct))
		return NAGIOS_WARNING;
	if (has_teardown(k) && k->td.worst == TEARDOWN_INCOMPLETE)
		return NAGIOS_WARNING;
	return NAGIOS_OK;
}

/* A threshold field of perfdata: the value, or nothing when not set. */
static void put_thr(FILE *f, bool set, double v)
{
	if (set)
		fprintf(f, "%g", v);
}

/* `label=value;warn;crit;min;max` for one port; label is quoted with the
 * port's address when several ports are reported. */
static void put_perf(FILE *f, const struct output_config *cfg, const struct summary_event *e, bool labelled)
{
	char abuf[NETADDR_STRLEN];
	const char *a = netaddr_str(&e->addr, abuf, sizeof(abuf));

	if (labelled)
		fprintf(f, "'rtt_%s_%u'=", a, (unsigned)e->port);
	else
		fputs("rtt=", f);
	if (has_rtt(e))
		fprintf(f, "%.3fms;", e->rtt.avg);
	else
		fputs("U;", f); /* the guidelines' "could not be determined" */
	put_thr(f, cfg->warning.set, cfg->warning.rtt_ms);
	fputc(';', f);
	put_thr(f, cfg->critical.set, cfg->critical.rtt_ms);
	fputs(";0; ", f);

	if (labelled)
		fprintf(f, "'loss_%s_%u'=", a, (unsigned)e->port);
	else
		fputs("loss=", f);
	fprintf(f, "%.1f%%;", e->loss_pct);
	put_thr(f, cfg->warning.loss_set, cfg->warning.loss_pct);
	fputc(';', f);
	put_thr(f, cfg->critical.loss_set, cfg->critical.loss_pct);
	fputs(";0;100", f);
}

/* The deviation codes of a port's teardowns, " (wrong-ack ...)", or nothing. */
static void put_codes(FILE *f, const struct out_teardown *td)
{
	if (td->codes[0] != '\0')
		fprintf(f, " (%s)", td->codes);
}

static void put_text_one(FILE *f, const struct out_kept *k)
{
	const struct summary_event *e = &k->e;
	char ap[OUT_ADDRPORT_LEN];

	fprintf(f, "%s %s", out_addr_port(&e->addr, e->port, ap, sizeof(ap)), port_state_name(e->state));
	if (has_rtt(e))
		fprintf(f, ", rtt %.3f ms", e->rtt.avg);
	fprintf(f, ", loss %.1f%%", e->loss_pct);
	if (has_teardown(k)) {
		fprintf(f, ", teardown %s", teardown_name(k->td.worst));
		put_codes(f, &k->td);
	}
}

/* ", teardown VERDICT: A:P (codes), ..." for the open ports whose worst
 * teardown is verdict, at most NAGIOS_LIST_MAX of them; true if any. */
static bool put_teardown_list(FILE *f, const struct out_kept_list *l, enum teardown verdict)
{
	size_t listed = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct out_kept *k = &l->v[i];
		char ap[OUT_ADDRPORT_LEN];
		if (!has_teardown(k) || k->td.worst != verdict)
			continue;
		if (listed == NAGIOS_LIST_MAX) {
			fputs(", ...", f);
			break;
		}
		if (listed == 0)
			fprintf(f, ", teardown %s: ", teardown_name(verdict));
		fprintf(f, "%s%s", listed ? ", " : "", out_addr_port(&k->e.addr, k->e.port, ap, sizeof(ap)));
		put_codes(f, &k->td);
		listed++;
	}
	return listed > 0;
}

/* Connect mode: the deviant, then the incomplete teardowns, or that every
 * teardown was conformant. */
static void put_teardowns_many(FILE *f, const struct out_kept_list *l)
{
	bool any = false, bad = false;

	for (size_t i = 0; i < l->n; i++)
		any |= has_teardown(&l->v[i]);
	if (!any)
		return;
	bad |= put_teardown_list(f, l, TEARDOWN_DEVIANT);
	bad |= put_teardown_list(f, l, TEARDOWN_INCOMPLETE);
	if (!bad)
		fputs(", teardowns conformant", f);
}

/* ", not open: A:P, ..." at most NAGIOS_LIST_MAX of them. */
static void put_not_open(FILE *f, const struct out_kept_list *l)
{
	size_t listed = 0;

	fputs(", not open: ", f);
	for (size_t i = 0; i < l->n; i++) {
		const struct summary_event *e = &l->v[i].e;
		char ap[OUT_ADDRPORT_LEN];
		if (e->state == PORT_OPEN)
			continue;
		if (listed == NAGIOS_LIST_MAX) {
			fputs(", ...", f);
			break;
		}
		fprintf(f, "%s%s", listed ? ", " : "", out_addr_port(&e->addr, e->port, ap, sizeof(ap)));
		listed++;
	}
}

static void put_text_many(FILE *f, const struct out_kept_list *l)
{
	size_t open = 0;
	bool any_rtt = false;
	double worst_rtt = 0.0, worst_loss = 0.0;

	for (size_t i = 0; i < l->n; i++) {
		const struct summary_event *e = &l->v[i].e;
		if (e->state == PORT_OPEN)
			open++;
		if (has_rtt(e) && (!any_rtt || e->rtt.avg > worst_rtt)) {
			worst_rtt = e->rtt.avg;
			any_rtt = true;
		}
		if (i == 0 || e->loss_pct > worst_loss)
			worst_loss = e->loss_pct;
	}
	fprintf(f, "%zu/%zu ports open", open, l->n);
	if (any_rtt)
		fprintf(f, ", worst rtt %.3f ms", worst_rtt);
	fprintf(f, ", worst loss %.1f%%", worst_loss);
	if (open < l->n)
		put_not_open(f, l);
	put_teardowns_many(f, l);
}

/* ", 2 targets not probed: cannot resolve 'x': ...; ..." (at most
 * NAGIOS_LIST_MAX named). */
static void put_failed(FILE *f, const struct out_kept_list *l)
{
	if (l->nfailed == 0)
		return;
	fprintf(f, ", %zu target%s not probed: ", l->nfailed, l->nfailed == 1 ? "" : "s");
	for (size_t i = 0; i < l->nfailed; i++) {
		if (i == NAGIOS_LIST_MAX) {
			fputs("; ...", f);
			break;
		}
		fprintf(f, "%s%s", i ? "; " : "", l->failed[i].message);
	}
}

/* Conform mode: CRITICAL when a check failed, WARNING when one could not
 * run (error) or a target could not be probed, else OK; the failed ids in the text, counts as perfdata. */
static int nagios_end_checks(struct output *o)
{
	struct nagios *n = o->state;
	FILE *f = o->out;
	size_t *c = o->checks;
	enum nagios_status st = c[CHECK_FAIL]				? NAGIOS_CRITICAL
				: c[CHECK_ERROR] || n->kept.nfailed ? NAGIOS_WARNING
								     : NAGIOS_OK;
	fprintf(f, "TCPSHAKE %s - %zu checks: %zu passed, %zu failed, %zu skipped, %zu errors%s%s",
		status_names[st], c[0] + c[1] + c[2] + c[3], c[CHECK_PASS], c[CHECK_FAIL],
		c[CHECK_SKIP], c[CHECK_ERROR], n->failed_ids[0] ? ": " : "", n->failed_ids);
	put_failed(f, &n->kept);
	fputs(" |", f);
	fprintf(f, " passed=%zu failed=%zu skipped=%zu errors=%zu\n", c[CHECK_PASS], c[CHECK_FAIL],
		c[CHECK_SKIP], c[CHECK_ERROR]);
	fflush(f);
	return (int)st;
}

/* Append one word to the failed list, while it fits. */
static void add_failed(struct nagios *n, const char *word)
{
	size_t at = strlen(n->failed_ids);
	if (at + strlen(word) + 2 >= sizeof(n->failed_ids))
		return;
	snprintf(n->failed_ids + at, sizeof(n->failed_ids) - at, "%s%s", at ? " " : "", word);
}

static void nagios_check(struct output *o, const struct check_event *e)
{
	if (e->result == CHECK_FAIL)
		add_failed(o->state, e->id);
}

static void nagios_script(struct output *o, const struct script_event *e)
{
	char word[128];
	if (e->result == SCRIPT_OUTCOME_PASS)
		return;
	snprintf(word, sizeof(word), "%s:%u", e->file, e->line);
	char *one = out_one_line(word);
	if (one != NULL) {
		for (char *c = one; *c != '\0'; c++)
			if (*c == ' ')
				*c = '_';
		add_failed(o->state, one);
		free(one);
	}
}

/* Script mode: CRITICAL when a script failed, WARNING when one could not
 * run (error) or a target could not be probed, else OK; the failing FILE:LINEs in the text. */
static int nagios_end_scripts(struct output *o)
{
	struct nagios *n = o->state;
	FILE *f = o->out;
	size_t *c = o->scripts;
	enum nagios_status st = c[SCRIPT_OUTCOME_FAIL]			   ? NAGIOS_CRITICAL
				: c[SCRIPT_OUTCOME_ERROR] || n->kept.nfailed ? NAGIOS_WARNING
									       : NAGIOS_OK;
	fprintf(f, "TCPSHAKE %s - %zu scripts: %zu passed, %zu failed, %zu errors%s%s", status_names[st],
		out_scripts_total(o), c[SCRIPT_OUTCOME_PASS], c[SCRIPT_OUTCOME_FAIL],
		c[SCRIPT_OUTCOME_ERROR], n->failed_ids[0] ? ": " : "", n->failed_ids);
	put_failed(f, &n->kept);
	fputs(" |", f);
	fprintf(f, " passed=%zu failed=%zu errors=%zu\n", c[SCRIPT_OUTCOME_PASS], c[SCRIPT_OUTCOME_FAIL],
		c[SCRIPT_OUTCOME_ERROR]);
	fflush(f);
	return (int)st;
}

static void nagios_target_error(struct output *o, const struct target_error_event *e)
{
	struct nagios *n = o->state;
	(void)out_kept_failed(&n->kept, e); /* a loss sets kept.lost: UNKNOWN at the end */
}

static int nagios_end(struct output *o)
{
	struct nagios *n = o->state;
	FILE *f = o->out;
	enum nagios_status st = NAGIOS_OK;

	if (n->error == NULL && !n->error_oom && n->kept.n == 0 && out_scripts_total(o) > 0)
		return nagios_end_scripts(o);

	if (n->error == NULL && !n->error_oom && n->kept.n == 0 &&
	    o->checks[0] + o->checks[1] + o->checks[2] + o->checks[3] > 0)
		return nagios_end_checks(o);

	if (n->error != NULL || n->error_oom || n->kept.lost || n->kept.n == 0) {
		const char *why = "out of memory";
		if (n->error != NULL)
			why = n->error;
		else if (n->kept.n == 0 && n->kept.nfailed > 0)
			why = n->kept.failed[0].message; /* nothing could be probed */
		else if (n->kept.n == 0 && !n->kept.lost && !n->error_oom)
			why = "no target port was probed";
		fprintf(f, "TCPSHAKE UNKNOWN - %s\n", why);
		fflush(f);
		return NAGIOS_UNKNOWN;
	}
	for (size_t i = 0; i < n->kept.n; i++) {
		enum nagios_status s = judge(&o->cfg, &n->kept.v[i]);
		if (s > st)
			st = s;
	}
	/* Some targets probed, some not: the probed ones decide, but a target
	 * that could not be probed is at least a WARNING, never hidden. */
	if (n->kept.nfailed > 0 && st < NAGIOS_WARNING)
		st = NAGIOS_WARNING;
	fprintf(f, "TCPSHAKE %s - ", status_names[st]);
	if (n->kept.n == 1)
		put_text_one(f, &n->kept.v[0]);
	else
		put_text_many(f, &n->kept);
	put_failed(f, &n->kept);
	fputs(" |", f);
	for (size_t i = 0; i < n->kept.n; i++) {
		fputc(' ', f);
		put_perf(f, &o->cfg, &n->kept.v[i].e, n->kept.n > 1);
	}
	fputc('\n', f);
	fflush(f);
	return (int)st;
}

const struct out_ops out_nagios_ops = {
	.init = nagios_init,
	.fini = nagios_fini,
	.begin = nagios_begin,
	.probe = nagios_probe,
	.summary = nagios_summary,
	.session = nagios_session,
	.check = nagios_check,
	.script = nagios_script,
	.error = nagios_error,
	.target_error = nagios_target_error,
	.end = nagios_end,
};
