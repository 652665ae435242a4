/*
 * serve_loop: the exporter's engine process. Reads requests from the HTTP
 * process's socketpair (serve_msg.h), is the one authority on what may be
 * probed (module, allow list, in-flight limit), runs each probe in a worker
 * thread over its own wire_mux view, and streams the output back. The
 * composing layer gives it route lookups and config reloads as callbacks, so
 * this layer touches no system interface but its socket and threads.
 */
#ifndef TCPSHAKE_SERVE_LOOP_H
#define TCPSHAKE_SERVE_LOOP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "core/allow.h"
#include "core/module.h"
#include "core/netaddr.h"
#include "engine/wire_mux.h"

struct serve_engine_config {
	int fd;                  /* the engine's socketpair end (SOCK_SEQPACKET) */
	struct wire_mux *mux;    /* started */
	unsigned max_inflight;   /* probes at once; more get SSTAT_BUSY */
	uint16_t ports_per_probe;
	/* Our source address and the route's MTU toward dst: 0, or -1 with err. */
	int (*route)(void *ctx, const struct netaddr *dst, struct netaddr *src, uint16_t *mtu,
		     char *err, size_t errlen);
	void *route_ctx;
	const volatile sig_atomic_t *stop;   /* set: refuse new probes, drain, return */
	volatile sig_atomic_t *reload;       /* set (SIGHUP): the loop clears it, calls reload_cb */
	/* Fill fresh modules and allow list (the old ones stay on failure, err
	 * says why and goes to stderr). */
	int (*reload_cb)(void *ctx, struct module_table *modules, struct allow *allow, char *err,
			 size_t errlen);
	void *reload_ctx;
	uint64_t drain_max_ns;   /* the longest a drain waits for running probes */
	/* The shared capture's dropped frames so far, for each DONE; called
	 * from the probe threads, so it must be thread-safe (wire_mux_locked
	 * around the live wire's counter). NULL: DONE says 0. */
	uint64_t (*capture_drops)(void *ctx);
	void *capture_drops_ctx;
};

struct serve_engine;

/* modules and allow are taken (freed by serve_engine_free). NULL on no memory. */
struct serve_engine *serve_engine_new(const struct serve_engine_config *c,
				      struct module_table *modules, struct allow *allow);
/* Serve until *stop (then drain, bounded by drain_max_ns) or until the HTTP
 * side closes its end. Returns 0, or -1 with err. */
int serve_engine_run(struct serve_engine *e, char *err, size_t errlen);
void serve_engine_free(struct serve_engine *e);

#endif
