/*
 * atomic_file: -o FILE written whole or not at all (atomic_file.h says how).
 *
 * The unnamed file is named at commit through /proc/self/fd with
 * AT_SYMLINK_FOLLOW, the one way linkat(2) documents that needs no
 * capability (AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH, and every capability
 * is dropped before the run ends). The name it gets is random, as mkstemp's
 * would be, and taken only for the instant before the rename.
 */
#include "config.h"
#include "sys/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

struct atomic_file {
	char *path;    /* as given */
	char *tmpname; /* "PATH.XXXXXX" once the file has a name; NULL while unnamed */
	FILE *f;
};

#define TEMP_SUFFIX ".XXXXXX"
/* Names tried before giving up when each one already exists. */
#define NAME_TRIES 100

/* "PATH: what: reason" into err; e == 0: the reason is not known. */
static int fail(char *err, size_t errlen, const char *path, const char *what, int e)
{
	snprintf(err, errlen, "%s: %s%s%s", path, what, what[0] && e ? ": " : "", e ? strerror(e) : "");
	return -1;
}

/* path's directory, for O_TMPFILE: "." for a bare name, "/" for "/x". */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* "PATH.XXXXXX" for mkstemp, or with the X's replaced by random letters. */
static char *temp_name(const char *path, bool randomise)
{
	static const char letters[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t n = strlen(path);
	char *t = malloc(n + sizeof(TEMP_SUFFIX));
	if (t == NULL)
		return NULL;
	memcpy(t, path, n);
	memcpy(t + n, TEMP_SUFFIX, sizeof(TEMP_SUFFIX));
	if (randomise) {
		uint8_t r[6] = { 0 };
		if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
			for (size_t i = 0; i < sizeof(r); i++)
				r[i] = (uint8_t)(rand() >> 7);
		for (size_t i = 0; i < sizeof(r); i++)
			t[n + 1 + i] = letters[r[i] % (sizeof(letters) - 1)];
	}
	return t;
}

static mode_t current_umask(void)
{
	mode_t m = umask(0);
	umask(m);
	return m;
}

/* The file, unnamed in path's directory; -1 with errno, EOPNOTSUPP when
 * the filesystem (or kernel) cannot. */
static int open_unnamed(const char *path)
{
	char *dir = dir_of(path);
	if (dir == NULL) {
		errno = ENOMEM;
		return -1;
	}
	int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	int e = errno;
	free(dir);
	/* Kernels before 3.11 take O_TMPFILE for O_DIRECTORY: EISDIR. */
	if (fd < 0 && (e == EISDIR || e == EINVAL))
		e = EOPNOTSUPP;
	errno = e;
	return fd;
}

struct atomic_file *atomic_file_open(const char *path, unsigned flags, char *err, size_t errlen)
{
	struct stat st;
	int fd = -1;
	struct atomic_file *af = calloc(1, sizeof(*af));

	if (af == NULL || (af->path = strdup(path)) == NULL) {
		fail(err, errlen, path, "", ENOMEM);
		goto bad;
	}
	/* The rename would fail only at the end, after the run. */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		fail(err, errlen, path, "", EISDIR);
		goto bad;
	}
	if (!(flags & ATOMIC_FILE_NAMED)) {
		fd = open_unnamed(path);
		if (fd < 0 && errno != EOPNOTSUPP) {
			fail(err, errlen, path, "", errno);
			goto bad;
		}
	}
	if (fd < 0) {
		if ((af->tmpname = temp_name(path, false)) == NULL) {
			fail(err, errlen, path, "", ENOMEM);
			goto bad;
		}
		fd = mkostemp(af->tmpname, O_CLOEXEC);
		if (fd < 0) {
			fail(err, errlen, path, "", errno);
			free(af->tmpname);
			af->tmpname = NULL;
			goto bad;
		}
		/* mkstemp makes it 0600; a collector of another user must
		 * read it, as it could a file the shell's > made. */
		if (fchmod(fd, 0666 & ~current_umask()) < 0) {
			fail(err, errlen, path, "", errno);
			goto bad;
		}
	}
	if ((af->f = fdopen(fd, "w")) == NULL) {
		fail(err, errlen, path, "", errno);
		goto bad;
	}
	return af;
bad:
	if (af != NULL && af->f == NULL && fd >= 0)
		close(fd);
	atomic_file_discard(af);
	return NULL;
}

FILE *atomic_file_stream(struct atomic_file *af)
{
	return af->f;
}

/* Give the unnamed file a free "PATH.XXXXXX" name; 0 or -1 with errno. */
static int name_it(struct atomic_file *af)
{
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fileno(af->f));
	for (int i = 0; i < NAME_TRIES; i++) {
		char *t = temp_name(af->path, true);
		if (t == NULL) {
			errno = ENOMEM;
			return -1;
		}
		if (linkat(AT_FDCWD, proc, AT_FDCWD, t, AT_SYMLINK_FOLLOW) == 0) {
			af->tmpname = t;
			return 0;
		}
		int e = errno;
		free(t);
		if (e != EEXIST) {
			errno = e;
			return -1;
		}
	}
	errno = EEXIST;
	return -1;
}

int atomic_file_commit(struct atomic_file *af, char *err, size_t errlen)
{
	int rc = 0;

	/* A write that failed earlier left only the stream's error flag; its
	 * errno is long gone. One that fails now has its own. */
	bool failed_before = ferror(af->f) != 0;
	if (fflush(af->f) != 0 || ferror(af->f)) {
		rc = fail(err, errlen, af->path, "write failed", failed_before ? 0 : errno);
	} else if (fsync(fileno(af->f)) < 0) {
		rc = fail(err, errlen, af->path, "write failed", errno);
	} else if (af->tmpname == NULL && name_it(af) < 0) {
		rc = fail(err, errlen, af->path, "cannot name the temporary file", errno);
	} else if (rename(af->tmpname, af->path) < 0) {
		rc = fail(err, errlen, af->path, "cannot rename the temporary file over it", errno);
	} else {
		free(af->tmpname);
		af->tmpname = NULL; /* it is path now: not to be removed */
	}
	atomic_file_discard(af);
	return rc;
}

void atomic_file_discard(struct atomic_file *af)
{
	if (af == NULL)
		return;
	if (af->f != NULL)
		fclose(af->f);
	if (af->tmpname != NULL)
		unlink(af->tmpname);
	free(af->tmpname);
	free(af->path);
	free(af);
}
