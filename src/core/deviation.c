/*
 * deviation: the names, descriptions and formatting of teardown deviations.
 */
#include "config.h"
#include "core/deviation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	const char *text;
} table[DEV_COUNT] = {
	[DEV_WRONG_ACK] = {"wrong-ack", "the peer acknowledged our FIN with an ack other than FIN seq + 1"},
	[DEV_NO_ACK_OF_FIN] = {"no-ack-of-fin", "the peer never acknowledged our FIN"},
	[DEV_FIN_NEVER_SENT] = {"fin-never-sent", "the peer never sent its FIN (stuck in CLOSE_WAIT)"},
	[DEV_RST_INSTEAD_OF_FIN] = {"rst-instead-of-fin", "the peer reset the connection instead of closing it"},
	[DEV_DATA_AFTER_FIN] = {"data-after-fin", "the peer sent new data after its own FIN"},
	[DEV_FIN_SEQ_WRONG] = {"fin-seq-wrong", "the peer's FIN is not at the next sequence number"},
	[DEV_SEQ_GAP] = {"seq-gap", "a peer segment starts beyond the bytes received so far"},
	[DEV_ACK_OF_UNSENT] = {"ack-of-unsent", "the peer acknowledged data we never sent"},
	[DEV_UNEXPECTED_SYN] = {"unexpected-syn", "the peer sent a SYN on a synchronized connection"},
	[DEV_ILLEGAL_TRANSITION] = {"illegal-transition", "a peer segment its RFC 9293 state does not allow"},
};

const char *deviation_name(enum deviation_code c)
{
	return (unsigned)c < DEV_COUNT ? table[c].name : "?";
}

const char *deviation_describe(enum deviation_code c)
{
	return (unsigned)c < DEV_COUNT ? table[c].text : "?";
}

const char *deviation_format(const struct deviation *d, char *buf, size_t len)
{
	if (d->has_values && d->field[0] != '\0')
		snprintf(buf, len, "%s: expected %lu, got %lu%s%s%s", d->field, (unsigned long)d->expected,
			 (unsigned long)d->actual, d->detail[0] ? " (" : "", d->detail,
			 d->detail[0] ? ")" : "");
	else
		snprintf(buf, len, "%s", d->detail[0] ? d->detail : deviation_describe(d->code));
	return buf;
}

void deviation_list_init(struct deviation_list *l)
{
	l->v = NULL;
	l->n = l->cap = 0;
}

int deviation_list_add(struct deviation_list *l, const struct deviation *d)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 4;
		struct deviation *nv = realloc(l->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = *d;
	return 0;
}

void deviation_list_free(struct deviation_list *l)
{
	free(l->v);
	deviation_list_init(l);
}
