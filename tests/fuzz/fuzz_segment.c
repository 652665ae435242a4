/*
 * fuzz_segment: libFuzzer target for the decoder and the matcher.
 *
 * Every input is decoded under each link type the decoder knows, so one
 * corpus file exercises all the link-layer paths, and every SEGMENT_OK result
 * goes through match_classify with locals that the seeds use (192.0.2.1 and
 * 2001:db8::1, port 40000) so the ICMP and reply branches are reached too.
 * The checks below turn silent contract breaks into crashes: a payload must
 * lie inside the input, a BAD result must carry a reason.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/match.h"
#include "core/segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[] = {
	SEGMENT_LINK_NULL,	SEGMENT_LINK_EN10MB,	 SEGMENT_LINK_RAW,
	SEGMENT_LINK_RAW101,	SEGMENT_LINK_LINUX_SLL, SEGMENT_LINK_IPV4,
	SEGMENT_LINK_IPV6,	SEGMENT_LINK_LINUX_SLL2,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t l4b[4] = { 192, 0, 2, 1 };
	static const uint8_t l6b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct netaddr l4, l6;
	char flags[9];

	netaddr_set(&l4, AF_INET, l4b);
	netaddr_set(&l6, AF_INET6, l6b);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		struct segment seg;
		enum segment_reason why;
		enum segment_status st = segment_decode(data, size, links[i], &seg, &why);
		if (st == SEGMENT_BAD) {
			if (why == SEGMENT_R_NONE || why >= SEGMENT_R_COUNT)
				abort();
			(void)segment_reason_name(why);
			continue;
		}
		if (st != SEGMENT_OK)
			continue;
		if (seg.payload_len > 0 &&
		    (seg.payload < data || seg.payload + seg.payload_len > data + size))
			abort();
		if (seg.payload_len == 0 && seg.payload != NULL)
			abort();
		segment_flags_str(seg.flags, flags);
		if (strlen(flags) > 8)
			abort();
		struct match_hit hit;
		(void)match_classify(&seg, &l4, &l6, 40000, &hit);
		(void)match_classify(&seg, NULL, NULL, 40000, &hit);
	}
	return 0;
}
