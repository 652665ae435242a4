#!/bin/bash
# connect mode when segments are lost: our SYN, data and FIN are sent again
# with backoff, the peer's retransmissions are recognised as such, and no
# loss ever makes a conformant Linux server look deviant. Also the crossing
# close: our first FIN is dropped, so the server's FIN reaches us while we
# are in FIN_WAIT_1 and does not acknowledge ours; we go through CLOSING.
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB" bridge
lab_server "$LAB" echo 8080
lab_server "$LAB" close-first 8081
lab_server "$LAB" hold 8082
lab_server "$LAB" talk 8083
lab_server "$LAB" reset 8084

session_lines() { printf '%s\n' "$OUT" | grep '"type":"session"'; }

# Crossing FINs: every other FIN to 8081 is dropped, starting with the first.
ip netns exec "$LAB_SRV_NS" nft -f - <<NFT
table inet crossfin {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 8081 tcp flags & fin == fin numgen inc mod 2 == 0 drop
	}
}
NFT
assert_exit 0 in_cli "$TCPSHAKE" -m connect --json -W 3 "$LAB_SRV4:8081"
s=$(session_lines)
assert_eq conformant "$(json_field "$s" teardown)" "crossing: teardown"
locals=$(printf '%s\n' "$s" | grep -o '"local":"[A-Z_0-9]*"' | sed 's/.*:"\(.*\)"/\1/' | uniq | tr '\n' ' ')
assert_eq "SYN_SENT ESTABLISHED FIN_WAIT_1 CLOSING TIME_WAIT " "$locals" "crossing: our states"
assert_match '"dir":"out","flags":"FA",[^}]*"retransmission":true' "$s" "crossing: our FIN sent again"
ip netns exec "$LAB_SRV_NS" nft delete table inet crossfin

# Random loss, 10% each way, in the bridge: ten connections with data.
lab_impair "$LAB" --loss 0.1 --seed 11
in_cli "$TCPSHAKE" -m connect --json -c 10 -i 0.01 -W 4 --time-wait 1.5 --data 'ping' "$LAB_SRV4:8080" >"$TMPD/loss.json"
OUT=$(cat "$TMPD/loss.json")
n=$(session_lines | wc -l)
conformant=$(session_lines | grep -c '"teardown":"conformant"')
deviant=$(session_lines | grep -c '"teardown":"deviant"')
retrans=$(session_lines | grep -o '"retransmissions_sent":[0-9]*,"retransmissions_received":[0-9]*' |
	awk -F'[:,]' '{ s += $2 + $4 } END { print s + 0 }')
echo "10% loss each way: $conformant of $n conformant, $deviant deviant, $retrans retransmissions seen"
session_lines | grep -v '"teardown":"conformant"' | sed 's/"segments":.*"deviations"/"deviations"/' || true
assert_eq 10 "$n" "sessions"
assert_eq 0 "$deviant" "sessions judged deviant under loss"
[ "$conformant" -ge 6 ] || fail "only $conformant of 10 conformant under 10% loss"
[ "$retrans" -ge 1 ] || fail "no retransmission in 10 connections under 10% loss"

# verdicts ARGS...: "teardown:count ..." of three connections under the loss.
verdicts() {
	in_cli "$TCPSHAKE" -m connect --json -c 3 -i 0.01 --time-wait 1 "$@" >"$TMPD/v.json"
	grep '"type":"session"' "$TMPD/v.json" | grep -o '"teardown":"[a-z]*"' | cut -d'"' -f4 |
		sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }'
	# A verdict other than the expected one needs its evidence in the log.
	grep '"type":"session"' "$TMPD/v.json" | grep -v '"teardown":"conformant"' >&2 || true
}
# Every other kind of server under the same loss: never a false verdict.
v=$(verdicts -W 4 --close passive "$LAB_SRV4:8081")
echo "closes first, passive: $v"
assert_no_match "deviant|none" "$v" "closes first under loss"
v=$(verdicts -W 4 --close half --data x "$LAB_SRV4:8083")
echo "talks after our FIN, half: $v"
assert_no_match "deviant|none" "$v" "half-close under loss"
v=$(verdicts -W 2 --data x "$LAB_SRV4:8082")
echo "never closes: $v"
# A handshake may time out under this loss (both SYNs, or both answers,
# lost: about 1 run in 30): "none" is then the truth, not a false verdict.
assert_match "^incomplete:[1-3] (none:[12] )?$" "$v" "CLOSE_WAIT forever under loss"
assert_no_match "deviant|conformant" "$v" "CLOSE_WAIT forever under loss: no false verdict"
v=$(verdicts -W 4 --data x "$LAB_SRV4:8084")
echo "resets: $v"
assert_match "^deviant:3 $" "$v" "a resetting server under loss"
assert_eq 3 "$(grep -c '"code":"rst-instead-of-fin"' "$TMPD/v.json")" "rst-instead-of-fin under loss"
pass
