/*
 * script: packetdrill-syntax test scripts, parsed into a program for a
 * remote, black-box TCP.
 *
 * Pure. script_parse() takes a buffer, a length and a file name and returns
 * a struct script (metadata plus an array of lines) or one error line
 * "FILE:LINE:COL: message". Nothing here reads files, prints or sends: the
 * runner executes the program, the caller reads the file.
 *
 * The syntax is packetdrill's, written from the side of the server under
 * test: `<` lines are segments tcpshake sends, `>` lines segments the peer
 * must send. Sequence numbers are relative (each side's ISN is 0).
 *
 *     0.000 < S 0:0(0) win 65535 <mss 1460,sackOK,nop,nop,TS val 100 ecr 0,nop,wscale 7>
 *     +0    > S. 0:0(0) ack 1 <...>
 *     +.1   < . 1:1(0) ack 1 win 512
 *
 * Times: `0.100` absolute, `+0.1` relative to the previous timed line
 * (skipped ones included, as in packetdrill), `*` any time, `a~b` a window
 * (both absolute or both relative, e.g. `+0.1~+0.3`). As in packetdrill,
 * `*` and windows apply only to expected (`>`) segments, `<...>` (any
 * options) likewise. The script's clock moves by each line's lo time (a
 * `*` line and a silence's length do not move it); an absolute time
 * earlier than where the clock already is (times going backwards) is an
 * error. Flags are `. F S R P E W A U` (ACK FIN SYN RST PSH ECE CWR AE
 * URG), a digit 0-7 sets AccECN's ACE field, `-` is none; `[ect0]` (or
 * noecn, ect1, ce, ect01) before the flags is the IP ECN field. Options:
 * mss N, sackOK, nop, eol, wscale N, TS val N ecr N, sack L:R..., FO
 * [cookie], FOEXP [cookie], md5 [hex]. Comments are `//` to end of line
 * and `/ * ... * /`. Not supported: symbols packetdrill takes from its
 * command line (-D NAME=VALUE, e.g. `FO TFO_COOKIE`) are errors here.
 *
 * Lines a remote run cannot honour are kept as SCRIPT_SKIPPED with a note,
 * so upstream packetdrill scripts parse as they are: system calls (socket,
 * bind, listen, accept, setsockopt, read, write, close, ... with all of
 * packetdrill's argument syntax), backtick shell commands, `%{ python }%`
 * blocks, `--option=value` header lines, and non-TCP or encapsulated packets
 * (udp, icmp, and ipv4/ipv6/gre/mpls/encap prefixes).
 *
 * Remote-semantics extensions (ours, not packetdrill's):
 *   - `>?` an optional expected segment. `+0 >? . 1:1(0) ack 6`: a
 *     conformant peer may fold this pure ACK into its next segment.
 *   - `|` alternatives. `+0 > R 1:1(0) | . 1:1(0) ack 1`: the peer sends one
 *     of these. Each alternative is flags, seq, ack, win, urg and options
 *     without time or direction; up to SCRIPT_MAX_ALTS of them.
 *   - silence. `+0 > nothing for 0.5`: the peer sends nothing for 0.5 s.
 *   - `*` for a value the peer chooses, in `>` lines only: `ack *`,
 *     `win *`, `mss *`, `wscale *`, `TS val * ecr *`, and `FO *` (any
 *     cookie; `FO` alone is an empty cookie, a cookie request). Writing
 *     nothing at all (no `win`) also leaves a value unchecked; `*` says so
 *     explicitly.
 *   - `kind N [HEX]` an option by number with raw data (e.g. MPTCP's
 *     `kind 30 0081`), for options packetdrill has no word for.
 *   - a header of leading `// key: value` comments, before anything else:
 *         // id: synack-ack             (letters, digits, '.', '_', '-')
 *         // ref: RFC 9293 3.10.7.2
 *         // title: one line for --list-checks
 *         // target: open | closed     (which port the script runs against)
 *         // needs: data                (what the target must provide:
 *                                         data, timestamps, sack, open)
 *     Other leading comments are just comments.
 */
#ifndef TCPSHAKE_SCRIPT_H
#define TCPSHAKE_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/segment.h"

/* Largest script accepted, in bytes. A caller reading a file reads at most
 * SCRIPT_MAX_BYTES + 1 bytes (or fstat()s first), so a huge file is refused
 * without being read whole. */
#define SCRIPT_MAX_BYTES (1024u * 1024u)
#define SCRIPT_MAX_ALTS 8	   /* alternatives in one `|` line */
#define SCRIPT_MAX_SACK 4	   /* SACK blocks in one option (40-byte limit) */
#define SCRIPT_MAX_OPT_DATA 38	   /* FO cookie / md5 / kind N data bytes */
#define SCRIPT_MAX_TIME_NS (1000000LL * 1000000000LL) /* 1e6 s: any time beyond is an error */

/* TCP's AE bit (RFC 9768 AccECN), beside TCPF_* of core/segment.h. */
#define SCRIPT_TCPF_AE 0x100

enum script_line_kind {
	SCRIPT_SEND,		/* `<`: a segment we send */
	SCRIPT_EXPECT,		/* `>`: a segment the peer must send */
	SCRIPT_EXPECT_OPTIONAL, /* `>?`: the peer may send it or fold it into the next */
	SCRIPT_EXPECT_NOTHING,	/* `> nothing for D`: silence for D */
	SCRIPT_SKIPPED,		/* a line a remote run cannot honour */
};

/* Why a line is skipped. */
enum script_skip_kind {
	SCRIPT_SKIP_SYSCALL, /* a system call on the host under test */
	SCRIPT_SKIP_SHELL,   /* a backtick shell command */
	SCRIPT_SKIP_CODE,    /* a %{ python }% block */
	SCRIPT_SKIP_OPTION,  /* a --option=value header line */
	SCRIPT_SKIP_PACKET,  /* a non-TCP or encapsulated packet line */
};

enum script_time_kind {
	SCRIPT_TIME_NONE,     /* untimed (header lines, a leading shell command) */
	SCRIPT_TIME_ABSOLUTE, /* `0.100` or `0.1~0.3`: from the script's start */
	SCRIPT_TIME_RELATIVE, /* `+0.1` or `+0.1~+0.3`: from the previous line */
	SCRIPT_TIME_ANY,      /* `*` */
};

/* lo_ns == hi_ns unless a window `a~b` was written (then hi_ns > lo_ns is
 * allowed, hi_ns >= lo_ns always). Both 0 for NONE and ANY. */
struct script_time {
	enum script_time_kind kind;
	bool range; /* `a~b` was written */
	int64_t lo_ns, hi_ns;
};

enum script_opt_kind {
	SCRIPT_OPT_EOL,
	SCRIPT_OPT_NOP,
	SCRIPT_OPT_MSS,
	SCRIPT_OPT_WSCALE,
	SCRIPT_OPT_SACKOK,
	SCRIPT_OPT_SACK,
	SCRIPT_OPT_TS,
	SCRIPT_OPT_FO,	   /* RFC 7413 kind 34; len 0 is a cookie request */
	SCRIPT_OPT_FOEXP,  /* experimental kind 254, magic 0xF989 */
	SCRIPT_OPT_MD5,	   /* kind 19; data empty means "any digest" */
	SCRIPT_OPT_KIND,   /* `kind N [HEX]`: any kind with raw data */
};

/* One option as written. Which fields mean something depends on kind:
 * MSS: val (0-65535); WSCALE: val (0-255, as written, clamping is a check's
 * business); TS: val and ecr; SACK: nsack blocks; FO/FOEXP/MD5/KIND: data;
 * KIND: number. any_val / any_ecr: `*` was written for that value (for
 * FO, FOEXP, md5 and kind N: for the data). */
struct script_opt {
	enum script_opt_kind kind;
	bool any_val, any_ecr;
	uint32_t val, ecr;
	uint8_t number;
	uint8_t nsack;
	struct {
		uint32_t left, right;
	} sack[SCRIPT_MAX_SACK];
	uint8_t data_len;
	uint8_t data[SCRIPT_MAX_OPT_DATA];
};

/* The IP ECN field written before the flags (`[ect0]`), or none written. */
enum script_ecn {
	SCRIPT_ECN_UNSET,
	SCRIPT_ECN_NOT_ECT, /* [noecn] */
	SCRIPT_ECN_ECT0,
	SCRIPT_ECN_ECT1,
	SCRIPT_ECN_CE,
	SCRIPT_ECN_ECT01, /* [ect01]: either ECT codepoint */
};

/* One segment spec: flags seq ack win urg options. seq and len are relative
 * to the sender's ISN; len is the payload length. In an expected segment a
 * value not written is not checked (has_* false) and any_* means `*` was
 * written. In a segment we send every value is concrete; one not written
 * is packetdrill's default: ack 0 (relative), urg 0, win the runner's. */
struct script_seg {
	uint16_t flags; /* TCPF_* | SCRIPT_TCPF_AE */
	bool has_ace;	/* a digit 0-7 was written: ace holds it (AE|CWR|ECE) */
	uint8_t ace;
	enum script_ecn ecn;
	uint32_t seq;
	uint16_t len;
	bool has_ack, any_ack;
	uint32_t ack;
	bool has_win, any_win;
	uint16_t win;
	bool has_urg;
	uint16_t urg;
	bool any_options; /* `<...>` */
	size_t nopts;	  /* 0 and opts NULL: no options */
	struct script_opt *opts;
};

struct script_line {
	enum script_line_kind kind;
	unsigned lineno, col; /* where the line's first token is, 1-based */
	struct script_time time;
	/* SEND: nalts == 1. EXPECT, EXPECT_OPTIONAL: nalts >= 1, the
	 * alternatives in the order written. Others: 0 and NULL. */
	size_t nalts;
	struct script_seg *alts;
	int64_t silence_ns; /* EXPECT_NOTHING: how long, > 0 */
	/* SKIPPED: what was skipped, for the report. name is the system call's
	 * name ("close"), or "shell", "code", "option", "packet"; text the
	 * source line, trimmed and cut to 120 bytes. */
	enum script_skip_kind skip;
	char *name;
	char *text;
};

enum script_target {
	SCRIPT_TARGET_OPEN,   /* default: a listening port */
	SCRIPT_TARGET_CLOSED, /* a closed port */
};

#define SCRIPT_NEED_DATA 0x1u /* `needs: data`: the target sends data */
/* `needs: timestamps` / `needs: sack`: the script is about an option the
 * peer may rightly not implement (RFC 7323, RFC 2018); a peer whose SYN-ACK
 * does not take it has nothing to check (a conform check skips). */
#define SCRIPT_NEED_TS 0x2u
#define SCRIPT_NEED_SACK 0x4u
/* `needs: open`: a server that keeps the connection open (one whose
 * application closes on its own denies the premise: a conform check
 * skips). */
#define SCRIPT_NEED_OPEN 0x8u

struct script_meta {
	char *id, *ref, *title; /* NULL when not written */
	enum script_target target;
	unsigned needs; /* SCRIPT_NEED_* */
};

struct script {
	char *name; /* the file name given to script_parse */
	struct script_meta meta;
	size_t nlines;
	struct script_line *lines;
	size_t npackets; /* SEND + EXPECT* lines: >= 1 */
};

/* Parse len bytes of buf as a script named name (used in messages). On
 * success returns 0 and *out owns a new script (free with script_free). On
 * failure returns -1, leaves *out NULL and writes one line to err (no
 * newline): "NAME:LINE:COL: message". A script with no packet lines, a NUL
 * or invalid UTF-8 byte, or more than SCRIPT_MAX_BYTES is an error. len is
 * checked before buf is read, so a caller that learned a file's size from
 * fstat may pass (NULL, size) to get the standard "too large" message.
 * Never reads past buf + len; buf need not be NUL-terminated. */
int script_parse(const char *name, const char *buf, size_t len, struct script **out,
		 char *err, size_t errlen);

/* Free a script from script_parse. NULL is fine. */
void script_free(struct script *s);

/* Stable lower-case names for reports and JSON: "send", "expect",
 * "expect-optional", "expect-nothing", "skipped"; "syscall", "shell",
 * "code", "option", "packet"; "absolute", "relative", "any", "none"; "open",
 * "closed"; option names as written in scripts ("mss", "sackOK", "TS"...). */
const char *script_line_kind_name(enum script_line_kind k);
const char *script_skip_kind_name(enum script_skip_kind k);
const char *script_time_kind_name(enum script_time_kind k);
const char *script_target_name(enum script_target t);
const char *script_opt_kind_name(enum script_opt_kind k);

/* Write a segment spec back in packetdrill syntax, e.g.
 * "S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,nop,wscale 7>". Returns what
 * snprintf would (the full length); buf is always NUL-terminated when
 * len > 0. */
size_t script_seg_format(const struct script_seg *s, char *buf, size_t len);

/* Write one option as in a script ("TS val 100 ecr *"). As snprintf. */
size_t script_opt_format(const struct script_opt *o, char *buf, size_t len);

/* Write a packet line's time, direction and alternatives, e.g.
 * "+0.100 > R 1:1(0) | . 1:1(0) ack 1", "+0 > nothing for 0.500". For a
 * skipped line, its text. As snprintf. */
size_t script_line_format(const struct script_line *l, char *buf, size_t len);

/* Write ns as seconds, at least 3 decimals ("0.100", "1.000250"). As
 * snprintf. */
size_t script_secs_format(int64_t ns, char *buf, size_t len);

/* Write a time spec as a script would ("0.100", "+0.1~+0.3", "*", ""). As
 * snprintf. */
size_t script_time_format(const struct script_time *t, char *buf, size_t len);

#endif
