/*
 * impair_queue: a binary min-heap of (due time, sequence, item), see
 * impair_queue.h. The sequence number is a per-queue counter taken at push,
 * which is what makes equal due times leave first-in first-out. The array
 * doubles as it fills, up to the cap, so an idle bridge stays small and a
 * flooded one stops growing instead of eating memory.
 */
#include "config.h"
#include "impair_queue.h"

#include <errno.h>
#include <stdlib.h>

struct entry {
	uint64_t due;  /* release time, ns */
	uint64_t seq;  /* push order: the tie-break that keeps the heap stable */
	void *item;    /* owned by the queue while queued */
};

struct impair_queue {
	struct entry *heap;          /* heap[0] is the earliest */
	size_t len;                  /* entries in use */
	size_t alloc;                /* entries allocated */
	size_t cap;                  /* most entries ever allowed */
	uint64_t next_seq;           /* sequence for the next push */
	impair_queue_free_fn free_item;
};

struct impair_queue *impair_queue_new(size_t cap, impair_queue_free_fn free_item)
{
	struct impair_queue *q;

	if (cap == 0) {
		errno = EINVAL;
		return NULL;
	}
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->cap = cap;
	q->free_item = free_item;
	return q;
}

void impair_queue_free(struct impair_queue *q)
{
	if (q == NULL)
		return;
	if (q->free_item != NULL)
		for (size_t i = 0; i < q->len; i++)
			q->free_item(q->heap[i].item);
	free(q->heap);
	free(q);
}

static int earlier(const struct entry *a, const struct entry *b)
{
	if (a->due != b->due)
		return a->due < b->due;
	return a->seq < b->seq;
}

int impair_queue_push(struct impair_queue *q, uint64_t due_ns, void *item)
{
	size_t i;

	if (q->len >= q->cap)
		return -1;
	if (q->len == q->alloc) {
		size_t n = q->alloc ? q->alloc * 2 : 64;
		struct entry *h;

		if (n > q->cap)
			n = q->cap;
		h = realloc(q->heap, n * sizeof(*h));
		if (h == NULL)
			return -1;
		q->heap = h;
		q->alloc = n;
	}
	/* Sift up from the new leaf. */
	struct entry e = { due_ns, q->next_seq++, item };
	i = q->len++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!earlier(&e, &q->heap[parent]))
			break;
		q->heap[i] = q->heap[parent];
		i = parent;
	}
	q->heap[i] = e;
	return 0;
}

void *impair_queue_peek(const struct impair_queue *q, uint64_t *due_ns)
{
	if (q->len == 0)
		return NULL;
	if (due_ns != NULL)
		*due_ns = q->heap[0].due;
	return q->heap[0].item;
}

void *impair_queue_pop_due(struct impair_queue *q, uint64_t now_ns)
{
	void *item;
	struct entry last;
	size_t i = 0;

	if (q->len == 0 || q->heap[0].due > now_ns)
		return NULL;
	item = q->heap[0].item;
	last = q->heap[--q->len];
	/* Sift the last leaf down from the root. */
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= q->len)
			break;
		if (c + 1 < q->len && earlier(&q->heap[c + 1], &q->heap[c]))
			c++;
		if (!earlier(&q->heap[c], &last))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (q->len > 0)
		q->heap[i] = last;
	return item;
}

size_t impair_queue_len(const struct impair_queue *q)
{
	return q->len;
}
