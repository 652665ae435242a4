/*
 * module: the exporter's probe recipes (module.h). A module is a command
 * line frozen under a name, so its defaults are the CLI's (TTL 64, Linux's
 * SYN options) except where a scrape needs less: the built-in syn sends 3
 * SYNs 0.1 s apart rather than 4 a second apart, so a probe fits
 * Prometheus's default 10 s scrape timeout many times over.
 *
 * The budget is computed from what the engines actually do (engine/probe.c
 * for syn, engine/session.c for connect), so module_fit can cut a module to
 * a scrape timeout before it runs rather than have it interrupted.
 */
#include "config.h"
#include "core/module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tcpconst.h"

/* The CLI's defaults (core/cli.c set_defaults): TTL 64; MSS (from the
 * interface), SACK-permitted, timestamps and window scale 7 offered. */
#define MODULE_TTL_DEFAULT 64
static const struct syn_options default_syn = {
	.mss = true, .mss_value = 0, .wscale = true, .wscale_value = 7, .sack = true, .ts = true,
};

void module_defaults(struct module *m, const char *name, enum module_mode mode)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->mode = mode;
	m->ttl = MODULE_TTL_DEFAULT;
	m->syn = default_syn;
	m->close = CONN_CLOSE_ACTIVE;
	m->time_wait_ns = -1;
	if (mode == MODULE_SYN) {
		m->count = 3;
		m->interval_ns = 100 * NS_PER_MS;
		m->timeout_ns = NS_PER_S;
	} else {
		m->count = 1;
		m->interval_ns = NS_PER_S; /* the CLI's -i; unused with one connection */
		m->timeout_ns = 2 * NS_PER_S;
	}
}

int module_table_builtin(struct module_table *t)
{
	t->n = 0;
	t->v = calloc(2, sizeof(*t->v));
	if (t->v == NULL)
		return -1;
	module_defaults(&t->v[0], "syn", MODULE_SYN);
	module_defaults(&t->v[1], "connect", MODULE_CONNECT);
	t->n = 2;
	return 0;
}

const struct module *module_find(const struct module_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			return &t->v[i];
	return NULL;
}

int module_table_put(struct module_table *t, struct module *m)
{
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->v[i].name, m->name) != 0)
			continue;
		free(t->v[i].data);
		t->v[i] = *m;
		m->data = NULL;
		return 0;
	}
	struct module *v = realloc(t->v, (t->n + 1) * sizeof(*v));
	if (v == NULL)
		return -1; /* m keeps its data */
	t->v = v;
	t->v[t->n++] = *m;
	m->data = NULL;
	return 0;
}

void module_table_free(struct module_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].data);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

bool module_has_connect(const struct module_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].mode == MODULE_CONNECT)
			return true;
	return false;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* One connection at most (module.h): the handshake's timeout, a timeout per
 * step of the exchange, then the hold. session.c's linger is --time-wait
 * or min(timeout, 1 s); its quiet time after a RST is min(timeout, 1 s). */
static uint64_t connection_ns(const struct module *m)
{
	uint64_t t = m->timeout_ns;
	uint64_t steps = m->data != NULL ? 4 : 2;
	uint64_t quiet = min_u64(t, NS_PER_S);
	uint64_t linger = m->time_wait_ns >= 0 ? (uint64_t)m->time_wait_ns : quiet;

	return t * (1 + steps) + max_u64(linger, quiet);
}

uint64_t module_budget_ns(const struct module *m)
{
	uint64_t rounds = m->count > 0 ? m->count - 1 : 0;

	if (m->mode == MODULE_SYN)
		return rounds * m->interval_ns + m->timeout_ns;
	uint64_t c = connection_ns(m);
	return rounds * max_u64(m->interval_ns, c) + c;
}

static void set_timeout(struct module *m, uint64_t v)
{
	m->timeout_ns = v;
}

static void set_time_wait(struct module *m, uint64_t v)
{
	m->time_wait_ns = (int64_t)v;
}

/* Set out's field (by set) to the largest value in [lo, hi] that keeps
 * out's budget within budget_ns, or to lo when none does. The budget grows
 * with the field, so a binary search: exact and deterministic. */
static void largest_fit(struct module *out, void (*set)(struct module *, uint64_t), uint64_t lo,
			uint64_t hi, uint64_t budget_ns)
{
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo + 1) / 2;
		set(out, mid);
		if (module_budget_ns(out) <= budget_ns)
			lo = mid;
		else
			hi = mid - 1;
	}
	set(out, lo);
}

void module_fit(const struct module *m, uint64_t budget_ns, struct module *out)
{
	*out = *m;
	while (out->count > 1 && module_budget_ns(out) > budget_ns)
		out->count--;
	if (module_budget_ns(out) <= budget_ns)
		return;
	/* One probe is too long. A held TIME_WAIT only answers a resent FIN:
	 * it is cut before the wait for an answer, to 0 if need be. */
	if (out->mode == MODULE_CONNECT && out->time_wait_ns > 0) {
		largest_fit(out, set_time_wait, 0, (uint64_t)m->time_wait_ns, budget_ns);
		if (module_budget_ns(out) <= budget_ns)
			return;
	}
	if (m->timeout_ns > MODULE_TIMEOUT_MIN_NS)
		largest_fit(out, set_timeout, MODULE_TIMEOUT_MIN_NS, m->timeout_ns, budget_ns);
}

/* "0.1 s", "2 s": seconds as the CLI takes them. */
static const char *seconds(uint64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%g s", (double)ns / (double)NS_PER_S);
	return buf;
}

static bool syn_default(const struct syn_options *so)
{
	return memcmp(so, &default_syn, sizeof(*so)) == 0;
}

/* ", options mss 1400 wscale 7 sack ts" or ", no options", when not the
 * default set. */
static void options_phrase(const struct syn_options *so, char *buf, size_t len)
{
	size_t used;

	buf[0] = '\0';
	if (syn_default(so))
		return;
	if (!so->mss && !so->wscale && !so->sack && !so->ts) {
		snprintf(buf, len, ", no options");
		return;
	}
	snprintf(buf, len, ", options");
	used = strlen(buf);
	if (so->mss && so->mss_value > 0)
		used += (size_t)snprintf(buf + used, len - used, " mss %d", so->mss_value);
	else if (so->mss)
		used += (size_t)snprintf(buf + used, len - used, " mss");
	if (used < len && so->wscale)
		used += (size_t)snprintf(buf + used, len - used, " wscale %d", so->wscale_value);
	if (used < len && so->sack)
		used += (size_t)snprintf(buf + used, len - used, " sack");
	if (used < len && so->ts)
		snprintf(buf + used, len - used, " ts");
}

void module_summary(const struct module *m, char *buf, size_t len)
{
	char every[40] = "", timeout[32], opts[64], ttl[16] = "", extra[64] = "", tw[32];
	bool syn = m->mode == MODULE_SYN;
	const char *unit = syn ? (m->count == 1 ? "SYN" : "SYNs")
			       : (m->count == 1 ? "connection" : "connections");

	if (len == 0)
		return;
	if (m->count > 1)
		snprintf(every, sizeof(every), " %s apart", seconds(m->interval_ns, tw, sizeof(tw)));
	seconds(m->timeout_ns, timeout, sizeof(timeout));
	options_phrase(&m->syn, opts, sizeof(opts));
	if (m->ttl != MODULE_TTL_DEFAULT)
		snprintf(ttl, sizeof(ttl), ", ttl %u", (unsigned)m->ttl);
	if (!syn) {
		size_t used = (size_t)snprintf(extra, sizeof(extra), ", close %s",
					       connmodel_close_name(m->close));
		if (m->data != NULL && used < sizeof(extra))
			used += (size_t)snprintf(extra + used, sizeof(extra) - used,
						 ", %zu bytes of data", strlen(m->data));
		if (m->time_wait_ns >= 0 && used < sizeof(extra))
			snprintf(extra + used, sizeof(extra) - used, ", time-wait %s",
				 seconds((uint64_t)m->time_wait_ns, tw, sizeof(tw)));
	}
	snprintf(buf, len, "%s, %lu %s%s, timeout %s%s%s%s", syn ? "syn" : "connect", m->count, unit,
		 every, timeout, extra, opts, ttl);
}
