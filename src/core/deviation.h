/*
 * deviation: what a peer did wrong during a teardown, as stable codes.
 *
 * Connect mode's verdict `deviant` lists these in JSON as {"code", "detail"};
 * the codes are part of the user-facing contract, so they never change
 * spelling. A deviation reports a field with what was expected and what
 * came, as packetdrill's check_field() does.
 */
#ifndef TCPSHAKE_DEVIATION_H
#define TCPSHAKE_DEVIATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum deviation_code {
	DEV_WRONG_ACK,          /* its ACK of our FIN is not FIN seq + 1 */
	DEV_NO_ACK_OF_FIN,      /* our FIN was never acknowledged */
	DEV_FIN_NEVER_SENT,     /* it stayed in CLOSE_WAIT: no FIN before the timeout */
	DEV_RST_INSTEAD_OF_FIN, /* it reset the connection instead of closing it */
	DEV_DATA_AFTER_FIN,     /* new data after its own FIN */
	DEV_FIN_SEQ_WRONG,      /* its FIN is not at the sequence number we expect */
	DEV_SEQ_GAP,            /* a segment starts beyond what we have received */
	DEV_ACK_OF_UNSENT,      /* it acknowledges data we never sent */
	DEV_UNEXPECTED_SYN,     /* a SYN in a synchronized state */
	DEV_ILLEGAL_TRANSITION, /* a segment its state does not allow */
	DEV_COUNT
};

/* The JSON code: "wrong-ack", "no-ack-of-fin", ... ; "?" out of range. */
const char *deviation_name(enum deviation_code c);
/* One line for people and the man page. */
const char *deviation_describe(enum deviation_code c);

struct deviation {
	enum deviation_code code;
	char field[16];       /* "ack", "seq", "flags"...; "" when none */
	bool has_values;
	uint32_t expected, actual;
	char detail[160];     /* free text, e.g. the states involved */
};

/* "ack: expected 1001, got 1000 (detail)" or just the detail. Returns buf. */
const char *deviation_format(const struct deviation *d, char *buf, size_t len);

struct deviation_list {
	struct deviation *v; /* owned */
	size_t n, cap;
};

void deviation_list_init(struct deviation_list *l);
/* Append a copy. Returns 0, or -1 when out of memory (not added). */
int deviation_list_add(struct deviation_list *l, const struct deviation *d);
void deviation_list_free(struct deviation_list *l);

#endif
