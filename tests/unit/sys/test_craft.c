/*
 * Unit tests for craft_build: what libnet builds for us, decoded by
 * segment.c and checked field by field, checksums included. No privileges:
 * the builder opens no socket.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "sys/craft.h"
#include "core/segment.h"
#include "core/tcpopt.h"

static void syn_spec(struct tx_segment *s, const char *src, const char *dst)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(netaddr_parse(src, &s->src), 0);
	assert_int_equal(netaddr_parse(dst, &s->dst), 0);
	s->sport = 40001;
	s->dport = 443;
	s->seq = 0xdeadbeef;
	s->flags = TCPF_SYN;
	s->win = 64240;
	s->ttl = 61;
	struct syn_options so = {.mss = true, .sack = true, .ts = true, .wscale = true, .wscale_value = 7};
	s->optlen = (uint8_t)tcpopt_build(&so, 1460, 0x11223344, s->opt);
}

static void check_syn(const struct segment *g, const struct tx_segment *s)
{
	assert_int_equal(g->kind, SEGMENT_KIND_TCP);
	assert_true(netaddr_eq(&g->src, &s->src));
	assert_true(netaddr_eq(&g->dst, &s->dst));
	assert_int_equal(g->ttl, 61);
	assert_int_equal(g->sport, 40001);
	assert_int_equal(g->dport, 443);
	assert_int_equal(g->seq, 0xdeadbeef);
	assert_int_equal(g->ack, 0);
	assert_int_equal(g->flags, TCPF_SYN);
	assert_int_equal(g->win, 64240);
	assert_int_equal(g->tcp_csum, CSUM_OK);
	assert_true(g->ip_csum_ok);
	assert_true(g->opt.mss_present);
	assert_int_equal(g->opt.mss, 1460);
	assert_true(g->opt.sack_permitted);
	assert_true(g->opt.ts_present);
	assert_int_equal(g->opt.tsval, 0x11223344);
	assert_true(g->opt.wscale_present);
	assert_int_equal(g->opt.wscale, 7);
	assert_false(g->opt.malformed);
	assert_int_equal(g->payload_len, 0);
}

/* Build a SYN between src and dst and read every field back. */
static void build_and_check(const char *src, const char *dst, size_t want_len)
{
	char err[256];
	struct craft *c = craft_new_builder(err, sizeof(err));
	assert_non_null(c);
	struct tx_segment s;
	syn_spec(&s, src, dst);
	uint8_t buf[256];
	size_t n = craft_build(c, &s, buf, sizeof(buf));
	assert_int_equal(n, want_len);
	struct segment g;
	enum segment_reason why;
	assert_int_equal(segment_decode_ip(buf, n, &g, &why), SEGMENT_OK);
	check_syn(&g, &s);
	if (s.dst.family == AF_INET)
		assert_true(g.df);
	craft_close(c);
}

static void test_ipv4_syn(void **state)
{
	(void)state;
	build_and_check("192.0.2.1", "192.0.2.10", 20 + 20 + 20);
}

static void test_ipv6_syn(void **state)
{
	(void)state;
	build_and_check("2001:db8::1", "2001:db8::10", 40 + 20 + 20);
}

static void test_rst_and_data(void **state)
{
	(void)state;
	char err[256];
	struct craft *c = craft_new_builder(err, sizeof(err));
	assert_non_null(c);
	struct tx_segment s;
	syn_spec(&s, "192.0.2.1", "192.0.2.10");
	s.flags = TCPF_RST;
	s.optlen = 0;
	s.seq = 5;
	uint8_t buf[256];
	struct segment g;
	enum segment_reason why;
	size_t n = craft_build(c, &s, buf, sizeof(buf));
	assert_int_equal(n, 40);
	assert_int_equal(segment_decode_ip(buf, n, &g, &why), SEGMENT_OK);
	assert_int_equal(g.flags, TCPF_RST);
	assert_int_equal(g.seq, 5);
	assert_int_equal(g.tcp_csum, CSUM_OK);

	/* A data segment (odd length: the checksum's padding byte matters). */
	static const uint8_t data[] = "GET / HTTP/1.0\r\n\r";
	s.flags = TCPF_PSH | TCPF_ACK;
	s.ack = 77;
	s.payload = data;
	s.payload_len = (uint16_t)(sizeof(data) - 1);
	n = craft_build(c, &s, buf, sizeof(buf));
	assert_int_equal(n, 40 + sizeof(data) - 1);
	assert_int_equal(segment_decode_ip(buf, n, &g, &why), SEGMENT_OK);
	assert_int_equal(g.payload_len, sizeof(data) - 1);
	assert_memory_equal(g.payload, data, sizeof(data) - 1);
	assert_int_equal(g.ack, 77);
	assert_int_equal(g.tcp_csum, CSUM_OK);
	/* Too small a buffer: nothing, not a cut packet. */
	assert_int_equal(craft_build(c, &s, buf, 20), 0);
	craft_close(c);
}

/* Conformance probes: reserved bits set with a checksum that still
 * verifies, and a checksum that is wrong on purpose (IPv4 and IPv6). */
static void test_reserved_and_bad_checksum(void **state)
{
	(void)state;
	char err[256];
	struct craft *c = craft_new_builder(err, sizeof(err));
	assert_non_null(c);
	const char *pairs[][2] = {{"192.0.2.1", "192.0.2.10"}, {"2001:db8::1", "2001:db8::10"}};
	for (size_t i = 0; i < 2; i++) {
		struct tx_segment s;
		struct segment g;
		enum segment_reason why;
		uint8_t buf[256];
		syn_spec(&s, pairs[i][0], pairs[i][1]);
		s.reserved = 0x0e;
		size_t n = craft_build(c, &s, buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(segment_decode_ip(buf, n, &g, &why), SEGMENT_OK);
		assert_int_equal(g.reserved, 0x0e);
		assert_int_equal(g.doff, 40); /* the data offset is untouched */
		assert_int_equal(g.tcp_csum, CSUM_OK);
		assert_true(g.opt.mss_present);

		s.reserved = 0;
		s.bad_csum = true;
		n = craft_build(c, &s, buf, sizeof(buf));
		assert_int_equal(segment_decode_ip(buf, n, &g, &why), SEGMENT_OK);
		assert_int_equal(g.tcp_csum, CSUM_BAD);
		assert_int_equal(g.reserved, 0);
		assert_int_equal(g.seq, 0xdeadbeef);
	}
	craft_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_syn),
		cmocka_unit_test(test_ipv6_syn),
		cmocka_unit_test(test_rst_and_data),
		cmocka_unit_test(test_reserved_and_bad_checksum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
