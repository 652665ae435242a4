/*
 * output: the public face of the formatters, and what they share.
 *
 * output_new picks the table of the chosen format (output_impl.h) and every
 * other call goes through it, so the engine never knows which format runs.
 * There is no global state: two outputs can run side by side (tests do).
 * Also here: the address:port spelling all text formats use, and the list
 * of kept summaries nagios and prom print at the end, with the teardown
 * verdicts connect mode's sessions leave for each.
 */
#include "config.h"
#include "out/output.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "out/output_impl.h"

static const struct out_ops *ops_for(enum out_format f)
{
	switch (f) {
	case OUT_TEXT:
		return &out_text_ops;
	case OUT_JSON:
		return &out_json_ops;
	case OUT_NAGIOS:
		return &out_nagios_ops;
	case OUT_PROM:
		return &out_prom_ops;
	}
	return &out_text_ops;
}

struct output *output_new(const struct output_config *cfg, FILE *out)
{
	struct output *o = calloc(1, sizeof(*o));
	if (o == NULL)
		return NULL;
	o->cfg = *cfg;
	o->out = out;
	o->ops = ops_for(cfg->format);
	o->end_status = -1;
	if (o->ops->init(o) < 0) {
		free(o);
		return NULL;
	}
	return o;
}

void output_free(struct output *o)
{
	if (o == NULL)
		return;
	o->ops->fini(o);
	free(o);
}

void output_begin_target(struct output *o, const char *host, const struct netaddr *addr,
			 size_t nports)
{
	char abuf[NETADDR_STRLEN];
	struct output *ta, *tb;
	if (out_tee_parts(o, &ta, &tb)) {
		output_begin_target(ta, host, addr, nports);
		output_begin_target(tb, host, addr, nports);
		return;
	}
	o->multi_port = nports > 1;
	/* Only the text format has headers; JSON, nagios and prom need none. */
	if (o->ended || !o->multi_port || o->cfg.format != OUT_TEXT || o->cfg.quiet)
		return;
	fprintf(o->out, "TCPSHAKE %s (%s): %zu ports, %s\n", host,
		netaddr_str(addr, abuf, sizeof(abuf)), nports, out_mode_words(o));
}

void output_begin_sweep(struct output *o, uint64_t hosts, uint64_t ports)
{
	struct output *ta, *tb;
	if (out_tee_parts(o, &ta, &tb)) {
		output_begin_sweep(ta, hosts, ports);
		output_begin_sweep(tb, hosts, ports);
		return;
	}
	if (o->ended || o->cfg.format != OUT_TEXT || o->cfg.quiet)
		return;
	fprintf(o->out, "TCPSHAKE sweep of %llu port%s on %llu host%s: %s\n", (unsigned long long)ports,
		ports == 1 ? "" : "s", (unsigned long long)hosts, hosts == 1 ? "" : "s", out_mode_words(o));
}

void output_begin(struct output *o, const char *host, const struct netaddr *addr, uint16_t port)
{
	if (!o->ended && !o->multi_port)
		o->ops->begin(o, host, addr, port);
}

void output_probe(struct output *o, const struct probe_event *e)
{
	if (!o->ended)
		o->ops->probe(o, e);
}

void output_summary(struct output *o, const struct summary_event *e)
{
	if (!o->ended)
		o->ops->summary(o, e);
}

void output_session(struct output *o, const struct session_event *e)
{
	if (!o->ended && o->ops->session != NULL)
		o->ops->session(o, e);
}

void output_check(struct output *o, const struct check_event *e)
{
	if (o->ended)
		return;
	if (e->index == 1)
		memset(o->port_checks, 0, sizeof(o->port_checks));
	if ((unsigned)e->result < 4) {
		o->checks[e->result]++;
		o->port_checks[e->result]++;
	}
	if (o->ops->check != NULL)
		o->ops->check(o, e);
}

void output_script(struct output *o, const struct script_event *e)
{
	if (o->ended)
		return;
	if ((unsigned)e->result < 3)
		o->scripts[e->result]++;
	if (o->ops->script != NULL)
		o->ops->script(o, e);
}

size_t out_scripts_total(const struct output *o)
{
	return o->scripts[0] + o->scripts[1] + o->scripts[2];
}

void output_error(struct output *o, const char *message)
{
	if (!o->ended)
		o->ops->error(o, message != NULL ? message : "unknown error");
}

void output_plan(struct output *o, size_t ports)
{
	struct output *ta, *tb;
	if (out_tee_parts(o, &ta, &tb)) {
		output_plan(ta, ports);
		output_plan(tb, ports);
	}
	o->plan_ports = ports;
}

void output_target_error(struct output *o, const struct target_error_event *e)
{
	if (o->ended)
		return;
	o->target_errors++;
	if (o->ops->target_error != NULL)
		o->ops->target_error(o, e);
}

void output_run(struct output *o, const struct run_event *e)
{
	struct output *ta, *tb;
	if (out_tee_parts(o, &ta, &tb)) {
		output_run(ta, e);
		output_run(tb, e);
		return;
	}
	/* One port's own summary already is the whole story. */
	if (o->ended || (e->ports + e->errors <= 1 && o->plan_ports <= 1))
		return;
	if (o->ops->run != NULL)
		o->ops->run(o, e);
}

int output_end(struct output *o)
{
	if (!o->ended) {
		o->end_status = o->ops->end(o);
		o->ended = true;
		fflush(o->out);
	}
	return o->end_status;
}

const char *out_mode_words(const struct output *o)
{
	const char *m = o->cfg.mode_name;
	if (m != NULL && strcmp(m, "connect") == 0)
		return "crafted connections";
	if (m != NULL && strcmp(m, "conform") == 0)
		return "conformance checks";
	if (m != NULL && strcmp(m, "script") == 0)
		return "test scripts";
	return "SYN probes";
}

bool output_broken(const struct output *o)
{
	struct output *ta, *tb;
	if (out_tee_parts(o, &ta, &tb))
		return output_broken(ta) || output_broken(tb);
	return ferror(o->out) != 0;
}

bool out_is_connect(const struct output *o)
{
	return o->cfg.mode_name != NULL && strcmp(o->cfg.mode_name, "connect") == 0;
}

const char *out_addr_port(const struct netaddr *a, uint16_t port, char *buf, size_t len)
{
	char abuf[NETADDR_STRLEN];
	const char *s = netaddr_str(a, abuf, sizeof(abuf));
	if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", s, (unsigned)port);
	else
		snprintf(buf, len, "%s:%u", s, (unsigned)port);
	return buf;
}

const char *out_unix_time(uint64_t time_ns, char *buf, size_t len)
{
	snprintf(buf, len, "%llu.%06llu", (unsigned long long)(time_ns / 1000000000ull),
		 (unsigned long long)(time_ns % 1000000000ull / 1000ull));
	return buf;
}

static const struct out_pending_td *pending_find(const struct out_kept_list *l, const char *host,
						  const struct netaddr *a, uint16_t port)
{
	for (size_t i = 0; i < l->npend; i++)
		if (l->pend[i].port == port && netaddr_eq(&l->pend[i].addr, a) &&
		    strcmp(l->pend[i].host, host) == 0)
			return &l->pend[i];
	return NULL;
}

int out_kept_add(struct out_kept_list *l, const struct summary_event *e)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		struct out_kept *nv = ncap > SIZE_MAX / sizeof(*nv) ? NULL : realloc(l->v, ncap * sizeof(*nv));
		if (nv == NULL) {
			l->lost = true;
			return -1;
		}
		l->v = nv;
		l->cap = ncap;
	}
	char *host = strdup(e->host != NULL ? e->host : "");
	if (host == NULL) {
		l->lost = true;
		return -1;
	}
	struct out_kept *k = &l->v[l->n++];
	k->e = *e;
	k->host = host;
	k->e.host = host;
	memset(&k->td, 0, sizeof(k->td));
	const struct out_pending_td *p = pending_find(l, host, &e->addr, e->port);
	if (p != NULL)
		k->td = p->td;
	return 0;
}

/* How bad a teardown is, for the worst of a port's connections. */
static int teardown_rank(enum teardown t)
{
	switch (t) {
	case TEARDOWN_DEVIANT:
		return 3;
	case TEARDOWN_INCOMPLETE:
		return 2;
	case TEARDOWN_CONFORMANT:
		return 1;
	case TEARDOWN_NONE:
		break;
	}
	return 0;
}

/* Add a deviation code to td->codes once, while it fits. */
static void add_code(struct out_teardown *td, const char *code)
{
	size_t len = strlen(code), at = strlen(td->codes);
	for (const char *c = td->codes; (c = strstr(c, code)) != NULL; c += len)
		if ((c == td->codes || c[-1] == ' ') && (c[len] == ' ' || c[len] == '\0'))
			return;
	if (at + len + 2 > sizeof(td->codes))
		return;
	snprintf(td->codes + at, sizeof(td->codes) - at, "%s%s", at ? " " : "", code);
}

int out_kept_session(struct out_kept_list *l, const struct session_event *e)
{
	const char *host = e->host != NULL ? e->host : "";
	struct out_pending_td *p = (struct out_pending_td *)pending_find(l, host, &e->addr, e->port);

	if (p == NULL) {
		if (l->npend == l->pendcap) {
			size_t ncap = l->pendcap ? l->pendcap * 2 : 8;
			struct out_pending_td *nv = ncap > SIZE_MAX / sizeof(*nv)
							    ? NULL
							    : realloc(l->pend, ncap * sizeof(*nv));
			if (nv == NULL) {
				l->lost = true;
				return -1;
			}
			l->pend = nv;
			l->pendcap = ncap;
		}
		char *h = strdup(host);
		if (h == NULL) {
			l->lost = true;
			return -1;
		}
		p = &l->pend[l->npend++];
		memset(p, 0, sizeof(*p));
		p->host = h;
		p->addr = e->addr;
		p->port = e->port;
	}
	p->td.conns++;
	if (e->teardown == TEARDOWN_DEVIANT)
		p->td.deviant++;
	else if (e->teardown == TEARDOWN_INCOMPLETE)
		p->td.incomplete++;
	if (teardown_rank(e->teardown) > teardown_rank(p->td.worst))
		p->td.worst = e->teardown;
	if ((unsigned)e->handshake < 4)
		p->td.handshakes[e->handshake]++;
	for (size_t i = 0; i < e->ndevs; i++) {
		add_code(&p->td, deviation_name(e->devs[i].code));
		if ((unsigned)e->devs[i].code < DEV_COUNT)
			p->td.devs_seen |= 1u << e->devs[i].code;
	}
	return 0;
}

int out_kept_failed(struct out_kept_list *l, const struct target_error_event *e)
{
	if (l->nfailed == l->failedcap) {
		size_t cap = l->failedcap ? l->failedcap * 2 : 4;
		struct out_failed *v = realloc(l->failed, cap * sizeof(*v));
		if (v == NULL) {
			l->lost = true;
			return -1;
		}
		l->failed = v;
		l->failedcap = cap;
	}
	struct out_failed *k = &l->failed[l->nfailed];
	k->host = strdup(e->host);
	k->message = out_one_line(e->message);
	k->ports = malloc((e->nports ? e->nports : 1) * sizeof(*k->ports));
	k->nports = e->nports;
	if (k->host == NULL || k->message == NULL || k->ports == NULL) {
		free(k->host);
		free(k->message);
		free(k->ports);
		l->lost = true;
		return -1;
	}
	if (e->nports > 0)
		memcpy(k->ports, e->ports, e->nports * sizeof(*k->ports));
	l->nfailed++;
	return 0;
}

void out_kept_free(struct out_kept_list *l)
{
	for (size_t i = 0; i < l->nfailed; i++) {
		free(l->failed[i].host);
		free(l->failed[i].message);
		free(l->failed[i].ports);
	}
	free(l->failed);
	l->failed = NULL;
	l->nfailed = l->failedcap = 0;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].host);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
	for (size_t i = 0; i < l->npend; i++)
		free(l->pend[i].host);
	free(l->pend);
	l->pend = NULL;
	l->npend = l->pendcap = 0;
}

char *out_one_line(const char *s)
{
	char *c = strdup(s);
	if (c == NULL)
		return NULL;
	for (char *p = c; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
		else if (*p == '|')
			*p = '/';
	}
	return c;
}
