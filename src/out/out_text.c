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
 *
 * Two decorations are added by small helpers at the start of each line and
 * around each state word, so the lines keep their shape: -D's "[UNIX.USEC] "
 * stamp (the event's own time, as ping -D) before the line of every probe,
 * connection, check and script, and --color's ANSI colour around the state
 * and result words only (the rest of the line stays greppable as before).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "out/ladder.h"
#include "out/output_impl.h"

/* -D: "[1732950000.123456] " for an event at time_ns (CLOCK_REALTIME ns),
 * into buf (empty without -D or when the time is unknown); returns buf. */
static const char *text_stamp(const struct output *o, uint64_t time_ns, char *buf, size_t len)
{
	char t[OUT_UNIX_TIME_LEN];

	buf[0] = '\0';
	if (o->cfg.timestamps && time_ns != 0)
		snprintf(buf, len, "[%s] ", out_unix_time(time_ns, t, sizeof(t)));
	return buf;
}

#define TEXT_STAMP_LEN (OUT_UNIX_TIME_LEN + 3)

static void text_put_stamp(const struct output *o, FILE *f, uint64_t time_ns)
{
	char st[TEXT_STAMP_LEN];
	fputs(text_stamp(o, time_ns, st, sizeof(st)), f);
}

/* How a state or result word is coloured: what users of colouring tools
 * expect (green good, red bad, yellow neither). */
enum tone { TONE_NONE, TONE_GOOD, TONE_BAD, TONE_WARN };

/* word, in its tone's colour under --color, then spaces up to width (0:
 * none). The escape codes do not count towards the width, so the check
 * table's columns stay aligned. */
static void text_word(const struct output *o, FILE *f, const char *word, enum tone t, int width)
{
	static const char *const sgr[] = { "", "\033[32m", "\033[31m", "\033[33m" };
	int n = (int)strlen(word);

	if (o->cfg.color && t != TONE_NONE)
		fprintf(f, "%s%s\033[0m", sgr[t], word);
	else
		fputs(word, f);
	if (width > n)
		fprintf(f, "%*s", width - n, "");
}

static enum tone state_tone(enum port_state s)
{
	return s == PORT_OPEN ? TONE_GOOD : s == PORT_CLOSED ? TONE_BAD : TONE_WARN;
}

static enum tone check_tone(enum check_result r)
{
	return r == CHECK_PASS ? TONE_GOOD : r == CHECK_SKIP ? TONE_WARN : TONE_BAD;
}

static enum tone teardown_tone(enum teardown t)
{
	switch (t) {
	case TEARDOWN_CONFORMANT:
		return TONE_GOOD;
	case TEARDOWN_DEVIANT:
		return TONE_BAD;
	case TEARDOWN_INCOMPLETE:
		return TONE_WARN;
	default:
		return TONE_NONE;
	}
}

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
	fprintf(o->out, "TCPSHAKE %s (%s) port %u: %s\n", host, netaddr_str(addr, abuf, sizeof(abuf)),
		(unsigned)port, out_mode_words(o));
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
	text_put_stamp(o, f, e->time_ns);
	text_word(o, f, port_state_name(e->state), state_tone(e->state), 0);
	fprintf(f, " %s seq=%u", out_addr_port(&e->addr, e->port, ap, sizeof(ap)), (unsigned)e->seq);
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

/* A run of many ports: one line a port, `ADDR:PORT STATE: N probes sent,
 * ...`; a run of one probe a port, or a sweep (one probe line a port, its
 * deciding try), has said it all on the probe line already, so only -q
 * (which hides probe lines) prints it. */
static void text_summary_compact(struct output *o, const struct summary_event *e)
{
	char ap[OUT_ADDRPORT_LEN];
	FILE *f = o->out;

	if ((e->sent <= 1 || e->swept) && !o->cfg.quiet)
		return;
	if (!o->compact_started && !o->cfg.quiet)
		fputc('\n', f);
	o->compact_started = true;
	fprintf(f, "%s %s: %u %s, %u answered, %.1f%% loss", out_addr_port(&e->addr, e->port, ap, sizeof(ap)),
		port_state_name(e->state), (unsigned)e->sent,
		out_is_connect(o) ? "connections" : "probes sent", (unsigned)e->received, e->loss_pct);
	if (e->rtt.n > 0)
		fprintf(f, ", rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms", e->rtt.min, e->rtt.avg,
			e->rtt.max, e->rtt.mdev);
	fputc('\n', f);
}

static void text_summary(struct output *o, const struct summary_event *e)
{
	FILE *f = o->out;

	if (o->plan_ports > OUTPUT_BLOCKS_MAX) {
		text_summary_compact(o, e);
		return;
	}
	if (!o->cfg.quiet)
		fputc('\n', f);
	fprintf(f, "--- %s port %u tcpshake statistics ---\n", e->host, (unsigned)e->port);
	fprintf(f, "%u %s, %u answered, %.1f%% loss, port ", (unsigned)e->sent,
		out_is_connect(o) ? "connections" : "probes sent", (unsigned)e->received, e->loss_pct);
	text_word(o, f, port_state_name(e->state), state_tone(e->state), 0);
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

/* The run's totals, as nmap ends a scan:
 * `65535 ports on 1 host: 7 open, 65526 closed, 2 filtered, 0 errors in 2.31 s`. */
static void text_run(struct output *o, const struct run_event *e)
{
	FILE *f = o->out;

	fprintf(f, "\n%zu port%s on %zu host%s: %zu open, %zu closed, %zu filtered, %zu error%s in %.2f s",
		e->ports, e->ports == 1 ? "" : "s", e->hosts, e->hosts == 1 ? "" : "s", e->open, e->closed,
		e->filtered, e->errors, e->errors == 1 ? "" : "s", e->elapsed_s);
	/* A large sweep says what it cost: the SYNs, the retries among them,
	 * the rate it held, and frames the capture lost. */
	if (e->sweep && o->plan_ports > OUTPUT_BLOCKS_MAX)
		fprintf(f, " (%llu SYNs, %llu retries, %.0f/s, %llu capture drops)",
			(unsigned long long)e->sent, (unsigned long long)e->retries, e->rate_pps,
			(unsigned long long)e->capture_drops);
	fputc('\n', f);
}

static void text_session(struct output *o, const struct session_event *e)
{
	char ap[OUT_ADDRPORT_LEN];
	FILE *f = o->out;

	if (o->cfg.quiet)
		return;
	if (o->cfg.trace)
		ladder_print(f, e);
	text_put_stamp(o, f, e->time_ns);
	fprintf(f, "%s connection=%u sport=%u handshake=%s", out_addr_port(&e->addr, e->port, ap, sizeof(ap)),
		(unsigned)e->number, (unsigned)e->sport, handshake_name(e->handshake));
	if (e->handshake == HS_UNREACHABLE) {
		char nbuf[32], fbuf[NETADDR_STRLEN];
		fprintf(f, " icmp=%s from %s",
			icmp_error_name(e->addr.family, e->icmp_type, e->icmp_code, nbuf, sizeof(nbuf)),
			netaddr_str(&e->icmp_from, fbuf, sizeof(fbuf)));
	}
	if (e->rtt_valid)
		fprintf(f, " rtt=%.3f ms", e->rtt_ms);
	fprintf(f, " close=%s teardown=", e->close);
	text_word(o, f, teardown_name(e->teardown), teardown_tone(e->teardown), 0);
	fprintf(f, " segments=%zu sent=%llu B received=%llu B", e->nsegs,
		(unsigned long long)e->bytes_out, (unsigned long long)e->bytes_in);
	if (e->retrans_out || e->retrans_in)
		fprintf(f, " retransmissions=%u/%u", (unsigned)e->retrans_out, (unsigned)e->retrans_in);
	if (e->time_wait_ms > 0)
		fprintf(f, " time_wait=%.0f s (held %.3f s)", e->time_wait_ms / 1000.0,
			e->time_wait_held_ms / 1000.0);
	fputc('\n', f);
	for (size_t i = 0; i < e->ndevs; i++) {
		char buf[256];
		fprintf(f, "  deviation %s: %s\n", deviation_name(e->devs[i].code),
			deviation_format(&e->devs[i], buf, sizeof(buf)));
	}
	if (e->cause != NULL)
		fprintf(f, "  cause: %s\n", e->cause);
	if (o->cfg.print_data) {
		/* C-style escapes keep one connection's data on one line. */
		fputs("  data: \"", f);
		for (size_t i = 0; i < e->data_in_len; i++) {
			uint8_t b = e->data_in[i];
			if (b == '\n')
				fputs("\\n", f);
			else if (b == '\r')
				fputs("\\r", f);
			else if (b == '\t')
				fputs("\\t", f);
			else if (b == '"' || b == '\\')
				fprintf(f, "\\%c", b);
			else if (b >= 0x20 && b < 0x7f)
				fputc(b, f);
			else
				fprintf(f, "\\x%02x", b);
		}
		fputs("\"\n", f);
	}
	fflush(f);
}

/* --trace for a check: the segments that decided it, one a line. */
static void text_evidence(FILE *f, const struct check_event *e)
{
	for (size_t i = 0; i < e->nevidence; i++) {
		const struct conn_seg *s = &e->evidence[i];
		char flags[9];
		double t = s->t_ns >= e->t0_ns ? (double)(s->t_ns - e->t0_ns) / 1e6 : 0.0;
		fprintf(f, "    %10.3f  %s  %-5s seq %-10u ack %-10u len %u\n", t,
			s->dir == CONN_OUT ? "-->" : "<--", segment_flags_str(s->flags, flags),
			(unsigned)s->seq, (unsigned)((s->flags & TCPF_ACK) ? s->ack : 0), (unsigned)s->len);
	}
}

static void text_check(struct output *o, const struct check_event *e)
{
	FILE *f = o->out;
	char st[TEXT_STAMP_LEN];
	text_stamp(o, e->time_ns, st, sizeof(st));
	/* Under -D the header is indented by the stamp's width, over its column. */
	if (e->index == 1)
		fprintf(f, "%*s%-26s %-6s %-34s %s\n", (int)strlen(st), "", "CHECK", "RESULT",
			"REFERENCE", "DETAIL");
	if (!o->cfg.quiet || e->result == CHECK_FAIL || e->result == CHECK_ERROR) {
		fprintf(f, "%s%-26s ", st, e->id);
		text_word(o, f, check_result_name(e->result), check_tone(e->result), 6);
		fprintf(f, " %-34s %s\n", e->ref, e->detail);
		if (o->cfg.trace)
			text_evidence(f, e);
	}
	if (e->index == e->total)
		fprintf(f, "%zu checks: %zu passed, %zu failed, %zu skipped, %zu errors\n",
			e->total, o->port_checks[CHECK_PASS], o->port_checks[CHECK_FAIL],
			o->port_checks[CHECK_SKIP], o->port_checks[CHECK_ERROR]);
	fflush(f);
}

/* A list of report strings on one indented line: "  skipped: 1: socket, 2: bind". */
static void text_list(FILE *f, const char *label, const char *const *v, size_t n)
{
	if (n == 0)
		return;
	fprintf(f, "  %s: ", label);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", v[i]);
	fputc('\n', f);
}

/* One script run, packetdrill-style: "t.pkt: pass",
 * "t.pkt:5: fail: ack: expected 2, got 1", "t.pkt:4: error: why"; then the
 * detail, notes and skipped lines indented, and with --trace the ladder. */
static void text_script(struct output *o, const struct script_event *e)
{
	FILE *f = o->out;
	if (o->cfg.quiet && e->result == SCRIPT_OUTCOME_PASS)
		return;
	/* Several ports share one header: say which port the lines are for. */
	if (o->multi_port && (!o->script_where_set || o->script_port != e->port ||
			      !netaddr_eq(&o->script_addr, &e->addr))) {
		char ap[OUT_ADDRPORT_LEN];
		fprintf(f, "%s:\n", out_addr_port(&e->addr, e->port, ap, sizeof(ap)));
		o->script_where_set = true;
		o->script_addr = e->addr;
		o->script_port = e->port;
	}
	if (o->cfg.trace) {
		struct session_event se = {
			.t0_ns = e->t0_ns, .iss = e->iss, .irs = e->irs, .have_irs = e->have_irs,
			.segs = e->segs, .nsegs = e->nsegs,
		};
		ladder_print(f, &se);
	}
	text_put_stamp(o, f, e->time_ns);
	fputs(e->file, f);
	if (e->line > 0)
		fprintf(f, ":%u", e->line);
	fputs(": ", f);
	text_word(o, f, script_outcome_name(e->result),
		  e->result == SCRIPT_OUTCOME_PASS ? TONE_GOOD : TONE_BAD, 0);
	if (e->result == SCRIPT_OUTCOME_FAIL && e->field != NULL)
		fprintf(f, ": %s: expected %s, got %s\n", e->field, e->expected ? e->expected : "",
			e->actual ? e->actual : "");
	else if (e->result == SCRIPT_OUTCOME_ERROR && e->detail != NULL)
		fprintf(f, ": %s\n", e->detail);
	else
		fputc('\n', f);
	if (e->result == SCRIPT_OUTCOME_FAIL && e->detail != NULL && e->detail[0] != '\0')
		fprintf(f, "  %s\n", e->detail);
	text_list(f, "note", e->notes, e->nnotes);
	text_list(f, "skipped", e->skipped, e->nskipped);
	fflush(f);
}

static void text_error(struct output *o, const char *message)
{
	/* main prints the one `tcpshake: ...` line on stderr. */
}

static int text_end(struct output *o)
{
	if (out_scripts_total(o) > 1)
		fprintf(o->out, "%zu scripts: %zu passed, %zu failed, %zu errors\n", out_scripts_total(o),
			o->scripts[SCRIPT_OUTCOME_PASS], o->scripts[SCRIPT_OUTCOME_FAIL],
			o->scripts[SCRIPT_OUTCOME_ERROR]);
	return -1;
}

const struct out_ops out_text_ops = {
	.init = text_init,
	.fini = text_fini,
	.begin = text_begin,
	.probe = text_probe,
	.summary = text_summary,
	.session = text_session,
	.check = text_check,
	.script = text_script,
	.error = text_error,
	.run = text_run,
	.end = text_end,
};
