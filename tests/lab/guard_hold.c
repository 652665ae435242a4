/*
 * guard_hold: opens an RST guard the way connect mode will, says so, and
 * holds it until SIGINT or SIGTERM (then closes it) or until it is killed
 * (then the guardian must clean up). Used by tests/integration/guard.sh.
 *
 *   guard_hold LOCAL LPORT_LO LPORT_HI REMOTE RPORT
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sys/guard.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct guard_rule r;
	char err[512], name[32];
	if (argc != 6 || netaddr_parse(argv[1], &r.local) < 0 || netaddr_parse(argv[4], &r.remote) < 0) {
		fprintf(stderr, "usage: guard_hold LOCAL LPORT_LO LPORT_HI REMOTE RPORT\n");
		return 2;
	}
	r.lport_lo = (uint16_t)atoi(argv[2]);
	r.lport_hi = (uint16_t)atoi(argv[3]);
	r.rport = (uint16_t)atoi(argv[5]);
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct guard *g = guard_open(&r, 1, err, sizeof(err));
	if (g == NULL) {
		fprintf(stderr, "guard_hold: %s\n", err);
		return 1;
	}
	guard_table_name(getpid(), name, sizeof(name));
	printf("ready %s\n", name);
	fflush(stdout);
	while (!stop)
		pause();
	guard_close(g);
	return 0;
}
