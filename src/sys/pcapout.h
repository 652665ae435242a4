/*
 * pcapout: the --pcap file, every segment we sent and received, with the
 * capture's nanosecond timestamps, readable by Wireshark and tcpdump.
 */
#ifndef TCPSHAKE_PCAPOUT_H
#define TCPSHAKE_PCAPOUT_H

#include <stddef.h>

#include "engine/wire.h"

struct pcapout;

/* Create path for frames of linktype (pcap DLT) cut at snaplen. NULL with
 * err on failure. */
struct pcapout *pcapout_open(const char *path, int linktype, int snaplen, char *err, size_t errlen);
void pcapout_write(struct pcapout *po, const struct wire_packet *pkt);
void pcapout_flush(struct pcapout *po);
/* Flush and close; NULL is fine. */
void pcapout_close(struct pcapout *po);

#endif
