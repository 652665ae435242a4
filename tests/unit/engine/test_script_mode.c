/*
 * Unit tests for script_mode over the fake wire: every script against
 * every target port, each run from a fresh source port, one script record
 * each (JSON, read back from memory), and the counts the exit status comes
 * from.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/script.h"
#include "engine/script_mode.h"
#include "out/output.h"
#include "../fakewire.h"

static struct script *parse(const char *name, const char *text)
{
	char err[256] = "";
	struct script *s = NULL;
	if (script_parse(name, text, strlen(text), &s, err, sizeof(err)) != 0)
		fail_msg("parse: %s", err);
	return s;
}

static void test_scripts_by_ports(void **state)
{
	(void)state;
	struct fakewire *f = fw_new();
	struct wire w;
	volatile sig_atomic_t stop = 0;
	fw_bind(f, &w);
	struct script *s[2] = {
		parse("good.pkt", "0 < S 0:0(0) win 65535\n+0 > S. 0:0(0) ack 1 <...>\n"),
		parse("bad.pkt", "0 < S 0:0(0) win 65535\n+0 > S. 0:0(0) ack 9 <...>\n"),
	};
	/* The fake peer answers from port 80 whatever port we name: the
	 * target names it twice, as two target ports. */
	uint16_t ports[2] = {80, 80};
	struct target t = {.host = "peer", .ports = {.port = ports, .n = 2}};
	assert_int_equal(netaddr_parse(FW_PEER_ADDR, &t.addr), 0);
	struct target_list tl = {.t = &t, .n = 1};
	struct netaddr src;
	assert_int_equal(netaddr_parse(FW_OUR_ADDR, &src), 0);
	struct script_mode_config cfg = {
		.targets = &tl, .src = &src, .sport_base = 40000, .nsports = 8, .ttl = 64,
		.tsval_base = 1, .isn_seed = 7, .scripts = (const struct script *const *)s, .nscripts = 2,
		.tolerance_ns = 20 * FW_MS, .answer_timeout_ns = FW_SEC,
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	struct output_config oc = {.format = OUT_JSON, .mode_name = "script", .timestamps = true};
	struct output *out = output_new(&oc, mem);
	struct script_mode_result res;
	char err[256];
	assert_int_equal(script_mode_run(&cfg, &w, out, &stop, &res, err, sizeof(err)), 0);
	output_free(out);
	fclose(mem);
	assert_int_equal(res.run, 4);
	assert_int_equal(res.passed, 2);
	assert_int_equal(res.failed, 2);
	assert_int_equal(res.errors, 0);
	/* One record per script and port, in order, each from its own port. */
	const char *want[4][3] = {{"good.pkt", "80", "40000"}, {"bad.pkt", "80", "40001"},
				  {"good.pkt", "80", "40002"}, {"bad.pkt", "80", "40003"}};
	char *line = buf;
	unsigned long long prev = 0;
	for (size_t i = 0; i < 4; i++) {
		char *nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		char k[64];
		snprintf(k, sizeof(k), "\"file\":\"%s\"", want[i][0]);
		assert_non_null(strstr(line, k));
		snprintf(k, sizeof(k), "\"port\":%s,", want[i][1]);
		assert_non_null(strstr(line, k));
		/* -D's time last: the run's end on the fake's clock, in order. */
		snprintf(k, sizeof(k), "\"sport\":%s,\"time\":", want[i][2]);
		char *tk = strstr(line, k);
		assert_non_null(tk);
		unsigned long long sec, usec;
		assert_int_equal(sscanf(tk + strlen(k), "%llu.%6llu}", &sec, &usec), 2);
		assert_true(sec * 1000000ull + usec >= FW_T0 / 1000ull);
		assert_true(sec * 1000000ull + usec > prev);
		prev = sec * 1000000ull + usec;
		assert_non_null(strstr(line, i % 2 ? "\"result\":\"fail\",\"line\":2," : "\"result\":\"pass\""));
		line = nl + 1;
	}
	assert_string_equal(line, "");
	free(buf);
	script_free(s[0]);
	script_free(s[1]);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scripts_by_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
