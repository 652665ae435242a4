/*
 * fakewire: the one scripted struct wire the engine tests run on.
 *
 * It plays the network, the capture and the clock, and a small TCP peer
 * at whatever address and port the engine sends to (192.0.2.10 port 80 in
 * most tests, IPv6 too), answering from there to us (192.0.2.1):
 *
 *  - Every segment the engine sends is kept in sent[] (the first
 *    FW_SENT_MAX; nsent_all counts them all), and shows up in the capture
 *    as the kernel's copy, stamped when the send call began (as pcap
 *    stamps an outgoing frame), unless no_own_copy; the send call itself
 *    may take send_cost of wire time, as a real one does.
 *  - The peer reacts to each of our segments, its answers arriving rtt
 *    (or the port's port_rtt) after the send began: a minimal correct TCP
 *    per connection of ours (handshake, acks, closes, RST for what it has
 *    no connection for), bent by the script in p. A port of the peer may
 *    behave otherwise (port_beh: closed, filtered, an ICMP error, a
 *    corrupted, repeated or misaddressed SYN-ACK, libslirp's RSTs): what
 *    syn mode meets across many ports.
 *  - Time moves only when the engine waits (to the deadline, or to the
 *    next frame due), or by send_cost: every RTT, timeout and pause is
 *    exact, whatever the machine's load.
 *  - Random loss each way (loss_pct), repeatable.
 *  - A send call can stall now and then (stall_every, stall_ns), as a
 *    process on a busy machine is taken off its core; syns_by_sec counts
 *    our SYNs per virtual second, for --rate.
 *  - Sends can fail as the kernel's do: ENOBUFS (enobufs of them, from the
 *    send call enobufs_from on), EMSGSIZE (an IP packet longer than mtu).
 *  - A signal can come as the clock reaches stop_at, or after stop_tries
 *    send calls: *stop is set (and on_stop called), as a handler would.
 *
 * Frames are built by pktbuild (not by the code under test).
 */
#ifndef TCPSHAKE_TEST_FAKEWIRE_H
#define TCPSHAKE_TEST_FAKEWIRE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/wire.h"

#define FW_US 1000ull
#define FW_MS 1000000ull
#define FW_SEC 1000000000ull
#define FW_T0 (1700000000ull * FW_SEC) /* the clock at the start */
#define FW_PEER_ISS 5000u
#define FW_OUR_ADDR "192.0.2.1"
#define FW_PEER_ADDR "192.0.2.10"

/* The peer's script (all zero: a plain, correct peer). */
struct fw_script {
	unsigned drop_syns;       /* ignore this many of our SYNs */
	bool refuse;              /* answer SYNs with RST|ACK */
	bool silent;              /* never answer anything */
	unsigned drop_fins;       /* ignore this many of our FINs */
	unsigned drop_data;       /* ignore this many of our data segments */
	bool never_fin;           /* ACK our FIN but never send its own */
	const char *send_data;    /* on our handshake ACK: send this, then FIN */
	bool rst_data_after_close; /* once it closed first, reset data (RFC 1122 4.2.2.13) */
	uint16_t win;             /* the window it advertises (fw_init: 64240) */
	bool no_opts;             /* SYN-ACK without options (else Linux's, MSS 1460) */
	uint64_t fin_again_after; /* resend its FIN this long after the first (0: never) */
	bool badck_synack;        /* a corrupted SYN-ACK rtt/2 before the real one */
	bool badck_after_hs;      /* corrupted RST and data rtt/2 after our handshake ACK */
	bool vary_iss;            /* a new ISN per connection (else FW_PEER_ISS) */
	uint64_t ack_delay;       /* acknowledge data this much later than at once */
	/* An in-window RST not at RCV.NXT draws a challenge ACK (RFC 5961
	 * 3.2), at most challenge_max of them (0: no limit); past the limit
	 * it is dropped, or, challenge_fails_open, taken (the connection
	 * closes). challenges counts those sent. */
	unsigned challenge_max;
	bool challenge_fails_open;
	unsigned challenges;
	/* Everything it received in order, all connections. */
	char rcvd[32768];
	size_t nrcvd;
};

/* How one port of the peer answers (port_beh[port]). */
enum fw_port_beh {
	FW_PORT_TCP = 0,   /* the scripted TCP peer */
	FW_PORT_CLOSED,    /* RST|ACK (seq 0, window 0) to a SYN */
	FW_PORT_DROP,      /* nothing, ever (filtered) */
	FW_PORT_ICMP,      /* ICMP(v6) administratively prohibited, quoting the SYN */
	FW_PORT_BADCK,     /* a SYN-ACK with a bad checksum */
	FW_PORT_DUP,       /* a SYN-ACK, and the same again 5 us later */
	FW_PORT_WRONG_ACK, /* a SYN-ACK acknowledging ISN + 100 */
	FW_PORT_WRONG_SRC, /* a SYN-ACK with the right ack, from FW_OTHER_ADDR */
	/* libslirp: a SYN-ACK; our kernel, which has no socket for it, sends
	 * its RST (in the capture 1 us later); every RST is answered with
	 * RST|ACK (seq 0, ack = its seq), as libslirp answers a RST to a port
	 * it has just closed. */
	FW_PORT_SLIRP,
	/* A SYN-ACK to every SYN, and nothing kept: an open port of a large
	 * sweep (the scripted peer keeps few connections). */
	FW_PORT_OPEN,
};
#define FW_OTHER_ADDR "10.0.0.99"

/* The peer's side of one connection: one per port pair. */
struct fw_conn {
	uint16_t sport, dport; /* ours, its */
	bool synced, fin_sent, closed;
	bool passive;          /* our FIN came before it sent its own */
	uint32_t iss, snd_nxt, rcv_nxt, fin_seq;
};

struct fw_frame {
	uint64_t ts;
	bool from_peer, good, has_ack;
	uint32_t ack;
	size_t len;
	uint8_t buf[2048];
};

struct fw_sent {
	struct tx_segment seg; /* payload not kept (borrowed) */
	uint64_t t;            /* when the send call began */
};

#define FW_SENT_MAX 256
#define FW_SECS 16

struct fakewire {
	uint64_t now;
	uint64_t rtt;          /* fw_init: 10 ms */
	uint64_t send_cost;    /* wire time one send call takes (0) */
	unsigned enobufs;      /* this many sends fail with ENOBUFS (UINT_MAX: all) */
	unsigned enobufs_from; /* ... beginning with send call number this (0: the first) */
	unsigned sends_tried;  /* send calls, failed ones included */
	uint16_t mtu;          /* 0: any size goes; else longer IP packets get EMSGSIZE */
	unsigned lose_syn_every; /* every n-th SYN of ours, to any port, is lost (0: none) */
	/* Random loss each way: each of our segments, and each of the peer's,
	 * is lost with this chance in percent, drawn from loss_rng (a fixed
	 * seed when 0: runs repeat). Our own copy is still captured. */
	unsigned loss_pct;
	uint64_t loss_rng;
	/* A queue on the path (a slow bridge): each of our segments takes
	 * service_ns of a single server, first come first served, before the
	 * peer sees it; sent faster, they wait in line (0: no queue). */
	uint64_t service_ns;
	uint64_t server_free;  /* when the server takes the next one */
	unsigned long syns_seen; /* SYNs of ours the network carried or lost */
	bool no_own_copy;      /* the capture misses our own segments */
	struct fw_script p;
	uint8_t port_beh[65536];   /* enum fw_port_beh, by the peer's port */
	uint64_t port_rtt[65536];  /* the port's RTT (0: rtt) */
	struct fw_conn conns[32];
	size_t nconns;
	struct fw_frame q[4096]; /* by time, first come first out among equal times */
	size_t nq;
	struct fw_frame cur;
	struct fw_sent sent[FW_SENT_MAX];
	size_t nsent;          /* kept in sent[] */
	unsigned long nsent_all; /* sent in all */
	/* Our bytes in flight: the peer's highest ack the engine has read. */
	bool una_set;
	uint32_t una_seen, max_inflight;
	/* Set *stop (as a signal would, wait() failing with EINTR) when the
	 * clock would reach stop_at, or once stop_tries send calls were made
	 * (the call that makes them still goes out, or is refused). on_stop
	 * (may be NULL) is called then, with on_stop_arg. */
	volatile sig_atomic_t *stop;
	uint64_t stop_at;
	unsigned stop_tries;
	void (*on_stop)(void *arg);
	void *on_stop_arg;
	/* A busy machine: every stall_every-th send call also takes stall_ns
	 * (the process was off its core), 0: never. */
	unsigned stall_every;
	uint64_t stall_ns;
	/* Our SYNs by the virtual second their send began in (FW_T0 is
	 * second 0; later ones are not counted). */
	unsigned long syns_by_sec[FW_SECS];
	unsigned long idle_calls; /* now() calls since the clock last moved */
	unsigned long records;    /* frames the engine recorded (--pcap) */
};

/* A fresh fake (calloc'ed; free() it) at FW_T0 with a plain peer. */
struct fakewire *fw_new(void);
/* Fill w with the fake's ops. */
void fw_bind(struct fakewire *f, struct wire *w);
/* When our i-th segment's send began, in ns from FW_T0. */
uint64_t fw_sent_at(const struct fakewire *f, size_t i);
/* The index of our first sent segment from i on with these flags exactly,
 * or -1. */
long fw_find(const struct fakewire *f, size_t from, uint8_t flags);

#endif
