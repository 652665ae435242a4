/*
 * run_setup: the steps main runs before a mode starts. Targets are read and
 * routed without privileges (so a typo never needs root to be reported);
 * then the RST guard, the raw sockets and the capture are opened and every
 * capability is dropped before the first packet, in OpenBSD ping's order.
 */
#include "config.h"
#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "core/filter.h"
#include "sys/clock.h"
#include "sys/priv.h"
#include "sys/route.h"

uint32_t run_random_u32(void)
{
	uint32_t v = 0;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = (uint32_t)clock_realtime_ns();
	return v;
}

void run_free(struct run *r)
{
	wire_live_close(r->wl);
	guard_close(r->guard);
	free(r->checks);
	free(r->suite);
	for (size_t i = 0; i < r->ncheck_scripts; i++)
		script_free(r->check_scripts[i]);
	free(r->check_scripts);
	run_scripts_free(r);
	portres_release(&r->ports);
	output_free(r->out);
	free(r->src);
	free(r->mss);
	free(r->mtu);
	target_list_free(&r->targets);
	target_list_free(&r->excludes);
	route_cache_free(&r->routes);
	if (r->stream_file != NULL) {
		target_reader_close(&r->reader);
		fclose(r->stream_file);
	}
	tspace_free(&r->space);
	for (size_t i = 0; i < r->nfailed; i++) {
		free(r->failed[i].t.host);
		port_list_free(&r->failed[i].t.ports);
	}
	free(r->failed);
}

size_t run_failed_ports(const struct run *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nfailed; i++)
		n += r->failed[i].t.ports.n;
	return n;
}

/* Move target i out of the list into r->failed with why (the list keeps
 * its order). The slot it leaves is filled by the ones after it. */
static int fail_target(struct run *r, size_t i, const char *why)
{
	if (r->nfailed == r->failed_cap) {
		size_t cap = r->failed_cap ? r->failed_cap * 2 : 8;
		struct run_failure *grown = realloc(r->failed, cap * sizeof(*grown));
		if (grown == NULL)
			return -1;
		r->failed = grown;
		r->failed_cap = cap;
	}
	struct run_failure *v = r->failed;
	v[r->nfailed].t = r->targets.t[i];
	snprintf(v[r->nfailed].message, sizeof(v[r->nfailed].message), "%s", why);
	r->nfailed++;
	memmove(&r->targets.t[i], &r->targets.t[i + 1], (r->targets.n - i - 1) * sizeof(r->targets.t[0]));
	r->targets.n--;
	return 0;
}

int run_load_targets(struct run *r, char *err, size_t errlen)
{
	if (targets_from_args(r->o.targets, r->o.ntargets, r->o.ports, &r->targets, err, errlen) < 0)
		return -1;
	if (run_stream_open(r, err, errlen) < 0)
		return -1;
	if (r->o.target_file != NULL && !r->streaming) {
		bool is_stdin = strcmp(r->o.target_file, "-") == 0;
		FILE *f = is_stdin ? stdin : fopen(r->o.target_file, "r");
		if (f == NULL) {
			snprintf(err, errlen, "cannot read targets from '%s': %s", r->o.target_file,
				 strerror(errno));
			return -1;
		}
		char ferr[400];
		int rc = targets_from_file(f, r->o.ports, &r->targets, ferr, sizeof(ferr));
		if (!is_stdin)
			fclose(f);
		if (rc < 0) {
			snprintf(err, errlen, "%s: %s", r->o.target_file, ferr);
			return -1;
		}
	}
	if (run_check_sweep(r, err, errlen) < 0)
		return -1;
	if (r->targets.n == 0 && r->o.target_file != NULL) {
		/* Say which input was empty: a cron job's generated list may be. */
		snprintf(err, errlen, "no targets in '%s' (it is empty, or only comments)",
			 r->o.target_file);
		return -1;
	}
	if (r->targets.n == 0) {
		snprintf(err, errlen, "no target given (try 'tcpshake --help')");
		return -1;
	}
	return 0;
}

/* Resolve every target, drop target ports named twice, and ask the kernel
 * for each route. All targets on one interface are captured there; targets
 * on several interfaces on "any". A name that does not resolve, or an
 * address with no route, is that target's failure, not the run's: one bad
 * line of a target file must not silence the rest. */
int run_resolve_and_route(struct run *r, char *err, size_t errlen)
{
	struct netaddr forced;
	char why[256];
	memset(&forced, 0, sizeof(forced));
	if (r->o.source != NULL && netaddr_parse(r->o.source, &forced) < 0) {
		snprintf(err, errlen, "invalid source address '%s'", r->o.source);
		return -1;
	}
	int family = r->o.family;
	if (family == AF_UNSPEC && forced.family != 0)
		family = forced.family; /* -S picks the family names resolve to */
	for (size_t i = 0; i < r->targets.n;) {
		struct target *t = &r->targets.t[i];
		if (t->span.n > 0 || target_resolve(t->host, family, &t->addr, why, sizeof(why)) == 0)
			i++;
		else if (fail_target(r, i, why) < 0)
			goto oom;
	}
	if (run_resolve_excludes(r, family, err, errlen) < 0)
		return -1;
	/* A target port given twice ("h:80 h:80,443") is probed once: two
	 * probes of it from one source port would leave the second unanswered
	 * and read as filtered. Silent, as a repeated port in one list is. */
	if (target_list_dedupe(&r->targets, &r->hosts) < 0)
		goto oom;
	size_t n = r->targets.n ? r->targets.n : 1, failed_before_routes = r->nfailed;
	r->src = calloc(n, sizeof(*r->src));
	r->mss = calloc(n, sizeof(*r->mss));
	r->mtu = calloc(n, sizeof(*r->mtu));
	if (r->src == NULL || r->mss == NULL || r->mtu == NULL)
		goto oom;
	for (size_t i = 0; i < r->targets.n;) {
		struct target *t = &r->targets.t[i];
		struct route rt;
		if (route_lookup(&t->addr, r->o.iface, &forced, &r->routes, &rt, why, sizeof(why)) < 0) {
			if (fail_target(r, i, why) < 0)
				goto oom;
			continue;
		}
		r->src[i] = rt.src;
		r->mtu[i] = (uint16_t)(rt.mtu < 0 ? 0 : rt.mtu > 65535 ? 65535 : rt.mtu);
		/* Offer what the kernel would: MTU minus the IP and TCP headers. */
		r->mss[i] = tcpopt_mss_for_mtu(t->addr.family, rt.mtu);
		if (t->addr.family == AF_INET6)
			r->want6 = true;
		else
			r->want4 = true;
		if (i == 0)
			snprintf(r->capture_if, sizeof(r->capture_if), "%s", rt.ifname);
		else if (strcmp(r->capture_if, rt.ifname) != 0)
			snprintf(r->capture_if, sizeof(r->capture_if), "any");
		i++;
	}
	/* Count hosts again when routes failed: nothing is dropped twice. */
	if (r->nfailed > failed_before_routes && target_list_dedupe(&r->targets, &r->hosts) < 0)
		goto oom;
	return r->targets.n == 0 ? 1 : 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/*
 * How many source ports a run needs so no probe reuses the 4-tuple of one
 * the server may still hold half-open: every probe of a target port sent
 * while an earlier one can still be answered (the timeout, or the server's
 * first SYN-ACK retransmission after about 1 s when ours was lost) needs a
 * port of its own. Never more than there are probes per target port.
 */
size_t run_syn_ports(const struct run *r)
{
	const struct options *o = &r->o;
	/* A sweep: one port a try, so a retransmission never meets the
	 * half-open entry of the try before it. */
	if (run_is_sweep(r))
		return (size_t)o->retries + 1;
	double window = o->timeout > 1.5 ? o->timeout : 1.5;
	double n = window / o->interval + 2;
	size_t need = n > PORTRES_MAX ? PORTRES_MAX : (size_t)n;
	if (o->count > 0 && o->count < need)
		need = o->count;
	return need ? need : 1;
}

/* Connect mode: each connection takes the next port of the block, so no
 * connection meets a server still holding the 4-tuple of an earlier one in
 * TIME_WAIT; the block is reused round-robin beyond its size. */
size_t run_connect_ports(const struct run *r)
{
	const struct options *o = &r->o;
	size_t flows = target_list_ports(&r->targets);
	size_t want = o->count == 0 ? 64 : (size_t)o->count * flows;
	if (want > 64)
		want = 64;
	return want ? want : 1;
}

/* Room in the kernel for every target port's SYN and answer in flight at
 * once (a sweep sends faster than it reads), within 256 KiB..8 MiB: the
 * engine drains the capture every few sends, so the backlog stays far below
 * a whole sweep. Small for small runs: setting up and tearing down the ring
 * is a visible part of a one-probe run. */
static int capture_buffer_bytes(size_t ports, int snaplen, bool sweep)
{
	size_t want = (256u << 10) + ports * 2 * ((size_t)snaplen + 64);
	/* A sweep drains the capture every 64 sends: 2 MiB holds some 20 ms of
	 * 100k pps both ways, and its memory stays small. */
	size_t max = sweep ? 2u << 20 : 8u << 20;
	return (int)(want > max ? max : want);
}

/*
 * The RST guard (modes that craft connections): one rule per target
 * port, for our source address and port block. auto falls back to running unguarded with a
 * warning when the table cannot be made (no CAP_NET_ADMIN, no nftables);
 * on makes that an error.
 */
static int open_guard(struct run *r, char *err, size_t errlen)
{
	if (r->o.guard == GUARD_OFF)
		return 0;
	size_t n = target_list_ports(&r->targets), k = 0;
	struct guard_rule *rules = calloc(n ? n : 1, sizeof(*rules));
	if (rules == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t ti = 0; ti < r->targets.n; ti++) {
		const struct target *t = &r->targets.t[ti];
		for (size_t pi = 0; pi < t->ports.n; pi++, k++) {
			rules[k].local = r->src[ti];
			rules[k].remote = t->addr;
			rules[k].lport_lo = r->ports.base;
			rules[k].lport_hi = (uint16_t)(r->ports.base + r->ports.n - 1);
			rules[k].rport = t->ports.port[pi];
		}
	}
	char gerr[512];
	r->guard = guard_open(rules, k, gerr, sizeof(gerr));
	free(rules);
	if (r->guard != NULL)
		return 0;
	if (r->o.guard == GUARD_ON) {
		snprintf(err, errlen, "cannot set up the RST guard: %s%s", gerr,
			 errno == EPERM ? " (it needs CAP_NET_ADMIN: sudo setcap "
					  "cap_net_raw,cap_net_admin+ep tcpshake)" : "");
		return -1;
	}
	fprintf(stderr, "tcpshake: warning: no RST guard (%s); the local kernel will likely "
			"reset crafted connections\n", gerr);
	return 0;
}

int run_open_privileged(struct run *r, const struct run_needs *needs, char *err, size_t errlen)
{
	char filt[512];
	if (r->streaming)
		r->want4 = r->want6 = true; /* later parts may be of either family */
	int family = r->want4 && r->want6 ? AF_UNSPEC : r->want6 ? AF_INET6 : AF_INET;
	if (filter_build_range(r->ports.base, (uint16_t)(r->ports.base + r->ports.n - 1), family, filt,
			       sizeof(filt)) < 0) {
		snprintf(err, errlen, "capture filter too long");
		return -1;
	}
	if (needs->guard && open_guard(r, err, errlen) < 0)
		return -1;
	struct wire_live_config wc = {
		.want4 = r->want4,
		.want6 = r->want6,
		.bind_iface = r->o.iface,
		/* A streamed sweep's later parts may route elsewhere. */
		.cap_iface = r->streaming ? "any" : r->capture_if,
		.filter = filt,
		.pcap_path = r->o.pcap_file,
		.snaplen = needs->snaplen,
		.buffer_bytes = needs->buffer_bytes > 0
					? needs->buffer_bytes
					: capture_buffer_bytes(target_list_ports(&r->targets), needs->snaplen,
							       run_is_sweep(r)),
		.mark = r->guard != NULL ? GUARD_MARK : 0,
	};
	r->wl = wire_live_open(&wc, err, errlen);
	if (r->wl == NULL) {
		if (errno == EPERM || errno == EACCES)
			priv_missing_message(err, errlen);
		return -1;
	}
	return priv_drop(err, errlen);
}

