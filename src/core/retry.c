/*
 * retry: RFC 6298's estimator and the loss-driven retry count (retry.h).
 */
#include "config.h"
#include "core/retry.h"

#include <math.h>

#include "core/tcpconst.h"

void retry_init(struct retry *r, uint64_t max_ns, unsigned cap, uint64_t pairs)
{
	*r = (struct retry){ .max_ns = max_ns, .cap = cap, .pairs = pairs ? pairs : 1 };
}

void retry_answer(struct retry *r, uint64_t rtt_ns, unsigned attempt)
{
	r->answered++;
	if (attempt > 0)
		r->answered_late++;
	if (rtt_ns > r->rtt_max_ns)
		r->rtt_max_ns = rtt_ns;
	r->rtt_latest_ns = rtt_ns;
	if (r->answered == 1 || rtt_ns < r->rtt_min_ns)
		r->rtt_min_ns = rtt_ns;
	/* RFC 6298 2.2 and 2.3, alpha 1/8, beta 1/4. */
	if (!r->have_rtt) {
		r->srtt_ns = rtt_ns;
		r->rttvar_ns = rtt_ns / 2;
		r->have_rtt = 1;
		return;
	}
	uint64_t diff = r->srtt_ns > rtt_ns ? r->srtt_ns - rtt_ns : rtt_ns - r->srtt_ns;
	r->rttvar_ns = (3 * r->rttvar_ns + diff) / 4;
	r->srtt_ns = (7 * r->srtt_ns + rtt_ns) / 8;
}

uint64_t retry_timeout(const struct retry *r, int last)
{
	uint64_t t;
	if (!r->have_rtt) {
		t = TCP_RTO_INITIAL_NS;
	} else {
		t = r->srtt_ns + 4 * r->rttvar_ns;
		if (t < RETRY_FLOOR_NS)
			t = RETRY_FLOOR_NS;
	}
	/* No backoff per retransmission (retry.h); the deciding try waits
	 * longer. */
	if (last) {
		uint64_t tail = retry_tail(r);
		t *= 2;
		if (t < tail)
			t = tail;
	}
	return t < r->max_ns ? t : r->max_ns;
}

unsigned retry_allowed(const struct retry *r)
{
	if (r->cap == 0)
		return 0;
	/* No retransmission has been answered yet: nothing says the network
	 * loses packets, so silence is taken for filtering (nmap takes the
	 * same view). Once one is, the estimate below rules. */
	if (r->answered_late == 0)
		return 1;
	double loss = ((double)r->answered_late + 1.0) / ((double)r->answered + 2.0);
	/* Tries k with N * loss^k below the target; retransmissions k - 1. */
	double tries = ceil(log(RETRY_MISS_TARGET / (double)r->pairs) / log(loss));
	if (!(tries >= 2.0))
		return 1; /* at least one retransmission: a single loss is common */
	if (tries - 1.0 >= (double)r->cap)
		return r->cap;
	return (unsigned)(tries - 1.0);
}

uint64_t retry_tail(const struct retry *r)
{
	if (!r->have_rtt)
		return r->max_ns;
	uint64_t t = 4 * r->rtt_max_ns;
	if (t < RETRY_FLOOR_NS)
		t = RETRY_FLOOR_NS;
	return t < r->max_ns ? t : r->max_ns;
}

uint64_t retry_reorder_window(const struct retry *r)
{
	uint64_t w = r->srtt_ns / 4;
	return w > 1000000 ? w : 1000000;
}

int retry_queueing(const struct retry *r)
{
	return r->have_rtt && r->srtt_ns > 4 * r->rtt_min_ns + 2000000;
}
