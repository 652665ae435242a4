/*
 * capture: libpcap with kernel nanosecond timestamps and immediate mode.
 */
#include "config.h"
#include "sys/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct capture {
	pcap_t *p;
	int linktype;
};

struct capture *capture_open(const char *iface, const char *filter, int snaplen, int buffer_bytes,
			     char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->p = pcap_create(iface, ebuf);
	if (c->p == NULL) {
		snprintf(err, errlen, "cannot capture on '%s': %s", iface, ebuf);
		goto fail;
	}
	/* The kernel ring holds frames of snaplen bytes each: a small snaplen
	 * is what lets a small buffer hold a whole sweep's replies. */
	pcap_set_snaplen(c->p, snaplen);
	pcap_set_promisc(c->p, 0);
	pcap_set_immediate_mode(c->p, 1);
	pcap_set_buffer_size(c->p, buffer_bytes);
	if (pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_NANO) != 0) {
		snprintf(err, errlen, "capture on '%s' cannot give nanosecond timestamps", iface);
		goto fail;
	}
	int rc = pcap_activate(c->p);
	if (rc < 0) {
		if (rc == PCAP_ERROR_PERM_DENIED)
			errno = EPERM;
		else if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
			errno = ENODEV;
		else
			errno = EIO;
		snprintf(err, errlen, "cannot capture on '%s': %s", iface, pcap_geterr(c->p));
		goto fail;
	}
	struct bpf_program prog;
	if (pcap_compile(c->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "bad capture filter '%s': %s", filter, pcap_geterr(c->p));
		errno = EINVAL;
		goto fail;
	}
	rc = pcap_setfilter(c->p, &prog);
	pcap_freecode(&prog);
	if (rc != 0) {
		snprintf(err, errlen, "cannot set capture filter: %s", pcap_geterr(c->p));
		errno = EIO;
		goto fail;
	}
	if (pcap_setnonblock(c->p, 1, ebuf) != 0) {
		snprintf(err, errlen, "cannot make the capture non-blocking: %s", ebuf);
		errno = EIO;
		goto fail;
	}
	c->linktype = pcap_datalink(c->p);
	return c;
fail: {
	int e = errno;
	capture_close(c);
	errno = e;
	return NULL;
}
}

int capture_fd(const struct capture *c)
{
	return pcap_get_selectable_fd(c->p);
}

int capture_linktype(const struct capture *c)
{
	/* pcap's DLT_ values for the types we decode equal SEGMENT_LINK_*, except
	 * DLT_RAW, which segment.c accepts under both of its numbers. */
	return c->linktype;
}

int capture_next(struct capture *c, struct wire_packet *pkt, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(c->p, &h, &data);
	if (rc == 1) {
		pkt->data = data;
		pkt->caplen = h->caplen;
		pkt->linktype = c->linktype;
		/* With nanosecond precision tv_usec holds nanoseconds. */
		pkt->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		return 1;
	}
	if (rc == 0)
		return 0;
	snprintf(err, errlen, "%s", pcap_geterr(c->p));
	return -1;
}

unsigned long capture_dropped(struct capture *c)
{
	struct pcap_stat st;
	if (pcap_stats(c->p, &st) != 0)
		return 0;
	return st.ps_drop;
}

void capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	if (c->p)
		pcap_close(c->p);
	free(c);
}
