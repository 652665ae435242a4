/*
 * progress: the one progress line of a long run, as values and as text.
 *
 * An engine knows how far it is (items done of a total, probes sent, target
 * ports found open, the check running now) and when it started, by its own
 * clock; it does not know whether anyone is watching, nor how a line is
 * drawn. So it fills a struct progress_counts and hands it to the struct
 * progress_sink its config carries (NULL: nobody watches), as often as it
 * likes: the sink (progress_line.h, or a test's recorder) decides when to
 * draw. Formatting the line is a pure function of the counts and the time,
 * so the unit tests pin every spelling: rates (18.2k/s), durations
 * (ETA 1 min 05 s), unknown totals, nothing done yet.
 */
#ifndef TCPSHAKE_PROGRESS_H
#define TCPSHAKE_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum progress_kind {
	PROGRESS_SWEEP,  /* probes or connections: done/total UNIT, rate, open, ETA */
	PROGRESS_CHECKS, /* conform: check i/n ID, ETA */
};

/* How far a run is. Value struct: the engine fills it, the sink reads it
 * during the call only (item is borrowed). */
struct progress_counts {
	enum progress_kind kind;
	const char *unit;  /* PROGRESS_SWEEP: what done and total count
			    * ("ports", "probes", "connections") */
	uint64_t done;     /* items finished */
	uint64_t total;    /* items the run will do; 0: unknown (-c 0) */
	uint64_t sent;     /* probes or connections started: the rate's count */
	uint64_t open;     /* target ports found open so far */
	const char *item;  /* PROGRESS_CHECKS: the check running now, or NULL */
	bool item_slow;    /* that check takes several seconds */
	uint64_t start_ns; /* when the run began, on the engine's clock (ns) */
};

/* Where an engine reports progress. Owned by whoever composes the run
 * (main); an engine borrows it through its config for the run's length and
 * calls it through the NULL-safe progress_* functions below. */
struct progress_sink {
	/* How far the run is at now_ns (the engine's clock). Called as often
	 * as the engine likes (every loop turn, every check): the sink decides
	 * whether and when to draw. */
	void (*update)(void *ctx, const struct progress_counts *c, uint64_t now_ns);
	/* A message for the user about the item starting now (msg without the
	 * "tcpshake: " prefix, no newline), e.g. that a check is slow. A sink
	 * whose line names the item may show it there instead. */
	void (*note)(void *ctx, const char *msg);
	/* The run is over (finished, failed or interrupted), before its final
	 * output: nothing of the progress line may stay on the screen. */
	void (*end)(void *ctx);
	void *ctx;
};

/* The engine side: each does nothing when s (or its function) is NULL. */
void progress_report(const struct progress_sink *s, const struct progress_counts *c,
		     uint64_t now_ns);
void progress_note(const struct progress_sink *s, const char *msg);
void progress_end(const struct progress_sink *s);

/* The line for c at now_ns, without a newline, into buf (always
 * NUL-terminated when len > 0), e.g.
 *   tcpshake: 12034/65535 ports  18.2k/s  3 open  ETA 3 s
 *   tcpshake: check 12/51 rst-closed-port  ETA 40 s
 * The rate is left out before any time has passed, the ETA while nothing
 * is done or the total is unknown. Returns the line's length (not counting
 * what did not fit). */
size_t progress_format(const struct progress_counts *c, uint64_t now_ns, char *buf, size_t len);

/* A rate in items per second, short: "0.5/s", "42/s", "18.2k/s", "1.05M/s". */
void progress_format_rate(double per_s, char *buf, size_t len);

/* A remaining time, rounded to the second: "3 s", "2 min 05 s",
 * "1 h 05 min", and ">99 h" beyond. */
void progress_format_duration(uint64_t ns, char *buf, size_t len);

/* The time left, if the pace so far holds: false while nothing is done or
 * the total is unknown. Does not overflow for any counts. */
bool progress_eta_ns(const struct progress_counts *c, uint64_t now_ns, uint64_t *eta_ns);

#endif
