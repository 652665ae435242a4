/*
 * pcapout: a pcap savefile with nanosecond timestamps (magic a1b23c4d).
 */
#include "config.h"
#include "sys/pcapout.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

struct pcapout {
	pcap_t *dead;
	pcap_dumper_t *d;
};

struct pcapout *pcapout_open(const char *path, int linktype, int snaplen, char *err, size_t errlen)
{
	struct pcapout *po = calloc(1, sizeof(*po));
	if (po == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	po->dead = pcap_open_dead_with_tstamp_precision(linktype, snaplen, PCAP_TSTAMP_PRECISION_NANO);
	if (po->dead == NULL) {
		snprintf(err, errlen, "cannot prepare the pcap file '%s'", path);
		free(po);
		return NULL;
	}
	po->d = pcap_dump_open(po->dead, path);
	if (po->d == NULL) {
		snprintf(err, errlen, "cannot write pcap file: %s", pcap_geterr(po->dead));
		pcap_close(po->dead);
		free(po);
		return NULL;
	}
	return po;
}

void pcapout_write(struct pcapout *po, const struct wire_packet *pkt)
{
	struct pcap_pkthdr h;
	h.ts.tv_sec = (time_t)(pkt->ts_ns / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(pkt->ts_ns % 1000000000ull); /* ns in a nano file */
	h.caplen = (bpf_u_int32)pkt->caplen;
	h.len = (bpf_u_int32)pkt->caplen;
	pcap_dump((u_char *)po->d, &h, pkt->data);
}

void pcapout_flush(struct pcapout *po)
{
	if (po != NULL)
		pcap_dump_flush(po->d);
}

void pcapout_close(struct pcapout *po)
{
	if (po == NULL)
		return;
	pcap_dump_close(po->d);
	pcap_close(po->dead);
	free(po);
}
