/*
 * atomic_file: -o FILE, written so that a reader (node_exporter's textfile
 * collector, a monitoring check, tail) only ever sees the old FILE or the
 * whole new one, never half of it.
 *
 * The output goes to a file with no name in FILE's directory (O_TMPFILE):
 * whatever ends the process early, a signal or a crash, leaves nothing
 * behind. Committing gives it a temporary name "FILE.XXXXXX" beside FILE and
 * renames that over FILE, which is atomic within one filesystem. Where the
 * filesystem has no O_TMPFILE, the file is made with mkstemp on
 * "FILE.XXXXXX" from the start, and every error path removes it. Both are
 * created in FILE's directory, so the rename never crosses filesystems.
 */
#ifndef TCPSHAKE_ATOMIC_FILE_H
#define TCPSHAKE_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

struct atomic_file;

/* Force the mkstemp way even where O_TMPFILE works (for the tests). */
#define ATOMIC_FILE_NAMED 1u

/* Make the temporary file for path, with mode 0666 less the umask (what a
 * plain fopen would give, so a collector running as another user can read
 * it). Fails, writing "PATH: reason" into err, when path's directory does
 * not exist or cannot be written, or path is a directory. flags: 0 or
 * ATOMIC_FILE_NAMED. Returns NULL on failure. */
struct atomic_file *atomic_file_open(const char *path, unsigned flags, char *err, size_t errlen);

/* The stream to write the output to; owned by af. */
FILE *atomic_file_stream(struct atomic_file *af);

/* Flush and sync what was written and rename it over path. Frees af. 0, or
 * -1 with "PATH: reason" in err when a write failed or the rename did;
 * then path is left as it was and no temporary file remains. */
int atomic_file_commit(struct atomic_file *af, char *err, size_t errlen);

/* Give up: path is left as it was and no temporary file remains. Frees af;
 * NULL is fine. */
void atomic_file_discard(struct atomic_file *af);

#endif
