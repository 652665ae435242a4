/*
 * ladder: --trace's drawing of one connection. See ladder.h.
 */
#include "config.h"
#include "out/ladder.h"

#include <inttypes.h>

#include "core/deviation.h"

/* Relative numbers: ours count from our ISN, the peer's from its ISN. */
static uint32_t rel_seq(const struct session_event *e, const struct conn_entry *s)
{
	if (s->s.dir == CONN_OUT)
		return s->s.seq - e->iss;
	return e->have_irs ? s->s.seq - e->irs : 0;
}

static uint32_t rel_ack(const struct session_event *e, const struct conn_entry *s)
{
	if (!(s->s.flags & TCPF_ACK))
		return 0;
	if (s->s.dir == CONN_OUT)
		return e->have_irs ? s->s.ack - e->irs : 0;
	return s->s.ack - e->iss;
}

void ladder_print(FILE *f, const struct session_event *e)
{
	fprintf(f, "%10s  %-12s %-5s %-5s %-22s %-22s %5s  %-12s\n", "t ms", "tcpshake", "", "flags",
		"seq [absolute]", "ack [absolute]", "len", "peer");
	for (size_t i = 0; i < e->nsegs; i++) {
		const struct conn_entry *s = &e->segs[i];
		char flags[9], seq[32], ack[32];
		double t = s->s.t_ns >= e->t0_ns ? (double)(s->s.t_ns - e->t0_ns) / 1e6 : 0.0;
		snprintf(seq, sizeof(seq), "%" PRIu32 " [%" PRIu32 "]", rel_seq(e, s), s->s.seq);
		if (s->s.flags & TCPF_ACK)
			snprintf(ack, sizeof(ack), "%" PRIu32 " [%" PRIu32 "]", rel_ack(e, s), s->s.ack);
		else
			snprintf(ack, sizeof(ack), "-");
		fprintf(f, "%10.3f  %-12s %-5s %-5s %-22s %-22s %5u  %-12s", t,
			tcpstate_name(s->local), s->s.dir == CONN_OUT ? "-->" : "<--",
			segment_flags_str(s->s.flags, flags), seq, ack, (unsigned)s->s.len,
			tcpstate_name(s->peer));
		if (s->retransmission)
			fputs("  (retransmission)", f);
		if (s->deviation >= 0 && (size_t)s->deviation < e->ndevs)
			fprintf(f, "  ! %s", deviation_name(e->devs[s->deviation].code));
		fputc('\n', f);
	}
}
