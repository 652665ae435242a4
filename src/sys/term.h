/*
 * term: whether a stream is a terminal, for --color auto (and anything
 * else that should behave differently for a person than for a pipe).
 */
#ifndef TCPSHAKE_TERM_H
#define TCPSHAKE_TERM_H

#include <stdbool.h>
#include <stdio.h>

/* Whether f is a terminal (isatty on its descriptor). */
bool term_is_terminal(FILE *f);

#endif
