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
