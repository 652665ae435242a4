#!/bin/sh
# Every option of the table is documented, in the same order: the options
# `tcpshake --help` prints (it prints them from cli_table.c's rows) must be
# the items of the man page's OPTIONS section, short forms included. A new
# option is one table row and one man page entry, or this fails with the
# difference (mtr's rule: table, man page and --help agree).
set -u
top="${top_srcdir:-$(dirname "$0")/../..}"
bin="${TCPSHAKE:-${top_builddir:-.}/tcpshake}"
man="$top/man/tcpshake.8"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$bin" ]; then
	echo "ERROR: no tcpshake binary at $bin (build it first)"
	exit 99
fi
# "  -p, --ports PORTS ..." and "      --rate PPS ..." -> "-p --ports", "--rate".
"$bin" --help |
	sed -n -E 's/^  -([A-Za-z0-9]), --([a-z0-9-]+).*/-\1 --\2/p; s/^      --([a-z0-9-]+).*/--\1/p' \
	>"$tmp/help"
# ".It Fl p , Fl \-ports Ar ports" and ".It Fl \-rate Ar pps" (mdoc's Fl adds one
# dash, "\-" the other), OPTIONS only.
sed -n '/^\.Sh OPTIONS/,/^\.Sh /p' "$man" | grep '^\.It Fl' | tr -d '\\' |
	sed -n -E 's/^\.It Fl ([A-Za-z0-9]) , Fl -([a-z0-9-]+).*/-\1 --\2/p; s/^\.It Fl -([a-z0-9-]+).*/--\1/p' \
	>"$tmp/man"

if [ ! -s "$tmp/help" ] || [ ! -s "$tmp/man" ]; then
	echo "FAIL: found no options (help: $(wc -l <"$tmp/help"), man: $(wc -l <"$tmp/man"))"
	exit 1
fi
if ! diff -u "$tmp/help" "$tmp/man" >"$tmp/diff"; then
	echo "FAIL: --help (-) and man/tcpshake.8 OPTIONS (+) differ:"
	sed 1,2d "$tmp/diff"
	exit 1
fi
echo "PASS: $(wc -l <"$tmp/help") options, in the same order in --help and the man page"
