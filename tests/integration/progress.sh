#!/bin/bash
# The progress line on stderr. Off a terminal: nothing unless --progress,
# then plain lines, and stdout is the same either way. On a terminal (a pty
# from script(1)): one line rewritten in place ("\r", ESC[K) for a sweep and
# a conform suite, never for one target port (unless --progress) nor under
# -q, and nothing of it left on the final screen: conform's old
# "tcpshake: [i/n] ID" lines are gone, a slow check says so in the line.
. "$(dirname "$0")/common.sh"
require_root
if ! command -v script >/dev/null 2>&1; then
	echo "SKIP: no script(1) (util-linux) to give tcpshake a terminal"
	exit 77
fi
lab_up "$LAB"
lab_server "$LAB" close 8003 8042
lab_server "$LAB" echo 8080

# 4000 target ports at 2000 probes a second: about 2 s, so the line (from
# the first second on) shows at least once however loaded the machine is.
SWEEP="-c 1 -W 1 --rate 2000 $LAB_SRV4:7001-11000"
PROGRESS_RE='tcpshake: [0-9]+/4000 ports  [0-9.]+k?/s  [0-3] open'
ESC=$(printf '\033')
CR=$(printf '\r')

# The numbers that change from run to run (RTTs, source ports, the
# sweep's random order) made alike.
shape() {
	printf '%s\n' "$1" | sed -E 's/[0-9]+/N/g' | sort
}

# render FILE: the screen a terminal shows after the bytes of FILE: "\r"
# goes back to the line's start, ESC[K erases to its end, other control
# sequences (colours) take no room.
render() {
	awk '{
		cur = ""; col = 0; n = length($0)
		for (i = 1; i <= n; i++) {
			ch = substr($0, i, 1)
			if (ch == "\r") { col = 0; continue }
			if (ch == "\033" && substr($0, i + 1, 1) == "[") {
				j = i + 2
				while (j <= n && substr($0, j, 1) ~ /[0-9;?]/)
					j++
				if (substr($0, j, 1) == "K")
					cur = substr(cur, 1, col)
				i = j
				continue
			}
			cur = substr(cur, 1, col) ch substr(cur, col + 2)
			col++
		}
		print cur
	}' "$1"
}

# on_tty FILE CMD...: CMD in the client namespace with a pty for its stdin,
# stdout and stderr; what the terminal received goes to FILE, the status
# to STATUS.
on_tty() {
	local file=$1 cmd
	shift
	cmd="ip netns exec $LAB_CLI_NS $*"
	script -qec "$cmd" /dev/null </dev/null >"$file"
	STATUS=$?
}

# --- Off a terminal -----------------------------------------------------
# --progress, stderr to a file: plain lines, no escapes; stdout unchanged.
# shellcheck disable=SC2086 # SWEEP is words
assert_exit 1 in_cli "$TCPSHAKE" --json -q --progress $SWEEP
with=$OUT
assert_match "^$PROGRESS_RE( +ETA [0-9]+ s)?\$" "$ERR" "--progress off a terminal: plain progress lines"
assert_no_match "[$CR$ESC]" "$ERR" "plain lines: no carriage return, no escape"
assert_no_match "tcpshake: " "$with" "no progress on stdout"
# shellcheck disable=SC2086
assert_exit 1 in_cli "$TCPSHAKE" --json -q $SWEEP
assert_eq "" "$ERR" "no progress on a file without --progress"
assert_eq "$(shape "$OUT" | md5sum)" "$(shape "$with" | md5sum)" "stdout with --progress is stdout without (RTTs aside)"
assert_eq 3 "$(printf '%s\n' "$with" | grep -c '"state":"open"')" "the sweep's open ports"

# Without --progress, stderr to a pipe: nothing.
# shellcheck disable=SC2086
err=$(in_cli "$TCPSHAKE" --json -q $SWEEP 2>&1 >"$TMPD/out" | cat)
assert_eq "" "$err" "no progress on a pipe without --progress"

# Conform off a terminal: no [i/n] lines, no progress; the slow note stays.
assert_exit 0 in_cli "$TCPSHAKE" -m conform --checks synack-ack,isn-unpredictable,fin-acked \
	"$LAB_SRV4:8080"
assert_no_match "\\[[0-9]+/[0-9]+\\]|check [0-9]+/" "$ERR" "conform off a terminal: no progress"
assert_match "^tcpshake: isn-unpredictable is slow \\(several seconds\\)\\.\\.\\.$" "$ERR" \
	"conform off a terminal: the slow check's note"

# --- On a terminal ------------------------------------------------------
# A sweep: the line in place, and nothing of it on the final screen.
on_tty "$TMPD/sweep.tty" "$TCPSHAKE" $SWEEP
assert_eq 1 "$STATUS" "sweep on a terminal: exit status"
raw=$(cat "$TMPD/sweep.tty")
assert_match "$CR$PROGRESS_RE.*$ESC\\[K" "$raw" "sweep on a terminal: the line drawn in place"
screen=$(render "$TMPD/sweep.tty")
assert_no_match "$PROGRESS_RE|ETA [0-9]" "$screen" "sweep on a terminal: no progress left on the screen"
assert_match "10\\.77\\.0\\.2:8003 " "$screen" "sweep on a terminal: the results are on the screen"
assert_match "10\\.77\\.0\\.2:11000 " "$screen" "sweep on a terminal: the last port's results too"
# The last thing done to the line is taking it off: what follows its last
# drawing starts with "\r" ESC[K.
tail_bytes=$(awk -v RS='\001' '{ n = split($0, a, /ports  /); print a[n] }' "$TMPD/sweep.tty")
assert_match "^[^$CR]*$ESC\\[K$CR$ESC\\[K" "$tail_bytes" "sweep on a terminal: the last draw is cleared"

# -q on a terminal: no line (summaries only, as it was asked).
on_tty "$TMPD/quiet.tty" "$TCPSHAKE" -q $SWEEP
assert_no_match "ports  " "$(cat "$TMPD/quiet.tty")" "-q on a terminal: no progress line"
# --progress wins over -q.
on_tty "$TMPD/quietp.tty" "$TCPSHAKE" -q --progress $SWEEP
assert_match "$CR$PROGRESS_RE" "$(cat "$TMPD/quietp.tty")" "-q --progress on a terminal: the line"

# One target port for 1.5 s: a ping, not a sweep: no line; --progress asks.
on_tty "$TMPD/one.tty" "$TCPSHAKE" -c 4 -i 0.5 "$LAB_SRV4:8003"
assert_eq 0 "$STATUS" "one port on a terminal: exit status"
assert_no_match "probes  " "$(cat "$TMPD/one.tty")" "one port on a terminal: no progress line"
on_tty "$TMPD/onep.tty" "$TCPSHAKE" --progress -c 4 -i 0.5 "$LAB_SRV4:8003"
assert_match "${CR}tcpshake: [0-9]/4 probes  " "$(cat "$TMPD/onep.tty")" "one port with --progress: the line"
assert_no_match "probes  " "$(render "$TMPD/onep.tty")" "one port with --progress: none left"

# Conform on a terminal: the line, with (slow) for the slow check and no
# note line; none of it, nor any [i/n] line, left between the table's rows.
on_tty "$TMPD/conform.tty" "$TCPSHAKE" -m conform \
	--checks synack-ack,isn-unpredictable,fin-acked "$LAB_SRV4:8080"
assert_eq 0 "$STATUS" "conform on a terminal: exit status"
raw=$(cat "$TMPD/conform.tty")
assert_match "${CR}tcpshake: check 2/3 isn-unpredictable \\(slow\\).*$ESC\\[K" "$raw" \
	"conform on a terminal: the slow check in the line"
screen=$(render "$TMPD/conform.tty")
assert_no_match "tcpshake: " "$screen" "conform on a terminal: no progress or note left"
assert_match "^synack-ack +pass " "$screen" "conform on a terminal: the first row"
assert_match "^isn-unpredictable +pass " "$screen" "conform on a terminal: the slow check's row"
assert_match "^3 checks: 3 passed, 0 failed, 0 skipped, 0 errors" "$screen" "conform on a terminal: the count"
pass
