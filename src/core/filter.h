/*
 * filter: the BPF filter expression for our capture.
 *
 * Pure string building, so the expression is tested with pcap_compile and
 * pcap_offline_filter on crafted packets without opening a device. The filter
 * keeps TCP with our source port in either direction (our own SYNs for their
 * kernel timestamps, and replies) and ICMP/ICMPv6 errors (which quote us).
 */
#ifndef TCPSHAKE_FILTER_H
#define TCPSHAKE_FILTER_H

#include <stddef.h>
#include <stdint.h>

/* Write the expression for source port sport into buf (NUL-terminated).
 * family: AF_UNSPEC (both), AF_INET or AF_INET6 (TCP and ICMP errors of that
 * family only). Returns 0, or -1 when buf is too small or family is none of
 * these; buf then holds "" (when len > 0), never a truncated expression. */
int filter_build(uint16_t sport, int family, char *buf, size_t len);

/* Same for the source ports lo..hi (a run's reserved block); lo == hi gives
 * exactly filter_build's expression. -1 also when hi < lo. */
int filter_build_range(uint16_t lo, uint16_t hi, int family, char *buf, size_t len);

#endif
