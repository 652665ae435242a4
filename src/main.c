/*
 * main: parse, pick the mode, open what needs privileges, drop them, run,
 * and turn the outcome into the exit status of cli-contract.md.
 *
 * The only file that prints errors or exits. Order follows OpenBSD ping:
 * everything that can be checked without privileges is checked first (so a
 * typo never needs root to be reported), then the raw sockets and capture
 * are opened, then every capability is dropped before the first packet.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "core/cli.h"
#include "sys/clock.h"
#include "engine/checks.h"
#include "engine/conform.h"
#include "core/filter.h"
#include "sys/guard.h"
#include "out/output.h"
#include "sys/portres.h"
#include "sys/priv.h"
#include "engine/probe.h"
#include "sys/route.h"
#include "engine/session.h"
#include "core/target.h"
#include "sys/wire_live.h"

#define EXIT_NOT_OPEN 1
#define EXIT_ERROR 2
#define EXIT_NAGIOS_UNKNOWN 3

/* Set by SIGINT/SIGTERM/SIGHUP; main owns it, the engine only reads it. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct run {
	struct options o;
	struct target_list targets;
	struct netaddr *src;
	uint16_t *mss;
	uint16_t *mtu; /* per target: the route's link MTU, for the engines' MSS */
	struct output *out;
	struct portres ports;
	struct wire_live *wl;
	struct guard *guard;
	const struct check_def **checks; /* conform: the checks chosen */
	size_t nchecks;
	char capture_if[IF_NAMESIZE];
	bool want4, want6;
};

static void run_free(struct run *r)
{
	wire_live_close(r->wl);
	guard_close(r->guard);
	free(r->checks);
	portres_release(&r->ports);
	output_free(r->out);
	free(r->src);
	free(r->mss);
	free(r->mtu);
	target_list_free(&r->targets);
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
	fprintf(stderr, "tcpshake: %s\n", msg);
	if (r->out != NULL) {
		output_error(r->out, msg);
		if (r->o.out.format == OUT_NAGIOS) {
			output_end(r->out);
			return EXIT_NAGIOS_UNKNOWN;
		}
	}
	return r->o.out.format == OUT_NAGIOS ? EXIT_NAGIOS_UNKNOWN : EXIT_ERROR;
}

static int load_targets(struct run *r, char *err, size_t errlen)
{
	if (targets_from_args(r->o.targets, r->o.ntargets, r->o.ports, &r->targets, err, errlen) < 0)
		return -1;
	if (r->o.target_file != NULL) {
		bool is_stdin = strcmp(r->o.target_file, "-") == 0;
		FILE *f = is_stdin ? stdin : fopen(r->o.target_file, "r");
		if (f == NULL) {
			snprintf(err, errlen, "cannot read targets from '%s': %s", r->o.target_file,
				 strerror(errno));
			return -1;
		}
		char ferr[400];
		int rc = targets_from_file(f, r->o.ports, &r->targets, ferr, sizeof(ferr));
		if (!is_stdin)
			fclose(f);
		if (rc < 0) {
			snprintf(err, errlen, "%s: %s", r->o.target_file, ferr);
			return -1;
		}
	}
	if (r->targets.n == 0) {
		snprintf(err, errlen, "no target given (try 'tcpshake --help')");
		return -1;
	}
	return 0;
}

/* Resolve every target and ask the kernel for its route. All targets on one
 * interface are captured there; targets on several interfaces on "any". */
static int resolve_and_route(struct run *r, char *err, size_t errlen)
{
	struct netaddr forced;
	memset(&forced, 0, sizeof(forced));
	if (r->o.source != NULL && netaddr_parse(r->o.source, &forced) < 0) {
		snprintf(err, errlen, "invalid source address '%s'", r->o.source);
		return -1;
	}
	int family = r->o.family;
	if (family == AF_UNSPEC && forced.family != 0)
		family = forced.family; /* -S picks the family names resolve to */
	r->src = calloc(r->targets.n, sizeof(*r->src));
	r->mss = calloc(r->targets.n, sizeof(*r->mss));
	r->mtu = calloc(r->targets.n, sizeof(*r->mtu));
	if (r->src == NULL || r->mss == NULL || r->mtu == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < r->targets.n; i++) {
		struct target *t = &r->targets.t[i];
		struct route rt;
		if (target_resolve(t->host, family, &t->addr, err, errlen) < 0)
			return -1;
		if (route_lookup(&t->addr, r->o.iface, &forced, &rt, err, errlen) < 0)
			return -1;
		r->src[i] = rt.src;
		/* Offer what the kernel would: MTU minus the IP and TCP headers. */
		int mss = rt.mtu - (t->addr.family == AF_INET6 ? 60 : 40);
		r->mss[i] = (uint16_t)(mss < 536 ? 536 : mss > 65495 ? 65495 : mss);
		r->mtu[i] = (uint16_t)(rt.mtu > 65535 ? 65535 : rt.mtu < 0 ? 0 : rt.mtu);
		if (t->addr.family == AF_INET6)
			r->want6 = true;
		else
			r->want4 = true;
		if (i == 0)
			snprintf(r->capture_if, sizeof(r->capture_if), "%s", rt.ifname);
		else if (strcmp(r->capture_if, rt.ifname) != 0)
			snprintf(r->capture_if, sizeof(r->capture_if), "any");
	}
	return 0;
}

/*
 * How many source ports a run needs so no probe reuses the 4-tuple of one
 * the server may still hold half-open: every probe of a target port sent
 * while an earlier one can still be answered (the timeout, or the server's
 * first SYN-ACK retransmission after about 1 s when ours was lost) needs a
 * port of its own. Never more than there are probes per target port.
 */
static size_t source_ports_needed(const struct options *o)
{
	double window = o->timeout > 1.5 ? o->timeout : 1.5;
	double n = window / o->interval + 2;
	size_t need = n > PORTRES_MAX ? PORTRES_MAX : (size_t)n;
	if (o->count > 0 && o->count < need)
		need = o->count;
	return need ? need : 1;
}

/* Connect mode: each connection takes the next port of the block, so no
 * connection meets a server still holding the 4-tuple of an earlier one in
 * TIME_WAIT; the block is reused round-robin beyond its size. */
static size_t connect_ports_needed(const struct options *o, size_t flows)
{
	size_t want = o->count == 0 ? 64 : (size_t)o->count * flows;
	if (want > 64)
		want = 64;
	return want ? want : 1;
}

/* Enough for any header stack a SYN-ACK, RST or ICMP error can have here:
 * link (up to 20), IP with options or IPv6 extension headers, TCP with 40
 * bytes of options; an ICMP error quotes one more IP header and 8+ bytes. */
#define SYN_SNAPLEN 320

/* Room in the kernel for every target port's SYN and answer in flight at
 * once (a sweep sends faster than it reads), within 256 KiB..8 MiB: the
 * engine drains the capture every few sends, so the backlog stays far below
 * a whole sweep. Small for small runs: setting up and tearing down the ring
 * is a visible part of a one-probe run. */
static int capture_buffer_bytes(size_t ports)
{
	size_t want = (256u << 10) + ports * 2 * (SYN_SNAPLEN + 64);
	size_t max = 8u << 20;
	return (int)(want > max ? max : want);
}

/*
 * The RST guard (connect mode): one rule per target port, for our source
 * address and port block. auto falls back to running unguarded with a
 * warning when the table cannot be made (no CAP_NET_ADMIN, no nftables);
 * on makes that an error.
 */
static int open_guard(struct run *r, char *err, size_t errlen)
{
	if (r->o.guard == GUARD_OFF)
		return 0;
	size_t n = target_list_ports(&r->targets), k = 0;
	struct guard_rule *rules = calloc(n ? n : 1, sizeof(*rules));
	if (rules == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t ti = 0; ti < r->targets.n; ti++) {
		const struct target *t = &r->targets.t[ti];
		for (size_t pi = 0; pi < t->ports.n; pi++, k++) {
			rules[k].local = r->src[ti];
			rules[k].remote = t->addr;
			rules[k].lport_lo = r->ports.base;
			rules[k].lport_hi = (uint16_t)(r->ports.base + r->ports.n - 1);
			rules[k].rport = t->ports.port[pi];
		}
	}
	char gerr[512];
	r->guard = guard_open(rules, k, gerr, sizeof(gerr));
	free(rules);
	if (r->guard != NULL)
		return 0;
	if (r->o.guard == GUARD_ON) {
		snprintf(err, errlen, "cannot set up the RST guard: %s%s", gerr,
			 errno == EPERM ? " (it needs CAP_NET_ADMIN: sudo setcap "
					  "cap_net_raw,cap_net_admin+ep tcpshake)" : "");
		return -1;
	}
	fprintf(stderr, "tcpshake: warning: no RST guard (%s); the local kernel will likely "
			"reset crafted connections\n", gerr);
	return 0;
}

static int open_privileged(struct run *r, char *err, size_t errlen)
{
	char filt[512];
	int family = r->want4 && r->want6 ? AF_UNSPEC : r->want6 ? AF_INET6 : AF_INET;
	if (filter_build_range(r->ports.base, (uint16_t)(r->ports.base + r->ports.n - 1), family, filt,
			       sizeof(filt)) < 0) {
		snprintf(err, errlen, "capture filter too long");
		return -1;
	}
	bool connect = r->o.mode != MODE_SYN; /* connect and conform craft connections */
	if (connect && open_guard(r, err, errlen) < 0)
		return -1;
	struct wire_live_config wc = {
		.want4 = r->want4,
		.want6 = r->want6,
		.bind_iface = r->o.iface,
		.cap_iface = r->capture_if,
		.filter = filt,
		.pcap_path = r->o.pcap_file,
		/* Connect mode needs whole segments: their payload is counted,
		 * acknowledged and recorded. */
		.snaplen = connect ? 65535 : SYN_SNAPLEN,
		.buffer_bytes = connect ? (2 << 20) : capture_buffer_bytes(target_list_ports(&r->targets)),
		.mark = r->guard != NULL ? GUARD_MARK : 0,
	};
	r->wl = wire_live_open(&wc, err, errlen);
	if (r->wl == NULL) {
		if (errno == EPERM || errno == EACCES)
			priv_missing_message(err, errlen);
		return -1;
	}
	return priv_drop(err, errlen);
}

/* A random 32-bit value (our TSval base, as Linux offsets its clock). */
static uint32_t random_u32(void)
{
	uint32_t v = 0;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = (uint32_t)clock_realtime_ns();
	return v;
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

/* A runtime error of an engine, with the capture's own reason when the
 * capture is what failed ("capture failed: <pcap's words>"). */
static int engine_fail(struct run *r, const char *err)
{
	const char *why = r->wl != NULL ? wire_live_error(r->wl) : NULL;
	if (why != NULL && strstr(err, "capture") != NULL)
		return fail(r, "%s: %s", err, why);
	return fail(r, "%s", err);
}

/* Conform mode takes fresh source ports for every probe of every check,
 * so a late answer never reaches the wrong check: about 60 for the suite. */
#define CONFORM_PORTS 128

static void list_checks(FILE *f)
{
	size_t n;
	const struct check_def *c = checks_all(&n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%-26s %-34s %s%s%s\n", c[i].id, c[i].ref, c[i].what,
			c[i].slow ? " (slow)" : "", c[i].needs_closed ? " (needs a closed port)" : "");
}

/* --checks ID,ID (or all of them), checked before any privilege is used. */
static int select_checks(struct run *r, char *err, size_t errlen)
{
	size_t n;
	const struct check_def *all = checks_all(&n);
	r->checks = calloc(n, sizeof(*r->checks));
	if (r->checks == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (r->o.checks == NULL) {
		for (size_t i = 0; i < n; i++)
			r->checks[r->nchecks++] = &all[i];
		return 0;
	}
	const char *p = r->o.checks;
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		char id[64];
		snprintf(id, sizeof(id), "%.*s", (int)(len < sizeof(id) - 1 ? len : sizeof(id) - 1), p);
		const struct check_def *d = checks_find(id);
		if (d == NULL) {
			snprintf(err, errlen, "unknown check '%s' (see --list-checks)", id);
			return -1;
		}
		bool dup = false;
		for (size_t i = 0; i < r->nchecks; i++)
			dup = dup || r->checks[i] == d;
		if (!dup && r->nchecks < n)
			r->checks[r->nchecks++] = d;
		p += len;
		if (*p == ',')
			p++;
	}
	if (r->nchecks == 0) {
		snprintf(err, errlen, "--checks names no check (see --list-checks)");
		return -1;
	}
	return 0;
}

/* The end of a connect or conform run: flush --pcap, then the error, the
 * format's own status (nagios), or 0 when all went well, else 1. */
static int run_status(struct run *r, int rc, const char *err, bool all_good)
{
	wire_live_flush(r->wl);
	if (rc < 0)
		return engine_fail(r, err);
	int ns = output_end(r->out);
	if (ns >= 0)
		return ns;
	return all_good ? 0 : EXIT_NOT_OPEN;
}

/* Conform mode's run: exit 0 when every check passed or was skipped. */
static int run_conform(struct run *r, const struct wire *w, char *err, size_t errlen)
{
	struct conform_config cc = {
		.opt = &r->o,
		.targets = &r->targets,
		.src = r->src,
		.mss = r->mss,
		.mtu = r->mtu,
		.sport_base = r->ports.base,
		.nsports = (uint16_t)r->ports.n,
		.tsval_base = random_u32(),
		.checks = r->checks,
		.nchecks = r->nchecks,
	};
	if (r->guard == NULL)
		fprintf(stderr, "tcpshake: warning: conform mode without the RST guard: the checks "
				"that need a connection will fail\n");
	struct conform_result res;
	int rc = conform_run(&cc, w, r->out, &stop_requested, &res, err, errlen);
	return run_status(r, rc, err, res.failed == 0 && res.errors == 0 && !res.interrupted);
}

/* Connect mode's run and its exit status: 0 only when every connection had
 * an ok handshake and a conformant teardown. */
static int run_connect(struct run *r, const struct wire *w, char *err, size_t errlen)
{
	struct session_config sc = {
		.opt = &r->o,
		.targets = &r->targets,
		.src = r->src,
		.mss = r->mss,
		.mtu = r->mtu,
		.sport_base = r->ports.base,
		.nsports = (uint16_t)r->ports.n,
		.tsval_base = random_u32(),
	};
	struct session_result res;
	int rc = session_run(&sc, w, r->out, &stop_requested, &res, err, errlen);
	return run_status(r, rc, err, res.connections > 0 && res.good == res.connections);
}

int main(int argc, char **argv)
{
	struct run r;
	char err[1024];
	int status;

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
		fprintf(stderr, "tcpshake: %s\n", err);
		/* Under nagios a usage error is UNKNOWN, and says so on stdout,
		 * even when the error came before --format on the line; under
		 * JSON it is an error record, as the contract has it. */
		if (r.o.out.format == OUT_NAGIOS || wants_format(argc, argv, "nagios")) {
			printf("TCPSHAKE UNKNOWN - %s\n", err);
			return EXIT_NAGIOS_UNKNOWN;
		}
		if (wants_format(argc, argv, "json")) {
			char esc[2048];
			output_json_escape(err, esc, sizeof(esc));
			printf("{\"type\":\"error\",\"message\":\"%s\"}\n", esc);
		}
		return EXIT_ERROR;
	case CLI_OK:
		break;
	}

	r.out = output_new(&r.o.out, stdout);
	if (r.out == NULL) {
		fprintf(stderr, "tcpshake: out of memory\n");
		return EXIT_ERROR;
	}
	if (r.o.list_checks) {
		list_checks(stdout);
		status = 0;
		goto out;
	}
	if (r.o.mode == MODE_CONFORM && select_checks(&r, err, sizeof(err)) < 0) {
		status = fail(&r, "%s", err);
		goto out;
	}
	if (load_targets(&r, err, sizeof(err)) < 0 || resolve_and_route(&r, err, sizeof(err)) < 0) {
		status = fail(&r, "%s", err);
		goto out;
	}
	if (!priv_can_raw()) {
		priv_missing_message(err, sizeof(err));
		status = fail(&r, "%s", err);
		goto out;
	}
	int pr;
	if (r.o.source_port > 0)
		pr = portres_reserve_port((uint16_t)r.o.source_port, &r.ports, err, sizeof(err));
	else if (r.o.mode == MODE_CONNECT)
		pr = portres_reserve_block(connect_ports_needed(&r.o, target_list_ports(&r.targets)),
					   &r.ports, err, sizeof(err));
	else if (r.o.mode == MODE_CONFORM)
		pr = portres_reserve_block(CONFORM_PORTS, &r.ports, err, sizeof(err));
	else
		pr = portres_reserve_block(source_ports_needed(&r.o), &r.ports, err, sizeof(err));
	if (pr < 0) {
		status = fail(&r, "%s", err);
		goto out;
	}
	if (pr == 1)
		fprintf(stderr, "tcpshake: warning: source port %d is in use by this host; "
				"its traffic may be mistaken for replies\n", r.o.source_port);
	if (open_privileged(&r, err, sizeof(err)) < 0) {
		status = fail(&r, "%s", err);
		goto out;
	}
	/* Wake-ups are timed to the microsecond; the default 50 us slack is too loose. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	install_signals();

	struct wire w;
	wire_live_bind(r.wl, &w);
	if (r.o.mode == MODE_CONNECT) {
		status = run_connect(&r, &w, err, sizeof(err));
		goto out;
	}
	if (r.o.mode == MODE_CONFORM) {
		status = run_conform(&r, &w, err, sizeof(err));
		goto out;
	}
	struct probe_config pc = {
		.opt = &r.o,
		.targets = &r.targets,
		.src = r.src,
		.mss = r.mss,
		.tsval_base = random_u32(),
		.sport_base = r.ports.base,
		.nsports = (uint16_t)r.ports.n,
	};
	struct probe_result res;
	int rc = probe_run(&pc, &w, r.out, &stop_requested, &res, err, sizeof(err));
	wire_live_flush(r.wl);
	/* Frames the kernel could not hand us may have been answers: say so
	 * rather than let them pass as filtered ports. */
	unsigned long dropped = wire_live_dropped(r.wl);
	if (dropped > 0)
		fprintf(stderr, "tcpshake: warning: the capture dropped %lu frames; "
				"some ports may be reported filtered wrongly (try --rate)\n", dropped);
	if (rc < 0) {
		status = engine_fail(&r, err);
		goto out;
	}
	int ns = output_end(r.out);
	if (ns >= 0)
		status = ns;
	else
		status = res.ports_open == res.ports ? 0 : EXIT_NOT_OPEN;
out:
	fflush(stdout);
	run_free(&r);
	return status;
}
