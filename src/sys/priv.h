/*
 * priv: privileges. Says clearly what is missing, and drops every capability
 * once the raw sockets and the capture are open (OpenBSD ping's order:
 * parse, open, drop, then touch packets).
 */
#ifndef TCPSHAKE_PRIV_H
#define TCPSHAKE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* True when this process may open raw sockets (tries one and closes it). */
bool priv_can_raw(void);

/* The one-line message for missing CAP_NET_RAW, naming the setcap command
 * for this binary. */
void priv_missing_message(char *buf, size_t len);

/* Drop all capabilities (effective, permitted, inheritable, ambient) and set
 * no_new_privs. Returns 0, or -1 with err. */
int priv_drop(char *err, size_t errlen);

/* The user an unprivileged process becomes (the exporter's HTTP side). */
struct priv_user {
	bool change;   /* we are root: become uid/gid; else stay who we are */
	uid_t uid;
	gid_t gid;
	char name[64];
};

/* Look name up (getpwnam) when we run as root; otherwise u->change is
 * false. Returns 0, or -1 with err ("no user 'x' (--user)"). */
int priv_user_lookup(const char *name, struct priv_user *u, char *err, size_t errlen);

/* Become u for good: every capability out of the bounding set, no
 * supplementary groups, u's gid and uid (real, effective, saved), every
 * capability dropped and no_new_privs set (priv_drop); then check that
 * root cannot be had back. Returns 0, or -1 with err. */
int priv_become_user(const struct priv_user *u, char *err, size_t errlen);

/* The effective capabilities priv_lower_effective put aside. */
struct priv_effective {
	uint32_t effective[2];
	bool lowered;
};

/* Empty the effective set for a moment, the permitted set kept, so that
 * what is done meanwhile (creating -o's file) is allowed or refused exactly
 * as it will be after priv_drop: root's CAP_DAC_OVERRIDE must not let a
 * file be made in a directory where it could not be renamed at the end.
 * A process without capabilities is left as it is. */
void priv_lower_effective(struct priv_effective *saved);
/* Give the effective set back. */
void priv_restore_effective(const struct priv_effective *saved);

#endif
