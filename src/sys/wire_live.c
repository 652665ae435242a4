/*
 * wire_live: struct wire over libnet and libpcap.
 *
 * The engines check their stop flag, then wait. With a plain ppoll, a SIGINT
 * landing between that check and ppoll sets the flag too late: ppoll sleeps
 * its whole timeout (up to -W or -i, or forever for a stuck queue's backoff
 * loop) before anyone looks again. So from wire_live_open to wire_live_close
 * SIGINT, SIGTERM and SIGHUP stay blocked and only ppoll unblocks them,
 * atomically with starting to sleep: a signal raised anywhere else stays
 * pending and makes the next ppoll return EINTR at once, and the engine's
 * next check sees the flag the handler set (ppoll is never restarted after a
 * handler, SA_RESTART or not). Other calls are no longer interrupted, which
 * costs nothing: between open and close nothing sleeps waiting for a signal
 * except through wait(). Close restores the caller's mask, which delivers
 * anything still pending.
 */
#include "config.h"
#include "sys/wire_live.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sys/capture.h"
#include "sys/clock.h"
#include "sys/craft.h"
#include "sys/pcapout.h"

struct wire_live {
	struct craft *craft;
	struct capture *cap;
	struct pcapout *pcap;
	sigset_t caller_mask; /* the mask at open, restored at close */
	sigset_t wait_mask;   /* ppoll's: the caller's, stop signals unblocked */
	bool masked;          /* the stop signals are blocked by us */
	char err[256];        /* the first capture error, or "" */
};

static int live_send(void *ctx, const struct tx_segment *seg, uint64_t *sent_ns)
{
	struct wire_live *wl = ctx;
	int rc = craft_send(wl->craft, seg);
	*sent_ns = clock_realtime_ns();
	return rc;
}

static int live_wait(void *ctx, uint64_t deadline_ns)
{
	struct wire_live *wl = ctx;
	uint64_t now = clock_realtime_ns();
	struct timespec ts = {0, 0};
	if (deadline_ns > now) {
		uint64_t d = deadline_ns - now;
		ts.tv_sec = (time_t)(d / 1000000000ull);
		ts.tv_nsec = (long)(d % 1000000000ull);
	}
	struct pollfd pfd = {.fd = capture_fd(wl->cap), .events = POLLIN};
	/* The only place the stop signals can arrive (see the top). */
	int rc = ppoll(&pfd, 1, &ts, wl->masked ? &wl->wait_mask : NULL);
	if (rc < 0)
		return -1;
	return rc > 0 ? 1 : 0;
}

static int live_next(void *ctx, struct wire_packet *pkt)
{
	struct wire_live *wl = ctx;
	char why[sizeof(wl->err)];
	int rc = capture_next(wl->cap, pkt, why, sizeof(why));
	/* pcap's reason (pcap_geterr's text, gone with the next pcap call) is
	 * what the user needs to hear; the first failure is the cause. */
	if (rc < 0 && wl->err[0] == '\0')
		snprintf(wl->err, sizeof(wl->err), "%s", why);
	return rc;
}

static uint64_t live_now(void *ctx)
{
	(void)ctx;
	return clock_realtime_ns();
}

static void live_record(void *ctx, const struct wire_packet *pkt)
{
	struct wire_live *wl = ctx;
	if (wl->pcap)
		pcapout_write(wl->pcap, pkt);
}

static const struct wire_ops live_ops = {
	.send = live_send,
	.wait = live_wait,
	.next = live_next,
	.now = live_now,
	.record = live_record,
};

/* Block the stop signals outside wait() (see the top). Should it fail, wait
 * falls back to the racy but working plain ppoll. */
static void block_stop_signals(struct wire_live *wl)
{
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &stop, &wl->caller_mask) < 0)
		return;
	wl->wait_mask = wl->caller_mask;
	sigdelset(&wl->wait_mask, SIGINT);
	sigdelset(&wl->wait_mask, SIGTERM);
	sigdelset(&wl->wait_mask, SIGHUP);
	wl->masked = true;
}

struct wire_live *wire_live_open(const struct wire_live_config *cfg, char *err, size_t errlen)
{
	struct wire_live *wl = calloc(1, sizeof(*wl));
	if (wl == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	wl->craft = craft_open(cfg->want4, cfg->want6, cfg->bind_iface, cfg->mark, err, errlen);
	if (wl->craft == NULL)
		goto fail;
	wl->cap = capture_open(cfg->cap_iface, cfg->filter, cfg->snaplen, cfg->buffer_bytes, err, errlen);
	if (wl->cap == NULL)
		goto fail;
	if (cfg->pcap_path != NULL) {
		wl->pcap = pcapout_open(cfg->pcap_path, capture_linktype(wl->cap), cfg->snaplen, err,
					errlen);
		if (wl->pcap == NULL) {
			errno = EIO;
			goto fail;
		}
	}
	block_stop_signals(wl);
	return wl;
fail: {
	int e = errno;
	wire_live_close(wl);
	errno = e;
	return NULL;
}
}

void wire_live_bind(struct wire_live *wl, struct wire *w)
{
	w->ops = &live_ops;
	w->ctx = wl;
}

unsigned long wire_live_dropped(struct wire_live *wl)
{
	return capture_dropped(wl->cap);
}

const char *wire_live_error(const struct wire_live *wl)
{
	return wl->err[0] ? wl->err : NULL;
}

void wire_live_flush(struct wire_live *wl)
{
	if (wl != NULL)
		pcapout_flush(wl->pcap);
}

void wire_live_close(struct wire_live *wl)
{
	if (wl == NULL)
		return;
	pcapout_close(wl->pcap);
	capture_close(wl->cap);
	craft_close(wl->craft);
	if (wl->masked)
		sigprocmask(SIG_SETMASK, &wl->caller_mask, NULL);
	free(wl);
}
