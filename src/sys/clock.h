/*
 * clock: the live time source. Engines never call it directly; they ask
 * their struct wire, whose fake replaces it in tests.
 */
#ifndef TCPSHAKE_CLOCK_H
#define TCPSHAKE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_REALTIME in ns: the clock pcap stamps captured packets with. */
uint64_t clock_realtime_ns(void);

/* CLOCK_MONOTONIC in ns: for how long a whole run took, which a clock
 * step must not bend. */
uint64_t clock_monotonic_ns(void);

/* A time in ns as a struct timespec (for pthread_cond_timedwait's
 * absolute deadline on the clock it was read from). */
struct timespec clock_timespec(uint64_t ns);

#endif
