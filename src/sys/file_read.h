/*
 * file_read: read a small file whole, refusing one that is too large before
 * reading it (a mistaken path to a disk image must not be loaded).
 */
#ifndef TCPSHAKE_FILE_READ_H
#define TCPSHAKE_FILE_READ_H

#include <stdbool.h>
#include <stddef.h>

/* Read the file at path whole into *buf (malloc'd, *len bytes). A regular
 * file larger than max is not read: *too_big is set, *len is its size and
 * *buf NULL. A file without a size (a pipe) is read up to max + 1 bytes,
 * so the caller sees it is too large by *len > max. Returns 0, or -1 with
 * errno (EISDIR for a directory). */
int file_read_whole(const char *path, size_t max, char **buf, size_t *len, bool *too_big);

#endif
