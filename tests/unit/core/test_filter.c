/*
 * test_filter: the capture filter, compiled by libpcap and run on crafted
 * packets without a device (pcap_open_dead + pcap_offline_filter, as
 * libpcap's testprogs/filtertest.c does).
 *
 * Each case is a pktbuild packet, a link type, and whether the filter for
 * port 40000 must keep it under AF_UNSPEC, AF_INET and AF_INET6.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <pcap.h>

#include "core/filter.h"
#include "../pktbuild.h"

#define PORT 40000

/* Compile filter_build(PORT, family) for dlt and run it on one packet. */
static bool keeps(int dlt, int family, const uint8_t *pkt, size_t len)
{
	char expr[512];
	struct bpf_program prog;
	struct pcap_pkthdr hdr;

	assert_int_equal(filter_build(PORT, family, expr, sizeof(expr)), 0);
	pcap_t *p = pcap_open_dead(dlt, 65535);
	assert_non_null(p);
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0)
		fail_msg("pcap_compile(\"%s\"): %s", expr, pcap_geterr(p));
	memset(&hdr, 0, sizeof(hdr));
	hdr.caplen = hdr.len = (bpf_u_int32)len;
	int r = pcap_offline_filter(&prog, &hdr, pkt);
	pcap_freecode(&prog);
	pcap_close(p);
	return r != 0;
}

enum { V4 = 1, V6 = 2, ANY = 4 }; /* which filters keep the packet */

struct fcase {
	const char *name;
	struct pkt_spec spec;
	unsigned kept_by; /* V4 | V6 | ANY */
};

static void run_case(const struct fcase *c)
{
	static const struct {
		enum pkt_link link;
		int dlt;
	} links[] = { { PKT_LINK_ETH, DLT_EN10MB }, { PKT_LINK_RAW, DLT_RAW } };

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		struct pkt_spec s = c->spec;
		uint8_t buf[PKT_MAX];
		s.link = links[i].link;
		size_t n = pkt_build(&s, buf, sizeof(buf));
		assert_true(n > 0);
		bool any = keeps(links[i].dlt, AF_UNSPEC, buf, n);
		bool v4 = keeps(links[i].dlt, AF_INET, buf, n);
		bool v6 = keeps(links[i].dlt, AF_INET6, buf, n);
		if (any != !!(c->kept_by & ANY) || v4 != !!(c->kept_by & V4) ||
		    v6 != !!(c->kept_by & V6))
			fail_msg("%s on dlt %d: kept by unspec %d inet %d inet6 %d", c->name,
				 links[i].dlt, any, v4, v6);
	}
}

/* Our SYNs, as sent and as quoted by ICMP errors. */
static void our_syns(struct pkt_spec *syn4, struct pkt_spec *syn6)
{
	pkt_defaults(syn4);
	syn4->src = "192.0.2.1";
	syn4->dst = "198.51.100.7";
	syn4->sport = PORT;
	syn4->dport = 443;
	syn4->flags = 0x02;
	pkt_defaults6(syn6);
	syn6->src = "2001:db8::1";
	syn6->dst = "2001:db8::7";
	syn6->sport = PORT;
	syn6->dport = 443;
	syn6->flags = 0x02;
}

static void test_tcp(void **state)
{
	struct fcase c;
	struct pkt_spec our_syn4, our_syn6;

	our_syns(&our_syn4, &our_syn6);
	c.name = "IPv4 SYN-ACK to our port";
	pkt_defaults(&c.spec); /* 192.0.2.10:80 -> 192.0.2.1:40000 */
	c.kept_by = ANY | V4;
	run_case(&c);

	c.name = "our IPv4 SYN from our port";
	c.spec = our_syn4;
	run_case(&c);

	c.name = "IPv4 SYN-ACK to another port";
	pkt_defaults(&c.spec);
	c.spec.dport = PORT + 1;
	c.kept_by = 0;
	run_case(&c);

	c.name = "IPv6 SYN-ACK to our port";
	pkt_defaults6(&c.spec);
	c.kept_by = ANY | V6;
	run_case(&c);

	c.name = "our IPv6 SYN";
	c.spec = our_syn6;
	run_case(&c);

	c.name = "IPv6 RST to another port";
	pkt_defaults6(&c.spec);
	c.spec.flags = 0x14;
	c.spec.dport = 22;
	c.kept_by = 0;
	run_case(&c);

	c.name = "UDP to our port number";
	pkt_defaults(&c.spec);
	c.spec.l4 = PKT_L4_UDP;
	c.kept_by = 0;
	run_case(&c);
}

static void test_icmp4(void **state)
{
	struct fcase c;
	struct pkt_spec our_syn4, our_syn6;

	our_syns(&our_syn4, &our_syn6);
	pkt_defaults(&c.spec);
	c.spec.src = "203.0.113.1";
	c.spec.dst = "192.0.2.1";
	c.spec.l4 = PKT_L4_ICMP;
	c.spec.quote = &our_syn4;
	c.spec.quote_l4 = 8;

	c.name = "ICMP port unreachable";
	c.spec.icmp_type = 3;
	c.spec.icmp_code = 3;
	c.kept_by = ANY | V4;
	run_case(&c);

	c.name = "ICMP time exceeded";
	c.spec.icmp_type = 11;
	c.spec.icmp_code = 0;
	run_case(&c);

	c.name = "ICMP echo reply";
	c.spec.icmp_type = 0;
	c.spec.quote = NULL;
	c.spec.payload = (const uint8_t *)"ping";
	c.spec.payload_len = 4;
	c.kept_by = 0;
	run_case(&c);

	c.name = "ICMP redirect";
	c.spec.icmp_type = 5;
	c.spec.quote = &our_syn4;
	run_case(&c);
}

static void test_icmp6(void **state)
{
	static const uint8_t target[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct fcase c;
	struct pkt_spec our_syn4, our_syn6;

	our_syns(&our_syn4, &our_syn6);
	pkt_defaults6(&c.spec);
	c.spec.src = "2001:db8::fe";
	c.spec.dst = "2001:db8::1";
	c.spec.l4 = PKT_L4_ICMP;
	c.spec.quote = &our_syn6;

	c.name = "ICMPv6 destination unreachable";
	c.spec.icmp_type = 1;
	c.spec.icmp_code = 1;
	c.kept_by = ANY | V6;
	run_case(&c);

	c.name = "ICMPv6 time exceeded";
	c.spec.icmp_type = 3;
	c.spec.icmp_code = 0;
	run_case(&c);

	c.name = "ICMPv6 neighbour solicitation";
	c.spec.icmp_type = 135;
	c.spec.quote = NULL;
	c.spec.payload = target;
	c.spec.payload_len = sizeof(target);
	c.kept_by = 0;
	run_case(&c);

	c.name = "ICMPv6 echo reply";
	c.spec.icmp_type = 129;
	run_case(&c);

	/* a UDP datagram whose byte 40 happens to be 1 is not ICMPv6 */
	c.name = "IPv6 UDP with 1 at offset 40";
	pkt_defaults6(&c.spec);
	c.spec.l4 = PKT_L4_UDP;
	c.spec.sport = 0x0100;
	c.spec.dport = 53;
	run_case(&c);
}

static void test_expression(void **state)
{
	char buf[512];

	assert_int_equal(filter_build(443, AF_UNSPEC, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "tcp port 443 or (icmp and (icmp[0] == 3 or icmp[0] == 11)) or "
				 "(ip6 and ip6[6] == 58 and (ip6[40] == 1 or ip6[40] == 3))");
	assert_int_equal(filter_build(1, AF_INET, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "(ip and tcp port 1) or (icmp and (icmp[0] == 3 or icmp[0] == 11))");
	assert_int_equal(filter_build(65535, AF_INET6, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "(ip6 and tcp port 65535) or "
				 "(ip6 and ip6[6] == 58 and (ip6[40] == 1 or ip6[40] == 3))");
}

/* A run's block of source ports: both ends kept, neighbours outside not. */
static void test_range(void **state)
{
	(void)state;
	char expr[512];
	uint8_t pkt[PKT_MAX];
	struct pkt_spec sp;
	struct bpf_program prog;
	struct pcap_pkthdr hdr;
	const uint16_t ports[] = {39999, 40000, 40100, 40255, 40256};
	const int kept[] = {0, 1, 1, 1, 0};

	assert_int_equal(filter_build_range(40000, 40255, AF_UNSPEC, expr, sizeof(expr)), 0);
	assert_non_null(strstr(expr, "portrange 40000-40255"));
	assert_int_equal(filter_build_range(5, 4, AF_UNSPEC, expr, sizeof(expr)), -1);
	assert_int_equal(filter_build_range(7, 7, AF_INET, expr, sizeof(expr)), 0);
	char single[512];
	assert_int_equal(filter_build(7, AF_INET, single, sizeof(single)), 0);
	assert_string_equal(expr, single);

	assert_int_equal(filter_build_range(40000, 40255, AF_UNSPEC, expr, sizeof(expr)), 0);
	pcap_t *p = pcap_open_dead(DLT_RAW, 65535);
	assert_non_null(p);
	assert_int_equal(pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN), 0);
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		pkt_defaults(&sp);
		sp.dport = ports[i];
		sp.sport = 80;
		size_t n = pkt_build(&sp, pkt, sizeof(pkt));
		assert_true(n > 0);
		memset(&hdr, 0, sizeof(hdr));
		hdr.caplen = hdr.len = (bpf_u_int32)n;
		assert_int_equal(pcap_offline_filter(&prog, &hdr, pkt) != 0, kept[i]);
	}
	pcap_freecode(&prog);
	pcap_close(p);
}

static void test_buffer_size(void **state)
{
	char buf[512];
	char small[16];

	assert_int_equal(filter_build(PORT, AF_INET, buf, sizeof(buf)), 0);
	size_t need = strlen(buf) + 1;
	/* exactly enough, and one byte short */
	assert_int_equal(filter_build(PORT, AF_INET, buf, need), 0);
	assert_int_equal(strlen(buf), need - 1);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(filter_build(PORT, AF_INET, buf, need - 1), -1);
	assert_string_equal(buf, ""); /* never a truncated expression */
	assert_int_equal(filter_build(PORT, AF_UNSPEC, small, sizeof(small)), -1);
	assert_int_equal(filter_build(PORT, AF_UNSPEC, buf, 0), -1);
	assert_int_equal(filter_build(PORT, AF_UNSPEC, NULL, 10), -1);
	assert_int_equal(filter_build(PORT, 12345, buf, sizeof(buf)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_icmp4),
		cmocka_unit_test(test_icmp6),
		cmocka_unit_test(test_expression),
		cmocka_unit_test(test_buffer_size),
		cmocka_unit_test(test_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
