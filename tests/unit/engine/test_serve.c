/*
 * Unit tests for serve: one exporter probe over the fake wire
 * (tests/unit/fakewire.h). A module is built by hand (the tests pin this
 * file, not the module table), run against the fake's peer, and its two
 * outputs read: the exposition (blackbox's probe_success and
 * probe_duration_seconds first, then --format prom's families labelled
 * with the host as the query wrote it) and the debug text (--trace's).
 * Time is the fake's, so durations are exact.
 */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../fakewire.h"
#include "core/segment.h"
#include "core/tcpconst.h"
#include "engine/serve.h"

#define MS FW_MS
#define SEC FW_SEC

static struct module syn_module(unsigned long count)
{
	struct module m;
	memset(&m, 0, sizeof(m));
	snprintf(m.name, sizeof(m.name), "syn");
	m.mode = MODULE_SYN;
	m.count = count;
	m.interval_ns = 100 * MS;
	m.timeout_ns = 1 * SEC;
	m.ttl = 64;
	m.syn = (struct syn_options){ .mss = true, .wscale = true, .wscale_value = 7, .sack = true, .ts = true };
	return m;
}

static struct module connect_module(void)
{
	struct module m = syn_module(1);
	snprintf(m.name, sizeof(m.name), "connect");
	m.mode = MODULE_CONNECT;
	m.timeout_ns = 2 * SEC;
	m.close = CONN_CLOSE_ACTIVE;
	m.time_wait_ns = -1;
	return m;
}

struct probe {
	struct fakewire *f;
	struct serve_result res;
	int rc;
};

/* Run m against web.example (192.0.2.10):port from 192.0.2.1. */
static void probe(struct probe *p, const struct module *m, uint16_t port)
{
	struct serve_target t = { .host = "web.example", .port = port, .mss = 1460, .mtu = 1500 };
	assert_int_equal(netaddr_parse(FW_PEER_ADDR, &t.addr), 0);
	assert_int_equal(netaddr_parse(FW_OUR_ADDR, &t.src), 0);
	struct wire w;
	fw_bind(p->f, &w);
	volatile sig_atomic_t stop = 0;
	p->rc = serve_probe_run(m, &t, &w, 40000, 4, &stop, &p->res);
	assert_non_null(p->res.metrics);
	assert_int_equal(strlen(p->res.metrics), p->res.metrics_len);
}

static void done(struct probe *p)
{
	serve_result_free(&p->res);
	assert_null(p->res.metrics);
	free(p->f);
}

static void has(const char *text, const char *want)
{
	if (text == NULL || strstr(text, want) == NULL)
		fail_msg("no '%s' in:\n%s", want, text != NULL ? text : "(null)");
}

static void lacks(const char *text, const char *want)
{
	if (strstr(text, want) != NULL)
		fail_msg("'%s' should not be in:\n%s", want, text);
}

/* The exposition starts with blackbox's two families, its HELP text. */
static void starts_like_blackbox(const struct probe *p, int success)
{
	char head[512];
	snprintf(head, sizeof(head),
		 "# HELP probe_success Displays whether or not the probe was a success\n"
		 "# TYPE probe_success gauge\n"
		 "probe_success %d\n"
		 "# HELP probe_duration_seconds Returns how long the probe took to complete in seconds\n"
		 "# TYPE probe_duration_seconds gauge\n"
		 "probe_duration_seconds %llu.%09llu\n",
		 success, (unsigned long long)(p->res.duration_ns / NS_PER_S),
		 (unsigned long long)(p->res.duration_ns % NS_PER_S));
	assert_memory_equal(p->res.metrics, head, strlen(head));
	assert_int_equal(p->res.success, success);
}

static void test_syn_open(void **state)
{
	(void)state;
	struct probe p = { .f = fw_new() };
	struct module m = syn_module(3);
	probe(&p, &m, 80);
	assert_int_equal(p.rc, 0);
	starts_like_blackbox(&p, 1);
	assert_string_equal(p.res.error, "");
	/* Three SYNs 100 ms apart, the last answered 10 ms later (the
	 * fake's clock is exact): no waiting out a timeout once all answered. */
	assert_int_equal(p.res.duration_ns, 210 * MS);
	has(p.res.metrics, "tcpshake_up{host=\"web.example\",addr=\"192.0.2.10\",port=\"80\"} 1\n");
	has(p.res.metrics, "tcpshake_port_state{host=\"web.example\",addr=\"192.0.2.10\",port=\"80\","
			   "state=\"open\"} 1\n");
	has(p.res.metrics, "tcpshake_probes_sent{host=\"web.example\",addr=\"192.0.2.10\",port=\"80\"} 3\n");
	has(p.res.metrics, "tcpshake_loss_ratio{host=\"web.example\",addr=\"192.0.2.10\",port=\"80\"} 0\n");
	has(p.res.metrics, "tcpshake_rtt_seconds_count{host=\"web.example\",addr=\"192.0.2.10\",port=\"80\"} 3\n");
	/* The fake peer's SYN-ACK: Linux's options, MSS 1460, wscale 7. */
	has(p.res.metrics, "tcpshake_synack_option{host=\"web.example\",addr=\"192.0.2.10\",port=\"80\","
			   "option=\"sack_permitted\"} 1\n");
	has(p.res.metrics, "tcpshake_synack_mss_bytes{host=\"web.example\",addr=\"192.0.2.10\",port=\"80\"} 1460\n");
	has(p.res.metrics, "tcpshake_synack_wscale{host=\"web.example\",addr=\"192.0.2.10\",port=\"80\"} 7\n");
	/* Syn mode has no connections: no connect families. */
	lacks(p.res.metrics, "tcpshake_teardown");
	/* The debug text is the text format's, ping-like lines and all. */
	assert_non_null(p.res.debug);
	assert_int_equal(strlen(p.res.debug), p.res.debug_len);
	has(p.res.debug, "TCPSHAKE web.example (192.0.2.10) port 80");
	has(p.res.debug, "open 192.0.2.10:80 seq=");
	has(p.res.debug, "--- web.example port 80 tcpshake statistics ---");
	/* Three SYNs on the wire (each SYN-ACK then reset by us). */
	size_t syns = 0;
	for (long i = 0; (i = fw_find(p.f, (size_t)i, TCPF_SYN)) >= 0; i++)
		syns++;
	assert_int_equal(syns, 3);
	done(&p);
}

static void test_syn_closed(void **state)
{
	(void)state;
	struct probe p = { .f = fw_new() };
	p.f->port_beh[81] = FW_PORT_CLOSED;
	struct module m = syn_module(2);
	probe(&p, &m, 81);
	assert_int_equal(p.rc, 0);
	starts_like_blackbox(&p, 0);
	has(p.res.metrics, "tcpshake_port_state{host=\"web.example\",addr=\"192.0.2.10\",port=\"81\","
			   "state=\"closed\"} 1\n");
	has(p.res.debug, "closed 192.0.2.10:81");
	done(&p);
}

static void test_syn_filtered(void **state)
{
	(void)state;
	struct probe p = { .f = fw_new() };
	p.f->port_beh[82] = FW_PORT_DROP;
	struct module m = syn_module(2);
	probe(&p, &m, 82);
	assert_int_equal(p.rc, 0);
	starts_like_blackbox(&p, 0);
	has(p.res.metrics, "tcpshake_port_state{host=\"web.example\",addr=\"192.0.2.10\",port=\"82\","
			   "state=\"filtered\"} 1\n");
	has(p.res.metrics, "tcpshake_loss_ratio{host=\"web.example\",addr=\"192.0.2.10\",port=\"82\"} 1\n");
	/* The second SYN 100 ms after the first, then its whole timeout. */
	assert_int_equal(p.res.duration_ns, 1100 * MS);
	has(p.res.debug, "filtered 192.0.2.10:82");
	done(&p);
}

static void test_connect_happy(void **state)
{
	(void)state;
	struct probe p = { .f = fw_new() };
	struct module m = connect_module();
	probe(&p, &m, 80);
	assert_int_equal(p.rc, 0);
	starts_like_blackbox(&p, 1);
	has(p.res.metrics, "tcpshake_teardown{host=\"web.example\",addr=\"192.0.2.10\",port=\"80\","
			   "teardown=\"conformant\"} 1\n");
	has(p.res.metrics, "tcpshake_handshakes{host=\"web.example\",addr=\"192.0.2.10\",port=\"80\","
			   "handshake=\"ok\"} 1\n");
	has(p.res.metrics, "tcpshake_deviation{host=\"web.example\",addr=\"192.0.2.10\",port=\"80\","
			   "code=\"wrong-ack\"} 0\n");
	/* The debug text: the connection's line and --trace's ladder. */
	has(p.res.debug, "192.0.2.10:80 connection=1 sport=");
	has(p.res.debug, "handshake=ok");
	has(p.res.debug, "SYN_SENT");
	done(&p);
}

/* A refused connection is a failed probe, but not an error of ours. */
static void test_connect_refused(void **state)
{
	(void)state;
	struct probe p = { .f = fw_new() };
	p.f->p.refuse = true;
	struct module m = connect_module();
	probe(&p, &m, 80);
	assert_int_equal(p.rc, 0);
	starts_like_blackbox(&p, 0);
	has(p.res.metrics, "handshake=\"refused\"} 1\n");
	has(p.res.debug, "handshake=refused");
	done(&p);
}

/* Sends that keep failing: -1 with the error, probe_success 0, and only a
 * comment after blackbox's families (no partial tcpshake series). */
static void test_send_error(void **state)
{
	(void)state;
	struct probe p = { .f = fw_new() };
	p.f->enobufs = UINT_MAX;
	struct module m = syn_module(1);
	probe(&p, &m, 80);
	assert_int_equal(p.rc, -1);
	assert_string_not_equal(p.res.error, "");
	starts_like_blackbox(&p, 0);
	has(p.res.metrics, "# tcpshake error: ");
	lacks(p.res.metrics, "tcpshake_up");
	assert_non_null(p.res.debug);
	done(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn_open),
		cmocka_unit_test(test_syn_closed),
		cmocka_unit_test(test_syn_filtered),
		cmocka_unit_test(test_connect_happy),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_send_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
