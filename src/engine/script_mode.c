/*
 * script_mode: every script against every target port. See script_mode.h.
 */
#include "config.h"
#include "engine/script_mode.h"

#include <stdio.h>
#include <string.h>

#include "core/connmodel.h"
#include "engine/endpoint.h"
#include "engine/script_run.h"

/* Report one run: its segments replayed into a model for both ends' states. */
static void report(struct endpoint *ep, const struct target *t, const struct script *s,
		   const struct script_run_config *rc, const struct script_run_result *res,
		   struct output *out)
{
	struct connmodel m;
	bool have_model = ep_timeline_model(ep, rc->sport, rc->dport, CONN_CLOSE_ACTIVE, &m) == 0;
	if (have_model)
		connmodel_finish(&m);
	struct script_event e = {
		.file = s->name, .host = t->host, .addr = t->addr, .port = rc->dport, .sport = rc->sport,
		.result = res->result, .line = res->line,
		.field = res->field[0] ? res->field : NULL,
		.expected = res->field[0] ? res->expected : NULL,
		.actual = res->field[0] ? res->actual : NULL,
		.detail = res->detail[0] ? res->detail : NULL,
		.skipped = (const char *const *)res->skipped, .nskipped = res->nskipped,
		.notes = (const char *const *)res->notes, .nnotes = res->nnotes,
		.t0_ns = res->t0_ns, .iss = res->iss, .irs = res->irs, .have_irs = res->have_irs,
		.segs = have_model ? m.log : NULL, .nsegs = have_model ? m.n : 0,
		.time_ns = ep_now(ep),
	};
	output_script(out, &e);
	connmodel_free(&m);
}

static void count(struct script_mode_result *res, enum script_outcome r)
{
	res->run++;
	if (r == SCRIPT_OUTCOME_PASS)
		res->passed++;
	else if (r == SCRIPT_OUTCOME_FAIL)
		res->failed++;
	else
		res->errors++;
}

int script_mode_run(const struct script_mode_config *cfg, const struct wire *w, struct output *out,
		    const volatile sig_atomic_t *stop, struct script_mode_result *res, char *err,
		    size_t errlen)
{
	struct endpoint ep;
	size_t next = 0;
	int rc = 0;
	memset(res, 0, sizeof(*res));
	err[0] = '\0';
	ep_init(&ep, w, stop, cfg->isn_seed, cfg->tsval_base, err, errlen);
	ep.port_lo = cfg->sport_base;
	ep.nports = cfg->nsports ? cfg->nsports : 1;
	ep.ttl = cfg->ttl;
	for (size_t ti = 0; ti < cfg->targets->n && rc == 0 && !*stop; ti++) {
		const struct target *t = &cfg->targets->t[ti];
		ep.src = cfg->src[ti];
		ep.dst = t->addr;
		ep.mtu = cfg->mtu != NULL ? cfg->mtu[ti] : 0;
		for (size_t pi = 0; pi < t->ports.n && rc == 0 && !*stop; pi++) {
			if (pi == 0)
				output_begin_target(out, t->host, &t->addr, t->ports.n);
			output_begin(out, t->host, &t->addr, t->ports.port[pi]);
			for (size_t si = 0; si < cfg->nscripts && !*stop && !output_broken(out); si++) {
				struct script_run_config run = {
					.sport = (uint16_t)(cfg->sport_base + next++ % ep.nports),
					.dport = t->ports.port[pi],
					.tolerance_ns = cfg->tolerance_ns,
					.answer_timeout_ns = cfg->answer_timeout_ns,
					.strict_options = cfg->strict_options,
				};
				struct script_run_result r;
				rc = script_run(&ep, cfg->scripts[si], &run, &r);
				if (rc == 0) {
					report(&ep, t, cfg->scripts[si], &run, &r, out);
					count(res, r.result);
				}
				script_run_result_free(&r);
				if (rc < 0)
					break;
			}
		}
	}
	if (*stop) {
		res->interrupted = true;
		rc = 0;
	}
	ep_free(&ep);
	return rc;
}
