/*
 * serve_query: a /probe request's values, checked (serve_query.h).
 *
 * The target goes through target_split, the same HOST:PORTS and
 * [IPV6]:PORTS reading the command line uses, and then is narrowed to what
 * one scrape may name: one host (no prefix, no range) and one port (no list,
 * no range), the host made only of what a DNS name or an address literal
 * is made of. Every failure is the one line of a 400 answer; it quotes
 * the input cut to a few dozen characters, control characters and bytes
 * beyond ASCII shown as '?', so an answer never carries one back.
 */
#include "config.h"
#include "core/serve_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addrspan.h"
#include "core/target.h"

#define TARGET_EXPECTED "expected HOST:PORT or [IPV6]:PORT"
/* Most characters of the input an error quotes back. */
#define QUOTE_MAX 64
/* target_split's advice names the command line's forms (HOST, PORTS lists),
 * which a query does not take: it is replaced by TARGET_EXPECTED. */
#define SPLIT_ADVICE "; expected HOST, "

static bool printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* s as an error may quote it: cut to QUOTE_MAX, and every control
 * character or byte beyond ASCII written as '?'. */
static const char *quote(const char *s, char *buf, size_t len)
{
	size_t n = 0;
	for (; s[n] != '\0' && n + 1 < len && n < QUOTE_MAX; n++)
		buf[n] = (unsigned char)s[n] < ' ' || (unsigned char)s[n] >= 0x7f ? '?' : s[n];
	buf[n] = '\0';
	if (s[n] != '\0' && n >= 3)
		memcpy(buf + n - 3, "...", 3);
	return buf;
}

/* The port of a target: digits only, 1..65535. Returns it, or 0 with why. */
static uint16_t one_port(const char *p, const char **why)
{
	unsigned long v = 0;

	if (strchr(p, ',') != NULL) {
		*why = "one port, not a list";
		return 0;
	}
	if (strchr(p, '-') != NULL) {
		*why = "one port, not a range";
		return 0;
	}
	for (const char *c = p; *c != '\0'; c++) {
		if (*c < '0' || *c > '9') {
			*why = "the port is not a number";
			return 0;
		}
		if (v <= 65535)
			v = v * 10 + (unsigned long)(*c - '0');
	}
	if (v == 0 || v > 65535) {
		*why = "the port must be 1 to 65535";
		return 0;
	}
	return (uint16_t)v;
}

static int parse_target(const char *target, struct serve_query *q, char *err, size_t errlen)
{
	char qt[QUOTE_MAX + 1], span_err[160];
	char *host = NULL, *ports = NULL;
	const char *why = NULL;
	struct addr_span sp;

	if (target == NULL) {
		snprintf(err, errlen, "missing target: " TARGET_EXPECTED);
		return -1;
	}
	if (*target == '\0') {
		snprintf(err, errlen, "empty target: " TARGET_EXPECTED);
		return -1;
	}
	if (!printable(target)) {
		snprintf(err, errlen, "invalid target '%s': it holds a blank, a control character or a "
				    "byte beyond ASCII; " TARGET_EXPECTED, quote(target, qt, sizeof(qt)));
		return -1;
	}
	if (target_split(target, &host, &ports, err, errlen) < 0) {
		char *advice = err != NULL && errlen > 0 ? strstr(err, SPLIT_ADVICE) : NULL;
		if (advice != NULL)
			snprintf(advice, errlen - (size_t)(advice - err), "; " TARGET_EXPECTED);
		return -1;
	}
	if (ports == NULL)
		why = "no port";
	else if (strchr(host, '/') != NULL)
		why = "a prefix is many hosts, a probe names one";
	else if (addr_span_parse(host, &sp, span_err, sizeof(span_err)) != 0)
		why = "a range is many hosts, a probe names one";
	else if (!serve_host_ok(host))
		why = "the host may hold only letters, digits, '.', '-', '_' and ':'";
	else if ((q->port = one_port(ports, &why)) != 0)
		serve_msg_text(q->host, sizeof(q->host), host);
	free(host);
	free(ports);
	if (why != NULL) {
		snprintf(err, errlen, "invalid target '%s': %s; " TARGET_EXPECTED, quote(target, qt, sizeof(qt)),
		       why);
		return -1;
	}
	return 0;
}

/* "10", "9.5": decimal seconds to milliseconds (digits past the third
 * decimal ignored, saturating at UINT32_MAX). -1 when s is not that. */
static int parse_seconds(const char *s, uint32_t *ms)
{
	uint64_t whole = 0, frac = 0, scale = 100;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if (whole <= UINT32_MAX)
			whole = whole * 10 + (uint64_t)(*p - '0');
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (uint64_t)(*p - '0') * scale;
	}
	if (*p != '\0')
		return -1;
	uint64_t total = whole * 1000 + frac;
	*ms = total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
	return 0;
}

int serve_query_parse(const char *target, const char *module, const char *debug,
		      const char *timeout_hdr, struct serve_query *q, char *err, size_t errlen)
{
	struct serve_query out;
	char qt[QUOTE_MAX + 1];

	memset(&out, 0, sizeof(out));
	if (parse_target(target, &out, err, errlen) < 0)
		return -1;

	if (module == NULL)
		module = "syn";
	if (!serve_name_ok(module)) {
		snprintf(err, errlen, "invalid module '%s': a module name is 1 to %d letters, digits, '_', "
				    "'.' or '-'", quote(module, qt, sizeof(qt)), SERVE_NAME_MAX - 1);
		return -1;
	}
	serve_msg_text(out.module, sizeof(out.module), module);

	if (debug == NULL || strcmp(debug, "false") == 0) {
		out.debug = false;
	} else if (strcmp(debug, "true") == 0) {
		out.debug = true;
	} else {
		snprintf(err, errlen, "invalid debug '%s': expected true or false", quote(debug, qt, sizeof(qt)));
		return -1;
	}

	uint32_t ms = SERVE_TIMEOUT_DEFAULT_MS;
	if (timeout_hdr != NULL && parse_seconds(timeout_hdr, &ms) < 0) {
		snprintf(err, errlen, "invalid X-Prometheus-Scrape-Timeout-Seconds '%s': expected seconds "
				    "like 10 or 9.5", quote(timeout_hdr, qt, sizeof(qt)));
		return -1;
	}
	out.timeout_ms = ms > SERVE_TIMEOUT_MARGIN_MS + SERVE_TIMEOUT_MIN_MS ? ms - SERVE_TIMEOUT_MARGIN_MS :
									     SERVE_TIMEOUT_MIN_MS;
	*q = out;
	return 0;
}
