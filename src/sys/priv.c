/*
 * priv: capability checks and the irreversible drop, with the raw capset
 * syscall so no libcap is needed.
 */
#include "config.h"
#include "sys/priv.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

bool priv_can_raw(void)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		return !(errno == EPERM || errno == EACCES);
	close(fd);
	return true;
}

void priv_missing_message(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		snprintf(exe, sizeof(exe), "tcpshake");
	else
		exe[n] = '\0';
	snprintf(buf, len,
		 "raw sockets and capture need CAP_NET_RAW: run as root, or grant it with "
		 "'setcap cap_net_raw,cap_net_admin+ep %s'", exe);
}

int priv_drop(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	memset(data, 0, sizeof(data));
#ifdef PR_CAP_AMBIENT
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
#endif
	if (syscall(SYS_capset, &hdr, data) < 0) {
		snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void priv_lower_effective(struct priv_effective *saved)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(saved, 0, sizeof(*saved));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return;
	saved->effective[0] = data[0].effective;
	saved->effective[1] = data[1].effective;
	if (data[0].effective == 0 && data[1].effective == 0)
		return;
	data[0].effective = data[1].effective = 0;
	saved->lowered = syscall(SYS_capset, &hdr, data) == 0;
}

void priv_restore_effective(const struct priv_effective *saved)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (!saved->lowered || syscall(SYS_capget, &hdr, data) < 0)
		return;
	data[0].effective = saved->effective[0];
	data[1].effective = saved->effective[1];
	syscall(SYS_capset, &hdr, data);
}

int priv_user_lookup(const char *name, struct priv_user *u, char *err, size_t errlen)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	if (geteuid() != 0)
		return 0; /* not root: nobody to become, only capabilities to shed */
	errno = 0;
	const struct passwd *pw = getpwnam(name);
	if (pw == NULL) {
		snprintf(err, errlen, "no user '%s' (--user)%s%s", name, errno ? ": " : "",
			 errno ? strerror(errno) : "");
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "--user %s is root: the HTTP process must not be", name);
		return -1;
	}
	u->change = true;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	return 0;
}

int priv_become_user(const struct priv_user *u, char *err, size_t errlen)
{
	if (u->change) {
		/* While still root: nothing gained by a later execve can come
		 * back through the bounding set. */
		for (int cap = 0; cap <= 63; cap++)
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
				break;
		if (setgroups(0, NULL) < 0 || setresgid(u->gid, u->gid, u->gid) < 0 ||
		    setresuid(u->uid, u->uid, u->uid) < 0) {
			snprintf(err, errlen, "cannot become user '%s': %s", u->name, strerror(errno));
			return -1;
		}
	}
	if (priv_drop(err, errlen) < 0)
		return -1;
	if (u->change && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "became user '%s' but could become root again", u->name);
		return -1;
	}
	return 0;
}
