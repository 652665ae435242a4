/*
 * script_header: the metadata of a script, from the `// id:`, `// ref:`,
 * `// title:`, `// target:` and `// needs:` comments that open it.
 *
 * Private to the script parser. The header is the run of blank and `//`
 * lines at the top of the file; the first other line ends it.
 */
#ifndef TCPSHAKE_SCRIPT_HEADER_H
#define TCPSHAKE_SCRIPT_HEADER_H

#include "core/script.h"
#include "core/script_lex.h"

/* Fill m (zeroed by the caller) from the header of the lexer's buffer; the
 * lexer itself does not move. Strings in m are the caller's to free, also
 * after an error. Returns 0, or -1 with the lexer's error set. */
int script_header_parse(struct lex *lx, struct script_meta *m);

#endif
