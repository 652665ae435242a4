/*
 * impair: the lab's userspace impairment bridge, standing in for tc netem,
 * which these machines lack. It joins two interfaces at layer 2 (in the lab,
 * the veths m0 and m1 of the middle namespace) with one AF_PACKET socket
 * each, and forwards every frame received on one to the other after random
 * loss, a fixed delay with uniform jitter, optional reordering and
 * duplication, all seeded so a test can replay the same pattern.
 *
 *   impair IF_A IF_B [--delay MS] [--jitter MS] [--loss P] [--reorder P]
 *                    [--dup P] [--seed N]
 *
 * Timing is the point of the tool: a probe's RTT through the bridge should
 * be the configured delay to within about 0.1 ms. So each frame is timed
 * from its kernel receive timestamp (SO_TIMESTAMPNS), not from when this
 * process got round to reading it, and held in a deadline queue
 * (impair_queue.c); the process sleeps in ppoll() with a nanosecond timeout
 * and a 1 ns timer slack until shortly before the earliest frame is due,
 * then polls without sleeping until it is: timer wakeups in our virtual
 * machines come 50-200 us late, which alone would spend the whole budget.
 * The spin costs CPU only in the last SPIN_NS before each deadline.
 *
 * Single-threaded. Signals (TERM, INT) are blocked except inside ppoll(), so
 * the stop flag can only change while we sleep and no frame is half-handled.
 * At exit one line of counters goes to stderr.
 */
#include "config.h"
#include "impair_queue.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23 /* Linux 4.20; older headers lack it */
#endif

#define QUEUE_CAP 65536            /* frames held at most; more are dropped */
#define RXBUF_SIZE 65536           /* larger than any frame with offloads off */
#define DRAIN_BATCH 64             /* frames read from one socket per wakeup */
#define REORDER_DEFAULT_NS 5000000 /* extra hold when reordering with no delay */
#define SOCKBUF_BYTES (4 << 20)    /* absorbs bursts such as a port sweep */
#define SPIN_NS 250000             /* wake this early, then spin to the deadline */

static volatile sig_atomic_t stop;

enum {
	OPT_DELAY = 256,
	OPT_JITTER,
	OPT_LOSS,
	OPT_REORDER,
	OPT_DUP,
	OPT_SEED,
	OPT_HELP,
};

struct settings {
	const char *ifname[2]; /* IF_A, IF_B */
	uint64_t delay_ns;     /* added to every frame */
	uint64_t jitter_ns;    /* half-width of the uniform jitter */
	double loss;           /* probability of dropping a frame */
	double reorder;        /* probability of holding a frame back */
	double dup;            /* probability of sending a frame twice */
	uint64_t seed;         /* PRNG seed */
};

/* A frame waiting in the queue. */
struct frame {
	int out;            /* index of the port to send it on */
	int copies;         /* 1, or 2 when duplicated */
	size_t len;         /* bytes in data */
	unsigned char data[];
};

struct port {
	int fd;             /* AF_PACKET socket bound to the interface */
	uint64_t rng;       /* splitmix64 state for frames received here */
};

struct counters {
	uint64_t received;   /* frames read (not our own outgoing ones) */
	uint64_t forwarded;  /* frames sent, a duplicate counting once */
	uint64_t lost;       /* dropped by --loss */
	uint64_t overflow;   /* dropped: queue full, truncated or no memory */
	uint64_t send_err;   /* the send failed */
	uint64_t duplicated; /* frames sent twice */
	uint64_t reordered;  /* frames held back by --reorder */
	uint64_t unsent;     /* still queued at exit */
};

struct bridge {
	struct settings set;
	struct port port[2];
	struct impair_queue *queue;
	unsigned char *rxbuf;
	struct counters n;
};

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* splitmix64: small, fast, and good enough to draw loss decisions. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

/* True with probability p; draws nothing when p is 0 so that adding an
 * unrelated option does not shift the pattern of the others. */
static int rng_chance(uint64_t *s, double p)
{
	return p > 0 && rng_unit(s) < p;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: impair IF_A IF_B [--delay MS] [--jitter MS] [--loss P] "
		   "[--reorder P] [--dup P] [--seed N]\n");
}

static int parse_ms(const char *s, const char *opt, uint64_t *ns)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= 0 && v <= 3600000)) {
		fprintf(stderr, "impair: invalid %s '%s' (milliseconds, 0 to 3600000)\n", opt, s);
		return -1;
	}
	*ns = (uint64_t)(v * 1e6 + 0.5);
	return 0;
}

static int parse_prob(const char *s, const char *opt, double *p)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= 0 && v <= 1)) {
		fprintf(stderr, "impair: invalid %s '%s' (a probability, 0 to 1)\n", opt, s);
		return -1;
	}
	*p = v;
	return 0;
}

/* Returns 0, 1 for --help, or -1 after a message. */
static int parse_args(int argc, char **argv, struct settings *set)
{
	static const struct option longopts[] = {
		{ "delay", required_argument, NULL, OPT_DELAY },
		{ "jitter", required_argument, NULL, OPT_JITTER },
		{ "loss", required_argument, NULL, OPT_LOSS },
		{ "reorder", required_argument, NULL, OPT_REORDER },
		{ "dup", required_argument, NULL, OPT_DUP },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c, have_seed = 0;

	memset(set, 0, sizeof(*set));
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int r = 0;

		switch (c) {
		case OPT_DELAY:
			r = parse_ms(optarg, "--delay", &set->delay_ns);
			break;
		case OPT_JITTER:
			r = parse_ms(optarg, "--jitter", &set->jitter_ns);
			break;
		case OPT_LOSS:
			r = parse_prob(optarg, "--loss", &set->loss);
			break;
		case OPT_REORDER:
			r = parse_prob(optarg, "--reorder", &set->reorder);
			break;
		case OPT_DUP:
			r = parse_prob(optarg, "--dup", &set->dup);
			break;
		case OPT_SEED: {
			char *end;

			errno = 0;
			set->seed = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end != '\0' || optarg[0] == '-') {
				fprintf(stderr, "impair: invalid --seed '%s'\n", optarg);
				r = -1;
			}
			have_seed = 1;
			break;
		}
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
		if (r < 0)
			return -1;
	}
	if (argc - optind != 2) {
		usage(stderr);
		return -1;
	}
	set->ifname[0] = argv[optind];
	set->ifname[1] = argv[optind + 1];
	if (!have_seed)
		set->seed = clock_ns(CLOCK_REALTIME) ^ ((uint64_t)getpid() << 32);
	return 0;
}

static int open_port(const char *ifname, struct port *p)
{
	struct sockaddr_ll sll;
	unsigned ifindex = if_nametoindex(ifname);
	int one = 1, bytes = SOCKBUF_BYTES;

	if (ifindex == 0) {
		fprintf(stderr, "impair: no interface '%s': %s\n", ifname, strerror(errno));
		return -1;
	}
	/* Protocol 0: the socket receives nothing until bound, so no frame from
	 * another interface slips in between socket() and bind(). */
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		fprintf(stderr, "impair: socket(AF_PACKET): %s\n", strerror(errno));
		return -1;
	}
	/* Our own transmissions on this interface would otherwise come back as
	 * PACKET_OUTGOING frames; the pkttype check below covers older kernels. */
	(void)setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (setsockopt(p->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0) {
		fprintf(stderr, "impair: SO_TIMESTAMPNS: %s\n", strerror(errno));
		return -1;
	}
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0)
		(void)setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
	if (setsockopt(p->fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) < 0)
		(void)setsockopt(p->fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "impair: bind to %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	return 0;
}

/* Sends every frame due by now. */
static void release_due(struct bridge *b, uint64_t now)
{
	struct frame *f;

	while ((f = impair_queue_pop_due(b->queue, now)) != NULL) {
		int sent = 0;

		for (int i = 0; i < f->copies; i++)
			if (send(b->port[f->out].fd, f->data, f->len, 0) == (ssize_t)f->len)
				sent = 1;
		if (sent)
			b->n.forwarded++;
		else
			b->n.send_err++;
		free(f);
	}
}

/* The monotonic time at which the kernel received the frame: its
 * SO_TIMESTAMPNS stamp (realtime) carried over to the monotonic clock by
 * its age. Falls back to now if the stamp is missing or implausible. */
static uint64_t rx_time(struct msghdr *msg, uint64_t mono_now)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			uint64_t stamp, real_now;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			stamp = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
			real_now = clock_ns(CLOCK_REALTIME);
			/* A stamp from the future or over a second old means the
			 * wall clock stepped: trust the arrival time instead. */
			if (stamp <= real_now && real_now - stamp < 1000000000u &&
			    real_now - stamp < mono_now)
				return mono_now - (real_now - stamp);
			break;
		}
	}
	return mono_now;
}

/* Decides one received frame's fate and queues it. */
static void admit(struct bridge *b, int in, const unsigned char *data, size_t len, uint64_t t_rx)
{
	const struct settings *s = &b->set;
	uint64_t *rng = &b->port[in].rng;
	int64_t hold = (int64_t)s->delay_ns;
	struct frame *f;

	if (rng_chance(rng, s->loss)) {
		b->n.lost++;
		return;
	}
	if (s->jitter_ns > 0) {
		hold += (int64_t)((2 * rng_unit(rng) - 1) * (double)s->jitter_ns);
		if (hold < 0)
			hold = 0;
	}
	if (rng_chance(rng, s->reorder)) {
		hold += s->delay_ns > 0 ? (int64_t)s->delay_ns : REORDER_DEFAULT_NS;
		b->n.reordered++;
	}
	f = malloc(sizeof(*f) + len);
	if (f == NULL) {
		b->n.overflow++;
		return;
	}
	f->out = !in;
	f->copies = 1;
	if (rng_chance(rng, s->dup)) {
		f->copies = 2;
		b->n.duplicated++;
	}
	f->len = len;
	memcpy(f->data, data, len);
	if (impair_queue_push(b->queue, t_rx + (uint64_t)hold, f) < 0) {
		b->n.overflow++;
		free(f);
	}
}

/* Reads up to DRAIN_BATCH frames from one port. Returns -1 on a socket
 * error that ends the bridge (the interface went away). */
static int drain(struct bridge *b, int in)
{
	for (int k = 0; k < DRAIN_BATCH; k++) {
		struct sockaddr_ll from;
		union {
			char buf[CMSG_SPACE(sizeof(struct timespec)) * 2];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { b->rxbuf, RXBUF_SIZE };
		struct msghdr msg = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		ssize_t got = recvmsg(b->port[in].fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
		uint64_t now;

		if (got < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			/* ENETDOWN and the like: a transient link state, not fatal. */
			if (errno == ENETDOWN || errno == ENOBUFS)
				return 0;
			fprintf(stderr, "impair: recv on %s: %s\n", b->set.ifname[in], strerror(errno));
			return -1;
		}
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		b->n.received++;
		if ((size_t)got > RXBUF_SIZE) {
			b->n.overflow++;
			continue;
		}
		now = clock_ns(CLOCK_MONOTONIC);
		admit(b, in, b->rxbuf, (size_t)got, rx_time(&msg, now));
		/* A zero-delay frame should not wait for the rest of the batch. */
		release_due(b, clock_ns(CLOCK_MONOTONIC));
	}
	return 0;
}

static int run(struct bridge *b)
{
	sigset_t none;

	sigemptyset(&none);
	while (!stop) {
		struct pollfd pfd[2];
		struct timespec ts, *tmo = NULL;
		uint64_t due, now = clock_ns(CLOCK_MONOTONIC);

		release_due(b, now);
		if (impair_queue_peek(b->queue, &due) != NULL) {
			uint64_t wait = due > now ? due - now : 0;

			/* Sleep until SPIN_NS before the deadline, then poll
			 * without sleeping: a timer wakeup on a virtual machine
			 * comes 50-200 us late, a spin is on time. */
			wait = wait > SPIN_NS ? wait - SPIN_NS : 0;
			ts.tv_sec = (time_t)(wait / 1000000000u);
			ts.tv_nsec = (long)(wait % 1000000000u);
			tmo = &ts;
		}
		for (int i = 0; i < 2; i++) {
			pfd[i].fd = b->port[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		/* TERM and INT are blocked everywhere but here. */
		if (ppoll(pfd, 2, tmo, &none) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "impair: ppoll: %s\n", strerror(errno));
			return -1;
		}
		/* Due frames first: they are what the timing is judged by. */
		release_due(b, clock_ns(CLOCK_MONOTONIC));
		for (int i = 0; i < 2; i++)
			if (pfd[i].revents & (POLLIN | POLLERR))
				if (drain(b, i) < 0)
					return -1;
	}
	return 0;
}

static void print_counters(const struct bridge *b)
{
	const struct counters *n = &b->n;

	fprintf(stderr,
		"impair: forwarded=%" PRIu64 " dropped=%" PRIu64 " duplicated=%" PRIu64
		" reordered=%" PRIu64 " (received=%" PRIu64 " lost=%" PRIu64
		" overflow=%" PRIu64 " send_errors=%" PRIu64 " unsent=%" PRIu64 ")\n",
		n->forwarded, n->lost + n->overflow + n->send_err + n->unsent, n->duplicated,
		n->reordered, n->received, n->lost, n->overflow, n->send_err, n->unsent);
}

int main(int argc, char **argv)
{
	struct bridge b;
	struct sigaction sa;
	sigset_t block;
	int rc = 1, r;

	memset(&b, 0, sizeof(b));
	b.port[0].fd = b.port[1].fd = -1;
	r = parse_args(argc, argv, &b.set);
	if (r != 0)
		return r > 0 ? 0 : 2;

	/* Signals only inside ppoll(): block them now, before any can arrive. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/* The default 50 us slack would be half our accuracy budget. */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	/* Each direction draws from its own stream, so the pattern one way does
	 * not depend on how the other way's frames interleave with it. */
	b.port[0].rng = b.set.seed ^ 0x5851f42d4c957f2du;
	b.port[1].rng = b.set.seed ^ 0x14057b7ef767814fu;

	b.queue = impair_queue_new(QUEUE_CAP, free);
	b.rxbuf = malloc(RXBUF_SIZE);
	if (b.queue == NULL || b.rxbuf == NULL) {
		fprintf(stderr, "impair: out of memory\n");
		goto out;
	}
	if (open_port(b.set.ifname[0], &b.port[0]) < 0 || open_port(b.set.ifname[1], &b.port[1]) < 0)
		goto out;
	if (run(&b) == 0)
		rc = 0;
	b.n.unsent = impair_queue_len(b.queue);
	print_counters(&b);
out:
	impair_queue_free(b.queue);
	free(b.rxbuf);
	for (int i = 0; i < 2; i++)
		if (b.port[i].fd >= 0)
			close(b.port[i].fd);
	return rc;
}
