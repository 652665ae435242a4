#!/bin/bash
# connect mode against a deliberately non-conformant peer (tests/lab/raw_peer,
# crafted segments by script): each misbehaviour must give the verdict and
# deviation code it deserves, with the field, expected and actual values;
# and the same raw peer behaving correctly gives a conformant four-segment
# close (its bare ACK of FIN seq + 1, then its FIN 20 ms later).
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"
port=9100
for script in conformant wrong-ack rst-on-fin no-fin data-after-fin seq-gap ack-unsent close-first; do
	lab_raw_peer "$LAB" "$script" "$port"
	eval "PORT_${script//-/_}=$port"
	port=$((port + 1))
done
session() { printf '%s\n' "$OUT" | grep '"type":"session"'; }
states() {
	session | grep -o "\"$1\":\"[A-Z_0-9]*\"" | sed 's/.*:"\(.*\)"/\1/' | uniq | tr '\n' ' ' | sed 's/ $//'
}
# run EXPECTED_STATUS SCRIPT [ARGS...]: one connection to that script's port.
run() {
	local want=$1 script=$2 var
	shift 2
	var="PORT_${script//-/_}"
	assert_exit "$want" in_cli "$TCPSHAKE" -m connect --json -W 1 --time-wait 0.3 "$@" "$LAB_SRV4:${!var}"
	S=$(session)
	[ -n "$S" ] || fail "$script: no session record"
}

run 0 conformant --data hi
assert_eq conformant "$(json_field "$S" teardown)" "conformant: teardown"
assert_eq "SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT" "$(states local)" "conformant: our states"
assert_match "CLOSE_WAIT LAST_ACK CLOSED$" "$(states peer)" "conformant: its states"

run 1 wrong-ack --data hi
assert_eq deviant "$(json_field "$S" teardown)" "wrong-ack: teardown"
assert_match '"code":"wrong-ack","detail":"ack: expected [0-9]+, got [0-9]+[^"]*","field":"ack","expected":[0-9]+,"actual":[0-9]+' "$S" "wrong-ack: deviation"
exp=$(printf '%s' "$S" | grep -o '"code":"wrong-ack"[^}]*' | grep -o '"expected":[0-9]*' | cut -d: -f2)
act=$(printf '%s' "$S" | grep -o '"code":"wrong-ack"[^}]*' | grep -o '"actual":[0-9]*' | cut -d: -f2)
assert_eq $((act + 1)) "$exp" "wrong-ack: it acked FIN seq, not FIN seq + 1"

run 1 rst-on-fin --data hi
assert_eq deviant "$(json_field "$S" teardown)" "rst-on-fin: teardown"
assert_match '"code":"rst-instead-of-fin"' "$S" "rst-on-fin: code"
assert_match '"dir":"in","flags":"R",.*"local":"CLOSED","peer":"CLOSED"' "$S" "rst-on-fin: its RST"

run 1 no-fin --data hi
assert_eq incomplete "$(json_field "$S" teardown)" "no-fin: teardown"
assert_match '"deviations":\[\{"code":"fin-never-sent"' "$S" "no-fin: code"
assert_match '"local":"FIN_WAIT_2","peer":"CLOSE_WAIT"' "$S" "no-fin: stuck"

run 1 data-after-fin --data hi
assert_eq deviant "$(json_field "$S" teardown)" "data-after-fin: teardown"
assert_match '"code":"data-after-fin"' "$S" "data-after-fin: code"
assert_match '"dir":"in","flags":"PA",[^}]*"len":5,[^}]*"deviation":"data-after-fin"' "$S" "data-after-fin: the segment"

run 1 seq-gap --data hi
assert_eq deviant "$(json_field "$S" teardown)" "seq-gap: teardown"
assert_match '"code":"seq-gap","detail":"seq: expected [0-9]+, got [0-9]+' "$S" "seq-gap: code"
exp=$(printf '%s' "$S" | grep -o '"code":"seq-gap"[^}]*' | grep -o '"expected":[0-9]*' | cut -d: -f2)
act=$(printf '%s' "$S" | grep -o '"code":"seq-gap"[^}]*' | grep -o '"actual":[0-9]*' | cut -d: -f2)
assert_eq 100 $(((act - exp + 4294967296) % 4294967296)) "seq-gap: 100 bytes skipped"

run 1 ack-unsent --data hi
assert_eq deviant "$(json_field "$S" teardown)" "ack-unsent: teardown"
assert_match '"code":"ack-of-unsent","detail":"ack: expected [0-9]+, got [0-9]+' "$S" "ack-unsent: code"

# The raw peer closing first, and us closing passively: conformant, and
# it is the one that goes through FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT.
run 0 close-first --close passive
assert_eq conformant "$(json_field "$S" teardown)" "close-first: teardown"
assert_eq "SYN_SENT ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED" "$(states local)" "close-first: our states"
assert_match "FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT$" "$(states peer)" "close-first: its states"
assert_eq 4 "$(json_field "$S" bytes_received)" "close-first: its line"
pass
