/*
 * fuzz_config: libFuzzer target for the exporter's --config file.
 *
 * Each input is parsed as a config. The checks turn silent contract breaks
 * into crashes: a failure must leave the config empty and one line of
 * error "f.yml:LINE:COL: what"; a success must hold the built-ins first,
 * every module within the documented ranges, names the /probe query can
 * spell, data within its limit, and a summary and a fit that stay in
 * bounds. The input is copied to an exact-size buffer so a read past its
 * end is an ASan report, not luck.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/module.h"
#include "core/serve_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_module(const struct module *m)
{
	size_t nlen = strnlen(m->name, sizeof(m->name));
	char line[SERVE_TEXT_MAX];
	struct module cut;

	if (nlen == 0 || nlen >= sizeof(m->name) || strspn(m->name, "abcdefghijklmnopqrstuvwxyz"
							   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != nlen)
		abort();
	if (m->count < 1 || m->count > MODULE_COUNT_MAX || m->ttl == 0 || m->timeout_ns == 0 ||
	    m->interval_ns == 0)
		abort();
	if (m->syn.wscale_value < 0 || m->syn.wscale_value > 14 || m->syn.mss_value < 0 ||
	    m->syn.mss_value > 65535)
		abort();
	if (m->mode == MODULE_SYN && (m->data != NULL || m->time_wait_ns != -1))
		abort();
	if (m->data != NULL && (m->data[0] == '\0' || strlen(m->data) > MODULE_DATA_MAX))
		abort();
	module_summary(m, line, sizeof(line));
	if (strlen(line) >= sizeof(line))
		abort();
	/* A budget fit: never more probes or a longer wait than asked. */
	module_fit(m, module_budget_ns(m) / 3, &cut);
	if (cut.count < 1 || cut.count > m->count || cut.timeout_ns > m->timeout_ns ||
	    cut.timeout_ns < (m->timeout_ns < MODULE_TIMEOUT_MIN_NS ? m->timeout_ns
								      : MODULE_TIMEOUT_MIN_NS))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	char err[512];
	struct serve_config c;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	if (serve_config_parse(buf, size, "f.yml", &c, err, sizeof(err)) != 0) {
		char *colon;
		if (c.modules.v != NULL || c.allow_targets != NULL || c.allow_ports != NULL ||
		    strncmp(err, "f.yml:", 6) != 0 || strchr(err, '\n') != NULL ||
		    strtoul(err + 6, &colon, 10) == 0 || *colon != ':' ||
		    strtoul(colon + 1, &colon, 10) == 0 || strncmp(colon, ": ", 2) != 0)
			abort();
		free(buf);
		return 0;
	}
	if (c.modules.n < 2 || strcmp(c.modules.v[0].name, "syn") != 0 ||
	    strcmp(c.modules.v[1].name, "connect") != 0)
		abort();
	for (size_t i = 0; i < c.modules.n; i++) {
		check_module(&c.modules.v[i]);
		if (module_find(&c.modules, c.modules.v[i].name) != &c.modules.v[i])
			abort(); /* names are unique */
	}
	for (size_t i = 0; i < c.nallow_targets; i++)
		if (c.allow_targets[i] == NULL || c.allow_targets[i][0] == '\0')
			abort();
	if (c.max_inflight > SERVE_INFLIGHT_MAX)
		abort();
	serve_config_free(&c);
	free(buf);
	return 0;
}
