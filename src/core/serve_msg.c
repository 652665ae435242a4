/*
 * serve_msg: the fixed-size messages between the exporter's HTTP process and
 * its probe engine (serve_msg.h), and the check the engine runs on every
 * message before it reads a field.
 *
 * The check is the engine's whole defence against a compromised HTTP
 * process, so it accepts only what the honest sender can produce: the exact
 * size, the magic, a type that direction may send, every string terminated
 * inside its field and made of the characters its rule allows, every enum
 * and length in range, and nothing in the bytes a message does not use.
 * Anything else is refused with one line saying which field was wrong; the
 * caller drops the connection.
 */
#include "config.h"
#include "core/serve_msg.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* The highest enum module_mode (MODULE_CONNECT): a local bound, so this
 * module needs nothing of the modules'. */
#define SERVE_MODE_LAST 1

void serve_msg_init(struct serve_msg *m, enum serve_msg_type type, uint32_t id)
{
	memset(m, 0, sizeof(*m));
	m->magic = SERVE_MSG_MAGIC;
	m->type = (uint16_t)type;
	m->id = id;
}

void serve_msg_text(char *dst, size_t dstlen, const char *s)
{
	if (dstlen == 0)
		return;
	size_t n = s == NULL ? 0 : strnlen(s, dstlen - 1);
	if (n > 0)
		memcpy(dst, s, n);
	/* Zero the rest too: no stale bytes cross to the other process. */
	memset(dst + n, 0, dstlen - n);
}

static bool all_of(const char *s, size_t max, const char *extra)
{
	size_t n = 0;
	for (; s[n] != '\0'; n++) {
		unsigned char c = (unsigned char)s[n];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (n == max || (!alnum && strchr(extra, c) == NULL))
			return false;
	}
	return n > 0;
}

bool serve_name_ok(const char *s)
{
	return all_of(s, SERVE_NAME_MAX - 1, "_.-");
}

bool serve_host_ok(const char *s)
{
	return all_of(s, SERVE_HOST_MAX - 1, ".-_:");
}

const char *serve_status_name(enum serve_status s)
{
	switch (s) {
	case SSTAT_OK:
		return "ok";
	case SSTAT_BAD_MODULE:
		return "bad-module";
	case SSTAT_FORBIDDEN:
		return "forbidden";
	case SSTAT_BUSY:
		return "busy";
	case SSTAT_DRAINING:
		return "draining";
	case SSTAT_ERROR:
		return "error";
	}
	return "unknown";
}

static const char *type_name(uint16_t t)
{
	static const char *const names[] = { "?", "probe", "chunk", "done", "list", "module", "list-end" };
	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* Whether the field of size len holds a NUL. */
static bool terminated(const char *field, size_t len)
{
	return memchr(field, '\0', len) != NULL;
}

static bool zero(const void *p, size_t len)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < len; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* The body of each type: NULL when it is well formed, else what is wrong. */

static const char *check_probe(const struct serve_msg *m)
{
	if (!terminated(m->u.probe.module, sizeof(m->u.probe.module)))
		return "probe module is not NUL-terminated";
	if (!serve_name_ok(m->u.probe.module))
		return "probe module is not a module name";
	if (!terminated(m->u.probe.host, sizeof(m->u.probe.host)))
		return "probe host is not NUL-terminated";
	if (!serve_host_ok(m->u.probe.host))
		return "probe host is empty or holds a character a host cannot";
	const struct netaddr *a = &m->u.probe.addr;
	if (a->family != AF_INET && a->family != AF_INET6)
		return "probe address is neither IPv4 nor IPv6";
	if (a->family == AF_INET && !zero(a->b + 4, sizeof(a->b) - 4))
		return "probe IPv4 address has bytes past its fourth";
	if (m->u.probe.port == 0)
		return "probe port is 0";
	if (m->u.probe.timeout_ms == 0)
		return "probe timeout is 0";
	return NULL;
}

static const char *check_chunk(const struct serve_msg *m)
{
	if (m->u.chunk.stream != SSTREAM_METRICS && m->u.chunk.stream != SSTREAM_DEBUG)
		return "chunk stream is unknown";
	if (m->u.chunk.len > SERVE_CHUNK_MAX)
		return "chunk len is above SERVE_CHUNK_MAX";
	return NULL;
}

static const char *check_done(const struct serve_msg *m)
{
	if (m->u.done.status > SSTAT_ERROR)
		return "done status is unknown";
	if (m->u.done.success > 1)
		return "done success is neither 0 nor 1";
	if (!terminated(m->u.done.message, sizeof(m->u.done.message)))
		return "done message is not NUL-terminated";
	return NULL;
}

static const char *check_module(const struct serve_msg *m)
{
	if (!terminated(m->u.module.name, sizeof(m->u.module.name)))
		return "module name is not NUL-terminated";
	if (!serve_name_ok(m->u.module.name))
		return "module name is not a module name";
	if (m->u.module.mode > SERVE_MODE_LAST)
		return "module mode is unknown";
	if (!terminated(m->u.module.summary, sizeof(m->u.module.summary)))
		return "module summary is not NUL-terminated";
	return NULL;
}

int serve_msg_check(const struct serve_msg *m, size_t got, bool from_http, char *err, size_t errlen)
{
	const char *why = NULL;

	if (got != sizeof(*m)) {
		snprintf(err, errlen, "message of %zu bytes, expected %zu", got, sizeof(*m));
		return -1;
	}
	if (m->magic != SERVE_MSG_MAGIC) {
		snprintf(err, errlen, "message magic 0x%08x, expected 0x%08x", (unsigned)m->magic,
			 (unsigned)SERVE_MSG_MAGIC);
		return -1;
	}
	bool http_type = m->type == SMSG_PROBE || m->type == SMSG_LIST;
	bool engine_type = m->type == SMSG_CHUNK || m->type == SMSG_DONE || m->type == SMSG_MODULE ||
			   m->type == SMSG_LIST_END;
	if (!http_type && !engine_type) {
		snprintf(err, errlen, "message type %u is unknown", (unsigned)m->type);
		return -1;
	}
	if (http_type != from_http) {
		snprintf(err, errlen, "message type %u (%s) may not come from the %s side", (unsigned)m->type,
			 type_name(m->type), from_http ? "HTTP" : "engine");
		return -1;
	}
	if (m->reserved != 0) {
		snprintf(err, errlen, "message reserved field is not 0");
		return -1;
	}
	switch (m->type) {
	case SMSG_PROBE:
		why = check_probe(m);
		break;
	case SMSG_CHUNK:
		why = check_chunk(m);
		break;
	case SMSG_DONE:
		why = check_done(m);
		break;
	case SMSG_MODULE:
		why = check_module(m);
		break;
	default: /* LIST, LIST_END: nothing but the header */
		if (!zero(&m->u, sizeof(m->u)))
			why = "message body is not empty";
		break;
	}
	if (why != NULL) {
		snprintf(err, errlen, "message %u (%s): %s", (unsigned)m->id, type_name(m->type), why);
		return -1;
	}
	return 0;
}
