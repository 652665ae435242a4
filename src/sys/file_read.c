/*
 * file_read: a small file read whole (a script, the exporter's config), with
 * a size limit checked before reading where the file has a size. See
 * file_read.h.
 */
#include "config.h"
#include "sys/file_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int file_read_whole(const char *path, size_t max, char **buf, size_t *len, bool *too_big)
{
	*buf = NULL;
	*len = 0;
	*too_big = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
		*too_big = true;
		*len = (size_t)st.st_size;
		close(fd);
		return 0;
	}
	/* Not every file has a size (a pipe): read at most one byte more
	 * than the limit, which the parser then refuses. */
	size_t cap = max + 1;
	char *b = malloc(cap);
	if (b == NULL)
		goto fail;
	size_t n = 0;
	while (n < cap) {
		ssize_t got = read(fd, b + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			free(b);
			errno = e;
			goto fail;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	*buf = b;
	*len = n;
	return 0;
fail: {
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}
}
