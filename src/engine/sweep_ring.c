/*
 * sweep_ring: rings of tries in flight and the queue of due tries
 * (sweep_ring.h).
 */
#include "config.h"
#include "engine/sweep_ring.h"

#include <stdlib.h>
#include <string.h>

struct srec *ring_at(struct sring *r, uint32_t index)
{
	if ((uint32_t)(index - r->head) >= (uint32_t)(r->tail - r->head))
		return NULL;
	return &r->v[index & (r->cap - 1)];
}

int ring_push(struct sring *r, uint32_t *index)
{
	if (r->tail - r->head == r->cap) {
		if (r->cap > UINT32_MAX / 2)
			return -1;
		uint32_t ncap = r->cap ? r->cap * 2 : 256;
		struct srec *n = malloc(ncap * sizeof(*n));
		if (n == NULL)
			return -1;
		for (uint32_t i = r->head; i != r->tail; i++)
			n[i & (ncap - 1)] = r->v[i & (r->cap - 1)];
		free(r->v);
		r->v = n;
		r->cap = ncap;
	}
	*index = r->tail++;
	memset(&r->v[*index & (r->cap - 1)], 0, sizeof(struct srec));
	return 0;
}

int pend_push(struct pending *p, uint64_t idx, unsigned attempt)
{
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 256;
		void *n = malloc(ncap * sizeof(*p->v));
		if (n == NULL)
			return -1;
		for (size_t i = 0; i < p->n; i++)
			memcpy((char *)n + i * sizeof(*p->v), &p->v[(p->head + i) % p->cap], sizeof(*p->v));
		free(p->v);
		p->v = n;
		p->cap = ncap;
		p->head = 0;
	}
	size_t at = (p->head + p->n) % p->cap;
	p->v[at].idx = idx;
	p->v[at].attempt = (uint8_t)attempt;
	p->n++;
	return 0;
}

void pend_pop(struct pending *p, uint64_t *idx, unsigned *attempt)
{
	*idx = p->v[p->head].idx;
	*attempt = p->v[p->head].attempt;
	p->head = (p->head + 1) % p->cap;
	p->n--;
}

void ring_free(struct sring *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

void pend_free(struct pending *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}
