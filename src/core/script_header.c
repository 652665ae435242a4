/*
 * script_header: a script's metadata from its leading `// key: value`
 * comments (see script_header.h).
 *
 * Read from the raw text, line by line, before any token: the header is a
 * property of the file's first lines, and comments never reach the
 * parser. Keys we do not know are ordinary comments ("// Note: ..."), but a
 * key we know with a bad value is an error, so a typo in `target:` cannot
 * silently run a check against the wrong port.
 */
#include "config.h"
#include "core/script_header.h"

#include <string.h>

#define MAX_HEADER 200 /* bytes of a header value */

static bool id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

static int header_needs(struct lex *lx, struct script_meta *m, unsigned line, unsigned col,
			const char *v, size_t n)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t b = i;
		while (i < n && v[i] != ' ' && v[i] != '\t' && v[i] != ',')
			i++;
		if (i == b)
			break;
		if (i - b == 4 && memcmp(v + b, "data", 4) == 0)
			m->needs |= SCRIPT_NEED_DATA;
		else if (i - b == 10 && memcmp(v + b, "timestamps", 10) == 0)
			m->needs |= SCRIPT_NEED_TS;
		else if (i - b == 4 && memcmp(v + b, "sack", 4) == 0)
			m->needs |= SCRIPT_NEED_SACK;
		else if (i - b == 4 && memcmp(v + b, "open", 4) == 0)
			m->needs |= SCRIPT_NEED_OPEN;
		else
			return lex_fail(lx, line, col + (unsigned)b,
					"unknown need '%.*s' (known: data, timestamps, sack, open)",
					(int)(i - b > 40 ? 40 : i - b), v + b);
	}
	return 0;
}

static int header_entry(struct lex *lx, struct script_meta *m, unsigned line, const char *ls,
			const char *key, size_t kn, const char *v, size_t vn)
{
	unsigned col = (unsigned)(v - ls) + 1;
	char **slot = NULL;
	if (kn == 2 && memcmp(key, "id", 2) == 0)
		slot = &m->id;
	else if (kn == 3 && memcmp(key, "ref", 3) == 0)
		slot = &m->ref;
	else if (kn == 5 && memcmp(key, "title", 5) == 0)
		slot = &m->title;
	else if (!(kn == 6 && memcmp(key, "target", 6) == 0) && !(kn == 5 && memcmp(key, "needs", 5) == 0))
		return 0; /* an ordinary comment that happens to have a colon */
	if (vn == 0)
		return lex_fail(lx, line, col, "empty '%.*s:' header", (int)kn, key);
	if (vn > MAX_HEADER)
		return lex_fail(lx, line, col, "'%.*s:' header longer than %d bytes", (int)kn, key, MAX_HEADER);
	if (slot == NULL && key[0] == 't') {
		if (vn == 4 && memcmp(v, "open", 4) == 0)
			m->target = SCRIPT_TARGET_OPEN;
		else if (vn == 6 && memcmp(v, "closed", 6) == 0)
			m->target = SCRIPT_TARGET_CLOSED;
		else
			return lex_fail(lx, line, col, "target must be 'open' or 'closed'");
		return 0;
	}
	if (slot == NULL)
		return header_needs(lx, m, line, col, v, vn);
	if (*slot != NULL)
		return lex_fail(lx, line, (unsigned)(key - ls) + 1, "'%.*s:' header written twice", (int)kn, key);
	if (slot == &m->id)
		for (size_t i = 0; i < vn; i++)
			if (!id_char(v[i]))
				return lex_fail(lx, line, col + (unsigned)i,
						"check id may hold only letters, digits, '.', '_' and '-'");
	*slot = strndup(v, vn);
	return *slot == NULL ? lex_fail(lx, line, col, "out of memory") : 0;
}

int script_header_parse(struct lex *lx, struct script_meta *m)
{
	const char *p = lx->buf, *end = lx->end;
	unsigned line = 1;
	while (p < end) {
		const char *ls = p, *e = memchr(p, '\n', (size_t)(end - p));
		if (e == NULL)
			e = end;
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p < e) {
			if (e - p < 2 || p[0] != '/' || p[1] != '/')
				return 0;
			p += 2;
			while (p < e && (*p == ' ' || *p == '\t'))
				p++;
			const char *key = p;
			while (p < e && *p >= 'a' && *p <= 'z')
				p++;
			if (p > key && p < e && *p == ':') {
				size_t kn = (size_t)(p - key);
				const char *v = p + 1, *ve = e;
				while (v < ve && (*v == ' ' || *v == '\t'))
					v++;
				while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
					ve--;
				if (header_entry(lx, m, line, ls, key, kn, v, (size_t)(ve - v)) < 0)
					return -1;
			}
		}
		p = e < end ? e + 1 : end;
		line++;
	}
	return 0;
}
