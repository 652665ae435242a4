/*
 * guard: the RST guard. Keeps the local kernel from resetting connections
 * that tcpshake crafts (connect and conform modes).
 *
 * The kernel owns no socket for a crafted connection, so it answers the
 * peer's SYN-ACK with a RST and the connection dies. The guard adds an
 * nftables table of this run's own, `inet tcpshake_<pid>`, whose output
 * chain drops outgoing RSTs for exactly the run's addresses and ports, and
 * removes it when the run ends, however it ends:
 *
 *   - a small guardian process is forked while we still hold CAP_NET_ADMIN;
 *     it waits on a pipe and deletes the table when the pipe closes, which
 *     happens at a normal exit, on SIGINT and SIGTERM, and even on SIGKILL of
 *     tcpshake. So dropping capabilities in tcpshake never stops the removal.
 *   - a table left behind anyway (guardian killed too, machine crash) is
 *     found by the next run, which deletes every tcpshake_<pid> table whose
 *     PID no longer lives.
 *
 * Edge module: libnftables and fork; it judges nothing.
 */
#ifndef TCPSHAKE_GUARD_H
#define TCPSHAKE_GUARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/netaddr.h"

/* Our own crafted segments carry this socket mark (SO_MARK on the raw
 * sockets), so the guard drops the kernel's RSTs and never ours ("tcsh"). */
#define GUARD_MARK 0x74637368u

/* Outgoing RSTs from local:lport_lo..lport_hi to remote:rport are dropped.
 * local.family 0: from any address to any address and port (the exporter,
 * whose targets come later, guards its whole reserved port block). */
struct guard_rule {
	struct netaddr local, remote;
	uint16_t lport_lo, lport_hi;
	uint16_t rport;
};

struct guard;

/* The table name for a PID: "tcpshake_<pid>". Pure; exposed for tests. */
void guard_table_name(pid_t pid, char *buf, size_t len);

/* The nft commands that create the table with these rules. Pure. Returns 0,
 * or -1 when buf is too small. */
int guard_script(const char *table, const struct guard_rule *rules, size_t n, char *buf,
		 size_t len);

/* Delete tables of dead runs. Returns how many were removed, -1 with err. */
int guard_sweep_stale(char *err, size_t errlen);

/* Sweep stale tables, create this run's table with the rules, and start the
 * guardian. NULL with err (errno EPERM without CAP_NET_ADMIN). */
struct guard *guard_open(const struct guard_rule *rules, size_t n, char *err, size_t errlen);

/* Delete the table now (through the guardian) and wait for it. NULL is fine. */
void guard_close(struct guard *g);

#endif
