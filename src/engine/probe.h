/*
 * probe: syn mode. Schedules SYN probes over every target port, matches each
 * captured reply to its probe, and reports probe and summary events.
 *
 * Runs single-threaded over a struct wire, so the unit tests drive it with a
 * scripted fake. Per probe it keeps the ISN, the user-space send time and the
 * kernel timestamp of the capture's copy of the SYN; RTT is reply minus that
 * kernel timestamp (ts_source "kernel"), or minus the user-space time when the
 * capture never showed our SYN (ts_source "user").
 */
#ifndef TCPSHAKE_PROBE_H
#define TCPSHAKE_PROBE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/tcpopt.h"
#include "out/output.h"
#include "out/progress.h"
#include "core/target.h"
#include "engine/wire.h"

/* What syn mode needs to know, filled in by main from the command line:
 * the engine never sees the CLI's struct options. */
struct probe_config {
	const struct target_list *targets; /* resolved */
	const struct netaddr *src;         /* per target: our source address (route or -S) */
	const uint16_t *mss;               /* per target: MSS offered when the user set none */
	uint16_t sport_base;               /* our source ports: sport_base .. + nsports - 1 */
	uint16_t nsports;                  /* (see portres.h for why several) */
	uint64_t isn_seed;                 /* 0: random */
	uint32_t tsval_base;               /* our timestamp option value base */
	unsigned long count;               /* probes per target port; 0: until *stop */
	uint64_t interval_ns;              /* between two probes to one target port, > 0 */
	uint64_t timeout_ns;               /* how long a probe's answer is awaited, > 0;
					    * an answer whose RTT (capture time) exceeds
					    * it is late, never answered */
	double rate;                       /* packets per second, all targets; 0: no cap */
	uint8_t ttl;                       /* IP TTL / hop limit of our SYNs */
	struct syn_options syn;            /* the options our SYNs offer */
	bool open_only;                    /* report only target ports found open */
	const struct progress_sink *progress; /* how far the sweep is; NULL: nobody asks */
	/* Answer an ACK that names none of our probes with <SEQ=SEG.ACK><CTL=RST>,
	 * as RFC 9293 has a TCP in SYN-SENT do: for a caller whose RST guard
	 * silences the local kernel, which otherwise says it (the exporter).
	 * Such an ACK means the server holds an older connection on this
	 * port (its SYN-ACK missed) and ignores our SYN until it is reset. */
	bool reset_unacceptable;
};

struct probe_result {
	size_t ports;         /* target ports probed */
	size_t ports_open;    /* whose summary state is open */
	size_t ports_closed, ports_filtered;
	uint64_t sent, received; /* probes, and probes answered, of every port */
	int interrupted;      /* stopped by *stop */
	unsigned long bad;    /* frames that failed to decode */
};

/*
 * Run syn mode to the end (or until *stop becomes nonzero: then every target
 * port's summary so far is reported). Returns 0, or -1 on a runtime error
 * with err filled (a send that failed for a reason other than a transient
 * ENOBUFS, a capture error).
 */
int probe_run(const struct probe_config *cfg, const struct wire *w, struct output *out,
	      const volatile sig_atomic_t *stop, struct probe_result *res, char *err, size_t errlen);

#endif
