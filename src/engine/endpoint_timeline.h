/*
 * endpoint_timeline: the endpoint's log of both ways in one clock, the
 * capture's. Internal to the endpoint (endpoint.h declares the struct and
 * what callers may use); split out because keeping entries in time order
 * while our own segments get their capture time late is a job of its own.
 */
#ifndef TCPSHAKE_ENDPOINT_TIMELINE_H
#define TCPSHAKE_ENDPOINT_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/endpoint.h"

/* Insert s in time order (after entries of the same time). 0, or -1 out of
 * memory (the timeline is for reports: callers go on without it). */
int ep_tl_add(struct ep_timeline *tl, const struct conn_seg *s, const struct ep_tag *tag);
/* The capture showed our segment s on lport -> rport: give the first entry
 * of ours it matches, still stamped by the send call, the capture's time
 * and move it into place. Returns whether one matched (false: the local
 * kernel sent it, not we). */
bool ep_tl_retime(struct ep_timeline *tl, const struct conn_seg *s, uint16_t lport, uint16_t rport);
/* Whether we sent anything on lport -> rport since the last reset. */
bool ep_tl_knows(const struct ep_timeline *tl, uint16_t lport, uint16_t rport);
void ep_tl_reset(struct ep_timeline *tl, uint64_t t0);
void ep_tl_free(struct ep_timeline *tl);

#endif
