/*
 * term: isatty, TIOCGWINSZ, and a glibc cookie stream. See term.h.
 *
 * fopencookie lets the formatters keep writing with stdio to a FILE while
 * each flushed buffer passes through write_through; line buffering
 * keeps results appearing line by line, as stdout on a terminal does.
 */
#include "config.h"
#include "sys/term.h"

#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct hooked {
	FILE *base;
	void (*before)(void *ctx);
	void (*after)(void *ctx);
	void *ctx;
};

bool term_is_tty(FILE *f)
{
	int fd = fileno(f);
	return fd >= 0 && isatty(fd) == 1;
}

unsigned term_columns(FILE *f)
{
	struct winsize ws;
	int fd = fileno(f);
	if (fd < 0 || ioctl(fd, TIOCGWINSZ, &ws) < 0)
		return 0;
	return ws.ws_col;
}

static ssize_t write_through(void *cookie, const char *buf, size_t size)
{
	struct hooked *h = cookie;
	h->before(h->ctx);
	size_t n = fwrite(buf, 1, size, h->base);
	int failed = fflush(h->base) != 0 || n < size;
	if (failed)
		return -1; /* the line stays off: the results' screen is gone */
	/* Only at a line's start may the line come back: a line longer than
	 * the buffer arrives in pieces, and "\r" would write over the first. */
	if (size > 0 && buf[size - 1] == '\n')
		h->after(h->ctx);
	return (ssize_t)n;
}

static int close_hooked(void *cookie)
{
	struct hooked *h = cookie;
	int rc = fflush(h->base);
	free(h);
	return rc;
}

FILE *term_stream_around_writes(FILE *base, void (*before)(void *ctx), void (*after)(void *ctx),
				void *ctx)
{
	struct hooked *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->base = base;
	h->before = before;
	h->after = after;
	h->ctx = ctx;
	cookie_io_functions_t io = {.write = write_through, .close = close_hooked};
	FILE *f = fopencookie(h, "w", io);
	if (f == NULL) {
		free(h);
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, BUFSIZ);
	return f;
}
