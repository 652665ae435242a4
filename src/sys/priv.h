/*
 * priv: privileges. Says clearly what is missing, and drops every capability
 * once the raw sockets and the capture are open (OpenBSD ping's order:
 * parse, open, drop, then touch packets).
 */
#ifndef TCPSHAKE_PRIV_H
#define TCPSHAKE_PRIV_H

#include <stdbool.h>
#include <stddef.h>

/* True when this process may open raw sockets (tries one and closes it). */
bool priv_can_raw(void);

/* The one-line message for missing CAP_NET_RAW, naming the setcap command
 * for this binary. */
void priv_missing_message(char *buf, size_t len);

/* Drop all capabilities (effective, permitted, inheritable, ambient) and set
 * no_new_privs. Returns 0, or -1 with err. */
int priv_drop(char *err, size_t errlen);

#endif
