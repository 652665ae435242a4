/*
 * test_output: every format, byte for byte.
 *
 * Users' scripts, monitoring checks and the integration tests parse these
 * lines, so each case writes a realistic run (open, closed, filtered, ICMP,
 * IPv6, quiet, user-space timestamps, thresholds at their edges) into memory
 * with open_memstream and compares the whole output with a golden string: a
 * change of one byte in any format fails here first. Summaries are built by
 * hand (not through stats.c) so these tests pin formatting only. The last
 * section pins what -D and --color add, and that without them nothing
 * changes.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "out/output.h"
#include "outmem.h"

#define FL_SA (TCPF_SYN | TCPF_ACK)
#define FL_RA (TCPF_RST | TCPF_ACK)

/* What a Linux server offers: MSS 1460, window scale 7, SACK, timestamps. */
static const struct tcp_options linux_opts = {
	.mss_present = true, .mss = 1460, .wscale_present = true, .wscale = 7,
	.sack_permitted = true, .ts_present = true, .tsval = 12345, .tsecr = 1,
};

/* A middlebox that answers with an MSS only. */
static const struct tcp_options mss_only = { .mss_present = true, .mss = 1400 };

static struct probe_event tcp_reply(const char *host, const char *addr, uint16_t port, uint32_t seq,
				    enum reply_kind reply, double rtt, uint16_t win)
{
	struct probe_event e;
	memset(&e, 0, sizeof(e));
	e.host = host;
	e.addr = A(addr);
	e.port = port;
	e.sport = 40000;
	e.seq = seq;
	e.reply = reply;
	e.state = reply == REPLY_SA ? PORT_OPEN : PORT_CLOSED;
	e.flags = reply == REPLY_SA ? FL_SA : reply == REPLY_RA ? FL_RA : TCPF_RST;
	e.answered = true;
	e.rtt_ms = rtt;
	e.ts_source = TS_KERNEL;
	e.ttl = 64;
	e.win = win;
	if (reply == REPLY_SA)
		e.opt = linux_opts;
	return e;
}

static struct probe_event no_reply(const char *host, const char *addr, uint16_t port, uint32_t seq)
{
	struct probe_event e;
	memset(&e, 0, sizeof(e));
	e.host = host;
	e.addr = A(addr);
	e.port = port;
	e.sport = 40000;
	e.seq = seq;
	e.state = PORT_FILTERED;
	e.reply = REPLY_NONE;
	return e;
}

static struct probe_event icmp_reply(const char *host, const char *addr, uint16_t port, uint32_t seq,
				     uint8_t type, uint8_t code, const char *from, uint8_t ttl, double rtt)
{
	struct probe_event e = no_reply(host, addr, port, seq);
	e.reply = REPLY_ICMP;
	e.answered = true;
	e.icmp_type = type;
	e.icmp_code = code;
	e.icmp_from = A(from);
	e.ttl = ttl;
	e.rtt_ms = rtt;
	return e;
}

static struct stats_summary rtt_of(size_t n, double min, double avg, double max, double mdev, double p50,
				   double p90, double p99)
{
	struct stats_summary r = { .n = n, .min = min, .avg = avg, .max = max, .mdev = mdev,
				   .p50 = p50, .p90 = p90, .p99 = p99 };
	return r;
}

/* --- scenarios shared by text and JSON ---------------------------------------- */

/* example.com 192.0.2.10:443, four probes: two SYN-ACKs, a loss, a SYN-ACK
 * with only an MSS and a user-space send timestamp; one duplicate. */
static void scenario_open(struct output *o)
{
	struct netaddr a = A("192.0.2.10");
	struct probe_event e;

	output_begin(o, "example.com", &a, 443);
	e = tcp_reply("example.com", "192.0.2.10", 443, 1, REPLY_SA, 0.213, 65160);
	e.ttl = 57;
	output_probe(o, &e);
	e = tcp_reply("example.com", "192.0.2.10", 443, 2, REPLY_SA, 0.2504, 65160);
	e.ttl = 57;
	output_probe(o, &e);
	e = no_reply("example.com", "192.0.2.10", 443, 3);
	output_probe(o, &e);
	e = tcp_reply("example.com", "192.0.2.10", 443, 4, REPLY_SA, 1.5, 65160);
	e.ttl = 57;
	e.opt = mss_only;
	e.ts_source = TS_USER;
	output_probe(o, &e);

	struct summary_event s = summary("example.com", "192.0.2.10", 443, 4, 3, PORT_OPEN);
	s.rtt = rtt_of(3, 0.213, 0.654467, 1.5, 0.597912, 0.2504, 1.5, 1.5);
	s.duplicates = 1;
	output_summary(o, &s);
}

/* 10.77.0.2:8081, closed: RST+ACK twice, then a bare RST; two replies had a
 * bad checksum and one came late. */
static void scenario_closed(struct output *o)
{
	struct netaddr a = A("10.77.0.2");
	struct probe_event e;

	output_begin(o, "10.77.0.2", &a, 8081);
	e = tcp_reply("10.77.0.2", "10.77.0.2", 8081, 1, REPLY_RA, 0.081, 0);
	output_probe(o, &e);
	e = tcp_reply("10.77.0.2", "10.77.0.2", 8081, 2, REPLY_RA, 0.095, 0);
	output_probe(o, &e);
	e = tcp_reply("10.77.0.2", "10.77.0.2", 8081, 3, REPLY_R, 0.1, 0);
	output_probe(o, &e);

	struct summary_event s = summary("10.77.0.2", "10.77.0.2", 8081, 3, 3, PORT_CLOSED);
	s.rtt = rtt_of(3, 0.081, 0.092, 0.1, 0.008042, 0.095, 0.1, 0.1);
	s.bad_checksum = 2;
	s.late = 1;
	output_summary(o, &s);
}

/* Two ports of fw.example interleaved: 22 silently dropped; 23 answered by
 * an ICMP admin-prohibited from the firewall, and once by an ICMP code this
 * tool has no name for. */
static void scenario_filtered(struct output *o)
{
	struct netaddr a = A("198.51.100.7");
	struct probe_event e;

	output_begin(o, "fw.example", &a, 22);
	output_begin(o, "fw.example", &a, 23);
	e = no_reply("fw.example", "198.51.100.7", 22, 1);
	output_probe(o, &e);
	e = icmp_reply("fw.example", "198.51.100.7", 23, 1, 3, 13, "198.51.100.1", 62, 0.402);
	output_probe(o, &e);
	e = no_reply("fw.example", "198.51.100.7", 22, 2);
	output_probe(o, &e);
	e = icmp_reply("fw.example", "198.51.100.7", 23, 2, 3, 7, "198.51.100.1", 62, 0.398);
	e.ts_source = TS_USER;
	output_probe(o, &e);

	struct summary_event s = summary("fw.example", "198.51.100.7", 22, 2, 0, PORT_FILTERED);
	output_summary(o, &s);
	s = summary("fw.example", "198.51.100.7", 23, 3, 2, PORT_FILTERED);
	s.rtt = rtt_of(2, 0.398, 0.4, 0.402, 0.002, 0.398, 0.402, 0.402);
	output_summary(o, &s);
}

/* IPv6: an open port, and a port an ICMPv6 admin-prohibited filters. */
static void scenario_v6(struct output *o)
{
	struct netaddr a = A("2001:db8::1");
	struct probe_event e;

	output_begin(o, "v6.example", &a, 8080);
	e = tcp_reply("v6.example", "2001:db8::1", 8080, 1, REPLY_SA, 0.05, 64800);
	output_probe(o, &e);
	output_begin(o, "v6.example", &a, 9002);
	e = icmp_reply("v6.example", "2001:db8::1", 9002, 1, 1, 1, "2001:db8::fe", 64, 0.061);
	output_probe(o, &e);

	struct summary_event s = summary("v6.example", "2001:db8::1", 8080, 1, 1, PORT_OPEN);
	s.rtt = rtt_of(1, 0.05, 0.05, 0.05, 0, 0.05, 0.05, 0.05);
	output_summary(o, &s);
	s = summary("v6.example", "2001:db8::1", 9002, 1, 1, PORT_FILTERED);
	s.rtt = rtt_of(1, 0.061, 0.061, 0.061, 0, 0.061, 0.061, 0.061);
	output_summary(o, &s);
}

/* --- text ------------------------------------------------------------------------- */

/* A target with several ports: one header for all, not one per port; a
 * single-port target after it gets its own header again. */
static void test_text_multi_port_header(void **state)
{
	(void)state;
	struct output_config c = cfg_of(OUT_TEXT);
	struct mem m;
	struct output *o = start(&m, &c);
	struct netaddr a = A("10.77.0.2");
	output_begin_target(o, "srv", &a, 3);
	output_begin(o, "srv", &a, 80);
	output_begin(o, "srv", &a, 81);
	output_begin(o, "srv", &a, 82);
	output_begin_target(o, "one", &a, 1);
	output_begin(o, "one", &a, 443);
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "TCPSHAKE srv (10.77.0.2): 3 ports, SYN probes\n"
	      "TCPSHAKE one (10.77.0.2) port 443: SYN probes\n");
}

static void test_text_open(void **state)
{
	struct output_config c = cfg_of(OUT_TEXT);
	struct mem m;
	struct output *o = start(&m, &c);

	scenario_open(o);
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "TCPSHAKE example.com (192.0.2.10) port 443: SYN probes\n"
	      "open 192.0.2.10:443 seq=1 flags=SA ttl=57 win=65160 rtt=0.213 ms mss=1460 ws=7 sack ts\n"
	      "open 192.0.2.10:443 seq=2 flags=SA ttl=57 win=65160 rtt=0.250 ms mss=1460 ws=7 sack ts\n"
	      "filtered 192.0.2.10:443 seq=3 no reply\n"
	      "open 192.0.2.10:443 seq=4 flags=SA ttl=57 win=65160 rtt=1.500 ms mss=1400 (user-space timestamp)\n"
	      "\n"
	      "--- example.com port 443 tcpshake statistics ---\n"
	      "4 probes sent, 3 answered, 25.0% loss, port open, 1 duplicate(s)\n"
	      "rtt min/avg/max/mdev = 0.213/0.654/1.500/0.598 ms\n"
	      "rtt p50/p90/p99 = 0.250/1.500/1.500 ms\n");
}

static void test_text_closed(void **state)
{
	struct output_config c = cfg_of(OUT_TEXT);
	struct mem m;
	struct output *o = start(&m, &c);

	scenario_closed(o);
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "TCPSHAKE 10.77.0.2 (10.77.0.2) port 8081: SYN probes\n"
	      "closed 10.77.0.2:8081 seq=1 flags=RA ttl=64 win=0 rtt=0.081 ms\n"
	      "closed 10.77.0.2:8081 seq=2 flags=RA ttl=64 win=0 rtt=0.095 ms\n"
	      "closed 10.77.0.2:8081 seq=3 flags=R ttl=64 win=0 rtt=0.100 ms\n"
	      "\n"
	      "--- 10.77.0.2 port 8081 tcpshake statistics ---\n"
	      "3 probes sent, 3 answered, 0.0% loss, port closed, 2 bad checksum(s), 1 late\n"
	      "rtt min/avg/max/mdev = 0.081/0.092/0.100/0.008 ms\n"
	      "rtt p50/p90/p99 = 0.095/0.100/0.100 ms\n");
}

static void test_text_filtered_icmp(void **state)
{
	struct output_config c = cfg_of(OUT_TEXT);
	struct mem m;
	struct output *o = start(&m, &c);

	scenario_filtered(o);
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "TCPSHAKE fw.example (198.51.100.7) port 22: SYN probes\n"
	      "TCPSHAKE fw.example (198.51.100.7) port 23: SYN probes\n"
	      "filtered 198.51.100.7:22 seq=1 no reply\n"
	      "filtered 198.51.100.7:23 seq=1 icmp=admin-prohibited from 198.51.100.1 ttl=62 rtt=0.402 ms\n"
	      "filtered 198.51.100.7:22 seq=2 no reply\n"
	      "filtered 198.51.100.7:23 seq=2 icmp=type-3-code-7 from 198.51.100.1 ttl=62 rtt=0.398 ms (user-space timestamp)\n"
	      "\n"
	      "--- fw.example port 22 tcpshake statistics ---\n"
	      "2 probes sent, 0 answered, 100.0% loss, port filtered\n"
	      "\n"
	      "--- fw.example port 23 tcpshake statistics ---\n"
	      "3 probes sent, 2 answered, 33.3% loss, port filtered\n"
	      "rtt min/avg/max/mdev = 0.398/0.400/0.402/0.002 ms\n"
	      "rtt p50/p90/p99 = 0.398/0.402/0.402 ms\n");
}

static void test_text_ipv6(void **state)
{
	struct output_config c = cfg_of(OUT_TEXT);
	struct mem m;
	struct output *o = start(&m, &c);

	scenario_v6(o);
	finish(&m, o);
	check(&m,
	      "TCPSHAKE v6.example (2001:db8::1) port 8080: SYN probes\n"
	      "open [2001:db8::1]:8080 seq=1 flags=SA ttl=64 win=64800 rtt=0.050 ms mss=1460 ws=7 sack ts\n"
	      "TCPSHAKE v6.example (2001:db8::1) port 9002: SYN probes\n"
	      "filtered [2001:db8::1]:9002 seq=1 icmp=admin-prohibited from 2001:db8::fe ttl=64 rtt=0.061 ms\n"
	      "\n"
	      "--- v6.example port 8080 tcpshake statistics ---\n"
	      "1 probes sent, 1 answered, 0.0% loss, port open\n"
	      "rtt min/avg/max/mdev = 0.050/0.050/0.050/0.000 ms\n"
	      "rtt p50/p90/p99 = 0.050/0.050/0.050 ms\n"
	      "\n"
	      "--- v6.example port 9002 tcpshake statistics ---\n"
	      "1 probes sent, 1 answered, 0.0% loss, port filtered\n"
	      "rtt min/avg/max/mdev = 0.061/0.061/0.061/0.000 ms\n"
	      "rtt p50/p90/p99 = 0.061/0.061/0.061 ms\n");
}

static void test_text_quiet(void **state)
{
	struct output_config c = cfg_of(OUT_TEXT);
	struct mem m;

	c.quiet = true;
	struct output *o = start(&m, &c);
	scenario_closed(o);
	scenario_filtered(o);
	output_error(o, "text prints no errors: main does, on stderr");
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "--- 10.77.0.2 port 8081 tcpshake statistics ---\n"
	      "3 probes sent, 3 answered, 0.0% loss, port closed, 2 bad checksum(s), 1 late\n"
	      "rtt min/avg/max/mdev = 0.081/0.092/0.100/0.008 ms\n"
	      "rtt p50/p90/p99 = 0.095/0.100/0.100 ms\n"
	      "--- fw.example port 22 tcpshake statistics ---\n"
	      "2 probes sent, 0 answered, 100.0% loss, port filtered\n"
	      "--- fw.example port 23 tcpshake statistics ---\n"
	      "3 probes sent, 2 answered, 33.3% loss, port filtered\n"
	      "rtt min/avg/max/mdev = 0.398/0.400/0.402/0.002 ms\n"
	      "rtt p50/p90/p99 = 0.398/0.402/0.402 ms\n");
}

static void test_text_flushes_each_line(void **state)
{
	/* A memstream's buffer is only updated on fflush: seeing the line
	 * without calling fflush here proves the formatter flushed. */
	struct output_config c = cfg_of(OUT_TEXT);
	struct mem m;
	struct output *o = start(&m, &c);
	struct probe_event e = no_reply("h", "192.0.2.1", 80, 1);

	output_probe(o, &e);
	assert_non_null(m.buf);
	assert_string_equal(m.buf, "filtered 192.0.2.1:80 seq=1 no reply\n");
	finish(&m, o);
	free(m.buf);
}

/* --- JSON --------------------------------------------------------------------------- */

static void test_json_open(void **state)
{
	struct output_config c = cfg_of(OUT_JSON);
	struct mem m;
	struct output *o = start(&m, &c);

	scenario_open(o);
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "{\"type\":\"probe\",\"host\":\"example.com\",\"addr\":\"192.0.2.10\",\"port\":443,\"seq\":1,"
	      "\"state\":\"open\",\"reply\":\"SA\",\"rtt_ms\":0.213000,\"ttl\":57,\"win\":65160,\"mss\":1460,"
	      "\"wscale\":7,\"sack\":true,\"ts\":true,\"flags\":\"SA\",\"sport\":40000,\"ts_source\":\"kernel\"}\n"
	      "{\"type\":\"probe\",\"host\":\"example.com\",\"addr\":\"192.0.2.10\",\"port\":443,\"seq\":2,"
	      "\"state\":\"open\",\"reply\":\"SA\",\"rtt_ms\":0.250400,\"ttl\":57,\"win\":65160,\"mss\":1460,"
	      "\"wscale\":7,\"sack\":true,\"ts\":true,\"flags\":\"SA\",\"sport\":40000,\"ts_source\":\"kernel\"}\n"
	      "{\"type\":\"probe\",\"host\":\"example.com\",\"addr\":\"192.0.2.10\",\"port\":443,\"seq\":3,"
	      "\"state\":\"filtered\",\"reply\":\"none\",\"rtt_ms\":null,\"ttl\":null,\"win\":null,\"mss\":null,"
	      "\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":null,\"sport\":40000,\"ts_source\":null}\n"
	      "{\"type\":\"probe\",\"host\":\"example.com\",\"addr\":\"192.0.2.10\",\"port\":443,\"seq\":4,"
	      "\"state\":\"open\",\"reply\":\"SA\",\"rtt_ms\":1.500000,\"ttl\":57,\"win\":65160,\"mss\":1400,"
	      "\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":\"SA\",\"sport\":40000,\"ts_source\":\"user\"}\n"
	      "{\"type\":\"summary\",\"host\":\"example.com\",\"addr\":\"192.0.2.10\",\"port\":443,\"sent\":4,"
	      "\"received\":3,\"loss_pct\":25.0,\"state\":\"open\",\"rtt_min_ms\":0.213000,\"rtt_avg_ms\":0.654467,"
	      "\"rtt_max_ms\":1.500000,\"rtt_mdev_ms\":0.597912,\"rtt_p50_ms\":0.250400,\"rtt_p90_ms\":1.500000,"
	      "\"rtt_p99_ms\":1.500000,\"duplicates\":1,\"bad_checksum\":0,\"late\":0}\n");
}

static void test_json_closed(void **state)
{
	struct output_config c = cfg_of(OUT_JSON);
	struct mem m;
	struct output *o = start(&m, &c);

	scenario_closed(o);
	finish(&m, o);
	check(&m,
	      "{\"type\":\"probe\",\"host\":\"10.77.0.2\",\"addr\":\"10.77.0.2\",\"port\":8081,\"seq\":1,"
	      "\"state\":\"closed\",\"reply\":\"RA\",\"rtt_ms\":0.081000,\"ttl\":64,\"win\":0,\"mss\":null,"
	      "\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":\"RA\",\"sport\":40000,\"ts_source\":\"kernel\"}\n"
	      "{\"type\":\"probe\",\"host\":\"10.77.0.2\",\"addr\":\"10.77.0.2\",\"port\":8081,\"seq\":2,"
	      "\"state\":\"closed\",\"reply\":\"RA\",\"rtt_ms\":0.095000,\"ttl\":64,\"win\":0,\"mss\":null,"
	      "\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":\"RA\",\"sport\":40000,\"ts_source\":\"kernel\"}\n"
	      "{\"type\":\"probe\",\"host\":\"10.77.0.2\",\"addr\":\"10.77.0.2\",\"port\":8081,\"seq\":3,"
	      "\"state\":\"closed\",\"reply\":\"R\",\"rtt_ms\":0.100000,\"ttl\":64,\"win\":0,\"mss\":null,"
	      "\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":\"R\",\"sport\":40000,\"ts_source\":\"kernel\"}\n"
	      "{\"type\":\"summary\",\"host\":\"10.77.0.2\",\"addr\":\"10.77.0.2\",\"port\":8081,\"sent\":3,"
	      "\"received\":3,\"loss_pct\":0.0,\"state\":\"closed\",\"rtt_min_ms\":0.081000,\"rtt_avg_ms\":0.092000,"
	      "\"rtt_max_ms\":0.100000,\"rtt_mdev_ms\":0.008042,\"rtt_p50_ms\":0.095000,\"rtt_p90_ms\":0.100000,"
	      "\"rtt_p99_ms\":0.100000,\"duplicates\":0,\"bad_checksum\":2,\"late\":1}\n");
}

static void test_json_filtered_icmp(void **state)
{
	struct output_config c = cfg_of(OUT_JSON);
	struct mem m;
	struct output *o = start(&m, &c);

	scenario_filtered(o);
	finish(&m, o);
	check(&m,
	      "{\"type\":\"probe\",\"host\":\"fw.example\",\"addr\":\"198.51.100.7\",\"port\":22,\"seq\":1,"
	      "\"state\":\"filtered\",\"reply\":\"none\",\"rtt_ms\":null,\"ttl\":null,\"win\":null,\"mss\":null,"
	      "\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":null,\"sport\":40000,\"ts_source\":null}\n"
	      "{\"type\":\"probe\",\"host\":\"fw.example\",\"addr\":\"198.51.100.7\",\"port\":23,\"seq\":1,"
	      "\"state\":\"filtered\",\"reply\":\"icmp:admin-prohibited\",\"rtt_ms\":0.402000,\"ttl\":62,"
	      "\"win\":null,\"mss\":null,\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":null,"
	      "\"sport\":40000,\"ts_source\":\"kernel\",\"icmp_from\":\"198.51.100.1\"}\n"
	      "{\"type\":\"probe\",\"host\":\"fw.example\",\"addr\":\"198.51.100.7\",\"port\":22,\"seq\":2,"
	      "\"state\":\"filtered\",\"reply\":\"none\",\"rtt_ms\":null,\"ttl\":null,\"win\":null,\"mss\":null,"
	      "\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":null,\"sport\":40000,\"ts_source\":null}\n"
	      "{\"type\":\"probe\",\"host\":\"fw.example\",\"addr\":\"198.51.100.7\",\"port\":23,\"seq\":2,"
	      "\"state\":\"filtered\",\"reply\":\"icmp:type-3-code-7\",\"rtt_ms\":0.398000,\"ttl\":62,"
	      "\"win\":null,\"mss\":null,\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":null,"
	      "\"sport\":40000,\"ts_source\":\"user\",\"icmp_from\":\"198.51.100.1\"}\n"
	      "{\"type\":\"summary\",\"host\":\"fw.example\",\"addr\":\"198.51.100.7\",\"port\":22,\"sent\":2,"
	      "\"received\":0,\"loss_pct\":100.0,\"state\":\"filtered\",\"rtt_min_ms\":null,\"rtt_avg_ms\":null,"
	      "\"rtt_max_ms\":null,\"rtt_mdev_ms\":null,\"rtt_p50_ms\":null,\"rtt_p90_ms\":null,"
	      "\"rtt_p99_ms\":null,\"duplicates\":0,\"bad_checksum\":0,\"late\":0}\n"
	      "{\"type\":\"summary\",\"host\":\"fw.example\",\"addr\":\"198.51.100.7\",\"port\":23,\"sent\":3,"
	      "\"received\":2,\"loss_pct\":33.3,\"state\":\"filtered\",\"rtt_min_ms\":0.398000,\"rtt_avg_ms\":0.400000,"
	      "\"rtt_max_ms\":0.402000,\"rtt_mdev_ms\":0.002000,\"rtt_p50_ms\":0.398000,\"rtt_p90_ms\":0.402000,"
	      "\"rtt_p99_ms\":0.402000,\"duplicates\":0,\"bad_checksum\":0,\"late\":0}\n");
}

static void test_json_ipv6(void **state)
{
	struct output_config c = cfg_of(OUT_JSON);
	struct mem m;
	struct output *o = start(&m, &c);

	scenario_v6(o);
	finish(&m, o);
	check(&m,
	      "{\"type\":\"probe\",\"host\":\"v6.example\",\"addr\":\"2001:db8::1\",\"port\":8080,\"seq\":1,"
	      "\"state\":\"open\",\"reply\":\"SA\",\"rtt_ms\":0.050000,\"ttl\":64,\"win\":64800,\"mss\":1460,"
	      "\"wscale\":7,\"sack\":true,\"ts\":true,\"flags\":\"SA\",\"sport\":40000,\"ts_source\":\"kernel\"}\n"
	      "{\"type\":\"probe\",\"host\":\"v6.example\",\"addr\":\"2001:db8::1\",\"port\":9002,\"seq\":1,"
	      "\"state\":\"filtered\",\"reply\":\"icmp:admin-prohibited\",\"rtt_ms\":0.061000,\"ttl\":64,"
	      "\"win\":null,\"mss\":null,\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":null,"
	      "\"sport\":40000,\"ts_source\":\"kernel\",\"icmp_from\":\"2001:db8::fe\"}\n"
	      "{\"type\":\"summary\",\"host\":\"v6.example\",\"addr\":\"2001:db8::1\",\"port\":8080,\"sent\":1,"
	      "\"received\":1,\"loss_pct\":0.0,\"state\":\"open\",\"rtt_min_ms\":0.050000,\"rtt_avg_ms\":0.050000,"
	      "\"rtt_max_ms\":0.050000,\"rtt_mdev_ms\":0.000000,\"rtt_p50_ms\":0.050000,\"rtt_p90_ms\":0.050000,"
	      "\"rtt_p99_ms\":0.050000,\"duplicates\":0,\"bad_checksum\":0,\"late\":0}\n"
	      "{\"type\":\"summary\",\"host\":\"v6.example\",\"addr\":\"2001:db8::1\",\"port\":9002,\"sent\":1,"
	      "\"received\":1,\"loss_pct\":0.0,\"state\":\"filtered\",\"rtt_min_ms\":0.061000,\"rtt_avg_ms\":0.061000,"
	      "\"rtt_max_ms\":0.061000,\"rtt_mdev_ms\":0.000000,\"rtt_p50_ms\":0.061000,\"rtt_p90_ms\":0.061000,"
	      "\"rtt_p99_ms\":0.061000,\"duplicates\":0,\"bad_checksum\":0,\"late\":0}\n");
}

static void test_json_escaped_host_and_error(void **state)
{
	/* A host with a quote, a backslash, control characters, DEL, valid
	 * UTF-8 (é) and a byte that is not UTF-8 (0xff). */
	static const char host[] = "we\"ird\\h\x01\t\n\x7f\xc3\xa9\xff";
	struct output_config c = cfg_of(OUT_JSON);
	struct mem m;
	struct output *o = start(&m, &c);
	struct probe_event e = no_reply(host, "192.0.2.1", 80, 1);

	output_probe(o, &e);
	output_error(o, "cannot send to \"192.0.2.1\": C:\\path\r\n");
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "{\"type\":\"probe\",\"host\":\"we\\\"ird\\\\h\\u0001\\u0009\\u000a\\u007f\xc3\xa9\\ufffd\","
	      "\"addr\":\"192.0.2.1\",\"port\":80,\"seq\":1,"
	      "\"state\":\"filtered\",\"reply\":\"none\",\"rtt_ms\":null,\"ttl\":null,\"win\":null,\"mss\":null,"
	      "\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":null,\"sport\":40000,\"ts_source\":null}\n"
	      "{\"type\":\"error\",\"message\":\"cannot send to \\\"192.0.2.1\\\": C:\\\\path\\u000d\\u000a\"}\n");
}

static void test_json_escape_function(void **state)
{
	char buf[64];

	output_json_escape("plain", buf, sizeof(buf));
	assert_string_equal(buf, "plain");
	output_json_escape("a\"b\\c\x1f", buf, sizeof(buf));
	assert_string_equal(buf, "a\\\"b\\\\c\\u001f");
	/* Overlong encoding of '/', a lone continuation byte, a surrogate
	 * (ED A0 80), a truncated 3-byte sequence; a 4-byte emoji is kept. */
	output_json_escape("\xc0\xaf|\x80|\xed\xa0\x80|\xe2\x82|\xf0\x9f\x98\x80", buf, sizeof(buf));
	assert_string_equal(buf, "\\ufffd\\ufffd|\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd|\xf0\x9f\x98\x80");
	/* Truncation stops between characters, never inside an escape. */
	output_json_escape("ab\"cd", buf, 7);
	assert_string_equal(buf, "ab\\\"cd");
	output_json_escape("ab\"cd", buf, 4);
	assert_string_equal(buf, "ab");
	output_json_escape("ab\"cd", buf, 5);
	assert_string_equal(buf, "ab\\\"");
	output_json_escape("\x01", buf, 6);
	assert_string_equal(buf, "");
	output_json_escape("abc", buf, 1);
	assert_string_equal(buf, "");
	output_json_escape("", buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_json_never_nan(void **state)
{
	struct output_config c = cfg_of(OUT_JSON);
	struct mem m;
	struct output *o = start(&m, &c);
	struct probe_event e = tcp_reply("h", "192.0.2.1", 80, 1, REPLY_RA, NAN, 0);
	struct summary_event s = summary("h", "192.0.2.1", 80, 1, 1, PORT_CLOSED);

	output_probe(o, &e);
	s.loss_pct = NAN;
	s.rtt = rtt_of(1, INFINITY, NAN, -INFINITY, NAN, NAN, NAN, NAN);
	output_summary(o, &s);
	finish(&m, o);
	check(&m,
	      "{\"type\":\"probe\",\"host\":\"h\",\"addr\":\"192.0.2.1\",\"port\":80,\"seq\":1,"
	      "\"state\":\"closed\",\"reply\":\"RA\",\"rtt_ms\":null,\"ttl\":64,\"win\":0,\"mss\":null,"
	      "\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":\"RA\",\"sport\":40000,\"ts_source\":\"kernel\"}\n"
	      "{\"type\":\"summary\",\"host\":\"h\",\"addr\":\"192.0.2.1\",\"port\":80,\"sent\":1,"
	      "\"received\":1,\"loss_pct\":null,\"state\":\"closed\",\"rtt_min_ms\":null,\"rtt_avg_ms\":null,"
	      "\"rtt_max_ms\":null,\"rtt_mdev_ms\":null,\"rtt_p50_ms\":null,\"rtt_p90_ms\":null,"
	      "\"rtt_p99_ms\":null,\"duplicates\":0,\"bad_checksum\":0,\"late\":0}\n");
}

static void test_json_flushes_each_line(void **state)
{
	struct output_config c = cfg_of(OUT_JSON);
	struct mem m;
	struct output *o = start(&m, &c);

	output_error(o, "x");
	assert_non_null(m.buf);
	assert_string_equal(m.buf, "{\"type\":\"error\",\"message\":\"x\"}\n");
	finish(&m, o);
	free(m.buf);
}

/* --- nagios ------------------------------------------------------------------------- */

/* --warning 50,10 --critical 200,50 */
static struct output_config nagios_cfg(void)
{
	struct output_config c = cfg_of(OUT_NAGIOS);
	c.warning = (struct threshold){ .set = true, .rtt_ms = 50, .loss_set = true, .loss_pct = 10 };
	c.critical = (struct threshold){ .set = true, .rtt_ms = 200, .loss_set = true, .loss_pct = 50 };
	return c;
}

/* One open port with the given average RTT and loss; returns the status. */
static int nagios_one(const struct output_config *c, double avg, double loss, struct mem *m)
{
	struct output *o = start(m, c);
	struct summary_event s = summary("example.com", "192.0.2.10", 443, 20, 20, PORT_OPEN);

	output_begin(o, s.host, &s.addr, s.port);
	struct probe_event e = tcp_reply("example.com", "192.0.2.10", 443, 1, REPLY_SA, avg, 65160);
	output_probe(o, &e);
	fflush(m->f);
	assert_true(m->buf == NULL || m->buf[0] == '\0'); /* nothing before the end */
	s.loss_pct = loss;
	s.rtt = rtt_of(20, avg, avg, avg, 0, avg, avg, avg);
	output_summary(o, &s);
	return finish(m, o);
}

static void test_nagios_thresholds(void **state)
{
	static const struct {
		double avg, loss;
		int status;
		const char *want;
	} rows[] = {
		{ 49.999, 0.0, 0,
		  "TCPSHAKE OK - 192.0.2.10:443 open, rtt 49.999 ms, loss 0.0% | "
		  "rtt=49.999ms;50;200;0; loss=0.0%;10;50;0;100\n" },
		{ 50.0, 0.0, 1,
		  "TCPSHAKE WARNING - 192.0.2.10:443 open, rtt 50.000 ms, loss 0.0% | "
		  "rtt=50.000ms;50;200;0; loss=0.0%;10;50;0;100\n" },
		{ 50.001, 0.0, 1,
		  "TCPSHAKE WARNING - 192.0.2.10:443 open, rtt 50.001 ms, loss 0.0% | "
		  "rtt=50.001ms;50;200;0; loss=0.0%;10;50;0;100\n" },
		{ 199.999, 0.0, 1,
		  "TCPSHAKE WARNING - 192.0.2.10:443 open, rtt 199.999 ms, loss 0.0% | "
		  "rtt=199.999ms;50;200;0; loss=0.0%;10;50;0;100\n" },
		{ 200.0, 0.0, 2,
		  "TCPSHAKE CRITICAL - 192.0.2.10:443 open, rtt 200.000 ms, loss 0.0% | "
		  "rtt=200.000ms;50;200;0; loss=0.0%;10;50;0;100\n" },
		{ 200.001, 0.0, 2,
		  "TCPSHAKE CRITICAL - 192.0.2.10:443 open, rtt 200.001 ms, loss 0.0% | "
		  "rtt=200.001ms;50;200;0; loss=0.0%;10;50;0;100\n" },
		{ 1.0, 9.9, 0,
		  "TCPSHAKE OK - 192.0.2.10:443 open, rtt 1.000 ms, loss 9.9% | "
		  "rtt=1.000ms;50;200;0; loss=9.9%;10;50;0;100\n" },
		{ 1.0, 10.0, 1,
		  "TCPSHAKE WARNING - 192.0.2.10:443 open, rtt 1.000 ms, loss 10.0% | "
		  "rtt=1.000ms;50;200;0; loss=10.0%;10;50;0;100\n" },
		{ 1.0, 49.9, 1,
		  "TCPSHAKE WARNING - 192.0.2.10:443 open, rtt 1.000 ms, loss 49.9% | "
		  "rtt=1.000ms;50;200;0; loss=49.9%;10;50;0;100\n" },
		{ 1.0, 50.0, 2,
		  "TCPSHAKE CRITICAL - 192.0.2.10:443 open, rtt 1.000 ms, loss 50.0% | "
		  "rtt=1.000ms;50;200;0; loss=50.0%;10;50;0;100\n" },
		{ 1.0, 55.0, 2,
		  "TCPSHAKE CRITICAL - 192.0.2.10:443 open, rtt 1.000 ms, loss 55.0% | "
		  "rtt=1.000ms;50;200;0; loss=55.0%;10;50;0;100\n" },
	};
	struct output_config c = nagios_cfg();

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mem m;
		int st = nagios_one(&c, rows[i].avg, rows[i].loss, &m);
		assert_string_equal(m.buf, rows[i].want);
		assert_int_equal(st, rows[i].status);
		free(m.buf);
	}
}

static void test_nagios_no_thresholds(void **state)
{
	/* Empty warn/crit fields; nothing trips on RTT or loss. */
	struct output_config c = cfg_of(OUT_NAGIOS);
	struct mem m;

	assert_int_equal(nagios_one(&c, 5000.0, 90.0, &m), 0);
	check(&m, "TCPSHAKE OK - 192.0.2.10:443 open, rtt 5000.000 ms, loss 90.0% | "
		  "rtt=5000.000ms;;;0; loss=90.0%;;;0;100\n");

	/* Only an RTT warning (--warning 0.5): the loss fields stay empty. */
	c.warning = (struct threshold){ .set = true, .rtt_ms = 0.5 };
	assert_int_equal(nagios_one(&c, 0.25, 0.0, &m), 0);
	check(&m, "TCPSHAKE OK - 192.0.2.10:443 open, rtt 0.250 ms, loss 0.0% | "
		  "rtt=0.250ms;0.5;;0; loss=0.0%;;;0;100\n");
}

static void test_nagios_not_open(void **state)
{
	struct output_config c = nagios_cfg();
	struct mem m;
	struct output *o;

	/* Closed is CRITICAL even with a fast RTT and no loss. */
	o = start(&m, &c);
	scenario_closed(o);
	assert_int_equal(finish(&m, o), 2);
	check(&m, "TCPSHAKE CRITICAL - 10.77.0.2:8081 closed, rtt 0.092 ms, loss 0.0% | "
		  "rtt=0.092ms;50;200;0; loss=0.0%;10;50;0;100\n");

	/* Filtered without any answer: no RTT in the text, U in perfdata. */
	o = start(&m, &c);
	struct summary_event s = summary("fw.example", "198.51.100.7", 22, 4, 0, PORT_FILTERED);
	output_summary(o, &s);
	assert_int_equal(finish(&m, o), 2);
	check(&m, "TCPSHAKE CRITICAL - 198.51.100.7:22 filtered, loss 100.0% | "
		  "rtt=U;50;200;0; loss=100.0%;10;50;0;100\n");

	/* An IPv6 port in the text is bracketed. */
	o = start(&m, &c);
	s = summary("v6.example", "2001:db8::1", 443, 4, 0, PORT_FILTERED);
	output_summary(o, &s);
	assert_int_equal(finish(&m, o), 2);
	check(&m, "TCPSHAKE CRITICAL - [2001:db8::1]:443 filtered, loss 100.0% | "
		  "rtt=U;50;200;0; loss=100.0%;10;50;0;100\n");
}

static void test_nagios_multi(void **state)
{
	struct output_config c = nagios_cfg();
	struct mem m;
	struct output *o = start(&m, &c);
	struct summary_event s;

	s = summary("example.com", "192.0.2.10", 443, 4, 4, PORT_OPEN);
	s.rtt = rtt_of(4, 10, 12.5, 15, 2, 12, 15, 15);
	output_summary(o, &s);
	s = summary("example.com", "192.0.2.10", 80, 4, 3, PORT_OPEN);
	s.rtt = rtt_of(3, 30, 30.25, 31, 0.4, 30, 31, 31);
	output_summary(o, &s);
	s = summary("v6.example", "2001:db8::1", 443, 4, 0, PORT_FILTERED);
	output_summary(o, &s);
	assert_int_equal(finish(&m, o), 2);
	check(&m, "TCPSHAKE CRITICAL - 2/3 ports open, worst rtt 30.250 ms, worst loss 100.0%, "
		  "not open: [2001:db8::1]:443 | "
		  "'rtt_192.0.2.10_443'=12.500ms;50;200;0; 'loss_192.0.2.10_443'=0.0%;10;50;0;100 "
		  "'rtt_192.0.2.10_80'=30.250ms;50;200;0; 'loss_192.0.2.10_80'=25.0%;10;50;0;100 "
		  "'rtt_2001:db8::1_443'=U;50;200;0; 'loss_2001:db8::1_443'=100.0%;10;50;0;100\n");

	/* All open, one slow enough to warn: WARNING, no "not open". */
	o = start(&m, &c);
	s = summary("a", "192.0.2.1", 22, 2, 2, PORT_OPEN);
	s.rtt = rtt_of(2, 1, 1.5, 2, 0.5, 1, 2, 2);
	output_summary(o, &s);
	s = summary("b", "192.0.2.2", 22, 2, 2, PORT_OPEN);
	s.rtt = rtt_of(2, 60, 60, 60, 0, 60, 60, 60);
	output_summary(o, &s);
	assert_int_equal(finish(&m, o), 1);
	check(&m, "TCPSHAKE WARNING - 2/2 ports open, worst rtt 60.000 ms, worst loss 0.0% | "
		  "'rtt_192.0.2.1_22'=1.500ms;50;200;0; 'loss_192.0.2.1_22'=0.0%;10;50;0;100 "
		  "'rtt_192.0.2.2_22'=60.000ms;50;200;0; 'loss_192.0.2.2_22'=0.0%;10;50;0;100\n");

	/* All open and fast: OK. */
	o = start(&m, &c);
	s = summary("a", "192.0.2.1", 22, 2, 2, PORT_OPEN);
	s.rtt = rtt_of(2, 1, 1.5, 2, 0.5, 1, 2, 2);
	output_summary(o, &s);
	s.port = 23;
	output_summary(o, &s);
	assert_int_equal(finish(&m, o), 0);
	check(&m, "TCPSHAKE OK - 2/2 ports open, worst rtt 1.500 ms, worst loss 0.0% | "
		  "'rtt_192.0.2.1_22'=1.500ms;50;200;0; 'loss_192.0.2.1_22'=0.0%;10;50;0;100 "
		  "'rtt_192.0.2.1_23'=1.500ms;50;200;0; 'loss_192.0.2.1_23'=0.0%;10;50;0;100\n");
}

static void test_nagios_not_open_list_capped(void **state)
{
	/* Six ports not open: five are named, then "...". No RTT anywhere, so
	 * no "worst rtt". */
	struct output_config c = cfg_of(OUT_NAGIOS);
	struct mem m;
	struct output *o = start(&m, &c);

	for (uint16_t p = 1; p <= 6; p++) {
		struct summary_event s = summary("h", "192.0.2.1", p, 1, 0, PORT_FILTERED);
		output_summary(o, &s);
	}
	assert_int_equal(finish(&m, o), 2);
	check(&m, "TCPSHAKE CRITICAL - 0/6 ports open, worst loss 100.0%, not open: 192.0.2.1:1, "
		  "192.0.2.1:2, 192.0.2.1:3, 192.0.2.1:4, 192.0.2.1:5, ... | "
		  "'rtt_192.0.2.1_1'=U;;;0; 'loss_192.0.2.1_1'=100.0%;;;0;100 "
		  "'rtt_192.0.2.1_2'=U;;;0; 'loss_192.0.2.1_2'=100.0%;;;0;100 "
		  "'rtt_192.0.2.1_3'=U;;;0; 'loss_192.0.2.1_3'=100.0%;;;0;100 "
		  "'rtt_192.0.2.1_4'=U;;;0; 'loss_192.0.2.1_4'=100.0%;;;0;100 "
		  "'rtt_192.0.2.1_5'=U;;;0; 'loss_192.0.2.1_5'=100.0%;;;0;100 "
		  "'rtt_192.0.2.1_6'=U;;;0; 'loss_192.0.2.1_6'=100.0%;;;0;100\n");

	/* Exactly five: all named, no "...". */
	o = start(&m, &c);
	for (uint16_t p = 1; p <= 5; p++) {
		struct summary_event s = summary("h", "192.0.2.1", p, 1, 0, PORT_CLOSED);
		output_summary(o, &s);
	}
	assert_int_equal(finish(&m, o), 2);
	check(&m, "TCPSHAKE CRITICAL - 0/5 ports open, worst loss 100.0%, not open: 192.0.2.1:1, "
		  "192.0.2.1:2, 192.0.2.1:3, 192.0.2.1:4, 192.0.2.1:5 | "
		  "'rtt_192.0.2.1_1'=U;;;0; 'loss_192.0.2.1_1'=100.0%;;;0;100 "
		  "'rtt_192.0.2.1_2'=U;;;0; 'loss_192.0.2.1_2'=100.0%;;;0;100 "
		  "'rtt_192.0.2.1_3'=U;;;0; 'loss_192.0.2.1_3'=100.0%;;;0;100 "
		  "'rtt_192.0.2.1_4'=U;;;0; 'loss_192.0.2.1_4'=100.0%;;;0;100 "
		  "'rtt_192.0.2.1_5'=U;;;0; 'loss_192.0.2.1_5'=100.0%;;;0;100\n");
}

static void test_nagios_unknown(void **state)
{
	struct output_config c = nagios_cfg();
	struct mem m;
	struct output *o;

	/* A runtime error wins over any summary; the message is made one line
	 * and a '|' cannot start bogus perfdata. Later errors are ignored. */
	o = start(&m, &c);
	scenario_open(o);
	output_error(o, "capture failed:\nlink | down");
	output_error(o, "a consequence");
	assert_int_equal(finish(&m, o), 3);
	check(&m, "TCPSHAKE UNKNOWN - capture failed: link / down\n");

	/* Nothing probed at all is no answer either. */
	o = start(&m, &c);
	assert_int_equal(finish(&m, o), 3);
	check(&m, "TCPSHAKE UNKNOWN - no target port was probed\n");
}

static void test_summaries_kept_by_copy(void **state)
{
	/* A summary lends its strings; nagios and prom keep them past the call. */
	static const struct {
		enum out_format fmt;
		const char *want;
	} rows[] = {
		{ OUT_NAGIOS, "TCPSHAKE CRITICAL - 192.0.2.1:80 filtered" },
		{ OUT_PROM, "tcpshake_up{host=\"borrowed\",addr=\"192.0.2.1\",port=\"80\"} 0\n" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct output_config c = cfg_of(rows[i].fmt);
		struct mem m;
		struct output *o = start(&m, &c);
		char *host = strdup("borrowed");
		assert_non_null(host);
		struct summary_event s = summary(host, "192.0.2.1", 80, 1, 0, PORT_FILTERED);

		output_summary(o, &s);
		memset(host, 'X', strlen(host));
		free(host);
		finish(&m, o);
		assert_non_null(strstr(m.buf, rows[i].want));
		free(m.buf);
	}
}

/* --- prom ----------------------------------------------------------------------------- */

static void test_prom_with_samples(void **state)
{
	struct output_config c = cfg_of(OUT_PROM);
	struct mem m;
	struct output *o = start(&m, &c);

	scenario_open(o);
	struct summary_event s = summary("fw.example", "198.51.100.7", 22, 2, 0, PORT_FILTERED);
	output_summary(o, &s);
	fflush(m.f);
	assert_true(m.buf == NULL || m.buf[0] == '\0'); /* nothing before the end */
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "# HELP tcpshake_up 1 if the port answered a SYN with a SYN-ACK, else 0.\n"
	      "# TYPE tcpshake_up gauge\n"
	      "tcpshake_up{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\"} 1\n"
	      "tcpshake_up{host=\"fw.example\",addr=\"198.51.100.7\",port=\"22\"} 0\n"
	      "# HELP tcpshake_port_state Port state: 1 for the state seen, 0 for the others.\n"
	      "# TYPE tcpshake_port_state gauge\n"
	      "tcpshake_port_state{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\",state=\"open\"} 1\n"
	      "tcpshake_port_state{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\",state=\"closed\"} 0\n"
	      "tcpshake_port_state{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\",state=\"filtered\"} 0\n"
	      "tcpshake_port_state{host=\"fw.example\",addr=\"198.51.100.7\",port=\"22\",state=\"open\"} 0\n"
	      "tcpshake_port_state{host=\"fw.example\",addr=\"198.51.100.7\",port=\"22\",state=\"closed\"} 0\n"
	      "tcpshake_port_state{host=\"fw.example\",addr=\"198.51.100.7\",port=\"22\",state=\"filtered\"} 1\n"
	      "# HELP tcpshake_probes_sent SYN probes sent in this run.\n"
	      "# TYPE tcpshake_probes_sent gauge\n"
	      "tcpshake_probes_sent{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\"} 4\n"
	      "tcpshake_probes_sent{host=\"fw.example\",addr=\"198.51.100.7\",port=\"22\"} 2\n"
	      "# HELP tcpshake_probes_received SYN probes answered in this run.\n"
	      "# TYPE tcpshake_probes_received gauge\n"
	      "tcpshake_probes_received{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\"} 3\n"
	      "tcpshake_probes_received{host=\"fw.example\",addr=\"198.51.100.7\",port=\"22\"} 0\n"
	      "# HELP tcpshake_loss_ratio Share of probes not answered, 0 to 1.\n"
	      "# TYPE tcpshake_loss_ratio gauge\n"
	      "tcpshake_loss_ratio{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\"} 0.25\n"
	      "tcpshake_loss_ratio{host=\"fw.example\",addr=\"198.51.100.7\",port=\"22\"} 1\n"
	      "# HELP tcpshake_rtt_seconds Handshake RTT, from the SYN leaving to its answer (SYN-ACK, RST or ICMP error) arriving.\n"
	      "# TYPE tcpshake_rtt_seconds summary\n"
	      "tcpshake_rtt_seconds{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\",quantile=\"0.5\"} 0.000250400\n"
	      "tcpshake_rtt_seconds{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\",quantile=\"0.9\"} 0.001500000\n"
	      "tcpshake_rtt_seconds{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\",quantile=\"0.99\"} 0.001500000\n"
	      "tcpshake_rtt_seconds_sum{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\"} 0.001963401\n"
	      "tcpshake_rtt_seconds_count{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\"} 3\n"
	      "tcpshake_rtt_seconds_count{host=\"fw.example\",addr=\"198.51.100.7\",port=\"22\"} 0\n"
	      "# HELP tcpshake_rtt_min_seconds Smallest handshake RTT.\n"
	      "# TYPE tcpshake_rtt_min_seconds gauge\n"
	      "tcpshake_rtt_min_seconds{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\"} 0.000213000\n"
	      "# HELP tcpshake_rtt_max_seconds Largest handshake RTT.\n"
	      "# TYPE tcpshake_rtt_max_seconds gauge\n"
	      "tcpshake_rtt_max_seconds{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\"} 0.001500000\n"
	      "# HELP tcpshake_rtt_mdev_seconds Mean deviation of the handshake RTT, as ping's mdev.\n"
	      "# TYPE tcpshake_rtt_mdev_seconds gauge\n"
	      "tcpshake_rtt_mdev_seconds{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\"} 0.000597912\n"
	      /* The latest SYN-ACK's options (an MSS only), every option named. */
	      "# HELP tcpshake_synack_option Option in the port's latest SYN-ACK: 1 if present, else 0.\n"
	      "# TYPE tcpshake_synack_option gauge\n"
	      "tcpshake_synack_option{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\",option=\"mss\"} 1\n"
	      "tcpshake_synack_option{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\",option=\"wscale\"} 0\n"
	      "tcpshake_synack_option{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\",option=\"sack_permitted\"} 0\n"
	      "tcpshake_synack_option{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\",option=\"timestamps\"} 0\n"
	      "# HELP tcpshake_synack_mss_bytes MSS the port's latest SYN-ACK offered.\n"
	      "# TYPE tcpshake_synack_mss_bytes gauge\n"
	      "tcpshake_synack_mss_bytes{host=\"example.com\",addr=\"192.0.2.10\",port=\"443\"} 1400\n");
}

static void test_prom_without_samples(void **state)
{
	/* One dropped port, its host needing label escapes: no quantiles, no
	 * _sum, _count 0, no min/max/mdev families. */
	struct output_config c = cfg_of(OUT_PROM);
	struct mem m;
	struct output *o = start(&m, &c);
	struct summary_event s = summary("a\"b\\c\nd", "2001:db8::1", 22, 3, 0, PORT_FILTERED);

	output_summary(o, &s);
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "# HELP tcpshake_up 1 if the port answered a SYN with a SYN-ACK, else 0.\n"
	      "# TYPE tcpshake_up gauge\n"
	      "tcpshake_up{host=\"a\\\"b\\\\c\\nd\",addr=\"2001:db8::1\",port=\"22\"} 0\n"
	      "# HELP tcpshake_port_state Port state: 1 for the state seen, 0 for the others.\n"
	      "# TYPE tcpshake_port_state gauge\n"
	      "tcpshake_port_state{host=\"a\\\"b\\\\c\\nd\",addr=\"2001:db8::1\",port=\"22\",state=\"open\"} 0\n"
	      "tcpshake_port_state{host=\"a\\\"b\\\\c\\nd\",addr=\"2001:db8::1\",port=\"22\",state=\"closed\"} 0\n"
	      "tcpshake_port_state{host=\"a\\\"b\\\\c\\nd\",addr=\"2001:db8::1\",port=\"22\",state=\"filtered\"} 1\n"
	      "# HELP tcpshake_probes_sent SYN probes sent in this run.\n"
	      "# TYPE tcpshake_probes_sent gauge\n"
	      "tcpshake_probes_sent{host=\"a\\\"b\\\\c\\nd\",addr=\"2001:db8::1\",port=\"22\"} 3\n"
	      "# HELP tcpshake_probes_received SYN probes answered in this run.\n"
	      "# TYPE tcpshake_probes_received gauge\n"
	      "tcpshake_probes_received{host=\"a\\\"b\\\\c\\nd\",addr=\"2001:db8::1\",port=\"22\"} 0\n"
	      "# HELP tcpshake_loss_ratio Share of probes not answered, 0 to 1.\n"
	      "# TYPE tcpshake_loss_ratio gauge\n"
	      "tcpshake_loss_ratio{host=\"a\\\"b\\\\c\\nd\",addr=\"2001:db8::1\",port=\"22\"} 1\n"
	      "# HELP tcpshake_rtt_seconds Handshake RTT, from the SYN leaving to its answer (SYN-ACK, RST or ICMP error) arriving.\n"
	      "# TYPE tcpshake_rtt_seconds summary\n"
	      "tcpshake_rtt_seconds_count{host=\"a\\\"b\\\\c\\nd\",addr=\"2001:db8::1\",port=\"22\"} 0\n");
}

static void test_prom_error(void **state)
{
	/* After an error, no metric at all: only the comment, made one line. */
	struct output_config c = cfg_of(OUT_PROM);
	struct mem m;
	struct output *o = start(&m, &c);

	scenario_open(o);
	output_error(o, "capture failed:\nlink down");
	assert_int_equal(finish(&m, o), -1);
	check(&m, "# tcpshake error: capture failed: link down\n");

	/* No target port at all: an empty file. */
	o = start(&m, &c);
	assert_int_equal(finish(&m, o), -1);
	assert_true(m.buf == NULL || m.buf[0] == '\0');
	free(m.buf);
}

static void test_end_once(void **state)
{
	/* output_end twice prints once and returns the same status; events
	 * after the end are ignored. */
	struct output_config c = nagios_cfg();
	struct mem m;
	struct output *o = start(&m, &c);
	struct summary_event s = summary("h", "192.0.2.1", 80, 1, 0, PORT_FILTERED);

	output_summary(o, &s);
	assert_int_equal(output_end(o), 2);
	output_summary(o, &s);
	assert_int_equal(output_end(o), 2);
	assert_int_equal(finish(&m, o), 2);
	check(&m, "TCPSHAKE CRITICAL - 192.0.2.1:80 filtered, loss 100.0% | "
		  "rtt=U;50;200;0; loss=100.0%;10;50;0;100\n");
}

static void test_names(void **state)
{
	char buf[32];

	assert_string_equal(port_state_name(PORT_OPEN), "open");
	assert_string_equal(port_state_name(PORT_CLOSED), "closed");
	assert_string_equal(port_state_name(PORT_FILTERED), "filtered");
	assert_string_equal(reply_kind_name(REPLY_SA), "SA");
	assert_string_equal(reply_kind_name(REPLY_RA), "RA");
	assert_string_equal(reply_kind_name(REPLY_R), "R");
	assert_string_equal(reply_kind_name(REPLY_ICMP), "icmp");
	assert_string_equal(reply_kind_name(REPLY_NONE), "none");
	assert_string_equal(ts_source_name(TS_KERNEL), "kernel");
	assert_string_equal(ts_source_name(TS_USER), "user");

	static const struct {
		int family;
		uint8_t type, code;
		const char *name;
	} icmp[] = {
		{ AF_INET, 3, 0, "net-unreachable" },   { AF_INET, 3, 1, "host-unreachable" },
		{ AF_INET, 3, 2, "prot-unreachable" },  { AF_INET, 3, 3, "port-unreachable" },
		{ AF_INET, 3, 4, "frag-needed" },       { AF_INET, 3, 9, "net-prohibited" },
		{ AF_INET, 3, 10, "host-prohibited" },  { AF_INET, 3, 13, "admin-prohibited" },
		{ AF_INET, 11, 0, "time-exceeded" },    { AF_INET, 11, 1, "time-exceeded" },
		{ AF_INET, 3, 7, "type-3-code-7" },     { AF_INET, 5, 1, "type-5-code-1" },
		{ AF_INET, 1, 0, "type-1-code-0" },     { AF_INET6, 1, 0, "no-route" },
		{ AF_INET6, 1, 1, "admin-prohibited" }, { AF_INET6, 1, 3, "addr-unreachable" },
		{ AF_INET6, 1, 4, "port-unreachable" }, { AF_INET6, 1, 5, "policy-fail" },
		{ AF_INET6, 1, 6, "reject-route" },     { AF_INET6, 3, 0, "time-exceeded" },
		{ AF_INET6, 1, 2, "type-1-code-2" },    { AF_INET6, 11, 0, "type-11-code-0" },
		{ AF_INET6, 255, 255, "type-255-code-255" },
	};
	for (size_t i = 0; i < sizeof(icmp) / sizeof(icmp[0]); i++)
		assert_string_equal(icmp_error_name(icmp[i].family, icmp[i].type, icmp[i].code, buf, sizeof(buf)),
				    icmp[i].name);
}

/* --- connect and conform records -------------------------------------------- */

/* A three-segment close as session output sees it. */
static const struct conn_entry session_segs[] = {
	{ .s = { .t_ns = 1000000000, .dir = CONN_OUT, .flags = TCPF_SYN, .seq = 100 }, .local = TCPS_SYN_SENT,
	  .peer = TCPS_SYN_RECEIVED, .deviation = -1 },
	{ .s = { .t_ns = 1000250000, .dir = CONN_IN, .flags = TCPF_SYN | TCPF_ACK, .seq = 500, .ack = 101 },
	  .local = TCPS_ESTABLISHED, .peer = TCPS_SYN_RECEIVED, .deviation = -1 },
	{ .s = { .t_ns = 1000300000, .dir = CONN_OUT, .flags = TCPF_ACK, .seq = 101, .ack = 501 },
	  .local = TCPS_ESTABLISHED, .peer = TCPS_ESTABLISHED, .deviation = -1 },
	{ .s = { .t_ns = 1000400000, .dir = CONN_OUT, .flags = TCPF_FIN | TCPF_ACK, .seq = 101, .ack = 501 },
	  .local = TCPS_FIN_WAIT_1, .peer = TCPS_CLOSE_WAIT, .deviation = -1 },
	{ .s = { .t_ns = 1000700000, .dir = CONN_IN, .flags = TCPF_FIN | TCPF_ACK, .seq = 501, .ack = 101 },
	  .local = TCPS_CLOSING, .peer = TCPS_LAST_ACK, .retransmission = true, .deviation = 0 },
};

static struct session_event session_of(void)
{
	static const struct deviation dev = { .code = DEV_WRONG_ACK, .field = "ack", .has_values = true,
					      .expected = 102, .actual = 101, .detail = "x" };
	struct session_event e;
	memset(&e, 0, sizeof(e));
	e.host = "example.com";
	e.addr = A("192.0.2.10");
	e.port = 80;
	e.sport = 40000;
	e.number = 1;
	e.handshake = HS_OK;
	e.rtt_valid = true;
	e.rtt_ms = 0.25;
	e.close = "active";
	e.teardown = TEARDOWN_DEVIANT;
	e.t0_ns = 1000000000;
	e.iss = 100;
	e.irs = 500;
	e.have_irs = true;
	e.segs = session_segs;
	e.nsegs = 5;
	e.devs = &dev;
	e.ndevs = 1;
	e.retrans_in = 1;
	return e;
}

static void test_text_session_trace(void **state)
{
	struct output_config c = cfg_of(OUT_TEXT);
	struct mem m;
	(void)state;
	c.mode_name = "connect";
	c.trace = true;
	struct output *o = start(&m, &c);
	struct session_event e = session_of();
	output_session(o, &e);
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "      t ms  tcpshake           flags seq [absolute]         ack [absolute]           len  peer        \n"
	      "     0.000  SYN_SENT     -->   S     0 [100]                -                          0  SYN_RECEIVED\n"
	      "     0.250  ESTABLISHED  <--   SA    0 [500]                1 [101]                    0  SYN_RECEIVED\n"
	      "     0.300  ESTABLISHED  -->   A     1 [101]                1 [501]                    0  ESTABLISHED \n"
	      "     0.400  FIN_WAIT_1   -->   FA    1 [101]                1 [501]                    0  CLOSE_WAIT  \n"
	      "     0.700  CLOSING      <--   FA    1 [501]                1 [101]                    0  LAST_ACK      (retransmission)  ! wrong-ack\n"
	      "192.0.2.10:80 connection=1 sport=40000 handshake=ok rtt=0.250 ms close=active teardown=deviant segments=5 sent=0 B received=0 B retransmissions=0/1\n"
	      "  deviation wrong-ack: ack: expected 102, got 101 (x)\n");
}

static void test_json_session(void **state)
{
	struct output_config c = cfg_of(OUT_JSON);
	struct mem m;
	(void)state;
	c.mode_name = "connect";
	struct output *o = start(&m, &c);
	struct session_event e = session_of();
	e.nsegs = 1;
	output_session(o, &e);
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "{\"type\":\"session\",\"host\":\"example.com\",\"addr\":\"192.0.2.10\",\"port\":80,\"handshake\":\"ok\","
	      "\"rtt_ms\":0.250000,\"close\":\"active\",\"teardown\":\"deviant\",\"segments\":[{\"t_ms\":0.000,"
	      "\"dir\":\"out\",\"flags\":\"S\",\"seq\":100,\"ack\":0,\"len\":0,\"local\":\"SYN_SENT\",\"peer\":"
	      "\"SYN_RECEIVED\",\"win\":0,\"retransmission\":false}],\"deviations\":[{\"code\":\"wrong-ack\","
	      "\"detail\":\"ack: expected 102, got 101 (x)\",\"field\":\"ack\",\"expected\":102,\"actual\":101}],"
	      "\"connection\":1,\"sport\":40000,\"ts_source\":\"kernel\",\"iss\":100,\"irs\":500,\"bytes_sent\":0,"
	      "\"bytes_received\":0,\"bytes_received_after_fin\":0,\"retransmissions_sent\":0,"
	      "\"retransmissions_received\":1,\"time_wait_ms\":null,\"time_wait_held_ms\":0.000000,\"cause\":null}\n");
}

static struct check_event check_of(size_t index, size_t total, enum check_result r)
{
	static const struct conn_seg ev[] = {
		{ .t_ns = 2000000000, .dir = CONN_OUT, .flags = TCPF_SYN, .seq = 7 },
		{ .t_ns = 2000500000, .dir = CONN_IN, .flags = TCPF_SYN | TCPF_ACK, .seq = 9, .ack = 8 },
	};
	struct check_event e;
	memset(&e, 0, sizeof(e));
	e.host = "example.com";
	e.addr = A("192.0.2.10");
	e.port = 80;
	e.id = "synack-ack";
	e.ref = "RFC 9293 3.10.7.2";
	e.what = "the SYN-ACK acknowledges our ISN + 1";
	e.result = r;
	e.detail = r == CHECK_PASS ? "ack = ISN + 1 (8)" : "ack: expected 8 (ISN + 1), got 7";
	e.evidence = ev;
	e.nevidence = 2;
	e.t0_ns = 2000000000;
	e.index = index;
	e.total = total;
	return e;
}

static void test_text_checks(void **state)
{
	struct output_config c = cfg_of(OUT_TEXT);
	struct mem m;
	(void)state;
	c.mode_name = "conform";
	struct output *o = start(&m, &c);
	struct check_event a = check_of(1, 2, CHECK_PASS), b = check_of(2, 2, CHECK_FAIL);
	output_check(o, &a);
	output_check(o, &b);
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "CHECK                      RESULT REFERENCE                          DETAIL\n"
	      "synack-ack                 pass   RFC 9293 3.10.7.2                  ack = ISN + 1 (8)\n"
	      "synack-ack                 fail   RFC 9293 3.10.7.2                  ack: expected 8 (ISN + 1), got 7\n"
	      "2 checks: 1 passed, 1 failed, 0 skipped, 0 errors\n");
}

static void test_json_check(void **state)
{
	struct output_config c = cfg_of(OUT_JSON);
	struct mem m;
	(void)state;
	c.mode_name = "conform";
	struct output *o = start(&m, &c);
	struct check_event a = check_of(1, 1, CHECK_PASS);
	output_check(o, &a);
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "{\"type\":\"check\",\"id\":\"synack-ack\",\"ref\":\"RFC 9293 3.10.7.2\",\"result\":\"pass\","
	      "\"detail\":\"ack = ISN + 1 (8)\",\"host\":\"example.com\",\"addr\":\"192.0.2.10\",\"port\":80,"
	      "\"what\":\"the SYN-ACK acknowledges our ISN + 1\",\"evidence\":[{\"t_ms\":0.000,\"dir\":\"out\","
	      "\"flags\":\"S\",\"seq\":7,\"ack\":0,\"len\":0},{\"t_ms\":0.500,\"dir\":\"in\",\"flags\":\"SA\","
	      "\"seq\":9,\"ack\":8,\"len\":0}]}\n");
}

static void test_nagios_checks(void **state)
{
	struct output_config c = cfg_of(OUT_NAGIOS);
	struct mem m;
	(void)state;
	c.mode_name = "conform";
	struct output *o = start(&m, &c);
	struct check_event a = check_of(1, 2, CHECK_PASS), b = check_of(2, 2, CHECK_FAIL);
	output_check(o, &a);
	output_check(o, &b);
	assert_int_equal(finish(&m, o), 2);
	check(&m, "TCPSHAKE CRITICAL - 2 checks: 1 passed, 1 failed, 0 skipped, 0 errors: synack-ack | "
		  "passed=1 failed=1 skipped=0 errors=0\n");

	/* A second target that could not be probed: WARNING, and named. */
	static const uint16_t p80[] = { 80 };
	struct target_error_event bad = { .host = "x.invalid", .ports = p80, .nports = 1,
					  .message = "cannot resolve 'x.invalid'" };
	o = start(&m, &c);
	output_check(o, &a);
	output_target_error(o, &bad);
	assert_int_equal(finish(&m, o), 1);
	check(&m, "TCPSHAKE WARNING - 1 checks: 1 passed, 0 failed, 0 skipped, 0 errors, 1 target not "
		  "probed: cannot resolve 'x.invalid' | passed=1 failed=0 skipped=0 errors=0\n");
}

/* --- script records ------------------------------------------------------- */

static struct script_event script_of(enum script_outcome r)
{
	static const char *const skipped[] = {"1: socket", "4: accept"};
	static const char *const notes[] = {"6: optional segment not sent (passed over)"};
	struct script_event e;
	memset(&e, 0, sizeof(e));
	e.file = "hs.pkt";
	e.host = "example.com";
	e.addr = A("192.0.2.10");
	e.port = 80;
	e.sport = 40000;
	e.result = r;
	e.skipped = skipped;
	e.nskipped = 2;
	e.t0_ns = 1000000000;
	e.iss = 100;
	e.irs = 500;
	e.have_irs = true;
	e.segs = session_segs;
	e.nsegs = 2;
	if (r == SCRIPT_OUTCOME_FAIL) {
		e.line = 5;
		e.field = "ack";
		e.expected = "2";
		e.actual = "1";
		e.detail = "expected +0.000 > S. 0:0(0) ack 2 <...>, got S. 0:0(0) ack 1 win 65535";
		e.notes = notes;
		e.nnotes = 1;
	} else if (r == SCRIPT_OUTCOME_ERROR) {
		e.line = 7;
		e.detail = "our own kernel reset the connection (is the RST guard on?)";
	}
	return e;
}

static void test_text_scripts(void **state)
{
	struct output_config c = cfg_of(OUT_TEXT);
	struct mem m;
	(void)state;
	c.mode_name = "script";
	struct output *o = start(&m, &c);
	struct script_event a = script_of(SCRIPT_OUTCOME_PASS), b = script_of(SCRIPT_OUTCOME_FAIL),
			    d = script_of(SCRIPT_OUTCOME_ERROR);
	output_begin(o, "example.com", &a.addr, 80);
	output_script(o, &a);
	output_script(o, &b);
	output_script(o, &d);
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "TCPSHAKE example.com (192.0.2.10) port 80: test scripts\n"
	      "hs.pkt: pass\n"
	      "  skipped: 1: socket, 4: accept\n"
	      "hs.pkt:5: fail: ack: expected 2, got 1\n"
	      "  expected +0.000 > S. 0:0(0) ack 2 <...>, got S. 0:0(0) ack 1 win 65535\n"
	      "  note: 6: optional segment not sent (passed over)\n"
	      "  skipped: 1: socket, 4: accept\n"
	      "hs.pkt:7: error: our own kernel reset the connection (is the RST guard on?)\n"
	      "  skipped: 1: socket, 4: accept\n"
	      "3 scripts: 1 passed, 1 failed, 1 errors\n");
}

static void test_text_scripts_multi_port(void **state)
{
	struct output_config c = cfg_of(OUT_TEXT);
	struct mem m;
	(void)state;
	c.mode_name = "script";
	struct output *o = start(&m, &c);
	struct script_event a = script_of(SCRIPT_OUTCOME_PASS);
	a.nskipped = 0;
	output_begin_target(o, "example.com", &a.addr, 2);
	output_begin(o, "example.com", &a.addr, 80);
	output_script(o, &a);
	output_script(o, &a);
	a.port = 81;
	output_begin(o, "example.com", &a.addr, 81);
	output_script(o, &a);
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "TCPSHAKE example.com (192.0.2.10): 2 ports, test scripts\n"
	      "192.0.2.10:80:\n"
	      "hs.pkt: pass\n"
	      "hs.pkt: pass\n"
	      "192.0.2.10:81:\n"
	      "hs.pkt: pass\n"
	      "3 scripts: 3 passed, 0 failed, 0 errors\n");
}

static void test_text_script_trace(void **state)
{
	struct output_config c = cfg_of(OUT_TEXT);
	struct mem m;
	(void)state;
	c.mode_name = "script";
	c.trace = true;
	struct output *o = start(&m, &c);
	struct script_event a = script_of(SCRIPT_OUTCOME_PASS);
	a.nskipped = 0;
	output_script(o, &a);
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "      t ms  tcpshake           flags seq [absolute]         ack [absolute]           len  peer        \n"
	      "     0.000  SYN_SENT     -->   S     0 [100]                -                          0  SYN_RECEIVED\n"
	      "     0.250  ESTABLISHED  <--   SA    0 [500]                1 [101]                    0  SYN_RECEIVED\n"
	      "hs.pkt: pass\n");
}

static void test_json_script(void **state)
{
	struct output_config c = cfg_of(OUT_JSON);
	struct mem m;
	(void)state;
	c.mode_name = "script";
	struct output *o = start(&m, &c);
	struct script_event a = script_of(SCRIPT_OUTCOME_PASS), b = script_of(SCRIPT_OUTCOME_FAIL);
	a.nsegs = 1;
	b.nsegs = 0;
	output_script(o, &a);
	output_script(o, &b);
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "{\"type\":\"script\",\"file\":\"hs.pkt\",\"host\":\"example.com\",\"addr\":\"192.0.2.10\","
	      "\"port\":80,\"result\":\"pass\",\"line\":null,\"detail\":null,\"field\":null,\"expected\":null,"
	      "\"actual\":null,\"skipped\":[\"1: socket\",\"4: accept\"],\"segments\":[{\"t_ms\":0.000,"
	      "\"dir\":\"out\",\"flags\":\"S\",\"seq\":100,\"ack\":0,\"len\":0,\"local\":\"SYN_SENT\","
	      "\"peer\":\"SYN_RECEIVED\",\"win\":0,\"retransmission\":false}],\"notes\":[],\"sport\":40000}\n"
	      "{\"type\":\"script\",\"file\":\"hs.pkt\",\"host\":\"example.com\",\"addr\":\"192.0.2.10\","
	      "\"port\":80,\"result\":\"fail\",\"line\":5,\"detail\":\"expected +0.000 > S. 0:0(0) ack 2 <...>, "
	      "got S. 0:0(0) ack 1 win 65535\",\"field\":\"ack\",\"expected\":\"2\",\"actual\":\"1\","
	      "\"skipped\":[\"1: socket\",\"4: accept\"],\"segments\":[],"
	      "\"notes\":[\"6: optional segment not sent (passed over)\"],\"sport\":40000}\n");
}

static void test_nagios_scripts(void **state)
{
	struct output_config c = cfg_of(OUT_NAGIOS);
	struct mem m;
	(void)state;
	c.mode_name = "script";
	struct output *o = start(&m, &c);
	struct script_event a = script_of(SCRIPT_OUTCOME_PASS), b = script_of(SCRIPT_OUTCOME_FAIL);
	output_script(o, &a);
	output_script(o, &b);
	assert_int_equal(finish(&m, o), 2);
	check(&m, "TCPSHAKE CRITICAL - 2 scripts: 1 passed, 1 failed, 0 errors: hs.pkt:5 | passed=1 "
		  "failed=1 errors=0\n");

	o = start(&m, &c);
	output_script(o, &a);
	assert_int_equal(finish(&m, o), 0);
	check(&m, "TCPSHAKE OK - 1 scripts: 1 passed, 0 failed, 0 errors | passed=1 failed=0 errors=0\n");
}

static void test_prom_scripts(void **state)
{
	struct output_config c = cfg_of(OUT_PROM);
	struct mem m;
	(void)state;
	c.mode_name = "script";
	struct output *o = start(&m, &c);
	struct script_event b = script_of(SCRIPT_OUTCOME_FAIL);
	output_script(o, &b);
	assert_int_equal(finish(&m, o), -1);
	check(&m,
	      "# HELP tcpshake_script Script result: 1 for the result it had, 0 for the others.\n"
	      "# TYPE tcpshake_script gauge\n"
	      "tcpshake_script{host=\"example.com\",addr=\"192.0.2.10\",port=\"80\",file=\"hs.pkt\",result=\"pass\"} 0\n"
	      "tcpshake_script{host=\"example.com\",addr=\"192.0.2.10\",port=\"80\",file=\"hs.pkt\",result=\"fail\"} 1\n"
	      "tcpshake_script{host=\"example.com\",addr=\"192.0.2.10\",port=\"80\",file=\"hs.pkt\",result=\"error\"} 0\n");
}

/* --- connect mode's teardowns in nagios and prom ------------------------------ */

/* A connection to addr:port of example.com whose handshake made it, with the
 * given teardown and, when code is not DEV_COUNT, one deviation. */
static struct session_event session_to(const char *addr, uint16_t port, enum teardown t,
				       enum deviation_code code)
{
	static struct deviation devs[DEV_COUNT];
	struct session_event e = session_of();
	e.addr = A(addr);
	e.port = port;
	e.teardown = t;
	e.ndevs = 0;
	if (code != DEV_COUNT) {
		devs[code] = (struct deviation){ .code = code, .detail = "x" };
		e.devs = &devs[code];
		e.ndevs = 1;
	}
	return e;
}

/* One connection then its port's summary, as session_run reports them. */
static void connect_run(struct output *o, const struct session_event *e)
{
	struct summary_event s = summary("example.com", "192.0.2.10", e->port, 1, 1, PORT_OPEN);
	s.addr = e->addr;
	s.rtt = rtt_of(1, 0.25, 0.25, 0.25, 0, 0.25, 0.25, 0.25);
	output_session(o, e);
	output_summary(o, &s);
}

static void test_nagios_connect_teardown(void **state)
{
	static const struct {
		enum teardown t;
		enum deviation_code code;
		int status;
		const char *want;
	} rows[] = {
		{ TEARDOWN_DEVIANT, DEV_WRONG_ACK, 2,
		  "TCPSHAKE CRITICAL - 192.0.2.10:80 open, rtt 0.250 ms, loss 0.0%, teardown deviant "
		  "(wrong-ack) | rtt=0.250ms;50;200;0; loss=0.0%;10;50;0;100\n" },
		{ TEARDOWN_INCOMPLETE, DEV_COUNT, 1,
		  "TCPSHAKE WARNING - 192.0.2.10:80 open, rtt 0.250 ms, loss 0.0%, teardown incomplete "
		  "| rtt=0.250ms;50;200;0; loss=0.0%;10;50;0;100\n" },
		{ TEARDOWN_CONFORMANT, DEV_COUNT, 0,
		  "TCPSHAKE OK - 192.0.2.10:80 open, rtt 0.250 ms, loss 0.0%, teardown conformant "
		  "| rtt=0.250ms;50;200;0; loss=0.0%;10;50;0;100\n" },
	};
	struct output_config c = nagios_cfg();
	(void)state;
	c.mode_name = "connect";
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mem m;
		struct output *o = start(&m, &c);
		struct session_event e = session_to("192.0.2.10", 80, rows[i].t, rows[i].code);
		connect_run(o, &e);
		assert_int_equal(finish(&m, o), rows[i].status);
		check(&m, rows[i].want);
	}
}

static void test_nagios_connect_teardown_worst(void **state)
{
	/* Several connections to one port: the worst teardown decides, its
	 * codes once each; several ports: each bad one named. */
	struct output_config c = nagios_cfg();
	struct mem m;
	(void)state;
	c.mode_name = "connect";
	struct output *o = start(&m, &c);
	struct session_event a = session_to("192.0.2.10", 80, TEARDOWN_CONFORMANT, DEV_COUNT);
	struct session_event b = session_to("192.0.2.10", 80, TEARDOWN_DEVIANT, DEV_RST_INSTEAD_OF_FIN);
	struct session_event d = session_to("192.0.2.10", 80, TEARDOWN_DEVIANT, DEV_RST_INSTEAD_OF_FIN);
	struct session_event inc = session_to("192.0.2.11", 81, TEARDOWN_INCOMPLETE, DEV_COUNT);
	output_session(o, &a);
	output_session(o, &b);
	output_session(o, &inc);
	connect_run(o, &d);
	struct summary_event s = summary("example.com", "192.0.2.11", 81, 1, 1, PORT_OPEN);
	s.rtt = rtt_of(1, 0.5, 0.5, 0.5, 0, 0.5, 0.5, 0.5);
	output_summary(o, &s);
	assert_int_equal(finish(&m, o), 2);
	check(&m, "TCPSHAKE CRITICAL - 2/2 ports open, worst rtt 0.500 ms, worst loss 0.0%, teardown "
		  "deviant: 192.0.2.10:80 (rst-instead-of-fin), teardown incomplete: 192.0.2.11:81 | "
		  "'rtt_192.0.2.10_80'=0.250ms;50;200;0; 'loss_192.0.2.10_80'=0.0%;10;50;0;100 "
		  "'rtt_192.0.2.11_81'=0.500ms;50;200;0; 'loss_192.0.2.11_81'=0.0%;10;50;0;100\n");

	/* A refused handshake keeps today's rule: CRITICAL for the port, no
	 * teardown word. */
	o = start(&m, &c);
	struct session_event r = session_to("192.0.2.10", 80, TEARDOWN_NONE, DEV_COUNT);
	r.handshake = HS_REFUSED;
	output_session(o, &r);
	s = summary("example.com", "192.0.2.10", 80, 1, 1, PORT_CLOSED);
	output_summary(o, &s);
	assert_int_equal(finish(&m, o), 2);
	check(&m, "TCPSHAKE CRITICAL - 192.0.2.10:80 closed, loss 0.0% | rtt=U;50;200;0; "
		  "loss=0.0%;10;50;0;100\n");
}

static void test_prom_connect_teardown(void **state)
{
	struct output_config c = cfg_of(OUT_PROM);
	struct mem m;
	(void)state;
	c.mode_name = "connect";
	struct output *o = start(&m, &c);
	struct session_event ok = session_to("192.0.2.10", 80, TEARDOWN_CONFORMANT, DEV_COUNT);
	struct session_event bad = session_to("192.0.2.10", 81, TEARDOWN_DEVIANT, DEV_WRONG_ACK);
	struct session_event slow = session_to("192.0.2.10", 82, TEARDOWN_INCOMPLETE, DEV_COUNT);
	connect_run(o, &ok);
	connect_run(o, &bad);
	connect_run(o, &slow);
	assert_int_equal(finish(&m, o), -1);
	assert_non_null(m.buf);
	const char *want =
		"tcpshake_port_state{host=\"example.com\",addr=\"192.0.2.10\",port=\"82\",state=\"filtered\"} 0\n"
		"# HELP tcpshake_teardown Worst teardown verdict of the port's connections: 1 for it, 0 for the others.\n"
		"# TYPE tcpshake_teardown gauge\n"
		"tcpshake_teardown{host=\"example.com\",addr=\"192.0.2.10\",port=\"80\",teardown=\"conformant\"} 1\n"
		"tcpshake_teardown{host=\"example.com\",addr=\"192.0.2.10\",port=\"80\",teardown=\"deviant\"} 0\n"
		"tcpshake_teardown{host=\"example.com\",addr=\"192.0.2.10\",port=\"80\",teardown=\"incomplete\"} 0\n"
		"tcpshake_teardown{host=\"example.com\",addr=\"192.0.2.10\",port=\"80\",teardown=\"none\"} 0\n"
		"tcpshake_teardown{host=\"example.com\",addr=\"192.0.2.10\",port=\"81\",teardown=\"conformant\"} 0\n"
		"tcpshake_teardown{host=\"example.com\",addr=\"192.0.2.10\",port=\"81\",teardown=\"deviant\"} 1\n"
		"tcpshake_teardown{host=\"example.com\",addr=\"192.0.2.10\",port=\"81\",teardown=\"incomplete\"} 0\n"
		"tcpshake_teardown{host=\"example.com\",addr=\"192.0.2.10\",port=\"81\",teardown=\"none\"} 0\n"
		"tcpshake_teardown{host=\"example.com\",addr=\"192.0.2.10\",port=\"82\",teardown=\"conformant\"} 0\n"
		"tcpshake_teardown{host=\"example.com\",addr=\"192.0.2.10\",port=\"82\",teardown=\"deviant\"} 0\n"
		"tcpshake_teardown{host=\"example.com\",addr=\"192.0.2.10\",port=\"82\",teardown=\"incomplete\"} 1\n"
		"tcpshake_teardown{host=\"example.com\",addr=\"192.0.2.10\",port=\"82\",teardown=\"none\"} 0\n"
		"# HELP tcpshake_handshakes Connections of this run by handshake outcome.\n";
	if (strstr(m.buf, want) == NULL)
		fail_msg("no teardown family in:\n%s", m.buf);
	free(m.buf);
}

/* Connect mode's handshakes by outcome and deviation codes as labels:
 * every outcome and every code printed for each port, 0 or not, so the
 * series are the same whatever the peer did (bounded cardinality). */
static void test_prom_connect_handshakes_deviations(void **state)
{
	struct output_config c = cfg_of(OUT_PROM);
	struct mem m;
	(void)state;
	c.mode_name = "connect";
	struct output *o = start(&m, &c);
	struct session_event bad = session_to("192.0.2.10", 80, TEARDOWN_DEVIANT, DEV_WRONG_ACK);
	struct session_event rst = session_to("192.0.2.10", 80, TEARDOWN_DEVIANT, DEV_RST_INSTEAD_OF_FIN);
	struct session_event refused = session_to("192.0.2.10", 80, TEARDOWN_NONE, DEV_COUNT);
	refused.handshake = HS_REFUSED;
	output_session(o, &bad);
	output_session(o, &refused);
	connect_run(o, &rst);
	assert_int_equal(finish(&m, o), -1);
	assert_non_null(m.buf);
	const char *want =
		"# HELP tcpshake_handshakes Connections of this run by handshake outcome.\n"
		"# TYPE tcpshake_handshakes gauge\n"
		"tcpshake_handshakes{host=\"example.com\",addr=\"192.0.2.10\",port=\"80\",handshake=\"ok\"} 2\n"
		"tcpshake_handshakes{host=\"example.com\",addr=\"192.0.2.10\",port=\"80\",handshake=\"refused\"} 1\n"
		"tcpshake_handshakes{host=\"example.com\",addr=\"192.0.2.10\",port=\"80\",handshake=\"timeout\"} 0\n"
		"tcpshake_handshakes{host=\"example.com\",addr=\"192.0.2.10\",port=\"80\",handshake=\"unreachable\"} 0\n"
		"# HELP tcpshake_deviation Teardown deviation: 1 if some connection of the port showed it, else 0.\n"
		"# TYPE tcpshake_deviation gauge\n"
		"tcpshake_deviation{host=\"example.com\",addr=\"192.0.2.10\",port=\"80\",code=\"wrong-ack\"} 1\n"
		"tcpshake_deviation{host=\"example.com\",addr=\"192.0.2.10\",port=\"80\",code=\"no-ack-of-fin\"} 0\n"
		"tcpshake_deviation{host=\"example.com\",addr=\"192.0.2.10\",port=\"80\",code=\"fin-never-sent\"} 0\n"
		"tcpshake_deviation{host=\"example.com\",addr=\"192.0.2.10\",port=\"80\",code=\"rst-instead-of-fin\"} 1\n";
	if (strstr(m.buf, want) == NULL)
		fail_msg("no handshake or deviation family in:\n%s", m.buf);
	/* One series a code, DEV_COUNT of them, for the one port. */
	size_t n = 0;
	for (const char *p = m.buf; (p = strstr(p, "\ntcpshake_deviation{")) != NULL; p++)
		n++;
	assert_int_equal(n, DEV_COUNT);
	free(m.buf);
}

/* --- -D and --color --------------------------------------------------------- */

/* -D's stamps: 2024-11-30 07:00:00.123456789 UTC, and a second later. */
#define T1 1732950000123456789ull
#define T2 1732950001000999000ull

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define OFF "\033[0m"

static struct output *start_decor(struct mem *m, enum out_format fmt, const char *mode, bool stamps,
				  bool color)
{
	struct output_config c = cfg_of(fmt);
	c.mode_name = mode;
	c.timestamps = stamps;
	c.color = color;
	return start(m, &c);
}

/* An open, a closed and a timed-out probe, then the port's summary. */
static void scenario_timed(struct output *o)
{
	struct netaddr a = A("10.77.0.2");
	output_begin(o, "srv", &a, 80);
	struct probe_event e = tcp_reply("srv", "10.77.0.2", 80, 1, REPLY_SA, 0.25, 0);
	e.opt = (struct tcp_options){ 0 };
	e.time_ns = T1;
	output_probe(o, &e);
	e = tcp_reply("srv", "10.77.0.2", 80, 2, REPLY_RA, 0.25, 0);
	e.time_ns = T2;
	output_probe(o, &e);
	e = no_reply("srv", "10.77.0.2", 80, 3);
	e.time_ns = T2 + 1000;
	output_probe(o, &e);
	struct summary_event s = summary("srv", "10.77.0.2", 80, 3, 2, PORT_OPEN);
	output_summary(o, &s);
}

/* The line of each probe starts with its event's time; headers and
 * summaries do not. Without -D the same events print as ever. */
static void test_text_stamps(void **state)
{
	(void)state;
	struct mem m;
	struct output *o = start_decor(&m, OUT_TEXT, "syn", true, false);
	scenario_timed(o);
	finish(&m, o);
	check(&m,
	      "TCPSHAKE srv (10.77.0.2) port 80: SYN probes\n"
	      "[1732950000.123456] open 10.77.0.2:80 seq=1 flags=SA ttl=64 win=0 rtt=0.250 ms\n"
	      "[1732950001.000999] closed 10.77.0.2:80 seq=2 flags=RA ttl=64 win=0 rtt=0.250 ms\n"
	      "[1732950001.001000] filtered 10.77.0.2:80 seq=3 no reply\n"
	      "\n"
	      "--- srv port 80 tcpshake statistics ---\n"
	      "3 probes sent, 2 answered, 33.3% loss, port open\n");

	o = start_decor(&m, OUT_TEXT, "syn", false, false);
	scenario_timed(o);
	finish(&m, o);
	check(&m,
	      "TCPSHAKE srv (10.77.0.2) port 80: SYN probes\n"
	      "open 10.77.0.2:80 seq=1 flags=SA ttl=64 win=0 rtt=0.250 ms\n"
	      "closed 10.77.0.2:80 seq=2 flags=RA ttl=64 win=0 rtt=0.250 ms\n"
	      "filtered 10.77.0.2:80 seq=3 no reply\n"
	      "\n"
	      "--- srv port 80 tcpshake statistics ---\n"
	      "3 probes sent, 2 answered, 33.3% loss, port open\n");

	/* A time not known (0) gets no stamp, not "[0.000000]". */
	o = start_decor(&m, OUT_TEXT, "syn", true, false);
	struct probe_event e = no_reply("srv", "10.77.0.2", 80, 1);
	output_probe(o, &e);
	finish(&m, o);
	check(&m, "filtered 10.77.0.2:80 seq=1 no reply\n");
}

/* JSON: "time" after every other key of the record, under -D only. */
static void test_json_time_key(void **state)
{
	(void)state;
	struct mem m;
	struct output *o = start_decor(&m, OUT_JSON, "syn", true, false);
	struct probe_event e = tcp_reply("srv", "10.77.0.2", 80, 1, REPLY_RA, 0.25, 0);
	e.time_ns = T1;
	output_probe(o, &e);
	e = icmp_reply("srv", "10.77.0.2", 80, 2, 3, 13, "10.77.0.254", 63, 0.5);
	e.time_ns = T2;
	output_probe(o, &e);
	finish(&m, o);
	check(&m,
	      "{\"type\":\"probe\",\"host\":\"srv\",\"addr\":\"10.77.0.2\",\"port\":80,\"seq\":1,"
	      "\"state\":\"closed\",\"reply\":\"RA\",\"rtt_ms\":0.250000,\"ttl\":64,\"win\":0,\"mss\":null,"
	      "\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":\"RA\",\"sport\":40000,"
	      "\"ts_source\":\"kernel\",\"time\":1732950000.123456}\n"
	      "{\"type\":\"probe\",\"host\":\"srv\",\"addr\":\"10.77.0.2\",\"port\":80,\"seq\":2,"
	      "\"state\":\"filtered\",\"reply\":\"icmp:admin-prohibited\",\"rtt_ms\":0.500000,\"ttl\":63,"
	      "\"win\":null,\"mss\":null,\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":null,"
	      "\"sport\":40000,\"ts_source\":\"kernel\",\"icmp_from\":\"10.77.0.254\","
	      "\"time\":1732950001.000999}\n");

	o = start_decor(&m, OUT_JSON, "syn", false, true);
	e = tcp_reply("srv", "10.77.0.2", 80, 1, REPLY_RA, 0.25, 0);
	e.time_ns = T1;
	output_probe(o, &e);
	finish(&m, o);
	check(&m,
	      "{\"type\":\"probe\",\"host\":\"srv\",\"addr\":\"10.77.0.2\",\"port\":80,\"seq\":1,"
	      "\"state\":\"closed\",\"reply\":\"RA\",\"rtt_ms\":0.250000,\"ttl\":64,\"win\":0,\"mss\":null,"
	      "\"wscale\":null,\"sack\":false,\"ts\":false,\"flags\":\"RA\",\"sport\":40000,"
	      "\"ts_source\":\"kernel\"}\n");
}

/* A connection's line, the check rows (the table's header indented over
 * the stamps' column) and a script's line are stamped too. */
static void test_text_stamps_other_modes(void **state)
{
	(void)state;
	struct mem m;
	struct output *o = start_decor(&m, OUT_TEXT, "connect", true, false);
	struct session_event se = session_to("192.0.2.10", 80, TEARDOWN_CONFORMANT, DEV_COUNT);
	se.time_ns = T1;
	output_session(o, &se);
	finish(&m, o);
	check(&m, "[1732950000.123456] 192.0.2.10:80 connection=1 sport=40000 handshake=ok rtt=0.250 ms "
		  "close=active teardown=conformant segments=5 sent=0 B received=0 B retransmissions=0/1\n");

	o = start_decor(&m, OUT_TEXT, "conform", true, false);
	struct check_event a = check_of(1, 2, CHECK_PASS), b = check_of(2, 2, CHECK_SKIP);
	a.time_ns = b.time_ns = T2;
	output_check(o, &a);
	output_check(o, &b);
	finish(&m, o);
	check(&m,
	      "                    CHECK                      RESULT REFERENCE                          DETAIL\n"
	      "[1732950001.000999] synack-ack                 pass   RFC 9293 3.10.7.2                  ack = ISN + 1 (8)\n"
	      "[1732950001.000999] synack-ack                 skip   RFC 9293 3.10.7.2                  ack: expected 8 (ISN + 1), got 7\n"
	      "2 checks: 1 passed, 0 failed, 1 skipped, 0 errors\n");

	o = start_decor(&m, OUT_TEXT, "script", true, false);
	struct script_event sc = script_of(SCRIPT_OUTCOME_PASS);
	sc.nskipped = 0;
	sc.time_ns = T1;
	output_script(o, &sc);
	finish(&m, o);
	check(&m, "[1732950000.123456] hs.pkt: pass\n");
}

/* The JSON records of connections, checks and scripts end with "time". */
static void test_json_time_other_modes(void **state)
{
	(void)state;
	struct mem m;
	struct output *o = start_decor(&m, OUT_JSON, "connect", true, false);
	struct session_event se = session_to("192.0.2.10", 80, TEARDOWN_CONFORMANT, DEV_COUNT);
	se.time_ns = T1;
	output_session(o, &se);
	finish(&m, o);
	assert_non_null(strstr(m.buf, ",\"cause\":null,\"time\":1732950000.123456}\n"));
	free(m.buf);

	o = start_decor(&m, OUT_JSON, "conform", true, false);
	struct check_event c = check_of(1, 1, CHECK_PASS);
	c.nevidence = 0;
	c.time_ns = T2;
	output_check(o, &c);
	finish(&m, o);
	check(&m,
	      "{\"type\":\"check\",\"id\":\"synack-ack\",\"ref\":\"RFC 9293 3.10.7.2\",\"result\":\"pass\","
	      "\"detail\":\"ack = ISN + 1 (8)\",\"host\":\"example.com\",\"addr\":\"192.0.2.10\",\"port\":80,"
	      "\"what\":\"the SYN-ACK acknowledges our ISN + 1\",\"evidence\":[],\"time\":1732950001.000999}\n");

	o = start_decor(&m, OUT_JSON, "script", true, false);
	struct script_event sc = script_of(SCRIPT_OUTCOME_PASS);
	sc.nskipped = sc.nsegs = 0;
	sc.time_ns = T1;
	output_script(o, &sc);
	finish(&m, o);
	check(&m,
	      "{\"type\":\"script\",\"file\":\"hs.pkt\",\"host\":\"example.com\",\"addr\":\"192.0.2.10\","
	      "\"port\":80,\"result\":\"pass\",\"line\":null,\"detail\":null,\"field\":null,"
	      "\"expected\":null,\"actual\":null,\"skipped\":[],\"segments\":[],\"notes\":[],"
	      "\"sport\":40000,\"time\":1732950000.123456}\n");
}

static void test_text_color(void **state)
{
	(void)state;
	struct mem m;
	struct output *o = start_decor(&m, OUT_TEXT, "syn", false, true);
	scenario_timed(o);
	finish(&m, o);
	check(&m,
	      "TCPSHAKE srv (10.77.0.2) port 80: SYN probes\n"
	      GREEN "open" OFF " 10.77.0.2:80 seq=1 flags=SA ttl=64 win=0 rtt=0.250 ms\n"
	      RED "closed" OFF " 10.77.0.2:80 seq=2 flags=RA ttl=64 win=0 rtt=0.250 ms\n"
	      YELLOW "filtered" OFF " 10.77.0.2:80 seq=3 no reply\n"
	      "\n"
	      "--- srv port 80 tcpshake statistics ---\n"
	      "3 probes sent, 2 answered, 33.3% loss, port " GREEN "open" OFF "\n");
}

/* Colour with stamps: the check table keeps its columns (the escape codes
 * do not count as width); script results and teardown verdicts too. */
static void test_text_color_other_modes(void **state)
{
	(void)state;
	struct mem m;
	struct output *o = start_decor(&m, OUT_TEXT, "conform", true, true);
	struct check_event a = check_of(1, 3, CHECK_PASS), b = check_of(2, 3, CHECK_FAIL),
			   c = check_of(3, 3, CHECK_SKIP);
	a.time_ns = b.time_ns = c.time_ns = T2;
	a.detail = b.detail = c.detail = "d";
	output_check(o, &a);
	output_check(o, &b);
	output_check(o, &c);
	finish(&m, o);
	check(&m,
	      "                    CHECK                      RESULT REFERENCE                          DETAIL\n"
	      "[1732950001.000999] synack-ack                 " GREEN "pass" OFF "   RFC 9293 3.10.7.2                  d\n"
	      "[1732950001.000999] synack-ack                 " RED "fail" OFF "   RFC 9293 3.10.7.2                  d\n"
	      "[1732950001.000999] synack-ack                 " YELLOW "skip" OFF "   RFC 9293 3.10.7.2                  d\n"
	      "3 checks: 1 passed, 1 failed, 1 skipped, 0 errors\n");

	o = start_decor(&m, OUT_TEXT, "script", false, true);
	struct script_event p = script_of(SCRIPT_OUTCOME_PASS), f = script_of(SCRIPT_OUTCOME_ERROR);
	p.nskipped = f.nskipped = 0;
	output_script(o, &p);
	output_script(o, &f);
	finish(&m, o);
	check(&m, "hs.pkt: " GREEN "pass" OFF "\n"
		  "hs.pkt:7: " RED "error" OFF ": our own kernel reset the connection (is the RST guard on?)\n"
		  "2 scripts: 1 passed, 0 failed, 1 errors\n");

	o = start_decor(&m, OUT_TEXT, "connect", false, true);
	struct session_event s1 = session_to("192.0.2.10", 80, TEARDOWN_DEVIANT, DEV_COUNT),
			     s2 = session_to("192.0.2.10", 80, TEARDOWN_INCOMPLETE, DEV_COUNT);
	output_session(o, &s1);
	output_session(o, &s2);
	finish(&m, o);
	check(&m,
	      "192.0.2.10:80 connection=1 sport=40000 handshake=ok rtt=0.250 ms close=active teardown="
	      RED "deviant" OFF " segments=5 sent=0 B received=0 B retransmissions=0/1\n"
	      "192.0.2.10:80 connection=1 sport=40000 handshake=ok rtt=0.250 ms close=active teardown="
	      YELLOW "incomplete" OFF " segments=5 sent=0 B received=0 B retransmissions=0/1\n");
}

/* Only text is coloured, whatever the config says. */
static void test_no_color_but_text(void **state)
{
	(void)state;
	const enum out_format fmts[] = { OUT_JSON, OUT_NAGIOS, OUT_PROM };
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		struct mem m;
		struct output *o = start_decor(&m, fmts[i], "syn", false, true);
		scenario_timed(o);
		finish(&m, o);
		assert_non_null(strstr(m.buf, "10.77.0.2"));
		assert_null(strchr(m.buf, '\033'));
		free(m.buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_scripts),
		cmocka_unit_test(test_text_script_trace),
		cmocka_unit_test(test_text_scripts_multi_port),
		cmocka_unit_test(test_json_script),
		cmocka_unit_test(test_nagios_scripts),
		cmocka_unit_test(test_prom_scripts),
		cmocka_unit_test(test_nagios_connect_teardown),
		cmocka_unit_test(test_nagios_connect_teardown_worst),
		cmocka_unit_test(test_prom_connect_teardown),
		cmocka_unit_test(test_prom_connect_handshakes_deviations),
		cmocka_unit_test(test_text_session_trace),
		cmocka_unit_test(test_json_session),
		cmocka_unit_test(test_text_checks),
		cmocka_unit_test(test_json_check),
		cmocka_unit_test(test_nagios_checks),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_text_open),
		cmocka_unit_test(test_text_multi_port_header),
		cmocka_unit_test(test_text_closed),
		cmocka_unit_test(test_text_filtered_icmp),
		cmocka_unit_test(test_text_ipv6),
		cmocka_unit_test(test_text_quiet),
		cmocka_unit_test(test_text_flushes_each_line),
		cmocka_unit_test(test_json_open),
		cmocka_unit_test(test_json_closed),
		cmocka_unit_test(test_json_filtered_icmp),
		cmocka_unit_test(test_json_ipv6),
		cmocka_unit_test(test_json_escaped_host_and_error),
		cmocka_unit_test(test_json_escape_function),
		cmocka_unit_test(test_json_never_nan),
		cmocka_unit_test(test_json_flushes_each_line),
		cmocka_unit_test(test_nagios_thresholds),
		cmocka_unit_test(test_nagios_no_thresholds),
		cmocka_unit_test(test_nagios_not_open),
		cmocka_unit_test(test_nagios_multi),
		cmocka_unit_test(test_nagios_not_open_list_capped),
		cmocka_unit_test(test_nagios_unknown),
		cmocka_unit_test(test_summaries_kept_by_copy),
		cmocka_unit_test(test_prom_with_samples),
		cmocka_unit_test(test_prom_without_samples),
		cmocka_unit_test(test_prom_error),
		cmocka_unit_test(test_end_once),
		cmocka_unit_test(test_text_stamps),
		cmocka_unit_test(test_json_time_key),
		cmocka_unit_test(test_text_stamps_other_modes),
		cmocka_unit_test(test_json_time_other_modes),
		cmocka_unit_test(test_text_color),
		cmocka_unit_test(test_text_color_other_modes),
		cmocka_unit_test(test_no_color_but_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
