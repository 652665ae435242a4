/*
 * sweep: syn mode over many target ports, one answer each: the engine of
 * port sweeps and fleet sweeps (-c 1 over more than one target port).
 *
 * It walks an index space (tspace.h) in a keyed pseudo-random order
 * (permute.h), optionally one shard of it, and keeps nothing per target
 * or per pair: a probe's ISN names its send record, its source port names
 * its try, and the address and port are recomputed from the pair's index.
 * Send records live in one ring per try, only as long as that try's
 * adaptive timeout (retry.h), so memory follows rate x timeout, not the
 * size of the sweep. A probe not answered in time is sent again, from a
 * new ISN and source port, as often as the loss seen calls for (up to
 * --retries); only then is its port filtered. Results stream as they are
 * decided: one probe event (the deciding try) and one summary a port.
 */
#ifndef TCPSHAKE_SWEEP_H
#define TCPSHAKE_SWEEP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/retry.h"
#include "core/target.h"
#include "core/tcpopt.h"
#include "core/tspace.h"
#include "engine/wire.h"
#include "out/output.h"
#include "out/progress.h"

/* The most retransmissions of one probe (each try has its own source port). */
#define SWEEP_MAX_RETRIES RETRIES_MAX

struct sweep_config {
	const struct tspace *space;        /* the pairs; its target indices name... */
	const struct target_list *targets; /* ...these (host as written) */
	uint64_t hosts;                    /* distinct addresses, for the header */
	uint64_t header_ports;             /* ports for the header (0: this space's) */
	bool continued;                    /* a later part of a streamed sweep: no header */
	const struct netaddr *src;         /* per target: our source address */
	const uint16_t *mss;               /* per target: the MSS to offer */
	uint16_t sport_base;               /* try k goes out from sport_base + k */
	uint16_t nsports;                  /* >= retries + 1 */
	uint64_t isn_seed;                 /* 0: random */
	uint32_t tsval_base;
	uint64_t order_seed;               /* the order's key (--seed) */
	uint64_t shard, nshards;           /* probe shard `shard` of `nshards` (1/1: all) */
	uint64_t timeout_ns;               /* -W: no try waits longer */
	double rate;                       /* SYNs per second (retransmissions included;
	                                    * not our RSTs), 0: no cap */
	unsigned retries;                  /* at most this many retransmissions a probe */
	uint8_t ttl;
	struct syn_options syn;
	bool open_only;                    /* report only open ports (totals count all) */
	const struct progress_sink *progress; /* NULL: nobody watches */
};

struct sweep_result {
	uint64_t ports;                    /* pairs decided */
	uint64_t open, closed, filtered;
	uint64_t sent;                     /* SYNs, retransmissions included */
	uint64_t retries;                  /* of them, retransmissions */
	uint64_t received;                 /* pairs answered */
	uint64_t duplicates, late;         /* answers after the first / after the try's timeout */
	uint64_t bad;                      /* frames that failed to decode */
	uint64_t bad_checksum;             /* answers ignored for a bad checksum */
	uint64_t foreign;                  /* frames to our ports that named no probe of ours */
	uint64_t ring_peak;                /* the most tries in flight at once (memory) */
	uint64_t first_send_ns, last_send_ns; /* the sending's span (the rate achieved) */
	uint64_t paced;                    /* times a queue on the path slowed the pace */
	uint64_t rate_short;               /* SYNs --rate was due and the machine could not
	                                    * send in time (0: the rate was held) */
	int interrupted;
};

/* Add the result of one part of a sweep to sum (a streamed target file is
 * swept a part at a time): counts add up, the sending's span stretches. */
void sweep_result_add(struct sweep_result *sum, const struct sweep_result *part);

/* Run the sweep to its end (or *stop). Returns 0, or -1 with err on a
 * runtime error (a send that kept failing, the capture). */
int sweep_run(const struct sweep_config *cfg, const struct wire *w, struct output *out,
	      const volatile sig_atomic_t *stop, struct sweep_result *res, char *err, size_t errlen);

#endif
