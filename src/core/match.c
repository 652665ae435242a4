/*
 * match: which probe a decoded segment belongs to.
 *
 * Classification is a pure look at one segment against our local endpoint;
 * it names the remote endpoint and a sequence key, and the caller (probe or
 * session) decides what the key means (masscan's syn-cookie idea: our ISN
 * encodes the probe, so a reply's ack - 1 finds it). The table is plain
 * open addressing with linear probing over (remote address, remote port),
 * kept at most half full so lookups stay short; it is filled once per run
 * and never shrinks, so there is no deletion.
 */
#include "config.h"
#include "core/match.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct match_slot {
	bool used;
	struct netaddr addr; /* remote address */
	uint16_t port;       /* remote port, host order */
	size_t flow;         /* the caller's flow index */
};

#define MATCH_MIN_CAP 16

static const struct netaddr *local_for(int family, const struct netaddr *local4,
				       const struct netaddr *local6)
{
	const struct netaddr *l = family == AF_INET ? local4 : family == AF_INET6 ? local6 : NULL;
	if (l == NULL || l->family != family)
		return NULL; /* unset: nothing of that family is ours */
	return l;
}

enum match_role match_classify(const struct segment *seg, const struct netaddr *local4,
			       const struct netaddr *local6, uint16_t lport, struct match_hit *hit)
{
	memset(hit, 0, sizeof(*hit));
	hit->role = MATCH_NONE;

	if (seg->kind == SEGMENT_KIND_ICMP_ERROR) {
		const struct segment_quote *q = &seg->quote;
		const struct netaddr *local = local_for(q->src.family, local4, local6);
		if (local == NULL || !netaddr_eq(&q->src, local) || q->sport != lport)
			return MATCH_NONE;
		hit->role = MATCH_ICMP;
		hit->local = q->src;
		hit->remote = q->dst;
		hit->rport = q->dport;
		hit->key = q->seq;
		return hit->role;
	}
	if (seg->kind != SEGMENT_KIND_TCP)
		return MATCH_NONE;

	const struct netaddr *local = local_for(seg->src.family, local4, local6);
	if (local == NULL)
		return MATCH_NONE;
	/* Our own SYN first: on loopback a segment can be both from and to us. */
	if (netaddr_eq(&seg->src, local) && seg->sport == lport &&
	    (seg->flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN) {
		hit->role = MATCH_OUR_SYN;
		hit->local = seg->src;
		hit->remote = seg->dst;
		hit->rport = seg->dport;
		hit->key = seg->seq;
		return hit->role;
	}
	if (netaddr_eq(&seg->dst, local) && seg->dport == lport) {
		hit->role = MATCH_REPLY;
		hit->local = seg->dst;
		hit->remote = seg->src;
		hit->rport = seg->sport;
		hit->key = seg->ack - 1; /* unsigned: wraps as sequence numbers do */
		return hit->role;
	}
	return MATCH_NONE;
}

static size_t slot_index(const struct match_table *t, const struct netaddr *a, uint16_t port)
{
	uint32_t h = netaddr_hash(a) ^ (uint32_t)port * 0x9e3779b1u;
	h ^= h >> 16; /* mix the port's high bits down into the mask */
	return (size_t)h & (t->cap - 1);
}

static struct match_slot *lookup(const struct match_table *t, const struct netaddr *a,
				 uint16_t port)
{
	if (t->cap == 0)
		return NULL;
	for (size_t i = slot_index(t, a, port);; i = (i + 1) & (t->cap - 1)) {
		struct match_slot *s = &t->slot[i];
		if (!s->used || (s->port == port && netaddr_eq(&s->addr, a)))
			return s; /* never full (load <= 1/2), so this ends */
	}
}

static int resize(struct match_table *t, size_t cap)
{
	struct match_slot *slots = calloc(cap, sizeof(*slots));
	if (slots == NULL)
		return -1;
	struct match_table nt = { .slot = slots, .cap = cap, .n = 0 };
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slot[i].used)
			continue;
		*lookup(&nt, &t->slot[i].addr, t->slot[i].port) = t->slot[i];
		nt.n++;
	}
	free(t->slot);
	*t = nt;
	return 0;
}

int match_table_init(struct match_table *t, size_t expected)
{
	size_t cap = MATCH_MIN_CAP;

	memset(t, 0, sizeof(*t));
	while (cap / 2 < expected) {
		if (cap > SIZE_MAX / 2 / sizeof(struct match_slot))
			return -1;
		cap *= 2;
	}
	return resize(t, cap);
}

int match_table_add(struct match_table *t, const struct netaddr *remote, uint16_t rport,
		    size_t flow)
{
	if ((t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap == 0 ? MATCH_MIN_CAP : t->cap * 2;
		if (cap > SIZE_MAX / sizeof(struct match_slot) || resize(t, cap) < 0)
			return -1;
	}
	struct match_slot *s = lookup(t, remote, rport);
	if (s->used)
		return 0; /* duplicate: the first flow wins */
	s->used = true;
	netaddr_set(&s->addr, remote->family, remote->b); /* zero the unused bytes */
	s->port = rport;
	s->flow = flow;
	t->n++;
	return 0;
}

long match_table_find(const struct match_table *t, const struct netaddr *remote, uint16_t rport)
{
	const struct match_slot *s = lookup(t, remote, rport);
	if (s == NULL || !s->used)
		return -1;
	return (long)s->flow;
}

void match_table_free(struct match_table *t)
{
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static bool in_block(uint16_t port, uint16_t lo, uint16_t n)
{
	return (uint16_t)(port - lo) < n;
}

enum match_role match_classify_block(const struct segment *seg, uint16_t lo, uint16_t n,
				     struct match_hit *hit, bool *on_block)
{
	static const struct netaddr none; /* const: no mutable state */
	struct netaddr cand_addr[2];
	uint16_t cand_port[2];
	int ncand = 0;

	if (seg->kind == SEGMENT_KIND_ICMP_ERROR) {
		cand_addr[ncand] = seg->quote.src;
		cand_port[ncand++] = seg->quote.sport;
	} else {
		if (in_block(seg->sport, lo, n)) {
			cand_addr[ncand] = seg->src; /* sent by us: our SYNs and RSTs */
			cand_port[ncand++] = seg->sport;
		}
		if (in_block(seg->dport, lo, n)) {
			cand_addr[ncand] = seg->dst;
			cand_port[ncand++] = seg->dport;
		}
	}
	if (on_block != NULL)
		*on_block = seg->kind != SEGMENT_KIND_ICMP_ERROR && ncand > 0;
	enum match_role role = MATCH_NONE;
	for (int c = 0; c < ncand && role == MATCH_NONE; c++) {
		if (!in_block(cand_port[c], lo, n))
			continue;
		const struct netaddr *l = &cand_addr[c];
		role = match_classify(seg, l->family == AF_INET ? l : &none, l->family == AF_INET6 ? l : &none,
				      cand_port[c], hit);
		hit->lport = cand_port[c];
	}
	return role;
}
