/*
 * term: the terminal test, in sys/ because it asks the kernel; the choice
 * it feeds (colour or not) is the CLI's pure cli_color_wanted().
 */
#include "config.h"
#include "sys/term.h"

#include <unistd.h>

bool term_is_terminal(FILE *f)
{
	return isatty(fileno(f)) == 1;
}
