#!/bin/sh
# Every check the tool lists, builtin or script, is documented: docs/checks.md
# has a "### ID" section whose **Reference:** line is the ref the tool gives
# it (for a script, its `// ref:` header), then a period and, maybe, more
# sentences; and a row in the table of
# checks. A new check is one script or procedure and one section, or this
# fails naming what is missing.
set -u
top="${top_srcdir:-$(dirname "$0")/../..}"
bin="${TCPSHAKE:-${top_builddir:-.}/tcpshake}"
doc="$top/docs/checks.md"
: "${TCPSHAKE_CHECKS_DIR:=$top/share/checks}"
export TCPSHAKE_CHECKS_DIR

if [ ! -x "$bin" ]; then
	echo "ERROR: no tcpshake binary at $bin (build it first)"
	exit 99
fi
list=$("$bin" --list-checks --json) || { echo "FAIL: --list-checks"; exit 1; }
[ -n "$list" ] || { echo "FAIL: no checks listed"; exit 1; }
bad=0
n=0
while IFS= read -r line; do
	id=$(printf '%s\n' "$line" | sed -E 's/.*"id":"([^"]*)".*/\1/')
	ref=$(printf '%s\n' "$line" | sed -E 's/.*"ref":"([^"]*)".*/\1/')
	n=$((n + 1))
	# The section and its first **Reference:** line.
	got=$(awk -v h="### $id" '
		$0 == h { on = 1; next }
		on && /^##/ { exit }
		on && /^\*\*Reference:\*\*/ { sub(/^\*\*Reference:\*\* */, ""); print; exit }' "$doc")
	if [ -z "$got" ]; then
		echo "FAIL: $id: no section \"### $id\" with a **Reference:** line in docs/checks.md"
		bad=1
	elif [ "$got" != "$ref" ] && [ "$got" != "$ref." ] && [ "${got#"$ref". }" = "$got" ]; then
		echo "FAIL: $id: docs/checks.md says reference \"$got\", the check \"$ref\""
		bad=1
	fi
	if ! grep -q "^| \[\`$id\`\](#$id) |" "$doc"; then
		echo "FAIL: $id: no row in docs/checks.md's table of checks"
		bad=1
	fi
done <<EOF2
$list
EOF2
[ "$bad" = 0 ] || exit 1
echo "PASS: $n checks documented"
