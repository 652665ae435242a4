/*
 * privsep: see privsep.h. The child closes every descriptor it did not ask
 * for, so a compromised HTTP process holds no raw socket, capture or guard
 * pipe, only what it needs to listen and to ask.
 */
#include "config.h"
#include "sys/privsep.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sys/clock.h"

int privsep_listen(const struct netaddr *addr, uint16_t port, char *err, size_t errlen)
{
	char a[NETADDR_STRLEN];
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	if (addr->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, addr->b, 16);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, addr->b, 4);
		sl = sizeof(*s4);
	}
	int fd = socket(addr->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (addr->family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0) {
		int e = errno;
		netaddr_str(addr, a, sizeof(a));
		snprintf(err, errlen, "cannot listen on %s%s%s:%u: %s",
			 addr->family == AF_INET6 ? "[" : "", a, addr->family == AF_INET6 ? "]" : "",
			 port, strerror(e));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int privsep_channel(int sv[2], char *err, size_t errlen)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "cannot make the exporter's channel: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static bool kept(int fd, const int *keep, size_t nkeep)
{
	for (size_t i = 0; i < nkeep; i++)
		if (keep[i] == fd)
			return true;
	return false;
}

/* Close every descriptor above stderr but keep[]. */
static void close_others(const int *keep, size_t nkeep)
{
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 1 << 20)
		max = 1 << 20;
	/* close_range over the gaps between kept descriptors. */
	int lo = 3;
	for (;;) {
		int next = -1;
		for (size_t i = 0; i < nkeep; i++)
			if (keep[i] >= lo && (next < 0 || keep[i] < next))
				next = keep[i];
		int hi = next < 0 ? (int)max : next - 1;
		if (hi >= lo && close_range((unsigned)lo, (unsigned)hi, 0) < 0)
			for (int fd = lo; fd <= hi; fd++)
				if (!kept(fd, keep, nkeep))
					close(fd);
		if (next < 0)
			break;
		lo = next + 1;
	}
}

pid_t privsep_fork(const int *keep, size_t nkeep, const struct priv_user *u, int (*fn)(void *),
		   void *arg, char *err, size_t errlen)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot fork the HTTP process: %s", strerror(errno));
		return -1;
	}
	if (pid > 0)
		return pid;
	signal(SIGHUP, SIG_IGN);
	/* The live wire's opening blocked the stop signals in the parent
	 * (they reach its engine only in its waits); the child must get them. */
	sigset_t stops;
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &stops, NULL);
	close_others(keep, nkeep);
	char e[256];
	if (priv_become_user(u, e, sizeof(e)) < 0) {
		fprintf(stderr, "tcpshake: %s\n", e);
		_exit(2);
	}
	int rc = fn(arg);
	fflush(NULL);
	_exit(rc);
}

int privsep_reap(pid_t child, uint64_t wait_ns)
{
	int status = 0;
	uint64_t end = clock_monotonic_ns() + wait_ns;
	for (;;) {
		pid_t r = waitpid(child, &status, WNOHANG);
		if (r == child)
			break;
		if (r < 0 && errno != EINTR)
			return 1;
		if (r == 0 && clock_monotonic_ns() >= end) {
			kill(child, SIGKILL);
			while (waitpid(child, &status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
