#!/bin/bash
# connect mode against real Linux servers (lab_server) in namespaces: each
# way of closing, and each way a server may end a connection. The verdicts,
# the states both ends go through, the deviation codes, the JSON session
# object, the exit status, the RST guard's table gone after the run, and
# --rst-guard off (the local kernel's RST named as the cause).
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"
lab_server "$LAB" echo 8080
lab_server "$LAB" close-first 8081
lab_server "$LAB" hold 8082
lab_server "$LAB" talk 8083
lab_server "$LAB" reset 8084
lab_server "$LAB" close 8085

# states KEY: the sequence of KEY ("local" or "peer") values in $OUT's
# session object, consecutive repeats folded, joined by spaces.
states() {
	printf '%s\n' "$OUT" | grep '"type":"session"' | grep -o "\"$1\":\"[A-Z_0-9]*\"" |
		sed 's/.*:"\(.*\)"/\1/' | uniq | tr '\n' ' ' | sed 's/ $//'
}
session() { printf '%s\n' "$OUT" | grep '"type":"session"'; }

# Active close with data: echo server. Four-segment close, conformant, 0.
assert_exit 0 in_cli "$TCPSHAKE" -m connect --json --data 'hello' "$LAB_SRV4:8080"
s=$(session)
assert_eq ok "$(json_field "$s" handshake)" "echo: handshake"
assert_eq conformant "$(json_field "$s" teardown)" "echo: teardown"
assert_eq active "$(json_field "$s" close)" "echo: close"
assert_eq 5 "$(json_field "$s" bytes_sent)" "echo: bytes sent"
assert_eq 5 "$(json_field "$s" bytes_received)" "echo: echoed bytes"
assert_eq 240000 "$(json_field "$s" time_wait_ms)" "echo: planned TIME_WAIT (2 MSL)"
assert_match '"rtt_ms":[0-9]+\.[0-9]+' "$s" "echo: rtt"
assert_match '"segments":\[\{"t_ms":0\.000,"dir":"out","flags":"S","seq":[0-9]+,"ack":0,"len":0,"local":"SYN_SENT","peer":"SYN_RECEIVED"' "$s" "echo: first segment"
assert_match '"deviations":\[\]' "$s" "echo: no deviations"
# Linux closing at once on EOF may fold its ACK of our FIN into its own FIN
# (a legal three-segment close); the raw peer test pins the four-segment one.
assert_match "^SYN_SENT ESTABLISHED FIN_WAIT_1 (FIN_WAIT_2 )?TIME_WAIT$" "$(states local)" "echo: our states"
assert_match "ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED$" "$(states peer)" "echo: the peer's states"
assert_match '"flags":"FA","seq":[0-9]+,"ack":[0-9]+,"len":0,"local":"FIN_WAIT_1","peer":"CLOSE_WAIT".*"dir":"in","flags":"FA".*"local":"TIME_WAIT","peer":"LAST_ACK"' "$s" "echo: our FIN, then its FIN"
assert_match '"summary".*"sent":1,"received":1' "$OUT" "echo: summary"

# More data than one segment holds: segments of MSS minus the timestamps
# option, the echo comes back whole.
big=$(head -c 5000 /dev/zero | tr '\0' y)
assert_exit 0 in_cli "$TCPSHAKE" -m connect --json --data "$big" "$LAB_SRV4:8080"
s=$(session)
assert_eq conformant "$(json_field "$s" teardown)" "5000 bytes: teardown"
assert_eq 5000 "$(json_field "$s" bytes_received)" "5000 bytes echoed"
assert_match '"dir":"out","flags":"PA","seq":[0-9]+,"ack":[0-9]+,"len":1448,' "$s" "segments of 1448 bytes"

# The same as text with --trace: the ladder and the session line.
assert_exit 0 in_cli "$TCPSHAKE" -m connect --trace --data 'hello' "$LAB_SRV4:8080"
assert_match "TCPSHAKE $LAB_SRV4 \\($LAB_SRV4\\) port 8080: crafted connections" "$OUT" "trace: header"
assert_match "t ms +tcpshake +flags +seq \\[absolute\\] +ack \\[absolute\\] +len +peer" "$OUT" "trace: ladder head"
assert_match "0\\.000 +SYN_SENT +--> +S +0 \\[[0-9]+\\] +- +0 +SYN_RECEIVED" "$OUT" "trace: SYN line"
assert_match "FIN_WAIT_1 +--> +FA +6 \\[[0-9]+\\] +6 \\[[0-9]+\\] +0 +CLOSE_WAIT" "$OUT" "trace: our FIN"
assert_match "(FIN_WAIT_2|TIME_WAIT) +<-- +F?A +6 \\[[0-9]+\\] +7 \\[[0-9]+\\] +0 +(CLOSE_WAIT|LAST_ACK)" "$OUT" "trace: its ACK of FIN+1"
assert_match "TIME_WAIT +--> +A +7 \\[[0-9]+\\] +7 \\[[0-9]+\\] +0 +CLOSED" "$OUT" "trace: our last ACK"
assert_match "$LAB_SRV4:8080 connection=1 sport=[0-9]+ handshake=ok rtt=[0-9.]+ ms close=active teardown=conformant segments=1[01] sent=5 B received=5 B time_wait=240 s \\(held 1\\.[0-9]+ s\\)" "$OUT" "trace: session line"
TRACE_ACTIVE=$OUT

# Passive close: the server closes first (HTTP/1.0 style).
assert_exit 0 in_cli "$TCPSHAKE" -m connect --json --close passive "$LAB_SRV4:8081"
s=$(session)
assert_eq conformant "$(json_field "$s" teardown)" "passive: teardown"
assert_eq "SYN_SENT ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED" "$(states local)" "passive: our states"
assert_match "FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT$" "$(states peer)" "passive: the peer's states"
assert_eq 23 "$(json_field "$s" bytes_received)" "passive: the server's line"

# A server that never closes after EOF: stuck in CLOSE_WAIT, incomplete.
assert_exit 1 in_cli "$TCPSHAKE" -m connect --json -W 1 --data x "$LAB_SRV4:8082"
s=$(session)
assert_eq incomplete "$(json_field "$s" teardown)" "hold: teardown"
assert_match '"deviations":\[\{"code":"fin-never-sent"' "$s" "hold: deviation"
assert_match '"local":"FIN_WAIT_2","peer":"CLOSE_WAIT"' "$s" "hold: stuck states"
# ... and we free the server with a RST afterwards: nothing left there.
sleep 0.2
assert_eq 0 "$(ip netns exec "$LAB_SRV_NS" ss -Htn state close-wait | wc -l)" "hold: CLOSE_WAIT left on the server"

# Half-close: FIN right after our data; the server keeps talking after it.
assert_exit 0 in_cli "$TCPSHAKE" -m connect --json --close half --data x "$LAB_SRV4:8083"
s=$(session)
assert_eq conformant "$(json_field "$s" teardown)" "half: teardown"
assert_eq 87 "$(json_field "$s" bytes_received_after_fin)" "half: data after our FIN"
assert_eq "SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT" "$(states local)" "half: our states"

# A server that resets (SO_LINGER 0): deviant, rst-instead-of-fin, exit 1.
assert_exit 1 in_cli "$TCPSHAKE" -m connect --json --data x "$LAB_SRV4:8084"
s=$(session)
assert_eq deviant "$(json_field "$s" teardown)" "reset: teardown"
assert_match '"code":"rst-instead-of-fin"' "$s" "reset: code"
assert_eq "the peer reset the connection" "$(json_field "$s" cause)" "reset: cause"

# We abort with RST: the server goes quiet; conformant.
assert_exit 0 in_cli "$TCPSHAKE" -m connect --json --close rst --data x "$LAB_SRV4:8080"
s=$(session)
assert_eq conformant "$(json_field "$s" teardown)" "rst: teardown"
assert_match '"dir":"out","flags":"RA".*"local":"CLOSED","peer":"CLOSED"' "$s" "rst: our RST"

# Refused and timed out handshakes: teardown none, exit 1.
assert_exit 1 in_cli "$TCPSHAKE" -m connect --json "$LAB_SRV4:9999"
s=$(session)
assert_eq refused "$(json_field "$s" handshake)" "closed port: handshake"
assert_eq none "$(json_field "$s" teardown)" "closed port: teardown"
lab_nft_drop "$LAB" 9001
assert_exit 1 in_cli "$TCPSHAKE" -m connect --json -W 0.6 "$LAB_SRV4:9001"
s=$(session)
assert_eq timeout "$(json_field "$s" handshake)" "dropped port: handshake"
assert_eq null "$(json_field "$s" rtt_ms)" "dropped port: rtt"
# Our SYN went again after the initial RTO (min(1 s, W/2) = 0.3 s).
assert_match '"flags":"S".*"flags":"S","seq":[0-9]+,"ack":0,"len":0,"local":"SYN_SENT","peer":"LISTEN","win":[0-9]+,"retransmission":true' "$s" "dropped port: SYN retransmitted"

lab_nft_reject "$LAB" 9002
assert_exit 1 in_cli "$TCPSHAKE" -m connect --json "$LAB_SRV4:9002"
s=$(session)
assert_eq unreachable "$(json_field "$s" handshake)" "rejected port: handshake"
assert_eq "icmp:admin-prohibited" "$(json_field "$s" reply)" "rejected port: reply"
assert_eq "$LAB_SRV4" "$(json_field "$s" icmp_from)" "rejected port: from"

# Several connections, IPv6, a plain close server.
assert_exit 0 in_cli "$TCPSHAKE" -m connect -q -c 3 -i 0.05 "[$LAB_SRV6]:8085"
assert_match "3 connections, 3 answered, 0.0% loss, port open" "$OUT" "ipv6: three connections"

# No guard table is left behind.
assert_eq 0 "$(in_cli nft list tables | grep -c tcpshake_)" "guard tables after the runs"

# Without the guard the local kernel resets the connection: named as the cause.
assert_exit 1 in_cli "$TCPSHAKE" -m connect --json --rst-guard off --data x "$LAB_SRV4:8080"
s=$(session)
assert_match "local kernel reset the connection" "$(json_field "$s" cause)" "guard off: cause"
assert_match '"dir":"out","flags":"R"' "$s" "guard off: the kernel's RST in the segments"

# --print-data shows what the server sent; --pcap has every segment.
assert_exit 0 in_cli "$TCPSHAKE" -m connect --close passive --print-data --pcap "$TMPD/c.pcap" "$LAB_SRV4:8081"
assert_match '  data: "hello from lab_server\\r\\n"' "$OUT" "print-data: text"
n=$(printf '%s\n' "$OUT" | sed -n 's/.* segments=\([0-9]*\) .*/\1/p')
assert_eq "$n" "$(tcpdump -nr "$TMPD/c.pcap" 2>/dev/null | wc -l)" "pcap: every segment of the session"
assert_exit 0 in_cli "$TCPSHAKE" -m connect --json --close passive --print-data "$LAB_SRV4:8081"
assert_eq 'hello from lab_server\u000d\u000a' "$(session | grep -o '"data":"[^"]*"' | cut -d'"' -f4)" "print-data: json"

# Ctrl-C in the middle of a close: the session so far is printed and the
# guard table is gone; SIGKILL: the guardian still removes the table.
for sig in INT TERM KILL; do
	# ip netns exec execs tcpshake, so $! is its PID (a shell function would
	# put a subshell in between that does not pass signals on).
	ip netns exec "$LAB_CLI_NS" "$TCPSHAKE" -m connect --json -W 30 --data x "$LAB_SRV4:8082" >"$TMPD/sig.out" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		[ "$(in_cli nft list tables | grep -c tcpshake_)" -ge 1 ] && break
		sleep 0.05
	done
	sleep 0.5
	kill "-$sig" "$pid"
	wait "$pid" 2>/dev/null
	if [ "$sig" != KILL ]; then
		assert_match '"type":"session".*"cause":"interrupted"' "$(cat "$TMPD/sig.out")" "SIG$sig: session so far"
	fi
	for _ in $(seq 1 100); do
		[ "$(in_cli nft list tables | grep -c tcpshake_)" -eq 0 ] && break
		sleep 0.05
	done
	assert_eq 0 "$(in_cli nft list tables | grep -c tcpshake_)" "guard table after SIG$sig"
done

# A closed pipe stops an endless run (-c 0) instead of running on.
timeout 20 ip netns exec "$LAB_CLI_NS" "$TCPSHAKE" -m connect -c 0 -i 0.01 --time-wait 0 "$LAB_SRV4:8085" | head -1 >/dev/null
assert_eq 0 "${PIPESTATUS[0]}" "endless run into head -1: stopped by the closed pipe (not the timeout)"

echo "--- an active close, as --trace draws it:"
printf '%s\n' "$TRACE_ACTIVE"
pass
