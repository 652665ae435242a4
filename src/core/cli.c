/*
 * cli: turns argv into a validated struct options, following the option table
 * of cli-contract.md.
 *
 * Parsing is getopt_long in GNU permutation mode, so options may follow the
 * targets ("tcpshake 10.0.0.2:80 -c 1"). It runs twice over argv: a first
 * pass only looks for -h and -V, so help and version win over any other
 * mistake on the line (fping pre-parses -h the same way) while consuming
 * option arguments exactly as the real pass does ("--data -h" is data, not
 * help). The second pass records each option with range checks; checks that
 * depend on several options (conflicts, mode-only options, defaults that
 * follow the mode) run once the whole line has been read, so their outcome
 * never depends on the order of the options.
 *
 * The module is pure: it never prints or exits. Every error is one line in
 * the caller's buffer saying what is wrong and what is allowed; main adds the
 * "tcpshake: " prefix and chooses the exit status. getopt's own messages are
 * silenced (opterr = 0) and rebuilt here for the same reason.
 */
#include "config.h"
#include "core/cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Codes of the options that have no short form (style.md: one enum from 256). */
enum long_opt {
	OPT_RATE = 256,
	OPT_TTL,
	OPT_MSS,
	OPT_WSCALE,
	OPT_SACK,
	OPT_TSOPT,
	OPT_NO_OPTIONS,
	OPT_DATA,
	OPT_CLOSE,
	OPT_RST_GUARD,
	OPT_JSON,
	OPT_FORMAT,
	OPT_WARNING,
	OPT_CRITICAL,
	OPT_TRACE,
	OPT_PCAP,
	OPT_OPEN,
	OPT_TIME_WAIT,
	OPT_PRINT_DATA,
	OPT_CHECKS,
	OPT_LIST_CHECKS,
	OPT_CLOSED_PORT,
};

/* Leading ':' makes getopt return ':' for a missing argument, so the two
 * errors can be told apart. */
static const char short_opts[] = ":p:f:m:c:i:W:S:s:I:46qhV";

/* In the order of cli-contract.md and of --help. */
static const struct option long_opts[] = {
	{ "ports", required_argument, NULL, 'p' },
	{ "file", required_argument, NULL, 'f' },
	{ "mode", required_argument, NULL, 'm' },
	{ "count", required_argument, NULL, 'c' },
	{ "interval", required_argument, NULL, 'i' },
	{ "timeout", required_argument, NULL, 'W' },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "source", required_argument, NULL, 'S' },
	{ "source-port", required_argument, NULL, 's' },
	{ "interface", required_argument, NULL, 'I' },
	{ "ipv4", no_argument, NULL, '4' },
	{ "ipv6", no_argument, NULL, '6' },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "mss", required_argument, NULL, OPT_MSS },
	{ "wscale", required_argument, NULL, OPT_WSCALE },
	{ "sack", no_argument, NULL, OPT_SACK },
	{ "tsopt", no_argument, NULL, OPT_TSOPT },
	{ "no-options", no_argument, NULL, OPT_NO_OPTIONS },
	{ "data", required_argument, NULL, OPT_DATA },
	{ "close", required_argument, NULL, OPT_CLOSE },
	{ "rst-guard", required_argument, NULL, OPT_RST_GUARD },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "warning", required_argument, NULL, OPT_WARNING },
	{ "critical", required_argument, NULL, OPT_CRITICAL },
	{ "quiet", no_argument, NULL, 'q' },
	{ "trace", no_argument, NULL, OPT_TRACE },
	{ "pcap", required_argument, NULL, OPT_PCAP },
	{ "open", no_argument, NULL, OPT_OPEN },
	{ "time-wait", required_argument, NULL, OPT_TIME_WAIT },
	{ "print-data", no_argument, NULL, OPT_PRINT_DATA },
	{ "checks", required_argument, NULL, OPT_CHECKS },
	{ "list-checks", no_argument, NULL, OPT_LIST_CHECKS },
	{ "closed-port", required_argument, NULL, OPT_CLOSED_PORT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

#define COUNT_MAX 1000000UL
#define RATE_MAX 10000000.0
/* A threshold RTT beyond the longest timeout (600 s) could never trip. */
#define THRESHOLD_RTT_MAX 600000.0

/* What the second pass saw, for the checks that need the whole line. */
struct seen {
	bool count, data, close, trace, warning, critical, time_wait, print_data, checks, closed_port;
	bool v4, v6;
	bool json;                   /* --json given */
	const char *format_arg;      /* --format's argument, when given */
	bool no_options;
	bool mss, wscale, sack, ts;  /* explicitly asked for */
};

static enum cli_status fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum cli_status fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return CLI_ERROR;
}

/* A whole number of decimal digits only: no sign, space, hex or suffix, so
 * "12abc", "", " 3", "+3" and "0x10" are all refused. Returns 0 or -1. */
static int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -1;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > (ULONG_MAX - (unsigned long)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_int(const char *s, int min, int max, int *out)
{
	unsigned long v;

	if (min < 0 || parse_ulong(s, (unsigned long)min, (unsigned long)max, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

/* A plain decimal: digits with at most one '.', at least one digit. No sign,
 * exponent, hex float, inf or nan: a user who types those made a mistake. */
static int parse_decimal(const char *s, double *out)
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

int cli_parse_seconds(const char *s, double min, double max, double *out)
{
	double v;

	if (s == NULL || parse_decimal(s, &v) < 0 || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "RTT_MS[,LOSS_PCT]" for --warning and --critical. */
static int parse_threshold(const char *s, struct threshold *t)
{
	char buf[64];
	char *comma;
	double rtt, loss;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	comma = strchr(buf, ',');
	if (comma != NULL)
		*comma = '\0';
	if (parse_decimal(buf, &rtt) < 0 || !(rtt > 0.0) || rtt > THRESHOLD_RTT_MAX)
		return -1;
	memset(t, 0, sizeof(*t));
	t->set = true;
	t->rtt_ms = rtt;
	if (comma != NULL) {
		if (parse_decimal(comma + 1, &loss) < 0 || loss > 100.0)
			return -1;
		t->loss_set = true;
		t->loss_pct = loss;
	}
	return 0;
}

/* Index of a word in a NULL-terminated list, or -1. */
static int pick(const char *s, const char *const *words)
{
	for (int i = 0; words[i] != NULL; i++)
		if (strcmp(s, words[i]) == 0)
			return i;
	return -1;
}

static const char *const mode_words[] = { "syn", "connect", "conform", NULL };
static const char *const close_words[] = { "active", "passive", "half", "rst", NULL };

const char *cli_close_name(enum close_mode c)
{
	return (unsigned)c < sizeof(close_words) / sizeof(close_words[0]) - 1 ? close_words[c] : "?";
}
static const char *const guard_words[] = { "auto", "on", "off", NULL };
static const char *const format_words[] = { "text", "json", "nagios", "prom", NULL };

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* The long option a "--name[=value]" argument selects, as getopt_long would:
 * an exact name, or an unambiguous prefix. NULL when none or ambiguous. */
static const struct option *long_lookup(const char *arg, size_t *nmatch)
{
	const char *name = arg + 2;
	size_t len = strcspn(name, "=");
	const struct option *found = NULL;

	*nmatch = 0;
	for (const struct option *o = long_opts; o->name != NULL; o++) {
		if (strncmp(o->name, name, len) != 0)
			continue;
		if (strlen(o->name) == len) {
			*nmatch = 1;
			return o;
		}
		found = o;
		(*nmatch)++;
	}
	return *nmatch == 1 ? found : NULL;
}

/* "ambiguous option '--s': could be --source, --source-port, --sack (try ...)" */
static enum cli_status ambiguous(const char *arg, char *err, size_t errlen)
{
	size_t len = strcspn(arg + 2, "=");
	char list[256] = "";
	size_t used = 0;

	for (const struct option *o = long_opts; o->name != NULL; o++) {
		if (strncmp(o->name, arg + 2, len) != 0)
			continue;
		int n = snprintf(list + used, sizeof(list) - used, "%s--%s", used ? ", " : "",
				 o->name);
		if (n < 0 || (size_t)n >= sizeof(list) - used)
			break;
		used += (size_t)n;
	}
	return fail(err, errlen, "ambiguous option '--%.*s': could be %s (try 'tcpshake --help')",
		    (int)len, arg + 2, list);
}

/* Rebuild getopt's complaint about argv[optind - 1] or optopt (which one
 * depends on whether the bad option was long, see below). */
static enum cli_status option_error(int c, char **argv, char *err, size_t errlen)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "--";
	bool is_long;
	size_t nmatch;
	const struct option *lo;

	/* glibc sets optopt to 0 for an unknown long option, to the option's
	 * code for a long option given an argument it does not take or missing
	 * one, and to the character for a short option. A code that is a known
	 * short option can only come back with '?' from the long form
	 * ("--help=x"); with ':' the element was the last one, so argv[optind-1]
	 * says which form it was. */
	if (c == ':')
		is_long = strncmp(arg, "--", 2) == 0;
	else
		is_long = optopt == 0 || optopt >= 256 ||
			  (optopt != ':' && strchr(short_opts + 1, optopt) != NULL);

	if (!is_long) {
		if (c == ':')
			return fail(err, errlen, "option '-%c' needs an argument (try 'tcpshake --help')",
				    optopt);
		if (optopt > 32 && optopt < 127)
			return fail(err, errlen, "unknown option '-%c' (try 'tcpshake --help')", optopt);
		return fail(err, errlen, "unknown option character 0x%02x (try 'tcpshake --help')",
			    (unsigned)(unsigned char)optopt);
	}

	lo = long_lookup(arg, &nmatch);
	if (lo != NULL && c == ':')
		return fail(err, errlen, "option '--%s' needs an argument (try 'tcpshake --help')",
			    lo->name);
	if (lo != NULL)
		return fail(err, errlen,
			    "option '--%s' takes no argument (try 'tcpshake --help')", lo->name);
	if (nmatch > 1)
		return ambiguous(arg, err, errlen);
	return fail(err, errlen, "unknown option '%.*s' (try 'tcpshake --help')",
		    (int)strcspn(arg, "="), arg);
}

static void set_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = MODE_SYN;
	o->count = 4;
	o->interval = 1.0;
	o->timeout = 2.0;
	o->rate = 0.0;
	o->source_port = -1;
	o->family = AF_UNSPEC;
	o->ttl = 64;
	o->syn.mss = true;
	o->syn.mss_value = 0;
	o->syn.wscale = true;
	o->syn.wscale_value = 7;
	o->syn.sack = true;
	o->syn.ts = true;
	o->close = CLOSE_ACTIVE;
	o->time_wait = -1;
	o->guard = GUARD_AUTO;
	o->out.format = OUT_TEXT;
	o->out.mode_name = mode_words[MODE_SYN];
}

/* First pass: is -h or -V on the line? The first of them wins. It runs on a
 * copy of argv: getopt permutes what it scans, and a permutation after an
 * error ("h -c" becomes "-c h") would change what the second pass reads. */
static enum cli_status prescan(int argc, char **argv)
{
	enum cli_status st = CLI_OK;
	char **copy = malloc(((size_t)argc + 1) * sizeof(*copy));
	int c;

	if (copy == NULL)
		return CLI_OK; /* no pre-scan; the real pass still sees -h/-V */
	memcpy(copy, argv, (size_t)argc * sizeof(*copy));
	copy[argc] = NULL;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, copy, short_opts, long_opts, NULL)) != -1) {
		if (c == 'h' || c == 'V') {
			st = c == 'h' ? CLI_HELP : CLI_VERSION;
			break;
		}
	}
	free(copy);
	return st;
}

/* One option of the second pass. */
static enum cli_status take(int c, char **argv, struct options *o, struct seen *sn, char *err,
			    size_t errlen)
{
	const char *a = optarg;
	unsigned long ul;
	int i;

	switch (c) {
	case 'p':
		/* Checked with the targets (target.c), where port lists live. */
		if (*a == '\0')
			return fail(err, errlen,
				    "invalid port list '': expected ports 1-65535 like 22,80,443 or 8000-8100");
		o->ports = a;
		break;
	case 'f':
		if (*a == '\0')
			return fail(err, errlen, "-f needs a file name ('-' for stdin)");
		if (o->target_file != NULL)
			return fail(err, errlen, "-f given twice ('%s' and '%s'): give one targets file",
				    o->target_file, a);
		o->target_file = a;
		break;
	case 'm':
		if ((i = pick(a, mode_words)) < 0)
			return fail(err, errlen, "invalid mode '%s': expected syn, connect or conform", a);
		o->mode = (enum mode)i;
		break;
	case 'c':
		if (parse_ulong(a, 0, COUNT_MAX, &ul) < 0)
			return fail(err, errlen,
				    "invalid count '%s': expected a whole number from 0 to 1000000", a);
		o->count = ul;
		sn->count = true;
		break;
	case 'i':
		if (cli_parse_seconds(a, 0.001, 3600.0, &o->interval) < 0)
			return fail(err, errlen,
				    "invalid interval '%s': expected seconds from 0.001 to 3600 (fractions allowed)",
				    a);
		break;
	case 'W':
		if (cli_parse_seconds(a, 0.001, 600.0, &o->timeout) < 0)
			return fail(err, errlen,
				    "invalid timeout '%s': expected seconds from 0.001 to 600 (fractions allowed)",
				    a);
		break;
	case OPT_RATE:
		if (cli_parse_seconds(a, 0.001, RATE_MAX, &o->rate) < 0)
			return fail(err, errlen,
				    "invalid rate '%s': expected packets per second from 0.001 to 10000000 (fractions allowed)",
				    a);
		break;
	case 'S':
		if (netaddr_parse(a, &o->source_addr) < 0)
			return fail(err, errlen,
				    "invalid source address '%s': expected an IPv4 or IPv6 address", a);
		o->source = a;
		break;
	case 's':
		if (parse_int(a, 1, 65535, &o->source_port) < 0)
			return fail(err, errlen,
				    "invalid source port '%s': expected a port from 1 to 65535", a);
		break;
	case 'I':
		if (*a == '\0' || strlen(a) >= IFNAMSIZ)
			return fail(err, errlen,
				    "invalid interface '%s': expected an interface name of 1 to %d characters",
				    a, IFNAMSIZ - 1);
		o->iface = a;
		break;
	case '4':
		sn->v4 = true;
		break;
	case '6':
		sn->v6 = true;
		break;
	case OPT_TTL:
		if (parse_int(a, 1, 255, &o->ttl) < 0)
			return fail(err, errlen, "invalid TTL '%s': expected a whole number from 1 to 255",
				    a);
		break;
	case OPT_MSS:
		if (parse_int(a, 1, 65535, &o->syn.mss_value) < 0)
			return fail(err, errlen, "invalid MSS '%s': expected a whole number from 1 to 65535",
				    a);
		sn->mss = true;
		break;
	case OPT_WSCALE:
		if (parse_int(a, 0, 14, &o->syn.wscale_value) < 0)
			return fail(err, errlen,
				    "invalid window scale '%s': expected a shift count from 0 to 14", a);
		sn->wscale = true;
		break;
	case OPT_SACK:
		sn->sack = true;
		break;
	case OPT_TSOPT:
		sn->ts = true;
		break;
	case OPT_NO_OPTIONS:
		sn->no_options = true;
		break;
	case OPT_DATA:
		if (*a == '\0')
			return fail(err, errlen, "--data needs a non-empty string");
		o->data = a;
		sn->data = true;
		break;
	case OPT_CLOSE:
		if ((i = pick(a, close_words)) < 0)
			return fail(err, errlen,
				    "invalid close '%s': expected active, passive, half or rst", a);
		o->close = (enum close_mode)i;
		sn->close = true;
		break;
	case OPT_CHECKS:
		if (*a == '\0')
			return fail(err, errlen, "--checks needs a list of check ids (see --list-checks)");
		o->checks = a;
		sn->checks = true;
		break;
	case OPT_LIST_CHECKS:
		o->list_checks = true;
		break;
	case OPT_CLOSED_PORT: {
		char *end;
		errno = 0;
		unsigned long v = strtoul(a, &end, 10);
		if (errno != 0 || end == a || *end != '\0' || v < 1 || v > 65535 || a[0] == '-')
			return fail(err, errlen, "invalid closed-port '%s': expected a port from 1 to 65535", a);
		o->closed_port = (int)v;
		sn->closed_port = true;
		break;
	}
	case OPT_PRINT_DATA:
		o->out.print_data = true;
		sn->print_data = true;
		break;
	case OPT_TIME_WAIT:
		/* RFC 9293's 2 MSL is 240 s: holding longer serves nothing. */
		if (cli_parse_seconds(a, 0, 240, &o->time_wait) < 0)
			return fail(err, errlen,
				    "invalid time-wait '%s': expected seconds from 0 to 240 (fractions allowed)", a);
		sn->time_wait = true;
		break;
	case OPT_RST_GUARD:
		if ((i = pick(a, guard_words)) < 0)
			return fail(err, errlen, "invalid rst-guard '%s': expected auto, on or off", a);
		o->guard = (enum rst_guard)i;
		break;
	case OPT_JSON:
		sn->json = true;
		o->out.format = OUT_JSON;
		break;
	case OPT_FORMAT:
		if ((i = pick(a, format_words)) < 0)
			return fail(err, errlen,
				    "invalid format '%s': expected text, json, nagios or prom", a);
		sn->format_arg = a;
		o->out.format = (enum out_format)i;
		break;
	case OPT_WARNING:
		if (parse_threshold(a, &o->out.warning) < 0)
			return fail(err, errlen,
				    "invalid warning '%s': expected RTT_MS[,LOSS_PCT], RTT_MS above 0 and up to 600000, LOSS_PCT from 0 to 100 (fractions allowed)",
				    a);
		sn->warning = true;
		break;
	case OPT_CRITICAL:
		if (parse_threshold(a, &o->out.critical) < 0)
			return fail(err, errlen,
				    "invalid critical '%s': expected RTT_MS[,LOSS_PCT], RTT_MS above 0 and up to 600000, LOSS_PCT from 0 to 100 (fractions allowed)",
				    a);
		sn->critical = true;
		break;
	case 'q':
		o->out.quiet = true;
		break;
	case OPT_OPEN:
		o->open_only = true;
		break;
	case OPT_TRACE:
		o->trace = true;
		sn->trace = true;
		break;
	case OPT_PCAP:
		if (*a == '\0')
			return fail(err, errlen, "--pcap needs a file name");
		o->pcap_file = a;
		break;
	case 'h':
		return CLI_HELP; /* normally answered by the first pass */
	case 'V':
		return CLI_VERSION;
	default:
		return option_error(c, argv, err, errlen);
	}
	return CLI_OK;
}

/* Checks that need the whole line, and defaults that follow other options. */
static enum cli_status finish(struct options *o, const struct seen *sn, char *err, size_t errlen)
{
	const struct threshold *w = &o->out.warning, *cr = &o->out.critical;

	if (sn->v4 && sn->v6)
		return fail(err, errlen, "-4 and -6 cannot be used together: give one, or neither for both");
	if (sn->v4)
		o->family = AF_INET;
	if (sn->v6)
		o->family = AF_INET6;
	if (o->source != NULL) {
		int sf = o->source_addr.family;

		if (o->family != AF_UNSPEC && o->family != sf)
			return fail(err, errlen, "-S %s is an %s address but %s asks for %s only",
				    o->source, family_name(sf), sn->v4 ? "-4" : "-6",
				    family_name(o->family));
		o->family = sf;
	}

	if (sn->json && sn->format_arg != NULL && pick(sn->format_arg, format_words) != OUT_JSON)
		return fail(err, errlen,
			    "--json conflicts with --format %s: --json means --format json; give one",
			    sn->format_arg);

	if (sn->data && o->mode == MODE_SYN)
		return fail(err, errlen, "--data needs -m connect or -m conform");
	if (sn->checks && o->mode != MODE_CONFORM)
		return fail(err, errlen, "--checks needs -m conform");
	if (sn->closed_port && o->mode != MODE_CONFORM)
		return fail(err, errlen, "--closed-port needs -m conform");
	if (sn->close && o->mode != MODE_CONNECT)
		return fail(err, errlen, "--close needs -m connect");
	if (sn->time_wait && o->mode != MODE_CONNECT)
		return fail(err, errlen, "--time-wait needs -m connect");
	if (sn->print_data && o->mode != MODE_CONNECT)
		return fail(err, errlen, "--print-data needs -m connect");
	if (sn->trace && o->mode == MODE_SYN)
		return fail(err, errlen, "--trace needs -m connect or -m conform");

	if (sn->warning && o->out.format != OUT_NAGIOS)
		return fail(err, errlen, "--warning needs --format nagios");
	if (sn->critical && o->out.format != OUT_NAGIOS)
		return fail(err, errlen, "--critical needs --format nagios");
	if (w->set && cr->set) {
		if (w->rtt_ms > cr->rtt_ms)
			return fail(err, errlen,
				    "--warning RTT %g ms is above --critical RTT %g ms: warning must not exceed critical",
				    w->rtt_ms, cr->rtt_ms);
		if (w->loss_set && cr->loss_set && w->loss_pct > cr->loss_pct)
			return fail(err, errlen,
				    "--warning loss %g%% is above --critical loss %g%%: warning must not exceed critical",
				    w->loss_pct, cr->loss_pct);
	}

	/* --no-options empties the set; the options asked for by name come back
	 * whatever their place on the line. Without it they only set values. */
	if (sn->no_options) {
		o->syn.mss = sn->mss;
		o->syn.wscale = sn->wscale;
		o->syn.sack = sn->sack;
		o->syn.ts = sn->ts;
	}

	if (!sn->count)
		o->count = o->mode == MODE_SYN ? 4 : 1;
	o->out.mode_name = mode_words[o->mode];
	o->out.trace = o->trace;

	/* --list-checks needs no target: it only prints the suite. */
	if (o->ntargets == 0 && o->target_file == NULL && !o->list_checks)
		return fail(err, errlen, "no target given (try 'tcpshake --help')");
	return CLI_OK;
}

enum cli_status cli_parse(int argc, char **argv, struct options *o, char *err, size_t errlen)
{
	struct seen sn;
	enum cli_status st;
	int c;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	set_defaults(o);
	memset(&sn, 0, sizeof(sn));

	st = prescan(argc, argv);
	if (st != CLI_OK)
		return st;

	/* optind = 0 makes glibc re-initialise fully (also its permutation
	 * state), so cli_parse can run again on another argv. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		st = take(c, argv, o, &sn, err, errlen);
		if (st != CLI_OK)
			return st;
	}
	/* getopt has moved the operands to the end, in their original order. */
	o->targets = argv + optind;
	o->ntargets = (size_t)(argc - optind);
	return finish(o, &sn, err, errlen);
}

void cli_usage(FILE *out)
{
	fputs(
"Usage: tcpshake [OPTION]... TARGET...\n"
"Probe TCP ports with hand-crafted segments: port state, handshake RTT, and\n"
"how both ends follow the RFC 9293 state machine.\n"
"\n"
"A TARGET is HOST, HOST:PORTS, [IPV6]:PORTS or an IPv4/IPv6 address. PORTS is\n"
"a port, a list or a range: 443, 22,80,443, 1-1024, 22,8000-8100. As in\n"
"tcping, 'tcpshake HOST PORTS' also works.\n"
"\n"
"Modes (-m):\n"
"  syn      half-open probe: SYN out; SYN-ACK, RST, ICMP error or silence\n"
"           back; then an RST frees the server's half-open entry (default)\n"
"  connect  full three-way handshake from raw segments, optional --data, then\n"
"           the close chosen by --close; every segment is checked against\n"
"           the RFC 9293 state machine of both ends\n"
"  conform  run the conformance checks against an open port of HOST\n"
"\n"
"Targets:\n"
"  -p, --ports PORTS       ports for targets that name none (default: 80)\n"
"  -f, --file FILE         read more targets from FILE, one a line; '-' is\n"
"                          stdin, '#' starts a comment\n"
"\n"
"Probing:\n"
"  -m, --mode MODE         syn, connect or conform (default: syn)\n"
"  -c, --count N           probes (syn) or connections (connect) per target\n"
"                          port, 0-1000000; 0 = until interrupted\n"
"                          (default: syn 4, connect and conform 1)\n"
"  -i, --interval SEC      seconds between probes to the same target port,\n"
"                          0.001-3600, fractions allowed (default: 1)\n"
"  -W, --timeout SEC       how long to wait for an answer to a probe,\n"
"                          0.001-600 (default: 2)\n"
"      --rate PPS          cap on packets sent per second, all targets\n"
"                          together, 0.001-10000000 (default: none)\n"
"  -S, --source ADDR       source address (default: chosen by the route)\n"
"  -s, --source-port PORT  source port, 1-65535 (default: a free ephemeral\n"
"                          port)\n"
"  -I, --interface IFACE   capture/send interface (default: chosen by the\n"
"                          route)\n"
"  -4, --ipv4              use only IPv4 (default: both)\n"
"  -6, --ipv6              use only IPv6 (default: both)\n"
"      --ttl N             IP TTL / hop limit, 1-255 (default: 64)\n"
"\n"
"TCP options offered in the SYN (default: MSS, SACK-permitted, timestamps\n"
"and window scale 7, like Linux):\n"
"      --mss N             MSS value, 1-65535 (default: interface MTU minus\n"
"                          the IP and TCP headers)\n"
"      --wscale N          window scale shift, 0-14 (default: 7)\n"
"      --sack              offer SACK-permitted\n"
"      --tsopt             offer timestamps\n"
"      --no-options        offer no options but those named by --mss,\n"
"                          --wscale, --sack and --tsopt, in any order\n"
"\n"
"Connect mode:\n"
"      --data STRING       payload sent after the handshake (default: none)\n"
"      --close HOW         who closes and how: active, passive, half or rst\n"
"                          (default: active)\n"
"      --print-data        show the bytes the peer sent (text: escaped;\n"
"                          JSON: a \"data\" key; the first 64 KiB)\n"
"      --time-wait SEC     hold TIME_WAIT this long, answering a resent FIN\n"
"                          (0 to 240; default: the smaller of -W and 1 s;\n"
"                          RFC 9293's 2 MSL of 240 s is reported, not held)\n"
"\n"
"Conform mode:\n"
"      --checks ID,...     run only these checks (default: all)\n"
"      --list-checks       list the checks with their RFC references, and exit\n"
"      --closed-port PORT  a closed port of the host, for the checks that need\n"
"                          one (default: found by a few SYNs)\n"
"      --data STRING       a request to send where a check needs the server to\n"
"                          talk (default-mss, time-wait-fin-acked)\n"
"\n"
"Connect and conform modes:\n"
"      --rst-guard WHEN    keep the local kernel from resetting crafted\n"
"                          connections: auto, on or off (default: auto)\n"
"\n"
"Output:\n"
"      --json              JSON Lines on stdout (same as --format json)\n"
"      --format FORMAT     text, json, nagios or prom (default: text)\n"
"      --warning RTT_MS[,LOSS_PCT]\n"
"                          nagios WARNING when the average RTT in ms or the\n"
"                          loss in percent reaches these (default: none)\n"
"      --critical RTT_MS[,LOSS_PCT]\n"
"                          nagios CRITICAL thresholds, as for --warning\n"
"  -q, --quiet             summaries only\n"
"      --open              report only target ports found open (sweeps)\n"
"      --trace             draw each connection as a ladder of segments with\n"
"                          both ends' states (connect and conform modes)\n"
"      --pcap FILE         write every segment sent and received to FILE\n"
"\n"
"Other:\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Exit status:\n"
"  0  every target port open (connect: and every teardown conformant;\n"
"     conform: every check passed or skipped)\n"
"  1  some target port not open, a teardown not conformant, or a check failed\n"
"  2  usage, permission or runtime error\n"
"  With --format nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (usage,\n"
"  permission or runtime error).\n"
"\n"
"Raw sockets and capture need CAP_NET_RAW; the RST guard also needs\n"
"CAP_NET_ADMIN.\n"
"\n"
"Examples:\n"
"  tcpshake example.com:443\n"
"      four SYN probes to port 443, one a second\n"
"  tcpshake -c 10 -i 0.2 10.0.0.2 22,80,443\n"
"      ten probes to each of three ports, five a second per port\n"
"  tcpshake --json -p 1-1024 10.0.0.2\n"
"      probe ports 1 to 1024, one JSON object a line\n"
"  tcpshake --format nagios --warning 50,10 --critical 200,50 example.com:443\n"
"      monitoring check: WARNING from 50 ms or 10% loss, CRITICAL from 200 ms\n"
"      or 50% loss\n"
"\n"
"See tcpshake(8) for the output formats and the conformance checks.\n",
	      out);
}
