/*
 * main: parse, pick the mode, open what needs privileges, drop them, run,
 * and turn the outcome into the documented exit status (man page, EXIT STATUS).
 *
 * The only file that prints errors or exits. Order follows OpenBSD ping:
 * everything that can be checked without privileges is checked first (so a
 * typo never needs root to be reported), then the raw sockets and capture
 * are opened, then every capability is dropped before the first packet.
 *
 * Modes are rows of one table (zmap's probe modules are the model): what
 * each needs (source ports, capture snaplen and buffer, the RST guard, the
 * check selection) and the function that runs it. Adding a mode is one row
 * and one run function; main() itself has no per-mode branch. The set-up
 * steps live in run_setup.c and run_checks.c.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "run.h"
#include "run_config.h"
#include "run_progress.h"
#include "core/cli.h"
#include "core/tcpconst.h"
#include "sys/clock.h"
#include "engine/checks.h"
#include "engine/conform.h"
#include "out/output.h"
#include "sys/atomic_file.h"
#include "sys/portres.h"
#include "sys/priv.h"
#include "sys/term.h"
#include "engine/probe.h"
#include "engine/script_mode.h"
#include "engine/session.h"
#include "engine/sweep.h"
#include "sys/wire_live.h"
#include "run_serve.h"

#define EXIT_NOT_OPEN 1
#define EXIT_ERROR 2
#define EXIT_NAGIOS_UNKNOWN 3

/* Set by SIGINT/SIGTERM/SIGHUP; main owns it, the engine only reads it. */
static volatile sig_atomic_t stop_requested;
/* The exporter's SIGHUP: read the configuration again. */
static volatile sig_atomic_t reload_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_reload(int sig)
{
	(void)sig;
	reload_requested = 1;
}

/* One line "tcpshake: ..." on stderr, an error record for --json, UNKNOWN for
 * nagios; returns the exit status to use. */
__attribute__((format(printf, 2, 3))) static int fail(struct run *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A script's syntax error is "FILE:LINE:COL: message" on its own,
	 * as compilers write it, so editors can jump to it. */
	fprintf(stderr, "%s%s\n", r->error_plain ? "" : "tcpshake: ", msg);
	if (r->out != NULL) {
		output_error(r->out, msg);
		if (r->o.out.format == OUT_NAGIOS) {
			output_end(r->out);
			return EXIT_NAGIOS_UNKNOWN;
		}
	}
	return r->o.out.format == OUT_NAGIOS ? EXIT_NAGIOS_UNKNOWN : EXIT_ERROR;
}

/* Whether argv asks for the format fmt ("nagios", "json"), read without the
 * parser (which may have stopped at an earlier error): --format FMT,
 * --format=FMT or an unambiguous prefix of --format (getopt takes "--fo"),
 * and --json for json. */
static bool wants_format(int argc, char **argv, const char *fmt)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (strcmp(fmt, "json") == 0 && strcmp(a, "--json") == 0)
			return true;
		size_t n = strcspn(a, "=");
		if (n < 4 || strncmp(a, "--format", n) != 0)
			continue;
		if (a[n] == '=' && strcmp(a + n + 1, fmt) == 0)
			return true;
		if (a[n] == '\0' && i + 1 < argc && strcmp(argv[i + 1], fmt) == 0)
			return true;
	}
	return false;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the engine's wait must return at once on Ctrl-C. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The exporter: SIGHUP reloads instead of stopping. */
static int serve(const struct options *o)
{
	install_signals();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_reload;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	struct serve_signals sig = { .stop = &stop_requested, .reload = &reload_requested };
	return run_serve(o, &sig);
}

/* A runtime error of an engine, with the capture's own reason when the
 * capture is what failed ("capture failed: <pcap's words>"). */
static int engine_fail(struct run *r, const char *err)
{
	const char *why = r->wl != NULL ? wire_live_error(r->wl) : NULL;
	if (why != NULL && strstr(err, "capture") != NULL)
		return fail(r, "%s: %s", err, why);
	return fail(r, "%s", err);
}

/* The end of a run: flush --pcap, then the error, the format's own status
 * (nagios), or 0 when all went well, else 1 (a target that could not be
 * probed is not "all well"). tot, when the mode has port totals, gets the
 * run-wide figures and goes out as the totals line / "run" record. */
static int run_status(struct run *r, int rc, const char *err, bool all_good, struct run_event *tot)
{
	wire_live_flush(r->wl);
	if (rc < 0)
		return engine_fail(r, err);
	if (tot != NULL) {
		tot->hosts = r->hosts;
		tot->errors = run_failed_ports(r);
		tot->elapsed_s = (double)(clock_monotonic_ns() - r->started_ns) / (double)NS_PER_S;

		output_run(r->out, tot);
	}
	int ns = output_end(r->out);
	if (ns >= 0)
		return ns;
	return all_good && r->nfailed == 0 ? 0 : EXIT_NOT_OPEN;
}

/* Each target that could not be probed (name, route): one line on stderr
 * and its record in the output, before the first probe. */
static void report_failures(struct run *r)
{
	for (size_t i = r->nfailed_reported; i < r->nfailed; i++) {
		const struct run_failure *f = &r->failed[i];
		fprintf(stderr, "tcpshake: %s\n", f->message);
		struct target_error_event e = {
			.host = f->t.host,
			.ports = f->t.ports.port,
			.nports = f->t.ports.n,
			.message = f->message,
		};
		output_target_error(r->out, &e);
	}
	r->nfailed_reported = r->nfailed;
}

/* Conform mode's run: exit 0 when every check passed or was skipped. */
static int run_conform(struct run *r, const struct wire *w, char *err, size_t errlen)
{
	struct conform_config cc = {
		.targets = &r->targets,
		.src = r->src,
		.mss = r->mss,
		.mtu = r->mtu,
		.sport_base = r->ports.base,
		.nsports = (uint16_t)r->ports.n,
		.tsval_base = run_random_u32(),
		.ttl = (uint8_t)r->o.ttl,
		.closed_port = (uint16_t)r->o.closed_port,
		.data = r->o.data,
		.quiet = r->o.out.quiet,
		.guarded = r->guard != NULL,
		.checks = r->checks,
		.nchecks = r->nchecks,
		.progress = run_progress_sink(r, target_list_ports(&r->targets) * r->nchecks > 1),
	};
	if (r->guard == NULL)
		fprintf(stderr, "tcpshake: warning: conform mode without the RST guard: the checks "
				"that need a connection will be skipped\n");
	struct conform_result res;
	int rc = conform_run(&cc, w, r->out, &stop_requested, &res, err, errlen);
	return run_status(r, rc, err, res.failed == 0 && res.errors == 0 && !res.interrupted, NULL);
}

/* Connect mode's run and its exit status: 0 only when every connection had
 * an ok handshake and a conformant teardown. */
static int run_connect(struct run *r, const struct wire *w, char *err, size_t errlen)
{
	struct session_config sc = {
		.targets = &r->targets,
		.src = r->src,
		.mss = r->mss,
		.mtu = r->mtu,
		.sport_base = r->ports.base,
		.nsports = (uint16_t)r->ports.n,
		.tsval_base = run_random_u32(),
		.progress = run_progress_sink(r, target_list_ports(&r->targets) > 1),
	};
	run_session_options(&r->o, &sc);
	struct session_result res;
	int rc = session_run(&sc, w, r->out, &stop_requested, &res, err, errlen);
	struct run_event tot = {
		.ports = res.ports,
		.open = res.ports_open,
		.closed = res.ports_closed,
		.filtered = res.ports_filtered,
		.sent = res.connections,
		.received = res.answered,
	};
	return run_status(r, rc, err, res.connections > 0 && res.good == res.connections, &tot);
}

/* Syn mode's run: exit 0 when every target port was found open. */
static int run_sweep(struct run *r, const struct wire *w, char *err, size_t errlen);

static int run_syn(struct run *r, const struct wire *w, char *err, size_t errlen)
{
	if (run_is_sweep(r))
		return run_sweep(r, w, err, errlen);
	struct probe_config pc = {
		.targets = &r->targets,
		.src = r->src,
		.mss = r->mss,
		.tsval_base = run_random_u32(),
		.sport_base = r->ports.base,
		.nsports = (uint16_t)r->ports.n,
		.count = r->o.count,
		.interval_ns = (uint64_t)(r->o.interval * (double)NS_PER_S),
		.timeout_ns = (uint64_t)(r->o.timeout * (double)NS_PER_S),
		.rate = r->o.rate,
		.ttl = (uint8_t)r->o.ttl,
		.syn = r->o.syn,
		.open_only = r->o.open_only,
		.progress = run_progress_sink(r, target_list_ports(&r->targets) > 1),
	};
	struct probe_result res;
	int rc = probe_run(&pc, w, r->out, &stop_requested, &res, err, errlen);
	/* Frames the kernel could not hand us may have been answers: say so
	 * rather than let them pass as filtered ports. */
	unsigned long dropped = wire_live_dropped(r->wl);
	if (dropped > 0)
		fprintf(stderr, "tcpshake: warning: the capture dropped %lu frames; "
				"some ports may be reported filtered wrongly (try --rate)\n", dropped);
	struct run_event tot = {
		.ports = res.ports,
		.open = res.ports_open,
		.closed = res.ports_closed,
		.filtered = res.ports_filtered,
		.sent = res.sent,
		.received = res.received,
	};
	return run_status(r, rc, err, res.ports_open == res.ports, &tot);
}

/* A sweep (syn mode, -c 1 over several target ports, or a prefix): exit 0
 * when every pair was found open. */
/* The next part of a streamed sweep: read, resolved, routed (its failures
 * reported), its index space built. 1 ready, 0 the end, -1 error. */
static int next_part(struct run *r, char *err, size_t errlen)
{
	for (;;) {
		long n = run_stream_next(r, err, errlen);
		if (n <= 0)
			return (int)n;
		int rr = run_resolve_and_route(r, err, errlen);
		if (rr < 0)
			return -1;
		report_failures(r);
		if (rr > 0)
			continue; /* every target of the part failed */
		int bs = run_build_space(r, err, errlen);
		if (bs < 0)
			return -1;
		if (bs == 0)
			return 1;
		/* The exclusions took the whole part: on to the next. */
	}
}

/* A sweep (syn mode, -c 1 over several target ports, or a prefix): exit 0
 * when every pair was found open. A streamed target file is swept a part
 * at a time, the totals summed. */
static int run_sweep(struct run *r, const struct wire *w, char *err, size_t errlen)
{
	struct sweep_config sc = {
		.space = &r->space,
		.targets = &r->targets,
		.hosts = r->streaming ? r->stream_targets : r->hosts,
		.header_ports = r->stream_ports,
		.sport_base = r->ports.base,
		.nsports = (uint16_t)r->ports.n,
		.tsval_base = run_random_u32(),
		.order_seed = r->o.seed,
		.shard = r->o.shard_i,
		.nshards = r->o.shard_n,
		.timeout_ns = (uint64_t)(r->o.timeout * (double)NS_PER_S),
		.rate = r->o.rate,
		.retries = (unsigned)r->o.retries,
		.ttl = (uint8_t)r->o.ttl,
		.syn = r->o.syn,
		.open_only = r->o.open_only,
		.progress = run_progress_sink(r, true),
	};
	struct sweep_result sum, res;
	size_t hosts = 0;
	int rc;
	memset(&sum, 0, sizeof(sum));
	for (;;) {
		sc.src = r->src;
		sc.mss = r->mss;
		rc = sweep_run(&sc, w, r->out, &stop_requested, &res, err, errlen);
		hosts += r->hosts;
		sweep_result_add(&sum, &res);
		if (rc < 0 || res.interrupted || !r->streaming)
			break;
		int np = next_part(r, err, errlen);
		if (np < 0)
			rc = -1;
		if (np <= 0)
			break;
		sc.continued = true;
	}
	r->hosts = hosts;
	unsigned long dropped = wire_live_dropped(r->wl);
	if (dropped > 0)
		fprintf(stderr, "tcpshake: warning: the capture dropped %lu frames; "
				"some ports may be reported filtered wrongly (try --rate)\n", dropped);
	struct run_event tot = {
		.ports = sum.ports,
		.open = sum.open,
		.closed = sum.closed,
		.filtered = sum.filtered,
		.sent = sum.sent,
		.received = sum.received,
		.sweep = true,
		.retries = sum.retries,
		.capture_drops = dropped,
		.ign_undecodable = sum.bad,
		.ign_bad_checksum = sum.bad_checksum,
		.ign_unmatched = sum.foreign,
		.ign_late = sum.late,
		.ign_duplicate = sum.duplicates,
	};
	/* The rate held while sending, not diluted by the wait for the last
	 * answers. */
	if (sum.sent > 1 && sum.last_send_ns > sum.first_send_ns)
		tot.rate_pps = (double)(sum.sent - 1) * (double)NS_PER_S /
			       (double)(sum.last_send_ns - sum.first_send_ns);
	/* More than 5% of --rate's SYNs could not go out in time: the machine
	 * (or the load on it) could not keep the pace; the totals say what it
	 * sent. */
	if (sum.rate_short * 20 > sum.sent + sum.rate_short) {
		fflush(stdout); /* after the lines so far, not amid one */
		fprintf(stderr, "tcpshake: warning: --rate %.15g was not reached: %.0f SYNs a second sent\n",
			r->o.rate, tot.rate_pps);
	}
	return run_status(r, rc, err, sum.open == sum.ports && !sum.interrupted, &tot);
}

/* Script mode's run: exit 0 when every script passed against every target
 * port, 1 when one failed, 2 when one could not run (our side). */
static int run_script(struct run *r, const struct wire *w, char *err, size_t errlen)
{
	struct script_mode_config sc = {
		.targets = &r->targets,
		.src = r->src,
		.mtu = r->mtu,
		.sport_base = r->ports.base,
		.nsports = (uint16_t)r->ports.n,
		.ttl = (uint8_t)r->o.ttl,
		.tsval_base = run_random_u32(),
		.scripts = (const struct script *const *)r->scripts,
		.nscripts = r->nscripts,
		.tolerance_ns = (uint64_t)(r->o.tolerance_ms * (double)NS_PER_MS),
		.answer_timeout_ns = (uint64_t)(r->o.timeout * (double)NS_PER_S),
		.strict_options = r->o.strict_options,
	};
	if (r->guard == NULL)
		fprintf(stderr, "tcpshake: warning: script mode without the RST guard: our own kernel "
				"may reset the connections\n");
	struct script_mode_result res;
	int rc = script_mode_run(&sc, w, r->out, &stop_requested, &res, err, errlen);
	int st = run_status(r, rc, err, res.failed == 0 && res.errors == 0 && !res.interrupted, NULL);
	/* A script that could not run is our side's error, not the peer's
	 * failure (nagios says WARNING for it on its own). */
	if (st == EXIT_NOT_OPEN && res.errors > 0 && r->o.out.format != OUT_NAGIOS)
		return EXIT_ERROR;
	return st;
}

/* Conform mode takes fresh source ports for every probe of every check,
 * so a late answer never reaches the wrong check: about 60 for the suite. */
static size_t conform_ports(const struct run *r)
{
	(void)r;
	return 128;
}

/* Enough for any header stack a SYN-ACK, RST or ICMP error can have here:
 * link (up to 20), IP with options or IPv6 extension headers, TCP with 40
 * bytes of options; an ICMP error quotes one more IP header and 8+ bytes. */
#define SYN_SNAPLEN 320
/* Modes that make connections need whole segments: their payload is
 * counted, acknowledged and recorded. */
#define WHOLE_SEGMENTS 65535
#define CONNECTION_BUFFER (2 << 20)

/* One row a mode: what it needs and what runs it. */
struct mode_def {
	enum mode mode;
	/* Source ports to reserve (unless -s names one). */
	size_t (*sports)(const struct run *r);
	/* Capture and privileges: guard means it crafts connections, so it
	 * wants the RST guard and with it CAP_NET_ADMIN besides CAP_NET_RAW. */
	struct run_needs needs;
	bool checks; /* it runs the conformance checks: --checks is resolved first */
	int (*run)(struct run *r, const struct wire *w, char *err, size_t errlen);
	/* What it reads before anything else (NULL: nothing): scripts. */
	int (*load)(struct run *r, char *err, size_t errlen);
};

static const struct mode_def modes[] = {
	{ MODE_SYN, run_syn_ports, { .guard = false, .snaplen = SYN_SNAPLEN }, false, run_syn, NULL },
	{ MODE_CONNECT, run_connect_ports,
	  { .guard = true, .snaplen = WHOLE_SEGMENTS, .buffer_bytes = CONNECTION_BUFFER }, false,
	  run_connect, NULL },
	{ MODE_CONFORM, conform_ports,
	  { .guard = true, .snaplen = WHOLE_SEGMENTS, .buffer_bytes = CONNECTION_BUFFER }, true,
	  run_conform, NULL },
	{ MODE_SCRIPT, run_script_ports,
	  { .guard = true, .snaplen = WHOLE_SEGMENTS, .buffer_bytes = CONNECTION_BUFFER }, false,
	  run_script, run_load_scripts },
};

static const struct mode_def *mode_find(enum mode m)
{
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (modes[i].mode == m)
			return &modes[i];
	return NULL;
}

/* A usage error: one line on stderr; under nagios UNKNOWN on stdout too,
 * even when the error came before --format on the line; under JSON an error
 * record, as the man page says. */
static int usage_error(const struct options *o, int argc, char **argv, const char *err)
{
	fprintf(stderr, "tcpshake: %s\n", err);
	if (o->out.format == OUT_NAGIOS || wants_format(argc, argv, "nagios")) {
		printf("TCPSHAKE UNKNOWN - %s\n", err);
		return EXIT_NAGIOS_UNKNOWN;
	}
	if (wants_format(argc, argv, "json")) {
		char esc[2048];
		output_json_escape(err, esc, sizeof(esc));
		printf("{\"type\":\"error\",\"message\":\"%s\"}\n", esc);
	}
	return EXIT_ERROR;
}

/* -o FILE: its temporary file, made before anything privileged and before
 * any packet, so a directory that does not exist or cannot be written is
 * one usage error with nothing sent. It is made with the rights the run
 * will have at its end, once every capability is dropped, because that is
 * when it is renamed. NULL when -o was not given or on error (*status
 * set: a usage error's). */
static struct atomic_file *open_output_file(const struct options *o, int argc, char **argv,
					    int *status)
{
	char err[1024], msg[1100];
	struct priv_effective pe;

	*status = 0;
	if (o->output_file == NULL)
		return NULL;
	priv_lower_effective(&pe);
	struct atomic_file *af = atomic_file_open(o->output_file, 0, err, sizeof(err));
	priv_restore_effective(&pe);
	if (af == NULL) {
		snprintf(msg, sizeof(msg), "-o %s", err);
		*status = usage_error(o, argc, argv, msg);
	}
	return af;
}

/* The end of -o: the output, complete or ended by an error or a signal,
 * renamed over FILE (a consumer sees how the run ended, not a stale
 * file). A failure here is the run's error. */
static int close_output_file(struct atomic_file *af, const struct options *o, int status)
{
	char err[1024];

	if (af == NULL || atomic_file_commit(af, err, sizeof(err)) == 0)
		return status;
	fprintf(stderr, "tcpshake: -o %s\n", err);
	return o->out.format == OUT_NAGIOS ? EXIT_NAGIOS_UNKNOWN : EXIT_ERROR;
}

/* Everything before the first packet: targets, routes, source ports, the
 * privileged opens and the drop. Returns 0; 1 when no target could be
 * probed (each failure already reported); or -1 with err. */
static int prepare(struct run *r, const struct mode_def *m, char *err, size_t errlen)
{
	if (m->load != NULL && m->load(r, err, errlen) < 0)
		return -1;
	r->error_plain = false;
	if (m->checks && run_select_checks(r, err, errlen) < 0)
		return -1;
	if (run_load_targets(r, err, errlen) < 0)
		return -1;
	int rr = run_resolve_and_route(r, err, errlen);
	if (rr < 0)
		return -1;
	report_failures(r);
	if (rr > 0)
		return 1;
	if (run_is_sweep(r) && run_build_space(r, err, errlen) != 0)
		return -1;
	output_plan(r->out, r->streaming ? (size_t)r->stream_ports
			    : run_is_sweep(r) ? (size_t)r->space.n : target_list_ports(&r->targets));
	if (!priv_can_raw()) {
		priv_missing_message(err, errlen);
		return -1;
	}
	int pr;
	if (r->o.source_port > 0)
		pr = portres_reserve_port((uint16_t)r->o.source_port, &r->ports, err, errlen);
	else
		pr = portres_reserve_block(m->sports(r), &r->ports, err, errlen);
	if (pr < 0)
		return -1;
	if (pr == 1)
		fprintf(stderr, "tcpshake: warning: source port %d is in use by this host; "
				"its traffic may be mistaken for replies\n", r->o.source_port);
	return run_open_privileged(r, &m->needs, err, errlen);
}

int main(int argc, char **argv)
{
	struct run r;
	char err[1024];
	int status, pr;

	memset(&r, 0, sizeof(r));
	portres_init(&r.ports);
	switch (cli_parse(argc, argv, &r.o, err, sizeof(err))) {
	case CLI_HELP:
		cli_usage(stdout);
		return 0;
	case CLI_VERSION:
		printf("tcpshake %s\n", PACKAGE_VERSION);
		return 0;
	case CLI_ERROR:
		return usage_error(&r.o, argc, argv, err);
	case CLI_OK:
		break;
	}
	if (r.o.serve)
		return serve(&r.o);

	struct atomic_file *outfile = open_output_file(&r.o, argc, argv, &status);
	if (status != 0)
		return status;
	FILE *stream = outfile != NULL ? atomic_file_stream(outfile) : stdout;
	/* A file is no terminal: --color auto leaves -o's output plain. */
	r.o.out.color = cli_color_wanted(r.o.color, r.o.out.format,
					 outfile == NULL && term_is_tty(stdout), getenv("NO_COLOR"));
	r.out = output_new(&r.o.out, run_progress_stream(&r, stream));
	if (r.out == NULL) {
		fprintf(stderr, "tcpshake: out of memory\n");
		atomic_file_discard(outfile);
		return EXIT_ERROR;
	}
	const struct mode_def *m = mode_find(r.o.mode);
	if (r.o.list_checks) {
		if (run_load_suite(&r, err, sizeof(err)) < 0) {
			status = fail(&r, "%s", err);
		} else {
			run_list_checks(&r, stream);
			status = 0;
		}
	} else if (m == NULL) {
		status = fail(&r, "-m %s: this build has no runner for it yet", r.o.out.mode_name);
	} else if ((pr = prepare(&r, m, err, sizeof(err))) < 0) {
		status = fail(&r, "%s", err);
	} else if (pr > 0) {
		/* Every target failed, each said so: nothing was probed. */
		int ns = output_end(r.out);
		status = r.o.out.format == OUT_NAGIOS && ns >= 0 ? ns : EXIT_ERROR;
	} else {
		/* Wake-ups are timed to the microsecond; the default 50 us
		 * slack is too loose. */
		prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
		install_signals();
		r.started_ns = clock_monotonic_ns();
		struct wire w;
		wire_live_bind(r.wl, &w);
		status = m->run(&r, &w, err, sizeof(err));
	}
	fflush(stdout);
	status = close_output_file(outfile, &r.o, status);
	run_free(&r);
	run_progress_close(&r);
	return status;
}
