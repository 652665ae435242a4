/*
 * run_serve: see run_serve.h. The order is the point:
 *
 *   1. everything that can be wrong with the configuration is found before
 *      anything is opened (a typo in the file is one line and exit 2);
 *   2. the listen socket (a port below 1024 needs root) and the channel;
 *   3. fork: the child drops to --user with no capability and speaks HTTP.
 *      It is forked before anything else privileged exists, so it holds
 *      no descriptor of it and has no capture ring mapped;
 *   4. the parent opens the reserved source ports, the RST guard over all
 *      of them, the capture on "any" and the raw sockets, then drops every
 *      capability and is the engine. It alone decides what may be probed,
 *      so a compromised HTTP process cannot send a packet outside the
 *      allow list. Should an open fail, the child is stopped and the
 *      error is one line, exit 2.
 *
 * SIGHUP reads the file again in the engine (the HTTP side holds no
 * configuration); SIGTERM and SIGINT drain both processes and leave no
 * nftables table.
 */
#include "config.h"
#include "run_serve.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/allow.h"
#include "core/filter.h"
#include "core/serve_config.h"
#include "engine/serve_loop.h"
#include "engine/wire_mux.h"
#include "sys/file_read.h"
#include "sys/guard.h"
#include "sys/http_front.h"
#include "sys/portres.h"
#include "sys/priv.h"
#include "sys/privsep.h"
#include "sys/route.h"
#include "sys/wire_live.h"

#define EXIT_RUNTIME 1
#define EXIT_SETUP 2

/* How long a drain waits for probes in flight: longer than any module's
 * budget is pointless, since Prometheus has given up on the scrape. */
#define SERVE_DRAIN_NS (15ull * 1000000000ull)
#define SERVE_RECENT 20
/* The capture keeps whole segments (the built-in connect module counts
 * payload). libpcap's immediate mode gives each frame a slot of the
 * snaplen plus its headers, in blocks of a power of two: at 65535 a slot
 * takes a 128 KiB block, at 65400 a 64 KiB one, so the same buffer holds
 * twice the frames (only a GRO frame of more than 65,380 IP bytes is cut).
 * 32 MiB is 512 frames, a stall of a tenth of a second at a thousand
 * probes a second (8 MiB of 128 KiB slots dropped answers on a busy
 * machine). */
#define SERVE_SNAPLEN 65400
#define SERVE_CAPTURE_BUFFER (32 << 20)

/* What a reload needs: the file and the command line's additions. */
struct serve_setup {
	const struct options *o;
};

/* The configuration: the file's (or the built-ins), then the command
 * line's allow list added. Returns 0, or -1 with err. */
static int load_config(const struct options *o, struct serve_config *cfg, struct allow *allow,
		       char *err, size_t errlen)
{
	allow_init(allow);
	if (o->config == NULL) {
		if (serve_config_default(cfg) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	} else {
		char *buf;
		size_t len;
		bool too_big;
		if (file_read_whole(o->config, SERVE_CONFIG_BYTES_MAX, &buf, &len, &too_big) < 0) {
			snprintf(err, errlen, "cannot read --config %s: %s", o->config,
				 strerror(errno));
			return -1;
		}
		if (too_big || len > SERVE_CONFIG_BYTES_MAX) {
			free(buf);
			snprintf(err, errlen, "--config %s: larger than %d bytes", o->config,
				 SERVE_CONFIG_BYTES_MAX);
			return -1;
		}
		int rc = serve_config_parse(buf, len, o->config, cfg, err, errlen);
		free(buf);
		if (rc < 0)
			return -1;
	}
	for (size_t i = 0; i < cfg->nallow_targets; i++)
		if (allow_add_targets(allow, cfg->allow_targets[i], err, errlen) < 0)
			goto fail;
	if (cfg->allow_ports != NULL && allow_add_ports(allow, cfg->allow_ports, err, errlen) < 0)
		goto fail;
	if (o->allow != NULL && allow_add_targets(allow, o->allow, err, errlen) < 0)
		goto fail;
	if (o->allow_ports != NULL && allow_add_ports(allow, o->allow_ports, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	serve_config_free(cfg);
	allow_free(allow);
	return -1;
}

/* serve_loop's reload callback: the file read again. The running
 * configuration stays when it fails. */
static int reload_config(void *ctx, struct module_table *modules, struct allow *allow, char *err,
			 size_t errlen)
{
	const struct serve_setup *s = ctx;
	struct serve_config cfg;
	if (load_config(s->o, &cfg, allow, err, errlen) < 0)
		return -1;
	*modules = cfg.modules;
	cfg.modules.v = NULL;
	cfg.modules.n = 0;
	serve_config_free(&cfg);
	return 0;
}

/* serve_loop's route callback: asked afresh each probe (interfaces come
 * and go in the exporter's lifetime). */
static int route_for(void *ctx, const struct netaddr *dst, struct netaddr *src, uint16_t *mtu,
		     char *err, size_t errlen)
{
	(void)ctx;
	struct route rt;
	if (route_lookup(dst, NULL, NULL, NULL, &rt, err, errlen) < 0)
		return -1;
	*src = rt.src;
	*mtu = (uint16_t)(rt.mtu > 0 && rt.mtu < 65536 ? rt.mtu : 1500);
	return 0;
}

/* The capture's drops, read under the mux's lock: pcap_stats uses the
 * handle the mux's reader thread reads. */
struct drops_read {
	struct wire_live *wl;
	unsigned long dropped;
};

static void read_drops(void *arg)
{
	struct drops_read *d = arg;
	d->dropped = wire_live_dropped(d->wl);
}

struct drops_ctx {
	struct wire_mux *mux;
	struct wire_live *wl;
};

static uint64_t capture_drops(void *ctx)
{
	const struct drops_ctx *c = ctx;
	struct drops_read d = { .wl = c->wl };
	wire_mux_locked(c->mux, read_drops, &d);
	return d.dropped;
}

/* What the HTTP child runs: arg is its struct http_front_config. */
static int http_child_main(void *arg)
{
	char err[512];
	if (http_front_run(arg, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpshake: %s\n", err);
		return EXIT_RUNTIME;
	}
	return 0;
}

/* The RST guard over the whole reserved block, from any address: the
 * targets come one scrape at a time. Without CAP_NET_ADMIN the exporter
 * still runs, and its connect modules meet the local kernel's RSTs. */
static struct guard *open_guard(const struct portres *ports)
{
	struct guard_rule rule;
	memset(&rule, 0, sizeof(rule));
	rule.lport_lo = ports->base;
	rule.lport_hi = (uint16_t)(ports->base + ports->n - 1);
	char gerr[512];
	struct guard *g = guard_open(&rule, 1, gerr, sizeof(gerr));
	if (g == NULL)
		fprintf(stderr, "tcpshake: warning: no RST guard (%s); connect modules will meet "
				"the local kernel's resets\n", gerr);
	return g;
}

static struct wire_live *open_wire(const struct portres *ports, bool guarded, char *err,
				   size_t errlen)
{
	char filt[512];
	if (filter_build_range(ports->base, (uint16_t)(ports->base + ports->n - 1), AF_UNSPEC, filt,
			       sizeof(filt)) < 0) {
		snprintf(err, errlen, "capture filter too long");
		return NULL;
	}
	struct wire_live_config wc = {
		.want4 = true,
		.want6 = true,
		.cap_iface = "any",
		.filter = filt,
		.snaplen = SERVE_SNAPLEN,
		.buffer_bytes = SERVE_CAPTURE_BUFFER,
		.mark = guarded ? GUARD_MARK : 0,
	};
	struct wire_live *wl = wire_live_open(&wc, err, errlen);
	if (wl == NULL && (errno == EPERM || errno == EACCES))
		priv_missing_message(err, errlen);
	return wl;
}

/* Ports each probe in flight takes: as many as the block allows, up to 8
 * (a syn module's SYNs each from a fresh port, as syn mode does). */
static uint16_t ports_per_probe(size_t block, unsigned inflight)
{
	size_t n = block / (inflight ? inflight : 1);
	return (uint16_t)(n > 8 ? 8 : n < 1 ? 1 : n);
}

int run_serve(const struct options *o, const struct serve_signals *sig)
{
	char err[1024];
	struct serve_config cfg;
	struct allow allow;
	struct priv_user user;
	struct portres ports;
	struct guard *guard = NULL;
	struct wire_live *wl = NULL;
	struct wire_mux *mux = NULL;
	struct serve_engine *engine = NULL;
	int listen_fd = -1, sv[2] = { -1, -1 };
	pid_t child = -1;
	int status = EXIT_SETUP;

	portres_init(&ports);
	if (load_config(o, &cfg, &allow, err, sizeof(err)) < 0) {
		/* The file's own errors are "FILE:LINE:COL: what", as compilers
		 * write them; the rest get the tool's prefix. */
		bool plain = o->config != NULL && strncmp(err, o->config, strlen(o->config)) == 0 &&
			     err[strlen(o->config)] == ':';
		fprintf(stderr, "%s%s\n", plain ? "" : "tcpshake: ", err);
		return EXIT_SETUP;
	}
	unsigned inflight = o->max_inflight ? (unsigned)o->max_inflight
			    : cfg.max_inflight ? cfg.max_inflight : CLI_INFLIGHT_DEFAULT;
	if (priv_user_lookup(o->user, &user, err, sizeof(err)) < 0)
		goto fail;
	if ((listen_fd = privsep_listen(&o->serve_addr, o->serve_port, err, sizeof(err))) < 0)
		goto fail;
	if (privsep_channel(sv, err, sizeof(err)) < 0)
		goto fail;

	/* The HTTP process is forked before anything privileged is opened:
	 * it must not inherit a descriptor of them, nor the capture's ring
	 * mapped into memory (closing the descriptor would not unmap it). */
	struct http_front_config hc = {
		.listen_fd = listen_fd,
		.engine_fd = sv[1],
		.max_inflight = inflight,
		.recent_max = SERVE_RECENT,
		.stop = sig->stop,
		.drain_max_ns = SERVE_DRAIN_NS,
	};
	int keep[] = { listen_fd, sv[1] };
	child = privsep_fork(keep, 2, &user, http_child_main, &hc, err, sizeof(err));
	if (child < 0)
		goto fail;
	close(listen_fd);
	close(sv[1]);
	listen_fd = sv[1] = -1;

	if (portres_reserve_block(PORTRES_MAX, &ports, err, sizeof(err)) < 0)
		goto fail;
	/* The built-in connect module is always there, so the guard is too
	 * (a reload may add connect modules; the privilege to set it up is
	 * gone by then). */
	guard = open_guard(&ports);
	if ((wl = open_wire(&ports, guard != NULL, err, sizeof(err))) == NULL)
		goto fail;

	/* The engine: its sockets are open, so no capability is left to keep. */
	if (priv_drop(err, sizeof(err)) < 0)
		goto fail;
	struct wire w;
	wire_live_bind(wl, &w);
	if ((mux = wire_mux_new(&w, ports.base, (uint16_t)ports.n, err, sizeof(err))) == NULL ||
	    wire_mux_start(mux, err, sizeof(err)) < 0)
		goto fail;
	/* With the guard, the kernel's resets are silenced: the mux sends
	 * the ones a closed port owes. */
	wire_mux_reset_strays(mux, guard != NULL);
	struct serve_setup setup = { .o = o };
	struct drops_ctx drops = { .mux = mux, .wl = wl };
	struct serve_engine_config ec = {
		.fd = sv[0],
		.mux = mux,
		.max_inflight = inflight,
		.ports_per_probe = ports_per_probe(ports.n, inflight),
		.route = route_for,
		.stop = sig->stop,
		.reload = sig->reload,
		.reload_cb = reload_config,
		.reload_ctx = &setup,
		.drain_max_ns = SERVE_DRAIN_NS,
		.capture_drops = capture_drops,
		.capture_drops_ctx = &drops,
	};
	engine = serve_engine_new(&ec, &cfg.modules, &allow);
	cfg.modules.v = NULL;
	cfg.modules.n = 0;
	if (engine == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	char a[NETADDR_STRLEN];
	fprintf(stderr, "tcpshake: serving on %s%s%s:%u (HTTP process %ld as %s)\n",
		o->serve_addr.family == AF_INET6 ? "[" : "",
		netaddr_str(&o->serve_addr, a, sizeof(a)),
		o->serve_addr.family == AF_INET6 ? "]" : "", o->serve_port, (long)child,
		user.change ? user.name : "this user");
	status = 0;
	if (serve_engine_run(engine, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpshake: %s\n", err);
		status = EXIT_RUNTIME;
	}
	goto out;
fail:
	fprintf(stderr, "tcpshake: %s\n", err);
out:
	/* The HTTP side first: it may still be answering drained probes. */
	if (sv[0] >= 0)
		shutdown(sv[0], SHUT_RDWR);
	if (child > 0) {
		kill(child, SIGTERM);
		int cs = privsep_reap(child, SERVE_DRAIN_NS + 1000000000ull);
		if (cs != 0 && status == 0)
			status = EXIT_RUNTIME;
	}
	serve_engine_free(engine);
	wire_mux_free(mux);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (listen_fd >= 0)
		close(listen_fd);
	if (wl != NULL)
		wire_live_close(wl);
	guard_close(guard);
	portres_release(&ports);
	if (status == 0)
		fprintf(stderr, "tcpshake: stopped: probes drained, RST guard removed\n");
	if (engine == NULL)
		allow_free(&allow); /* else the engine took it */
	serve_config_free(&cfg);
	return status;
}
