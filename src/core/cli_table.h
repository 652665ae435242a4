/*
 * cli_table: the one table of options, private to the CLI (cli.c parses
 * with it, cli_usage.c prints --help from it).
 *
 * Each row says everything about one option: its long and short names, what
 * kind of argument it takes and where that goes in struct options (or which
 * function takes it), the modes it applies to and its --help text. The
 * getopt_long array, the parsing, the "needs -m ..." checks and --help all
 * come from the rows, so a new option is one row here, one entry in the man
 * page's OPTIONS (in the same order: tests/lint/options_documented.sh diffs
 * the two) and, when it needs it, a check in cli.c's finish().
 */
#ifndef TCPSHAKE_CLI_TABLE_H
#define TCPSHAKE_CLI_TABLE_H

#include <stddef.h>

#include "core/cli.h"

/* The rows, in table order (= --help order = man page order). The id is the
 * row's index; long options come back from getopt_long as CLI_OPT_BASE + id. */
enum cli_opt_id {
	O_PORTS,
	O_FILE,
	O_MODE,
	O_COUNT,
	O_INTERVAL,
	O_TIMEOUT,
	O_RATE,
	O_SOURCE,
	O_SOURCE_PORT,
	O_INTERFACE,
	O_IPV4,
	O_IPV6,
	O_TTL,
	O_MSS,
	O_WSCALE,
	O_SACK,
	O_TSOPT,
	O_NO_OPTIONS,
	O_DATA,
	O_CLOSE,
	O_TIME_WAIT,
	O_PRINT_DATA,
	O_CHECKS,
	O_LIST_CHECKS,
	O_CLOSED_PORT,
	O_SCRIPT,
	O_STRICT_OPTIONS,
	O_TOLERANCE,
	O_RST_GUARD,
	O_JSON,
	O_FORMAT,
	O_WARNING,
	O_CRITICAL,
	O_QUIET,
	O_OPEN,
	O_PROGRESS,
	O_TRACE,
	O_PCAP,
	O_TIMESTAMP,
	O_OUTPUT,
	O_COLOR,
	O_EXCLUDE,
	O_EXCLUDE_FILE,
	O_RETRIES,
	O_SEED,
	O_SHARD,
	O_ALLOW_LARGE,
	O_SERVE,
	O_ALLOW,
	O_ALLOW_PORTS,
	O_CONFIG,
	O_MAX_INFLIGHT,
	O_USER,
	O_HELP,
	O_VERSION,
	CLI_OPT_COUNT
};

/* getopt_long's code for a long option: above every character (style: long
 * option codes start at 256). */
#define CLI_OPT_BASE 256

/* What an option's argument is, and so how the generic parser stores it. */
enum cli_arg {
	CLI_ARG_NONE,    /* a switch only noted as given; finish() gives its effect */
	CLI_ARG_FLAG,    /* a switch that sets the bool at field */
	CLI_ARG_STRING,  /* a non-empty string, borrowed from argv, at field */
	CLI_ARG_ULONG,   /* whole number in [min, max] at field (unsigned long) */
	CLI_ARG_INT,     /* whole number in [min, max] at field (int) */
	CLI_ARG_DECIMAL, /* plain decimal in [min, max] at field (double) */
	CLI_ARG_WORD,    /* one of words; its index at field (an enum) */
	CLI_ARG_CUSTOM,  /* take() checks and stores it */
};

/* A mode's bit in cli_opt.modes. */
#define MODE_BIT(m) (1u << (m))

struct cli_opt;

/* Check and store one option's argument. Returns CLI_OK, or CLI_ERROR with
 * one line in err. */
typedef enum cli_status (*cli_take_fn)(const struct cli_opt *d, const char *arg,
				       struct options *o, char *err, size_t errlen);

struct cli_opt {
	const char *name;         /* long name, without "--" */
	char letter;              /* short form, or 0 */
	const char *metavar;      /* its argument in --help; NULL: it takes none */
	enum cli_arg kind;
	size_t field;             /* offsetof(struct options, ...) for the storing kinds */
	double min, max;          /* numbers: the range, both ends allowed */
	const char *const *words; /* CLI_ARG_WORD: NULL-terminated, index = value */
	const char *what;         /* the error's "invalid WHAT 'x': expected ..." */
	const char *noun;         /* numbers: "a whole number", put before "from MIN to MAX" */
	const char *expect;       /* words: what to list when not every word (NULL: all) */
	const char *empty;        /* CLI_ARG_STRING: the message for an empty argument */
	cli_take_fn take;         /* CLI_ARG_CUSTOM */
	unsigned modes;           /* MODE_BIT()s it applies to; 0: every mode */
	const char *section;      /* a --help heading printed before it, or NULL */
	const char *help;         /* --help text, one paragraph (cli_usage wraps it) */
};

extern const struct cli_opt cli_opts[CLI_OPT_COUNT];

extern const char *const cli_mode_words[];   /* syn connect conform script */
extern const char *const cli_format_words[]; /* text json nagios prom */

/* Write one line into err (when there is room) and return CLI_ERROR. */
enum cli_status cli_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A plain decimal: digits with at most one '.', at least one digit; no sign,
 * exponent, hex, inf or nan. Returns 0 with *out set, or -1. */
int cli_parse_decimal(const char *s, double *out);

/* The index of s in a NULL-terminated word list, or -1. */
int cli_pick(const char *s, const char *const *words);

#endif
