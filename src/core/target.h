/*
 * target: what to probe. Splits TARGET arguments (HOST, HOST:PORTS,
 * [IPV6]:PORTS, IPv4/IPv6 literals), parses port lists and ranges, reads
 * target files, and resolves names.
 *
 * Everything but target_resolve is pure. Errors are one line in err
 * (no "tcpshake: " prefix) naming what is wrong and what is allowed.
 */
#ifndef TCPSHAKE_TARGET_H
#define TCPSHAKE_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/addrspan.h"
#include "core/netaddr.h"

/* Most ports one target may expand to (the whole port space). */
#define TARGET_MAX_PORTS 65535

struct port_list {
	uint16_t *port; /* owned; in the order given, duplicates removed */
	size_t n;
};

/* Parse "443", "22,80,443", "1-1024", "22,8000-8100" (1..65535, lo <= hi).
 * Returns 0, or -1 with err set. */
int ports_parse(const char *s, struct port_list *out, char *err, size_t errlen);
void port_list_free(struct port_list *pl);

/* Split one TARGET argument into host and ports. *host is malloc'd; *ports is
 * malloc'd or NULL when the argument names no ports. An IPv6 literal is only
 * given ports in the bracket form; "::1" alone is a host. Returns 0 or -1. */
int target_split(const char *arg, char **host, char **ports, char *err, size_t errlen);

struct target {
	char *host;           /* as written (owned) */
	struct netaddr addr;  /* filled by target_resolve; a span's first address */
	struct port_list ports;
	struct addr_span span; /* a prefix or range (span.n > 0): never resolved */
};

struct target_list {
	struct target *t; /* owned */
	size_t n;
	size_t cap;       /* room in t (it grows by doubling: a million lines) */
};

/*
 * Build the target list from positional arguments and default ports
 * (-p, NULL means 80). Handles tcping's "HOST PORTS" form: exactly two
 * arguments, the first naming no ports and the second a valid port spec.
 * Any other argument that parses as ports ("HOST 80 443") is an error:
 * "'443' looks like a port list: write HOST:PORTS (e.g. HOST:80,443)".
 * Does not resolve. Returns 0 or -1 with err.
 */
int targets_from_args(char **args, size_t nargs, const char *default_ports,
		      struct target_list *out, char *err, size_t errlen);

/* Add targets read from f: one per line, '#' starts a comment, blank lines
 * skipped, surrounding whitespace (and the CR of CRLF) ignored, and so is a
 * UTF-8 byte order mark at the start; lines longer
 * than 4096 characters are an error, and so is a line that is only a port
 * list ("443": write HOST:PORTS). Line numbers appear in errors
 * ("line 3: ..."). out must be a valid list (zeroed, or filled by
 * targets_from_args); on error it is left as it was before the call.
 * Returns 0 or -1. */
int targets_from_file(FILE *f, const char *default_ports, struct target_list *out,
		      char *err, size_t errlen);

/* Add the targets of one option value (--exclude): targets separated by
 * blanks or commas, where a piece that is only ports continues the port
 * list of the target before it ("10.0.0.5:22,80 10.0.1.0/24" is two
 * targets). Returns 0 or -1 with err (the list is then as it was). */
int targets_from_list(const char *list, const char *default_ports, struct target_list *out, char *err,
		      size_t errlen);

/* A target file read a part at a time, so a file of a million lines never
 * sits in memory whole (a sweep streams it). Lines are numbered across
 * the parts. */
struct target_reader {
	FILE *f;               /* not owned */
	size_t lineno;         /* lines read so far */
	struct port_list def;  /* the default ports, parsed once */
};

/* Start reading f with default_ports (-p; NULL: 80). 0, or -1 with err. */
int target_reader_open(struct target_reader *rd, FILE *f, const char *default_ports, char *err,
		       size_t errlen);
/* Append up to max more targets to out, as targets_from_file reads them.
 * Returns how many were added (0: the end of the file), or -1 with err
 * ("line N: ...") and out as it was. */
long target_reader_next(struct target_reader *rd, size_t max, struct target_list *out, char *err,
			size_t errlen);
void target_reader_close(struct target_reader *rd);

void target_list_free(struct target_list *tl);

/* Resolve host with getaddrinfo, restricted to family (AF_UNSPEC, AF_INET,
 * AF_INET6); the first address getaddrinfo gives wins, as in ping.
 * Returns 0 or -1 with err ("cannot resolve 'x': Name or service not known"). */
int target_resolve(const char *host, int family, struct netaddr *out, char *err, size_t errlen);

/*
 * After resolution: probe each (address, port) once. A port that an earlier
 * target of the same resolved address already names is dropped (so
 * "h:80 h:80,443" and "localhost:80 127.0.0.1:80" probe port 80 once, under
 * the first target); a target left with no ports is removed. The first
 * occurrence's order is kept. Two probes of one target port from one source
 * port would answer only the first, and the second would read as filtered.
 * Returns how many target ports were dropped, or -1 when out of memory
 * (the list is then unchanged). *hosts (unless NULL) gets the number of
 * distinct addresses: "h:80 h:443" is one host.
 */
long target_list_dedupe(struct target_list *tl, size_t *hosts);

/* Total target ports in the list. */
size_t target_list_ports(const struct target_list *tl);

#endif
