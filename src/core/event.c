/*
 * event: the names of the event enums, shared by every formatter.
 *
 * Text, JSON, nagios and prom all spell a port state or a reply the same way
 * because they all ask these functions; the spellings are the man page's
 * (`open`, `SA`, `icmp:admin-prohibited`, ...) and must not drift.
 */
#include "config.h"
#include "core/event.h"

#include <stdio.h>
#include <sys/socket.h>

#include "core/tcpconst.h"

const char *port_state_name(enum port_state s)
{
	switch (s) {
	case PORT_OPEN:
		return "open";
	case PORT_CLOSED:
		return "closed";
	case PORT_FILTERED:
		return "filtered";
	}
	return "filtered";
}

const char *reply_kind_name(enum reply_kind r)
{
	switch (r) {
	case REPLY_SA:
		return "SA";
	case REPLY_RA:
		return "RA";
	case REPLY_R:
		return "R";
	case REPLY_ICMP:
		return "icmp";
	case REPLY_NONE:
		return "none";
	}
	return "none";
}

const char *ts_source_name(enum ts_source t)
{
	return t == TS_USER ? "user" : "kernel";
}

const char *handshake_name(enum handshake h)
{
	switch (h) {
	case HS_OK:
		return "ok";
	case HS_REFUSED:
		return "refused";
	case HS_TIMEOUT:
		return "timeout";
	case HS_UNREACHABLE:
		return "unreachable";
	}
	return "?";
}

/* ICMP (RFC 792, RFC 1812 for codes 9, 10, 13) destination unreachable. */
static const char *icmp4_unreach(uint8_t code)
{
	switch (code) {
	case 0:
		return "net-unreachable";
	case 1:
		return "host-unreachable";
	case 2:
		return "prot-unreachable";
	case 3:
		return "port-unreachable";
	case 4:
		return "frag-needed";
	case 9:
		return "net-prohibited";
	case 10:
		return "host-prohibited";
	case 13:
		return "admin-prohibited";
	}
	return NULL;
}

/* ICMPv6 (RFC 4443) destination unreachable. */
static const char *icmp6_unreach(uint8_t code)
{
	switch (code) {
	case 0:
		return "no-route";
	case 1:
		return "admin-prohibited";
	case 3:
		return "addr-unreachable";
	case 4:
		return "port-unreachable";
	case 5:
		return "policy-fail";
	case 6:
		return "reject-route";
	}
	return NULL;
}

const char *icmp_error_name(int family, uint8_t type, uint8_t code, char *buf, size_t len)
{
	const char *name = NULL;

	if (family == AF_INET6) {
		if (type == 1)
			name = icmp6_unreach(code);
		else if (type == 3)
			name = "time-exceeded";
	} else {
		if (type == 3)
			name = icmp4_unreach(code);
		else if (type == 11)
			name = "time-exceeded";
	}
	if (name != NULL)
		return name;
	if (buf == NULL || len == 0)
		return "unknown";
	snprintf(buf, len, "type-%u-code-%u", (unsigned)type, (unsigned)code);
	return buf;
}

const char *script_outcome_name(enum script_outcome r)
{
	switch (r) {
	case SCRIPT_OUTCOME_PASS:
		return "pass";
	case SCRIPT_OUTCOME_FAIL:
		return "fail";
	case SCRIPT_OUTCOME_ERROR:
		return "error";
	}
	return "error";
}

uint64_t probe_reply_rtt_ns(uint64_t syn_kernel_ns, uint64_t syn_user_ns, uint64_t reply_ns,
			    enum ts_source *src)
{
	if (syn_kernel_ns != 0 && reply_ns >= syn_kernel_ns) {
		*src = TS_KERNEL;
		return reply_ns - syn_kernel_ns;
	}
	*src = TS_USER;
	return reply_ns >= syn_user_ns ? reply_ns - syn_user_ns : 0;
}

void probe_event_answer(struct probe_event *e, const struct segment *seg, enum reply_kind reply,
			uint64_t rtt_ns, enum ts_source src)
{
	e->reply = reply;
	e->answered = true;
	e->ttl = seg->ttl;
	e->rtt_ms = (double)rtt_ns / (double)NS_PER_MS;
	e->ts_source = src;
	if (reply == REPLY_ICMP) {
		e->state = PORT_FILTERED;
		e->icmp_type = seg->icmp_type;
		e->icmp_code = seg->icmp_code;
		e->icmp_from = seg->src;
		return;
	}
	e->state = reply == REPLY_SA ? PORT_OPEN : PORT_CLOSED;
	e->win = seg->win;
	e->flags = seg->flags;
	if (reply == REPLY_SA)
		e->opt = seg->opt;
}
