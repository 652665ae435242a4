/*
 * script_match: between a script's segment specs (core/script.h) and the
 * segments on the wire, both ways, with a run's sequence and timestamp
 * mapping.
 *
 * Pure. A script writes relative numbers (each side's ISN is 0) and its own
 * TSvals; the wire carries absolute ones. struct script_map says how one
 * run maps them. script_match() compares one observed peer segment with an
 * expected spec, as a remote run must (the peer chooses some values, and
 * only the script knows which it cares about):
 *
 *   - flags exactly (a digit written for AccECN's ACE field compares AE,
 *     CWR and ECE with it, the other flags exactly);
 *   - seq (relative to the peer's ISN) and payload length;
 *   - ack (relative to our ISN), win and urg only where written and not `*`;
 *   - options: `<...>` matches any; no list written means none (NOP and
 *     EOL padding aside), as in packetdrill; otherwise as a set of kinds
 *     (each written option must be there, nothing else may be), values
 *     compared where written and not `*` (MSS value, wscale shift, SACK
 *     blocks, TS ecr against the TSval we sent for the script's value, FO
 *     cookie, kind N data), TSval never: no script knows a remote clock.
 *     With strict set: the same options in the same order, NOPs included,
 *     and a written TSval compared too.
 *
 * A mismatch comes back as field / expected / actual strings for a report
 * in packetdrill's manner: "ack: expected 2, got 1".
 *
 * The other way, script_build_options() writes the option bytes of a `<`
 * line, and script_format_observed() writes an observed segment back in
 * script syntax, relative, for reports.
 */
#ifndef TCPSHAKE_SCRIPT_MATCH_H
#define TCPSHAKE_SCRIPT_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/script.h"
#include "core/segment.h"

/* How one run maps a script's numbers onto the wire. */
struct script_map {
	uint32_t iss;        /* our ISN: our seq, the peer's ack and SACK blocks count from it */
	bool have_irs;       /* the peer's ISN is known (its SYN was seen) */
	uint32_t irs;        /* the peer's ISN: its seq counts from it */
	uint32_t tsval_base; /* a TS val V of the script goes out as tsval_base + V */
	bool strict_options; /* --strict-options */
};

/* One difference, for "FIELD: expected EXPECTED, got ACTUAL". */
struct script_mismatch {
	char field[24];     /* "flags", "seq", "ack", "win", "urg", "options", "mss", "TS ecr"... */
	char expected[192];
	char actual[192];
};

/* Compare the peer's segment got (a TCP segment; its options pointer may
 * be NULL when it has none) with the expected spec want. Returns true on a
 * match; false with *m filled at the first difference, in the order
 * flags, seq, ack, win, urg, options. */
bool script_match(const struct script_seg *want, const struct segment *got, const struct script_map *map,
		  struct script_mismatch *m);

/* Write got as a script line writes a segment, with relative numbers and
 * every option it carries: "S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK>".
 * TS ecr is shown in the script's values (less tsval_base), TSval as sent.
 * As snprintf: returns the full length, buf is NUL-terminated when len > 0. */
size_t script_format_observed(const struct segment *got, const struct script_map *map, char *buf,
			      size_t len);

/* The option bytes of a `<` line's spec s, written as the script lists
 * them and padded with EOL to a multiple of 4, into out. TS val V is sent
 * as tsval_base + V; TS ecr as ts_recent when have_ts_recent (the peer's
 * latest TSval), else as written plus nothing (0 stays 0). SACK blocks
 * count from the peer's ISN. Returns the length (0..40), or -1 with a
 * message in err when the list does not fit 40 bytes or holds a `*`. */
int script_build_options(const struct script_seg *s, const struct script_map *map, bool have_ts_recent,
			 uint32_t ts_recent, uint8_t out[40], char *err, size_t errlen);

/* The spec's flags as TCP header bits: *flags for byte 13 and *reserved
 * for the low 4 bits of byte 12 (AE is its lowest). */
void script_seg_wire_flags(const struct script_seg *s, uint8_t *flags, uint8_t *reserved);

#endif
