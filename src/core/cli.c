/*
 * cli: turns argv into a validated struct options, driven by the option
 * table of cli_table.c.
 *
 * Parsing is getopt_long in GNU permutation mode, so options may follow the
 * targets ("tcpshake 10.0.0.2:80 -c 1"); its option array and short-option
 * string are built from the table for each parse (no global state). It runs
 * twice over argv: a first pass only looks for -h and -V, so help and
 * version win over any other mistake on the line (fping pre-parses -h the
 * same way) while consuming option arguments exactly as the real pass does
 * ("--data -h" is data, not help). The second pass stores each option as its
 * row says, with range checks; checks that depend on several options
 * (conflicts, options of other modes, defaults that follow the mode) run
 * once the whole line has been read, so their outcome never depends on the
 * order of the options.
 *
 * The module is pure: it never prints or exits. Every error is one line in
 * the caller's buffer saying what is wrong and what is allowed; main adds the
 * "tcpshake: " prefix and chooses the exit status. getopt's own messages are
 * silenced (opterr = 0) and rebuilt here for the same reason.
 */
#include "config.h"
#include "core/cli.h"
#include "core/retry.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/cli_table.h"

/* getopt_long's inputs, made from the table. Leading ':' in shorts makes
 * getopt return ':' for a missing argument, so the two errors can be told
 * apart. */
struct getopt_spec {
	struct option longs[CLI_OPT_COUNT + 1];
	char shorts[2 + 2 * CLI_OPT_COUNT + 1];
};

/* What the second pass saw: each row's argument ("" for a switch), NULL
 * when the option was not given; the last one wins. */
struct seen {
	const char *given[CLI_OPT_COUNT];
};

static void build_spec(struct getopt_spec *g)
{
	size_t k = 0;

	g->shorts[k++] = ':';
	for (size_t i = 0; i < CLI_OPT_COUNT; i++) {
		const struct cli_opt *d = &cli_opts[i];

		g->longs[i] = (struct option){ d->name, d->metavar ? required_argument : no_argument,
					       NULL, CLI_OPT_BASE + (int)i };
		if (d->letter != 0) {
			g->shorts[k++] = d->letter;
			if (d->metavar != NULL)
				g->shorts[k++] = ':';
		}
	}
	g->shorts[k] = '\0';
	g->longs[CLI_OPT_COUNT] = (struct option){ NULL, 0, NULL, 0 };
}

/* The row getopt_long's return value c stands for, or -1. */
static int row_of(int c)
{
	if (c >= CLI_OPT_BASE && c < CLI_OPT_BASE + CLI_OPT_COUNT)
		return c - CLI_OPT_BASE;
	for (int i = 0; c > 0 && c < CLI_OPT_BASE && i < CLI_OPT_COUNT; i++)
		if (cli_opts[i].letter == c)
			return i;
	return -1;
}

const char *cli_option_name(size_t i, int *letter)
{
	if (i >= CLI_OPT_COUNT)
		return NULL;
	if (letter != NULL)
		*letter = cli_opts[i].letter;
	return cli_opts[i].name;
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

int cli_parse_seconds(const char *s, double min, double max, double *out)
{
	double v;

	if (s == NULL || cli_parse_decimal(s, &v) < 0 || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

bool cli_color_wanted(enum color_when when, enum out_format format, bool is_terminal,
		      const char *no_color)
{
	if (format != OUT_TEXT || when == COLOR_NEVER)
		return false;
	if (when == COLOR_ALWAYS)
		return true;
	return is_terminal && (no_color == NULL || no_color[0] == '\0');
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* "a, b or c" from a NULL-terminated word list. */
static void join_words(const char *const *words, char *buf, size_t len)
{
	size_t n = 0, used = 0;

	while (words[n] != NULL)
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int w = snprintf(buf + used, len - used, "%s%s", sep, words[i]);

		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
	}
}

/* The generic kinds: check the argument a against row d and store it. */
static enum cli_status store(const struct cli_opt *d, const char *a, struct options *o, char *err,
			     size_t errlen)
{
	void *field = (char *)o + d->field;
	unsigned long ul;
	double v;
	int i;
	char list[128];

	switch (d->kind) {
	case CLI_ARG_NONE:
		return CLI_OK;
	case CLI_ARG_FLAG:
		*(bool *)field = true;
		return CLI_OK;
	case CLI_ARG_STRING:
		if (*a == '\0')
			return cli_fail(err, errlen, "%s", d->empty);
		*(const char **)field = a;
		return CLI_OK;
	case CLI_ARG_ULONG:
	case CLI_ARG_INT:
		if (parse_ulong(a, (unsigned long)d->min, (unsigned long)d->max, &ul) < 0)
			return cli_fail(err, errlen, "invalid %s '%s': expected %s from %.15g to %.15g",
					d->what, a, d->noun, d->min, d->max);
		if (d->kind == CLI_ARG_ULONG)
			*(unsigned long *)field = ul;
		else
			*(int *)field = (int)ul;
		return CLI_OK;
	case CLI_ARG_DECIMAL:
		if (cli_parse_seconds(a, d->min, d->max, &v) < 0)
			return cli_fail(err, errlen,
					"invalid %s '%s': expected %s from %.15g to %.15g (fractions allowed)",
					d->what, a, d->noun, d->min, d->max);
		*(double *)field = v;
		return CLI_OK;
	case CLI_ARG_WORD:
		if ((i = cli_pick(a, d->words)) < 0) {
			join_words(d->words, list, sizeof(list));
			return cli_fail(err, errlen, "invalid %s '%s': expected %s", d->what, a,
					d->expect != NULL ? d->expect : list);
		}
		*(int *)field = i;
		return CLI_OK;
	case CLI_ARG_CUSTOM:
		return d->take(d, a, o, err, errlen);
	}
	return CLI_OK;
}

/* The rows whose long name starts with the "--name" of arg: how many, and
 * the one when exactly one (or the exact name) matches. */
static int long_lookup(const char *arg, size_t *nmatch)
{
	const char *name = arg + 2;
	size_t len = strcspn(name, "=");
	int found = -1;

	*nmatch = 0;
	for (int i = 0; i < CLI_OPT_COUNT; i++) {
		if (strncmp(cli_opts[i].name, name, len) != 0)
			continue;
		if (strlen(cli_opts[i].name) == len) {
			*nmatch = 1;
			return i;
		}
		found = i;
		(*nmatch)++;
	}
	return *nmatch == 1 ? found : -1;
}

/* "ambiguous option '--s': could be --source, --source-port, --sack (try ...)" */
static enum cli_status ambiguous(const char *arg, char *err, size_t errlen)
{
	size_t len = strcspn(arg + 2, "=");
	char list[256] = "";
	size_t used = 0;

	for (int i = 0; i < CLI_OPT_COUNT; i++) {
		if (strncmp(cli_opts[i].name, arg + 2, len) != 0)
			continue;
		int n = snprintf(list + used, sizeof(list) - used, "%s--%s", used ? ", " : "",
				 cli_opts[i].name);
		if (n < 0 || (size_t)n >= sizeof(list) - used)
			break;
		used += (size_t)n;
	}
	return cli_fail(err, errlen, "ambiguous option '--%.*s': could be %s (try 'tcpshake --help')",
			(int)len, arg + 2, list);
}

/* Rebuild getopt's complaint. glibc sets optopt to 0 for an unknown long
 * option, to the option's code (CLI_OPT_BASE + row) for a long option
 * given an argument it does not take or missing one, and to the character
 * for a short option; long options never return a character here, so
 * optopt alone tells the two forms apart. */
static enum cli_status option_error(int c, char **argv, char *err, size_t errlen)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "--";
	size_t nmatch;
	int row;

	if (optopt > 0 && optopt < CLI_OPT_BASE) {
		if (c == ':')
			return cli_fail(err, errlen,
					"option '-%c' needs an argument (try 'tcpshake --help')", optopt);
		if (optopt > 32 && optopt < 127)
			return cli_fail(err, errlen, "unknown option '-%c' (try 'tcpshake --help')",
					optopt);
		return cli_fail(err, errlen, "unknown option character 0x%02x (try 'tcpshake --help')",
				(unsigned)(unsigned char)optopt);
	}
	row = row_of(optopt);
	if (row >= 0 && c == ':')
		return cli_fail(err, errlen, "option '--%s' needs an argument (try 'tcpshake --help')",
				cli_opts[row].name);
	if (row >= 0)
		return cli_fail(err, errlen, "option '--%s' takes no argument (try 'tcpshake --help')",
				cli_opts[row].name);
	if (long_lookup(arg, &nmatch) < 0 && nmatch > 1)
		return ambiguous(arg, err, errlen);
	return cli_fail(err, errlen, "unknown option '%.*s' (try 'tcpshake --help')",
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
	o->close = CONN_CLOSE_ACTIVE;
	o->time_wait = -1;
	o->guard = GUARD_AUTO;
	o->tolerance_ms = CLI_TOLERANCE_MS;
	o->retries = RETRIES_DEFAULT;
	o->shard_i = o->shard_n = 1;
	o->out.format = OUT_TEXT;
	o->out.mode_name = cli_mode_words[MODE_SYN];
}

/* -h or -V as the row of getopt's return value, else CLI_OK. */
static enum cli_status help_or_version(int c)
{
	int row = row_of(c);

	return row == O_HELP ? CLI_HELP : row == O_VERSION ? CLI_VERSION : CLI_OK;
}

/* First pass: is -h or -V on the line? The first of them wins. It runs on a
 * copy of argv: getopt permutes what it scans, and a permutation after an
 * error ("h -c" becomes "-c h") would change what the second pass reads. */
static enum cli_status prescan(int argc, char **argv, const struct getopt_spec *g)
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
	while (st == CLI_OK && (c = getopt_long(argc, copy, g->shorts, g->longs, NULL)) != -1)
		st = help_or_version(c);
	free(copy);
	return st;
}

/* "-m connect or -m conform" for a set of mode bits; script mode is entered
 * by --script, so that is what it asks for. */
static void modes_phrase(unsigned modes, char *buf, size_t len)
{
	const char *words[MODE_SCRIPT + 2];
	char each[MODE_SCRIPT + 1][32];
	size_t n = 0;

	for (int m = MODE_SYN; m <= MODE_SCRIPT; m++) {
		if (!(modes & MODE_BIT(m)))
			continue;
		if (m == MODE_SCRIPT)
			snprintf(each[n], sizeof(each[n]), "--script FILE");
		else
			snprintf(each[n], sizeof(each[n]), "-m %s", cli_mode_words[m]);
		words[n] = each[n];
		n++;
	}
	words[n] = NULL;
	join_words(words, buf, len);
}

/* Script mode: --script implies it; -m script alone has nothing to run. */
static enum cli_status finish_mode(struct options *o, const struct seen *sn, char *err,
				   size_t errlen)
{
	const char *m = sn->given[O_MODE];

	if (sn->given[O_SCRIPT] != NULL) {
		if (m != NULL && o->mode != MODE_SCRIPT)
			return cli_fail(err, errlen,
					"--script conflicts with -m %s: --script implies -m script", m);
		o->mode = MODE_SCRIPT;
	} else if (o->mode == MODE_SCRIPT) {
		return cli_fail(err, errlen, "-m script needs --script FILE[,FILE...]");
	}
	return CLI_OK;
}

/* --serve: Prometheus names each target and a module sets each probe, so
 * the options of a probing run have nothing to act on. */
static enum cli_status finish_serve(struct options *o, const struct seen *sn, char *err,
				    size_t errlen)
{
	if (o->ntargets > 0 || o->target_file != NULL)
		return cli_fail(err, errlen,
				"--serve takes no target: each scrape names its own "
				"(/probe?target=HOST:PORT)");
	for (size_t i = 0; i < CLI_OPT_COUNT; i++) {
		if (sn->given[i] == NULL || (i >= O_SERVE && i <= O_USER))
			continue;
		return cli_fail(err, errlen,
				"--%s does not apply to --serve: a module sets each probe "
				"(see --config)", cli_opts[i].name);
	}
	if (o->user == NULL)
		o->user = "nobody";
	return CLI_OK;
}

/* Checks that need the whole line, and defaults that follow other options. */
static enum cli_status finish(struct options *o, const struct seen *sn, char *err, size_t errlen)
{
	const struct threshold *w = &o->out.warning, *cr = &o->out.critical;
	const char *const *given = sn->given;
	bool v4 = given[O_IPV4] != NULL, v6 = given[O_IPV6] != NULL;
	enum cli_status st;

	if (o->serve)
		return finish_serve(o, sn, err, errlen);
	for (size_t i = O_ALLOW; i <= O_USER; i++)
		if (given[i] != NULL)
			return cli_fail(err, errlen, "--%s needs --serve", cli_opts[i].name);

	if (v4 && v6)
		return cli_fail(err, errlen,
				"-4 and -6 cannot be used together: give one, or neither for both");
	if (v4)
		o->family = AF_INET;
	if (v6)
		o->family = AF_INET6;
	if (o->source != NULL) {
		int sf = o->source_addr.family;

		if (o->family != AF_UNSPEC && o->family != sf)
			return cli_fail(err, errlen, "-S %s is an %s address but %s asks for %s only",
					o->source, family_name(sf), v4 ? "-4" : "-6",
					family_name(o->family));
		o->family = sf;
	}

	if (given[O_JSON] != NULL && given[O_FORMAT] != NULL && o->out.format != OUT_JSON)
		return cli_fail(err, errlen,
				"--json conflicts with --format %s: --json means --format json; give one",
				given[O_FORMAT]);
	if (given[O_JSON] != NULL)
		o->out.format = OUT_JSON;

	if ((st = finish_mode(o, sn, err, errlen)) != CLI_OK)
		return st;
	for (size_t i = 0; i < CLI_OPT_COUNT; i++) {
		const struct cli_opt *d = &cli_opts[i];
		char modes[96];

		if (given[i] == NULL || d->modes == 0 || (d->modes & MODE_BIT(o->mode)))
			continue;
		modes_phrase(d->modes, modes, sizeof(modes));
		return cli_fail(err, errlen, "--%s needs %s", d->name, modes);
	}

	if (given[O_WARNING] != NULL && o->out.format != OUT_NAGIOS)
		return cli_fail(err, errlen, "--warning needs --format nagios");
	if (given[O_CRITICAL] != NULL && o->out.format != OUT_NAGIOS)
		return cli_fail(err, errlen, "--critical needs --format nagios");
	if (w->set && cr->set) {
		if (w->rtt_ms > cr->rtt_ms)
			return cli_fail(err, errlen,
					"--warning RTT %g ms is above --critical RTT %g ms: warning must not exceed critical",
					w->rtt_ms, cr->rtt_ms);
		if (w->loss_set && cr->loss_set && w->loss_pct > cr->loss_pct)
			return cli_fail(err, errlen,
					"--warning loss %g%% is above --critical loss %g%%: warning must not exceed critical",
					w->loss_pct, cr->loss_pct);
	}

	/* --no-options empties the set; the options asked for by name come back
	 * whatever their place on the line. Without it they only set values. */
	if (given[O_NO_OPTIONS] != NULL) {
		o->syn.mss = given[O_MSS] != NULL;
		o->syn.wscale = given[O_WSCALE] != NULL;
		o->syn.sack = given[O_SACK] != NULL;
		o->syn.ts = given[O_TSOPT] != NULL;
	}

	o->count_given = given[O_COUNT] != NULL;
	if (given[O_COUNT] == NULL)
		o->count = o->mode == MODE_SYN ? 4 : 1;
	o->seed_given = given[O_SEED] != NULL;
	o->sweep_option = given[O_EXCLUDE] != NULL || given[O_EXCLUDE_FILE] != NULL ||
			  given[O_RETRIES] != NULL || given[O_SEED] != NULL || given[O_SHARD] != NULL;
	o->out.mode_name = cli_mode_words[o->mode];
	o->out.trace = o->trace;
	if (o->output_file != NULL && strcmp(o->output_file, "-") == 0)
		o->output_file = NULL; /* -o -: stdout, as most tools read it */

	/* --list-checks needs no target: it only prints the suite. */
	if (o->ntargets == 0 && o->target_file == NULL && !o->list_checks)
		return cli_fail(err, errlen, "no target given (try 'tcpshake --help')");
	return CLI_OK;
}

enum cli_status cli_parse(int argc, char **argv, struct options *o, char *err, size_t errlen)
{
	struct getopt_spec g;
	struct seen sn;
	enum cli_status st;
	int c;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	set_defaults(o);
	memset(&sn, 0, sizeof(sn));
	build_spec(&g);

	st = prescan(argc, argv, &g);
	if (st != CLI_OK)
		return st;

	/* optind = 0 makes glibc re-initialise fully (also its permutation
	 * state), so cli_parse can run again on another argv. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, g.shorts, g.longs, NULL)) != -1) {
		int row = row_of(c);

		if (row < 0 || c == '?' || c == ':')
			return option_error(c, argv, err, errlen);
		if ((st = help_or_version(c)) != CLI_OK)
			return st; /* normally answered by the first pass */
		if ((st = store(&cli_opts[row], optarg, o, err, errlen)) != CLI_OK)
			return st;
		sn.given[row] = optarg != NULL ? optarg : "";
	}
	/* getopt has moved the operands to the end, in their original order. */
	o->targets = argv + optind;
	o->ntargets = (size_t)(argc - optind);
	return finish(o, &sn, err, errlen);
}
