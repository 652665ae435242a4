/*
 * raw_peer: a scripted TCP server for the lab, correct except for one
 * deliberate misbehaviour per script. Connect mode judges how a peer tears
 * a connection down, and conform mode runs RFC checks against a server;
 * the kernel's TCP (lab_server) only ever does these right, and to see
 * tcpshake flag a wrong peer we need one that is wrong on purpose, in a
 * known way. So this one speaks TCP itself over a raw socket.
 *
 *   raw_peer [--verbose] --port PORT --script NAME [--addr LOCAL_IPV4]
 *
 * IPv4 only. One socket(AF_INET, SOCK_RAW, IPPROTO_TCP) receives a copy of
 * every incoming TCP segment of the namespace; those for PORT (and LOCAL,
 * if given) drive one connection at a time, and a SYN from another client
 * (address or port) starts over. The same socket sends with IP_HDRINCL, so
 * replies leave from exactly the address the client used.
 *
 * The baseline (script "conformant"; every other script is the baseline
 * with one change, see the table `scripts` below), after RFC 9293, RFC 5961
 * and RFC 7323:
 *
 *   - Segments with a bad TCP checksum are dropped silently. Reserved
 *     header bits are ignored, and so are options we do not know. An
 *     illegal option length (0, 1, or past the header) ends the parsing
 *     of that segment's options (MUST-7): what came before it counts.
 *   - SYN -> SYN-ACK with a random ISN per connection, MSS 1460, and only
 *     what the SYN offered of window scale (we offer 7), SACK-permitted and
 *     timestamps (TSecr = the SYN's TSval); never an unknown option. The
 *     same SYN again gets the same SYN-ACK again. Without the handshake's
 *     ACK, the SYN-ACK is retransmitted after 1 s, 2 s, 4 s, 8 s and 16 s,
 *     and 32 s after that the half-open connection is forgotten. A
 *     handshake ACK with a wrong ack gets RST <seq = its ack>.
 *   - With timestamps, every non-RST segment carries one (TSecr = TS.Recent,
 *     RFC 7323 4.3); with window scaling, our window field is 65535 >> 7.
 *     Without it, 65535. Our receive window is what that field says.
 *   - RST (RFC 5961 3.2): seq == rcv_nxt ends the connection silently;
 *     seq elsewhere in the receive window gets a challenge ACK (seq =
 *     snd_nxt, ack = rcv_nxt) and the connection stays; outside it, ignored.
 *   - SYN in a synchronized state (RFC 5961 4.2): challenge ACK.
 *   - A segment failing RFC 9293's acceptability test (none of it in the
 *     receive window, or an old duplicate): ACK (ack = rcv_nxt), dropped.
 *   - An ACK of bytes never sent (ack > snd_nxt): ACK, segment dropped
 *     (its data is not taken).
 *   - Data is ACKed with ack = rcv_nxt (no out-of-order queue: a segment
 *     past a hole only gets a duplicate ACK, at once, RFC 5681 4.2; with
 *     SACK permitted it carries one SACK block, that segment's, RFC 2018
 *     4). URG data is data like any. Data on a SYN is not taken.
 *   - PAWS (RFC 7323 5.3): with timestamps, a non-RST segment whose TSval
 *     is older than TS.Recent gets an ACK and is dropped.
 *   - ECE/CWR on a SYN, and options we do not know (TFO's, MPTCP's), are
 *     ignored: a plain SYN-ACK. A window scale above 14 is taken as 14.
 *   - Echo: every new in-order data byte is answered with one byte 'z'
 *     (PSH|ACK on the segment that empties the queue, the ACK riding on
 *     it), until our FIN is out, in segments of the send MSS (RFC 9293
 *     3.7.1): the SYN's MSS option, else 536 (MUST-15), at most our own
 *     1460, less 12 with timestamps. So a client that sends enough sees
 *     our segment sizes (default-mss).
 *   - The echo is sent as a TCP sender must: no more in flight than the
 *     client's window and our congestion window allow, which starts at
 *     RFC 6928's min(10 * MSS, max(2 * MSS, 14600)) and grows by each byte
 *     acknowledged. Unacknowledged data is retransmitted (the first
 *     segment) after an RTO of 1 s, doubled each time (RFC 6298 5.5),
 *     cwnd back to one segment; after 6 retransmissions, RST. A zero
 *     window with data queued starts the persist timer: a probe (a bare
 *     ACK at snd_una - 1, as Linux sends) after 1 s, then 2 s, 4 s...
 *     for as long as the client answers (RFC 9293 3.8.6.1).
 *   - The client's FIN: bare ACK (ack = FIN seq + 1), our FIN|ACK 20 ms
 *     later; once the client ACKs it (LAST_ACK done) the connection is
 *     gone. When we closed first, TIME_WAIT instead (60 s), where a
 *     retransmitted FIN is re-ACKed.
 *   - No connection (RFC 9293 3.10.7.1): RST -> nothing; a segment with
 *     ACK -> RST <seq = its ack>; any other non-SYN -> RST|ACK <seq 0,
 *     ack = its seq + its length (SYN and FIN count one)>.
 *
 * The teardown scripts for connect mode (what happens on the client's FIN,
 * "FIN seq" being the sequence number it occupies):
 *
 *   conformant      the baseline
 *   wrong-ack       ACK and FIN|ACK with ack = FIN seq (no +1)
 *   rst-on-fin      RST (seq = snd_nxt, no ACK bit) and forget
 *   no-fin          ACK (ack = FIN seq + 1) and never FIN: CLOSE_WAIT
 *   data-after-fin  ACK, FIN|ACK, then 20 ms later "late\n" (PSH|ACK)
 *                   with seq = our FIN seq + 1, after our own FIN
 *   seq-gap         on the handshake's last ACK, "gap\n" sent 100 bytes
 *                   past snd_nxt, which is then counted as sent, so the
 *                   hole never fills; on FIN, as conformant (our FIN after
 *                   the hole)
 *   ack-unsent      ACK and FIN|ACK with ack = FIN seq + 1 + 1000
 *   close-first     on the handshake's last ACK, "bye\n" then FIN|ACK (an
 *                   HTTP/1.0 server); the client's FIN gets ACK = FIN seq
 *                   + 1, then TIME_WAIT
 *
 * (wrong-ack, data-after-fin, seq-gap and ack-unsent keep their connection
 * when both FINs are through, as they always did.) The scripts for conform
 * mode, each the baseline with the one misbehaviour its check must catch:
 *
 *   synack-wrong-ack      SYN-ACK ack = the client's ISN (not ISN + 1)
 *   synack-no-mss         SYN-ACK without the MSS option
 *   echo-unasked          SYN-ACK always with window scale, SACK-permitted
 *                         and timestamps (TSecr 0 if the SYN had none);
 *                         only what the SYN offered is used afterwards
 *   tsecr-wrong           SYN-ACK TSecr = the SYN's TSval + 1
 *   rst-wrong-seq         no connection: a segment with ACK gets RST seq 0
 *   no-challenge-ack      an in-window RST (seq != rcv_nxt) ends the
 *                         connection silently; a SYN in a synchronized state
 *                         gets RST|ACK (seq = snd_nxt, ack = rcv_nxt), and
 *                         the connection is forgotten
 *   accept-bad-ack        data whose ack > snd_nxt is taken and ACKed
 *   no-ooo-ack            a segment failing the acceptability test is
 *                         dropped silently
 *   no-synack-retrans     no SYN-ACK retransmission on the timer (a
 *                         repeated SYN is still answered)
 *   synack-rto-early      the first SYN-ACK retransmission after 0.5 s,
 *                         below RFC 6298's 1 s floor (then doubling)
 *   synack-no-backoff     SYN-ACK retransmissions every 1 s, never doubled
 *   synack-rto-6s         conformant, but the first SYN-ACK retransmission
 *                         after 6 s, as 4.4BSD-derived stacks (libslirp)
 *   linear-isn            ISN = 1000000 + 64000 * connections so far
 *   no-csum-check         segments with a bad checksum are processed
 *   echo-unknown-option   unknown options of the SYN copied into the
 *                         SYN-ACK (as many whole ones as fit)
 *   reserved-bits-rst     a SYN with a reserved bit set gets RST|ACK
 *                         (seq 0, ack = its seq + 1 + its length)
 *   rst-after-lastack-none  after LAST_ACK, segments of that connection
 *                         are ignored (no RST)
 *   timewait-rst          close-first, but in TIME_WAIT a retransmitted
 *                         FIN gets RST (seq = snd_nxt, no ACK bit) and the
 *                         connection is forgotten
 *   urg-breaks            a segment with URG gets RST|ACK (seq = snd_nxt,
 *                         ack = rcv_nxt) and the connection is forgotten
 *   oow-rst-closes        a RST outside the receive window ends the
 *                         connection silently, like one at rcv_nxt
 *   ignore-default-mss    without an MSS option in the SYN, the echo goes
 *                         in segments of 1400 bytes, not 536
 *   option-length-hangs   a SYN with an option of length 0 is never
 *                         answered, and neither is any SYN after it (a
 *                         parser that loops on the length: the peer stops
 *                         accepting connections)
 *   iw-huge               no congestion window: the echo goes out as fast
 *                         as it comes in, whatever is unacknowledged
 *   ack-slow              new data is acknowledged (and echoed) 600 ms
 *                         after it came, above MUST-40's 0.5 s
 *   data-no-backoff       the data RTO stays 1 s, never doubled
 *   zwp-none              a zero window is never probed: the queue waits
 *                         for a window update that may never come
 *   zwp-gives-up          RST|ACK instead of the third zero-window probe,
 *                         though the client answered the first two
 *   challenge-fails-open  challenge ACKs limited to 10 a second, and once
 *                         they are spent an in-window RST ends the
 *                         connection (a throttle that fails open)
 *   closed                a closed port, correctly: SYN -> RST|ACK seq 0
 *                         ack = ISN + 1; a segment with ACK -> RST seq =
 *                         its ack; RST -> nothing
 *   closed-rst-wrong      a closed port, wrongly: SYN -> RST|ACK seq 0 ack =
 *                         ISN; a segment with ACK -> RST seq 0; a RST is
 *                         answered (RST|ACK seq 0 ack = its seq + length,
 *                         or RST seq 0 if it has ACK); a FIN is not
 *                         counted in the RST's ack
 *
 * The scripted checks (share/checks), one misbehaviour each:
 *
 *   ecn-echo-all          every SYN-ACK has ECE and CWR
 *   dup-syn-new-isn       the same SYN again in SYN_RCVD starts a new
 *                         connection, with a new ISN
 *   synrcvd-rst-ignored   a RST in SYN_RCVD is ignored: the SYN-ACK goes on
 *                         being retransmitted
 *   synrcvd-bad-ack-taken a handshake ACK of any number completes the
 *                         handshake (no RST)
 *   syn-data-acked        data on a SYN is taken and the SYN-ACK
 *                         acknowledges it (no TFO cookie asked or given)
 *   tfo-rst               a SYN with a Fast Open option gets RST|ACK
 *   mptcp-rst             a SYN with MP_CAPABLE (kind 30) gets RST|ACK
 *   wscale15-rst          a SYN with a window scale above 14 gets RST|ACK
 *   ts-not-on-acks        with timestamps, bare ACKs carry none
 *   no-paws               segments with an old TSval are taken
 *   no-sack-blocks        SACK-permitted, but no SACK block is ever sent
 *   sack-unasked          SACK blocks sent without SACK-permitted
 *   ooo-ack-delayed       the duplicate ACK for out-of-order data 200 ms
 *                         late, as a delayed ACK
 *   fin-data-unacked      a FIN that carries data is not counted: ack =
 *                         the data's end
 *   ack-unsent-silent     an ACK of bytes never sent is dropped silently
 *   rst-data-ignored      a RST that carries data is ignored
 *   rst-ignored           every RST of a connection is ignored
 *   listen-rst-answered   a RST with no connection gets RST|ACK
 *
 * A retransmitted client FIN gets the same answer again: our FIN|ACK once
 * more if our FIN is out and not yet ACKed (it carries the ACK too), else
 * a bare ACK. Apart from the SYN-ACK and unacknowledged echo data we never
 * retransmit: the lab does not lose packets unless a test asks it to, and
 * scripted segments are easier to assert on when each is sent exactly
 * once.
 *
 * The namespace's own TCP has no socket on PORT and answers everything
 * with RST; lab.sh (lab_raw_peer) drops outgoing RSTs from PORT unless they
 * carry our SO_MARK, RAW_PEER_MARK.
 *
 * One thread, one ppoll() loop; TERM and INT are blocked except inside
 * ppoll(), where they set the stop flag. Silent on success; --verbose
 * writes one line per segment and event to stderr.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RAW_PEER_MARK 0x72617770u /* "rawp"; lab.sh's nft rule knows it */
#define RXBUF_SIZE 65536          /* any IPv4 packet */
#define SOCKBUF_BYTES (1 << 20)   /* we see all TCP of the namespace */
#define WINDOW 65535              /* advertised (before scaling) */
#define WSCALE 7                  /* our shift, when the SYN offered one */
#define MSS 1460                  /* veth MTU 1500 - 40 */
#define NS_PER_MS 1000000u
#define NS_PER_S 1000000000u
#define LAG_NS (20 * NS_PER_MS)   /* 20 ms before a scripted later segment */
#define SYNACK_RTO_NS ((uint64_t)NS_PER_S) /* first SYN-ACK retransmission */
#define SYNACK_RETRIES 5
#define DATA_RTO_NS ((uint64_t)NS_PER_S) /* RFC 6298 2.1, 2.4 */
#define DATA_RTO_MAX_NS (60 * (uint64_t)NS_PER_S)
#define DATA_RETRIES 6            /* then the connection is reset */
#define IW_CAP 14600u             /* RFC 6928 2 */
#define HUGE_CWND (1u << 30)      /* iw-huge: no congestion window at all */
#define SLOW_ACK_NS (600 * (uint64_t)NS_PER_MS) /* ack-slow: above MUST-40's 0.5 s */
#define CHALLENGE_OPEN_AFTER 10   /* challenge-fails-open: ... this many a second */
#define ZWP_GIVE_UP 2             /* zwp-gives-up: probes before the RST */
#define TIME_WAIT_NS (60 * (uint64_t)NS_PER_S)
#define GAP_BYTES 100             /* seq-gap: how far past snd_nxt */
#define ACK_UNSENT_EXTRA 1000     /* ack-unsent: how far past the FIN */
#define LINEAR_ISN_BASE 1000000u  /* linear-isn */
#define LINEAR_ISN_STEP 64000u
#define DEFAULT_MSS 536           /* RFC 9293 MUST-15, IPv4, no MSS option */
#define IGNORED_MSS 1400          /* ignore-default-mss: what it assumes */
#define TS_OPTLEN 12              /* NOP, NOP, TS on every segment */
#define IP_HLEN 20
#define TCP_HLEN 20
#define OPT_MAX 40                /* TCP option space */
#define MAX_PAYLOAD MSS           /* the echo's segments are the largest */

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3
#define TCPOPT_SACK_OK 4
#define TCPOPT_SACK 5
#define TCPOPT_TS 8
#define TCPOPT_MPTCP 30
#define TCPOPT_FASTOPEN 34
#define TH_ECE 0x40
#define TH_CWR 0x80
#define WSCALE_MAX 14             /* RFC 7323 2.3 */
#define DUPACK_DELAY_NS (200 * NS_PER_MS) /* ooo-ack-delayed */

static volatile sig_atomic_t stop;

/* What the client's FIN gets. */
enum fin_answer {
	FIN_CLOSE,      /* ACK, our FIN 20 ms later */
	FIN_RST,        /* rst-on-fin */
	FIN_NEVER,      /* no-fin: ACK only */
	FIN_DATA_AFTER, /* data-after-fin: ACK, FIN, data after it */
};

/* The ack field once the client's FIN is in. */
enum fin_ack {
	FINACK_RIGHT,   /* FIN seq + 1 */
	FINACK_FIN_SEQ, /* wrong-ack */
	FINACK_UNSENT,  /* ack-unsent */
};

/* What we send as soon as the handshake completes. */
enum talk {
	TALK_NONE,
	TALK_GAP, /* seq-gap */
	TALK_BYE, /* close-first: "bye\n" and FIN */
};

/* A script: the baseline (all zero) and what it does differently. */
struct script {
	const char *name;
	/* Teardown (connect mode). */
	enum fin_answer fin;
	enum fin_ack fin_ack;
	enum talk talk;
	bool keep_closed; /* both FINs through: keep the connection */
	/* Handshake. */
	bool synack_ack_isn;    /* SYN-ACK ack = ISN, not ISN + 1 */
	bool synack_no_mss;     /* no MSS option */
	bool synack_all_opts;   /* WS, SACK-permitted, TS unasked */
	bool synack_tsecr_bad;  /* TSecr = TSval + 1 */
	bool echo_unknown;      /* copy unknown SYN options */
	bool reserved_rst;      /* SYN with a reserved bit -> RST|ACK */
	bool no_synack_retrans; /* no SYN-ACK timer */
	uint64_t synack_rto_ms; /* first SYN-ACK RTO when not 1 s */
	bool synack_no_backoff; /* the SYN-ACK RTO is never doubled */
	bool linear_isn;        /* predictable ISNs */
	bool no_csum_check;     /* bad checksums processed */
	/* Synchronized states. */
	bool no_challenge;   /* in-window RST resets; SYN -> RST */
	bool accept_bad_ack; /* data with ack > snd_nxt taken */
	bool no_ooo_ack;     /* unacceptable segments: no ACK */
	bool urg_rst;        /* URG -> RST */
	bool timewait_rst;   /* retransmitted FIN in TIME_WAIT -> RST */
	bool oow_rst_closes; /* out-of-window RST resets */
	bool ignore_default_mss; /* no MSS option: 1400, not 536 */
	bool optlen_hang;    /* SYN with option length 0: no more SYN-ACKs */
	/* Sending data. */
	bool iw_huge;              /* no initial congestion window */
	bool ack_slow;             /* data ACKed (and echoed) 600 ms late */
	bool data_no_backoff;      /* the data RTO is never doubled */
	bool zwp_none;             /* no zero-window probes */
	bool zwp_gives_up;         /* RST after ZWP_GIVE_UP probes */
	bool challenge_fails_open; /* past 10 challenge ACKs a second, RSTs reset */
	/* No connection. */
	bool closed_port;       /* never accept a connection */
	bool quiet_after_close; /* no RST to the connection just closed */
	bool ack_rst_seq0;      /* RST to a segment with ACK: seq 0 */
	bool syn_rst_ack_isn;   /* RST|ACK to a SYN: ack = ISN */
	bool answer_rst;        /* a RST gets a RST */
	bool fin_not_counted;   /* RST|ACK to a FIN: ack = its seq + data */
	/* Scripted checks. */
	bool ecn_echo_all;          /* SYN-ACK with ECE|CWR */
	bool dup_syn_new_isn;       /* a repeated SYN gets a new ISN */
	bool synrcvd_rst_ignored;   /* RST in SYN_RCVD ignored */
	bool synrcvd_bad_ack_taken; /* any handshake ACK completes it */
	bool syn_data_acked;        /* data on a SYN taken and acked */
	uint8_t rst_on_kind;        /* a SYN with this option kind gets RST|ACK */
	bool wscale15_rst;          /* a SYN with wscale > 14 gets RST|ACK */
	bool ts_not_on_acks;        /* bare ACKs without TS */
	bool no_paws;               /* old TSvals taken */
	bool no_sack_blocks;        /* never a SACK block */
	bool sack_unasked;          /* SACK blocks without SACK-permitted */
	bool ooo_ack_delayed;       /* dup ACK for out-of-order data 200 ms late */
	bool fin_data_unacked;      /* a FIN with data not counted */
	bool ack_unsent_silent;     /* ACK of unsent bytes: no ACK back */
	bool rst_data_ignored;      /* RST with data ignored */
	bool rst_ignored;           /* every RST ignored */
};

static const struct script scripts[] = {
	{ .name = "conformant" },
	/* Teardown deviations (connect mode). */
	{ .name = "wrong-ack", .fin_ack = FINACK_FIN_SEQ, .keep_closed = true },
	{ .name = "rst-on-fin", .fin = FIN_RST },
	{ .name = "no-fin", .fin = FIN_NEVER },
	{ .name = "data-after-fin", .fin = FIN_DATA_AFTER, .keep_closed = true },
	{ .name = "seq-gap", .talk = TALK_GAP, .keep_closed = true },
	{ .name = "ack-unsent", .fin_ack = FINACK_UNSENT, .keep_closed = true },
	{ .name = "close-first", .talk = TALK_BYE },
	/* One misbehaviour each (conform mode). */
	{ .name = "synack-wrong-ack", .synack_ack_isn = true },
	{ .name = "synack-no-mss", .synack_no_mss = true },
	{ .name = "echo-unasked", .synack_all_opts = true },
	{ .name = "tsecr-wrong", .synack_tsecr_bad = true },
	{ .name = "rst-wrong-seq", .ack_rst_seq0 = true },
	{ .name = "no-challenge-ack", .no_challenge = true },
	{ .name = "accept-bad-ack", .accept_bad_ack = true },
	{ .name = "no-ooo-ack", .no_ooo_ack = true },
	{ .name = "no-synack-retrans", .no_synack_retrans = true },
	{ .name = "synack-rto-early", .synack_rto_ms = 500 },
	{ .name = "synack-no-backoff", .synack_no_backoff = true },
	{ .name = "synack-rto-6s", .synack_rto_ms = 6000 },
	{ .name = "linear-isn", .linear_isn = true },
	{ .name = "no-csum-check", .no_csum_check = true },
	{ .name = "echo-unknown-option", .echo_unknown = true },
	{ .name = "reserved-bits-rst", .reserved_rst = true },
	{ .name = "rst-after-lastack-none", .quiet_after_close = true },
	{ .name = "timewait-rst", .talk = TALK_BYE, .timewait_rst = true },
	{ .name = "urg-breaks", .urg_rst = true },
	{ .name = "oow-rst-closes", .oow_rst_closes = true },
	{ .name = "ignore-default-mss", .ignore_default_mss = true },
	{ .name = "option-length-hangs", .optlen_hang = true },
	{ .name = "iw-huge", .iw_huge = true },
	{ .name = "ack-slow", .ack_slow = true },
	{ .name = "data-no-backoff", .data_no_backoff = true },
	{ .name = "zwp-none", .zwp_none = true },
	{ .name = "zwp-gives-up", .zwp_gives_up = true },
	{ .name = "challenge-fails-open", .challenge_fails_open = true },
	{ .name = "closed", .closed_port = true },
	{ .name = "closed-rst-wrong", .closed_port = true, .ack_rst_seq0 = true,
	  .syn_rst_ack_isn = true, .answer_rst = true, .fin_not_counted = true },
	/* One misbehaviour each (the scripted checks). */
	{ .name = "ecn-echo-all", .ecn_echo_all = true },
	{ .name = "dup-syn-new-isn", .dup_syn_new_isn = true },
	{ .name = "synrcvd-rst-ignored", .synrcvd_rst_ignored = true },
	{ .name = "synrcvd-bad-ack-taken", .synrcvd_bad_ack_taken = true },
	{ .name = "syn-data-acked", .syn_data_acked = true },
	{ .name = "tfo-rst", .rst_on_kind = TCPOPT_FASTOPEN },
	{ .name = "mptcp-rst", .rst_on_kind = TCPOPT_MPTCP },
	{ .name = "wscale15-rst", .wscale15_rst = true },
	{ .name = "ts-not-on-acks", .ts_not_on_acks = true },
	{ .name = "no-paws", .no_paws = true },
	{ .name = "no-sack-blocks", .no_sack_blocks = true },
	{ .name = "sack-unasked", .sack_unasked = true },
	{ .name = "ooo-ack-delayed", .ooo_ack_delayed = true },
	{ .name = "fin-data-unacked", .fin_data_unacked = true },
	{ .name = "ack-unsent-silent", .ack_unsent_silent = true },
	{ .name = "rst-data-ignored", .rst_data_ignored = true },
	{ .name = "rst-ignored", .rst_ignored = true },
	{ .name = "listen-rst-answered", .answer_rst = true },
};

#define NSCRIPTS (sizeof(scripts) / sizeof(scripts[0]))

enum conn_state {
	ST_CLOSED,    /* no connection */
	ST_SYN_RCVD,  /* SYN-ACK sent, waiting for the handshake's ACK */
	ST_OPEN,      /* synchronized; the fin_* fields say how far closed */
	ST_TIME_WAIT, /* we closed first, all done: re-ACK FINs only */
};

/* What the timer does when due. */
enum timer {
	T_NONE,
	T_FIN,       /* send our FIN */
	T_LATE,      /* data-after-fin: send "late\n" after our FIN */
	T_SYNACK,    /* retransmit the SYN-ACK (or give up) */
	T_TIME_WAIT, /* TIME_WAIT is over */
	T_DUPACK,    /* ooo-ack-delayed: the duplicate ACK, late */
};

/* TCP options of a received segment (the ones we know), plus the SYN's
 * unknown ones, whole, in order. */
struct opts {
	bool mss, ws, sack_ok, ts;
	bool zero_len; /* parsing stopped at an option of length 0 */
	uint16_t mss_val;
	uint8_t ws_val;
	uint32_t tsval, tsecr;
	uint8_t unknown[OPT_MAX];
	size_t unknown_len;
	int sack_blocks;
};

struct conn {
	enum conn_state state;
	struct in_addr laddr, raddr; /* ours (the client's destination), theirs */
	uint16_t rport;
	uint32_t iss, irs;
	uint32_t snd_una, snd_nxt, rcv_nxt;
	struct opts syn;  /* the options of the client's SYN */
	bool ts_ok;       /* timestamps negotiated */
	bool ws_ok;       /* window scaling negotiated */
	uint32_t ts_recent;
	uint32_t ts_off;  /* our TSval = ms clock + this */
	uint32_t sack_left, sack_right; /* a SACK block for the next ACK (left != right) */
	bool fin_sent;    /* our FIN is out ... */
	uint32_t fin_seq; /* ... at this sequence number */
	bool fin_first;   /* ... and went before the client's */
	bool fin_rcvd;    /* the client's FIN arrived in order ... */
	uint32_t rfin_seq; /* ... at this one */
	int synack_retries;
	uint64_t rto;
	/* The echo's sender (RFC 5681, RFC 6298, RFC 9293 3.8.6.1): bytes
	 * queued but not sent, the client's window and our congestion window
	 * (bytes), and three timers (CLOCK_MONOTONIC ns, 0 off). */
	uint32_t unsent, snd_wnd, cwnd;
	uint64_t drto, rtx_due;   /* data retransmission */
	int dretries;
	uint64_t persist_ivl, persist_due;
	int probes;
	uint64_t ack_due;         /* ack-slow: the late echo */
	uint32_t ack_pending;     /* ... of this many bytes */
	unsigned challenges;      /* challenge-fails-open: in this second ... */
	uint64_t challenge_t0;    /* ... which began here */
	enum timer timer;
	uint64_t due; /* CLOCK_MONOTONIC ns */
};

/* The connection last closed by LAST_ACK (rst-after-lastack-none). */
struct tuple {
	bool valid;
	struct in_addr laddr, raddr;
	uint16_t rport;
};

struct peer {
	const struct script *sc;
	int verbose;
	uint16_t port;
	int have_addr;
	struct in_addr addr; /* --addr */
	int fd;
	unsigned long nconn; /* connections begun (linear-isn) */
	bool hung;           /* option-length-hangs: no more SYNs answered */
	struct tuple last;
	struct conn c;
};

/* A parsed incoming segment. */
struct seg {
	struct in_addr src, dst;
	uint16_t sport;
	uint32_t seq, ack;
	uint8_t flags;
	uint8_t reserved; /* the 4 reserved bits of byte 12 */
	uint16_t win, urp;
	size_t dlen;
	struct opts o;
};

/* One segment to send. */
struct tx {
	struct in_addr src, dst;
	uint16_t dport;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win;
	const uint8_t *opt;
	size_t optlen;
	const char *data;
	size_t len;
};

enum { OPT_PORT = 256, OPT_SCRIPT, OPT_ADDR, OPT_VERBOSE, OPT_HELP };

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void logv(const struct peer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void logv(const struct peer *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->verbose)
		return;
	va_start(ap, fmt);
	fputs("raw_peer: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Sequence space arithmetic (RFC 9293 3.4): a before b, modulo 2^32. */
static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

static uint32_t csum_add(uint32_t sum, const uint8_t *b, size_t n)
{
	for (; n > 1; b += 2, n -= 2)
		sum += get16(b);
	if (n)
		sum += (uint32_t)b[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The TCP checksum over the IPv4 pseudo-header and the segment: the value
 * to store (with the field zeroed), or 0 when checking a received one. */
static uint16_t tcp_csum(struct in_addr src, struct in_addr dst, const uint8_t *tcp, size_t len)
{
	uint8_t ph[12];

	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = IPPROTO_TCP;
	put16(ph + 10, (uint16_t)len);
	return csum_fold(csum_add(csum_add(0, ph, sizeof(ph)), tcp, len));
}

static const char *flag_str(uint8_t f, char *buf)
{
	static const char names[] = "FSRPAUEC";
	char *o = buf;

	for (int i = 0; i < 8; i++)
		if (f & (1u << i))
			*o++ = names[i];
	if (o == buf)
		*o++ = '.';
	*o = '\0';
	return buf;
}

/* Parses TCP options; stops at EOL or at the first malformed one. A length
 * below 2 or past the end is illegal (MUST-7): taken as given, 0 would never
 * advance i, so parsing ends there, keeping what came before. */
static void parse_opts(const uint8_t *b, size_t n, struct opts *o)
{
	size_t i = 0;

	memset(o, 0, sizeof(*o));
	while (i < n) {
		uint8_t kind = b[i], len;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n)
			break;
		len = b[i + 1];
		if (len < 2 || i + len > n) {
			o->zero_len = len == 0;
			break;
		}
		switch (kind) {
		case TCPOPT_MSS:
			if (len == 4) {
				o->mss = true;
				o->mss_val = get16(b + i + 2);
			}
			break;
		case TCPOPT_WS:
			if (len == 3) {
				o->ws = true;
				o->ws_val = b[i + 2];
			}
			break;
		case TCPOPT_SACK_OK:
			if (len == 2)
				o->sack_ok = true;
			break;
		case TCPOPT_SACK:
			o->sack_blocks = (len - 2) / 8;
			break;
		case TCPOPT_TS:
			if (len == 10) {
				o->ts = true;
				o->tsval = get32(b + i + 2);
				o->tsecr = get32(b + i + 6);
			}
			break;
		default:
			if (o->unknown_len + len <= sizeof(o->unknown)) {
				memcpy(o->unknown + o->unknown_len, b + i, len);
				o->unknown_len += len;
			}
			break;
		}
		i += len;
	}
}

/* The options of a segment, for the log: "" or " opts=mss1460,sack,...". */
static const char *opt_str(const uint8_t *b, size_t n, char *buf, size_t size)
{
	struct opts o;
	size_t used = 0;

	buf[0] = '\0';
	if (n == 0)
		return buf;
	parse_opts(b, n, &o);
#define ADD(...)                                                                         \
	do {                                                                             \
		int k_ = snprintf(buf + used, size - used, __VA_ARGS__);                 \
		if (k_ > 0 && (size_t)k_ < size - used)                                  \
			used += (size_t)k_;                                              \
	} while (0)
	ADD(" opts=");
	if (o.mss)
		ADD("mss%u,", o.mss_val);
	if (o.ws)
		ADD("ws%u,", o.ws_val);
	if (o.sack_ok)
		ADD("sackok,");
	if (o.sack_blocks)
		ADD("sack%d,", o.sack_blocks);
	if (o.ts)
		ADD("ts%u/%u,", o.tsval, o.tsecr);
	if (o.zero_len)
		ADD("len0,");
	for (size_t i = 0; i < o.unknown_len; i += o.unknown[i + 1])
		ADD("kind%u/len%u,", o.unknown[i], o.unknown[i + 1]);
	if (used > 0 && buf[used - 1] == ',')
		buf[used - 1] = '\0';
	else
		ADD("none"); /* only NOPs or EOL */
#undef ADD
	return buf;
}

/* Sends one segment; no connection state involved. */
static void xmit(struct peer *p, const struct tx *t)
{
	uint8_t pkt[IP_HLEN + TCP_HLEN + OPT_MAX + MAX_PAYLOAD];
	size_t thl = TCP_HLEN + t->optlen, tot = IP_HLEN + thl + t->len;
	uint8_t *ip = pkt, *tcp = pkt + IP_HLEN;
	struct sockaddr_in to;

	if (t->len > MAX_PAYLOAD || t->optlen > OPT_MAX || t->optlen % 4)
		return;
	memset(pkt, 0, sizeof(pkt));
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)tot);
	/* ID 0: with IP_HDRINCL the kernel picks one for us. */
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &t->src, 4);
	memcpy(ip + 16, &t->dst, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, IP_HLEN)));

	put16(tcp, p->port);
	put16(tcp + 2, t->dport);
	put32(tcp + 4, t->seq);
	put32(tcp + 8, t->flags & TH_ACK ? t->ack : 0);
	tcp[12] = (uint8_t)(thl / 4 << 4);
	tcp[13] = t->flags;
	put16(tcp + 14, t->win);
	if (t->optlen)
		memcpy(tcp + TCP_HLEN, t->opt, t->optlen);
	if (t->len)
		memcpy(tcp + thl, t->data, t->len);
	put16(tcp + 16, tcp_csum(t->src, t->dst, tcp, thl + t->len));

	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr = t->dst;
	if (sendto(p->fd, pkt, tot, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		logv(p, "send: %s", strerror(errno));
}

static uint32_t tsval(const struct conn *c)
{
	return (uint32_t)(now_ns() / NS_PER_MS) + c->ts_off;
}

/* The SYN-ACK's options, Linux's layout: MSS, SACK-permitted, TS, NOP, WS;
 * then (echo-unknown-option) the SYN's unknown ones; EOL-padded. */
static size_t synack_opts(const struct peer *p, uint8_t *o)
{
	const struct conn *c = &p->c;
	const struct script *sc = p->sc;
	const struct opts *so = &c->syn;
	bool sack = so->sack_ok || sc->synack_all_opts;
	bool ts = so->ts || sc->synack_all_opts;
	bool ws = so->ws || sc->synack_all_opts;
	size_t n = 0;

	if (!sc->synack_no_mss) {
		o[n++] = TCPOPT_MSS;
		o[n++] = 4;
		put16(o + n, MSS);
		n += 2;
	}
	if (ts) {
		uint32_t ecr = so->ts ? so->tsval : 0;

		if (sc->synack_tsecr_bad && so->ts)
			ecr++;
		if (sack) {
			o[n++] = TCPOPT_SACK_OK;
			o[n++] = 2;
		} else {
			o[n++] = TCPOPT_NOP;
			o[n++] = TCPOPT_NOP;
		}
		o[n++] = TCPOPT_TS;
		o[n++] = 10;
		put32(o + n, tsval(c));
		put32(o + n + 4, ecr);
		n += 8;
	} else if (sack) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_SACK_OK;
		o[n++] = 2;
	}
	if (ws) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_WS;
		o[n++] = 3;
		o[n++] = WSCALE;
	}
	if (sc->echo_unknown) {
		/* Whole options only, as many as fit. */
		for (size_t i = 0; i < so->unknown_len; i += so->unknown[i + 1]) {
			size_t len = so->unknown[i + 1];

			if (n + len > OPT_MAX)
				break;
			memcpy(o + n, so->unknown + i, len);
			n += len;
		}
	}
	while (n % 4)
		o[n++] = TCPOPT_EOL;
	return n;
}

/* The ack number we put in segments: rcv_nxt, except where the script
 * lies about the client's FIN. */
static uint32_t ack_out(const struct peer *p)
{
	const struct conn *c = &p->c;

	if (!c->fin_rcvd)
		return c->rcv_nxt;
	switch (p->sc->fin_ack) {
	case FINACK_FIN_SEQ:
		return c->rcv_nxt - 1; /* = FIN seq: the FIN is not acknowledged */
	case FINACK_UNSENT:
		return c->rcv_nxt + ACK_UNSENT_EXTRA;
	default:
		return c->rcv_nxt;
	}
}

/* Our receive window: the window field, scaled. */
static uint32_t rcv_wnd(const struct conn *c)
{
	return c->ws_ok ? (uint32_t)(WINDOW >> WSCALE) << WSCALE : WINDOW;
}

/* Sends one segment of the current connection. ack is ignored without
 * TH_ACK. A SYN carries the SYN-ACK options; with timestamps negotiated,
 * every other segment but a RST carries TS. */
static void send_seg(struct peer *p, uint8_t flags, uint32_t seq, uint32_t ack, const char *data,
		     size_t len)
{
	const struct conn *c = &p->c;
	uint8_t opt[OPT_MAX];
	struct tx t = {
		.src = c->laddr,
		.dst = c->raddr,
		.dport = c->rport,
		.flags = flags,
		.seq = seq,
		.ack = ack,
		.opt = opt,
		.data = data,
		.len = len,
	};
	char fs[10], os[160];

	if (flags & TH_RST) {
		t.win = 0; /* an RST offers no window, and carries no options */
	} else if (flags & TH_SYN) {
		t.win = WINDOW; /* never scaled in a SYN */
		t.optlen = synack_opts(p, opt);
	} else {
		t.win = c->ws_ok ? WINDOW >> WSCALE : WINDOW;
		if (c->ts_ok && !(p->sc->ts_not_on_acks && flags == TH_ACK && len == 0)) {
			opt[0] = TCPOPT_NOP;
			opt[1] = TCPOPT_NOP;
			opt[2] = TCPOPT_TS;
			opt[3] = 10;
			put32(opt + 4, tsval(c));
			put32(opt + 8, c->ts_recent);
			t.optlen = 12;
		}
		if (c->sack_left != c->sack_right && (flags & TH_ACK)) {
			/* One SACK block: the segment past the hole. */
			opt[t.optlen++] = TCPOPT_NOP;
			opt[t.optlen++] = TCPOPT_NOP;
			opt[t.optlen++] = TCPOPT_SACK;
			opt[t.optlen++] = 10;
			put32(opt + t.optlen, c->sack_left);
			put32(opt + t.optlen + 4, c->sack_right);
			t.optlen += 8;
		}
	}
	xmit(p, &t);
	logv(p, "tx [%s] seq=%u (rel %u) ack=%u (rel %u) len=%zu win=%u%s", flag_str(flags, fs), seq,
	     seq - c->iss, flags & TH_ACK ? ack : 0, flags & TH_ACK ? ack - c->irs : 0, len, t.win,
	     opt_str(opt, t.optlen, os, sizeof(os)));
}

/* A RST for segment s, with no connection behind it (RFC 9293 3.10.7.1). */
static void send_rst_to(struct peer *p, const struct seg *s, uint8_t flags, uint32_t seq, uint32_t ack,
			const char *why)
{
	struct tx t = {
		.src = s->dst,
		.dst = s->src,
		.dport = s->sport,
		.flags = flags,
		.seq = seq,
		.ack = ack,
	};
	char fs[10];

	xmit(p, &t);
	logv(p, "tx [%s] seq=%u ack=%u len=0 (%s)", flag_str(flags, fs), seq, flags & TH_ACK ? ack : 0,
	     why);
}

static void send_ack(struct peer *p)
{
	send_seg(p, TH_ACK, p->c.snd_nxt, ack_out(p), NULL, 0);
}

static void send_data(struct peer *p, uint32_t seq, const char *data)
{
	size_t len = strlen(data);

	send_seg(p, TH_PSH | TH_ACK, seq, ack_out(p), data, len);
}

/* Our send MSS, as payload bytes (RFC 9293 3.7.1): the SYN's MSS option,
 * else the default 536 (ignore-default-mss: 1400), never more than our own
 * link allows; the TS option on every segment comes out of it. */
static uint32_t send_mss(const struct peer *p)
{
	const struct conn *c = &p->c;
	uint32_t mss = p->sc->ignore_default_mss ? IGNORED_MSS : DEFAULT_MSS;
	uint32_t optlen = c->ts_ok ? TS_OPTLEN : 0;

	if (c->syn.mss)
		mss = c->syn.mss_val;
	if (mss > MSS)
		mss = MSS;
	/* An absurd offer (MSS <= 12) still moves the echo forward. */
	return mss > optlen ? mss - optlen : 1;
}

static void reset_conn(struct peer *p, uint8_t flags, const char *why);

/* The end of our data: snd_nxt, or our FIN's place once it is out. */
static uint32_t data_end(const struct conn *c)
{
	return c->fin_sent ? c->fin_seq : c->snd_nxt;
}

/* One segment of k bytes 'z' at seq (all our data is 'z'). */
static void send_z(struct peer *p, uint8_t flags, uint32_t seq, uint32_t k)
{
	static char zs[MAX_PAYLOAD];

	if (zs[0] != 'z')
		memset(zs, 'z', sizeof(zs));
	send_seg(p, flags, seq, ack_out(p), zs, k);
}

static uint64_t min_due(uint64_t a, uint64_t b)
{
	return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

/* Send what the windows allow of the queued echo (RFC 5681 3.1: no more in
 * flight than min(cwnd, the client's window)), in segments of the send MSS,
 * PSH on the one that empties the queue. With data left, a zero window
 * and nothing in flight, the persist timer runs (RFC 9293 3.8.6.1).
 * Returns how many segments went (each carries our ACK). */
static int output(struct peer *p)
{
	struct conn *c = &p->c;
	uint32_t mss = send_mss(p), wnd = c->cwnd < c->snd_wnd ? c->cwnd : c->snd_wnd;
	int sent = 0;

	while (c->unsent > 0 && !c->fin_sent) {
		uint32_t inflight = c->snd_nxt - c->snd_una, k = c->unsent < mss ? c->unsent : mss;

		if (inflight >= wnd)
			break;
		if (k > wnd - inflight)
			k = wnd - inflight;
		send_z(p, k == c->unsent ? TH_PSH | TH_ACK : TH_ACK, c->snd_nxt, k);
		c->snd_nxt += k;
		c->unsent -= k;
		sent++;
		if (c->rtx_due == 0)
			c->rtx_due = now_ns() + c->drto;
	}
	if (c->unsent > 0 && c->snd_wnd == 0 && c->snd_nxt == c->snd_una && c->persist_due == 0 &&
	    !p->sc->zwp_none) {
		c->persist_ivl = DATA_RTO_NS;
		c->persist_due = now_ns() + c->persist_ivl;
		logv(p, "zero window, %u bytes queued: persist timer", c->unsent);
	}
	return sent;
}

/* The echo of n new bytes: n bytes 'z', queued and sent as output() may.
 * Returns whether a segment went (and carried our ACK). */
static bool send_echo(struct peer *p, uint32_t n)
{
	logv(p, "echo %u bytes in segments of at most %u", n, send_mss(p));
	p->c.unsent += n;
	return output(p) > 0;
}

/* An ACK of ours acknowledged: the timers and windows move (RFC 6298 5.2,
 * 5.3; RFC 5681 3.1's slow start, one byte of cwnd per byte acked). */
static void on_data_acked(struct peer *p, uint32_t acked)
{
	struct conn *c = &p->c;

	c->cwnd += acked;
	c->drto = DATA_RTO_NS;
	c->dretries = 0;
	c->rtx_due = seq_lt(c->snd_una, data_end(c)) ? now_ns() + c->drto : 0;
}

/* The client's window, from any acceptable segment with ACK; a window
 * that opens ends the persist timer and lets the queue go. */
static void on_window(struct peer *p, const struct seg *s)
{
	struct conn *c = &p->c;
	uint32_t shift = c->ws_ok ? (c->syn.ws_val > 14 ? 14 : c->syn.ws_val) : 0;

	c->snd_wnd = (uint32_t)s->win << shift;
	if (c->snd_wnd > 0 && c->persist_due) {
		logv(p, "window open after %d probes", c->probes);
		c->persist_due = 0;
		c->probes = 0;
	}
}

/* The data timers: retransmission (the first unacknowledged segment, the
 * RTO doubled, cwnd back to one segment: RFC 6298 5.4-5.6, RFC 5681 3.1),
 * zero-window probes (a segment below snd_una, as Linux sends, which the
 * client must answer with its window), and ack-slow's late echo. */
static void on_data_timers(struct peer *p)
{
	struct conn *c = &p->c;
	uint64_t now = now_ns();

	if (c->rtx_due && now >= c->rtx_due) {
		uint32_t k = data_end(c) - c->snd_una, mss = send_mss(p);

		if (!seq_lt(c->snd_una, data_end(c)) || p->sc->talk == TALK_GAP) {
			/* Nothing to resend; or seq-gap, whose skipped bytes never
			 * come: a resend from snd_una would fill its hole. */
			c->rtx_due = 0;
		} else if (c->dretries >= DATA_RETRIES) {
			reset_conn(p, TH_RST | TH_ACK, "data never acknowledged");
			return;
		} else {
			c->dretries++;
			logv(p, "data retransmission %d (after %llu ms)", c->dretries,
			     (unsigned long long)(c->drto / NS_PER_MS));
			send_z(p, TH_PSH | TH_ACK, c->snd_una, k < mss ? k : mss);
			c->cwnd = mss;
			if (!p->sc->data_no_backoff && c->drto < DATA_RTO_MAX_NS)
				c->drto *= 2;
			c->rtx_due = now + c->drto;
		}
	}
	if (c->persist_due && now >= c->persist_due) {
		c->probes++;
		logv(p, "zero-window probe %d (after %llu ms)", c->probes,
		     (unsigned long long)(c->persist_ivl / NS_PER_MS));
		if (p->sc->zwp_gives_up && c->probes > ZWP_GIVE_UP) {
			reset_conn(p, TH_RST | TH_ACK, "zero window too long (zwp-gives-up)");
			return;
		}
		send_seg(p, TH_ACK, c->snd_una - 1, ack_out(p), NULL, 0);
		if (c->persist_ivl < DATA_RTO_MAX_NS)
			c->persist_ivl *= 2;
		c->persist_due = now + c->persist_ivl;
	}
	if (c->ack_due && now >= c->ack_due) {
		uint32_t n = c->ack_pending;

		c->ack_due = 0;
		c->ack_pending = 0;
		logv(p, "the late ACK (ack-slow)");
		if (n == 0 || c->fin_sent || !send_echo(p, n))
			send_ack(p);
	}
}

/* The earliest data timer, 0 for none. */
static uint64_t data_due(const struct conn *c)
{
	return min_due(min_due(c->rtx_due, c->persist_due), c->ack_due);
}

static void send_fin(struct peer *p)
{
	struct conn *c = &p->c;

	c->fin_seq = c->snd_nxt;
	c->fin_first = !c->fin_rcvd;
	send_seg(p, TH_FIN | TH_ACK, c->fin_seq, ack_out(p), NULL, 0);
	c->snd_nxt++;
	c->fin_sent = true;
}

static void send_synack(struct peer *p)
{
	const struct conn *c = &p->c;

	/* synack-wrong-ack: the client's ISN itself, its SYN not acked. */
	uint8_t ecn = p->sc->ecn_echo_all ? TH_ECE | TH_CWR : 0;

	send_seg(p, TH_SYN | TH_ACK | ecn, c->iss, p->sc->synack_ack_isn ? c->irs : c->rcv_nxt, NULL, 0);
}

static void arm_in(struct peer *p, enum timer t, uint64_t ns)
{
	p->c.timer = t;
	p->c.due = now_ns() + ns;
}

static void arm(struct peer *p, enum timer t)
{
	arm_in(p, t, LAG_NS);
}

static void forget(struct peer *p, const char *why)
{
	logv(p, "forget the connection (%s)", why);
	memset(&p->c, 0, sizeof(p->c));
}

/* A RST ending the connection from our side: seq = snd_nxt. */
static void reset_conn(struct peer *p, uint8_t flags, const char *why)
{
	struct conn *c = &p->c;

	send_seg(p, flags, c->snd_nxt, c->rcv_nxt, NULL, 0);
	forget(p, why);
}

static uint32_t random_u32(void)
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), 0) == (ssize_t)sizeof(v))
		return v;
	/* No entropy yet (early boot): the clock is random enough here. */
	return (uint32_t)(now_ns() * 2654435761u);
}

static uint32_t seg_len(const struct seg *s)
{
	return (uint32_t)s->dlen + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
}

/* The answer of a port with no connection for this segment (RFC 9293
 * 3.10.7.1), as the script has it. */
static void closed_reply(struct peer *p, const struct seg *s)
{
	const struct script *sc = p->sc;

	if ((s->flags & TH_RST) && !sc->answer_rst) {
		logv(p, "RST with no connection: ignored");
		return;
	}
	if (s->flags & TH_ACK) {
		send_rst_to(p, s, TH_RST, sc->ack_rst_seq0 ? 0 : s->ack, 0, "no connection");
	} else {
		uint32_t ack = s->seq + seg_len(s);

		if (sc->syn_rst_ack_isn && (s->flags & TH_SYN))
			ack--; /* the SYN not counted */
		if (sc->fin_not_counted && (s->flags & TH_FIN))
			ack--; /* nor the FIN */
		send_rst_to(p, s, TH_RST | TH_ACK, 0, ack, "no connection");
	}
}

/* A SYN: a new connection replaces whatever we had. */
static void on_syn(struct peer *p, const struct seg *s)
{
	struct conn *c = &p->c;
	char a[INET_ADDRSTRLEN];

	if (c->state != ST_CLOSED)
		logv(p, "new SYN: dropping the old connection");
	memset(c, 0, sizeof(*c));
	c->state = ST_SYN_RCVD;
	c->laddr = s->dst;
	c->raddr = s->src;
	c->rport = s->sport;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1; /* data on the SYN is not taken ... */
	if (p->sc->syn_data_acked)
		c->rcv_nxt += (uint32_t)s->dlen; /* ... but here it is */
	c->iss = p->sc->linear_isn ? LINEAR_ISN_BASE + LINEAR_ISN_STEP * (uint32_t)p->nconn
				   : random_u32();
	p->nconn++;
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	c->syn = s->o;
	c->ts_ok = s->o.ts;
	c->ws_ok = s->o.ws;
	c->ts_recent = s->o.tsval;
	c->ts_off = random_u32();
	c->snd_wnd = s->win; /* never scaled in a SYN */
	c->drto = DATA_RTO_NS;
	inet_ntop(AF_INET, &s->src, a, sizeof(a));
	logv(p, "connection %lu from %s:%u, script %s", p->nconn, a, s->sport, p->sc->name);
	send_synack(p);
	if (!p->sc->no_synack_retrans) {
		c->rto = p->sc->synack_rto_ms ? p->sc->synack_rto_ms * NS_PER_MS : SYNACK_RTO_NS;
		arm_in(p, T_SYNACK, c->rto);
	}
}

/* The handshake is complete: the scripts that talk first do so now. */
static void on_established(struct peer *p)
{
	struct conn *c = &p->c;

	switch (p->sc->talk) {
	case TALK_GAP: {
		uint32_t seq = c->snd_nxt + GAP_BYTES;

		send_data(p, seq, "gap\n");
		/* Counted as sent: the skipped bytes never come, and our FIN
		 * goes after them. */
		c->snd_nxt = seq + 4;
		break;
	}
	case TALK_BYE:
		send_data(p, c->snd_nxt, "bye\n");
		c->snd_nxt += 4;
		send_fin(p);
		break;
	case TALK_NONE:
		break;
	}
}

/* The client's FIN, the first time (rcv_nxt is already past it). */
static void on_fin(struct peer *p)
{
	struct conn *c = &p->c;

	logv(p, "client FIN at seq %u", c->rfin_seq);
	switch (p->sc->fin) {
	case FIN_RST:
		send_seg(p, TH_RST, c->snd_nxt, 0, NULL, 0);
		forget(p, "reset on FIN");
		break;
	case FIN_NEVER:
		send_ack(p);
		break;
	case FIN_DATA_AFTER:
		send_ack(p);
		send_fin(p);
		arm(p, T_LATE);
		break;
	case FIN_CLOSE:
		send_ack(p);
		if (!c->fin_sent)
			arm(p, T_FIN);
		break;
	}
}

/* The client's FIN again: it did not get our answer, so answer again. */
static void on_fin_again(struct peer *p)
{
	struct conn *c = &p->c;

	/* (rst-on-fin forgot the connection: not reached.) */
	logv(p, "client FIN retransmitted");
	if (c->fin_sent && seq_lt(c->snd_una, c->fin_seq + 1)) {
		/* Our FIN is not ACKed yet either: it goes again, and its
		 * ack field answers the client's FIN. */
		send_seg(p, TH_FIN | TH_ACK, c->fin_seq, ack_out(p), NULL, 0);
	} else {
		send_ack(p);
	}
}

static void on_timer(struct peer *p)
{
	struct conn *c = &p->c;
	enum timer t = c->timer;

	c->timer = T_NONE;
	switch (t) {
	case T_FIN:
		if (c->unsent > 0) { /* our FIN goes after the echo */
			arm(p, T_FIN);
			break;
		}
		send_fin(p);
		break;
	case T_LATE:
		/* seq = our FIN seq + 1: data the client must not accept. */
		send_data(p, c->snd_nxt, "late\n");
		c->snd_nxt += 5;
		break;
	case T_SYNACK:
		if (c->synack_retries >= SYNACK_RETRIES) {
			forget(p, "no handshake ACK");
			break;
		}
		c->synack_retries++;
		logv(p, "SYN-ACK retransmission %d (after %llu ms)", c->synack_retries,
		     (unsigned long long)(c->rto / NS_PER_MS));
		send_synack(p);
		if (!p->sc->synack_no_backoff)
			c->rto *= 2;
		arm_in(p, T_SYNACK, c->rto);
		break;
	case T_TIME_WAIT:
		forget(p, "TIME_WAIT over");
		break;
	case T_DUPACK:
		send_ack(p);
		break;
	case T_NONE:
		break;
	}
}

/* In the receive window: rcv_nxt <= seq < rcv_nxt + window. */
static bool in_window(const struct conn *c, uint32_t seq)
{
	return seq - c->rcv_nxt < rcv_wnd(c);
}

/* RFC 9293 3.10.7.4's acceptability test. */
static bool acceptable(const struct conn *c, const struct seg *s)
{
	uint32_t len = seg_len(s);

	if (len == 0)
		return in_window(c, s->seq);
	return in_window(c, s->seq) || in_window(c, s->seq + len - 1);
}

/* challenge-fails-open: a limit of CHALLENGE_OPEN_AFTER challenge ACKs a
 * second that, once spent, takes in-window RSTs as if at rcv_nxt (a
 * throttle that fails open). Counts this one. */
static bool challenge_spent(struct conn *c)
{
	uint64_t now = now_ns();

	if (now - c->challenge_t0 > NS_PER_S) {
		c->challenge_t0 = now;
		c->challenges = 0;
	}
	return ++c->challenges > CHALLENGE_OPEN_AFTER;
}

/* A RST of the current connection (RFC 5961 3.2). */
static void on_rst(struct peer *p, const struct seg *s)
{
	struct conn *c = &p->c;

	if (p->sc->rst_ignored || (p->sc->rst_data_ignored && s->dlen > 0) ||
	    (p->sc->synrcvd_rst_ignored && c->state == ST_SYN_RCVD)) {
		logv(p, "RST ignored (%s)", p->sc->name);
		return;
	}
	if (!in_window(c, s->seq)) {
		if (p->sc->oow_rst_closes)
			forget(p, "client RST out of window (oow-rst-closes)");
		else
			logv(p, "RST out of window: ignored");
	} else if (s->seq == c->rcv_nxt) {
		forget(p, "client RST");
	} else if (p->sc->no_challenge) {
		forget(p, "client RST in window, seq != rcv_nxt (no-challenge-ack)");
	} else if (p->sc->challenge_fails_open && challenge_spent(c)) {
		forget(p, "client RST in window past the challenge ACK limit (challenge-fails-open)");
	} else {
		logv(p, "RST in window, seq != rcv_nxt: challenge ACK");
		send_ack(p);
	}
}

/* A SYN in a synchronized state (RFC 5961 4.2). */
static void on_syn_synced(struct peer *p)
{
	if (p->sc->no_challenge) {
		reset_conn(p, TH_RST | TH_ACK, "SYN in a synchronized state (no-challenge-ack)");
		return;
	}
	logv(p, "SYN in a synchronized state: challenge ACK");
	send_ack(p);
}

static void update_ts_recent(struct conn *c, const struct seg *s)
{
	/* RFC 7323 4.3: from segments at or before rcv_nxt, never backwards. */
	if (c->ts_ok && s->o.ts && !seq_lt(c->rcv_nxt, s->seq) &&
	    (int32_t)(s->o.tsval - c->ts_recent) >= 0)
		c->ts_recent = s->o.tsval;
}

/* TIME_WAIT: a retransmitted FIN is re-ACKed (timewait-rst: RST). */
static void on_time_wait(struct peer *p, const struct seg *s)
{
	struct conn *c = &p->c;
	uint32_t end = s->seq + (uint32_t)s->dlen;

	if ((s->flags & TH_FIN) && c->fin_rcvd && end == c->rfin_seq) {
		if (p->sc->timewait_rst) {
			logv(p, "client FIN retransmitted in TIME_WAIT: RST (timewait-rst)");
			reset_conn(p, TH_RST, "RST in TIME_WAIT");
			return;
		}
		on_fin_again(p);
		arm_in(p, T_TIME_WAIT, TIME_WAIT_NS);
		return;
	}
	if (!acceptable(c, s)) {
		if (p->sc->no_ooo_ack) {
			logv(p, "TIME_WAIT: unacceptable segment dropped (no-ooo-ack)");
			return;
		}
		logv(p, "TIME_WAIT: unacceptable segment: ACK");
		send_ack(p);
		return;
	}
	logv(p, "TIME_WAIT: ignored");
}

/* A segment of the current connection (not one that starts a new one). */
static void on_conn_seg(struct peer *p, const struct seg *s)
{
	struct conn *c = &p->c;
	const struct script *sc = p->sc;
	/* fin-data-unacked: a FIN that rides on data goes unseen. */
	bool fin = (s->flags & TH_FIN) && !(sc->fin_data_unacked && s->dlen > 0);
	bool established = false, need_ack = false, new_fin = false;
	uint32_t end = s->seq + (uint32_t)s->dlen; /* where a FIN would sit */
	uint32_t echo = 0; /* new bytes, to be echoed */

	if (s->flags & TH_RST) {
		on_rst(p, s);
		return;
	}
	if (c->state == ST_SYN_RCVD) {
		if (!(s->flags & TH_ACK)) {
			logv(p, "ignored: no ACK bit");
			return;
		}
		if (s->ack != c->iss + 1 && sc->synrcvd_bad_ack_taken) {
			logv(p, "handshake ACK %u, want %u: taken (synrcvd-bad-ack-taken)", s->ack,
			     c->iss + 1);
		} else if (s->ack != c->iss + 1) {
			/* RFC 9293 3.10.7.4, SYN-RECEIVED: unacceptable ACK. */
			logv(p, "handshake ACK %u, want %u: RST", s->ack, c->iss + 1);
			send_seg(p, TH_RST, s->ack, 0, NULL, 0);
			return;
		}
		c->state = ST_OPEN;
		c->snd_una = c->iss + 1;
		c->timer = T_NONE; /* no more SYN-ACKs */
		/* RFC 6928 2's initial window (iw-huge: none). */
		c->cwnd = p->sc->iw_huge ? HUGE_CWND
					 : 10 * send_mss(p) < IW_CAP ? 10 * send_mss(p)
					 : 2 * send_mss(p) > IW_CAP ? 2 * send_mss(p) : IW_CAP;
		established = true;
		update_ts_recent(c, s);
		on_window(p, s);
		logv(p, "established");
	} else {
		if (s->flags & TH_SYN) {
			on_syn_synced(p);
			return;
		}
		if (c->state == ST_TIME_WAIT) {
			on_time_wait(p, s);
			return;
		}
		/* PAWS (RFC 7323 5.3, R1): an old TSval, not acceptable. */
		if (c->ts_ok && s->o.ts && (int32_t)(s->o.tsval - c->ts_recent) < 0 && !sc->no_paws) {
			logv(p, "PAWS: TSval %u older than TS.Recent %u: ACK, dropped", s->o.tsval,
			     c->ts_recent);
			send_ack(p);
			return;
		}
		if (!acceptable(c, s)) {
			if (fin && c->fin_rcvd && end == c->rfin_seq) {
				on_fin_again(p);
			} else if (sc->no_ooo_ack) {
				logv(p, "unacceptable segment: dropped silently (no-ooo-ack)");
			} else {
				logv(p, "unacceptable segment (outside the window or old): ACK");
				send_ack(p);
			}
			return;
		}
		if (!(s->flags & TH_ACK)) {
			logv(p, "ignored: no ACK bit");
			return;
		}
		if ((s->flags & TH_URG) && sc->urg_rst) {
			reset_conn(p, TH_RST | TH_ACK, "URG (urg-breaks)");
			return;
		}
		if (seq_lt(c->snd_nxt, s->ack)) {
			if (sc->ack_unsent_silent) {
				logv(p, "ACK of unsent data: dropped silently (ack-unsent-silent)");
				return;
			}
			if (!sc->accept_bad_ack) {
				/* RFC 9293: it ACKs something not yet sent. */
				logv(p, "ACK of unsent data: dropped, ACK");
				send_ack(p);
				return;
			}
			logv(p, "ACK of unsent data: taken anyway (accept-bad-ack)");
		} else if (seq_lt(c->snd_una, s->ack)) {
			uint32_t acked = s->ack - c->snd_una;

			c->snd_una = s->ack;
			on_data_acked(p, acked);
		}
		update_ts_recent(c, s);
		on_window(p, s);
	}

	/* The text. No queue for segments past a hole: they and anything
	 * after the client's FIN only get a duplicate ACK. */
	if (s->dlen || fin) {
		if (fin && c->fin_rcvd && end == c->rfin_seq) {
			on_fin_again(p);
			return;
		}
		bool sack = (c->syn.sack_ok && !sc->no_sack_blocks) || sc->sack_unasked;

		if (!c->fin_rcvd && seq_lt(c->rcv_nxt, s->seq) && sc->ooo_ack_delayed) {
			logv(p, "past a hole: duplicate ACK in 200 ms (ooo-ack-delayed)");
			arm_in(p, T_DUPACK, DUPACK_DELAY_NS);
		} else if (c->fin_rcvd || seq_lt(c->rcv_nxt, s->seq) || seq_lt(end, c->rcv_nxt) ||
			   (end == c->rcv_nxt && !fin)) {
			need_ack = true; /* past a hole, after the FIN, or old */
			if (!c->fin_rcvd && seq_lt(c->rcv_nxt, s->seq) && s->dlen > 0 && sack) {
				c->sack_left = s->seq;
				c->sack_right = s->seq + (uint32_t)s->dlen;
			}
		} else {
			uint32_t n = end - c->rcv_nxt;

			if (n) {
				logv(p, "%u new bytes%s", n, s->flags & TH_URG ? " (URG)" : "");
				need_ack = true;
				echo = n;
			}
			c->rcv_nxt = end;
			new_fin = fin;
		}
	}
	if (established) {
		uint32_t before = c->snd_nxt;

		on_established(p);
		if (c->snd_nxt != before)
			need_ack = false; /* what we sent carries the ACK */
	}
	/* After what on_established sent, before our answer to a FIN in the
	 * same segment (that one goes after the echo). Not once our FIN is
	 * out: nothing may follow it. */
	if (echo && !c->fin_sent) {
		if (sc->ack_slow) {
			/* Data and its ACK held back (ack-slow). */
			c->ack_pending += echo;
			if (c->ack_due == 0)
				c->ack_due = now_ns() + SLOW_ACK_NS;
			need_ack = false;
		} else if (send_echo(p, echo)) {
			need_ack = false; /* the echo carries the ACK */
		}
	} else if (c->state == ST_OPEN && c->unsent > 0 && output(p) > 0) {
		need_ack = false; /* a window opened: what went carries the ACK */
	}
	if (new_fin) {
		c->fin_rcvd = true;
		c->rfin_seq = end;
		c->rcv_nxt = end + 1;
		on_fin(p); /* answers it, data included */
		if (c->state == ST_CLOSED)
			return;
		need_ack = false;
	}
	if (need_ack)
		send_ack(p);
	c->sack_left = c->sack_right = 0;

	/* Fully closed: both FINs sent and ours ACKed. */
	if (c->fin_sent && c->fin_rcvd && c->snd_una == c->snd_nxt && !sc->keep_closed) {
		if (c->fin_first) {
			c->state = ST_TIME_WAIT;
			arm_in(p, T_TIME_WAIT, TIME_WAIT_NS);
			logv(p, "TIME_WAIT");
		} else {
			p->last = (struct tuple){ true, c->laddr, c->raddr, c->rport };
			forget(p, "closed (LAST_ACK done)");
		}
	}
}

/* Whether the SYN carried an option of this kind (one we do not know). */
static bool has_kind(const struct opts *o, uint8_t kind)
{
	for (size_t i = 0; i + 1 < o->unknown_len; i += o->unknown[i + 1])
		if (o->unknown[i] == kind)
			return true;
	return false;
}

static bool same_tuple(const struct seg *s, struct in_addr laddr, struct in_addr raddr, uint16_t rport)
{
	return s->src.s_addr == raddr.s_addr && s->dst.s_addr == laddr.s_addr && s->sport == rport;
}

/* One packet from the raw socket: an IPv4 header and a TCP segment. */
static void on_packet(struct peer *p, const uint8_t *pkt, size_t n)
{
	const struct conn *c = &p->c;
	const struct script *sc = p->sc;
	const uint8_t *tcp;
	size_t ihl, tlen, thl;
	struct seg s;
	bool mine;
	char a[INET_ADDRSTRLEN], fs[10], os[160], ex[40], rel[80];

	if (n < IP_HLEN || pkt[0] >> 4 != 4)
		return;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if (ihl < IP_HLEN || get16(pkt + 2) < ihl || get16(pkt + 2) > n)
		return;
	n = get16(pkt + 2); /* drop any link-layer padding */
	/* Raw sockets see reassembled datagrams; a fragment would be odd. */
	if (pkt[9] != IPPROTO_TCP || (get16(pkt + 6) & 0x3fff) != 0)
		return;
	tcp = pkt + ihl;
	tlen = n - ihl;
	if (tlen < TCP_HLEN || get16(tcp + 2) != p->port)
		return;
	memset(&s, 0, sizeof(s));
	memcpy(&s.src, pkt + 12, 4);
	memcpy(&s.dst, pkt + 16, 4);
	if (p->have_addr && s.dst.s_addr != p->addr.s_addr)
		return;
	thl = (size_t)(tcp[12] >> 4) * 4;
	if (thl < TCP_HLEN || thl > tlen)
		return;
	s.sport = get16(tcp);
	s.seq = get32(tcp + 4);
	s.ack = get32(tcp + 8);
	s.reserved = tcp[12] & 0x0f;
	s.flags = tcp[13];
	s.win = get16(tcp + 14);
	s.urp = get16(tcp + 18);
	s.dlen = tlen - thl;
	parse_opts(tcp + TCP_HLEN, thl - TCP_HLEN, &s.o);
	inet_ntop(AF_INET, &s.src, a, sizeof(a));
	ex[0] = '\0';
	if (s.reserved && (s.flags & TH_URG))
		snprintf(ex, sizeof(ex), " reserved=0x%x urp=%u", s.reserved, s.urp);
	else if (s.reserved)
		snprintf(ex, sizeof(ex), " reserved=0x%x", s.reserved);
	else if (s.flags & TH_URG)
		snprintf(ex, sizeof(ex), " urp=%u", s.urp);
	mine = c->state != ST_CLOSED && same_tuple(&s, c->laddr, c->raddr, c->rport);
	if (mine) /* relative to the connection's ISNs */
		snprintf(rel, sizeof(rel), "seq=%u (rel %u) ack=%u (rel %u)", s.seq, s.seq - c->irs, s.ack,
			 s.ack - c->iss);
	else
		snprintf(rel, sizeof(rel), "seq=%u ack=%u", s.seq, s.ack);
	logv(p, "rx %s:%u [%s] %s len=%zu win=%u%s%s", a, s.sport, flag_str(s.flags, fs), rel, s.dlen,
	     s.win, ex, opt_str(tcp + TCP_HLEN, thl - TCP_HLEN, os, sizeof(os)));
	if (tcp_csum(s.src, s.dst, tcp, tlen) != 0) {
		if (!sc->no_csum_check) {
			logv(p, "bad checksum, dropped");
			return;
		}
		logv(p, "bad checksum, taken anyway (no-csum-check)");
	}

	if (sc->closed_port) {
		closed_reply(p, &s);
		return;
	}
	if ((s.flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN) {
		if (sc->optlen_hang && (p->hung || s.o.zero_len)) {
			/* As if its option parser were stuck on that length 0:
			 * no SYN of anyone is answered from then on. */
			p->hung = true;
			logv(p, "SYN ignored: hung on an option of length 0 (option-length-hangs)");
			return;
		}
		if (sc->rst_on_kind && has_kind(&s.o, sc->rst_on_kind)) {
			send_rst_to(p, &s, TH_RST | TH_ACK, 0, s.seq + seg_len(&s), sc->name);
			return;
		}
		if (sc->wscale15_rst && s.o.ws && s.o.ws_val > WSCALE_MAX) {
			send_rst_to(p, &s, TH_RST | TH_ACK, 0, s.seq + seg_len(&s),
				    "window scale above 14 (wscale15-rst)");
			return;
		}
		if (sc->reserved_rst && s.reserved) {
			send_rst_to(p, &s, TH_RST | TH_ACK, 0, s.seq + seg_len(&s),
				    "SYN with reserved bits (reserved-bits-rst)");
			return;
		}
		if (mine && c->state == ST_SYN_RCVD && s.seq == c->irs && !sc->dup_syn_new_isn) {
			/* The same SYN again: our SYN-ACK was lost or is slow.
			 * Keep the ISN, or the client would see two. */
			logv(p, "SYN again: SYN-ACK again");
			send_synack(p);
			return;
		}
		/* In a synchronized state, a challenge ACK; but TIME_WAIT
		 * takes a new connection above what it saw (RFC 9293 3.6.1). */
		if (mine && (c->state == ST_OPEN ||
			     (c->state == ST_TIME_WAIT && !seq_lt(c->rcv_nxt, s.seq)))) {
			on_conn_seg(p, &s);
			return;
		}
		on_syn(p, &s);
		return;
	}
	if (!mine) {
		if (sc->quiet_after_close && p->last.valid &&
		    same_tuple(&s, p->last.laddr, p->last.raddr, p->last.rport)) {
			logv(p, "closed connection: ignored (rst-after-lastack-none)");
			return;
		}
		closed_reply(p, &s);
		return;
	}
	on_conn_seg(p, &s);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: raw_peer [--verbose] --port PORT --script NAME [--addr LOCAL_IPV4]\n"
		   "scripts:");
	for (size_t i = 0; i < NSCRIPTS; i++)
		fprintf(f, "%s%s", i % 6 == 0 ? "\n  " : " ", scripts[i].name);
	fputc('\n', f);
}

static int parse_args(int argc, char **argv, struct peer *p)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, OPT_PORT },
		{ "script", required_argument, NULL, OPT_SCRIPT },
		{ "addr", required_argument, NULL, OPT_ADDR },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "p:s:a:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
		case OPT_PORT: {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end != '\0' || v < 1 || v > 65535) {
				fprintf(stderr, "raw_peer: invalid port '%s'\n", optarg);
				return -1;
			}
			p->port = (uint16_t)v;
			break;
		}
		case 's':
		case OPT_SCRIPT: {
			size_t i;

			for (i = 0; i < NSCRIPTS; i++)
				if (strcmp(optarg, scripts[i].name) == 0)
					break;
			if (i == NSCRIPTS) {
				fprintf(stderr, "raw_peer: unknown script '%s'\n", optarg);
				usage(stderr);
				return -1;
			}
			p->sc = &scripts[i];
			break;
		}
		case 'a':
		case OPT_ADDR:
			if (inet_pton(AF_INET, optarg, &p->addr) != 1) {
				fprintf(stderr, "raw_peer: invalid IPv4 address '%s'\n", optarg);
				return -1;
			}
			p->have_addr = 1;
			break;
		case 'v':
		case OPT_VERBOSE:
			p->verbose = 1;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || p->port == 0 || p->sc == NULL) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static int open_socket(const struct peer *p)
{
	int one = 1, buf = SOCKBUF_BYTES;
	uint32_t mark = RAW_PEER_MARK;
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);

	if (fd < 0) {
		fprintf(stderr, "raw_peer: socket: %s\n", strerror(errno));
		return -1;
	}
	/* The mark lets our RSTs past lab.sh's nft rule, which drops the
	 * kernel's own. */
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0) {
		fprintf(stderr, "raw_peer: setsockopt: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (p->have_addr) {
		struct sockaddr_in a;

		/* Only segments to this address, and it must be ours. */
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr = p->addr;
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			fprintf(stderr, "raw_peer: bind: %s\n", strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

static int run(struct peer *p)
{
	uint8_t buf[RXBUF_SIZE];
	sigset_t none;

	sigemptyset(&none);
	while (!stop) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		struct timespec ts, *tmo = NULL;
		int r;

		uint64_t due = min_due(p->c.timer != T_NONE ? p->c.due : 0, data_due(&p->c));

		if (due != 0) {
			uint64_t now = now_ns(), wait = due > now ? due - now : 0;

			ts.tv_sec = (time_t)(wait / NS_PER_S);
			ts.tv_nsec = (long)(wait % NS_PER_S);
			tmo = &ts;
		}
		r = ppoll(&pfd, 1, tmo, &none);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "raw_peer: ppoll: %s\n", strerror(errno));
			return -1;
		}
		if (pfd.revents & POLLIN) {
			for (;;) {
				ssize_t n = recv(p->fd, buf, sizeof(buf), 0);

				if (n < 0) {
					if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
						logv(p, "recv: %s", strerror(errno));
					break;
				}
				on_packet(p, buf, (size_t)n);
			}
		}
		if (p->c.timer != T_NONE && now_ns() >= p->c.due)
			on_timer(p);
		if (data_due(&p->c) != 0 && now_ns() >= data_due(&p->c))
			on_data_timers(p);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct peer p;
	struct sigaction sa;
	sigset_t block;
	int r, rc;

	memset(&p, 0, sizeof(p));
	r = parse_args(argc, argv, &p);
	if (r != 0)
		return r > 0 ? 0 : 2;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	p.fd = open_socket(&p);
	if (p.fd < 0)
		return 1;
	logv(&p, "port %u, script %s", p.port, p.sc->name);
	rc = run(&p) == 0 ? 0 : 1;
	close(p.fd);
	return rc;
}
