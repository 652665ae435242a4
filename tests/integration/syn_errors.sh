#!/bin/bash
# Bad input: one clear line on stderr and the documented status, never a crash.
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"

one_line_error() { # status, regex, args...
	local want=$1 re=$2
	shift 2
	assert_exit "$want" in_cli "$TCPSHAKE" "$@"
	assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "stderr lines for: $*"
	assert_match "^tcpshake: $re" "$ERR" "message for: $*"
	assert_no_match "AddressSanitizer|runtime error|Segmentation" "$ERR" "no crash for: $*"
}
one_line_error 2 "no target given" 
one_line_error 2 "invalid count 'x'" -c x "$LAB_SRV4"
one_line_error 2 "invalid target '$LAB_SRV4:70000': port 70000 is out of range" "$LAB_SRV4:70000"
one_line_error 2 "invalid port list '80-22'" -p 80-22 "$LAB_SRV4"
one_line_error 2 "unknown option '--frobnicate'" --frobnicate "$LAB_SRV4"
one_line_error 2 ".*-4.*-6" -4 -6 "$LAB_SRV4"
one_line_error 2 "cannot resolve 'no-such-host.invalid'" -c 1 no-such-host.invalid
one_line_error 2 ".*" -c 1 "[$LAB_SRV4]:80"
one_line_error 2 "cannot read targets from '/nonexistent'" -f /nonexistent
# A bare port list beyond tcping's HOST PORTS: one line, nothing sent.
one_line_error 2 "'443' looks like a port list: write HOST:PORTS \\(e\\.g\\. $LAB_SRV4:80,443\\)\$" "$LAB_SRV4" 80 443
one_line_error 2 "'80-83' looks like a port list: write HOST:PORTS \\(e\\.g\\. $LAB_SRV4:80-83\\)\$" "$LAB_SRV4" 80-83 "[fd77::2]:443"
assert_eq "" "$OUT" "no probe before the bare-ports error"
one_line_error 2 "no route to|cannot" -c 1 -W 0.2 -4 192.0.2.1:80 # TEST-NET: no route in the namespace
# JSON: a usage error is also an error record on stdout.
assert_exit 2 "$TCPSHAKE" --json -c x 127.0.0.1
assert_eq '{"type":"error","message":"invalid count '"'"'x'"'"': expected a whole number from 0 to 1000000"}' "$OUT" "json error record"
# An abbreviated --format counts too, as getopt takes it.
assert_exit 3 "$TCPSHAKE" -c x --form=nagios 127.0.0.1
assert_match "^TCPSHAKE UNKNOWN - invalid count" "$OUT" "nagios by --form="

# Nagios: usage errors are UNKNOWN (3), with a status line on stdout.
assert_exit 3 in_cli "$TCPSHAKE" --format nagios -c x "$LAB_SRV4"
assert_match "^TCPSHAKE UNKNOWN - invalid count" "$OUT" "nagios UNKNOWN line"
assert_exit 3 in_cli "$TCPSHAKE" -c x --format nagios "$LAB_SRV4"
assert_match "^TCPSHAKE UNKNOWN - invalid count" "$OUT" "nagios UNKNOWN when the error comes first"
assert_exit 3 in_cli "$TCPSHAKE" --format nagios -c 1 no-such-host.invalid
assert_match "^TCPSHAKE UNKNOWN - cannot resolve" "$OUT" "nagios UNKNOWN for a name"
# JSON: runtime errors also come as an error record.
assert_exit 2 in_cli "$TCPSHAKE" --json -c 1 no-such-host.invalid
assert_match '^\{"type":"error","host":"no-such-host.invalid","message":"cannot resolve' "$OUT" "JSON error record"
# Targets from a file with comments, and from stdin.
printf '# lab\n%s:1  # closed\n\n' "$LAB_SRV4" >"$TMPD/targets"
assert_exit 1 in_cli "$TCPSHAKE" -q -c 1 -W 0.5 -f "$TMPD/targets"
assert_match "port closed" "$OUT" "target file"
printf 'bad:port:x\n' >"$TMPD/bad"
assert_exit 2 in_cli "$TCPSHAKE" -c 1 -f "$TMPD/bad"
assert_match "line 1" "$ERR" "target file error names the line"
# -h and -V need no privileges and exit 0.
assert_exit 0 "$TCPSHAKE" -h
assert_match "Usage: tcpshake" "$OUT" "help"
assert_exit 0 "$TCPSHAKE" -V
assert_match "^tcpshake [0-9]" "$OUT" "version"
pass
