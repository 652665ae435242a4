/*
 * test_match: classification of decoded segments and the flow table.
 *
 * Segments come from pktbuild through segment_decode, the path the engine
 * uses, so a test here fails if decoder and matcher disagree on a field.
 * Local endpoint: 192.0.2.1 / 2001:db8::1, port 40000.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "core/match.h"
#include "../pktbuild.h"
#include "core/segment.h"

#define LPORT 40000

static struct netaddr addr(const char *text)
{
	struct netaddr a;
	assert_int_equal(netaddr_parse(text, &a), 0);
	return a;
}

static void decode(const struct pkt_spec *s, struct segment *seg)
{
	uint8_t buf[PKT_MAX];
	enum segment_reason why;
	size_t n = pkt_build(s, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(segment_decode(buf, n, SEGMENT_LINK_RAW, seg, &why), SEGMENT_OK);
	seg->payload = NULL; /* buf goes away */
}

static enum match_role classify(const struct pkt_spec *s, struct match_hit *hit)
{
	struct segment seg;
	struct netaddr l4 = addr("192.0.2.1"), l6 = addr("2001:db8::1");
	decode(s, &seg);
	return match_classify(&seg, &l4, &l6, LPORT, hit);
}

/* Remote endpoint as given; local side the address of its family. */
static void assert_remote(const struct match_hit *hit, const char *text, uint16_t port)
{
	struct netaddr want = addr(text);
	struct netaddr local = addr(want.family == AF_INET ? "192.0.2.1" : "2001:db8::1");
	char got[NETADDR_STRLEN];
	if (!netaddr_eq(&hit->remote, &want))
		fail_msg("remote %s, want %s", netaddr_str(&hit->remote, got, sizeof(got)), text);
	assert_int_equal(hit->rport, port);
	if (!netaddr_eq(&hit->local, &local))
		fail_msg("local %s", netaddr_str(&hit->local, got, sizeof(got)));
}

/* Our SYN as the capture sees it leaving: 192.0.2.1:40000 -> remote:443. */
static void our_syn(struct pkt_spec *s, int family)
{
	if (family == AF_INET) {
		pkt_defaults(s);
		s->src = "192.0.2.1";
		s->dst = "198.51.100.7";
	} else {
		pkt_defaults6(s);
		s->src = "2001:db8::1";
		s->dst = "2001:db8:1::7";
	}
	s->sport = LPORT;
	s->dport = 443;
	s->seq = 0x80000001;
	s->ack = 0;
	s->flags = TCPF_SYN;
}

/* The reply: remote:443 -> 192.0.2.1:40000. */
static void reply(struct pkt_spec *s, int family, uint8_t flags, uint32_t ack)
{
	our_syn(s, family);
	const char *t = s->src;
	s->src = s->dst;
	s->dst = t;
	s->sport = 443;
	s->dport = LPORT;
	s->seq = 777;
	s->ack = ack;
	s->flags = flags;
}

static void test_our_syn(void **state)
{
	struct pkt_spec s;
	struct match_hit hit;

	our_syn(&s, AF_INET);
	assert_int_equal(classify(&s, &hit), MATCH_OUR_SYN);
	assert_int_equal(hit.role, MATCH_OUR_SYN);
	assert_remote(&hit, "198.51.100.7", 443);
	assert_int_equal(hit.key, 0x80000001);

	our_syn(&s, AF_INET6);
	assert_int_equal(classify(&s, &hit), MATCH_OUR_SYN);
	assert_remote(&hit, "2001:db8:1::7", 443);
	assert_int_equal(hit.key, 0x80000001);

	/* our own ACK or RST is not a SYN of ours, nor a reply */
	our_syn(&s, AF_INET);
	s.flags = TCPF_ACK;
	assert_int_equal(classify(&s, &hit), MATCH_NONE);
	s.flags = TCPF_RST;
	assert_int_equal(classify(&s, &hit), MATCH_NONE);
	s.flags = TCPF_SYN | TCPF_ACK;
	assert_int_equal(classify(&s, &hit), MATCH_NONE);
	assert_int_equal(hit.role, MATCH_NONE);
	assert_int_equal(hit.rport, 0);
	assert_int_equal(hit.local.family, 0);
	assert_int_equal(hit.remote.family, 0);

	/* a SYN from another local port (someone else's connection) */
	our_syn(&s, AF_INET);
	s.sport = LPORT + 1;
	assert_int_equal(classify(&s, &hit), MATCH_NONE);
	/* from another local address */
	s.sport = LPORT;
	s.src = "192.0.2.2";
	assert_int_equal(classify(&s, &hit), MATCH_NONE);
}

static void test_reply(void **state)
{
	struct pkt_spec s;
	struct match_hit hit;

	reply(&s, AF_INET, TCPF_SYN | TCPF_ACK, 0x80000002);
	assert_int_equal(classify(&s, &hit), MATCH_REPLY);
	assert_remote(&hit, "198.51.100.7", 443);
	assert_int_equal(hit.key, 0x80000001);

	reply(&s, AF_INET, TCPF_RST | TCPF_ACK, 0x80000002);
	assert_int_equal(classify(&s, &hit), MATCH_REPLY);
	assert_int_equal(hit.key, 0x80000001);

	/* ack 0 wraps to the top of sequence space */
	reply(&s, AF_INET6, TCPF_RST | TCPF_ACK, 0);
	assert_int_equal(classify(&s, &hit), MATCH_REPLY);
	assert_remote(&hit, "2001:db8:1::7", 443);
	assert_int_equal(hit.key, 0xffffffffu);

	/* a bare SYN to our port (simultaneous open, scanner) is still a reply */
	reply(&s, AF_INET6, TCPF_SYN, 0);
	assert_int_equal(classify(&s, &hit), MATCH_REPLY);

	/* to another of our ports, or to another host */
	reply(&s, AF_INET, TCPF_SYN | TCPF_ACK, 5);
	s.dport = 40001;
	assert_int_equal(classify(&s, &hit), MATCH_NONE);
	s.dport = LPORT;
	s.dst = "192.0.2.99";
	assert_int_equal(classify(&s, &hit), MATCH_NONE);
}

/* On loopback our SYN to ourselves is both from and to us: it is our SYN;
 * the SYN-ACK coming back is the reply. */
static void test_loopback(void **state)
{
	struct pkt_spec s;
	struct segment seg;
	struct match_hit hit;
	struct netaddr lo = addr("127.0.0.1");

	pkt_defaults(&s);
	s.src = s.dst = "127.0.0.1";
	s.sport = LPORT;
	s.dport = LPORT;
	s.flags = TCPF_SYN;
	s.seq = 42;
	decode(&s, &seg);
	assert_int_equal(match_classify(&seg, &lo, NULL, LPORT, &hit), MATCH_OUR_SYN);
	assert_int_equal(hit.key, 42);
	s.flags = TCPF_SYN | TCPF_ACK;
	s.ack = 43;
	decode(&s, &seg);
	assert_int_equal(match_classify(&seg, &lo, NULL, LPORT, &hit), MATCH_REPLY);
	assert_int_equal(hit.key, 42);
}

static void test_unset_local(void **state)
{
	struct pkt_spec s;
	struct segment seg;
	struct match_hit hit;
	struct netaddr l4 = addr("192.0.2.1"), l6 = addr("2001:db8::1"), unset;

	memset(&unset, 0, sizeof(unset));
	reply(&s, AF_INET6, TCPF_SYN | TCPF_ACK, 1);
	decode(&s, &seg);
	assert_int_equal(match_classify(&seg, &l4, &l6, LPORT, &hit), MATCH_REPLY);
	assert_int_equal(match_classify(&seg, &l4, &unset, LPORT, &hit), MATCH_NONE);
	assert_int_equal(match_classify(&seg, &l4, NULL, LPORT, &hit), MATCH_NONE);
	/* an IPv6 local passed as local4 does not make IPv6 ours */
	assert_int_equal(match_classify(&seg, &l6, &unset, LPORT, &hit), MATCH_NONE);

	reply(&s, AF_INET, TCPF_SYN | TCPF_ACK, 1);
	decode(&s, &seg);
	assert_int_equal(match_classify(&seg, &unset, &l6, LPORT, &hit), MATCH_NONE);
	assert_int_equal(match_classify(&seg, NULL, &l6, LPORT, &hit), MATCH_NONE);
	assert_int_equal(match_classify(&seg, &l4, NULL, LPORT, &hit), MATCH_REPLY);
}

static void test_icmp(void **state)
{
	struct pkt_spec syn, s;
	struct match_hit hit;

	our_syn(&syn, AF_INET);
	syn.seq = 0x12345678;
	pkt_defaults(&s);
	s.src = "203.0.113.1";
	s.dst = "192.0.2.1";
	s.l4 = PKT_L4_ICMP;
	s.icmp_type = 3;
	s.icmp_code = 13;
	s.quote = &syn;
	s.quote_l4 = 8;
	assert_int_equal(classify(&s, &hit), MATCH_ICMP);
	assert_remote(&hit, "198.51.100.7", 443);
	assert_int_equal(hit.key, 0x12345678);

	/* quoting a segment from another port of ours, or another host */
	syn.sport = 12345;
	assert_int_equal(classify(&s, &hit), MATCH_NONE);
	syn.sport = LPORT;
	syn.src = "192.0.2.5";
	assert_int_equal(classify(&s, &hit), MATCH_NONE);
	/* quoting a segment *to* us (someone's error about a reply) */
	syn.src = "198.51.100.7";
	syn.dst = "192.0.2.1";
	syn.sport = 443;
	syn.dport = LPORT;
	assert_int_equal(classify(&s, &hit), MATCH_NONE);

	struct pkt_spec syn6, s6;
	our_syn(&syn6, AF_INET6);
	syn6.seq = 99;
	pkt_defaults6(&s6);
	s6.src = "2001:db8::fe";
	s6.dst = "2001:db8::1";
	s6.l4 = PKT_L4_ICMP;
	s6.icmp_type = 3;
	s6.quote = &syn6;
	assert_int_equal(classify(&s6, &hit), MATCH_ICMP);
	assert_remote(&hit, "2001:db8:1::7", 443);
	assert_int_equal(hit.key, 99);

	/* an IPv6 quote with only local4 known */
	struct segment seg;
	struct netaddr l4 = addr("192.0.2.1");
	decode(&s6, &seg);
	assert_int_equal(match_classify(&seg, &l4, NULL, LPORT, &hit), MATCH_NONE);
}

/* --- the table ---------------------------------------------------------------- */

static struct netaddr nth_addr(int i)
{
	char text[64];
	if (i % 2 == 0)
		snprintf(text, sizeof(text), "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	else
		snprintf(text, sizeof(text), "2001:db8::%x:%x", (unsigned)(i >> 16), (unsigned)(i & 0xffff));
	return addr(text);
}

static void test_table_basic(void **state)
{
	struct match_table t;
	struct netaddr a = addr("198.51.100.7"), b = addr("198.51.100.8");
	struct netaddr a6 = addr("c633:6407::"); /* same first 4 bytes as a */

	assert_int_equal(match_table_init(&t, 4), 0);
	assert_int_equal(match_table_find(&t, &a, 443), -1);
	assert_int_equal(match_table_add(&t, &a, 443, 0), 0);
	assert_int_equal(match_table_add(&t, &a, 80, 1), 0);
	assert_int_equal(match_table_add(&t, &b, 443, 2), 0);
	assert_int_equal(match_table_add(&t, &a6, 443, 3), 0);
	assert_int_equal(match_table_find(&t, &a, 443), 0);
	assert_int_equal(match_table_find(&t, &a, 80), 1);
	assert_int_equal(match_table_find(&t, &b, 443), 2);
	assert_int_equal(match_table_find(&t, &a6, 443), 3);
	assert_int_equal(match_table_find(&t, &b, 80), -1);
	assert_int_equal(t.n, 4);

	/* a duplicate keeps the first flow */
	assert_int_equal(match_table_add(&t, &a, 443, 9), 0);
	assert_int_equal(match_table_find(&t, &a, 443), 0);
	assert_int_equal(t.n, 4);

	/* lookups ignore bytes past the family's length */
	struct netaddr dirty = a;
	dirty.b[9] = 0x5a;
	assert_int_equal(match_table_find(&t, &dirty, 443), 0);

	match_table_free(&t);
	assert_null(t.slot);
	assert_int_equal(match_table_find(&t, &a, 443), -1);
	match_table_free(&t); /* twice is harmless */
}

static void test_table_grows(void **state)
{
	struct match_table t;
	const int n = 5000;

	/* expected far below what is added: the table must grow */
	assert_int_equal(match_table_init(&t, 1), 0);
	size_t cap0 = t.cap;
	assert_true(cap0 >= 2);
	assert_int_equal(cap0 & (cap0 - 1), 0);
	for (int i = 0; i < n; i++) {
		struct netaddr a = nth_addr(i);
		assert_int_equal(match_table_add(&t, &a, (uint16_t)(1 + i % 7), (size_t)i), 0);
	}
	assert_int_equal(t.n, (size_t)n);
	assert_true(t.cap > cap0);
	assert_int_equal(t.cap & (t.cap - 1), 0);
	assert_true(t.cap >= 2 * t.n); /* at most half full */
	for (int i = 0; i < n; i++) {
		struct netaddr a = nth_addr(i);
		assert_int_equal(match_table_find(&t, &a, (uint16_t)(1 + i % 7)), i);
		assert_int_equal(match_table_find(&t, &a, (uint16_t)(1 + (i + 1) % 7)), -1);
	}
	struct netaddr none = addr("203.0.113.200");
	assert_int_equal(match_table_find(&t, &none, 1), -1);
	match_table_free(&t);
}

/* One host, every port: only the port separates the keys. */
static void test_table_ports(void **state)
{
	struct match_table t;
	struct netaddr a = addr("2001:db8::443");

	assert_int_equal(match_table_init(&t, 65536), 0);
	for (unsigned p = 1; p <= 65535; p += 3)
		assert_int_equal(match_table_add(&t, &a, (uint16_t)p, p * 2), 0);
	for (unsigned p = 1; p <= 65535; p++)
		assert_int_equal(match_table_find(&t, &a, (uint16_t)p),
				 (p - 1) % 3 == 0 ? (long)(p * 2) : -1);
	match_table_free(&t);
}

/* A zeroed table that was never initialised still works. */
static void test_table_zeroed(void **state)
{
	struct match_table t;
	struct netaddr a = addr("192.0.2.9");

	memset(&t, 0, sizeof(t));
	assert_int_equal(match_table_find(&t, &a, 1), -1);
	assert_int_equal(match_table_add(&t, &a, 1, 7), 0);
	assert_int_equal(match_table_find(&t, &a, 1), 7);
	match_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_our_syn),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_unset_local),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_table_basic),
		cmocka_unit_test(test_table_grows),
		cmocka_unit_test(test_table_ports),
		cmocka_unit_test(test_table_zeroed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
