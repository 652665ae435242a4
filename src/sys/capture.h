/*
 * capture: a libpcap handle set up for exact RTTs.
 *
 * Edge module. Nanosecond timestamps, immediate delivery (no buffering delay
 * between the wire and us), a BPF filter so only our traffic is copied to user
 * space, non-blocking reads driven by poll on the selectable fd. Outgoing
 * packets are captured too: their kernel timestamps are our send times.
 */
#ifndef TCPSHAKE_CAPTURE_H
#define TCPSHAKE_CAPTURE_H

#include <stddef.h>

#include "engine/wire.h"

struct capture;

/* Open iface ("any" for all) and install filter, keeping snaplen bytes of
 * each frame in a kernel buffer of buffer_bytes. NULL with err on failure;
 * errno EPERM when privileges are missing. */
struct capture *capture_open(const char *iface, const char *filter, int snaplen, int buffer_bytes,
			     char *err, size_t errlen);
/* The selectable fd, for poll. */
int capture_fd(const struct capture *c);
/* The SEGMENT_LINK_* type of captured frames. */
int capture_linktype(const struct capture *c);
/* Next frame without blocking: 1 got one (valid until the next call), 0 none,
 * -1 error (err filled with pcap's own reason, no prefix: the caller says
 * that the capture failed, once). */
int capture_next(struct capture *c, struct wire_packet *pkt, char *err, size_t errlen);
/* Frames the kernel dropped for lack of buffer space so far, or 0. */
unsigned long capture_dropped(struct capture *c);
void capture_close(struct capture *c);

#endif
