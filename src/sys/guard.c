/*
 * guard: the nftables RST guard described in guard.h.
 */
#include "config.h"
#include "sys/guard.h"

#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define TABLE_PREFIX "tcpshake_"

struct guard {
	pid_t guardian;
	int pipe_w; /* closing it tells the guardian to delete the table */
	char table[32];
};

void guard_table_name(pid_t pid, char *buf, size_t len)
{
	snprintf(buf, len, TABLE_PREFIX "%ld", (long)pid);
}

int guard_script(const char *table, const struct guard_rule *rules, size_t n, char *buf,
		 size_t len)
{
	size_t off = 0;
	int k = snprintf(buf, len,
			 "add table inet %s\n"
			 "add chain inet %s out { type filter hook output priority 0; policy accept; }\n",
			 table, table);
	if (k < 0 || (size_t)k >= len)
		return -1;
	off = (size_t)k;
	for (size_t i = 0; i < n; i++) {
		const struct guard_rule *r = &rules[i];
		char l[NETADDR_STRLEN], rm[NETADDR_STRLEN], ports[16];
		const char *ip = r->local.family == AF_INET6 ? "ip6" : "ip";
		if (r->lport_hi > r->lport_lo)
			snprintf(ports, sizeof(ports), "%u-%u", r->lport_lo, r->lport_hi);
		else
			snprintf(ports, sizeof(ports), "%u", r->lport_lo);
		if (r->local.family == 0)
			k = snprintf(buf + off, len - off,
				     "add rule inet %s out meta l4proto tcp tcp sport %s "
				     "tcp flags & rst == rst meta mark != 0x%08x drop\n",
				     table, ports, GUARD_MARK);
		else
			k = snprintf(buf + off, len - off,
				     "add rule inet %s out %s saddr %s %s daddr %s tcp sport %s "
				     "tcp dport %u tcp flags & rst == rst meta mark != 0x%08x drop\n",
				     table, ip, netaddr_str(&r->local, l, sizeof(l)), ip,
				     netaddr_str(&r->remote, rm, sizeof(rm)), ports, r->rport,
				     GUARD_MARK);
		if (k < 0 || (size_t)k >= len - off)
			return -1;
		off += (size_t)k;
	}
	return 0;
}

/*
 * Point fd 2 at /dev/null for a libnftables call and back. The library's
 * output and error streams are buffered (see run_nft), but without
 * CAP_NET_ADMIN it still writes "Operation not permitted (you must be
 * root)" straight to stderr (libnftables 1.0.6), once a command; the caller
 * reports the failure in one line of its own instead. Returns the saved
 * descriptor, or -1 when stderr could not be silenced (the call then runs
 * noisy, which is harmless). Setup is single-threaded, so nothing else
 * writes to stderr meanwhile.
 */
static int stderr_silence(void)
{
	fflush(stderr);
	int saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (saved < 0)
		return -1;
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, STDERR_FILENO) < 0) {
		if (null >= 0)
			close(null);
		close(saved);
		return -1;
	}
	close(null);
	return saved;
}

static void stderr_restore(int saved)
{
	if (saved < 0)
		return;
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
}

/* Run nft commands; on failure copy nft's first error line into err. */
static int run_nft(const char *cmds, char *out, size_t outlen, char *err, size_t errlen)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (ctx == NULL) {
		snprintf(err, errlen, "cannot start libnftables");
		return -1;
	}
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	int saved = stderr_silence();
	int rc = nft_run_cmd_from_buffer(ctx, cmds);
	stderr_restore(saved);
	if (rc != 0) {
		const char *e = nft_ctx_get_error_buffer(ctx);
		size_t n = e ? strcspn(e, "\n") : 0;
		snprintf(err, errlen, "nftables: %.*s", (int)(n ? n : 13), n ? e : "command failed");
		if (e && (strstr(e, "Operation not permitted") || strstr(e, "Permission denied")))
			errno = EPERM;
		else
			errno = EIO;
	} else if (out != NULL) {
		const char *o = nft_ctx_get_output_buffer(ctx);
		snprintf(out, outlen, "%s", o ? o : "");
	}
	nft_ctx_free(ctx);
	return rc == 0 ? 0 : -1;
}

static int delete_table(const char *table)
{
	char cmd[96], err[256];
	snprintf(cmd, sizeof(cmd), "delete table inet %s\n", table);
	return run_nft(cmd, NULL, 0, err, sizeof(err));
}

int guard_sweep_stale(char *err, size_t errlen)
{
	char *out = malloc(1 << 16);
	if (out == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (run_nft("list tables inet\n", out, 1 << 16, err, errlen) < 0) {
		free(out);
		return -1;
	}
	int removed = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char name[64];
		long pid;
		if (sscanf(line, "table inet %63s", name) != 1 ||
		    sscanf(name, TABLE_PREFIX "%ld", &pid) != 1 || pid <= 0)
			continue;
		/* A live PID keeps its table, even if it is not a tcpshake: a
		 * reused PID only delays the cleanup to a later run. */
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (delete_table(name) == 0)
			removed++;
	}
	free(out);
	return removed;
}

/* The guardian: wait for the pipe to close, delete the table, exit. */
static void guardian(int pipe_r, const char *table)
{
	char c;
	/* Stay out of the terminal's Ctrl-C: tcpshake handles it and then
	 * closes the pipe; dying first would leave the table behind. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	while (read(pipe_r, &c, 1) < 0 && errno == EINTR)
		;
	delete_table(table);
	_exit(0);
}

struct guard *guard_open(const struct guard_rule *rules, size_t n, char *err, size_t errlen)
{
	struct guard *g = calloc(1, sizeof(*g));
	char *script = malloc(1 << 16);
	int p[2] = {-1, -1};
	if (g == NULL || script == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	g->pipe_w = -1;
	guard_table_name(getpid(), g->table, sizeof(g->table));
	char serr[256];
	(void)guard_sweep_stale(serr, sizeof(serr)); /* best effort */
	/* A table of our own PID can only be a leftover of a dead namesake. */
	delete_table(g->table);
	if (guard_script(g->table, rules, n, script, 1 << 16) < 0) {
		snprintf(err, errlen, "too many guard rules");
		goto fail;
	}
	if (run_nft(script, NULL, 0, err, errlen) < 0)
		goto fail;
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "cannot create the guard pipe: %s", strerror(errno));
		delete_table(g->table);
		goto fail;
	}
	g->guardian = fork();
	if (g->guardian < 0) {
		snprintf(err, errlen, "cannot start the guard process: %s", strerror(errno));
		delete_table(g->table);
		goto fail;
	}
	if (g->guardian == 0) {
		close(p[1]);
		guardian(p[0], g->table);
	}
	close(p[0]);
	g->pipe_w = p[1];
	free(script);
	return g;
fail: {
	int e = errno;
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	free(script);
	free(g);
	errno = e;
	return NULL;
}
}

void guard_close(struct guard *g)
{
	if (g == NULL)
		return;
	close(g->pipe_w);
	while (waitpid(g->guardian, NULL, 0) < 0 && errno == EINTR)
		;
	free(g);
}
