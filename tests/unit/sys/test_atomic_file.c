/*
 * Unit tests for atomic_file (-o FILE): the file appears whole or not at
 * all, with the umask's mode, and no temporary file is left on any path.
 *
 * Each test works in a fresh directory under $TMPDIR (or /tmp) and ends by
 * listing it, so a temporary "FILE.XXXXXX" left behind fails the test. Both
 * ways of making the temporary file are run: the unnamed O_TMPFILE one and
 * the mkstemp one (ATOMIC_FILE_NAMED) used where a filesystem lacks it.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sys/atomic_file.h"
#include "sys/priv.h"

struct dir {
	char path[256];
	char file[300]; /* path/out.prom */
};

static void dir_make(struct dir *d)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(d->path, sizeof(d->path), "%s/tcpshake-af-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(d->path));
	snprintf(d->file, sizeof(d->file), "%s/out.prom", d->path);
}

/* The names in the directory, sorted and joined with spaces ("" when empty). */
static void dir_list(const struct dir *d, char *buf, size_t len)
{
	struct dirent **v;
	int n = scandir(d->path, &v, NULL, alphasort);
	assert_true(n >= 0);
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(v[i]->d_name, ".") != 0 && strcmp(v[i]->d_name, "..") != 0) {
			if (buf[0] != '\0')
				strncat(buf, " ", len - strlen(buf) - 1);
			strncat(buf, v[i]->d_name, len - strlen(buf) - 1);
		}
		free(v[i]);
	}
	free(v);
}

static void assert_dir_holds(const struct dir *d, const char *names)
{
	char got[512];
	dir_list(d, got, sizeof(got));
	assert_string_equal(got, names);
}

static void dir_remove(struct dir *d)
{
	unlink(d->file);
	rmdir(d->file); /* when a test made it a directory */
	assert_int_equal(rmdir(d->path), 0);
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void assert_file_is(const char *path, const char *text)
{
	char buf[256] = "";
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_string_equal(buf, text);
}

/* Written, committed: FILE holds it all, with 0666 less the umask, and
 * nothing else is in the directory. Until the commit a reader sees the
 * old FILE whole. */
static void write_and_commit(unsigned flags)
{
	struct dir d;
	char err[512];
	struct stat st;
	mode_t old = umask(027);

	dir_make(&d);
	put_file(d.file, "old\n");
	struct atomic_file *af = atomic_file_open(d.file, flags, err, sizeof(err));
	assert_non_null(af);
	fputs("tcpshake_up 1\n", atomic_file_stream(af));
	fflush(atomic_file_stream(af));
	assert_file_is(d.file, "old\n");
	assert_int_equal(atomic_file_commit(af, err, sizeof(err)), 0);
	assert_file_is(d.file, "tcpshake_up 1\n");
	assert_int_equal(stat(d.file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_dir_holds(&d, "out.prom");
	umask(old);
	dir_remove(&d);
}

static void test_unnamed_write_commit(void **state)
{
	(void)state;
	write_and_commit(0);
}

static void test_named_write_commit(void **state)
{
	(void)state;
	write_and_commit(ATOMIC_FILE_NAMED);
}

/* A FILE that did not exist yet, under another umask. */
static void test_new_file_mode(void **state)
{
	(void)state;
	struct dir d;
	char err[512];
	struct stat st;
	mode_t old = umask(022);

	dir_make(&d);
	for (unsigned flags = 0; flags <= ATOMIC_FILE_NAMED; flags++) {
		unlink(d.file);
		struct atomic_file *af = atomic_file_open(d.file, flags, err, sizeof(err));
		assert_non_null(af);
		assert_int_equal(atomic_file_commit(af, err, sizeof(err)), 0);
		assert_int_equal(stat(d.file, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0644);
		assert_dir_holds(&d, "out.prom");
	}
	umask(old);
	dir_remove(&d);
}

/* The mkstemp way has a name from the start, beside FILE: FILE.XXXXXX. */
static void test_named_temp_beside_file(void **state)
{
	(void)state;
	struct dir d;
	char err[512], got[512];

	dir_make(&d);
	struct atomic_file *af = atomic_file_open(d.file, ATOMIC_FILE_NAMED, err, sizeof(err));
	assert_non_null(af);
	dir_list(&d, got, sizeof(got));
	assert_int_equal(strlen(got), strlen("out.prom.XXXXXX"));
	assert_memory_equal(got, "out.prom.", strlen("out.prom."));
	atomic_file_discard(af);
	assert_dir_holds(&d, "");
	dir_remove(&d);
}

/* Discarded: FILE as it was, no temporary file, either way. */
static void test_discard_keeps_old(void **state)
{
	(void)state;
	struct dir d;
	char err[512];

	dir_make(&d);
	put_file(d.file, "old\n");
	for (unsigned flags = 0; flags <= ATOMIC_FILE_NAMED; flags++) {
		struct atomic_file *af = atomic_file_open(d.file, flags, err, sizeof(err));
		assert_non_null(af);
		fputs("half", atomic_file_stream(af));
		atomic_file_discard(af);
		assert_file_is(d.file, "old\n");
		assert_dir_holds(&d, "out.prom");
	}
	atomic_file_discard(NULL);
	dir_remove(&d);
}

/* A directory that does not exist, a path through a file, a FILE that is a
 * directory: NULL and "PATH: reason", nothing made. */
static void test_open_errors(void **state)
{
	(void)state;
	struct dir d;
	char err[512], path[400];

	dir_make(&d);
	for (unsigned flags = 0; flags <= ATOMIC_FILE_NAMED; flags++) {
		snprintf(path, sizeof(path), "%s/missing/out.prom", d.path);
		assert_null(atomic_file_open(path, flags, err, sizeof(err)));
		char want[512];
		snprintf(want, sizeof(want), "%s: No such file or directory", path);
		assert_string_equal(err, want);

		put_file(d.file, "x");
		snprintf(path, sizeof(path), "%s/sub", d.file);
		assert_null(atomic_file_open(path, flags, err, sizeof(err)));
		snprintf(want, sizeof(want), "%s: Not a directory", path);
		assert_string_equal(err, want);
		unlink(d.file);

		assert_int_equal(mkdir(d.file, 0755), 0);
		assert_null(atomic_file_open(d.file, flags, err, sizeof(err)));
		snprintf(want, sizeof(want), "%s: Is a directory", d.file);
		assert_string_equal(err, want);
		assert_int_equal(rmdir(d.file), 0);
		assert_dir_holds(&d, "");
	}
	dir_remove(&d);
}

/* A directory the process may not write: refused at open. As root, the
 * effective capabilities are lowered as main does, so the check is the
 * one the run will meet after dropping them (root may write anywhere
 * with CAP_DAC_OVERRIDE, but not once it is dropped). */
static void test_unwritable_dir(void **state)
{
	(void)state;
	struct dir d;
	char err[512], want[512];

	dir_make(&d);
	assert_int_equal(chmod(d.path, 0555), 0);
	if (geteuid() == 0)
		assert_int_equal(chown(d.path, 65534, 65534), 0);
	for (unsigned flags = 0; flags <= ATOMIC_FILE_NAMED; flags++) {
		struct priv_effective pe;
		priv_lower_effective(&pe);
		struct atomic_file *af = atomic_file_open(d.file, flags, err, sizeof(err));
		priv_restore_effective(&pe);
		assert_null(af);
		snprintf(want, sizeof(want), "%s: Permission denied", d.file);
		assert_string_equal(err, want);
	}
	assert_int_equal(chmod(d.path, 0700), 0);
	if (geteuid() == 0)
		assert_int_equal(chown(d.path, 0, 0), 0);
	assert_dir_holds(&d, "");
	dir_remove(&d);
}

/* A write that failed (here the file size limit): the commit fails with
 * "write failed", FILE stays as it was, no temporary file remains. */
static void test_write_failure(void **state)
{
	(void)state;
	struct dir d;
	char err[512], big[8192];
	struct rlimit old, lim;

	memset(big, 'x', sizeof(big));
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	dir_make(&d);
	put_file(d.file, "old\n");
	for (unsigned flags = 0; flags <= ATOMIC_FILE_NAMED; flags++) {
		struct atomic_file *af = atomic_file_open(d.file, flags, err, sizeof(err));
		assert_non_null(af);
		lim = old;
		lim.rlim_cur = 4096;
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
		fwrite(big, 1, sizeof(big), atomic_file_stream(af));
		int rc = atomic_file_commit(af, err, sizeof(err));
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
		assert_int_equal(rc, -1);
		assert_non_null(strstr(err, "/out.prom: write failed"));
		assert_file_is(d.file, "old\n");
		assert_dir_holds(&d, "out.prom");
	}
	signal(SIGXFSZ, SIG_DFL);
	dir_remove(&d);
}

/* The rename refused (FILE became a directory during the run): the commit
 * fails with the reason and removes the temporary file it named. */
static void test_rename_failure(void **state)
{
	(void)state;
	struct dir d;
	char err[512];

	dir_make(&d);
	for (unsigned flags = 0; flags <= ATOMIC_FILE_NAMED; flags++) {
		struct atomic_file *af = atomic_file_open(d.file, flags, err, sizeof(err));
		assert_non_null(af);
		fputs("all\n", atomic_file_stream(af));
		assert_int_equal(mkdir(d.file, 0755), 0);
		assert_int_equal(atomic_file_commit(af, err, sizeof(err)), -1);
		assert_non_null(strstr(err, ": cannot rename the temporary file over it: Is a directory"));
		assert_dir_holds(&d, "out.prom");
		assert_int_equal(rmdir(d.file), 0);
	}
	dir_remove(&d);
}

/* A bare file name: the temporary file is made in the current directory. */
static void test_bare_name(void **state)
{
	(void)state;
	struct dir d;
	char err[512], cwd[512];

	dir_make(&d);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(d.path), 0);
	for (unsigned flags = 0; flags <= ATOMIC_FILE_NAMED; flags++) {
		struct atomic_file *af = atomic_file_open("out.prom", flags, err, sizeof(err));
		assert_non_null(af);
		fputs("here\n", atomic_file_stream(af));
		assert_int_equal(atomic_file_commit(af, err, sizeof(err)), 0);
		assert_file_is("out.prom", "here\n");
	}
	assert_int_equal(chdir(cwd), 0);
	assert_dir_holds(&d, "out.prom");
	dir_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unnamed_write_commit),
		cmocka_unit_test(test_named_write_commit),
		cmocka_unit_test(test_new_file_mode),
		cmocka_unit_test(test_named_temp_beside_file),
		cmocka_unit_test(test_discard_keeps_old),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_unwritable_dir),
		cmocka_unit_test(test_write_failure),
		cmocka_unit_test(test_rename_failure),
		cmocka_unit_test(test_bare_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
