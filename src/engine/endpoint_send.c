/*
 * endpoint_send: the program's one send loop and the retransmission timer
 * arithmetic. Every mode sends through ep_wire_send, so a full interface
 * queue is handled one way everywhere: back off a millisecond, try again,
 * give up after a while, and let Ctrl-C through at any time.
 */
#include "config.h"
#include "engine/endpoint.h"

#include <errno.h>

#include "core/tcpconst.h"

int ep_wire_send(const struct wire *w, const volatile sig_atomic_t *stop, const struct tx_segment *s,
		 uint64_t *sent_ns)
{
	bool refused = false;
	uint64_t first = 0;
	for (;;) {
		if (w->ops->send(w->ctx, s, sent_ns) == 0)
			return 0;
		int why = errno;
		if (why != ENOBUFS && why != EAGAIN && why != EINTR)
			return -1;
		if (*stop)
			return 1;
		uint64_t now = w->ops->now(w->ctx);
		if (!refused) {
			refused = true;
			first = now;
		} else if (now - first >= SEND_GIVE_UP_NS) {
			errno = why == EINTR ? ENOBUFS : why;
			return -1;
		}
		/* Give the queue a moment; a signal ends the wait early. */
		w->ops->wait(w->ctx, now + SEND_BACKOFF_NS);
	}
}

uint64_t ep_rto_initial(uint64_t give_up_ns)
{
	return TCP_RTO_INITIAL_NS < give_up_ns / 2 ? TCP_RTO_INITIAL_NS : give_up_ns / 2;
}

uint64_t ep_rto_backoff(uint64_t rto_ns)
{
	return rto_ns * 2 > TCP_RTO_MAX_NS ? TCP_RTO_MAX_NS : rto_ns * 2;
}
