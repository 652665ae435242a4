/*
 * outmem: the formatter tests' harness (outmem.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "outmem.h"

struct output *start(struct mem *m, const struct output_config *cfg)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
	struct output *o = output_new(cfg, m->f);
	assert_non_null(o);
	return o;
}

int finish(struct mem *m, struct output *o)
{
	int st = output_end(o);
	output_free(o);
	assert_int_equal(fclose(m->f), 0);
	return st;
}

void check(struct mem *m, const char *want)
{
	assert_string_equal(m->buf, want);
	free(m->buf);
}

struct output_config cfg_of(enum out_format fmt)
{
	struct output_config c;
	memset(&c, 0, sizeof(c));
	c.format = fmt;
	c.mode_name = "syn";
	return c;
}

struct netaddr A(const char *s)
{
	struct netaddr a;
	assert_int_equal(netaddr_parse(s, &a), 0);
	return a;
}

struct summary_event summary(const char *host, const char *addr, uint16_t port, uint32_t sent,
			     uint32_t received, enum port_state st)
{
	struct summary_event s;
	memset(&s, 0, sizeof(s));
	s.host = host;
	s.addr = A(addr);
	s.port = port;
	s.sent = sent;
	s.received = received;
	s.loss_pct = sent ? 100.0 * (double)(sent - received) / (double)sent : 0.0;
	s.state = st;
	return s;
}
