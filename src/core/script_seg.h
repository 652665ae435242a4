/*
 * script_seg: one segment spec of a script line (flags, seq, ack, win, urg,
 * options), for script_parse.
 *
 * Private to the script parser: the part of a packet line after the
 * direction, and each alternative after a `|`. `expect` says whether the
 * segment is one the peer sends (`>`), where `*` values and `<...>` are
 * allowed, or one we send, where every value must be concrete.
 */
#ifndef TCPSHAKE_SCRIPT_SEG_H
#define TCPSHAKE_SCRIPT_SEG_H

#include <stdbool.h>

#include "core/script.h"
#include "core/script_lex.h"

/* Parse a segment spec at the lexer's position into seg (zeroed first). On
 * success seg owns its options array (free with script_seg_free). On
 * failure returns -1 with the lexer's error set and nothing to free. */
int script_seg_parse(struct lex *lx, bool expect, struct script_seg *seg);

/* Free what a parsed seg owns (its options); seg itself is the caller's. */
void script_seg_free(struct script_seg *seg);

/* Bytes the options take on the wire, as packetdrill lays them out. */
size_t script_opts_wire_len(const struct script_opt *opts, size_t n);

#endif
