/*
 * run_sweep: syn mode's sweeps, as main composes them. A run is a sweep
 * when it sends one probe to each of more than one target port (-c 1), or
 * when a target is a prefix or a range: then the sweep engine (sweep.h)
 * walks an index space built here from the targets, less the exclusions,
 * instead of syn mode's per-port engine (probe.h), which keeps statistics
 * for each target port and so grows with the run.
 */
#include "config.h"
#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>



/* Every port a cut may name: a cut target without ports of its own. */
#define ALL_PORTS 65535

bool run_any_span(const struct run *r)
{
	for (size_t i = 0; i < r->targets.n; i++)
		if (r->targets.t[i].span.n > 0)
			return true;
	return false;
}

bool run_is_sweep(const struct run *r)
{
	return r->o.mode == MODE_SYN && r->o.count == 1 &&
	       (run_any_span(r) || target_list_ports(&r->targets) > 1);
}

int run_check_sweep(struct run *r, char *err, size_t errlen)
{
	struct options *o = &r->o;
	bool span = run_any_span(r);

	if (span && o->mode != MODE_SYN) {
		snprintf(err, errlen, "prefixes and ranges are swept in syn mode only: give each host "
				      "to -m %s", o->out.mode_name);
		return -1;
	}
	if (span && !o->count_given)
		o->count = 1; /* a prefix is a sweep: one probe a pair, retried as needed */
	if (span && o->count != 1) {
		snprintf(err, errlen, "-c %lu with a prefix or range: a sweep sends one probe a pair "
				      "(and retries, see --retries); leave out -c",
			 o->count);
		return -1;
	}
	if (o->sweep_option && !run_is_sweep(r)) {
		snprintf(err, errlen, "--exclude, --retries, --seed and --shard are for sweeps: -c 1 "
				      "over more than one target port, or a prefix or range");
		return -1;
	}
	for (size_t i = 0; i < r->targets.n; i++) {
		const struct target *t = &r->targets.t[i];
		if (t->span.n > 0 && !addr_span_size_ok(&t->span, o->allow_large, t->host, err, errlen))
			return -1;
		if (t->span.n > 0 && o->family != AF_UNSPEC && t->span.lo.family != o->family) {
			snprintf(err, errlen, "'%s' is not an %s prefix, as -%c asks", t->host,
				 o->family == AF_INET ? "IPv4" : "IPv6", o->family == AF_INET ? '4' : '6');
			return -1;
		}
	}
	if (!o->seed_given) {
		/* A random order. */
		o->seed = (unsigned long)run_random_u32() << 32 | run_random_u32();
	}
	return run_load_excludes(r, err, errlen);
}

/* --exclude and --exclude-file, into r->excludes: the target syntax, a
 * target naming no ports excluding every port. */
int run_load_excludes(struct run *r, char *err, size_t errlen)
{
	char why[400];
	if (r->o.exclude != NULL &&
	    targets_from_list(r->o.exclude, "1-65535", &r->excludes, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "--exclude: %s", why);
		return -1;
	}
	if (r->o.exclude_file == NULL)
		return 0;
	FILE *f = fopen(r->o.exclude_file, "r");
	if (f == NULL) {
		snprintf(err, errlen, "cannot read exclusions from '%s': %s", r->o.exclude_file,
			 strerror(errno));
		return -1;
	}
	int rc = targets_from_file(f, "1-65535", &r->excludes, why, sizeof(why));
	fclose(f);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", r->o.exclude_file, why);
		return -1;
	}
	return 0;
}

/* A name among the exclusions is resolved: a name that does not resolve
 * is an error, never a silent no-op (the user said not to go there). */
int run_resolve_excludes(struct run *r, int family, char *err, size_t errlen)
{
	for (size_t i = 0; i < r->excludes.n; i++) {
		struct target *t = &r->excludes.t[i];
		char why[256];
		if (t->span.n == 0 && target_resolve(t->host, family, &t->addr, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "--exclude: %s", why);
			return -1;
		}
	}
	return 0;
}

static void span_of(const struct target *t, struct addr_span *sp)
{
	if (t->span.n > 0)
		*sp = t->span;
	else
		addr_span_single(&t->addr, sp);
}

int run_build_space(struct run *r, char *err, size_t errlen)
{
	tspace_init(&r->space);
	for (size_t i = 0; i < r->targets.n; i++) {
		const struct target *t = &r->targets.t[i];
		struct addr_span sp;
		span_of(t, &sp);
		if (tspace_add(&r->space, &sp, t->ports.port, t->ports.n, i) < 0)
			goto oom;
	}
	for (size_t i = 0; i < r->excludes.n; i++) {
		const struct target *x = &r->excludes.t[i];
		struct tspace_cut c = { .ports = x->ports.port, .nports = x->ports.n };
		span_of(x, &c.span);
		if (c.nports == ALL_PORTS)
			c.nports = 0; /* every port: no list to compare */
		if (tspace_cut(&r->space, &c, 1) < 0)
			goto oom;
	}
	if (tspace_finish(&r->space) < 0) {
		snprintf(err, errlen, "the targets hold more than 2^63 address and port pairs: too "
				      "many for one sweep");
		return -1;
	}
	if (r->space.n == 0) {
		snprintf(err, errlen, "the exclusions leave no target to probe");
		return 1;
	}
	if (r->space.n > UINT32_MAX && r->o.shard_n == 1) {
		/* Not an engine limit, but one process for 2^32 probes is a
		 * day at 50k pps: say how to split it. */
		snprintf(err, errlen, "%llu address and port pairs: split the sweep with --shard "
				      "I/N (at most 4294967295 a shard)",
			 (unsigned long long)r->space.n);
		return -1;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}
