/*
 * script_run: one parsed script (core/script.h) run against one target port
 * of a remote, black-box TCP, on the endpoint (engine/endpoint.h): one
 * connection from one fresh source port.
 *
 * The remote semantics, which packetdrill (running on the host under test)
 * never needed:
 *
 *  - `<` lines are crafted and sent when their time comes, counted from the
 *    previous line's event as it happened. Our seq counts from our ISN, our
 *    ack and SACK blocks from the peer's (learned from its SYN; before that
 *    an ack goes out as written). `TS val V` goes out as our TSval base + V,
 *    so a script keeps full control of its TSvals (PAWS checks need that);
 *    its ecr is the peer's latest TSval once one was seen.
 *  - `>` lines: the peer's next segment must match (core/script_match.h)
 *    and arrive in time: its time counts from the event that triggered it,
 *    plus the path RTT when that event was a segment of ours, within
 *    --tolerance or the line's own `a~b` window; `*` is any time up to the
 *    answer timeout. The RTT is measured on the first answer to one of our
 *    segments (so the first answer itself is only held to the timeout). A
 *    segment the remote application sends on its own schedule (after a
 *    skipped system call such as `close(4)`) is held only to "not early,
 *    not later than the answer timeout" unless the line writes a window.
 *    All times are the capture's timestamps, both ways.
 *  - `>?` optional: a segment that does not match it is handed to the
 *    next line; if none comes in its time, it is passed over, and its
 *    segment coming late (before the peer's next expected one) is
 *    tolerated. Notes say which.
 *  - `A | B`: any alternative may match.
 *  - `> nothing for D`: any peer segment in that time fails; the line's
 *    event is the end of the silence.
 *  - System calls and other lines a remote run cannot honour are skipped
 *    and listed; their times still move the script's clock.
 *  - A peer segment while the next line is `<` (or an optional passed
 *    over) fails as unexpected, unless it repeats a segment already
 *    matched (a retransmission: noted). Segments after the last line are
 *    not judged.
 *  - At the end the connection is reset if it is still open, so nothing
 *    stays half-open on the server.
 *
 * The first failure ends the run, as in packetdrill.
 */
#ifndef TCPSHAKE_SCRIPT_RUN_H
#define TCPSHAKE_SCRIPT_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "core/script.h"
#include "engine/endpoint.h"

struct script_run_config {
	uint16_t sport, dport;      /* our source port (in the endpoint's block) and the target port */
	uint64_t tolerance_ns;      /* --tolerance */
	uint64_t answer_timeout_ns; /* -W: `*` lines, the first answer, late answers */
	bool strict_options;        /* --strict-options */
};

struct script_run_result {
	enum script_outcome result;
	unsigned line; /* the failing line, 0 on a pass */
	char field[24];
	char expected[192], actual[192];
	char detail[512];
	char **skipped; /* "LINE: name", owned */
	size_t nskipped;
	char **notes;   /* "LINE: what was allowed", owned */
	size_t nnotes;
	uint32_t iss, irs;
	bool have_irs;
	uint64_t t0_ns;  /* when the run began: the timeline counts from it */
	bool have_rtt;
	uint64_t rtt_ns; /* the path RTT measured */
};

/* Run s on ep (src, dst, port block set by the caller) as cfg says. The
 * endpoint's timeline is reset first and holds the run's segments after
 * (ep_timeline_model gives both ends' states). res is always filled (free
 * it with script_run_result_free). Returns 0 when the run reached a
 * result (pass, fail, or an error of this run only, such as a segment too
 * long for the path), -1 when the whole run must end: stopped (errno
 * EINTR) or a runtime error (ep->failed, ep's err says why). */
int script_run(struct endpoint *ep, const struct script *s, const struct script_run_config *cfg,
	       struct script_run_result *res);

void script_run_result_free(struct script_run_result *res);

#endif
