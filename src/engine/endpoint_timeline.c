/*
 * endpoint_timeline: segments both ways in capture-time order. See
 * endpoint_timeline.h.
 *
 * The segments and their tags live in one allocation, segments first, so
 * whoever was handed the segment array (conform's evidence) may free it.
 * Timelines are short (one check, one connection): insertion in place is
 * simpler than any index and fast enough.
 */
#include "config.h"
#include "engine/endpoint_timeline.h"

#include <stdlib.h>
#include <string.h>

#include "core/segment.h"

static int grow(struct ep_timeline *tl)
{
	size_t ncap = tl->cap ? tl->cap * 2 : 32;
	struct conn_seg *seg = malloc(ncap * (sizeof(*seg) + sizeof(struct ep_tag)));
	if (seg == NULL)
		return -1;
	struct ep_tag *tag = (struct ep_tag *)(seg + ncap);
	if (tl->n > 0) {
		memcpy(seg, tl->seg, tl->n * sizeof(*seg));
		memcpy(tag, tl->tag, tl->n * sizeof(*tag));
	}
	free(tl->seg);
	tl->seg = seg;
	tl->tag = tag;
	tl->cap = ncap;
	return 0;
}

/* Where an entry of time t goes: after every entry of time <= t. */
static size_t place_of(const struct ep_timeline *tl, uint64_t t)
{
	size_t i = tl->n;
	while (i > 0 && tl->seg[i - 1].t_ns > t)
		i--;
	return i;
}

int ep_tl_add(struct ep_timeline *tl, const struct conn_seg *s, const struct ep_tag *tag)
{
	if (tl->n == tl->cap && grow(tl) < 0)
		return -1;
	size_t i = place_of(tl, s->t_ns);
	memmove(&tl->seg[i + 1], &tl->seg[i], (tl->n - i) * sizeof(*tl->seg));
	memmove(&tl->tag[i + 1], &tl->tag[i], (tl->n - i) * sizeof(*tl->tag));
	tl->seg[i] = *s;
	tl->tag[i] = *tag;
	tl->n++;
	return 0;
}

static bool same_bytes(const struct conn_seg *a, const struct conn_seg *b)
{
	/* The ack field means nothing without the ACK bit: a kernel's copy
	 * may show anything there. */
	return a->flags == b->flags && a->seq == b->seq && a->len == b->len &&
	       (!(a->flags & TCPF_ACK) || a->ack == b->ack);
}

bool ep_tl_retime(struct ep_timeline *tl, const struct conn_seg *s, uint16_t lport, uint16_t rport)
{
	for (size_t i = 0; i < tl->n; i++) {
		struct ep_tag *t = &tl->tag[i];
		if (tl->seg[i].dir != CONN_OUT || t->wire_time || !t->ours || t->lport != lport ||
		    t->rport != rport || !same_bytes(&tl->seg[i], s))
			continue;
		struct conn_seg e = tl->seg[i];
		struct ep_tag tag = *t;
		memmove(&tl->seg[i], &tl->seg[i + 1], (tl->n - i - 1) * sizeof(*tl->seg));
		memmove(&tl->tag[i], &tl->tag[i + 1], (tl->n - i - 1) * sizeof(*tl->tag));
		tl->n--;
		e.t_ns = s->t_ns;
		tag.wire_time = true;
		ep_tl_add(tl, &e, &tag); /* cannot fail: the room is there */
		return true;
	}
	return false;
}

bool ep_tl_knows(const struct ep_timeline *tl, uint16_t lport, uint16_t rport)
{
	for (size_t i = 0; i < tl->n; i++)
		if (tl->seg[i].dir == CONN_OUT && tl->tag[i].lport == lport && tl->tag[i].rport == rport)
			return true;
	return false;
}

void ep_tl_reset(struct ep_timeline *tl, uint64_t t0)
{
	tl->n = 0;
	tl->t0 = t0;
}

void ep_tl_free(struct ep_timeline *tl)
{
	free(tl->seg);
	memset(tl, 0, sizeof(*tl));
}
