/*
 * impair_queue: the deadline queue of the impairment bridge. Every frame the
 * bridge holds waits here until its due time; the bridge asks for the
 * earliest one, sleeps until then, and releases it. A binary min-heap keyed
 * on (due time, arrival order) gives O(log n) push and pop, and the arrival
 * order makes it stable: two frames due at the same nanosecond leave in the
 * order they arrived, so a plain delay never reorders.
 *
 * The queue holds opaque items (the bridge's frames) and owns them while
 * they are queued: impair_queue_free() hands every one still queued to the
 * free function given at creation.
 */
#ifndef TCPSHAKE_IMPAIR_QUEUE_H
#define TCPSHAKE_IMPAIR_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct impair_queue;

typedef void (*impair_queue_free_fn)(void *item);

/* A queue of at most cap items (cap >= 1). Storage grows on demand up to cap.
 * free_item may be NULL (items are then left to the caller). Returns NULL
 * with errno set when out of memory or cap is 0. */
struct impair_queue *impair_queue_new(size_t cap, impair_queue_free_fn free_item);

/* Frees the queue and, through free_item, every item still in it. NULL is
 * accepted. */
void impair_queue_free(struct impair_queue *q);

/* Queues item (not NULL) to be due at due_ns (any monotonic clock, ns).
 * Returns 0, or -1 when the queue holds cap items already or memory ran out:
 * the item then stays the caller's. */
int impair_queue_push(struct impair_queue *q, uint64_t due_ns, void *item);

/* The earliest item and its due time without removing it; NULL when empty
 * (*due_ns is then left alone). due_ns may be NULL. */
void *impair_queue_peek(const struct impair_queue *q, uint64_t *due_ns);

/* Removes and returns the earliest item if it is due at or before now_ns,
 * else NULL. Ownership passes to the caller. */
void *impair_queue_pop_due(struct impair_queue *q, uint64_t now_ns);

/* Number of items queued. */
size_t impair_queue_len(const struct impair_queue *q);

#endif
