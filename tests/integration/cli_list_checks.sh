#!/bin/bash
# --list-checks in both forms, and script mode's usage errors: no root, no
# network. The JSON form is one check_info object a check, in the text
# listing's order, with the keys of the contract.
. "$(dirname "$0")/common.sh"

assert_exit 0 "$TCPSHAKE" --list-checks
text=$OUT
assert_exit 0 "$TCPSHAKE" --list-checks --json
json=$OUT
assert_eq "" "$ERR" "nothing on stderr"
n_text=$(printf '%s\n' "$text" | grep -c .)
n_json=$(printf '%s\n' "$json" | grep -c .)
assert_eq "$n_text" "$n_json" "one JSON object a check"
[ "$n_json" -ge 24 ] || fail "only $n_json checks listed"
re='^\{"type":"check_info","id":"[a-z0-9-]+","ref":"[^"\\]+","title":"([^"\\]|\\.)+","kind":"(builtin|script)"\}$'
bad=$(printf '%s\n' "$json" | grep -Ecv -- "$re")
assert_eq 0 "$bad" "lines that are not a check_info object"
# The same ids in the same order, and each record's ref as the text has it.
ids_text=$(printf '%s\n' "$text" | awk '{print $1}')
ids_json=$(printf '%s\n' "$json" | sed -E 's/.*"id":"([^"]*)".*/\1/')
assert_eq "$ids_text" "$ids_json" "ids in order"
first=$(printf '%s\n' "$json" | grep '"id":"synack-ack"')
assert_eq "RFC 9293 3.10.7.2" "$(json_field "$first" ref)" "synack-ack ref"
assert_eq "the SYN-ACK acknowledges our ISN + 1" "$(json_field "$first" title)" "synack-ack title"
assert_eq "script" "$(json_field "$first" kind)" "synack-ack is a script"
line=$(printf '%s\n' "$json" | grep '"id":"isn-unpredictable"')
assert_eq "builtin" "$(json_field "$line" kind)" "isn-unpredictable is builtin"
assert_match "^synack-ack +script +RFC 9293 3.10.7.2 +the SYN-ACK" "$text" "text: id, kind, ref, title"
# A checks directory that cannot be read is an error, not a shorter suite.
assert_exit 2 env TCPSHAKE_CHECKS_DIR=/nonexistent "$TCPSHAKE" --list-checks
assert_eq "tcpshake: cannot read the checks directory /nonexistent: No such file or directory" "$ERR" "bad TCPSHAKE_CHECKS_DIR"
# --format json is the same as --json.
assert_exit 0 "$TCPSHAKE" --list-checks --format json
assert_eq "$json" "$OUT" "--format json lists the same"

# Script mode: usage errors are one line and status 2, before anything else.
assert_exit 2 "$TCPSHAKE" -m script 127.0.0.1
assert_eq "tcpshake: -m script needs --script FILE[,FILE...]" "$ERR" "-m script alone"
assert_exit 2 "$TCPSHAKE" --script a.pkt -m connect 127.0.0.1
assert_eq "tcpshake: --script conflicts with -m connect: --script implies -m script" "$ERR" \
	"--script with another mode"
assert_exit 2 "$TCPSHAKE" --strict-options 127.0.0.1
assert_eq "tcpshake: --strict-options needs --script FILE" "$ERR" "--strict-options alone"
assert_exit 2 "$TCPSHAKE" --script a.pkt --tolerance 1e3 127.0.0.1
assert_match "^tcpshake: invalid tolerance '1e3'" "$ERR" "bad --tolerance"
assert_exit 3 "$TCPSHAKE" --format nagios --script a.pkt, 127.0.0.1
assert_match "^TCPSHAKE UNKNOWN - invalid script list" "$OUT" "nagios UNKNOWN for a bad list"
pass
