#!/bin/bash
# A sweep's target file of a million lines is streamed, not loaded: read a
# part at a time, memory flat (the peak RSS stays under 16 MiB), every pair
# probed once and reported right; a bad line near its end is still one
# line of error with nothing sent. (Under ASan, whose shadow memory and
# speed are not ours, a tenth of the file and no memory bound.)
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"
lab_server "$LAB" close 80 443
lab_prefix "$LAB" 10.78.0.0/16

asan=false
ldd "$TCPSHAKE" | grep -q libasan && asan=true
# 65536 addresses on 16 ports: 1048576 lines (ASan: 2 ports, 131072).
ports="80 443 1000 1001 1002 1003 1004 1005 1006 1007 1008 1009 1010 1011 1012 1013"
$asan && ports="80 1000"
for p in $ports; do
	awk -v p="$p" 'BEGIN { for (x = 0; x < 256; x++) for (y = 0; y < 256; y++) printf "10.78.%d.%d:%d\n", x, y, p }'
done >"$TMPD/targets"
lines=$(wc -l <"$TMPD/targets")
echo "a target file of $lines lines"

assert_exit 1 in_cli /usr/bin/time -f "maxrss_kb=%M" "$TCPSHAKE" -q --open -c 1 -f "$TMPD/targets"
open=$((65536 * $(printf '%s\n' $ports | grep -c -E '^(80|443)$')))
assert_match "^$lines ports on [0-9]+ hosts: $open open, $((lines - open)) closed, 0 filtered, 0 errors in " "$OUT" "every pair, right"
rss=$(printf '%s\n' "$ERR" | sed -n 's/^maxrss_kb=//p')
echo "peak RSS $rss KiB"
if ! $asan; then
	[ "$rss" -le 16384 ] || fail "peak RSS $rss KiB above 16 MiB for a file of $lines lines"
fi

# A bad line near the end: one line naming it, exit 2, nothing sent.
echo "10.78.0.1:x" >>"$TMPD/targets"
capture_start "$LAB_CLI_NS" "$LAB_CLI_IF" "$TMPD/bad.pcap" "tcp[tcpflags] & tcp-syn != 0"
assert_exit 2 in_cli "$TCPSHAKE" -q --open -c 1 -f "$TMPD/targets"
capture_stop
assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "one line for the bad line"
assert_match "line $((lines + 1)): " "$ERR" "the bad line named"
assert_eq 0 "$(tcpdump -nr "$TMPD/bad.pcap" 2>/dev/null | grep -c .)" "nothing sent for a bad line"
pass
