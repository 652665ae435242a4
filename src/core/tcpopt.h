/*
 * tcpopt: the option bytes of our SYN, built from the user's choice.
 *
 * Pure. Default order is Linux's (MSS, SACK-permitted, timestamps, NOP,
 * window scale), so a probe looks like an ordinary client to middleboxes.
 * The description of what to offer (struct syn_options) is defined here,
 * not by the CLI that fills it, so this module depends on nothing above it.
 */
#ifndef TCPSHAKE_TCPOPT_H
#define TCPSHAKE_TCPOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TCP options offered in our SYN. Default: Linux's set (MSS, SACK-permitted,
 * timestamps, window scale 7). The CLI fills it (--no-options clears the set;
 * --mss, --wscale, --sack and --tsopt then add one option each and set its
 * value); the engines hand it to tcpopt_build. */
struct syn_options {
	bool mss;          /* offer MSS */
	int mss_value;     /* 0: the caller's MSS (derived from the interface MTU) */
	bool wscale;       /* offer window scale */
	int wscale_value;  /* its shift count, 0..14 */
	bool sack;         /* offer SACK-permitted */
	bool ts;           /* offer timestamps */
};

/* The MSS to offer over a route of this MTU, as the kernel does: the MTU
 * less the IP and TCP headers (family AF_INET or AF_INET6), within
 * 536..65495. */
uint16_t tcpopt_mss_for_mtu(int family, int mtu);

/* Write the SYN's options into buf (40 bytes). mss is the value to offer when
 * so->mss_value is 0. tsval is our timestamp value. Returns the length, padded
 * with NOPs/EOL to a multiple of 4. */
size_t tcpopt_build(const struct syn_options *so, uint16_t mss, uint32_t tsval, uint8_t buf[40]);

/* The timestamps option every segment after a SYN carries once both ends
 * offered it (RFC 7323 §3.2), as Linux lays it out: NOP NOP TS. Returns 12. */
size_t tcpopt_build_ts(uint32_t tsval, uint32_t tsecr, uint8_t buf[12]);

#endif
