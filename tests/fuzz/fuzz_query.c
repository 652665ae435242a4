/*
 * fuzz_query: libFuzzer target for everything the exporter reads from the
 * network before it probes: the /probe query (serve_query_parse), the
 * privsep message the engine receives (serve_msg_check, both directions,
 * over the raw bytes and with the magic forced so the body checks run),
 * and the allow list the engine asks (allow_add_targets, allow_add_ports,
 * allow_check).
 *
 * The input's lines are, in order, target, module, debug and the timeout
 * header; a missing line is an absent value (NULL). The checks turn silent
 * contract breaks into crashes: an error must say why on one printable
 * line, an accepted query must hold what the header promises, and an
 * accepted message must have its strings terminated.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/allow.h"
#include "core/serve_msg.h"
#include "core/serve_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(int rc, const char *err)
{
	if (rc == 0)
		return;
	if (err[0] == '\0')
		abort();
	for (const char *c = err; *c != '\0'; c++)
		if ((unsigned char)*c < ' ' || (unsigned char)*c >= 0x7f)
			abort();
}

static void query(char *const v[4], struct serve_query *q, int *parsed)
{
	char err[512] = "";
	int rc = serve_query_parse(v[0], v[1], v[2], v[3], q, err, sizeof(err));
	check_err(rc, err);
	*parsed = rc == 0;
	if (rc < 0)
		return;
	if (q->port == 0 || !serve_host_ok(q->host) || !serve_name_ok(q->module) ||
	    q->timeout_ms < SERVE_TIMEOUT_MIN_MS || strchr(q->host, '/') != NULL)
		abort();
}

/* Whether every string field of an accepted message is terminated. */
static void check_msg(const struct serve_msg *m, size_t got, bool from_http)
{
	char err[512] = "";
	int rc = serve_msg_check(m, got, from_http, err, sizeof(err));
	check_err(rc, err);
	if (rc < 0)
		return;
	if (m->type == SMSG_PROBE &&
	    (!memchr(m->u.probe.module, 0, sizeof(m->u.probe.module)) ||
	     !memchr(m->u.probe.host, 0, sizeof(m->u.probe.host)) || m->u.probe.port == 0))
		abort();
	if (m->type == SMSG_CHUNK && m->u.chunk.len > SERVE_CHUNK_MAX)
		abort();
	if (m->type == SMSG_DONE && !memchr(m->u.done.message, 0, sizeof(m->u.done.message)))
		abort();
	if (m->type == SMSG_MODULE && (!memchr(m->u.module.name, 0, sizeof(m->u.module.name)) ||
				       !memchr(m->u.module.summary, 0, sizeof(m->u.module.summary))))
		abort();
}

static void messages(const uint8_t *data, size_t size)
{
	struct serve_msg m;
	size_t n = size < sizeof(m) ? size : sizeof(m);

	memset(&m, 0, sizeof(m));
	memcpy(&m, data, n);
	for (int dir = 0; dir < 2; dir++) {
		check_msg(&m, size, dir);      /* as received */
		check_msg(&m, sizeof(m), dir); /* padded or cut to size */
	}
	/* The magic forced and the type cut to 0..7: the bodies. */
	m.magic = SERVE_MSG_MAGIC;
	m.type %= 8;
	m.reserved = 0;
	for (int dir = 0; dir < 2; dir++)
		check_msg(&m, sizeof(m), dir);
}

static void allow(char *const v[4], const struct serve_query *q, int parsed)
{
	struct allow a;
	char err[512] = "", why[512] = "";

	allow_init(&a);
	if (v[0] != NULL)
		check_err(allow_add_targets(&a, v[0], err, sizeof(err)), err);
	if (v[1] != NULL)
		check_err(allow_add_targets(&a, v[1], err, sizeof(err)), err);
	if (v[2] != NULL)
		check_err(allow_add_ports(&a, v[2], err, sizeof(err)), err);
	struct netaddr addr;
	if (parsed && netaddr_parse(q->host, &addr) == 0) {
		bool ok = allow_check(&a, &addr, q->port, why, sizeof(why));
		if (!ok && why[0] == '\0')
			abort();
		if (ok && (a.nspans == 0 || !a.any_port))
			abort();
	}
	allow_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char *v[4] = { NULL, NULL, NULL, NULL };
	struct serve_query q;
	int parsed = 0;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* The input is up to four values joined by newlines ("a\n" is "a"
	 * and ""); a NUL inside ends its value early, as C sees it. */
	char *p = text;
	for (int i = 0; i < 4 && p != NULL; i++) {
		v[i] = p;
		char *nl = memchr(p, '\n', (size_t)(text + size - p));
		if (nl != NULL) {
			*nl = '\0';
			p = nl + 1;
		} else {
			p = NULL;
		}
	}
	query(v, &q, &parsed);
	messages(data, size);
	allow(v, &q, parsed);
	free(text);
	return 0;
}
