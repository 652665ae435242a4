/*
 * target: from what the user typed to a list of (host, ports) to probe.
 *
 * A TARGET is HOST, HOST:PORTS, [IPV6]:PORTS or a bare IPv4/IPv6 literal,
 * where the host may also be a CIDR prefix or an IPv4 range (addrspan.h). The one ambiguity, "::1" versus "host:port", is settled
 * by counting colons: one colon splits host from ports, more than one means
 * the whole argument is an IPv6 literal, which gets ports only in brackets.
 * Port lists expand here, deduplicated in first-seen order, so the engines
 * see plain arrays of ports; once names are resolved, target_list_dedupe
 * does the same across targets of one address. A bare word that parses as
 * ports is never taken for a host (outside tcping's HOST PORTS form).
 *
 * Everything but target_resolve is pure (no I/O beyond the FILE handed in,
 * no printing); errors are one line in the caller's buffer naming the
 * argument, what is wrong with it and what is allowed. target_resolve is the
 * only function that reaches outside, through getaddrinfo.
 */
#include "config.h"
#include "core/target.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define PORTS_ALLOWED "expected ports 1-65535 like 22,80,443 or 8000-8100"
#define TARGET_ALLOWED "expected HOST, HOST:PORTS, [IPV6]:PORTS or an address"
/* Longest DNS name in text form (RFC 1035: 255 octets on the wire). */
#define HOST_MAX 253
/* Longest line of a targets file, not counting the newline. */
#define LINE_MAX_CHARS 4096
/* Longest piece of user input quoted back in a message. */
#define QUOTE_MAX 64

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* User input as it may appear in a message: cut to QUOTE_MAX characters so
 * the "expected ..." part of the message survives a huge argument. */
static const char *quote(const char *s, char *buf, size_t len)
{
	if (strlen(s) <= QUOTE_MAX)
		return s;
	snprintf(buf, len, "%.*s...", QUOTE_MAX - 3, s);
	return buf;
}

/* ---- port lists ------------------------------------------------------ */

/* One port number in [s, end): digits only (leading zeros fine), 1..65535.
 * Returns the port, 0 for "not a number", -1 for out of range. */
static long port_number(const char *s, const char *end)
{
	long v = 0;

	if (s == end)
		return 0;
	for (const char *p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		if (v <= 65535)
			v = v * 10 + (*p - '0');
	}
	return v >= 1 && v <= 65535 ? v : -1;
}

/* Parse into out; on failure write only the reason (without the list). */
static int ports_parse_reason(const char *s, struct port_list *out, char *why, size_t whylen)
{
	/* One bit per port for deduplication: 8 KiB, on the stack. */
	uint8_t seen[65536 / 8];
	uint16_t *port = NULL;
	size_t n = 0, cap = 0;
	const char *p = s;
	char q[QUOTE_MAX + 4];

	out->port = NULL;
	out->n = 0;
	if (*s == '\0') {
		seterr(why, whylen, "it is empty");
		return -1;
	}
	memset(seen, 0, sizeof(seen));
	for (;;) {
		const char *end = p + strcspn(p, ",");
		const char *dash = memchr(p, '-', (size_t)(end - p));
		char item[QUOTE_MAX + 1];
		long lo, hi;

		snprintf(item, sizeof(item), "%.*s", (int)(end - p), p);
		if (end == p) {
			seterr(why, whylen, "%s",
			       *end == '\0' ? "trailing comma" :
			       p == s ? "leading comma" : "empty item between commas");
			goto fail;
		}
		if (dash == NULL) {
			lo = hi = port_number(p, end);
		} else {
			lo = port_number(p, dash);
			hi = port_number(dash + 1, end);
		}
		if (lo == 0 || hi == 0) {
			seterr(why, whylen, "'%s' is not a port or a range", quote(item, q, sizeof(q)));
			goto fail;
		}
		if (lo < 0 || hi < 0) {
			/* Name the number at fault: "port 0", "port 65536". */
			const char *num = lo < 0 ? p : dash + 1;
			const char *nend = lo < 0 && dash != NULL ? dash : end;

			seterr(why, whylen, "port %.*s is out of range",
			       (int)(nend - num > QUOTE_MAX ? QUOTE_MAX : nend - num), num);
			goto fail;
		}
		if (lo > hi) {
			seterr(why, whylen, "range start %ld is above its end %ld", lo, hi);
			goto fail;
		}
		for (long v = lo; v <= hi; v++) {
			if (seen[v / 8] & (1u << (v % 8)))
				continue;
			seen[v / 8] |= (uint8_t)(1u << (v % 8));
			if (n == cap) {
				/* At most TARGET_MAX_PORTS distinct ports fit the bitmap. */
				size_t ncap = cap ? cap * 2 : 16;
				uint16_t *np;

				if (ncap > TARGET_MAX_PORTS)
					ncap = TARGET_MAX_PORTS;
				np = realloc(port, ncap * sizeof(*np));
				if (np == NULL) {
					seterr(why, whylen, "out of memory");
					goto fail;
				}
				port = np;
				cap = ncap;
			}
			port[n++] = (uint16_t)v;
		}
		if (*end == '\0')
			break;
		p = end + 1;
	}
	out->port = port;
	out->n = n;
	return 0;
fail:
	free(port);
	return -1;
}

int ports_parse(const char *s, struct port_list *out, char *err, size_t errlen)
{
	char why[160], q[QUOTE_MAX + 4];

	if (ports_parse_reason(s, out, why, sizeof(why)) == 0)
		return 0;
	seterr(err, errlen, "invalid port list '%s': %s; " PORTS_ALLOWED, quote(s, q, sizeof(q)),
	       why);
	return -1;
}

void port_list_free(struct port_list *pl)
{
	if (pl == NULL)
		return;
	free(pl->port);
	pl->port = NULL;
	pl->n = 0;
}

static int port_list_copy(struct port_list *dst, const struct port_list *src)
{
	dst->n = 0;
	dst->port = malloc((src->n ? src->n : 1) * sizeof(*dst->port));
	if (dst->port == NULL)
		return -1;
	memcpy(dst->port, src->port, src->n * sizeof(*dst->port));
	dst->n = src->n;
	return 0;
}

/* ---- one TARGET ------------------------------------------------------ */

/* What is wrong with a host name, or NULL when nothing is. */
static const char *host_problem(const char *h, size_t len)
{
	if (len == 0)
		return "the host is empty";
	if (len > HOST_MAX)
		return "the host is longer than 253 characters";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];

		if (isspace(c))
			return "the host contains whitespace";
		if (iscntrl(c))
			return "the host contains a control character";
		if (c == '[' || c == ']')
			return "brackets go around a whole IPv6 address, as in [2001:db8::1]:443";
	}
	return NULL;
}

static char *dup_range(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d != NULL) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

/* The bracket form: "[IPV6]" or "[IPV6]:PORTS". */
static int split_bracket(const char *arg, const char **h, size_t *hlen, const char **ports,
			 const char **why)
{
	const char *close = strchr(arg, ']');
	struct in6_addr a6;
	struct in_addr a4;
	char lit[INET6_ADDRSTRLEN + 64];

	if (close == NULL) {
		*why = "'[' is never closed by ']'";
		return -1;
	}
	*h = arg + 1;
	*hlen = (size_t)(close - arg - 1);
	if (*hlen == 0) {
		*why = "the brackets hold no address";
		return -1;
	}
	if (close[1] == '\0') {
		*ports = NULL;
	} else if (close[1] == ':') {
		*ports = close + 2;
		if (**ports == '\0') {
			*why = "no ports after ':'";
			return -1;
		}
	} else {
		*why = "only ':PORTS' may follow ']'";
		return -1;
	}
	if (*hlen >= sizeof(lit)) {
		*why = "the brackets hold no IPv6 address";
		return -1;
	}
	memcpy(lit, *h, *hlen);
	lit[*hlen] = '\0';
	if (strchr(lit, '%') != NULL) {
		*why = "IPv6 zones (%IFACE) are not supported; use -I to pick the interface";
		return -1;
	}
	/* [PREFIX/LEN]: the address part decides; addrspan checks the rest. */
	lit[strcspn(lit, "/")] = '\0';
	if (inet_pton(AF_INET, lit, &a4) == 1) {
		*why = "brackets are only for IPv6 addresses; write an IPv4 address as ADDR:PORTS";
		return -1;
	}
	if (inet_pton(AF_INET6, lit, &a6) != 1) {
		*why = "the brackets hold no IPv6 address";
		return -1;
	}
	return 0;
}

int target_split(const char *arg, char **host, char **ports, char *err, size_t errlen)
{
	const char *h = arg, *p = NULL, *why = NULL, *colon;
	size_t hlen;
	char q[QUOTE_MAX + 4];

	*host = NULL;
	*ports = NULL;
	if (*arg == '\0') {
		seterr(err, errlen, "empty target; " TARGET_ALLOWED);
		return -1;
	}
	if (arg[0] == '[') {
		if (split_bracket(arg, &h, &hlen, &p, &why) < 0)
			goto bad;
	} else if ((colon = strchr(arg, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
		/* Exactly one colon: HOST:PORTS. */
		hlen = (size_t)(colon - arg);
		p = colon + 1;
		if (hlen == 0) {
			why = "no host before ':'";
			goto bad;
		}
		if (*p == '\0') {
			why = "no ports after ':'";
			goto bad;
		}
	} else {
		/* No colon: a name or IPv4 address. Several: an IPv6 literal,
		 * which can carry ports only in the bracket form. */
		hlen = strlen(arg);
		if (colon != NULL) {
			struct in6_addr a6;

			if (strchr(arg, '%') != NULL) {
				why = "IPv6 zones (%IFACE) are not supported; use -I to pick the interface";
				goto bad;
			}
			char lit[INET6_ADDRSTRLEN];
			size_t alen = strcspn(arg, "/");
			/* fd00::/112: an IPv6 prefix (ports need the brackets). */
			if (arg[alen] == '/' && alen < sizeof(lit)) {
				memcpy(lit, arg, alen);
				lit[alen] = '\0';
			} else {
				snprintf(lit, sizeof(lit), "%s", alen < sizeof(lit) ? arg : "-");
			}
			if (inet_pton(AF_INET6, lit, &a6) != 1) {
				why = "more than one ':' but not an IPv6 address; write IPv6 with ports as [ADDR]:PORTS";
				goto bad;
			}
		}
	}
	if ((why = host_problem(h, hlen)) != NULL)
		goto bad;

	*host = dup_range(h, hlen);
	if (p != NULL)
		*ports = strdup(p);
	if (*host == NULL || (p != NULL && *ports == NULL)) {
		free(*host);
		free(*ports);
		*host = NULL;
		*ports = NULL;
		seterr(err, errlen, "out of memory");
		return -1;
	}
	return 0;
bad:
	/* Reasons that say what to write instead carry their own advice. */
	seterr(err, errlen, "invalid target '%s': %s%s", quote(arg, q, sizeof(q)), why,
	       strstr(why, "; ") != NULL ? "" : "; " TARGET_ALLOWED);
	return -1;
}

/* ---- lists of targets ------------------------------------------------ */

static int list_push(struct target_list *tl, char *host, struct port_list *pl,
		     const struct addr_span *span)
{
	if (tl->n == tl->cap) {
		/* Doubling, not one more each time: a file of a million
		 * targets must not copy the list a million times. */
		size_t cap = tl->cap ? tl->cap * 2 : 16;
		struct target *grown = realloc(tl->t, cap * sizeof(*grown));
		if (grown == NULL)
			return -1;
		tl->t = grown;
		tl->cap = cap;
	}
	struct target *nt = tl->t;
	memset(&nt[tl->n], 0, sizeof(nt[tl->n]));
	nt[tl->n].host = host;
	nt[tl->n].ports = *pl;
	if (span != NULL) {
		nt[tl->n].span = *span;
		nt[tl->n].addr = span->lo;
	}
	tl->n++;
	return 0;
}

/* Drop the targets from index keep on (undo a failed call's additions). */
static void list_truncate(struct target_list *tl, size_t keep)
{
	while (tl->n > keep) {
		tl->n--;
		free(tl->t[tl->n].host);
		port_list_free(&tl->t[tl->n].ports);
	}
	if (tl->n == 0) {
		free(tl->t);
		tl->t = NULL;
		tl->cap = 0;
	}
}

/* Parse the default ports (-p, else 80) once; every target naming no ports
 * gets a copy. */
static int default_list(const char *default_ports, struct port_list *def, char *err,
			size_t errlen)
{
	char why[160], q[QUOTE_MAX + 4];

	if (default_ports == NULL)
		default_ports = "80";
	if (ports_parse_reason(default_ports, def, why, sizeof(why)) == 0)
		return 0;
	seterr(err, errlen, "invalid port list '%s' for -p: %s; " PORTS_ALLOWED,
	       quote(default_ports, q, sizeof(q)), why);
	return -1;
}

/* Split arg and append it with its own ports, or a copy of def. */
static int add_target(const char *arg, const struct port_list *def, struct target_list *tl,
		      char *err, size_t errlen)
{
	char *host, *ports, why[160], q[QUOTE_MAX + 4];
	struct port_list pl;
	struct addr_span span;
	int is_span;

	if (target_split(arg, &host, &ports, err, errlen) < 0)
		return -1;
	if ((is_span = addr_span_parse(host, &span, err, errlen)) < 0)
		goto fail;
	if (ports != NULL) {
		if (ports_parse_reason(ports, &pl, why, sizeof(why)) < 0) {
			seterr(err, errlen, "invalid target '%s': %s; " PORTS_ALLOWED,
			       quote(arg, q, sizeof(q)), why);
			goto fail;
		}
	} else if (port_list_copy(&pl, def) < 0) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	free(ports);
	ports = NULL;
	if (list_push(tl, host, &pl, is_span ? &span : NULL) < 0) {
		port_list_free(&pl);
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	return 0;
fail:
	free(host);
	free(ports);
	return -1;
}

/* A word that parses as a port list ("443", "80-83"): where a target
 * belongs, it is a port list gone astray, never a host (getaddrinfo would
 * take "80" for 0.0.0.80). */
static bool is_bare_ports(const char *word)
{
	struct port_list pl;

	if (ports_parse_reason(word, &pl, NULL, 0) < 0)
		return false;
	port_list_free(&pl);
	return true;
}

/*
 * The error for a port list in words[i]: it names the last of the port
 * lists that follow one another from i (in "HOST 80 443" the one beyond
 * tcping's HOST PORTS), and shows them joined to the target before them
 * ("HOST:80,443"; "HOST" when none comes before).
 */
static void bare_ports_error(char **words, size_t nwords, size_t i, char *err, size_t errlen)
{
	char eg[256], q[QUOTE_MAX + 4], *host = NULL, *ports = NULL;
	size_t last = i, len;

	while (last + 1 < nwords && is_bare_ports(words[last + 1]))
		last++;
	if (i > 0 && target_split(words[i - 1], &host, &ports, NULL, 0) == 0)
		snprintf(eg, sizeof(eg), strchr(host, ':') != NULL ? "[%s]:%s%s" : "%s:%s%s", host,
			 ports != NULL ? ports : "", ports != NULL ? "," : "");
	else
		snprintf(eg, sizeof(eg), "HOST:");
	free(host);
	free(ports);
	for (size_t k = i; k <= last; k++) {
		len = strlen(eg);
		snprintf(eg + len, sizeof(eg) - len, "%s%s", k > i ? "," : "", words[k]);
	}
	seterr(err, errlen, "'%s' looks like a port list: write HOST:PORTS (e.g. %s)",
	       quote(words[last], q, sizeof(q)), eg);
}

int targets_from_args(char **args, size_t nargs, const char *default_ports,
		      struct target_list *out, char *err, size_t errlen)
{
	struct port_list def;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (default_list(default_ports, &def, err, errlen) < 0)
		return -1;

	/*
	 * tcping's form, "tcpshake HOST PORTS": exactly two arguments, the
	 * first naming no ports of its own and the second a valid port list
	 * (and not a target in its own right, so "10.0.0.1 10.0.0.2" stays two
	 * hosts). The pair becomes one target with those ports. Any other
	 * word that parses as ports is an error that says to write
	 * HOST:PORTS: as a host it would probe 0.0.0.80.
	 */
	if (nargs == 2) {
		char *host, *ports;
		struct port_list pl;

		if (target_split(args[0], &host, &ports, NULL, 0) == 0) {
			bool bare = ports == NULL;

			free(host);
			free(ports);
			if (bare && ports_parse_reason(args[1], &pl, NULL, 0) == 0) {
				rc = add_target(args[0], &pl, out, err, errlen);
				port_list_free(&pl);
				goto done;
			}
		}
	}

	for (size_t i = 0; i < nargs; i++) {
		if (is_bare_ports(args[i])) {
			bare_ports_error(args, nargs, i, err, errlen);
			list_truncate(out, 0);
			goto done;
		}
		if (add_target(args[i], &def, out, err, errlen) < 0) {
			list_truncate(out, 0);
			goto done;
		}
	}
	rc = 0;
done:
	port_list_free(&def);
	return rc;
}

/* Strip a comment and surrounding whitespace (CR of CRLF included) in place. */
static char *trim_line(char *line)
{
	char *end;

	line[strcspn(line, "#")] = '\0';
	while (isspace((unsigned char)*line))
		line++;
	end = line + strlen(line);
	while (end > line && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return line;
}

#define UTF8_BOM "\xEF\xBB\xBF"

int target_reader_open(struct target_reader *rd, FILE *f, const char *default_ports, char *err,
		       size_t errlen)
{
	memset(rd, 0, sizeof(*rd));
	rd->f = f;
	return default_list(default_ports, &rd->def, err, errlen);
}

void target_reader_close(struct target_reader *rd)
{
	port_list_free(&rd->def);
}

long target_reader_next(struct target_reader *rd, size_t max, struct target_list *out, char *err,
			size_t errlen)
{
	/* A full line, its newline and the NUL. */
	char buf[LINE_MAX_CHARS + 2], msg[512];
	size_t keep = out->n;

	while (out->n - keep < max && fgets(buf, sizeof(buf), rd->f) != NULL) {
		size_t len = strlen(buf);
		char *line;

		rd->lineno++;
		if (len > 0 && buf[len - 1] == '\n') {
			buf[len - 1] = '\0';
		} else if (len == sizeof(buf) - 1) {
			/* A full buffer without a newline holds more than
			 * LINE_MAX_CHARS characters. */
			seterr(err, errlen, "line %zu: longer than %d characters", rd->lineno,
			       LINE_MAX_CHARS);
			goto fail;
		} else if (!feof(rd->f)) {
			/* fgets stopped early without a newline or end of
			 * file: the line holds a NUL byte. */
			seterr(err, errlen, "line %zu: contains a NUL byte; expected a text file",
			       rd->lineno);
			goto fail;
		}
		line = buf;
		/* Editors on Windows start a UTF-8 file with a byte order mark. */
		if (rd->lineno == 1 && strncmp(line, UTF8_BOM, strlen(UTF8_BOM)) == 0)
			line += strlen(UTF8_BOM);
		line = trim_line(line);
		if (*line == '\0')
			continue;
		if (is_bare_ports(line)) {
			bare_ports_error(&line, 1, 0, msg, sizeof(msg));
			seterr(err, errlen, "line %zu: %s", rd->lineno, msg);
			goto fail;
		}
		if (add_target(line, &rd->def, out, msg, sizeof(msg)) < 0) {
			seterr(err, errlen, "line %zu: %s", rd->lineno, msg);
			goto fail;
		}
	}
	if (ferror(rd->f)) {
		seterr(err, errlen, "cannot read targets: %s", strerror(errno));
		goto fail;
	}
	return (long)(out->n - keep);
fail:
	list_truncate(out, keep);
	return -1;
}

int targets_from_file(FILE *f, const char *default_ports, struct target_list *out, char *err,
		      size_t errlen)
{
	struct target_reader rd;
	long n = 0;

	if (target_reader_open(&rd, f, default_ports, err, errlen) < 0)
		return -1;
	size_t keep = out->n;
	while ((n = target_reader_next(&rd, SIZE_MAX, out, err, errlen)) > 0)
		;
	if (n < 0)
		list_truncate(out, keep);
	target_reader_close(&rd);
	return n < 0 ? -1 : 0;
}

int targets_from_list(const char *list, const char *default_ports, struct target_list *out, char *err,
		      size_t errlen)
{
	struct port_list def;
	size_t keep = out->n, len = strlen(list);
	char *buf = malloc(len + 1), *words[2] = { NULL, NULL };
	int rc = -1;

	if (buf == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	if (default_list(default_ports, &def, err, errlen) < 0) {
		free(buf);
		return -1;
	}
	/* Split on blanks and commas; a piece that is only ports ("80" in
	 * "10.0.0.5:22,80") belongs to the target before it. */
	const char *p = list;
	char *cur = NULL;
	size_t at = 0;
	for (;;) {
		size_t n = strcspn(p, ", \t\n");
		if (n > 0) {
			char piece[256];
			snprintf(piece, sizeof(piece), "%.*s", (int)(n < 255 ? n : 255), p);
			if (cur != NULL && strchr(cur, ':') != NULL && is_bare_ports(piece)) {
				buf[at++] = ',';
			} else {
				if (cur != NULL && add_target(cur, &def, out, err, errlen) < 0)
					goto done;
				if (is_bare_ports(piece)) {
					words[0] = piece;
					bare_ports_error(words, 1, 0, err, errlen);
					goto done;
				}
				at = 0;
				cur = buf;
			}
			memcpy(buf + at, p, n);
			at += n;
			buf[at] = '\0';
		}
		p += n;
		if (*p == '\0')
			break;
		p++;
	}
	if (cur == NULL) {
		seterr(err, errlen, "an empty list; expected targets like 10.0.0.5 or 10.0.1.0/24:22,80");
		goto done;
	}
	if (add_target(cur, &def, out, err, errlen) < 0)
		goto done;
	rc = 0;
done:
	if (rc < 0)
		list_truncate(out, keep);
	port_list_free(&def);
	free(buf);
	return rc;
}

void target_list_free(struct target_list *tl)
{
	if (tl == NULL)
		return;
	list_truncate(tl, 0);
}

size_t target_list_ports(const struct target_list *tl)
{
	size_t n = 0;

	for (size_t i = 0; i < tl->n; i++)
		n += tl->t[i].ports.n;
	return n;
}

/* ---- one probe per address and port ---------------------------------- */

/* Order of target indices: by address, then by position, so each address's
 * targets sit together in the order they were given. */
struct addr_order {
	const struct target *t;
	size_t i;
};

static int addr_order_cmp(const void *pa, const void *pb)
{
	const struct addr_order *a = pa, *b = pb;
	int c;

	if (a->t->addr.family != b->t->addr.family)
		return a->t->addr.family < b->t->addr.family ? -1 : 1;
	c = memcmp(a->t->addr.b, b->t->addr.b, sizeof(a->t->addr.b));
	if (c != 0)
		return c;
	return a->i < b->i ? -1 : a->i > b->i ? 1 : 0;
}

/* Drop from each target the ports an earlier target of the same address
 * already has; a group of targets sharing an address shares one bitmap. */
static size_t dedupe_group(struct target_list *tl, const struct addr_order *ord, size_t n,
			   uint8_t *seen)
{
	size_t dropped = 0;

	memset(seen, 0, 65536 / 8);
	for (size_t k = 0; k < n; k++) {
		struct port_list *pl = &tl->t[ord[k].i].ports;
		size_t w = 0;

		for (size_t r = 0; r < pl->n; r++) {
			uint16_t v = pl->port[r];

			if (seen[v / 8] & (1u << (v % 8))) {
				dropped++;
				continue;
			}
			seen[v / 8] |= (uint8_t)(1u << (v % 8));
			pl->port[w++] = v;
		}
		pl->n = w;
	}
	return dropped;
}

long target_list_dedupe(struct target_list *tl, size_t *hosts)
{
	struct addr_order *ord;
	uint8_t *seen = NULL;
	size_t dropped = 0, w = 0, groups = 0;

	/* Spans (prefixes, ranges) are the index space's to cut (tspace.h);
	 * their addresses count as hosts without being listed. */
	size_t nsingle = 0;
	uint64_t span_hosts = 0;
	for (size_t i = 0; i < tl->n; i++) {
		if (tl->t[i].span.n > 0)
			span_hosts += tl->t[i].span.n;
		else
			nsingle++;
	}
	if (hosts != NULL)
		*hosts = (size_t)span_hosts + nsingle;
	if (nsingle < 2)
		return 0;
	ord = malloc(nsingle * sizeof(*ord));
	if (ord == NULL)
		return -1;
	for (size_t i = 0, k = 0; i < tl->n; i++) {
		if (tl->t[i].span.n > 0)
			continue;
		ord[k].t = &tl->t[i];
		ord[k++].i = i;
	}
	qsort(ord, nsingle, sizeof(*ord), addr_order_cmp);
	for (size_t lo = 0, hi; lo < nsingle; lo = hi) {
		for (hi = lo + 1; hi < nsingle && netaddr_eq(&ord[hi].t->addr, &ord[lo].t->addr); hi++)
			;
		groups++;
		/* One target alone: its own list is already free of repeats. */
		if (hi - lo < 2)
			continue;
		if (seen == NULL && (seen = malloc(65536 / 8)) == NULL) {
			free(ord);
			return -1;
		}
		dropped += dedupe_group(tl, ord + lo, hi - lo, seen);
	}
	free(seen);
	free(ord);
	if (hosts != NULL)
		*hosts = (size_t)span_hosts + groups;

	/* Targets left with no port go; the rest keep their order. */
	for (size_t i = 0; i < tl->n; i++) {
		if (tl->t[i].ports.n == 0) {
			free(tl->t[i].host);
			port_list_free(&tl->t[i].ports);
			continue;
		}
		tl->t[w++] = tl->t[i];
	}
	tl->n = w;
	return (long)dropped;
}

/* ---- resolution ------------------------------------------------------ */

static int lookup(const char *host, int family, struct addrinfo **res)
{
	struct addrinfo hints;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	/* No AI_ADDRCONFIG: a host with only loopback, or a lab namespace
	 * with addresses of one family, must still resolve the other. */
	hints.ai_flags = 0;
	return getaddrinfo(host, NULL, &hints, res);
}

static const char *family_word(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

int target_resolve(const char *host, int family, struct netaddr *out, char *err, size_t errlen)
{
	struct addrinfo *res = NULL, *ai;
	struct netaddr lit;
	char q[QUOTE_MAX + 4];
	const char *qh = quote(host, q, sizeof(q));
	int rc;

	memset(out, 0, sizeof(*out));
	if (strchr(host, '%') != NULL) {
		seterr(err, errlen,
		       "cannot resolve '%s': IPv6 zones (%%IFACE) are not supported; use -I to pick the interface",
		       qh);
		return -1;
	}
	/* A literal of the other family: say so rather than "no address". */
	if (family != AF_UNSPEC && netaddr_parse(host, &lit) == 0 && lit.family != family) {
		seterr(err, errlen, "'%s' is an %s address, but only %s is allowed (-%c)", qh,
		       family_word(lit.family), family_word(family), family == AF_INET ? '4' : '6');
		return -1;
	}
	/* A literal of the family asked for is itself: no resolver call (a
	 * sweep's file of a million addresses would make a million). */
	if (netaddr_parse(host, &lit) == 0) {
		*out = lit;
		return 0;
	}

	rc = lookup(host, family, &res);
	if (rc != 0) {
		int saved = errno;
		struct addrinfo *any = NULL;

		/* Does the name exist in the other family only? */
		if (family != AF_UNSPEC && rc != EAI_AGAIN && rc != EAI_SYSTEM &&
		    lookup(host, AF_UNSPEC, &any) == 0) {
			freeaddrinfo(any);
			seterr(err, errlen, "'%s' has no %s address", qh, family_word(family));
			return -1;
		}
		seterr(err, errlen, "cannot resolve '%s': %s", qh,
		       rc == EAI_SYSTEM ? strerror(saved) : gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			const struct sockaddr_in *sin = (const void *)ai->ai_addr;

			netaddr_set(out, AF_INET, &sin->sin_addr);
			break;
		}
		if (ai->ai_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 = (const void *)ai->ai_addr;

			netaddr_set(out, AF_INET6, &sin6->sin6_addr);
			break;
		}
	}
	freeaddrinfo(res);
	if (ai == NULL) {
		seterr(err, errlen, "cannot resolve '%s': no IPv4 or IPv6 address", qh);
		return -1;
	}
	return 0;
}
