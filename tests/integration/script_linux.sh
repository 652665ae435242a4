#!/bin/bash
# script mode against the real Linux stack of a lab namespace: the example
# scripts (a handshake, data echoed, a server that closes first with its
# system calls skipped), upstream-style packetdrill scripts from
# tests/data/scripts run as they are, a failing script and its exact line,
# JSON, --trace, nagios and prom records, and the errors that must come
# before any packet: a syntax error, a file that cannot be read.
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"
lab_server "$LAB" echo 8080
lab_server "$LAB" close-first 8081
EX="$top_srcdir/share/scripts"
DATA="$top_srcdir/tests/data/scripts"

# The three examples pass against Linux.
assert_exit 0 in_cli "$TCPSHAKE" --script "$EX/handshake.pkt,$EX/echo.pkt" "$LAB_SRV4:8080"
printf '%s\n' "$OUT"
assert_match "^TCPSHAKE $LAB_SRV4 \\($LAB_SRV4\\) port 8080: test scripts" "$OUT" "header"
assert_match "^$EX/handshake.pkt: pass$" "$OUT" "handshake"
assert_match "^$EX/echo.pkt: pass$" "$OUT" "data echoed"
assert_match "skipped: 11: accept, 14: read, 15: write, 18: read, 19: close$" "$OUT" "echo's system calls listed"
assert_match "^2 scripts: 2 passed, 0 failed, 0 errors$" "$OUT" "count line"

# close(4) is skipped; the server's data and FIN after it are checked.
assert_exit 0 in_cli "$TCPSHAKE" --script "$EX/close-first.pkt" "$LAB_SRV4:8081"
printf '%s\n' "$OUT"
assert_match "^$EX/close-first.pkt: pass$" "$OUT" "close-first"
assert_match "skipped: 12: accept, 13: write, 14: close$" "$OUT" "close skipped"

# IPv6 too.
assert_exit 0 in_cli "$TCPSHAKE" --script "$EX/handshake.pkt" "[$LAB_SRV6]:8080"

# Upstream-style scripts run as they are: system calls, shell and python
# lines skipped and listed.
assert_exit 0 in_cli "$TCPSHAKE" --script "$DATA/handshake-ts.pkt,$DATA/rst-or-challenge.pkt" "$LAB_SRV4:8080"
printf '%s\n' "$OUT"
assert_match "^$DATA/handshake-ts.pkt: pass$" "$OUT" "upstream handshake"
assert_match "skipped: 8: shell, 10: socket, 11: setsockopt, 12: bind, 13: listen, 18: accept$" "$OUT" \
	"upstream skipped lines"
assert_match "^$DATA/rst-or-challenge.pkt: pass$" "$OUT" "challenge ACK as one of two alternatives"

# A failing script: the exact line, field, expected and actual.
sed 's/^+0    > S\. 0:0(0) ack 1 /+0    > S. 0:0(0) ack 2 /' "$EX/handshake.pkt" >"$TMPD/wrong-ack.pkt"
assert_exit 1 in_cli "$TCPSHAKE" --script "$TMPD/wrong-ack.pkt" "$LAB_SRV4:8080"
printf '%s\n' "$OUT"
assert_match "^$TMPD/wrong-ack.pkt:10: fail: ack: expected 2, got 1$" "$OUT" "failure line"
# A peer that is silent where the script expects an answer: missing.
printf '0 < S 0:0(0) win 65535 <mss 1460>\n+0 > S. 0:0(0) ack 1 <...>\n+0 < . 1:1(0) ack 1 win 502\n+0 > . 1:1(0) ack 1\n' \
	>"$TMPD/missing.pkt"
assert_exit 1 in_cli "$TCPSHAKE" -W 0.3 --script "$TMPD/missing.pkt" "$LAB_SRV4:8080"
assert_match "^$TMPD/missing.pkt:4: fail: segment: expected \\+0.000 > \\. 1:1\\(0\\) ack 1, got nothing$" \
	"$OUT" "missing segment"

# JSON: one record per file and target port.
assert_exit 1 in_cli "$TCPSHAKE" --json --script "$EX/handshake.pkt,$TMPD/wrong-ack.pkt" "$LAB_SRV4:8080"
assert_eq 2 "$(printf '%s\n' "$OUT" | grep -c '^{"type":"script"')" "two script records"
line=$(printf '%s\n' "$OUT" | grep 'wrong-ack')
assert_match "^\\{\"type\":\"script\",\"file\":\"$TMPD/wrong-ack.pkt\",\"host\":\"$LAB_SRV4\",\"addr\":\"$LAB_SRV4\",\"port\":8080,\"result\":\"fail\",\"line\":10," \
	"$line" "json head"
assert_eq ack "$(json_field "$line" field)" "json field"
assert_eq 2 "$(json_field "$line" expected)" "json expected"
assert_eq 1 "$(json_field "$line" actual)" "json actual"
assert_match '"segments":\[\{"t_ms":[0-9.]+,"dir":"out","flags":"S"' "$line" "json segments"

# --trace: the ladder with both ends' states.
assert_exit 0 in_cli "$TCPSHAKE" --trace --script "$EX/echo.pkt" "$LAB_SRV4:8080"
assert_match "FIN_WAIT_1 +--> +FA " "$OUT" "ladder: our FIN"
assert_match "TIME_WAIT +<-- +FA .* LAST_ACK" "$OUT" "ladder: the peer's FIN"

# Monitoring formats.
assert_exit 2 in_cli "$TCPSHAKE" --format nagios --script "$EX/handshake.pkt,$TMPD/wrong-ack.pkt" "$LAB_SRV4:8080"
assert_eq "TCPSHAKE CRITICAL - 2 scripts: 1 passed, 1 failed, 0 errors: $TMPD/wrong-ack.pkt:10 | passed=1 failed=1 errors=0" \
	"$OUT" "nagios"
assert_exit 0 in_cli "$TCPSHAKE" --format prom --script "$EX/handshake.pkt" "$LAB_SRV4:8080"
assert_match "tcpshake_script\\{host=\"$LAB_SRV4\",addr=\"$LAB_SRV4\",port=\"8080\",file=\"$EX/handshake.pkt\",result=\"pass\"\\} 1" \
	"$OUT" "prom"

# Errors before any packet: a syntax error (FILE:LINE:COL, exit 2) in the
# second file, an unreadable file. Nothing may reach the wire.
printf '0 < S 0:0(0) win 1\n+0 > Z. 0:0(0) ack 1\n' >"$TMPD/bad.pkt"
capture_start "$LAB_CLI_NS" "$LAB_CLI_IF" "$TMPD/none.pcap" "tcp"
assert_exit 2 in_cli "$TCPSHAKE" --script "$EX/handshake.pkt,$TMPD/bad.pkt" "$LAB_SRV4:8080"
assert_eq "$TMPD/bad.pkt:2:6: unknown flag 'Z' (flags are . F S R P E W A U, or - for none)" "$ERR" \
	"syntax error"
assert_eq "" "$OUT" "nothing on stdout"
assert_exit 2 in_cli "$TCPSHAKE" --script "$TMPD/nope.pkt" "$LAB_SRV4:8080"
assert_eq "tcpshake: cannot read script $TMPD/nope.pkt: No such file or directory" "$ERR" "unreadable"
head -c 2000000 /dev/zero | tr '\0' x >"$TMPD/big.pkt"
assert_exit 2 in_cli "$TCPSHAKE" --script "$TMPD/big.pkt" "$LAB_SRV4:8080"
assert_eq "$TMPD/big.pkt:1:1: script larger than 1048576 bytes" "$ERR" "too large"
sleep 0.2
capture_stop
assert_eq 0 "$(tcpdump -r "$TMPD/none.pcap" 2>/dev/null | wc -l)" "no packet sent on errors"

assert_eq 0 "$(in_cli nft list tables | grep -c tcpshake_)" "guard tables after the runs"
pass
