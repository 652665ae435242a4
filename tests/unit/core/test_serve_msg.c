/*
 * test_serve_msg: the privsep messages. Every well-formed message of each
 * type passes the check from its own side and fails from the other; each
 * field the check guards, set one step out of range, fails with a message
 * naming it; and the text helpers cut, terminate and zero.
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

#include "core/serve_msg.h"

static struct serve_msg good_probe(void)
{
	struct serve_msg m;
	serve_msg_init(&m, SMSG_PROBE, 7);
	serve_msg_text(m.u.probe.module, sizeof(m.u.probe.module), "syn");
	serve_msg_text(m.u.probe.host, sizeof(m.u.probe.host), "web-1.example.org");
	assert_int_equal(netaddr_parse("192.0.2.7", &m.u.probe.addr), 0);
	m.u.probe.port = 443;
	m.u.probe.timeout_ms = 9500;
	return m;
}

static struct serve_msg good_done(void)
{
	struct serve_msg m;
	serve_msg_init(&m, SMSG_DONE, 7);
	m.u.done.status = SSTAT_OK;
	m.u.done.success = 1;
	m.u.done.duration_ns = 1234567;
	serve_msg_text(m.u.done.message, sizeof(m.u.done.message), "");
	return m;
}

static struct serve_msg good_module(void)
{
	struct serve_msg m;
	serve_msg_init(&m, SMSG_MODULE, 3);
	serve_msg_text(m.u.module.name, sizeof(m.u.module.name), "connect");
	m.u.module.mode = 1;
	serve_msg_text(m.u.module.summary, sizeof(m.u.module.summary), "connect: 1 connection");
	return m;
}

/* m passes from its own side; from the other, it fails on its type. */
static void assert_ok(const struct serve_msg *m, bool from_http)
{
	char err[256] = "";
	assert_int_equal(serve_msg_check(m, sizeof(*m), from_http, err, sizeof(err)), 0);
	assert_int_equal(serve_msg_check(m, sizeof(*m), !from_http, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "may not come from the"));
}

/* m fails from from_http with an error holding want. */
static void assert_bad(const struct serve_msg *m, bool from_http, const char *want)
{
	char err[256] = "";
	assert_int_equal(serve_msg_check(m, sizeof(*m), from_http, err, sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' does not say '%s'", err, want);
}

static void test_init(void **state)
{
	struct serve_msg m;
	memset(&m, 0xaa, sizeof(m));
	serve_msg_init(&m, SMSG_LIST, 42);
	assert_int_equal(m.magic, SERVE_MSG_MAGIC);
	assert_int_equal(m.type, SMSG_LIST);
	assert_int_equal(m.id, 42);
	assert_int_equal(m.reserved, 0);
	const unsigned char *b = (const unsigned char *)&m.u;
	for (size_t i = 0; i < sizeof(m.u); i++)
		assert_int_equal(b[i], 0);
}

static void test_text(void **state)
{
	char f[8];

	memset(f, 'x', sizeof(f));
	serve_msg_text(f, sizeof(f), "ab");
	assert_string_equal(f, "ab");
	for (size_t i = 2; i < sizeof(f); i++)
		assert_int_equal(f[i], 0); /* nothing stale crosses */

	serve_msg_text(f, sizeof(f), "abcdefghij");
	assert_string_equal(f, "abcdefg"); /* cut, terminated */

	serve_msg_text(f, sizeof(f), "abcdefg"); /* exactly fits */
	assert_string_equal(f, "abcdefg");

	memset(f, 'x', sizeof(f));
	serve_msg_text(f, sizeof(f), NULL);
	assert_string_equal(f, "");

	f[0] = 'x';
	serve_msg_text(f, 0, "abc"); /* no room: untouched */
	assert_int_equal(f[0], 'x');
	serve_msg_text(f, 1, "abc");
	assert_int_equal(f[0], '\0');
}

static void test_names(void **state)
{
	assert_true(serve_name_ok("syn"));
	assert_true(serve_name_ok("web_2.tls-v1"));
	assert_true(serve_name_ok("0123456789012345678901234567890")); /* 31 */
	assert_false(serve_name_ok("01234567890123456789012345678901")); /* 32 */
	assert_false(serve_name_ok(""));
	assert_false(serve_name_ok("a b"));
	assert_false(serve_name_ok("a/b"));
	assert_false(serve_name_ok("a:b"));
	assert_false(serve_name_ok("caf\xc3\xa9"));

	char host[SERVE_HOST_MAX + 1];
	memset(host, 'a', sizeof(host));
	host[SERVE_HOST_MAX - 1] = '\0';
	assert_true(serve_host_ok(host)); /* 255 */
	host[SERVE_HOST_MAX - 1] = 'a';
	host[SERVE_HOST_MAX] = '\0';
	assert_false(serve_host_ok(host)); /* 256 */
	assert_true(serve_host_ok("2001:db8::1"));
	assert_true(serve_host_ok("my_host-1.example.org"));
	assert_false(serve_host_ok(""));
	assert_false(serve_host_ok("a b"));
	assert_false(serve_host_ok("a\"b"));
	assert_false(serve_host_ok("a<b>"));
	assert_false(serve_host_ok("a\nb"));
	assert_false(serve_host_ok("10.0.0.0/8"));
	assert_false(serve_host_ok("fe80::1%eth0"));
}

static void test_status_names(void **state)
{
	assert_string_equal(serve_status_name(SSTAT_OK), "ok");
	assert_string_equal(serve_status_name(SSTAT_BAD_MODULE), "bad-module");
	assert_string_equal(serve_status_name(SSTAT_FORBIDDEN), "forbidden");
	assert_string_equal(serve_status_name(SSTAT_BUSY), "busy");
	assert_string_equal(serve_status_name(SSTAT_DRAINING), "draining");
	assert_string_equal(serve_status_name(SSTAT_ERROR), "error");
	assert_string_equal(serve_status_name((enum serve_status)99), "unknown");
}

static void test_each_type_from_its_side(void **state)
{
	struct serve_msg m = good_probe();
	assert_ok(&m, true);

	serve_msg_init(&m, SMSG_LIST, 1);
	assert_ok(&m, true);

	serve_msg_init(&m, SMSG_CHUNK, 7);
	m.u.chunk.stream = SSTREAM_DEBUG;
	m.u.chunk.len = SERVE_CHUNK_MAX;
	memset(m.u.chunk.data, 'z', sizeof(m.u.chunk.data)); /* data is bytes, not a string */
	assert_ok(&m, false);
	m.u.chunk.stream = SSTREAM_METRICS;
	m.u.chunk.len = 0;
	assert_ok(&m, false);

	m = good_done();
	assert_ok(&m, false);
	m.u.done.status = SSTAT_ERROR; /* the last status */
	m.u.done.success = 0;
	serve_msg_text(m.u.done.message, sizeof(m.u.done.message), "no route to 192.0.2.7");
	assert_ok(&m, false);

	m = good_module();
	assert_ok(&m, false);
	m.u.module.mode = 0;
	assert_ok(&m, false);

	serve_msg_init(&m, SMSG_LIST_END, 3);
	assert_ok(&m, false);

	m = good_probe(); /* IPv6 */
	assert_int_equal(netaddr_parse("2001:db8::ff", &m.u.probe.addr), 0);
	m.u.probe.port = 65535;
	m.u.probe.timeout_ms = 1;
	assert_ok(&m, true);
}

static void test_header(void **state)
{
	char err[256];
	struct serve_msg m = good_probe();

	assert_int_equal(serve_msg_check(&m, sizeof(m) - 1, true, err, sizeof(err)), -1);
	char want[64];
	snprintf(want, sizeof(want), "message of %zu bytes, expected %zu", sizeof(m) - 1, sizeof(m));
	assert_string_equal(err, want);
	assert_int_equal(serve_msg_check(&m, sizeof(m) + 1, true, err, sizeof(err)), -1);
	assert_int_equal(serve_msg_check(&m, 0, true, err, sizeof(err)), -1);

	m.magic = 0x74637369u;
	assert_int_equal(serve_msg_check(&m, sizeof(m), true, err, sizeof(err)), -1);
	assert_string_equal(err, "message magic 0x74637369, expected 0x74637368");

	m = good_probe();
	m.type = 0;
	assert_bad(&m, true, "message type 0 is unknown");
	m.type = SMSG_LIST_END + 1;
	assert_bad(&m, true, "message type 7 is unknown");
	assert_bad(&m, false, "message type 7 is unknown");
	m.type = 0xffff;
	assert_bad(&m, true, "is unknown");

	m = good_done();
	assert_bad(&m, true, "message type 3 (done) may not come from the HTTP side");
	m = good_probe();
	assert_bad(&m, false, "message type 1 (probe) may not come from the engine side");

	m = good_probe();
	m.reserved = 1;
	assert_bad(&m, true, "message reserved field is not 0");

	/* A small err buffer is cut, not overrun. */
	char tiny[8];
	assert_int_equal(serve_msg_check(&m, sizeof(m), true, tiny, sizeof(tiny)), -1);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

static void test_probe_fields(void **state)
{
	struct serve_msg m = good_probe();

	memset(m.u.probe.module, 'a', sizeof(m.u.probe.module));
	assert_bad(&m, true, "message 7 (probe): probe module is not NUL-terminated");
	m = good_probe();
	m.u.probe.module[0] = '\0';
	assert_bad(&m, true, "probe module is not a module name");
	serve_msg_text(m.u.probe.module, sizeof(m.u.probe.module), "../x");
	assert_bad(&m, true, "probe module is not a module name");

	m = good_probe();
	memset(m.u.probe.host, 'a', sizeof(m.u.probe.host));
	assert_bad(&m, true, "probe host is not NUL-terminated");
	m.u.probe.host[sizeof(m.u.probe.host) - 1] = '\0'; /* 255 characters: fine */
	assert_ok(&m, true);
	m = good_probe();
	m.u.probe.host[0] = '\0';
	assert_bad(&m, true, "probe host is empty or holds a character a host cannot");
	serve_msg_text(m.u.probe.host, sizeof(m.u.probe.host), "a\"} evil 1\n");
	assert_bad(&m, true, "probe host is empty");

	m = good_probe();
	m.u.probe.addr.family = 0;
	assert_bad(&m, true, "probe address is neither IPv4 nor IPv6");
	m.u.probe.addr.family = AF_UNIX;
	assert_bad(&m, true, "probe address is neither IPv4 nor IPv6");
	m = good_probe();
	m.u.probe.addr.b[4] = 1;
	assert_bad(&m, true, "probe IPv4 address has bytes past its fourth");
	m = good_probe();
	m.u.probe.addr.b[15] = 1;
	assert_bad(&m, true, "probe IPv4 address has bytes past its fourth");

	m = good_probe();
	m.u.probe.port = 0;
	assert_bad(&m, true, "probe port is 0");
	m = good_probe();
	m.u.probe.timeout_ms = 0;
	assert_bad(&m, true, "probe timeout is 0");
}

static void test_list_body(void **state)
{
	struct serve_msg m;

	serve_msg_init(&m, SMSG_LIST, 1);
	m.u.probe.port = 80;
	assert_bad(&m, true, "message 1 (list): message body is not empty");
	serve_msg_init(&m, SMSG_LIST_END, 1);
	((unsigned char *)&m.u)[sizeof(m.u) - 1] = 1;
	assert_bad(&m, false, "message 1 (list-end): message body is not empty");
}

static void test_chunk_fields(void **state)
{
	struct serve_msg m;

	serve_msg_init(&m, SMSG_CHUNK, 9);
	m.u.chunk.stream = SSTREAM_DEBUG + 1;
	assert_bad(&m, false, "message 9 (chunk): chunk stream is unknown");
	m.u.chunk.stream = 0xff;
	assert_bad(&m, false, "chunk stream is unknown");
	m.u.chunk.stream = SSTREAM_METRICS;
	m.u.chunk.len = SERVE_CHUNK_MAX + 1;
	assert_bad(&m, false, "chunk len is above SERVE_CHUNK_MAX");
	m.u.chunk.len = 0xffff;
	assert_bad(&m, false, "chunk len is above SERVE_CHUNK_MAX");
}

static void test_done_fields(void **state)
{
	struct serve_msg m = good_done();

	m.u.done.status = SSTAT_ERROR + 1;
	assert_bad(&m, false, "message 7 (done): done status is unknown");
	m = good_done();
	m.u.done.success = 2;
	assert_bad(&m, false, "done success is neither 0 nor 1");
	m = good_done();
	memset(m.u.done.message, 'm', sizeof(m.u.done.message));
	assert_bad(&m, false, "done message is not NUL-terminated");
	m.u.done.message[sizeof(m.u.done.message) - 1] = '\0';
	assert_ok(&m, false);
}

static void test_module_fields(void **state)
{
	struct serve_msg m = good_module();

	memset(m.u.module.name, 'n', sizeof(m.u.module.name));
	assert_bad(&m, false, "message 3 (module): module name is not NUL-terminated");
	m = good_module();
	serve_msg_text(m.u.module.name, sizeof(m.u.module.name), "a b");
	assert_bad(&m, false, "module name is not a module name");
	m = good_module();
	m.u.module.mode = 2;
	assert_bad(&m, false, "module mode is unknown");
	m = good_module();
	memset(m.u.module.summary, 's', sizeof(m.u.module.summary));
	assert_bad(&m, false, "module summary is not NUL-terminated");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_each_type_from_its_side),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_probe_fields),
		cmocka_unit_test(test_list_body),
		cmocka_unit_test(test_chunk_fields),
		cmocka_unit_test(test_done_fields),
		cmocka_unit_test(test_module_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
