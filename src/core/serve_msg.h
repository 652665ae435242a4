/*
 * serve_msg: the exporter's privilege-separation protocol. The HTTP process
 * (no capability, an unprivileged user) and the probe engine (CAP_NET_RAW)
 * talk over a SOCK_SEQPACKET socketpair in one fixed-size message, sent and
 * received whole, as mtr-packet and OpenSSH's privsep do: nothing to frame,
 * nothing variable to parse. The engine trusts no field until
 * serve_msg_check has passed it, since the HTTP side is the one an attacker
 * reaches.
 *
 * Flow. HTTP to engine: PROBE or LIST, each with an id the HTTP side picks.
 * Engine to HTTP: for a PROBE, CHUNKs (metrics and debug text) then exactly
 * one DONE; for a LIST, one MODULE a module then LIST_END.
 */
#ifndef TCPSHAKE_SERVE_MSG_H
#define TCPSHAKE_SERVE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/netaddr.h"

#define SERVE_MSG_MAGIC 0x74637368u /* "tcsh" */
#define SERVE_NAME_MAX 32           /* a module name, NUL included */
#define SERVE_HOST_MAX 256          /* a host as the query wrote it, NUL included */
#define SERVE_CHUNK_MAX 1024        /* bytes of output a CHUNK carries */
#define SERVE_TEXT_MAX 256          /* a one-line message, NUL included */
/* Probes in flight at most (--max-inflight, the file's max_inflight): each
 * is a thread and holds at least one of the exporter's 256 reserved source
 * ports. */
#define SERVE_INFLIGHT_MAX 256

enum serve_msg_type {
	SMSG_PROBE = 1, /* HTTP -> engine: probe a target with a module */
	SMSG_CHUNK,     /* engine -> HTTP: a piece of a probe's output */
	SMSG_DONE,      /* engine -> HTTP: a probe's end, or why it was refused */
	SMSG_LIST,      /* HTTP -> engine: which modules are there? */
	SMSG_MODULE,    /* engine -> HTTP: one module */
	SMSG_LIST_END,  /* engine -> HTTP: no more modules */
};

/* Which output a CHUNK belongs to. */
enum serve_stream {
	SSTREAM_METRICS, /* the exposition body, probe_success first */
	SSTREAM_DEBUG,   /* the text format with --trace */
};

/* A DONE's verdict on the request (not on the target: that is success). */
enum serve_status {
	SSTAT_OK,         /* probed: the chunks are its output */
	SSTAT_BAD_MODULE, /* no such module (HTTP 400) */
	SSTAT_FORBIDDEN,  /* target outside the allow list (403) */
	SSTAT_BUSY,       /* --max-inflight probes already running (503) */
	SSTAT_DRAINING,   /* shutting down (503) */
	SSTAT_ERROR,      /* our own failure: no route, a send error (500) */
};

struct serve_msg {
	uint32_t magic; /* SERVE_MSG_MAGIC */
	uint16_t type;  /* enum serve_msg_type */
	uint16_t reserved;
	uint32_t id;    /* the request's, chosen by the HTTP side */
	union {
		struct {
			char module[SERVE_NAME_MAX];
			char host[SERVE_HOST_MAX]; /* for labels: as the query wrote it */
			struct netaddr addr;       /* resolved by the HTTP side */
			uint16_t port;
			uint32_t timeout_ms;       /* the scrape's budget, margin taken off */
		} probe;
		struct {
			uint8_t stream;            /* enum serve_stream */
			uint16_t len;              /* bytes of data used */
			char data[SERVE_CHUNK_MAX];
		} chunk;
		struct {
			uint8_t status;            /* enum serve_status */
			uint8_t success;           /* probe_success */
			uint64_t duration_ns;      /* probe_duration_seconds, in ns */
			uint64_t capture_drops;    /* the shared capture's, so far */
			char message[SERVE_TEXT_MAX]; /* why, when status is not OK */
		} done;
		struct {
			char name[SERVE_NAME_MAX];
			uint8_t mode;              /* enum module_mode */
			char summary[SERVE_TEXT_MAX];
		} module;
	} u;
};

/* Zero m and set its magic, type and id. */
void serve_msg_init(struct serve_msg *m, enum serve_msg_type type, uint32_t id);

/* Copy s into a fixed field of size dstlen, cut to fit, NUL-terminated. */
void serve_msg_text(char *dst, size_t dstlen, const char *s);

/* Whether m, of which got bytes were received, is well formed and may come
 * from its sender: from_http true allows only PROBE and LIST, false only
 * CHUNK, DONE, MODULE and LIST_END. Checks the size (exactly sizeof), magic,
 * type, reserved (0), that every string is NUL-terminated within its
 * field, lengths and enums in range, a PROBE's module name and host
 * (serve_name_ok, serve_host_ok), address family (AF_INET or AF_INET6,
 * an IPv4 address's unused bytes zero), port (not 0) and timeout (not 0),
 * a CHUNK's stream and len (at most SERVE_CHUNK_MAX), a DONE's status and
 * success (0 or 1), a MODULE's name and mode (syn or connect), and that a
 * LIST or LIST_END carries nothing (its union all zero: build messages
 * with serve_msg_init). Returns 0, or -1 with err. */
int serve_msg_check(const struct serve_msg *m, size_t got, bool from_http, char *err,
		    size_t errlen);

/* Whether s is a module name: 1 to SERVE_NAME_MAX - 1 characters of
 * [A-Za-z0-9_.-]. The query, the messages and the config file all take
 * names by this one rule. */
bool serve_name_ok(const char *s);

/* Whether s is a host a probe may name: 1 to SERVE_HOST_MAX - 1
 * characters of [A-Za-z0-9._:-], what a DNS name or an address literal is
 * made of, so a host never needs escaping where it is printed (labels,
 * HTML). */
bool serve_host_ok(const char *s);

/* "ok" "bad-module" "forbidden" "busy" "draining" "error"; "unknown" for
 * any other value. */
const char *serve_status_name(enum serve_status s);

#endif
