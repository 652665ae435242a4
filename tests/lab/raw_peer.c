/*
 * raw_peer: a deliberately non-conformant TCP server for the lab. Connect
 * mode judges how a peer tears a connection down, and the kernel's TCP
 * (lab_server) only ever does it right; to see tcpshake flag a wrong
 * teardown we need a peer that does it wrong on purpose, in a known way.
 * So this one speaks TCP itself over a raw socket and follows a script.
 *
 *   raw_peer [--verbose] --port PORT --script NAME [--addr LOCAL_IPV4]
 *
 * IPv4 only. One socket(AF_INET, SOCK_RAW, IPPROTO_TCP) receives a copy of
 * every incoming TCP segment of the namespace; those for PORT (and LOCAL,
 * if given) drive one connection at a time, and a new SYN starts over. The
 * same socket sends with IP_HDRINCL, so replies leave from exactly the
 * address the client used. Every connection begins with a normal handshake
 * (SYN -> SYN-ACK with a random ISN and an MSS option -> ACK); data is
 * ACKed with ack = rcv_nxt (no out-of-order queue: a segment past a hole
 * only gets a duplicate ACK). What happens on the client's FIN, "FIN seq"
 * being the sequence number the FIN occupies, depends on the script:
 *
 *   conformant      ACK (ack = FIN seq + 1), 20 ms later FIN|ACK; forget
 *                   the connection when the client ACKs our FIN
 *   wrong-ack       the same, but both with ack = FIN seq (no +1)
 *   rst-on-fin      RST (seq = snd_nxt, no ACK bit) and forget
 *   no-fin          ACK (ack = FIN seq + 1) and never FIN: CLOSE_WAIT
 *   data-after-fin  ACK, FIN|ACK, then 20 ms later "late\n" (PSH|ACK)
 *                   with seq = our FIN seq + 1, after our own FIN
 *   seq-gap         on the handshake's last ACK, "gap\n" sent 100 bytes
 *                   past snd_nxt, which is then counted as sent, so the
 *                   hole never fills; on FIN, as conformant (our FIN after
 *                   the hole)
 *   ack-unsent      as conformant, but both with ack = FIN seq + 1 + 1000
 *   close-first     on the handshake's last ACK, "bye\n" then FIN|ACK (an
 *                   HTTP/1.0 server); the client's FIN gets ACK = FIN seq
 *                   + 1, then TIME_WAIT, where only a retransmitted FIN is
 *                   answered (re-ACKed)
 *
 * A retransmitted client FIN gets the same answer again: our FIN|ACK once
 * more if our FIN is out and not yet ACKed (it carries the ACK too), else
 * a bare ACK. A client RST inside the window ends the connection silently.
 * We never retransmit on a timer: the lab does not lose packets unless a
 * test asks it to, and scripted segments are easier to assert on when each
 * is sent exactly once.
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
#define WINDOW 65535              /* advertised; no window scaling */
#define MSS 1460                  /* veth MTU 1500 - 40 */
#define LAG_NS 20000000u          /* 20 ms before a scripted later segment */
#define GAP_BYTES 100             /* seq-gap: how far past snd_nxt */
#define ACK_UNSENT_EXTRA 1000     /* ack-unsent: how far past the FIN */
#define IP_HLEN 20
#define TCP_HLEN 20
#define MAX_PAYLOAD 16            /* our scripted payloads are tiny */

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

static volatile sig_atomic_t stop;

enum script {
	SCRIPT_CONFORMANT,
	SCRIPT_WRONG_ACK,
	SCRIPT_RST_ON_FIN,
	SCRIPT_NO_FIN,
	SCRIPT_DATA_AFTER_FIN,
	SCRIPT_SEQ_GAP,
	SCRIPT_ACK_UNSENT,
	SCRIPT_CLOSE_FIRST,
};

static const char *const script_names[] = {
	[SCRIPT_CONFORMANT] = "conformant",
	[SCRIPT_WRONG_ACK] = "wrong-ack",
	[SCRIPT_RST_ON_FIN] = "rst-on-fin",
	[SCRIPT_NO_FIN] = "no-fin",
	[SCRIPT_DATA_AFTER_FIN] = "data-after-fin",
	[SCRIPT_SEQ_GAP] = "seq-gap",
	[SCRIPT_ACK_UNSENT] = "ack-unsent",
	[SCRIPT_CLOSE_FIRST] = "close-first",
};

#define NSCRIPTS (sizeof(script_names) / sizeof(script_names[0]))

enum conn_state {
	ST_CLOSED,    /* no connection */
	ST_SYN_RCVD,  /* SYN-ACK sent, waiting for the handshake's ACK */
	ST_OPEN,      /* synchronized; the fin_* fields say how far closed */
	ST_TIME_WAIT, /* close-first after its last ACK: re-ACK FINs only */
};

/* What the timer does when due. */
enum timer {
	T_NONE,
	T_FIN,  /* send our FIN */
	T_LATE, /* data-after-fin: send "late\n" after our FIN */
};

struct conn {
	enum conn_state state;
	struct in_addr laddr, raddr; /* ours (the client's destination), theirs */
	uint16_t rport;
	uint32_t iss, irs;
	uint32_t snd_una, snd_nxt, rcv_nxt;
	int fin_sent;     /* our FIN is out ... */
	uint32_t fin_seq; /* ... at this sequence number */
	int fin_rcvd;     /* the client's FIN arrived in order ... */
	uint32_t rfin_seq; /* ... at this one */
	enum timer timer;
	uint64_t due; /* CLOCK_MONOTONIC ns */
};

struct peer {
	enum script script;
	int verbose;
	uint16_t port;
	int have_addr;
	struct in_addr addr; /* --addr */
	int fd;
	struct conn c;
};

/* A parsed incoming segment. */
struct seg {
	struct in_addr src, dst;
	uint16_t sport;
	uint32_t seq, ack;
	uint8_t flags;
	size_t dlen;
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
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
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
static int seq_lt(uint32_t a, uint32_t b)
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
	static const char names[] = "FSRPAU";
	char *o = buf;

	for (int i = 0; i < 6; i++)
		if (f & (1u << i))
			*o++ = names[i];
	if (o == buf)
		*o++ = '.';
	*o = '\0';
	return buf;
}

/* The ack number we put in segments: rcv_nxt, except where the script
 * lies about the client's FIN. */
static uint32_t ack_out(const struct peer *p)
{
	const struct conn *c = &p->c;

	if (!c->fin_rcvd)
		return c->rcv_nxt;
	switch (p->script) {
	case SCRIPT_WRONG_ACK:
		return c->rcv_nxt - 1; /* = FIN seq: the FIN is not acknowledged */
	case SCRIPT_ACK_UNSENT:
		return c->rcv_nxt + ACK_UNSENT_EXTRA;
	default:
		return c->rcv_nxt;
	}
}

/* Sends one segment to the current client. ack is ignored without TH_ACK;
 * a SYN carries an MSS option, nothing else carries options. */
static void send_seg(struct peer *p, uint8_t flags, uint32_t seq, uint32_t ack, const char *data,
		     size_t len)
{
	const struct conn *c = &p->c;
	uint8_t pkt[IP_HLEN + TCP_HLEN + 4 + MAX_PAYLOAD];
	size_t thl = TCP_HLEN + (flags & TH_SYN ? 4 : 0), tot = IP_HLEN + thl + len;
	uint8_t *ip = pkt, *tcp = pkt + IP_HLEN;
	struct sockaddr_in to;
	char fs[8];

	if (len > MAX_PAYLOAD)
		return;
	memset(pkt, 0, sizeof(pkt));
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)tot);
	/* ID 0: with IP_HDRINCL the kernel picks one for us. */
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &c->laddr, 4);
	memcpy(ip + 16, &c->raddr, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, IP_HLEN)));

	put16(tcp, p->port);
	put16(tcp + 2, c->rport);
	put32(tcp + 4, seq);
	put32(tcp + 8, flags & TH_ACK ? ack : 0);
	tcp[12] = (uint8_t)(thl / 4 << 4);
	tcp[13] = flags;
	put16(tcp + 14, flags & TH_RST ? 0 : WINDOW); /* an RST offers no window */
	if (flags & TH_SYN) {
		tcp[20] = 2; /* MSS */
		tcp[21] = 4;
		put16(tcp + 22, MSS);
	}
	if (len)
		memcpy(tcp + thl, data, len);
	put16(tcp + 16, tcp_csum(c->laddr, c->raddr, tcp, thl + len));

	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr = c->raddr;
	if (sendto(p->fd, pkt, tot, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		logv(p, "send: %s", strerror(errno));
	logv(p, "tx [%s] seq=%u (rel %u) ack=%u (rel %u) len=%zu", flag_str(flags, fs), seq,
	     seq - c->iss, flags & TH_ACK ? ack : 0, flags & TH_ACK ? ack - c->irs : 0, len);
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

static void send_fin(struct peer *p)
{
	struct conn *c = &p->c;

	c->fin_seq = c->snd_nxt;
	send_seg(p, TH_FIN | TH_ACK, c->fin_seq, ack_out(p), NULL, 0);
	c->snd_nxt++;
	c->fin_sent = 1;
}

static void send_synack(struct peer *p)
{
	send_seg(p, TH_SYN | TH_ACK, p->c.iss, p->c.rcv_nxt, NULL, 0);
}

static void arm(struct peer *p, enum timer t)
{
	p->c.timer = t;
	p->c.due = now_ns() + LAG_NS;
}

static void forget(struct peer *p, const char *why)
{
	logv(p, "forget the connection (%s)", why);
	memset(&p->c, 0, sizeof(p->c));
}

static uint32_t random_isn(void)
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), 0) == (ssize_t)sizeof(v))
		return v;
	/* No entropy yet (early boot): the clock is random enough here. */
	return (uint32_t)(now_ns() * 2654435761u);
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
	c->rcv_nxt = s->seq + 1; /* data on the SYN is not taken */
	c->iss = random_isn();
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	inet_ntop(AF_INET, &s->src, a, sizeof(a));
	logv(p, "connection from %s:%u, script %s", a, s->sport, script_names[p->script]);
	send_synack(p);
}

/* The handshake is complete: the scripts that talk first do so now. */
static void on_established(struct peer *p)
{
	struct conn *c = &p->c;

	switch (p->script) {
	case SCRIPT_SEQ_GAP: {
		uint32_t seq = c->snd_nxt + GAP_BYTES;

		send_data(p, seq, "gap\n");
		/* Counted as sent: the skipped bytes never come, and our FIN
		 * goes after them. */
		c->snd_nxt = seq + 4;
		break;
	}
	case SCRIPT_CLOSE_FIRST:
		send_data(p, c->snd_nxt, "bye\n");
		c->snd_nxt += 4;
		send_fin(p);
		break;
	default:
		break;
	}
}

/* The client's FIN, the first time (rcv_nxt is already past it). */
static void on_fin(struct peer *p)
{
	struct conn *c = &p->c;

	logv(p, "client FIN at seq %u", c->rfin_seq);
	switch (p->script) {
	case SCRIPT_RST_ON_FIN:
		send_seg(p, TH_RST, c->snd_nxt, 0, NULL, 0);
		forget(p, "reset on FIN");
		break;
	case SCRIPT_NO_FIN:
		send_ack(p);
		break;
	case SCRIPT_DATA_AFTER_FIN:
		send_ack(p);
		send_fin(p);
		arm(p, T_LATE);
		break;
	default: /* conformant, wrong-ack, ack-unsent, seq-gap, close-first */
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
		send_fin(p);
		break;
	case T_LATE:
		/* seq = our FIN seq + 1: data the client must not accept. */
		send_data(p, c->snd_nxt, "late\n");
		c->snd_nxt += 5;
		break;
	case T_NONE:
		break;
	}
}

/* A segment of the current connection (not a plain SYN). */
static void on_conn_seg(struct peer *p, const struct seg *s)
{
	struct conn *c = &p->c;
	int fin = !!(s->flags & TH_FIN), established = 0, need_ack = 0, new_fin = 0;
	uint32_t end = s->seq + (uint32_t)s->dlen; /* where a FIN would sit */

	if (s->flags & TH_RST) {
		/* In the window, as RFC 9293 asks; else it is not for us. */
		if ((uint32_t)(s->seq - c->rcv_nxt) < WINDOW)
			forget(p, "client RST");
		else
			logv(p, "RST out of window, ignored");
		return;
	}
	if (s->flags & TH_SYN || !(s->flags & TH_ACK)) {
		logv(p, "ignored: %s", s->flags & TH_SYN ? "SYN|ACK" : "no ACK bit");
		return;
	}
	if (c->state == ST_TIME_WAIT) {
		if (fin && c->fin_rcvd && end == c->rfin_seq)
			on_fin_again(p);
		return;
	}

	/* The ACK field. */
	if (c->state == ST_SYN_RCVD) {
		if (s->ack != c->iss + 1) {
			logv(p, "handshake ACK %u, want %u: ignored", s->ack, c->iss + 1);
			return;
		}
		c->state = ST_OPEN;
		c->snd_una = s->ack;
		established = 1;
		logv(p, "established");
	} else if (seq_lt(c->snd_nxt, s->ack)) {
		/* RFC 9293: it ACKs something not yet sent; ACK and drop. */
		logv(p, "ACK of unsent data, ignored");
		send_ack(p);
		return;
	} else if (seq_lt(c->snd_una, s->ack)) {
		c->snd_una = s->ack;
	}

	/* The text. No queue for segments past a hole: they and anything
	 * after the client's FIN only get a duplicate ACK. */
	if (s->dlen || fin) {
		if (fin && c->fin_rcvd && end == c->rfin_seq) {
			on_fin_again(p);
			return;
		}
		if (c->fin_rcvd || seq_lt(c->rcv_nxt, s->seq) || seq_lt(end, c->rcv_nxt) ||
		    (end == c->rcv_nxt && !fin)) {
			need_ack = 1; /* past a hole, after the FIN, or old */
		} else {
			uint32_t n = end - c->rcv_nxt;

			if (n) {
				logv(p, "%u new bytes", n);
				need_ack = 1;
			}
			c->rcv_nxt = end;
			new_fin = fin;
		}
	}
	if (established) {
		uint32_t before = c->snd_nxt;

		on_established(p);
		if (c->snd_nxt != before)
			need_ack = 0; /* what we sent carries the ACK */
	}
	if (new_fin) {
		c->fin_rcvd = 1;
		c->rfin_seq = end;
		c->rcv_nxt = end + 1;
		on_fin(p); /* answers it, data included */
		if (c->state == ST_CLOSED)
			return;
		need_ack = 0;
	}
	if (need_ack)
		send_ack(p);

	/* Fully closed: both FINs sent and ours ACKed. */
	if (c->fin_sent && c->fin_rcvd && c->snd_una == c->snd_nxt) {
		if (p->script == SCRIPT_CONFORMANT) {
			forget(p, "closed");
		} else if (p->script == SCRIPT_CLOSE_FIRST) {
			c->state = ST_TIME_WAIT;
			logv(p, "TIME_WAIT");
		}
	}
}

/* One packet from the raw socket: an IPv4 header and a TCP segment. */
static void on_packet(struct peer *p, const uint8_t *pkt, size_t n)
{
	const struct conn *c = &p->c;
	const uint8_t *tcp;
	size_t ihl, tlen, thl;
	struct seg s;
	char a[INET_ADDRSTRLEN], fs[8];

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
	s.flags = tcp[13];
	s.dlen = tlen - thl;
	inet_ntop(AF_INET, &s.src, a, sizeof(a));
	logv(p, "rx %s:%u [%s] seq=%u (rel %u) ack=%u (rel %u) len=%zu", a, s.sport,
	     flag_str(s.flags, fs), s.seq, s.seq - c->irs, s.ack, s.ack - c->iss, s.dlen);
	if (tcp_csum(s.src, s.dst, tcp, tlen) != 0) {
		logv(p, "bad checksum, dropped");
		return;
	}

	if ((s.flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN) {
		/* The same SYN again: our SYN-ACK was lost or is slow. Keep the
		 * ISN, or the client would see two different ones. */
		if (c->state == ST_SYN_RCVD && s.src.s_addr == c->raddr.s_addr &&
		    s.dst.s_addr == c->laddr.s_addr && s.sport == c->rport && s.seq == c->irs) {
			send_synack(p);
			return;
		}
		on_syn(p, &s);
		return;
	}
	if (c->state == ST_CLOSED || s.src.s_addr != c->raddr.s_addr ||
	    s.dst.s_addr != c->laddr.s_addr || s.sport != c->rport) {
		logv(p, "ignored: not our connection");
		return;
	}
	on_conn_seg(p, &s);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: raw_peer [--verbose] --port PORT --script NAME [--addr LOCAL_IPV4]\n"
		   "scripts:");
	for (size_t i = 0; i < NSCRIPTS; i++)
		fprintf(f, " %s", script_names[i]);
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
	int c, have_script = 0;

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
				if (strcmp(optarg, script_names[i]) == 0)
					break;
			if (i == NSCRIPTS) {
				fprintf(stderr, "raw_peer: unknown script '%s'\n", optarg);
				usage(stderr);
				return -1;
			}
			p->script = (enum script)i;
			have_script = 1;
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
	if (optind != argc || p->port == 0 || !have_script) {
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
	/* The mark lets our RSTs (rst-on-fin) past lab.sh's nft rule, which
	 * drops the kernel's own. */
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

		if (p->c.timer != T_NONE) {
			uint64_t now = now_ns(), wait = p->c.due > now ? p->c.due - now : 0;

			ts.tv_sec = (time_t)(wait / 1000000000u);
			ts.tv_nsec = (long)(wait % 1000000000u);
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
	logv(&p, "port %u, script %s", p.port, script_names[p.script]);
	rc = run(&p) == 0 ? 0 : 1;
	close(p.fd);
	return rc;
}
