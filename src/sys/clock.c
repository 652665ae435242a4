/*
 * clock: CLOCK_REALTIME, because kernel capture timestamps use it and RTTs
 * are differences between a capture timestamp and (as a fallback) this clock.
 */
#include "config.h"
#include "sys/clock.h"

#include <time.h>

uint64_t clock_realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t clock_monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
