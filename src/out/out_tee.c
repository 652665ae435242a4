/*
 * out_tee: one output that is two. The exporter answers a probe with the
 * Prometheus exposition and keeps the text with --trace for its debug page,
 * from one run of an engine that takes one struct output; so this
 * formatter forwards every call to both and owns neither. It also tallies
 * what it forwards (connections and their handshakes, ports and their
 * states), since the exporter's probe_success is a judgement over those
 * events that no engine result carries whole (session_run counts the
 * connections whose handshake AND teardown were good, not the handshakes).
 *
 * The calls output.c handles itself before any formatter's table
 * (output_begin_target, output_begin_sweep, output_plan, output_run,
 * output_broken) ask out_tee_parts and forward on their own.
 */
#include "config.h"

#include <stdlib.h>

#include "out/output_impl.h"

struct tee {
	struct output *a, *b;
	struct output_tally tally;
};

static int tee_init(struct output *o)
{
	o->state = calloc(1, sizeof(struct tee));
	return o->state != NULL ? 0 : -1;
}

static void tee_fini(struct output *o)
{
	free(o->state);
}

static void tee_begin(struct output *o, const char *host, const struct netaddr *addr, uint16_t port)
{
	struct tee *t = o->state;
	output_begin(t->a, host, addr, port);
	output_begin(t->b, host, addr, port);
}

static void tee_probe(struct output *o, const struct probe_event *e)
{
	struct tee *t = o->state;
	output_probe(t->a, e);
	output_probe(t->b, e);
}

static void tee_summary(struct output *o, const struct summary_event *e)
{
	struct tee *t = o->state;
	t->tally.ports++;
	if (e->state == PORT_OPEN)
		t->tally.ports_open++;
	output_summary(t->a, e);
	output_summary(t->b, e);
}

static void tee_session(struct output *o, const struct session_event *e)
{
	struct tee *t = o->state;
	t->tally.sessions++;
	if (e->handshake == HS_OK)
		t->tally.handshakes_ok++;
	output_session(t->a, e);
	output_session(t->b, e);
}

static void tee_check(struct output *o, const struct check_event *e)
{
	struct tee *t = o->state;
	output_check(t->a, e);
	output_check(t->b, e);
}

static void tee_script(struct output *o, const struct script_event *e)
{
	struct tee *t = o->state;
	output_script(t->a, e);
	output_script(t->b, e);
}

static void tee_error(struct output *o, const char *message)
{
	struct tee *t = o->state;
	output_error(t->a, message);
	output_error(t->b, message);
}

static void tee_target_error(struct output *o, const struct target_error_event *e)
{
	struct tee *t = o->state;
	output_target_error(t->a, e);
	output_target_error(t->b, e);
}

static int tee_end(struct output *o)
{
	struct tee *t = o->state;
	int status = output_end(t->a);
	(void)output_end(t->b);
	return status;
}

static const struct out_ops out_tee_ops = {
	.init = tee_init,
	.fini = tee_fini,
	.begin = tee_begin,
	.probe = tee_probe,
	.summary = tee_summary,
	.session = tee_session,
	.check = tee_check,
	.script = tee_script,
	.error = tee_error,
	.target_error = tee_target_error,
	.end = tee_end,
};

struct output *output_new_tee(struct output *a, struct output *b)
{
	struct output *o = calloc(1, sizeof(*o));
	if (o == NULL)
		return NULL;
	/* Not the text format: output.c's own text-only calls (the target and
	 * sweep headers) must not write to the tee, which has no stream of its
	 * own; out_tee_parts forwards them. o->out is a's so output_end's
	 * flush touches only a stream the tee's parts use. */
	o->cfg = a->cfg;
	o->cfg.format = OUT_JSON;
	o->out = a->out;
	o->ops = &out_tee_ops;
	o->end_status = -1;
	if (o->ops->init(o) < 0) {
		free(o);
		return NULL;
	}
	struct tee *t = o->state;
	t->a = a;
	t->b = b;
	return o;
}

bool out_tee_parts(const struct output *o, struct output **a, struct output **b)
{
	if (o->ops != &out_tee_ops)
		return false;
	const struct tee *t = o->state;
	*a = t->a;
	*b = t->b;
	return true;
}

void output_tee_tally(const struct output *o, struct output_tally *tally)
{
	struct output *a, *b;
	if (!out_tee_parts(o, &a, &b)) {
		*tally = (struct output_tally){ 0 };
		return;
	}
	*tally = ((const struct tee *)o->state)->tally;
}
