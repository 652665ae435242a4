/*
 * front_link: the HTTP process's end of the socketpair to the probe engine
 * (serve_msg.h). Many request threads ask at once; one reader thread reads
 * every answer and deals it to the request whose id it carries, through a
 * small table of waiters under one mutex, each with its own condition
 * variable. A request waits for its answer, the engine's end closing, an
 * abort (shutdown past its drain bound) or its own deadline, whichever
 * comes first; late answers to a request that stopped waiting are dropped.
 */
#ifndef TCPSHAKE_FRONT_LINK_H
#define TCPSHAKE_FRONT_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/serve_msg.h"

/* How a request to the engine ended. */
enum front_outcome {
	FRONT_ANSWERED, /* DONE (probe) or LIST_END (list) arrived */
	FRONT_GONE,     /* the engine's end closed (or could not be written) */
	FRONT_TIMEOUT,  /* no answer by the deadline */
	FRONT_ABORTED,  /* front_link_abort: shutting down */
};

/* Most bytes a probe's metrics or debug stream may bring; the rest is cut. */
#define FRONT_STREAM_MAX (8u << 20)
/* Most modules a LIST answer may bring; the rest are dropped. */
#define FRONT_MODULES_MAX 256

/* A probe's answer. metrics and debug are malloc'd (NUL-terminated, or
 * NULL when nothing came); front_answer_free frees them. */
struct front_answer {
	uint32_t id;         /* the request's id, for /logs */
	enum serve_status status;
	bool success;
	uint64_t duration_ns;
	uint64_t capture_drops;
	char message[SERVE_TEXT_MAX];
	char *metrics;
	size_t metrics_len;
	char *debug;
	size_t debug_len;
	bool cut;            /* a stream passed FRONT_STREAM_MAX */
};

/* One MODULE of a LIST answer. */
struct front_module {
	char name[SERVE_NAME_MAX];
	char summary[SERVE_TEXT_MAX];
};

struct front_link;

/* Start reading fd (not owned: the caller closes it after
 * front_link_free). NULL with err when a thread cannot be made. */
struct front_link *front_link_new(int fd, char *err, size_t errlen);

/* Stop the reader thread and free. No request may be waiting. */
void front_link_free(struct front_link *l);

/* A fresh request id (never 0), also for a probe answered without the
 * engine, so the page and /logs number every probe alike. */
uint32_t front_link_next_id(struct front_link *l);

/* Send m (a PROBE built with serve_msg_init; its id is set here to a fresh
 * one) and wait up to wait_ns for its DONE. a is filled (a->id always;
 * the rest on FRONT_ANSWERED, with whatever chunks came). */
enum front_outcome front_link_probe(struct front_link *l, struct serve_msg *m, uint64_t wait_ns,
				    struct front_answer *a);
void front_answer_free(struct front_answer *a);

/* Ask for the modules and wait up to wait_ns. On FRONT_ANSWERED *mods is
 * a malloc'd array of *n (caller frees; NULL when none). */
enum front_outcome front_link_list(struct front_link *l, uint64_t wait_ns, struct front_module **mods,
				   size_t *n);

/* Whether the engine's end closed. */
bool front_link_gone(struct front_link *l);

/* Wake every waiting request with FRONT_ABORTED, and every later one at
 * once: the process is stopping and will not wait for the engine. */
void front_link_abort(struct front_link *l);

#endif
