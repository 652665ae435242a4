/*
 * wire_live: struct wire over libnet and libpcap.
 */
#include "config.h"
#include "wire_live.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "clock.h"
#include "craft.h"
#include "pcapout.h"

struct wire_live {
	struct craft *craft;
	struct capture *cap;
	struct pcapout *pcap;
	char err[256];
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
	int rc = ppoll(&pfd, 1, &ts, NULL);
	if (rc < 0)
		return -1;
	return rc > 0 ? 1 : 0;
}

static int live_next(void *ctx, struct wire_packet *pkt)
{
	struct wire_live *wl = ctx;
	int rc = capture_next(wl->cap, pkt, wl->err, sizeof(wl->err));
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

struct wire_live *wire_live_open(const struct wire_live_config *cfg, char *err, size_t errlen)
{
	struct wire_live *wl = calloc(1, sizeof(*wl));
	if (wl == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	wl->craft = craft_open(cfg->want4, cfg->want6, cfg->bind_iface, err, errlen);
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
	free(wl);
}
