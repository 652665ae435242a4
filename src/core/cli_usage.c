/*
 * cli_usage: the --help text. The option list is printed from the option
 * table (cli_table.c), so an option cannot be parsed and missing from
 * --help, or listed in another order than the man page's. Around it stand
 * a fixed preamble (synopsis, targets, modes) and epilogue (exit statuses,
 * privileges, examples).
 *
 * Each row is printed as getopt-style help is: "  -p, --ports PORTS" in a
 * 26-column left column, its text word-wrapped to the right of it; a left
 * part too wide for the column takes a line of its own.
 */
#include "config.h"
#include "core/cli.h"

#include <string.h>

#include "core/cli_table.h"

#define HELP_INDENT 26 /* where an option's text starts */
#define HELP_WIDTH 78  /* the longest line printed */

static const char preamble[] =
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
"  script   run test scripts (--script, packetdrill's packet syntax from the\n"
"           server's side) against each target port\n";

static const char epilogue[] =
"\n"
"Exit status:\n"
"  0  every target port open (connect: and every teardown conformant;\n"
"     conform: every check passed or skipped)\n"
"  1  some target port not open, a teardown not conformant, or a check or\n"
"     script failed\n"
"  2  usage, permission or runtime error, or a script's syntax error\n"
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
"  tcpshake --script handshake.pkt,close.pkt 10.0.0.2:80\n"
"      run two packetdrill-syntax scripts against port 80: each line FILE: pass\n"
"      or FILE:LINE: fail: FIELD: expected E, got A\n"
"\n"
"See tcpshake(8) for the output formats, the conformance checks and the\n"
"script syntax.\n";

/* text, word-wrapped into the right column; the first line continues a
 * line already at column `col`. */
static void wrap(FILE *out, const char *text, size_t col)
{
	bool first = true;

	while (*text != '\0') {
		size_t room = HELP_WIDTH - HELP_INDENT, len = strlen(text), cut = len;

		if (len > room) {
			/* The last space that fits; a word longer than the
			 * column is left whole. */
			cut = room;
			while (cut > 0 && text[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = strcspn(text, " ");
		}
		fprintf(out, "%*s%.*s\n", (int)(HELP_INDENT - (first ? col : 0)), "", (int)cut, text);
		first = false;
		text += cut;
		while (*text == ' ')
			text++;
	}
}

void cli_usage(FILE *out)
{
	fputs(preamble, out);
	for (size_t i = 0; i < CLI_OPT_COUNT; i++) {
		const struct cli_opt *d = &cli_opts[i];
		char left[64];
		int n;

		if (d->section != NULL)
			fprintf(out, "\n%s\n", d->section);
		if (d->letter != 0)
			n = snprintf(left, sizeof(left), "  -%c, --%s", d->letter, d->name);
		else
			n = snprintf(left, sizeof(left), "      --%s", d->name);
		if (d->metavar != NULL && n >= 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - (size_t)n, " %s", d->metavar);
		fputs(left, out);
		if (strlen(left) + 2 > HELP_INDENT) {
			fputc('\n', out);
			wrap(out, d->help, 0);
		} else {
			wrap(out, d->help, strlen(left));
		}
	}
	fputs(epilogue, out);
}
