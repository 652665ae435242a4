/*
 * run_config: see run_config.h.
 */
#include "config.h"

#include "run_config.h"

#include "core/tcpconst.h"

void run_session_options(const struct options *o, struct session_config *sc)
{
	sc->count = o->count;
	sc->interval_ns = (uint64_t)(o->interval * (double)NS_PER_S);
	sc->timeout_ns = (uint64_t)(o->timeout * (double)NS_PER_S);
	sc->time_wait_ns = o->time_wait >= 0 ? (int64_t)(o->time_wait * (double)NS_PER_S) : -1;
	sc->close = o->close;
	sc->data = o->data;
	sc->print_data = o->out.print_data;
	sc->ttl = (uint8_t)o->ttl;
	sc->syn = o->syn;
}
