#!/bin/bash
# Many targets, some bad: a name that does not resolve or an address with no
# route is reported (a stderr line, a JSON error record, prom tcpshake_up 0,
# nagios text) and the others are still probed; exit 2 only when nothing
# could be probed. The run's totals line and JSON "run" record; the compact
# per-port lines of a sweep; target files with a BOM, CRLF, or nothing in them.
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"
lab_server "$LAB" close 8080
lab_nft_drop "$LAB" 9001

BAD=no-such-host.invalid
NOROUTE=192.0.2.1 # TEST-NET: no route in the client namespace

# Text: the good targets are probed, the bad ones are one line each; exit 1.
assert_exit 1 in_cli "$TCPSHAKE" -c 1 -W 0.5 "$LAB_SRV4:8080" "$BAD:80,443" "$NOROUTE:80" "$LAB_SRV4:8081"
assert_match "^open $LAB_SRV4:8080 seq=1 " "$OUT" "the good target before the bad one is probed"
assert_match "^closed $LAB_SRV4:8081 seq=1 " "$OUT" "the good target after the bad ones is probed"
assert_eq 2 "$(printf '%s\n' "$ERR" | grep -c .)" "one stderr line a bad target"
assert_match "^tcpshake: cannot resolve '$BAD'" "$ERR" "the name is named"
assert_match "^tcpshake: no route to $NOROUTE" "$ERR" "the route is named"
assert_match "^2 ports on 1 host: 1 open, 1 closed, 0 filtered, 3 errors in [0-9]+\\.[0-9]{2} s\$" "$OUT" "totals line"
assert_eq "" "$(printf '%s\n' "$OUT" | tail -1 | grep -v 'ports on')" "the totals line comes last"

# JSON: an error record with the host, the probes, the run record last.
assert_exit 1 in_cli "$TCPSHAKE" --json -c 1 -W 0.5 "$BAD:80,443" "$LAB_SRV4:8080"
first=$(printf '%s\n' "$OUT" | head -1)
assert_eq "error" "$(json_field "$first" type)" "error record first"
assert_eq "$BAD" "$(json_field "$first" host)" "error record names the host"
assert_match '"ports":\[80,443\]' "$first" "error record lists the ports"
last=$(printf '%s\n' "$OUT" | tail -1)
assert_eq "run" "$(json_field "$last" type)" "run record last"
assert_eq 1 "$(json_field "$last" ports)" "run: ports probed"
assert_eq 2 "$(json_field "$last" errors)" "run: target ports not probed"
assert_eq 1 "$(json_field "$last" open)" "run: open"
assert_match '"type":"probe".*"state":"open"' "$OUT" "the good target's probe"

# prom: the bad target keeps its series at 0, beside the good one.
assert_exit 1 in_cli "$TCPSHAKE" --format prom -c 1 -W 0.5 "$LAB_SRV4:8080" "$BAD:80"
assert_match "^tcpshake_up\\{host=\"$LAB_SRV4\",addr=\"$LAB_SRV4\",port=\"8080\"\\} 1\$" "$OUT" "prom up 1"
assert_match "^tcpshake_up\\{host=\"$BAD\",addr=\"\",port=\"80\"\\} 0\$" "$OUT" "prom up 0 for the bad name"
# ... and alone: still the series, exit 2 (nothing probed).
assert_exit 2 in_cli "$TCPSHAKE" --format prom -c 1 "$BAD:80"
assert_match "^tcpshake_up\\{host=\"$BAD\",addr=\"\",port=\"80\"\\} 0\$" "$OUT" "prom up 0, nothing probed"

# nagios: WARNING at least, the error in the text; UNKNOWN only when nothing
# could be probed.
assert_exit 1 in_cli "$TCPSHAKE" --format nagios -c 1 -W 0.5 "$LAB_SRV4:8080" "$BAD"
assert_match "^TCPSHAKE WARNING - $LAB_SRV4:8080 open, .*1 target not probed: cannot resolve '$BAD'" "$OUT" "nagios WARNING"
assert_exit 2 in_cli "$TCPSHAKE" --format nagios -c 1 -W 0.5 "$LAB_SRV4:9001" "$BAD"
assert_match "^TCPSHAKE CRITICAL - .*not probed" "$OUT" "nagios: the worst probed state wins"
assert_exit 3 in_cli "$TCPSHAKE" --format nagios -c 1 "$BAD" "$NOROUTE"
assert_match "^TCPSHAKE UNKNOWN - cannot resolve '$BAD'" "$OUT" "nagios UNKNOWN: nothing probed"

# Every target bad: exit 2, a line each, nothing sent.
assert_exit 2 in_cli "$TCPSHAKE" -c 1 "$BAD" "$NOROUTE:80"
assert_eq 2 "$(printf '%s\n' "$ERR" | grep -c .)" "a line each when all fail"
assert_eq "" "$OUT" "nothing on stdout when nothing was probed"

# A sweep of more than 16 ports: compact lines, not statistics blocks.
assert_exit 1 in_cli "$TCPSHAKE" -c 2 -i 0.05 -W 0.5 "$LAB_SRV4:8070-8090"
assert_no_match "tcpshake statistics" "$OUT" "no statistics blocks in a sweep"
assert_match "^$LAB_SRV4:8080 open: 2 probes sent, 2 answered, 0\\.0% loss, rtt min/avg/max/mdev = " "$OUT" "compact line"
assert_eq 21 "$(printf '%s\n' "$OUT" | grep -c ' probes sent, ')" "one compact line a port"
assert_match "^21 ports on 1 host: 1 open, 20 closed, 0 filtered, 0 errors in " "$OUT" "sweep totals"
# --open with nothing open still ends with the totals.
assert_exit 1 in_cli "$TCPSHAKE" --open -c 1 -W 0.5 "$LAB_SRV4:8081-8099"
assert_match "^19 ports on 1 host: 0 open, 19 closed, 0 filtered, 0 errors" "$OUT" "--open totals"

# Target files: a BOM and CRLF line ends (as Notepad saves them) work.
printf '\xef\xbb\xbf%s:8080\r\n# lab\r\n%s:8081\r\n' "$LAB_SRV4" "$LAB_SRV4" >"$TMPD/bom"
assert_exit 1 in_cli "$TCPSHAKE" -q -c 1 -W 0.5 -f "$TMPD/bom"
assert_match "^2 ports on 1 host: 1 open, 1 closed" "$OUT" "BOM + CRLF file"
assert_eq "" "$ERR" "no complaint about the BOM"
# An empty file, or one of comments only: one line naming it, exit 2.
: >"$TMPD/empty"
assert_exit 2 in_cli "$TCPSHAKE" -c 1 -f "$TMPD/empty"
assert_match "^tcpshake: no targets in '$TMPD/empty'" "$ERR" "empty target file"
printf '# none\n\n' >"$TMPD/comments"
assert_exit 2 in_cli "$TCPSHAKE" -c 1 -f "$TMPD/comments"
assert_match "^tcpshake: no targets in" "$ERR" "comment-only target file"
# A file with one bad name among good lines: the rest are probed.
printf '%s:8080\n%s\n%s:8081\n' "$LAB_SRV4" "$BAD" "$LAB_SRV4" >"$TMPD/mixed"
assert_exit 1 in_cli "$TCPSHAKE" -q -c 1 -W 0.5 -f "$TMPD/mixed"
assert_match "^2 ports on 1 host: 1 open, 1 closed, 0 filtered, 1 error in" "$OUT" "mixed file"
pass
