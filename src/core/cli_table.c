/*
 * cli_table: every option of tcpshake, one row each, in the order of the
 * man page's OPTIONS (mtr's ui/mtr.c is the model: the table drives
 * getopt_long, the parsing and --help, so they cannot drift apart).
 *
 * Most options are a kind and a field: a range-checked number, a word from a
 * list, a string, a switch. The few whose argument needs more (an address,
 * an interface name, a threshold pair, a list of script files, a file that
 * may be named once) name a take function, defined here beside their rows.
 * What depends on several options at once (conflicts, defaults that follow
 * the mode) is not a row's business: cli.c's finish() does it once the
 * whole line has been read.
 */
#include "config.h"
#include "core/cli_table.h"
#include "core/retry.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F(member) offsetof(struct options, member)

const char *const cli_mode_words[] = { "syn", "connect", "conform", "script", NULL };
static const char *const close_words[] = { "active", "passive", "half", "rst", NULL };
static const char *const guard_words[] = { "auto", "on", "off", NULL };
const char *const cli_format_words[] = { "text", "json", "nagios", "prom", NULL };
static const char *const color_words[] = { "auto", "always", "never", NULL };

/* Words are stored as their index into an enum field. */
_Static_assert(sizeof(enum mode) == sizeof(int), "enum mode is int-sized");
_Static_assert(sizeof(enum conn_close) == sizeof(int), "enum conn_close is int-sized");
_Static_assert(sizeof(enum rst_guard) == sizeof(int), "enum rst_guard is int-sized");
_Static_assert(sizeof(enum out_format) == sizeof(int), "enum out_format is int-sized");
_Static_assert(sizeof(enum color_when) == sizeof(int), "enum color_when is int-sized");

/* A threshold RTT beyond the longest timeout (600 s) could never trip. */
#define THRESHOLD_RTT_MAX 600000.0

enum cli_status cli_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return CLI_ERROR;
}

int cli_parse_decimal(const char *s, double *out)
{
	size_t digits = 0, dots = 0;
	char *end;
	double v;

	for (const char *p = s; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.' && dots == 0)
			dots++;
		else
			return -1;
	}
	if (digits == 0)
		return -1;
	/* strtod follows LC_NUMERIC; main leaves it at "C", where '.' is the
	 * decimal point. Insist on full consumption all the same. */
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || (errno == ERANGE && v != 0.0))
		return -1;
	*out = v;
	return 0;
}

int cli_pick(const char *s, const char *const *words)
{
	for (int i = 0; words[i] != NULL; i++)
		if (strcmp(s, words[i]) == 0)
			return i;
	return -1;
}

/* -f: one targets file; naming two is a mistake, not "the last wins". */
static enum cli_status take_file(const struct cli_opt *d, const char *a, struct options *o,
				 char *err, size_t errlen)
{
	(void)d;
	if (*a == '\0')
		return cli_fail(err, errlen, "-f needs a file name ('-' for stdin)");
	if (o->target_file != NULL)
		return cli_fail(err, errlen, "-f given twice ('%s' and '%s'): give one targets file",
				o->target_file, a);
	o->target_file = a;
	return CLI_OK;
}

/* -S: an address literal, kept both as typed and parsed. */
static enum cli_status take_source(const struct cli_opt *d, const char *a, struct options *o,
				   char *err, size_t errlen)
{
	(void)d;
	if (netaddr_parse(a, &o->source_addr) < 0)
		return cli_fail(err, errlen,
				"invalid source address '%s': expected an IPv4 or IPv6 address", a);
	o->source = a;
	return CLI_OK;
}

static enum cli_status take_interface(const struct cli_opt *d, const char *a, struct options *o,
				      char *err, size_t errlen)
{
	(void)d;
	if (*a == '\0' || strlen(a) >= IFNAMSIZ)
		return cli_fail(err, errlen,
				"invalid interface '%s': expected an interface name of 1 to %d characters",
				a, IFNAMSIZ - 1);
	o->iface = a;
	return CLI_OK;
}

/* "RTT_MS[,LOSS_PCT]" for --warning and --critical, into the struct
 * threshold at the row's field. */
static enum cli_status take_threshold(const struct cli_opt *d, const char *a, struct options *o,
				      char *err, size_t errlen)
{
	struct threshold *t = (struct threshold *)((char *)o + d->field);
	char buf[64];
	char *comma;
	double rtt, loss = 0.0;

	if (strlen(a) >= sizeof(buf))
		goto bad;
	strcpy(buf, a);
	comma = strchr(buf, ',');
	if (comma != NULL)
		*comma = '\0';
	if (cli_parse_decimal(buf, &rtt) < 0 || !(rtt > 0.0) || rtt > THRESHOLD_RTT_MAX)
		goto bad;
	if (comma != NULL && (cli_parse_decimal(comma + 1, &loss) < 0 || loss > 100.0))
		goto bad;
	memset(t, 0, sizeof(*t));
	t->set = true;
	t->rtt_ms = rtt;
	t->loss_set = comma != NULL;
	t->loss_pct = loss;
	return CLI_OK;
bad:
	return cli_fail(err, errlen,
			"invalid %s '%s': expected RTT_MS[,LOSS_PCT], RTT_MS above 0 and up to 600000, LOSS_PCT from 0 to 100 (fractions allowed)",
			d->what, a);
}

/* --script FILE[,FILE...]: the names are only checked for shape here (the
 * module is pure); the runner opens them. */
static enum cli_status take_scripts(const struct cli_opt *d, const char *a, struct options *o,
				    char *err, size_t errlen)
{
	(void)d;
	size_t n = strlen(a);

	if (n == 0 || a[0] == ',' || a[n - 1] == ',' || strstr(a, ",,") != NULL)
		return cli_fail(err, errlen,
				"invalid script list '%s': expected FILE[,FILE...], no name empty", a);
	o->scripts = a;
	return CLI_OK;
}

/* --seed N: any 64-bit whole number (the table's ranges are doubles,
 * which cannot hold 2^64 - 1 exactly). */
static enum cli_status take_seed(const struct cli_opt *d, const char *a, struct options *o,
				 char *err, size_t errlen)
{
	(void)d;
	char *end;
	size_t digits = strspn(a, "0123456789");

	errno = 0;
	unsigned long long v = strtoull(a, &end, 10);
	if (digits == 0 || a[digits] != '\0' || errno != 0 || *end != '\0')
		return cli_fail(err, errlen,
				"invalid seed '%s': expected a whole number from 0 to 18446744073709551615", a);
	o->seed = (unsigned long)v;
	return CLI_OK;
}

/* --serve [ADDR:]PORT: ADDR a literal (IPv6 in brackets), 127.0.0.1 when
 * left out, so the exporter is reachable from this host only until told. */
static enum cli_status take_serve(const struct cli_opt *d, const char *a, struct options *o,
				  char *err, size_t errlen)
{
	(void)d;
	char host[NETADDR_STRLEN + 2];
	const char *port = a;

	host[0] = '\0';
	if (a[0] == '[') {
		const char *close = strchr(a, ']');
		if (close == NULL || close[1] != ':' || (size_t)(close - a - 1) >= sizeof(host))
			goto bad;
		memcpy(host, a + 1, (size_t)(close - a - 1));
		host[close - a - 1] = '\0';
		port = close + 2;
	} else if (strchr(a, ':') != NULL) {
		const char *colon = strrchr(a, ':');
		if (strchr(a, ':') != colon || (size_t)(colon - a) >= sizeof(host))
			goto bad; /* a bare IPv6 address needs brackets */
		memcpy(host, a, (size_t)(colon - a));
		host[colon - a] = '\0';
		port = colon + 1;
	}
	size_t digits = strspn(port, "0123456789");
	unsigned long p = digits > 0 && digits <= 5 ? strtoul(port, NULL, 10) : 0;
	if (digits == 0 || port[digits] != '\0' || p < 1 || p > 65535)
		goto bad;
	if (netaddr_parse(host[0] != '\0' ? host : "127.0.0.1", &o->serve_addr) < 0)
		return cli_fail(err, errlen,
				"invalid --serve address '%s': expected a literal IPv4 or IPv6 address "
				"(IPv6 in brackets: [::1]:9116)", host);
	o->serve_port = (uint16_t)p;
	o->serve = true;
	return CLI_OK;
bad:
	return cli_fail(err, errlen,
			"invalid --serve '%s': expected [ADDR:]PORT, such as 9116, 0.0.0.0:9116 or "
			"[::1]:9116", a);
}

/* --shard I/N: 1 <= I <= N. */
static enum cli_status take_shard(const struct cli_opt *d, const char *a, struct options *o,
				  char *err, size_t errlen)
{
	(void)d;
	const char *slash = strchr(a, '/');
	char *end;
	unsigned long i, n;

	if (slash == NULL || slash == a || a[0] < '0' || a[0] > '9' || slash[1] < '0' || slash[1] > '9')
		goto bad;
	errno = 0;
	i = strtoul(a, &end, 10);
	if (end != slash || errno != 0)
		goto bad;
	n = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || errno != 0 || n < 1 || n > UINT32_MAX || i < 1 || i > n)
		goto bad;
	o->shard_i = i;
	o->shard_n = n;
	return CLI_OK;
bad:
	return cli_fail(err, errlen, "invalid shard '%s': expected I/N with 1 <= I <= N, like 1/4", a);
}

#define SYN (MODE_BIT(MODE_SYN))
#define CONNECT (MODE_BIT(MODE_CONNECT))
#define CONFORM (MODE_BIT(MODE_CONFORM))
#define SCRIPT (MODE_BIT(MODE_SCRIPT))

const struct cli_opt cli_opts[CLI_OPT_COUNT] = {
	[O_PORTS] = {
		"ports", 'p', "PORTS", CLI_ARG_STRING, F(ports),
		/* Checked with the targets (target.c), where port lists live. */
		.empty = "invalid port list '': expected ports 1-65535 like 22,80,443 or 8000-8100",
		.section = "Targets:",
		.help = "ports for targets that name none (default: 80)" },
	[O_FILE] = {
		"file", 'f', "FILE", CLI_ARG_CUSTOM, .take = take_file,
		.help = "read more targets from FILE, one a line; '-' is stdin, '#' starts a comment" },
	[O_MODE] = {
		"mode", 'm', "MODE", CLI_ARG_WORD, F(mode), .words = cli_mode_words, .what = "mode",
		/* The modes -m picks on its own; script mode comes with --script. */
		.expect = "syn, connect or conform",
		.section = "Probing:",
		.help = "syn, connect or conform (default: syn); script mode comes with --script" },
	[O_COUNT] = {
		"count", 'c', "N", CLI_ARG_ULONG, F(count), 0, 1000000, .what = "count",
		.noun = "a whole number",
		.help = "probes (syn) or connections (connect) per target port, 0-1000000; "
			"0 = until interrupted (default: syn 4, connect and conform 1)" },
	[O_INTERVAL] = {
		"interval", 'i', "SEC", CLI_ARG_DECIMAL, F(interval), 0.001, 3600, .what = "interval",
		.noun = "seconds",
		.help = "seconds between probes to the same target port, 0.001-3600, fractions "
			"allowed (default: 1)" },
	[O_TIMEOUT] = {
		"timeout", 'W', "SEC", CLI_ARG_DECIMAL, F(timeout), 0.001, 600, .what = "timeout",
		.noun = "seconds",
		.help = "how long to wait for an answer to a probe, 0.001-600 (default: 2); "
			"an answer whose RTT exceeds it is late, not answered" },
	[O_RATE] = {
		"rate", 0, "PPS", CLI_ARG_DECIMAL, F(rate), 0.001, 10000000, .what = "rate",
		.noun = "packets per second",
		.help = "cap on packets sent per second, all targets together, 0.001-10000000 "
			"(default: none)" },
	[O_SOURCE] = {
		"source", 'S', "ADDR", CLI_ARG_CUSTOM, .take = take_source,
		.help = "source address (default: chosen by the route)" },
	[O_SOURCE_PORT] = {
		"source-port", 's', "PORT", CLI_ARG_INT, F(source_port), 1, 65535,
		.what = "source port", .noun = "a port",
		.help = "source port, 1-65535 (default: a free ephemeral port)" },
	[O_INTERFACE] = {
		"interface", 'I', "IFACE", CLI_ARG_CUSTOM, .take = take_interface,
		.help = "capture/send interface (default: chosen by the route)" },
	[O_IPV4] = {
		"ipv4", '4', NULL, CLI_ARG_NONE,
		.help = "use only IPv4 (default: both)" },
	[O_IPV6] = {
		"ipv6", '6', NULL, CLI_ARG_NONE,
		.help = "use only IPv6 (default: both)" },
	[O_TTL] = {
		"ttl", 0, "N", CLI_ARG_INT, F(ttl), 1, 255, .what = "TTL", .noun = "a whole number",
		.help = "IP TTL / hop limit, 1-255 (default: 64)" },
	[O_MSS] = {
		"mss", 0, "N", CLI_ARG_INT, F(syn.mss_value), 1, 65535, .what = "MSS",
		.noun = "a whole number",
		.section = "TCP options offered in the SYN (default: MSS, SACK-permitted, timestamps\n"
			   "and window scale 7, like Linux):",
		.help = "MSS value, 1-65535 (default: interface MTU minus the IP and TCP headers)" },
	[O_WSCALE] = {
		"wscale", 0, "N", CLI_ARG_INT, F(syn.wscale_value), 0, 14, .what = "window scale",
		.noun = "a shift count",
		.help = "window scale shift, 0-14 (default: 7)" },
	[O_SACK] = {
		"sack", 0, NULL, CLI_ARG_NONE,
		.help = "offer SACK-permitted" },
	[O_TSOPT] = {
		"tsopt", 0, NULL, CLI_ARG_NONE,
		.help = "offer timestamps" },
	[O_NO_OPTIONS] = {
		"no-options", 0, NULL, CLI_ARG_NONE,
		.help = "offer no options but those named by --mss, --wscale, --sack and --tsopt, "
			"in any order" },
	[O_DATA] = {
		"data", 0, "STRING", CLI_ARG_STRING, F(data), .modes = CONNECT | CONFORM,
		.empty = "--data needs a non-empty string",
		.section = "Connect mode:",
		.help = "payload sent after the handshake (default: none); in conform mode, the "
			"request for the checks that need the server to talk (default-mss, "
			"time-wait-fin-acked)" },
	[O_CLOSE] = {
		"close", 0, "HOW", CLI_ARG_WORD, F(close), .words = close_words, .what = "close",
		.modes = CONNECT,
		.help = "who closes and how: active, passive, half or rst (default: active)" },
	[O_TIME_WAIT] = {
		"time-wait", 0, "SEC", CLI_ARG_DECIMAL, F(time_wait), 0, 240, .what = "time-wait",
		/* RFC 9293's 2 MSL is 240 s: holding longer serves nothing. */
		.noun = "seconds", .modes = CONNECT,
		.help = "hold TIME_WAIT this long, answering a resent FIN (0 to 240; default: the "
			"smaller of -W and 1 s; RFC 9293's 2 MSL of 240 s is reported, not held)" },
	[O_PRINT_DATA] = {
		"print-data", 0, NULL, CLI_ARG_FLAG, F(out.print_data), .modes = CONNECT,
		.help = "show the bytes the peer sent (text: escaped; JSON: a \"data\" key; the "
			"first 64 KiB)" },
	[O_CHECKS] = {
		"checks", 0, "ID,...", CLI_ARG_STRING, F(checks), .modes = CONFORM,
		.empty = "--checks needs a list of check ids (see --list-checks)",
		.section = "Conform mode:",
		.help = "run only these checks (default: all)" },
	[O_LIST_CHECKS] = {
		"list-checks", 0, NULL, CLI_ARG_FLAG, F(list_checks),
		.help = "list the checks with their RFC references, and exit (with --json: one "
			"check_info object a check)" },
	[O_CLOSED_PORT] = {
		"closed-port", 0, "PORT", CLI_ARG_INT, F(closed_port), 1, 65535,
		.what = "closed-port", .noun = "a port", .modes = CONFORM,
		.help = "a closed port of the host, for the checks that need one (default: found "
			"by a few SYNs)" },
	[O_SCRIPT] = {
		"script", 0, "FILE[,FILE...]", CLI_ARG_CUSTOM, .take = take_scripts,
		.section = "Script mode:",
		.help = "run these packetdrill-syntax scripts against each target port (implies "
			"-m script)" },
	[O_STRICT_OPTIONS] = {
		"strict-options", 0, NULL, CLI_ARG_FLAG, F(strict_options), .modes = SCRIPT,
		.help = "compare the peer's TCP options in the order and with the values the "
			"script writes (default: as a set)" },
	[O_TOLERANCE] = {
		"tolerance", 0, "MS", CLI_ARG_DECIMAL, F(tolerance_ms), 0, 60000,
		.what = "tolerance", .noun = "milliseconds", .modes = SCRIPT,
		.help = "how far a peer's segment may be from the time the script gives it, on "
			"top of the path RTT, 0-60000 (default: 20)" },
	[O_RST_GUARD] = {
		"rst-guard", 0, "WHEN", CLI_ARG_WORD, F(guard), .words = guard_words,
		.what = "rst-guard",
		.section = "Connect and conform modes:",
		.help = "keep the local kernel from resetting crafted connections: auto, on or "
			"off (default: auto)" },
	[O_JSON] = {
		"json", 0, NULL, CLI_ARG_NONE,
		.section = "Output:",
		.help = "JSON Lines on stdout (same as --format json)" },
	[O_FORMAT] = {
		"format", 0, "FORMAT", CLI_ARG_WORD, F(out.format), .words = cli_format_words,
		.what = "format",
		.help = "text, json, nagios or prom (default: text)" },
	[O_WARNING] = {
		"warning", 0, "RTT_MS[,LOSS_PCT]", CLI_ARG_CUSTOM, F(out.warning),
		.what = "warning", .take = take_threshold,
		.help = "nagios WARNING when the average RTT in ms or the loss in percent reaches "
			"these (default: none)" },
	[O_CRITICAL] = {
		"critical", 0, "RTT_MS[,LOSS_PCT]", CLI_ARG_CUSTOM, F(out.critical),
		.what = "critical", .take = take_threshold,
		.help = "nagios CRITICAL thresholds, as for --warning" },
	[O_QUIET] = {
		"quiet", 'q', NULL, CLI_ARG_FLAG, F(out.quiet),
		.help = "summaries only" },
	[O_OPEN] = {
		"open", 0, NULL, CLI_ARG_FLAG, F(open_only),
		.help = "report only target ports found open (sweeps)" },
	[O_PROGRESS] = {
		"progress", 0, NULL, CLI_ARG_FLAG, F(progress),
		.help = "a progress line on stderr even when it is not a terminal (on a terminal: "
			"shown for sweeps and conform mode unless -q)" },
	[O_TRACE] = {
		"trace", 0, NULL, CLI_ARG_FLAG, F(trace), .modes = CONNECT | CONFORM | SCRIPT,
		.help = "draw each connection as a ladder of segments with both ends' states "
			"(connect, conform and script modes)" },
	[O_PCAP] = {
		"pcap", 0, "FILE", CLI_ARG_STRING, F(pcap_file),
		.empty = "--pcap needs a file name",
		.help = "write every segment sent and received to FILE" },
	[O_TIMESTAMP] = {
		"timestamp", 'D', NULL, CLI_ARG_FLAG, F(out.timestamps),
		.help = "as ping -D: start each line of a probe, connection, check or script "
			"with the Unix time [1732950000.123456]; JSON records of those get a "
			"\"time\" key (Unix seconds)" },
	[O_OUTPUT] = {
		"output", 'o', "FILE", CLI_ARG_STRING, F(output_file),
		.empty = "-o needs a file name ('-' for stdout)",
		.help = "write the output to FILE, atomically: into a temporary file in FILE's "
			"directory, renamed over FILE when the run ends, also after an error or "
			"Ctrl-C; '-' is stdout (default)" },
	[O_COLOR] = {
		"color", 0, "WHEN", CLI_ARG_WORD, F(color), .words = color_words, .what = "color",
		.help = "colour text output's states and results (open, pass green; closed, "
			"fail red; filtered, skip yellow): auto, always or never (default: auto, "
			"on a terminal unless NO_COLOR is set)" },
	[O_EXCLUDE] = {
		"exclude", 0, "TARGETS", CLI_ARG_STRING, F(exclude), .modes = SYN,
		.empty = "--exclude needs targets, like 10.0.0.5 or 10.0.1.0/24:22,80",
		.section = "Sweeps (syn mode, -c 1 over several target ports, or a prefix or range):",
		.help = "leave these out: targets in the TARGET syntax, parted by blanks or commas; "
			"one naming no ports leaves out every port" },
	[O_EXCLUDE_FILE] = {
		"exclude-file", 0, "FILE", CLI_ARG_STRING, F(exclude_file), .modes = SYN,
		.empty = "--exclude-file needs a file name",
		.help = "leave out the targets in FILE, one a line, as in -f" },
	[O_RETRIES] = {
		"retries", 0, "N", CLI_ARG_INT, F(retries), 0, RETRIES_MAX, .what = "retries",
		.noun = "a whole number", .modes = SYN,
		.help = "send an unanswered probe again up to N times, 0-30, before its port is "
			"filtered; one retry until a retry is answered, then as many as the loss "
			"seen calls for (default: 15)" },
	[O_SEED] = {
		"seed", 0, "N", CLI_ARG_CUSTOM, .take = take_seed, .modes = SYN,
		.help = "the key of the sweep's pseudo-random order, to repeat it (default: random)" },
	[O_SHARD] = {
		"shard", 0, "I/N", CLI_ARG_CUSTOM, .take = take_shard, .modes = SYN,
		.help = "probe only the I-th of N disjoint shares of the order (same --seed on "
			"every share; default: 1/1)" },
	[O_ALLOW_LARGE] = {
		"allow-large", 0, NULL, CLI_ARG_FLAG, F(allow_large), .modes = SYN,
		.help = "accept prefixes and ranges of more than 2^24 addresses (a /8, a /104)" },
	[O_SERVE] = {
		"serve", 0, "[ADDR:]PORT", CLI_ARG_CUSTOM, .take = take_serve,
		.section = "Exporter (--serve):",
		.help = "run as a Prometheus multi-target exporter on ADDR:PORT (ADDR defaults to "
			"127.0.0.1): GET /probe?target=HOST:PORT&module=NAME, /metrics and /" },
	[O_ALLOW] = {
		"allow", 0, "CIDR[,CIDR...]", CLI_ARG_STRING, F(allow),
		.empty = "--allow needs at least one prefix or address",
		.help = "the addresses the exporter may probe (added to the config file's; "
			"nothing is allowed by default)" },
	[O_ALLOW_PORTS] = {
		"allow-ports", 0, "PORTS", CLI_ARG_STRING, F(allow_ports),
		.empty = "--allow-ports needs ports, such as 22,80,443 or 1-1024",
		.help = "the ports the exporter may probe (added to the config file's; none by "
			"default)" },
	[O_CONFIG] = {
		"config", 0, "FILE", CLI_ARG_STRING, F(config),
		.empty = "--config needs a file name",
		.help = "the exporter's YAML configuration: modules, allow list, limits (see "
			"CONFIGURATION FILE in the man page); SIGHUP reloads it" },
	[O_MAX_INFLIGHT] = {
		"max-inflight", 0, "N", CLI_ARG_ULONG, F(max_inflight), 1, CLI_INFLIGHT_MAX,
		.what = "--max-inflight", .noun = "a whole number",
		.help = "probes the exporter runs at once; beyond them a scrape gets 503 "
			"(default 32)" },
	[O_USER] = {
		"user", 0, "NAME", CLI_ARG_STRING, F(user),
		.empty = "--user needs a user name",
		.help = "the unprivileged user the exporter's HTTP process runs as when started as "
			"root (default nobody)" },
	[O_HELP] = {
		"help", 'h', NULL, CLI_ARG_NONE,
		.section = "Other:",
		.help = "show this help and exit" },
	[O_VERSION] = {
		"version", 'V', NULL, CLI_ARG_NONE,
		.help = "show the version and exit" },
};
