#!/bin/bash
# Two tcpshake runs at once against the same port, with other connections to
# the server going on: each run gets exactly its own answers.
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"
lab_server "$LAB" close 8080

# Background traffic: real kernel connections to the same server port.
(
	for _ in $(seq 1 200); do
		ip netns exec "$LAB_CLI_NS" bash -c "exec 3<>/dev/tcp/$LAB_SRV4/8080 && exec 3>&-" 2>/dev/null
		sleep 0.01
	done
) &
noise=$!

ip netns exec "$LAB_CLI_NS" "$TCPSHAKE" --json -c 20 -i 0.05 "$LAB_SRV4:8080" >"$TMPD/a" 2>"$TMPD/a.err" &
a=$!
ip netns exec "$LAB_CLI_NS" "$TCPSHAKE" --json -c 20 -i 0.05 "$LAB_SRV4:8080" >"$TMPD/b" 2>"$TMPD/b.err" &
b=$!
wait "$a"; sa=$?
wait "$b"; sb=$?
kill "$noise" 2>/dev/null; wait "$noise" 2>/dev/null
assert_eq 0 "$sa" "status of run A"
assert_eq 0 "$sb" "status of run B"
for r in a b; do
	sum=$(grep '"type":"summary"' "$TMPD/$r")
	assert_eq 20 "$(json_field "$sum" sent)" "run $r sent"
	assert_eq 20 "$(json_field "$sum" received)" "run $r received"
	assert_eq 0 "$(json_field "$sum" duplicates)" "run $r duplicates"
	assert_eq 0 "$(json_field "$sum" late)" "run $r late answers"
	assert_eq 20 "$(grep -c '"reply":"SA"' "$TMPD/$r")" "run $r SYN-ACKs"
done
sport_a=$(json_field "$(grep -m1 '"type":"probe"' "$TMPD/a")" sport)
sport_b=$(json_field "$(grep -m1 '"type":"probe"' "$TMPD/b")" sport)
[ "$sport_a" != "$sport_b" ] || fail "both runs used source port $sport_a"
pass
