/*
 * Unit tests for sys/privsep and priv_become_user: the listen socket and
 * its error line, a channel that keeps messages whole, and the child that
 * keeps only the descriptors it was given and, started as root, becomes
 * nobody with no capability and no way back.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "sys/privsep.h"

static uint16_t bound_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	return ntohs(sa.sin_port);
}

static void test_listen_and_busy_port(void **state)
{
	(void)state;
	struct netaddr lo;
	char err[256];
	assert_int_equal(netaddr_parse("127.0.0.1", &lo), 0);
	int fd = privsep_listen(&lo, 0, err, sizeof(err));
	assert_true(fd >= 0);
	uint16_t port = bound_port(fd);
	assert_int_equal(privsep_listen(&lo, port, err, sizeof(err)), -1);
	char want[128];
	snprintf(want, sizeof(want), "cannot listen on 127.0.0.1:%u: Address already in use", port);
	assert_string_equal(err, want);
	close(fd);

	struct netaddr lo6;
	assert_int_equal(netaddr_parse("::1", &lo6), 0);
	fd = privsep_listen(&lo6, 0, err, sizeof(err));
	if (fd >= 0) /* a machine without IPv6 on lo cannot bind it */
		close(fd);
	else
		assert_non_null(strstr(err, "cannot listen on [::1]:0: "));
}

static void test_channel_keeps_messages_whole(void **state)
{
	(void)state;
	int sv[2];
	char err[128], a[300], b[300];
	assert_int_equal(privsep_channel(sv, err, sizeof(err)), 0);
	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	assert_int_equal(send(sv[0], a, sizeof(a), 0), (ssize_t)sizeof(a));
	assert_int_equal(send(sv[0], b, sizeof(b), 0), (ssize_t)sizeof(b));
	char got[1000];
	/* SOCK_SEQPACKET: one message a read, never two run together. */
	assert_int_equal(recv(sv[1], got, sizeof(got), 0), (ssize_t)sizeof(a));
	assert_memory_equal(got, a, sizeof(a));
	assert_int_equal(recv(sv[1], got, sizeof(got), 0), (ssize_t)sizeof(b));
	close(sv[0]);
	close(sv[1]);
}

struct child_check {
	int kept, other;
	bool expect_nobody;
	uid_t nobody;
};

static uint32_t cap_effective(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	/* Zeroed first: valgrind does not know capget fills it. */
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return 0xffffffffu;
	return data[0].effective | data[1].effective | data[0].permitted | data[1].permitted;
}

/* Runs in the child: its exit status says which promise broke (0: none). */
static int child_checks(void *arg)
{
	const struct child_check *c = arg;
	if (fcntl(c->kept, F_GETFD) < 0)
		return 10; /* a kept descriptor was closed */
	if (fcntl(c->other, F_GETFD) >= 0 || errno != EBADF)
		return 11; /* another one was left open */
	if (cap_effective() != 0)
		return 12;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 13;
	if (c->expect_nobody) {
		if (getuid() != c->nobody || geteuid() != c->nobody)
			return 14;
		if (setuid(0) == 0)
			return 15;
		if (prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0) != 0)
			return 16; /* the bounding set still holds CAP_NET_RAW */
	}
	return 42;
}

static void test_fork_drops_everything(void **state)
{
	(void)state;
	struct priv_user u;
	char err[256];
	assert_int_equal(priv_user_lookup("nobody", &u, err, sizeof(err)), 0);
	assert_int_equal(u.change, geteuid() == 0);
	int keep_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int other_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(keep_fd >= 0 && other_fd >= 0);
	struct child_check c = { .kept = keep_fd, .other = other_fd, .expect_nobody = u.change,
				 .nobody = u.uid };
	pid_t pid = privsep_fork(&keep_fd, 1, &u, child_checks, &c, err, sizeof(err));
	assert_true(pid > 0);
	assert_int_equal(privsep_reap(pid, 10ull * 1000000000ull), 42);
	close(keep_fd);
	close(other_fd);
}

static void test_user_lookup_errors(void **state)
{
	(void)state;
	struct priv_user u;
	char err[256];
	if (geteuid() != 0) {
		assert_int_equal(priv_user_lookup("no-such-user-here", &u, err, sizeof(err)), 0);
		assert_false(u.change); /* not root: nobody to become */
		return;
	}
	assert_int_equal(priv_user_lookup("no-such-user-here", &u, err, sizeof(err)), -1);
	assert_string_equal(err, "no user 'no-such-user-here' (--user)");
	assert_int_equal(priv_user_lookup("root", &u, err, sizeof(err)), -1);
	assert_string_equal(err, "--user root is root: the HTTP process must not be");
}

/* A child that does not end in time is killed and reaped. */
static int sleeper(void *arg)
{
	(void)arg;
	pause();
	return 0;
}

static void test_reap_kills_a_stuck_child(void **state)
{
	(void)state;
	struct priv_user u;
	char err[256];
	memset(&u, 0, sizeof(u));
	pid_t pid = privsep_fork(NULL, 0, &u, sleeper, NULL, err, sizeof(err));
	assert_true(pid > 0);
	assert_int_equal(privsep_reap(pid, 50ull * 1000000ull), 128 + SIGKILL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_and_busy_port),
		cmocka_unit_test(test_channel_keeps_messages_whole),
		cmocka_unit_test(test_fork_drops_everything),
		cmocka_unit_test(test_user_lookup_errors),
		cmocka_unit_test(test_reap_kills_a_stuck_child),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
