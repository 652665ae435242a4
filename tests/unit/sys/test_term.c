/*
 * Unit tests for term's stream wrapper: what is written comes out on the
 * base stream unchanged, each write wrapped in before and after (after only
 * once a line is ended), and a base that cannot be written to makes the
 * wrapper's ferror() true, as output_broken() reads it. The calls are
 * recorded into the base stream itself as "<" and ">", so their order with
 * the text is what the test compares.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sys/term.h"

static void mark_before(void *ctx)
{
	fputc('<', ctx);
}

static void mark_after(void *ctx)
{
	fputc('>', ctx);
}

/* A memory stream (*base, its text in *buf) and its wrapper marking the
 * calls into it. */
static FILE *marked(FILE **base, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	*base = open_memstream(buf, len);
	assert_non_null(*base);
	FILE *f = term_stream_around_writes(*base, mark_before, mark_after, *base);
	assert_non_null(f);
	return f;
}

static void test_writes_wrapped_line_by_line(void **state)
{
	(void)state;
	char *buf;
	size_t len;
	FILE *base;
	FILE *f = marked(&base, &buf, &len);
	fprintf(f, "open 10.77.0.2:80\n");
	fprintf(f, "closed ");
	fprintf(f, "10.77.0.2:81\n");
	fflush(f);
	assert_false(ferror(f));
	fclose(f);
	fflush(base);
	assert_string_equal(buf, "<open 10.77.0.2:80\n><closed 10.77.0.2:81\n>");
	fclose(base);
	free(buf);
}

static void test_long_line_comes_back_only_at_its_end(void **state)
{
	(void)state;
	char *buf;
	size_t len;
	FILE *base;
	FILE *f = marked(&base, &buf, &len);
	/* Longer than the wrapper's buffer: it reaches base in pieces, and the
	 * line may come back only after the last. */
	size_t n = 3 * BUFSIZ;
	char *line = malloc(n + 2);
	memset(line, 'x', n);
	line[n] = '\n';
	line[n + 1] = '\0';
	fputs(line, f);
	fclose(f);
	fflush(base);
	assert_int_equal(buf[0], '<');
	assert_int_equal(buf[len - 1], '>');
	assert_int_equal(buf[len - 2], '\n');
	size_t afters = 0, xs = 0;
	for (size_t i = 0; i < len; i++) {
		afters += buf[i] == '>';
		xs += buf[i] == 'x';
	}
	assert_int_equal(afters, 1);
	assert_int_equal(xs, n);
	fclose(base);
	free(buf);
	free(line);
}

static void never(void *ctx)
{
	(void)ctx;
}

static void test_broken_base_is_an_error(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	close(fds[0]); /* nobody reads: a write gets EPIPE */
	signal(SIGPIPE, SIG_IGN);
	FILE *base = fdopen(fds[1], "w");
	assert_non_null(base);
	FILE *f = term_stream_around_writes(base, never, never, NULL);
	assert_non_null(f);
	fprintf(f, "a line\n");
	fflush(f);
	assert_true(ferror(f));
	fclose(f);
	fclose(base);
}

static void test_not_a_terminal(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	assert_non_null(f);
	assert_false(term_is_tty(f));
	assert_int_equal(term_columns(f), 0);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writes_wrapped_line_by_line),
		cmocka_unit_test(test_long_line_comes_back_only_at_its_end),
		cmocka_unit_test(test_broken_base_is_an_error),
		cmocka_unit_test(test_not_a_terminal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
