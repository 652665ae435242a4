/*
 * lwip_peer: a TCP server on lwIP (Debian's liblwip, lwIP 2.1.3), so the
 * lab has a TCP stack that is not Linux's. lwIP owns its own IPv4 address
 * on a Linux tap device: every frame the tap carries goes to lwIP and every
 * frame lwIP sends goes out of the tap, so the kernel of the namespace
 * never answers for that address; tcpshake meets lwIP's tcp_in.c and
 * tcp_out.c and nothing else.
 *
 *   lwip_peer [--mtu N] [--verbose] TAP ADDR/PREFIX GATEWAY PORT MODE [PORT MODE]...
 *
 * Each PORT listens with its own MODE:
 *
 *   echo         echo everything back; close on EOF
 *   close-first  on accept, send one line and close at once (server FIN first)
 *   hold         read and discard; never close (CLOSE_WAIT after our FIN)
 *   talk         on EOF (peer half-closed), send 3 lines, then close
 *
 * The tap must exist (ip tuntap add ... mode tap); lwip_peer attaches to it.
 * --mtu (default 576) is the netif's MTU, so lwIP announces MSS = MTU - 40.
 * Debian's liblwip has been seen to overflow a pbuf on frames above about
 * 590 bytes, so the lab gives the path this MTU; our netif hands lwIP one
 * contiguous PBUF_RAM buffer per frame, and frames longer than the MTU are
 * dropped here rather than handed to lwIP.
 *
 * Debian builds liblwip with NO_SYS=0 (its tcpip thread, core locking), but
 * nothing obliges us to start that thread: we call lwip_init(), not
 * tcpip_init(), and drive the stack from one thread, one poll() loop over
 * the tap fd, with sys_check_timeouts() for lwIP's timers, the way NO_SYS
 * programs do. With no tcpip thread marked, the port's core-locking check
 * has nothing to check. Netif and raw API: no sockets, no threads.
 *
 * TERM and INT set the stop flag; the loop wakes at least every 50 ms.
 * Silent on success; --verbose writes one line per connection event to
 * stderr. Exit 0 on a signal, 1 on a setup error (one line on stderr), 2 on
 * a usage error.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#define DEFAULT_MTU 576
#define FRAME_MAX 2048   /* read buffer: larger than any MTU we accept */
#define ETH_HDR 14
#define POLL_MAX_MS 50   /* longest sleep: the stop flag is seen this fast */
#define HELLO "hello from lwip_peer\r\n"
#define TALK_LINES 3

static volatile sig_atomic_t stop;

enum mode { MODE_ECHO, MODE_CLOSE_FIRST, MODE_HOLD, MODE_TALK };

static const char *const mode_names[] = {
	[MODE_ECHO] = "echo",
	[MODE_CLOSE_FIRST] = "close-first",
	[MODE_HOLD] = "hold",
	[MODE_TALK] = "talk",
};

#define MAX_LISTENERS 16

struct peer;

/* One listening port; lwIP hands it back as the arg of every callback of
 * the port's connections, so each knows its mode. */
struct listener {
	struct peer *pr;
	enum mode mode;
	u16_t port;
};

struct peer {
	int fd;          /* the tap */
	ip4_addr_t addr; /* lwIP's address: its MAC derives from it */
	int verbose;
	u16_t mtu;
	unsigned long dropped; /* frames longer than the MTU, not given to lwIP */
	struct listener ls[MAX_LISTENERS];
	size_t nls;
};

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

__attribute__((format(printf, 2, 3)))
static void say(const struct peer *pr, const char *fmt, ...)
{
	va_list ap;

	if (!pr->verbose)
		return;
	va_start(ap, fmt);
	fputs("lwip_peer: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* --- the netif: frames to and from the tap fd ---------------------------- */

/* lwIP's linkoutput: one whole frame (the chain flattened) to the tap. */
static err_t tap_linkoutput(struct netif *nif, struct pbuf *p)
{
	const struct peer *pr = nif->state;
	unsigned char frame[FRAME_MAX];
	u16_t n;
	ssize_t w;

	if (p->tot_len > sizeof frame)
		return ERR_BUF;
	n = pbuf_copy_partial(p, frame, p->tot_len, 0);
	do
		w = write(pr->fd, frame, n);
	while (w < 0 && errno == EINTR);
	return w == (ssize_t)n ? ERR_OK : ERR_IF;
}

static err_t tap_netif_init(struct netif *nif)
{
	const struct peer *pr = nif->state;
	/* Locally administered, 02:00 and then the IPv4 address: unique on
	 * the lab's bridge when several lwIPs share it, and readable in a
	 * capture. */
	u32_t a = lwip_ntohl(ip4_addr_get_u32(&pr->addr));
	const u8_t mac[6] = { 0x02, 0x00, (u8_t)(a >> 24), (u8_t)(a >> 16), (u8_t)(a >> 8), (u8_t)a };

	nif->name[0] = 't';
	nif->name[1] = 'p';
	nif->output = etharp_output;
	nif->linkoutput = tap_linkoutput;
	nif->mtu = pr->mtu;
	nif->hwaddr_len = sizeof mac;
	memcpy(nif->hwaddr, mac, sizeof mac);
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	return ERR_OK;
}

/* Reads one frame from the tap (non-blocking) and hands it to lwIP. */
static void tap_input(struct peer *pr, struct netif *nif)
{
	unsigned char frame[FRAME_MAX];
	struct pbuf *p;
	ssize_t n;

	n = read(pr->fd, frame, sizeof frame);
	if (n <= 0)
		return;
	if ((size_t)n > (size_t)pr->mtu + ETH_HDR) {
		pr->dropped++;
		say(pr, "dropped a %zd-byte frame (MTU %u)", n, pr->mtu);
		return;
	}
	/* PBUF_RAM: one contiguous buffer of exactly this size. */
	p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
	if (p == NULL)
		return;
	pbuf_take(p, frame, (u16_t)n);
	if (nif->input(p, nif) != ERR_OK)
		pbuf_free(p);
}

/* --- the TCP server: raw API callbacks ----------------------------------- */

static void send_and_flush(struct tcp_pcb *pcb, const void *data, u16_t len)
{
	if (len > 0)
		tcp_write(pcb, data, len, TCP_WRITE_FLAG_COPY);
	tcp_output(pcb);
}

/* Closes; if lwIP has no memory for the FIN, aborts (its RST) instead.
 * Returns what the calling callback must return: ERR_ABRT after
 * tcp_abort(), which freed the pcb, else ERR_OK. */
static err_t close_or_abort(const struct peer *pr, struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_err(pcb, NULL);
	if (tcp_close(pcb) != ERR_OK) {
		say(pr, "tcp_close failed: abort");
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	say(pr, "closed");
	return ERR_OK;
}

static void on_error(void *arg, err_t err)
{
	const struct listener *l = arg;

	if (l != NULL)
		say(l->pr, "connection error %d (%s)", err,
		    err == ERR_RST ? "reset by peer" : err == ERR_ABRT ? "aborted" : "other");
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	const struct listener *l = arg;
	const struct peer *pr = l->pr;
	int i;

	(void)err;
	if (p == NULL) { /* the peer's FIN: end of file */
		say(pr, "EOF");
		switch (l->mode) {
		case MODE_HOLD:
			return ERR_OK; /* CLOSE_WAIT for good */
		case MODE_TALK:
			for (i = 0; i < TALK_LINES; i++) {
				char line[64];
				int k = snprintf(line, sizeof line, "line %d after your FIN\r\n", i + 1);
				tcp_write(pcb, line, (u16_t)k, TCP_WRITE_FLAG_COPY);
			}
			break;
		case MODE_ECHO:
		case MODE_CLOSE_FIRST:
			break;
		}
		return close_or_abort(pr, pcb);
	}
	say(pr, "%u bytes", p->tot_len);
	if (l->mode == MODE_ECHO) {
		/* Echo what fits in the send buffer; the rest is refused and
		 * lwIP offers it again later, as TCP would. */
		if (tcp_sndbuf(pcb) < p->tot_len)
			return ERR_MEM;
		for (struct pbuf *q = p; q != NULL; q = q->next)
			tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY);
		tcp_output(pcb);
	}
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct listener *l = arg;
	const struct peer *pr = l->pr;

	if (err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	say(pr, "port %u (%s): accepted from %s:%u", l->port, mode_names[l->mode],
	    ipaddr_ntoa(&pcb->remote_ip), pcb->remote_port);
	tcp_arg(pcb, l);
	tcp_recv(pcb, on_recv);
	tcp_err(pcb, on_error);
	if (l->mode == MODE_CLOSE_FIRST) {
		send_and_flush(pcb, HELLO, sizeof HELLO - 1);
		return close_or_abort(pr, pcb);
	}
	return ERR_OK;
}

/* --- setup --------------------------------------------------------------- */

static int usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: lwip_peer [--mtu N] [--verbose] TAP ADDR/PREFIX GATEWAY "
		"PORT MODE [PORT MODE]...\n"
		"  MODE: echo, close-first, hold or talk\n");
	return status;
}

static int open_tap(const char *name)
{
	struct ifreq ifr;
	int fd;

	/* TUNSETIFF would create a missing tap, wherever we happen to run:
	 * attach only to the one the lab made. */
	if (if_nametoindex(name) == 0) {
		fprintf(stderr, "lwip_peer: no tap %s here (ip tuntap add dev %s mode tap)\n", name,
			name);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "lwip_peer: /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "lwip_peer: attach to tap %s: %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* "10.78.0.2/24" into address and netmask; 0 on success. */
static int parse_prefix(const char *s, ip4_addr_t *addr, ip4_addr_t *mask)
{
	char buf[32];
	char *slash, *end;
	long len;

	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1 || len < 1 || len > 32)
		return -1;
	if (!ip4addr_aton(buf, addr))
		return -1;
	ip4_addr_set_u32(mask, lwip_htonl(len == 32 ? 0xffffffffu : ~(0xffffffffu >> len)));
	return 0;
}

static int parse_num(const char *s, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || *end || end == s || *out < lo || *out > hi ? -1 : 0;
}

static int start_listener(struct listener *l)
{
	struct tcp_pcb *pcb = tcp_new();
	struct tcp_pcb *lpcb;

	if (pcb == NULL || tcp_bind(pcb, IP4_ADDR_ANY, l->port) != ERR_OK) {
		fprintf(stderr, "lwip_peer: cannot bind port %u\n", l->port);
		return -1;
	}
	lpcb = tcp_listen(pcb);
	if (lpcb == NULL) {
		fprintf(stderr, "lwip_peer: cannot listen on port %u\n", l->port);
		return -1;
	}
	tcp_arg(lpcb, l);
	tcp_accept(lpcb, on_accept);
	return 0;
}

/* ARGV holds PORT MODE pairs; 0 on success, else a line on stderr. */
static int parse_listeners(struct peer *pr, int n, char **argv)
{
	long port;
	size_t m;
	int i;

	if (n < 2 || n % 2 || n / 2 > MAX_LISTENERS)
		return -1;
	for (i = 0; i < n; i += 2) {
		struct listener *l = &pr->ls[pr->nls++];

		if (parse_num(argv[i], 1, 65535, &port) < 0) {
			fprintf(stderr, "lwip_peer: bad port '%s'\n", argv[i]);
			return -1;
		}
		for (m = 0; m < sizeof mode_names / sizeof mode_names[0]; m++)
			if (strcmp(argv[i + 1], mode_names[m]) == 0)
				break;
		if (m == sizeof mode_names / sizeof mode_names[0]) {
			fprintf(stderr, "lwip_peer: unknown mode '%s'\n", argv[i + 1]);
			return -1;
		}
		*l = (struct listener){ .pr = pr, .mode = (enum mode)m, .port = (u16_t)port };
	}
	return 0;
}

static void run(struct peer *pr, struct netif *nif)
{
	struct pollfd pfd = { .fd = pr->fd, .events = POLLIN };

	while (!stop) {
		u32_t next = sys_timeouts_sleeptime();
		int ms = next > POLL_MAX_MS ? POLL_MAX_MS : (int)next;
		int i;

		if (poll(&pfd, 1, ms) > 0 && (pfd.revents & POLLIN)) {
			/* A burst at a time, then the timers again. */
			for (i = 0; i < 64 && !stop; i++)
				tap_input(pr, nif);
		}
		sys_check_timeouts();
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mtu", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct peer pr = { .fd = -1, .mtu = DEFAULT_MTU };
	struct netif nif;
	ip4_addr_t addr, mask, gw;
	struct sigaction sa;
	long v;
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			/* 576: the IPv4 minimum every host must accept. */
			if (parse_num(optarg, 576, FRAME_MAX - ETH_HDR, &v) < 0) {
				fprintf(stderr, "lwip_peer: bad --mtu '%s' (576..%d)\n", optarg,
					FRAME_MAX - ETH_HDR);
				return 2;
			}
			pr.mtu = (u16_t)v;
			break;
		case 'v':
			pr.verbose = 1;
			break;
		case 'h':
			return usage(0);
		default:
			return usage(2);
		}
	}
	if (argc - optind < 5)
		return usage(2);
	if (parse_prefix(argv[optind + 1], &addr, &mask) < 0) {
		fprintf(stderr, "lwip_peer: bad ADDR/PREFIX '%s'\n", argv[optind + 1]);
		return 2;
	}
	if (!ip4addr_aton(argv[optind + 2], &gw)) {
		fprintf(stderr, "lwip_peer: bad gateway '%s'\n", argv[optind + 2]);
		return 2;
	}
	if (parse_listeners(&pr, argc - optind - 3, argv + optind + 3) < 0)
		return usage(2);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	pr.fd = open_tap(argv[optind]);
	if (pr.fd < 0)
		return 1;
	lwip_init();
	pr.addr = addr;
	if (netif_add(&nif, &addr, &mask, &gw, &pr, tap_netif_init, ethernet_input) == NULL) {
		fprintf(stderr, "lwip_peer: netif_add failed\n");
		return 1;
	}
	netif_set_default(&nif);
	netif_set_up(&nif);
	netif_set_link_up(&nif);
	for (i = 0; i < pr.nls; i++) {
		if (start_listener(&pr.ls[i]) < 0)
			return 1;
		say(&pr, "%s on %s port %u, MTU %u", mode_names[pr.ls[i].mode], argv[optind + 1],
		    pr.ls[i].port, pr.mtu);
	}

	run(&pr, &nif);

	say(&pr, "stopping (%lu oversized frames dropped)", pr.dropped);
	netif_remove(&nif);
	close(pr.fd);
	return 0;
}
