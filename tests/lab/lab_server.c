/*
 * lab_server: a small but real TCP server for the lab. tcpshake's answers
 * must come from the kernel's own TCP stack, not from a responder we wrote,
 * so this is an ordinary socket/listen/accept server; what it adds is a few
 * chosen ways of ending a connection, which crafted-connection teardown
 * checks need to meet:
 *
 *   close        read until EOF, then close (the default)
 *   echo         echo everything back; close on EOF
 *   close-first  on accept, write one line and close at once (server FIN first)
 *   reset        after the first read (data or EOF), close with SO_LINGER
 *                {1, 0} so the kernel sends RST instead of FIN
 *   hold         read until EOF, then never close: the server side stays in
 *                CLOSE_WAIT until the server exits
 *   talk         on EOF (peer half-closed), write 3 lines 50 ms apart, then
 *                close: data keeps flowing after the peer's FIN
 *
 *   lab_server [--mode MODE] [--verbose] PORT...
 *
 * Every port listens on [::] with IPV6_V6ONLY off, so IPv4 and IPv6 alike.
 * One thread, one ppoll() loop over the listeners and every connection;
 * TERM and INT are blocked except inside ppoll(), where they set the stop
 * flag. Silent on success; --verbose writes one line per event to stderr.
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 64
#define BUF_SIZE 16384
#define TALK_LINES 3
#define TALK_GAP_NS 50000000u /* 50 ms between talk lines */
#define HELLO "hello from lab_server\r\n"

static volatile sig_atomic_t stop;

enum mode { MODE_CLOSE, MODE_ECHO, MODE_CLOSE_FIRST, MODE_RESET, MODE_HOLD, MODE_TALK };

static const char *const mode_names[] = {
	[MODE_CLOSE] = "close",
	[MODE_ECHO] = "echo",
	[MODE_CLOSE_FIRST] = "close-first",
	[MODE_RESET] = "reset",
	[MODE_HOLD] = "hold",
	[MODE_TALK] = "talk",
};

enum conn_state {
	CONN_READ,  /* waiting for data or EOF */
	CONN_WRITE, /* echo: output pending, waiting until writable */
	CONN_HELD,  /* hold: EOF seen, kept open and no longer polled */
	CONN_TALK,  /* talk: EOF seen, writing lines on a timer */
};

struct conn {
	int fd;
	enum conn_state state;
	char peer[INET6_ADDRSTRLEN + 8]; /* "[addr]:port", for --verbose */
	size_t off, len;                 /* echo: pending bytes in buf */
	int talk_sent;                   /* talk: lines written so far */
	uint64_t talk_next;              /* talk: when the next line is due, ns */
	char buf[BUF_SIZE];
};

struct server {
	enum mode mode;
	int verbose;
	int nlisten;
	int lfd[MAX_PORTS];   /* listening sockets */
	int lport[MAX_PORTS]; /* their ports */
	struct conn **conn;   /* live connections */
	size_t nconn, aconn;  /* used and allocated slots */
	struct pollfd *pfd;   /* rebuilt each round */
	size_t apfd;
};

enum { OPT_MODE = 256, OPT_VERBOSE, OPT_HELP };

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

static void logv(const struct server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void logv(const struct server *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->verbose)
		return;
	va_start(ap, fmt);
	fputs("lab_server: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: lab_server [--mode close|echo|close-first|reset|hold|talk] "
		   "[--verbose] PORT...\n");
}

static int parse_args(int argc, char **argv, struct server *s, int *ports)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "m:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
		case OPT_MODE: {
			size_t i;

			for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
				if (strcmp(optarg, mode_names[i]) == 0)
					break;
			if (i == sizeof(mode_names) / sizeof(mode_names[0])) {
				fprintf(stderr, "lab_server: unknown mode '%s'\n", optarg);
				return -1;
			}
			s->mode = (enum mode)i;
			break;
		}
		case 'v':
		case OPT_VERBOSE:
			s->verbose = 1;
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
	if (optind == argc || argc - optind > MAX_PORTS) {
		usage(stderr);
		return -1;
	}
	for (int i = optind; i < argc; i++) {
		char *end;
		long p;

		errno = 0;
		p = strtol(argv[i], &end, 10);
		if (errno || end == argv[i] || *end != '\0' || p < 1 || p > 65535) {
			fprintf(stderr, "lab_server: invalid port '%s'\n", argv[i]);
			return -1;
		}
		ports[s->nlisten++] = (int)p;
	}
	return 0;
}

static int listen_on(int port)
{
	struct sockaddr_in6 a6;
	int one = 1, zero = 0;
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		fprintf(stderr, "lab_server: socket: %s\n", strerror(errno));
		return -1;
	}
	/* Dual stack: IPv4 peers arrive as ::ffff:a.b.c.d. */
	(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a6, 0, sizeof(a6));
	a6.sin6_family = AF_INET6;
	a6.sin6_addr = in6addr_any;
	a6.sin6_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&a6, sizeof(a6)) < 0 || listen(fd, SOMAXCONN) < 0) {
		fprintf(stderr, "lab_server: port %d: %s\n", port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void peer_name(const struct sockaddr_in6 *a, char *out, size_t n)
{
	char host[INET6_ADDRSTRLEN];

	if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
		inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], host, sizeof(host));
		snprintf(out, n, "%s:%u", host, ntohs(a->sin6_port));
	} else {
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(out, n, "[%s]:%u", host, ntohs(a->sin6_port));
	}
}

static void conn_close(struct server *s, size_t i, int rst)
{
	struct conn *c = s->conn[i];

	if (rst) {
		/* Linger {1, 0}: close() discards the connection with an RST. */
		struct linger lg = { 1, 0 };

		(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	logv(s, "%s %s", rst ? "reset" : "close", c->peer);
	close(c->fd);
	free(c);
	s->conn[i] = s->conn[--s->nconn];
}

static void accept_all(struct server *s, int li)
{
	for (;;) {
		struct sockaddr_in6 a;
		socklen_t alen = sizeof(a);
		struct conn *c;
		int fd = accept4(s->lfd[li], (struct sockaddr *)&a, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				logv(s, "accept on %d: %s", s->lport[li], strerror(errno));
			return;
		}
		if (s->mode == MODE_CLOSE_FIRST) {
			char peer[INET6_ADDRSTRLEN + 8];

			peer_name(&a, peer, sizeof(peer));
			logv(s, "accept %s on %d", peer, s->lport[li]);
			(void)send(fd, HELLO, strlen(HELLO), MSG_NOSIGNAL);
			logv(s, "close %s", peer);
			close(fd);
			continue;
		}
		if (s->nconn == s->aconn) {
			size_t n = s->aconn ? s->aconn * 2 : 16;
			struct conn **v = realloc(s->conn, n * sizeof(*v));

			if (v == NULL) {
				close(fd);
				return;
			}
			s->conn = v;
			s->aconn = n;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			return;
		}
		c->fd = fd;
		c->state = CONN_READ;
		peer_name(&a, c->peer, sizeof(c->peer));
		s->conn[s->nconn++] = c;
		logv(s, "accept %s on %d", c->peer, s->lport[li]);
	}
}

/* EOF from the peer: what happens next depends on the mode. Returns 1 when
 * the connection was closed (slot i now holds another one). */
static int on_eof(struct server *s, size_t i)
{
	struct conn *c = s->conn[i];

	logv(s, "eof %s", c->peer);
	switch (s->mode) {
	case MODE_HOLD:
		c->state = CONN_HELD;
		logv(s, "hold %s", c->peer);
		return 0;
	case MODE_TALK:
		c->state = CONN_TALK;
		c->talk_sent = 0;
		c->talk_next = now_ns();
		return 0;
	case MODE_RESET:
		conn_close(s, i, 1);
		return 1;
	default:
		conn_close(s, i, 0);
		return 1;
	}
}

/* Flushes echo output. Returns 1 when the connection was closed. */
static int flush_echo(struct server *s, size_t i)
{
	struct conn *c = s->conn[i];

	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
				c->state = CONN_WRITE;
				return 0;
			}
			conn_close(s, i, 0);
			return 1;
		}
		c->off += (size_t)n;
	}
	c->off = c->len = 0;
	c->state = CONN_READ;
	return 0;
}

/* The connection is readable. Returns 1 when it was closed. */
static int on_readable(struct server *s, size_t i)
{
	struct conn *c = s->conn[i];

	for (;;) {
		ssize_t n = recv(c->fd, c->buf, sizeof(c->buf), 0);

		if (n == 0)
			return on_eof(s, i);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
				if (s->mode == MODE_RESET) {
					/* Reset after the first read, data or not. */
					conn_close(s, i, 1);
					return 1;
				}
				return 0;
			}
			logv(s, "error %s: %s", c->peer, strerror(errno));
			conn_close(s, i, 0);
			return 1;
		}
		logv(s, "read %s %zd bytes", c->peer, n);
		if (s->mode == MODE_ECHO) {
			c->off = 0;
			c->len = (size_t)n;
			if (flush_echo(s, i))
				return 1;
			if (c->state == CONN_WRITE)
				return 0; /* read more once the output drained */
		}
	}
}

/* Talk: writes every line now due. Returns 1 when the connection closed. */
static int talk(struct server *s, size_t i, uint64_t now)
{
	struct conn *c = s->conn[i];

	while (c->talk_sent < TALK_LINES && c->talk_next <= now) {
		char line[64];
		int len = snprintf(line, sizeof(line), "talk line %d from lab_server\r\n", c->talk_sent + 1);

		if (send(c->fd, line, (size_t)len, MSG_NOSIGNAL) < 0 && errno != EAGAIN) {
			logv(s, "error %s: %s", c->peer, strerror(errno));
			conn_close(s, i, 0);
			return 1;
		}
		logv(s, "talk %s line %d", c->peer, c->talk_sent + 1);
		c->talk_sent++;
		c->talk_next += TALK_GAP_NS;
	}
	if (c->talk_sent == TALK_LINES) {
		conn_close(s, i, 0);
		return 1;
	}
	return 0;
}

static int serve(struct server *s)
{
	sigset_t none;

	sigemptyset(&none);
	while (!stop) {
		size_t need = (size_t)s->nlisten + s->nconn, np = 0;
		uint64_t now = now_ns(), next = UINT64_MAX;
		struct timespec ts, *tmo = NULL;
		int r;

		/* Talk timers first; they may close connections. */
		for (size_t i = 0; i < s->nconn;) {
			if (s->conn[i]->state == CONN_TALK && talk(s, i, now))
				continue;
			if (s->conn[i]->state == CONN_TALK && s->conn[i]->talk_next < next)
				next = s->conn[i]->talk_next;
			i++;
		}
		if (next != UINT64_MAX) {
			uint64_t wait = next > now ? next - now : 0;

			ts.tv_sec = (time_t)(wait / 1000000000u);
			ts.tv_nsec = (long)(wait % 1000000000u);
			tmo = &ts;
		}
		if (need > s->apfd) {
			struct pollfd *p = realloc(s->pfd, need * 2 * sizeof(*p));

			if (p == NULL) {
				fprintf(stderr, "lab_server: out of memory\n");
				return -1;
			}
			s->pfd = p;
			s->apfd = need * 2;
		}
		for (int i = 0; i < s->nlisten; i++)
			s->pfd[np++] = (struct pollfd){ .fd = s->lfd[i], .events = POLLIN };
		for (size_t i = 0; i < s->nconn; i++) {
			const struct conn *c = s->conn[i];
			short ev = c->state == CONN_READ ? POLLIN : c->state == CONN_WRITE ? POLLOUT : 0;

			/* Held and talking connections are not polled (fd -1), but
			 * keep their slot so indexes match s->conn. */
			s->pfd[np++] = (struct pollfd){ .fd = ev ? c->fd : -1, .events = ev };
		}
		r = ppoll(s->pfd, np, tmo, &none);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "lab_server: ppoll: %s\n", strerror(errno));
			return -1;
		}
		/* Walk connections backwards: closing slot i moves the last one
		 * into it, which has already been handled. */
		for (size_t k = s->nconn; k-- > 0;) {
			short rev = s->pfd[(size_t)s->nlisten + k].revents;

			if (rev == 0)
				continue;
			if (s->conn[k]->state == CONN_WRITE) {
				if (flush_echo(s, k) == 0 && s->conn[k]->state == CONN_READ)
					(void)on_readable(s, k);
			} else if (s->conn[k]->state == CONN_READ) {
				(void)on_readable(s, k);
			}
		}
		for (int i = 0; i < s->nlisten; i++)
			if (s->pfd[i].revents & POLLIN)
				accept_all(s, i);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct server s;
	int ports[MAX_PORTS];
	struct sigaction sa;
	struct rlimit rl;
	sigset_t block;
	int rc = 1, r;

	memset(&s, 0, sizeof(s));
	r = parse_args(argc, argv, &s, ports);
	if (r != 0)
		return r > 0 ? 0 : 2;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/* Hold mode keeps every connection: allow as many as the system lets. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}

	for (int i = 0; i < s.nlisten; i++) {
		s.lport[i] = ports[i];
		s.lfd[i] = listen_on(ports[i]);
		if (s.lfd[i] < 0) {
			s.nlisten = i;
			goto out;
		}
		logv(&s, "listening on [::]:%d mode %s", ports[i], mode_names[s.mode]);
	}
	if (serve(&s) == 0)
		rc = 0;
out:
	while (s.nconn > 0)
		conn_close(&s, s.nconn - 1, 0);
	for (int i = 0; i < s.nlisten; i++)
		close(s.lfd[i]);
	free(s.conn);
	free(s.pfd);
	return rc;
}
