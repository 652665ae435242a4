/*
 * out_text: ping-like lines for people, and for scripts that grep them.
 *
 * A header per target port, a line per probe as its outcome is known, and a
 * ping-style statistics block per target port at the end. Every field is
 * `name=value` so a line can be picked apart with a regular expression; the
 * exact spellings are pinned by tests/unit/test_output.c and the integration
 * tests. Lines are flushed as they are printed so `| grep --line-buffered`
 * and friends see each probe when it happens. Quiet mode keeps only the
 * statistics block.
 */
#include "config.h"

#include <stdio.h>

#include "output_impl.h"

static int text_init(struct output *o)
{
	return 0;
}

static void text_fini(struct output *o)
{
}

static void text_begin(struct output *o, const char *host, const struct netaddr *addr, uint16_t port)
{
	char abuf[NETADDR_STRLEN];

	if (o->cfg.quiet)
		return;
	fprintf(o->out, "TCPSHAKE %s (%s) port %u: SYN probes\n", host, netaddr_str(addr, abuf, sizeof(abuf)),
		(unsigned)port);
	fflush(o->out);
}

static void text_options(FILE *f, const struct tcp_options *opt)
{
	if (opt->mss_present)
		fprintf(f, " mss=%u", (unsigned)opt->mss);
	if (opt->wscale_present)
		fprintf(f, " ws=%u", (unsigned)opt->wscale);
	if (opt->sack_permitted)
		fputs(" sack", f);
	if (opt->ts_present)
		fputs(" ts", f);
}

static void text_probe(struct output *o, const struct probe_event *e)
{
	char ap[OUT_ADDRPORT_LEN];
	FILE *f = o->out;

	if (o->cfg.quiet)
		return;
	fprintf(f, "%s %s seq=%u", port_state_name(e->state), out_addr_port(&e->addr, e->port, ap, sizeof(ap)),
		(unsigned)e->seq);
	if (!e->answered) {
		fputs(" no reply\n", f);
		fflush(f);
		return;
	}
	if (e->reply == REPLY_ICMP) {
		char nbuf[32], fbuf[NETADDR_STRLEN];
		fprintf(f, " icmp=%s from %s ttl=%u rtt=%.3f ms",
			icmp_error_name(e->addr.family, e->icmp_type, e->icmp_code, nbuf, sizeof(nbuf)),
			netaddr_str(&e->icmp_from, fbuf, sizeof(fbuf)), (unsigned)e->ttl, e->rtt_ms);
	} else {
		char flags[9];
		fprintf(f, " flags=%s ttl=%u win=%u rtt=%.3f ms", segment_flags_str(e->flags, flags),
			(unsigned)e->ttl, (unsigned)e->win, e->rtt_ms);
		if (e->reply == REPLY_SA)
			text_options(f, &e->opt);
	}
	if (e->ts_source == TS_USER)
		fputs(" (user-space timestamp)", f);
	fputc('\n', f);
	fflush(f);
}

static void text_summary(struct output *o, const struct summary_event *e)
{
	FILE *f = o->out;

	if (!o->cfg.quiet)
		fputc('\n', f);
	fprintf(f, "--- %s port %u tcpshake statistics ---\n", e->host, (unsigned)e->port);
	fprintf(f, "%u probes sent, %u answered, %.1f%% loss, port %s", (unsigned)e->sent,
		(unsigned)e->received, e->loss_pct, port_state_name(e->state));
	if (e->duplicates)
		fprintf(f, ", %u duplicate(s)", (unsigned)e->duplicates);
	if (e->bad_checksum)
		fprintf(f, ", %u bad checksum(s)", (unsigned)e->bad_checksum);
	if (e->late)
		fprintf(f, ", %u late", (unsigned)e->late);
	fputc('\n', f);
	if (e->rtt.n > 0) {
		fprintf(f, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", e->rtt.min, e->rtt.avg,
			e->rtt.max, e->rtt.mdev);
		fprintf(f, "rtt p50/p90/p99 = %.3f/%.3f/%.3f ms\n", e->rtt.p50, e->rtt.p90, e->rtt.p99);
	}
	/* No flush: summaries come in one burst at the end; output_end flushes. */
}

static void text_error(struct output *o, const char *message)
{
	/* main prints the one `tcpshake: ...` line on stderr. */
}

static int text_end(struct output *o)
{
	return -1;
}

const struct out_ops out_text_ops = {
	.init = text_init,
	.fini = text_fini,
	.begin = text_begin,
	.probe = text_probe,
	.summary = text_summary,
	.error = text_error,
	.end = text_end,
};
