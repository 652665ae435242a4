#!/bin/bash
# The capture interface deleted mid-run: one line, "capture failed" said
# once, then libpcap's reason, and exit status 2.
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"
lab_server "$LAB" echo 8080

# Probes until stopped, one a second: the engine is waiting on the capture
# when the interface goes, so the capture, not a send, notices first.
in_cli "$TCPSHAKE" -c 0 -i 1 "$LAB_SRV4:8080" >"$TMPD/out" 2>"$TMPD/err" &
pid=$!
# The interface goes once the first answer is printed (capture running).
for _ in $(seq 100); do
	grep -q "port 8080" "$TMPD/out" 2>/dev/null && break
	sleep 0.1
done
grep -q "port 8080" "$TMPD/out" || { kill "$pid"; fail "no first answer: $(cat "$TMPD/err")"; }
in_cli ip link del "$LAB_CLI_IF"
# It must end by itself; stop it (our own PID) if it has not in 10 s.
for _ in $(seq 100); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
	kill "$pid"
	wait "$pid"
	fail "still running 10 s after its interface was deleted"
fi
wait "$pid"
status=$?
assert_eq 2 "$status" "exit status"
assert_eq "tcpshake: capture failed: The interface disappeared" "$(cat "$TMPD/err")" "stderr"
pass
