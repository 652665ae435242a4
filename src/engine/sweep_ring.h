/*
 * sweep_ring: the sweep's bookkeeping of tries in flight (sweep.c).
 *
 * One ring a try number, oldest first, whose place in the ring is the
 * probe's ISN (isn_encode of it), and a first-in first-out queue of pairs
 * whose next try is due. Both grow by doubling and shrink never: their
 * size follows the rate times the timeout, not the sweep.
 */
#ifndef TCPSHAKE_SWEEP_RING_H
#define TCPSHAKE_SWEEP_RING_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* One try in flight. */
struct srec {
	uint64_t idx;       /* the pair */
	uint64_t user_ns;   /* user-space time right after the send */
	uint64_t kernel_ns; /* capture time of our SYN; 0 until seen */
	bool answered;
};

/* The records of one try number, oldest first: [head, tail). */
struct sring {
	struct srec *v;
	uint32_t cap, head, tail; /* cap a power of two; indices wrap */
};

/* Pairs whose next try is due now, oldest first. */
struct pending {
	struct {
		uint64_t idx;
		uint8_t attempt;
	} *v;
	size_t cap, head, n;
};

/* The record at ring index `index`, or NULL when it is not in the ring
 * (gone, or never sent). */
struct srec *ring_at(struct sring *r, uint32_t index);
/* A new, zeroed record at the ring's end: its index into *index. 0, or -1
 * on no memory (or past 2^31 records in flight). */
int ring_push(struct sring *r, uint32_t *index);
void ring_free(struct sring *r);

/* Queue pair idx for try `attempt`. 0, or -1 on no memory. */
int pend_push(struct pending *p, uint64_t idx, unsigned attempt);
/* The oldest queued pair (the queue must not be empty). */
void pend_pop(struct pending *p, uint64_t *idx, unsigned *attempt);
void pend_free(struct pending *p);

#endif
