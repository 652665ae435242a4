#!/bin/bash
# The output options against a real Linux server: -o FILE (written whole or
# not at all, the umask's mode, no temporary file left, an interrupted or
# failed run still put in place, and a directory that cannot take it refused
# before any packet), -D (ping's Unix-time stamps, JSON's "time", both the
# event's own time) and --color (always, never, auto on a terminal and
# NO_COLOR).
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"
lab_server "$LAB" close 8080
lab_server "$LAB" echo 8082
lab_nft_drop "$LAB" 9001

ESC=$(printf '\033')
D="$TMPD/out"
mkdir "$D"

# --- -o FILE ------------------------------------------------------------------

# A run into FILE: nothing on stdout, the whole output in FILE, mode 0666
# less the umask, nothing else in the directory.
printf 'old\n' >"$D/syn.txt"
assert_exit 0 in_cli sh -c 'umask 027; exec "$@"' sh "$TCPSHAKE" -c 2 -i 0.1 -W 1 -o "$D/syn.txt" "$LAB_SRV4:8080"
assert_eq "" "$OUT" "stdout with -o"
assert_eq "" "$ERR" "stderr with -o"
FILE=$(cat "$D/syn.txt")
assert_match "^open $LAB_SRV4:8080 seq=2 flags=SA" "$FILE" "probe line in the file"
assert_match "^2 probes sent, 2 answered, 0.0% loss, port open$" "$FILE" "summary in the file"
assert_eq 640 "$(stat -c %a "$D/syn.txt")" "mode under umask 027"
assert_eq "syn.txt" "$(ls -A "$D")" "the directory after the run"

assert_exit 1 in_cli sh -c 'umask 022; exec "$@"' sh "$TCPSHAKE" --format prom -c 1 -W 0.3 -o "$D/m.prom" \
	"$LAB_SRV4:8080" "$LAB_SRV4:9001"
assert_match "^tcpshake_port_state\\{.*port=\"8080\".*state=\"open\"\\} 1$" "$(cat "$D/m.prom")" "prom in the file"
assert_eq 644 "$(stat -c %a "$D/m.prom")" "mode under umask 022"
assert_eq "m.prom syn.txt" "$(ls -A "$D" | tr '\n' ' ' | sed 's/ $//')" "the directory after the prom run"

# While the run goes, a reader sees the old file whole and no half-written
# one: the new output has no name in the directory until it replaces FILE.
in_cli "$TCPSHAKE" -c 10 -i 0.2 -W 1 -o "$D/syn.txt" "$LAB_SRV4:8080" >/dev/null 2>&1 &
RUN=$!
sleep 0.5
assert_eq "$FILE" "$(cat "$D/syn.txt")" "FILE during the run"
assert_eq "m.prom syn.txt" "$(ls -A "$D" | tr '\n' ' ' | sed 's/ $//')" "the directory during the run"
wait "$RUN"
assert_eq 0 "$?" "exit status of the background run"
assert_match "^10 probes sent, 10 answered" "$(cat "$D/syn.txt")" "FILE after the run"

# Ctrl-C: what was complete is put in place. (ip netns exec execs
# tcpshake, so $! is its PID.)
ip netns exec "$LAB_CLI_NS" "$TCPSHAKE" -c 0 -i 0.1 -W 1 -o "$D/int.txt" "$LAB_SRV4:8080" >/dev/null 2>&1 &
RUN=$!
sleep 1.5
kill -INT "$RUN"
wait "$RUN"
assert_eq 0 "$?" "exit status of the interrupted run"
FILE=$(cat "$D/int.txt")
assert_match "^open $LAB_SRV4:8080 seq=1 " "$FILE" "probes before Ctrl-C in the file"
assert_match "probes sent, [0-9]+ answered, 0.0% loss, port open$" "$FILE" "summary of the interrupted run"
assert_eq "int.txt m.prom syn.txt" "$(ls -A "$D" | tr '\n' ' ' | sed 's/ $//')" "the directory after Ctrl-C"

# A run that ends in an error still replaces FILE, with the format's word
# for the error, so a consumer sees how it ended.
printf 'old\n' >"$D/err.json"
assert_exit 2 in_cli "$TCPSHAKE" --json -c 1 -o "$D/err.json" no-such-host.invalid
assert_match '"type":"error"' "$(cat "$D/err.json")" "error record in the file"
assert_match "cannot resolve 'no-such-host.invalid'" "$ERR" "the error on stderr too"
assert_eq "err.json int.txt m.prom syn.txt" "$(ls -A "$D" | tr '\n' ' ' | sed 's/ $//')" \
	"the directory after the error"

# A directory that does not exist or cannot be written, a path through a
# file, a FILE that is a directory: one line, exit 2 (nagios: 3 and its
# UNKNOWN line), nothing made, and no packet on the wire. The unwritable
# directory is refused though we are root: the run drops its capabilities
# before it renames, so the file is made with the rights it will have then.
mkdir "$TMPD/ro"
chown 65534:65534 "$TMPD/ro"
chmod 0555 "$TMPD/ro"
capture_start "$LAB_CLI_NS" "$LAB_CLI_IF" "$TMPD/none.pcap" "tcp"
assert_exit 2 in_cli "$TCPSHAKE" -c 1 -o "$TMPD/nope/x.txt" "$LAB_SRV4:8080"
assert_eq "tcpshake: -o $TMPD/nope/x.txt: No such file or directory" "$ERR" "missing directory"
assert_eq "" "$OUT" "stdout for a missing directory"
assert_exit 2 in_cli "$TCPSHAKE" -c 1 -o "$TMPD/ro/x.txt" "$LAB_SRV4:8080"
assert_eq "tcpshake: -o $TMPD/ro/x.txt: Permission denied" "$ERR" "unwritable directory"
assert_exit 2 in_cli "$TCPSHAKE" -c 1 -o "$D/syn.txt/x" "$LAB_SRV4:8080"
assert_eq "tcpshake: -o $D/syn.txt/x: Not a directory" "$ERR" "a path through a file"
assert_exit 2 in_cli "$TCPSHAKE" -c 1 -o "$D" "$LAB_SRV4:8080"
assert_eq "tcpshake: -o $D: Is a directory" "$ERR" "FILE is a directory"
assert_exit 3 in_cli "$TCPSHAKE" --format nagios -c 1 -o "$TMPD/nope/x.txt" "$LAB_SRV4:8080"
assert_eq "TCPSHAKE UNKNOWN - -o $TMPD/nope/x.txt: No such file or directory" "$OUT" "nagios UNKNOWN"
assert_exit 2 in_cli "$TCPSHAKE" -m connect -o "$TMPD/ro/x.txt" "$LAB_SRV4:8080"
assert_exit 2 in_cli "$TCPSHAKE" -m conform -o "$TMPD/nope/x.txt" "$LAB_SRV4:8080"
sleep 0.2
capture_stop
assert_eq 0 "$(tcpdump -r "$TMPD/none.pcap" 2>/dev/null | wc -l)" "no packet sent on -o errors"
assert_eq "" "$(ls -A "$TMPD/ro")" "nothing made in the unwritable directory"
assert_eq "err.json int.txt m.prom syn.txt" "$(ls -A "$D" | tr '\n' ' ' | sed 's/ $//')" \
	"nothing made beside the files"
assert_eq 0 "$(in_cli nft list tables | grep -c tcpshake_)" "no guard table left by the refused runs"

# --- -D -------------------------------------------------------------------------

# stamps_within T0 T1 WHAT: every "[secs.usecs] " stamp of $OUT in T0..T1.
stamps_within() {
	local t
	for t in $(printf '%s\n' "$OUT" | sed -n 's/^\[\([0-9]*\)\.[0-9]*\] .*/\1/p'); do
		[ "$t" -ge "$1" ] && [ "$t" -le "$2" ] || fail "$3: stamp $t outside the run ($1..$2)"
	done
	echo "ok: $3: every stamp within the run"
}

# Each probe line starts with the Unix time of its event, within the run.
T0=$(date +%s)
assert_exit 1 in_cli "$TCPSHAKE" -D -c 2 -i 0.1 -W 0.3 "$LAB_SRV4:8080" "$LAB_SRV4:9001"
T1=$(date +%s)
assert_match "^TCPSHAKE " "$OUT" "headers are not stamped"
assert_match "^\\[[0-9]{10}\\.[0-9]{6}\\] open $LAB_SRV4:8080 seq=2 flags=SA" "$OUT" "open probe stamped"
assert_match "^\\[[0-9]{10}\\.[0-9]{6}\\] filtered $LAB_SRV4:9001 seq=2 no reply$" "$OUT" "timeout stamped"
assert_match "^2 probes sent" "$OUT" "summaries are not stamped"
stamps_within "$T0" "$T1" "probes"

# JSON: "time" last in probe records, the same time; none without -D.
assert_exit 0 in_cli "$TCPSHAKE" -D --json -c 1 -W 1 "$LAB_SRV4:8080"
PROBE=$(printf '%s\n' "$OUT" | grep '"type":"probe"')
assert_match ',"time":[0-9]{10}\.[0-9]{6}\}$' "$PROBE" "time key last"
t=$(json_field "$PROBE" time)
[ "${t%.*}" -ge "$T0" ] || fail "JSON time $t before the run"
assert_no_match '"time"' "$(printf '%s\n' "$OUT" | grep '"type":"summary"')" "no time in summaries"
assert_exit 0 in_cli "$TCPSHAKE" --json -c 1 -W 1 "$LAB_SRV4:8080"
assert_no_match '"time"' "$OUT" "no time key without -D"

# A sweep's probe lines and records are stamped too: an answer with its
# capture time, a filtered port with when its last try was given up.
T0=$(date +%s)
assert_exit 1 in_cli "$TCPSHAKE" -D -c 1 -W 0.3 "$LAB_SRV4:8080,8081,9001"
T1=$(date +%s)
assert_match "^TCPSHAKE sweep " "$OUT" "a sweep"
assert_match "^\\[[0-9]{10}\\.[0-9]{6}\\] open $LAB_SRV4:8080 seq=1 flags=SA" "$OUT" "sweep's open port stamped"
assert_match "^\\[[0-9]{10}\\.[0-9]{6}\\] closed $LAB_SRV4:8081 seq=1 flags=RA" "$OUT" "sweep's closed port stamped"
assert_match "^\\[[0-9]{10}\\.[0-9]{6}\\] filtered $LAB_SRV4:9001 seq=[0-9]+ no reply$" "$OUT" "sweep's filtered port stamped"
stamps_within "$T0" "$T1" "a sweep"
assert_exit 1 in_cli "$TCPSHAKE" -D --json -c 1 -W 0.3 "$LAB_SRV4:8080,8081,9001"
assert_eq 3 "$(printf '%s\n' "$OUT" | grep '"type":"probe"' | grep -cE ',"time":[0-9]{10}\.[0-9]{6}\}$')" \
	"every sweep probe record has its time"

# Connect mode's line a connection is stamped as well.
assert_exit 0 in_cli "$TCPSHAKE" -D -m connect -W 1 "$LAB_SRV4:8080"
assert_match "^\\[[0-9]{10}\\.[0-9]{6}\\] $LAB_SRV4:8080 connection=1 sport=[0-9]+ handshake=ok" "$OUT" \
	"connection stamped"

# A check's row (the table header indented over the stamps) and record, a
# script's line and record.
assert_exit 0 in_cli "$TCPSHAKE" -D -m conform --checks synack-ack "$LAB_SRV4:8082"
assert_match "^ {20}CHECK +RESULT" "$OUT" "check table header indented"
assert_match "^\\[[0-9]{10}\\.[0-9]{6}\\] synack-ack +pass " "$OUT" "check row stamped"
assert_exit 0 in_cli "$TCPSHAKE" -D --json -m conform --checks synack-ack "$LAB_SRV4:8082"
assert_match '^\{"type":"check","id":"synack-ack",.*,"time":[0-9]{10}\.[0-9]{6}\}$' "$OUT" "check record's time"
assert_exit 0 in_cli "$TCPSHAKE" -D --script "$top_srcdir/share/scripts/handshake.pkt" "$LAB_SRV4:8082"
assert_match "^\\[[0-9]{10}\\.[0-9]{6}\\] $top_srcdir/share/scripts/handshake.pkt: pass$" "$OUT" "script line stamped"
assert_exit 0 in_cli "$TCPSHAKE" -D --json --script "$top_srcdir/share/scripts/handshake.pkt" "$LAB_SRV4:8082"
assert_match '^\{"type":"script",.*,"time":[0-9]{10}\.[0-9]{6}\}$' "$OUT" "script record's time"

# --- --color --------------------------------------------------------------------

assert_exit 1 in_cli "$TCPSHAKE" --color always -c 1 -W 0.3 "$LAB_SRV4:8080" "$LAB_SRV4:8081" "$LAB_SRV4:9001"
assert_match "^${ESC}\\[32mopen${ESC}\\[0m $LAB_SRV4:8080 seq=1" "$OUT" "open in green"
assert_match "^${ESC}\\[31mclosed${ESC}\\[0m $LAB_SRV4:8081 seq=1" "$OUT" "closed in red"
assert_match "^${ESC}\\[33mfiltered${ESC}\\[0m $LAB_SRV4:9001 seq=[0-9]" "$OUT" "filtered in yellow"
assert_exit 1 in_cli "$TCPSHAKE" --color never -c 1 -W 0.3 "$LAB_SRV4:8080" "$LAB_SRV4:8081"
assert_no_match "$ESC" "$OUT" "--color never"
assert_exit 1 in_cli "$TCPSHAKE" -c 1 -W 0.3 "$LAB_SRV4:8080" "$LAB_SRV4:8081"
assert_no_match "$ESC" "$OUT" "auto on a pipe"
assert_exit 0 in_cli "$TCPSHAKE" --color always --json -c 1 -W 0.3 "$LAB_SRV4:8080"
assert_no_match "$ESC" "$OUT" "JSON is never coloured"

# auto on a terminal (script(1) gives the run one): colour, unless NO_COLOR
# is set and not empty; -o's file is no terminal.
on_tty() { # CMD...: CMD on a pseudo-terminal, its output in $OUT
	OUT=$(script -qec "$(printf '%q ' "$@")" /dev/null </dev/null)
}
on_tty ip netns exec "$LAB_CLI_NS" "$TCPSHAKE" -c 1 -W 0.3 "$LAB_SRV4:8080"
assert_match "${ESC}\\[32mopen${ESC}\\[0m $LAB_SRV4:8080" "$OUT" "auto on a terminal"
on_tty env NO_COLOR=1 ip netns exec "$LAB_CLI_NS" "$TCPSHAKE" -c 1 -W 0.3 "$LAB_SRV4:8080"
assert_match "open $LAB_SRV4:8080" "$OUT" "a run under NO_COLOR"
assert_no_match "$ESC" "$OUT" "NO_COLOR=1"
on_tty env NO_COLOR= ip netns exec "$LAB_CLI_NS" "$TCPSHAKE" -c 1 -W 0.3 "$LAB_SRV4:8080"
assert_match "${ESC}\\[32mopen" "$OUT" "an empty NO_COLOR does not count"
on_tty env NO_COLOR=1 ip netns exec "$LAB_CLI_NS" "$TCPSHAKE" --color always -c 1 -W 0.3 "$LAB_SRV4:8080"
assert_match "${ESC}\\[32mopen" "$OUT" "--color always wins over NO_COLOR"
on_tty ip netns exec "$LAB_CLI_NS" "$TCPSHAKE" -c 1 -W 0.3 -o "$D/tty.txt" "$LAB_SRV4:8080"
assert_match "^open $LAB_SRV4:8080" "$(cat "$D/tty.txt")" "-o's file on a terminal"
assert_no_match "$ESC" "$(cat "$D/tty.txt")" "-o's file is not coloured"
pass
