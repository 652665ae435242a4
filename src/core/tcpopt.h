/*
 * tcpopt: the option bytes of our SYN, built from the user's choice.
 *
 * Pure. Default order is Linux's (MSS, SACK-permitted, timestamps, NOP,
 * window scale), so a probe looks like an ordinary client to middleboxes.
 */
#ifndef TCPSHAKE_TCPOPT_H
#define TCPSHAKE_TCPOPT_H

#include <stddef.h>
#include <stdint.h>

#include "core/cli.h"

/* Write the SYN's options into buf (40 bytes). mss is the value to offer when
 * so->mss_value is 0. tsval is our timestamp value. Returns the length, padded
 * with NOPs/EOL to a multiple of 4. */
size_t tcpopt_build(const struct syn_options *so, uint16_t mss, uint32_t tsval, uint8_t buf[40]);

/* The timestamps option every segment after a SYN carries once both ends
 * offered it (RFC 7323 §3.2), as Linux lays it out: NOP NOP TS. Returns 12. */
size_t tcpopt_build_ts(uint32_t tsval, uint32_t tsecr, uint8_t buf[12]);

#endif
