/*
 * tcpconst: the time and window constants every engine shares, in one place
 * so connect mode, the conformance checks and syn mode cannot drift apart.
 * Times are nanoseconds (the wire's clock); sizes are bytes.
 */
#ifndef TCPSHAKE_TCPCONST_H
#define TCPSHAKE_TCPCONST_H

#define NS_PER_US 1000ull
#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

/* RFC 6298 §2.1: the initial RTO is 1 s; §2.5: a maximum of at least 60 s. */
#define TCP_RTO_INITIAL_NS NS_PER_S
#define TCP_RTO_MAX_NS (60ull * NS_PER_S)
/* RFC 9293 §3.4.2: the Maximum Segment Lifetime is two minutes. */
#define TCP_MSL_NS (120ull * NS_PER_S)

/* RFC 9293 §3.7.1: the send MSS when the peer's SYN names none: 536 for
 * IPv4, 1220 for IPv6 (RFC 8200's minimum MTU less the headers). */
#define TCP_DEFAULT_MSS 536
#define TCP_DEFAULT_MSS6 1220
/* The window we advertise: Linux's initial window, in bytes. */
#define TCP_OUR_WINDOW 64240
/* RFC 7323 §2.3: a window-scale shift above 14 counts as 14. */
#define TCP_WSCALE_MAX 14
/* The timestamp option as sent on every segment once agreed: 10 bytes
 * padded to 12 (RFC 7323 Appendix A). */
#define TCP_TS_OPTLEN 12

/* Header sizes without options (RFC 791, RFC 8200, RFC 9293). */
#define IPV4_HDR_LEN 20
#define IPV6_HDR_LEN 40
#define TCP_HDR_LEN 20

/* A full interface send queue (ENOBUFS): back off this long between tries,
 * and give up after the queue refused us for this long. */
#define SEND_BACKOFF_NS NS_PER_MS
#define SEND_GIVE_UP_NS (5ull * NS_PER_S)

#endif
