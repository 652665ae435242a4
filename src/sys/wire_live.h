/*
 * wire_live: the real struct wire: craft (libnet) to send, capture (libpcap)
 * to receive, pcapout for --pcap, poll for waiting.
 */
#ifndef TCPSHAKE_WIRE_LIVE_H
#define TCPSHAKE_WIRE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/wire.h"

struct wire_live_config {
	bool want4, want6;       /* raw senders to open */
	const char *bind_iface;  /* -I, or NULL */
	const char *cap_iface;   /* where to capture ("any" when targets differ) */
	const char *filter;      /* BPF expression */
	const char *pcap_path;   /* --pcap, or NULL */
	int snaplen;             /* bytes kept of each frame */
	int buffer_bytes;        /* kernel capture buffer */
	uint32_t mark;           /* SO_MARK of what we send (the RST guard's), 0: none */
};

struct wire_live;

/* Open everything that needs privileges. NULL with err (errno EPERM when
 * privileges are missing). */
struct wire_live *wire_live_open(const struct wire_live_config *cfg, char *err, size_t errlen);
/* Fill w with this backend's ops. */
void wire_live_bind(struct wire_live *wl, struct wire *w);
/* Kernel capture drops so far. */
unsigned long wire_live_dropped(struct wire_live *wl);
/* The first capture error's reason (pcap's words, without a "capture
 * failed" prefix: the engine's error says that), or NULL. */
const char *wire_live_error(const struct wire_live *wl);
/* Flush --pcap (called on every exit path, SIGINT included). */
void wire_live_flush(struct wire_live *wl);
void wire_live_close(struct wire_live *wl);

#endif
