/*
 * sched: round-robin probe timing with a per-target interval and a global
 * rate cap. Round k+1 may start no earlier than `interval` after round k
 * started; because every round sends in the same order at the same pace, each
 * target port's consecutive probes are then at least `interval` apart.
 */
#include "config.h"
#include "core/sched.h"

/* How late a rate-capped send may be and still keep its slot. */
#define SCHED_CATCHUP_NS 2000000ull

void sched_init(struct sched *s, size_t nflows, unsigned long count, uint64_t interval_ns,
		double rate_pps, uint64_t start_ns)
{
	s->nflows = nflows;
	s->count = count;
	s->interval_ns = interval_ns;
	s->gap_ns = rate_pps > 0 ? (uint64_t)(1e9 / rate_pps) : 0;
	s->round = 0;
	s->cursor = 0;
	s->round_start = start_ns;
	s->last_send = 0;
	s->started = false;
}

bool sched_next(const struct sched *s, size_t *flow, uint64_t *due_ns)
{
	if (s->nflows == 0 || (s->count != 0 && s->round >= s->count))
		return false;
	uint64_t due = s->round_start;
	if (s->gap_ns && s->started && s->last_send + s->gap_ns > due)
		due = s->last_send + s->gap_ns;
	*flow = s->cursor;
	*due_ns = due;
	return true;
}

void sched_sent(struct sched *s, uint64_t now_ns)
{
	if (s->cursor == 0)
		s->round_start = now_ns; /* the round really began now, maybe late */
	if (s->gap_ns && s->started) {
		/* A send a little late (the loop was reading replies) keeps its
		 * slot, so the next ones catch up and the average rate holds;
		 * a long stall starts the pacing afresh instead of bursting. */
		uint64_t slot = s->last_send + s->gap_ns;
		s->last_send = now_ns > slot && now_ns - slot < SCHED_CATCHUP_NS ? slot : now_ns;
	} else {
		s->last_send = now_ns;
	}
	s->started = true;
	if (++s->cursor == s->nflows) {
		s->cursor = 0;
		s->round++;
		s->round_start += s->interval_ns;
	}
}

void sched_charge(struct sched *s, uint64_t now_ns)
{
	if (s->gap_ns == 0)
		return;
	uint64_t next = s->started ? s->last_send + s->gap_ns : now_ns;
	s->last_send = next > now_ns ? next : now_ns;
	s->started = true;
}
