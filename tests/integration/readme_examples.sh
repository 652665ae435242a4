#!/bin/bash
# readme_examples.sh: every example of the README (and of docs/*.md) runs,
# as written, in the demo lab (the one scripts/demo starts: lab_up bridge + lab_demo_servers),
# and prints what the README shows, up to the numbers. So the README cannot
# name a port the lab does not have, show a state the lab does not produce,
# or drift from the program's output.
#
# An example is a fenced block whose info string is `console`:
#
#   ```console
#   $ tcpshake -c 1 -W 0.5 10.77.0.2:81
#   TCPSHAKE 10.77.0.2 (10.77.0.2) port 81: SYN probes
#   closed 10.77.0.2:81 seq=1 flags=RA ttl=64 win=0 rtt=0.031 ms
#   ...
#   $ echo $?
#   1
#   ```
#
# - `$ tcpshake ARGS` or `$ scripts/demo ARGS`: runs `tcpshake ARGS` (the
#   built binary, through bash, so quoting and $(...) work) in the lab's
#   client namespace, from the top of the source tree. Any other `$ `
#   command in a console block is an error of this test.
# - the lines up to the next `$ ` line are its expected output. Lines that
#   start with `tcpshake: ` are matched against stderr, the others against
#   stdout, each in order.
# - `$ echo $?` and a number: the exit status, compared exactly.
# - Compared as shapes: every run of digits is one placeholder (RTTs,
#   counts, ports, sequence numbers vary), every run of blanks one space.
#   A line `...` stands for any number of lines (0 or more); `...` inside a
#   line for any text. Everything else (words, states, flags, punctuation,
#   the number of lines) must be equal.
# - Outside console blocks, a line of a `sh` block that starts with
#   `scripts/demo ` (the quick start's list; a trailing # comment is not
#   part of it) must be the command of a console example too, where its
#   output is shown and checked.
# - A mismatch is tried again, up to three runs in all: a busy machine may
#   change timing (a delayed ACK folded or not), but a wrong port or state
#   is wrong every time. The last run's difference is printed.
#
# README=FILE... checks those files instead.
. "$(dirname "$0")/common.sh"
require_root

T0=$EPOCHREALTIME
if [ -n "${README:-}" ]; then
	read -r -a files <<<"$README"
else
	files=("$top_srcdir/README.md")
	for f in "$top_srcdir"/docs/*.md; do
		grep -q '^```console' "$f" && files+=("$f")
	done
fi

EX="$TMPD/examples"
mkdir -p "$EX"

# extract FILE FIRST: the console examples of FILE, numbered from FIRST + 1,
# as one file set each under $EX: N.cmd (the command, its first word
# stripped), N.line (FILE:LINE), N.out and N.err (expected stdout and
# stderr), N.status (if given).
extract() {
	awk -v dir="$EX" -v n="$2" -v file="${1#"$top_srcdir"/}" '
	function out(f, s) { print s >> (dir "/" n "." f); close(dir "/" n "." f) }
	function bad_line(why) { print file ":" NR ": " why > "/dev/stderr"; bad = 1 }
	/^```console[ \t]*$/ { blk = 1; started = 0; next }
	blk && /^```/ { blk = 0; status = 0; next }
	!blk { next }
	/^\$ echo \$\?$/ {
		if (!started)
			bad_line("$ echo $? before any command")
		status = 1
		next
	}
	status { out("status", $0); status = 0; next }
	/^\$ / {
		n++
		started = 1
		cmd = substr($0, 3)
		if (cmd ~ /^(tcpshake|scripts\/demo)( |$)/)
			sub(/^[^ ]* */, "", cmd)
		else
			bad_line("unsupported command in a console block: " $0)
		out("cmd", cmd)
		out("line", file ":" NR)
		printf "" > (dir "/" n ".out"); close(dir "/" n ".out")
		printf "" > (dir "/" n ".err"); close(dir "/" n ".err")
		next
	}
	!started { bad_line("output before any command"); next }
	{ out(/^tcpshake: / ? "err" : "out", $0) }
	END { exit bad }' "$1"
}

for f in "${files[@]}"; do
	[ -r "$f" ] || fail "cannot read $f"
	extract "$f" "$(find "$EX" -name '*.cmd' | wc -l)" || fail "$f: malformed console block (see above)"
done

# The quick start's `scripts/demo ARGS` lines (a trailing # comment off).
awk '/^```sh[ \t]*$/ { blk = 1; next } blk && /^```/ { blk = 0; next }
	blk && /^scripts\/demo / { sub(/^scripts\/demo /, ""); sub(/[ \t]+#.*$/, ""); print FILENAME ":" FNR " " $0 }' \
	"${files[@]}" >"$TMPD/quick"

count=$(find "$EX" -name '*.cmd' | wc -l)
[ "$count" -gt 0 ] || fail "no console examples in ${files[*]}"
echo "ok: $count examples in ${files[*]#"$top_srcdir"/}"

lab_up "$LAB" bridge || fail "lab_up"
lab_demo_servers "$LAB" || fail "lab_demo_servers"

# The shape of a text: digits masked, blanks squeezed, trailing blanks off.
shape() {
	sed -E 's/[0-9]+/N/g; s/[[:space:]]+/ /g; s/ $//' "$1"
}

# _lines_match I J: expected lines E[I..] (patterns P[I..]) match actual
# lines A[J..]; `...` lines may take any number of actual lines.
_lines_match() {
	local i=$1 j=$2 k
	while :; do
		if ((i == ${#E[@]})); then
			((j == ${#A[@]}))
			return
		fi
		if [ "${E[i]}" = "..." ]; then
			for ((k = j; k <= ${#A[@]}; k++)); do
				_lines_match $((i + 1)) "$k" && return 0
			done
			return 1
		fi
		((j < ${#A[@]})) || return 1
		# shellcheck disable=SC2053 # a glob pattern on purpose
		[[ ${A[j]} == ${P[i]} ]] || return 1
		i=$((i + 1)) j=$((j + 1))
	done
}

# same_shape EXPECTED ACTUAL: true if the files have the same shape.
same_shape() {
	local l p
	mapfile -t E < <(shape "$1")
	mapfile -t A < <(shape "$2")
	P=()
	for l in "${E[@]}"; do
		# Quote the glob's own characters, then let `...` be `*`.
		p=${l//\\/\\\\}
		p=${p//\*/\\*}
		p=${p//\?/\\?}
		p=${p//\[/\\[}
		p=${p//(/\\(} # [[ ]] patterns are extglob: no @( +( !( groups
		P+=("${p//.../*}")
	done
	_lines_match 0 0
}

# run_example N: runs it, true if stdout, stderr and status are as shown.
run_example() {
	local n=$1 cmd
	cmd=$(cat "$EX/$n.cmd")
	(cd "$top_srcdir" && timeout 120 ip netns exec "$LAB_CLI_NS" \
		bash -c "exec \"\$TCPSHAKE\" $cmd") >"$EX/$n.got.out" 2>"$EX/$n.got.err"
	echo $? >"$EX/$n.got.status"
	same_shape "$EX/$n.out" "$EX/$n.got.out" || return 1
	same_shape "$EX/$n.err" "$EX/$n.got.err" || return 1
	[ ! -f "$EX/$n.status" ] || [ "$(cat "$EX/$n.status")" = "$(cat "$EX/$n.got.status")" ]
}

show_difference() {
	local n=$1 f
	for f in out err; do
		if ! same_shape "$EX/$n.$f" "$EX/$n.got.$f"; then
			echo "--- std$f, as shapes: README (-) and this run (+):"
			diff -u <(shape "$EX/$n.$f") <(shape "$EX/$n.got.$f") | tail -n +3
			echo "--- std$f of this run:"
			cat "$EX/$n.got.$f"
		fi
	done
	if [ -f "$EX/$n.status" ]; then
		echo "--- exit status: README $(cat "$EX/$n.status"), this run $(cat "$EX/$n.got.status")"
	fi
}

failed=0
while read -r line cmd; do
	if cat "$EX"/*.cmd | grep -qxF -- "$cmd"; then
		echo "ok: ${line#"$top_srcdir"/}: scripts/demo $cmd is a console example"
	else
		echo "FAIL: ${line#"$top_srcdir"/}: scripts/demo $cmd: not shown (and checked) as a console example"
		failed=$((failed + 1))
	fi
done <"$TMPD/quick"
for ((n = 1; n <= count; n++)); do
	line=$(cat "$EX/$n.line")
	what="$line: \$ tcpshake $(cat "$EX/$n.cmd")"
	ok=0
	for try in 1 2 3; do
		if run_example "$n"; then
			ok=1
			break
		fi
		echo "(run $try of $what differs)"
	done
	if [ "$ok" = 1 ]; then
		echo "ok: $what"
	else
		echo "FAIL: $what: its output does not have the README's shape"
		show_difference "$n"
		failed=$((failed + 1))
	fi
done
echo "examples run in $(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
[ "$failed" = 0 ] || fail "$failed README or docs examples differ from what the lab prints (see above)"
pass
