/*
 * tcpopt: our SYN's option bytes. Linux's layout is copied on purpose
 * (MSS, SACK-permitted + timestamps packed as 04 02 08 0a, NOP, window scale)
 * so probes look like an ordinary Linux client to servers and middleboxes.
 */
#include "config.h"
#include "core/tcpopt.h"

#include <string.h>
#include <sys/socket.h>

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

size_t tcpopt_build(const struct syn_options *so, uint16_t mss, uint32_t tsval, uint8_t buf[40])
{
	size_t n = 0;

	if (so->mss) {
		uint16_t v = so->mss_value > 0 ? (uint16_t)so->mss_value : mss;
		buf[n++] = 2;
		buf[n++] = 4;
		buf[n++] = (uint8_t)(v >> 8);
		buf[n++] = (uint8_t)v;
	}
	if (so->sack && so->ts) {
		buf[n++] = 4;
		buf[n++] = 2;
	} else if (so->sack) {
		buf[n++] = 1;
		buf[n++] = 1;
		buf[n++] = 4;
		buf[n++] = 2;
	}
	if (so->ts) {
		if (!so->sack) {
			buf[n++] = 1;
			buf[n++] = 1;
		}
		buf[n++] = 8;
		buf[n++] = 10;
		put32(buf + n, tsval);
		n += 4;
		put32(buf + n, 0);
		n += 4;
	}
	if (so->wscale) {
		buf[n++] = 1;
		buf[n++] = 3;
		buf[n++] = 3;
		buf[n++] = (uint8_t)so->wscale_value;
	}
	/* Every branch above keeps n a multiple of 4; assert it in debug builds. */
	while (n % 4 != 0)
		buf[n++] = 0;
	return n;
}

size_t tcpopt_build_ts(uint32_t tsval, uint32_t tsecr, uint8_t buf[12])
{
	buf[0] = 1;
	buf[1] = 1;
	buf[2] = 8;
	buf[3] = 10;
	put32(buf + 4, tsval);
	put32(buf + 8, tsecr);
	return 12;
}

uint16_t tcpopt_mss_for_mtu(int family, int mtu)
{
	int mss = mtu - (family == AF_INET6 ? 60 : 40);
	return (uint16_t)(mss < 536 ? 536 : mss > 65495 ? 65495 : mss);
}
