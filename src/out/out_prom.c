/*
 * out_prom: Prometheus text exposition format 0.0.4, printed at the end.
 *
 * Meant for node_exporter's textfile collector (run tcpshake from cron into
 * a temporary file, then rename it into the collector's directory) or any
 * other scraper of the text format. Each metric family is printed once with
 * its HELP and TYPE lines, then one sample per target port, labelled
 * host/addr/port; so the summaries are kept until output_end. The RTT is a
 * summary (quantiles 0.5/0.9/0.99, _sum, _count) in seconds, the base unit
 * Prometheus asks for. Syn mode adds the options of each open port's
 * latest SYN-ACK (tcpshake_synack_*), kept from the probe events until the
 * port's summary. Connect mode adds tcpshake_teardown, the worst teardown
 * verdict of each port's connections, one series a verdict as
 * tcpshake_port_state has one a state, so an alert can match on the label
 * without knowing the verdicts; tcpshake_handshakes, its connections by
 * handshake outcome; and tcpshake_deviation, one series a deviation code.
 * Every label value is printed, 0 or not, so the series are fixed and
 * bounded whatever a peer does. After a runtime error no metric is printed
 * at all, only a comment naming the error: a partial file would look like
 * a port that went away.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/deviation.h"
#include "out/output_impl.h"

/* One script run, kept until the end. */
struct prom_script {
	struct summary_event where; /* host, addr, port of the run */
	enum script_outcome result;
	char host[128], file[256];
};

/* The latest SYN-ACK of a target port whose summary has not come yet. */
struct prom_synack {
	char *host; /* owned; NULL once its summary took it */
	struct netaddr addr;
	uint16_t port;
	struct tcp_options opt;
};

struct prom {
	struct out_kept_list kept;
	/* SYN-ACKs by port, in the order their ports first answered; a
	 * summary takes its port's. Summaries come in about that order (a
	 * sweep's right after its pair's probe), so the search starts at the
	 * first entry not yet taken. */
	struct prom_synack *pend;
	size_t npend, pendcap, pend_first;
	/* The SYN-ACK options of kept summary i (has_sa[i]: it had one). */
	struct tcp_options *sa;
	bool *has_sa;
	size_t sacap;
	bool failed; /* an error was reported: print no metrics */
	struct {
		struct summary_event where; /* host, addr, port of the check */
		const char *id;
		enum check_result result;
		char host[128];
	} checks[64];
	size_t nchecks;
	struct prom_script scripts[64];
	size_t nscripts;
};

static int prom_init(struct output *o)
{
	o->state = calloc(1, sizeof(struct prom));
	return o->state != NULL ? 0 : -1;
}

static void prom_fini(struct output *o)
{
	struct prom *p = o->state;
	out_kept_free(&p->kept);
	for (size_t i = 0; i < p->npend; i++)
		free(p->pend[i].host);
	free(p->pend);
	free(p->sa);
	free(p->has_sa);
	free(p);
}

static void prom_begin(struct output *o, const char *host, const struct netaddr *addr, uint16_t port)
{
}

static struct prom_synack *synack_find(struct prom *p, const char *host, const struct netaddr *a,
				       uint16_t port)
{
	for (size_t i = p->pend_first; i < p->npend; i++) {
		struct prom_synack *k = &p->pend[i];
		if (k->host != NULL && k->port == port && netaddr_eq(&k->addr, a) &&
		    strcmp(k->host, host) == 0)
			return k;
	}
	return NULL;
}

/* Keep the options of a port's latest SYN-ACK until its summary. */
static void prom_probe(struct output *o, const struct probe_event *e)
{
	struct prom *p = o->state;
	const char *host = e->host != NULL ? e->host : "";
	if (!e->answered || e->reply != REPLY_SA)
		return;
	struct prom_synack *k = synack_find(p, host, &e->addr, e->port);
	if (k == NULL) {
		if (p->npend == p->pendcap) {
			size_t ncap = p->pendcap ? p->pendcap * 2 : 8;
			struct prom_synack *nv = ncap > SIZE_MAX / sizeof(*nv)
							 ? NULL
							 : realloc(p->pend, ncap * sizeof(*nv));
			if (nv == NULL) {
				p->kept.lost = true;
				return;
			}
			p->pend = nv;
			p->pendcap = ncap;
		}
		k = &p->pend[p->npend];
		if ((k->host = strdup(host)) == NULL) {
			p->kept.lost = true;
			return;
		}
		p->npend++;
		k->addr = e->addr;
		k->port = e->port;
	}
	k->opt = e->opt;
}

/* Keep the summary, with its port's SYN-ACK options when it had one. */
static void prom_summary(struct output *o, const struct summary_event *e)
{
	struct prom *p = o->state;
	if (out_kept_add(&p->kept, e) < 0)
		return; /* kept.lost is set, reported at the end */
	size_t i = p->kept.n - 1;
	if (i >= p->sacap) {
		size_t ncap = p->kept.cap;
		struct tcp_options *nsa = realloc(p->sa, ncap * sizeof(*nsa));
		if (nsa != NULL)
			p->sa = nsa;
		bool *nhas = realloc(p->has_sa, ncap * sizeof(*nhas));
		if (nhas != NULL)
			p->has_sa = nhas;
		if (nsa == NULL || nhas == NULL) {
			p->kept.lost = true;
			return;
		}
		p->sacap = ncap;
	}
	struct prom_synack *k = synack_find(p, e->host != NULL ? e->host : "", &e->addr, e->port);
	p->has_sa[i] = k != NULL;
	if (k != NULL) {
		p->sa[i] = k->opt;
		free(k->host);
		k->host = NULL;
		while (p->pend_first < p->npend && p->pend[p->pend_first].host == NULL)
			p->pend_first++;
	}
}

static void prom_session(struct output *o, const struct session_event *e)
{
	struct prom *p = o->state;
	(void)out_kept_session(&p->kept, e); /* a loss sets kept.lost, reported at the end */
}

/* A comment line; the message made one line so it cannot end the comment. */
static void put_comment_error(FILE *f, const char *message)
{
	fputs("# tcpshake error: ", f);
	for (const char *c = message; *c != '\0'; c++)
		fputc((unsigned char)*c < 0x20 ? ' ' : *c, f);
	fputc('\n', f);
	fflush(f);
}

/* Printed at once rather than at output_end: main ends the run right after
 * an error, and the comment must reach the file either way. */
static void prom_error(struct output *o, const char *message)
{
	struct prom *p = o->state;
	p->failed = true;
	put_comment_error(o->out, message);
}

/* A label value, escaped as the exposition format asks (\\, \", \n). */
static void put_label_value(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* `name{host="..",addr="..",port=".."[,extra=".."]} ` */
static void put_series(FILE *f, const char *name, const struct summary_event *e, const char *extra,
		       const char *extra_value)
{
	char abuf[NETADDR_STRLEN];

	fprintf(f, "%s{host=", name);
	put_label_value(f, e->host);
	fputs(",addr=", f);
	put_label_value(f, netaddr_str(&e->addr, abuf, sizeof(abuf)));
	fprintf(f, ",port=\"%u\"", (unsigned)e->port);
	if (extra != NULL) {
		fprintf(f, ",%s=", extra);
		put_label_value(f, extra_value);
	}
	fputs("} ", f);
}

static void put_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_seconds(FILE *f, double ms)
{
	fprintf(f, "%.9f\n", isfinite(ms) ? ms / 1000.0 : 0.0);
}

static bool has_rtt(const struct summary_event *e)
{
	return e->rtt.n > 0;
}

/* One series of a result family:
 * `name{host="..",addr="..",port="..",KEY="VALUE",result="RESULT"} 0|1`. */
static void put_result(FILE *f, const char *name, const struct summary_event *w, const char *key,
		       const char *value, const char *result, bool on)
{
	char abuf[NETADDR_STRLEN];
	fprintf(f, "%s{host=", name);
	put_label_value(f, w->host);
	fputs(",addr=", f);
	put_label_value(f, netaddr_str(&w->addr, abuf, sizeof(abuf)));
	fprintf(f, ",port=\"%u\",%s=", (unsigned)w->port, key);
	put_label_value(f, value);
	fputs(",result=", f);
	put_label_value(f, result);
	fprintf(f, "} %d\n", on);
}

/* Conform mode: one series per check, 1 for the result it had. The
 * check strings (id, result) are static; the host is copied. */
static void prom_check(struct output *o, const struct check_event *e)
{
	struct prom *p = o->state;
	if (p->nchecks >= sizeof(p->checks) / sizeof(p->checks[0]))
		return;
	struct summary_event *k = &p->checks[p->nchecks].where;
	memset(k, 0, sizeof(*k));
	snprintf(p->checks[p->nchecks].host, sizeof(p->checks[p->nchecks].host), "%s",
		 e->host != NULL ? e->host : "");
	k->host = p->checks[p->nchecks].host;
	k->addr = e->addr;
	k->port = e->port;
	p->checks[p->nchecks].id = e->id;
	p->checks[p->nchecks].result = e->result;
	p->nchecks++;
}

static int prom_end_checks(struct output *o)
{
	struct prom *p = o->state;
	FILE *f = o->out;
	static const enum check_result results[] = {CHECK_PASS, CHECK_FAIL, CHECK_SKIP, CHECK_ERROR};
	put_family(f, "tcpshake_check", "gauge",
		   "Conformance check result: 1 for the result it had, 0 for the others.");
	for (size_t i = 0; i < p->nchecks; i++)
		for (size_t r = 0; r < 4; r++)
			put_result(f, "tcpshake_check", &p->checks[i].where, "id", p->checks[i].id,
				   check_result_name(results[r]), p->checks[i].result == results[r]);
	fflush(f);
	return -1;
}

/* Script mode: one series per script and target port, 1 for its result.
 * The host and file are copied (events lend their strings). */
static void prom_script(struct output *o, const struct script_event *e)
{
	struct prom *p = o->state;
	if (p->nscripts >= sizeof(p->scripts) / sizeof(p->scripts[0]))
		return;
	struct prom_script *k = &p->scripts[p->nscripts++];
	memset(&k->where, 0, sizeof(k->where));
	snprintf(k->host, sizeof(k->host), "%s", e->host != NULL ? e->host : "");
	snprintf(k->file, sizeof(k->file), "%s", e->file != NULL ? e->file : "");
	k->where.host = k->host;
	k->where.addr = e->addr;
	k->where.port = e->port;
	k->result = e->result;
}

static int prom_end_scripts(struct output *o)
{
	struct prom *p = o->state;
	FILE *f = o->out;
	static const enum script_outcome results[] = {SCRIPT_OUTCOME_PASS, SCRIPT_OUTCOME_FAIL,
						      SCRIPT_OUTCOME_ERROR};
	put_family(f, "tcpshake_script", "gauge",
		   "Script result: 1 for the result it had, 0 for the others.");
	for (size_t i = 0; i < p->nscripts; i++)
		for (size_t r = 0; r < 3; r++)
			put_result(f, "tcpshake_script", &p->scripts[i].where, "file", p->scripts[i].file,
				   script_outcome_name(results[r]), p->scripts[i].result == results[r]);
	fflush(f);
	return -1;
}

/* A target that could not be probed (its name, its route) keeps its
 * tcpshake_up series at 0, with an empty addr, and a comment saying why:
 * a textfile collector must not silently lose the series. */
static void put_failed_up(FILE *f, const struct out_kept_list *l)
{
	for (size_t i = 0; i < l->nfailed; i++) {
		const struct out_failed *k = &l->failed[i];
		fprintf(f, "# tcpshake error: %s\n", k->message);
		for (size_t pi = 0; pi < k->nports; pi++) {
			fputs("tcpshake_up{host=", f);
			put_label_value(f, k->host);
			fprintf(f, ",addr=\"\",port=\"%u\"} 0\n", (unsigned)k->ports[pi]);
		}
	}
}

static void prom_target_error(struct output *o, const struct target_error_event *e)
{
	struct prom *p = o->state;
	(void)out_kept_failed(&p->kept, e); /* a loss sets kept.lost, reported at the end */
}

/* The MSS (wscale false) or window scale of the ports whose latest SYN-ACK
 * offered it; no family at all when none did. */
static void put_synack_value(FILE *f, const struct prom *p, const char *name, const char *help,
			     bool wscale)
{
	const struct out_kept_list *l = &p->kept;
	bool header = false;
	for (size_t i = 0; i < l->n; i++) {
		if (!p->has_sa[i] || !(wscale ? p->sa[i].wscale_present : p->sa[i].mss_present))
			continue;
		if (!header)
			put_family(f, name, "gauge", help);
		header = true;
		put_series(f, name, &l->v[i].e, NULL, NULL);
		fprintf(f, "%u\n", wscale ? (unsigned)p->sa[i].wscale : (unsigned)p->sa[i].mss);
	}
}

/* Syn mode: the options of each open port's latest SYN-ACK, every option
 * named whether offered or not (fixed series), and the values of MSS and
 * window scale when offered. */
static void put_synack(FILE *f, const struct prom *p)
{
	const struct out_kept_list *l = &p->kept;
	bool any = false;
	for (size_t i = 0; i < l->n; i++)
		any |= p->has_sa[i];
	if (!any)
		return;
	static const char *const names[] = { "mss", "wscale", "sack_permitted", "timestamps" };
	put_family(f, "tcpshake_synack_option", "gauge",
		   "Option in the port's latest SYN-ACK: 1 if present, else 0.");
	for (size_t i = 0; i < l->n; i++) {
		if (!p->has_sa[i])
			continue;
		const struct tcp_options *t = &p->sa[i];
		const bool on[] = { t->mss_present, t->wscale_present, t->sack_permitted, t->ts_present };
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			put_series(f, "tcpshake_synack_option", &l->v[i].e, "option", names[k]);
			fprintf(f, "%d\n", on[k]);
		}
	}
	put_synack_value(f, p, "tcpshake_synack_mss_bytes", "MSS the port's latest SYN-ACK offered.",
			 false);
	put_synack_value(f, p, "tcpshake_synack_wscale",
			 "Window scale shift the port's latest SYN-ACK offered.", true);
}

/* Connect mode: the port's connections by handshake outcome, and each
 * deviation code 1 when some connection showed it. Every series is
 * printed, 0 or not, so the label sets are fixed (4 outcomes, DEV_COUNT
 * codes a port) and an alert can match on a label without knowing the
 * values: bounded cardinality, whatever the peer does. */
static void put_connect_details(FILE *f, const struct out_kept_list *l)
{
	static const enum handshake outcomes[] = { HS_OK, HS_REFUSED, HS_TIMEOUT, HS_UNREACHABLE };
	put_family(f, "tcpshake_handshakes", "gauge", "Connections of this run by handshake outcome.");
	for (size_t i = 0; i < l->n; i++)
		for (size_t h = 0; h < sizeof(outcomes) / sizeof(outcomes[0]); h++) {
			put_series(f, "tcpshake_handshakes", &l->v[i].e, "handshake",
				   handshake_name(outcomes[h]));
			fprintf(f, "%zu\n", l->v[i].td.handshakes[outcomes[h]]);
		}
	put_family(f, "tcpshake_deviation", "gauge",
		   "Teardown deviation: 1 if some connection of the port showed it, else 0.");
	for (size_t i = 0; i < l->n; i++)
		for (unsigned c = 0; c < DEV_COUNT; c++) {
			put_series(f, "tcpshake_deviation", &l->v[i].e, "code",
				   deviation_name((enum deviation_code)c));
			fprintf(f, "%d\n", (l->v[i].td.devs_seen >> c) & 1u ? 1 : 0);
		}
}

static int prom_end(struct output *o)
{
	struct prom *p = o->state;
	const struct out_kept_list *l = &p->kept;
	FILE *f = o->out;
	bool any_rtt = false;
	static const enum port_state states[] = { PORT_OPEN, PORT_CLOSED, PORT_FILTERED };

	if (p->failed)
		return -1;
	if (l->lost) {
		put_comment_error(f, "out of memory");
		return -1;
	}
	if (l->n == 0 && l->nfailed == 0 && p->nscripts > 0)
		return prom_end_scripts(o);
	if (l->n == 0 && l->nfailed == 0)
		return p->nchecks > 0 ? prom_end_checks(o) : -1;
	for (size_t i = 0; i < l->n; i++)
		any_rtt |= has_rtt(&l->v[i].e);

	put_family(f, "tcpshake_up", "gauge", "1 if the port answered a SYN with a SYN-ACK, else 0.");
	for (size_t i = 0; i < l->n; i++) {
		put_series(f, "tcpshake_up", &l->v[i].e, NULL, NULL);
		fprintf(f, "%d\n", l->v[i].e.state == PORT_OPEN);
	}
	put_failed_up(f, l);
	if (l->n == 0)
		return -1;

	put_family(f, "tcpshake_port_state", "gauge", "Port state: 1 for the state seen, 0 for the others.");
	for (size_t i = 0; i < l->n; i++)
		for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
			put_series(f, "tcpshake_port_state", &l->v[i].e, "state", port_state_name(states[s]));
			fprintf(f, "%d\n", l->v[i].e.state == states[s]);
		}

	if (out_is_connect(o)) {
		static const enum teardown verdicts[] = { TEARDOWN_CONFORMANT, TEARDOWN_DEVIANT,
							  TEARDOWN_INCOMPLETE, TEARDOWN_NONE };
		put_family(f, "tcpshake_teardown", "gauge",
			   "Worst teardown verdict of the port's connections: 1 for it, 0 for the others.");
		for (size_t i = 0; i < l->n; i++)
			for (size_t v = 0; v < sizeof(verdicts) / sizeof(verdicts[0]); v++) {
				put_series(f, "tcpshake_teardown", &l->v[i].e, "teardown",
					   teardown_name(verdicts[v]));
				fprintf(f, "%d\n", l->v[i].td.worst == verdicts[v]);
			}
		put_connect_details(f, l);
	}

	put_family(f, "tcpshake_probes_sent", "gauge", "SYN probes sent in this run.");
	for (size_t i = 0; i < l->n; i++) {
		put_series(f, "tcpshake_probes_sent", &l->v[i].e, NULL, NULL);
		fprintf(f, "%u\n", (unsigned)l->v[i].e.sent);
	}

	put_family(f, "tcpshake_probes_received", "gauge", "SYN probes answered in this run.");
	for (size_t i = 0; i < l->n; i++) {
		put_series(f, "tcpshake_probes_received", &l->v[i].e, NULL, NULL);
		fprintf(f, "%u\n", (unsigned)l->v[i].e.received);
	}

	put_family(f, "tcpshake_loss_ratio", "gauge", "Share of probes not answered, 0 to 1.");
	for (size_t i = 0; i < l->n; i++) {
		double r = l->v[i].e.loss_pct / 100.0;
		put_series(f, "tcpshake_loss_ratio", &l->v[i].e, NULL, NULL);
		fprintf(f, "%.9g\n", isfinite(r) ? r : 0.0);
	}

	put_family(f, "tcpshake_rtt_seconds", "summary", "Handshake RTT, from the SYN leaving to its answer (SYN-ACK, RST or ICMP error) arriving.");
	for (size_t i = 0; i < l->n; i++) {
		const struct summary_event *e = &l->v[i].e;
		if (has_rtt(e)) {
			put_series(f, "tcpshake_rtt_seconds", e, "quantile", "0.5");
			put_seconds(f, e->rtt.p50);
			put_series(f, "tcpshake_rtt_seconds", e, "quantile", "0.9");
			put_seconds(f, e->rtt.p90);
			put_series(f, "tcpshake_rtt_seconds", e, "quantile", "0.99");
			put_seconds(f, e->rtt.p99);
			put_series(f, "tcpshake_rtt_seconds_sum", e, NULL, NULL);
			put_seconds(f, e->rtt.avg * (double)e->rtt.n);
		}
		put_series(f, "tcpshake_rtt_seconds_count", e, NULL, NULL);
		fprintf(f, "%zu\n", e->rtt.n);
	}

	if (any_rtt) {
		static const struct {
			const char *name, *help;
		} fam[] = {
			{ "tcpshake_rtt_min_seconds", "Smallest handshake RTT." },
			{ "tcpshake_rtt_max_seconds", "Largest handshake RTT." },
			{ "tcpshake_rtt_mdev_seconds", "Mean deviation of the handshake RTT, as ping's mdev." },
		};
		for (size_t k = 0; k < sizeof(fam) / sizeof(fam[0]); k++) {
			put_family(f, fam[k].name, "gauge", fam[k].help);
			for (size_t i = 0; i < l->n; i++) {
				const struct summary_event *e = &l->v[i].e;
				if (!has_rtt(e))
					continue;
				put_series(f, fam[k].name, e, NULL, NULL);
				put_seconds(f, k == 0 ? e->rtt.min : k == 1 ? e->rtt.max : e->rtt.mdev);
			}
		}
	}
	put_synack(f, p);
	fflush(f);
	return -1;
}

const struct out_ops out_prom_ops = {
	.init = prom_init,
	.fini = prom_fini,
	.begin = prom_begin,
	.probe = prom_probe,
	.summary = prom_summary,
	.session = prom_session,
	.check = prom_check,
	.script = prom_script,
	.error = prom_error,
	.target_error = prom_target_error,
	.end = prom_end,
};
