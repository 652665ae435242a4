/*
 * event: what the engines report and the formatters print.
 *
 * Output modules see only these value structs, never capture or session
 * internals (docs/architecture.md). Strings are borrowed for the call's duration.
 */
#ifndef TCPSHAKE_EVENT_H
#define TCPSHAKE_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/netaddr.h"
#include "core/segment.h"
#include "core/connmodel.h"
#include "core/stats.h"
#include "core/verdict.h"

enum port_state { PORT_OPEN, PORT_CLOSED, PORT_FILTERED };

/* Which answer came: the JSON `reply` key. */
enum reply_kind { REPLY_NONE, REPLY_SA, REPLY_RA, REPLY_R, REPLY_ICMP };

/* Where the RTT's send timestamp came from. */
enum ts_source {
	TS_KERNEL, /* both ends from kernel capture timestamps */
	TS_USER,   /* send time taken in user space right after the send */
};

const char *port_state_name(enum port_state s);    /* "open" "closed" "filtered" */
const char *reply_kind_name(enum reply_kind r);    /* "SA" "RA" "R" "icmp" "none" */
const char *ts_source_name(enum ts_source t);      /* "kernel" "user" */
/* Name of an ICMP(v6) error for `icmp:<name>`: "admin-prohibited",
 * "port-unreachable", "host-unreachable", "net-unreachable", "time-exceeded",
 * ... or "type-T-code-C" when unknown. family is AF_INET or AF_INET6. */
const char *icmp_error_name(int family, uint8_t type, uint8_t code, char *buf, size_t len);

/* One probe's outcome (type "probe"). */
struct probe_event {
	const char *host;       /* as the user wrote it */
	struct netaddr addr;    /* the address probed */
	uint16_t port;
	uint16_t sport;         /* our source port */
	uint32_t seq;           /* probe number for this target port, from 1 */
	enum port_state state;
	enum reply_kind reply;
	uint8_t icmp_type, icmp_code; /* when reply is REPLY_ICMP */
	struct netaddr icmp_from;     /* who sent the ICMP error */
	bool answered;          /* false: rtt and the reply fields below are unset */
	double rtt_ms;
	enum ts_source ts_source;
	uint8_t ttl;            /* of the reply */
	uint16_t win;           /* of a TCP reply */
	struct tcp_options opt; /* of a SYN-ACK */
	uint8_t flags;          /* of a TCP reply */
	uint64_t time_ns;       /* when its outcome was known, ns of CLOCK_REALTIME (the
	                         * wire's clock): the answer's capture time, or the moment
	                         * its timeout passed; 0: unknown (-D prints nothing) */
};

/* The RTT of an answer captured at reply_ns to a SYN whose capture copy
 * was stamped syn_kernel_ns (0: the capture missed it) and which was sent
 * at syn_user_ns by the user-space clock: from the kernel stamp when there
 * is one not after the answer (*src TS_KERNEL), else from the user-space
 * one (TS_USER). An answer stamped before its base (a clock step) is 0. */
uint64_t probe_reply_rtt_ns(uint64_t syn_kernel_ns, uint64_t syn_user_ns, uint64_t reply_ns,
			    enum ts_source *src);

/* Fill the answer part of e from the segment that answered a SYN: reply,
 * answered, ttl, the RTT, the state it means (SYN-ACK open, RST closed, an
 * ICMP error filtered) and the fields of that kind of answer (an ICMP
 * error's type, code and sender; a TCP answer's window and flags; a
 * SYN-ACK's options). Where and when (host, port, seq, time) stay the
 * caller's. */
void probe_event_answer(struct probe_event *e, const struct segment *seg, enum reply_kind reply,
			uint64_t rtt_ns, enum ts_source src);

/* The end of one target port (type "summary"). */
struct summary_event {
	const char *host;
	struct netaddr addr;
	uint16_t port;
	uint32_t sent, received;
	double loss_pct;
	enum port_state state;     /* open if any SYN-ACK, else closed if any RST, else filtered */
	struct stats_summary rtt;  /* rtt.n == 0: no RTT figures (JSON null) */
	uint32_t duplicates;       /* extra answers to an already answered probe */
	uint32_t bad_checksum;     /* replies ignored for a bad checksum */
	uint32_t late;             /* answers that came after the probe's timeout */
	bool swept;                /* a sweep's port: its one probe line said it all */
};

/* Handshake outcome of a crafted connection (the JSON `handshake`). */
enum handshake { HS_OK, HS_REFUSED, HS_TIMEOUT, HS_UNREACHABLE };
const char *handshake_name(enum handshake h); /* "ok" "refused" "timeout" "unreachable" */

/* One crafted connection (type "session"): its segments as connmodel
 * judged them, and the verdict. */
struct session_event {
	const char *host;
	struct netaddr addr;
	uint16_t port;
	uint16_t sport;
	uint32_t number;          /* connection number for this target port, from 1 */
	enum handshake handshake;
	bool rtt_valid;
	double rtt_ms;            /* handshake RTT: SYN-ACK minus our (last) SYN */
	enum ts_source ts_source;
	const char *close;        /* "active" "passive" "half" "rst" */
	enum teardown teardown;
	uint64_t t0_ns;           /* time of our first SYN: segments' t_ms count from it */
	uint32_t iss, irs;        /* for relative sequence numbers; irs valid if have_irs */
	bool have_irs;
	const struct conn_entry *segs;
	size_t nsegs;
	const struct deviation *devs;
	size_t ndevs;
	uint64_t bytes_out, bytes_in, bytes_in_after_fin;
	uint32_t retrans_out, retrans_in;
	double time_wait_ms;      /* 2 x MSL as RFC 9293 plans it (0: we never reached TIME_WAIT) */
	double time_wait_held_ms; /* how long we really held it, answering FINs */
	const char *cause;        /* why it ended early (a reset, the local kernel), or NULL */
	const uint8_t *data_in;   /* the peer's bytes in order, the first data_in_len of them */
	size_t data_in_len;
	uint8_t icmp_type, icmp_code; /* when handshake is HS_UNREACHABLE */
	struct netaddr icmp_from;
	uint64_t time_ns;         /* when the connection's report was made (wire clock);
	                           * 0: unknown */
};

/* One conformance check's outcome (type "check"). */
struct check_event {
	const char *host;
	struct netaddr addr;
	uint16_t port;
	const char *id, *ref, *what;
	enum check_result result;
	const char *detail;
	const struct conn_seg *evidence; /* the segments that decided it */
	size_t nevidence;
	uint64_t t0_ns;
	size_t index, total;             /* its place in the suite run, from 1 */
	uint64_t time_ns;                /* when it was decided (wire clock); 0: unknown */
};

/* A script's outcome (type "script"). */
enum script_outcome {
	SCRIPT_OUTCOME_PASS,  /* every line held */
	SCRIPT_OUTCOME_FAIL,  /* the peer did not do what a line says */
	SCRIPT_OUTCOME_ERROR, /* our side could not run it (a send failed, our kernel's RST...) */
};
const char *script_outcome_name(enum script_outcome r); /* "pass" "fail" "error" */

/* One script run against one target port (type "script"). Strings that do
 * not apply are NULL; line is 0 for a pass. */
struct script_event {
	const char *file;          /* the script's name as given */
	const char *host;
	struct netaddr addr;
	uint16_t port;
	uint16_t sport;            /* our source port for it */
	enum script_outcome result;
	unsigned line;             /* the line that failed or erred, from 1; 0: none */
	const char *field;         /* "ack", "flags", "time", "segment"... */
	const char *expected, *actual;
	const char *detail;        /* one line: what was expected and what came */
	const char *const *skipped; /* "LINE: name" of each line a remote run skips */
	size_t nskipped;
	const char *const *notes;  /* "LINE: ..." what the runner allowed (a folded optional line...) */
	size_t nnotes;
	uint64_t t0_ns;            /* segments' t_ms count from it */
	uint32_t iss, irs;         /* for relative numbers; irs valid if have_irs */
	bool have_irs;
	const struct conn_entry *segs; /* both ways, capture time, with both ends' states */
	size_t nsegs;
	uint64_t time_ns;          /* when the run ended (wire clock); 0: unknown */
};

/* A target that could not be probed at all: its name did not resolve, or
 * the kernel has no route to it (type "error" with "host"). The run goes on
 * with the others; formats that report per port (prom) give each of ports
 * a series. */
struct target_error_event {
	const char *host;          /* as the user wrote it */
	const uint16_t *ports;     /* the ports it named */
	size_t nports;
	const char *message;       /* one line, no "tcpshake: " prefix */
};

/* The totals of a whole run (type "run"), given once before the end when
 * more than one target port was probed or planned. */
struct run_event {
	size_t hosts;              /* targets probed */
	size_t ports;              /* target ports probed */
	size_t open, closed, filtered;
	size_t errors;             /* target ports that could not be probed */
	uint64_t sent, received;   /* probes (connect: connections) and their answers */
	double elapsed_s;          /* from the first packet to the end */
	/* A sweep's (sweep true): how it went on the wire. */
	bool sweep;
	uint64_t retries;          /* retransmissions among sent */
	double rate_pps;           /* SYNs sent per second, achieved */
	uint64_t capture_drops;    /* frames the kernel dropped before we read them */
	/* Frames ignored, by reason. */
	uint64_t ign_undecodable;  /* not a frame we could decode */
	uint64_t ign_bad_checksum; /* an answer with a bad TCP checksum */
	uint64_t ign_unmatched;    /* to our ports, naming no try still awaited */
	uint64_t ign_late;         /* an answer whose RTT exceeded -W */
	uint64_t ign_duplicate;    /* an answer to a try already answered */
};

#endif
