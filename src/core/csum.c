/*
 * csum: the Internet checksum (RFC 1071) and the TCP pseudo-header sums.
 *
 * The running sum is a plain 32-bit accumulator of big-endian 16-bit words,
 * folded only at the end, so callers can chain pseudo-header, header and
 * payload. Words are read byte by byte: no alignment assumptions and no
 * dependence on host byte order, which keeps the decoder safe on any buffer.
 */
#include "config.h"
#include "core/csum.h"

#include <sys/socket.h>

uint32_t csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;

	/* 64-bit accumulator: no carry handling inside the loop, even for
	 * buffers far larger than any packet. */
	while (len >= 2) {
		acc += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len == 1)
		acc += (uint32_t)p[0] << 8; /* odd tail is padded with a zero byte */
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint32_t csum_pseudo(const struct netaddr *src, const struct netaddr *dst,
		     uint8_t proto, uint32_t tcp_len)
{
	uint32_t sum = 0;

	sum = csum_add(sum, src->b, netaddr_len(src));
	sum = csum_add(sum, dst->b, netaddr_len(dst));
	if (src->family == AF_INET6) {
		/* RFC 8200 §8.1: 32-bit length, three zero bytes, next header. */
		const uint8_t tail[8] = { (uint8_t)(tcp_len >> 24), (uint8_t)(tcp_len >> 16),
					  (uint8_t)(tcp_len >> 8), (uint8_t)tcp_len, 0, 0, 0, proto };
		sum = csum_add(sum, tail, sizeof(tail));
	} else {
		/* RFC 9293 §3.1: zero, protocol, 16-bit TCP length. */
		const uint8_t tail[4] = { 0, proto, (uint8_t)(tcp_len >> 8), (uint8_t)tcp_len };
		sum = csum_add(sum, tail, sizeof(tail));
	}
	return sum;
}

uint16_t csum_tcp(const struct netaddr *src, const struct netaddr *dst,
		  const uint8_t *tcp, size_t tcp_len)
{
	uint32_t sum = csum_pseudo(src, dst, 6, (uint32_t)tcp_len);
	return (uint16_t)~csum_fold(csum_add(sum, tcp, tcp_len));
}

uint16_t csum_ip4(const uint8_t *hdr, size_t hdr_len)
{
	return (uint16_t)~csum_fold(csum_add(0, hdr, hdr_len));
}
