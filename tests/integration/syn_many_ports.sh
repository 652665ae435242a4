#!/bin/bash
# Many ports in one run: a range with a few open ports, and the whole port
# space at a capped rate, with every answer attributed to the right port.
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"
lab_server "$LAB" close 8003 8042 8099

assert_exit 1 in_cli "$TCPSHAKE" --json -c 2 -i 0.2 -W 1 "$LAB_SRV4:8000-8099"
open=$(printf '%s\n' "$OUT" | grep '"type":"summary"' | grep '"state":"open"' | sed 's/.*"port":\([0-9]*\).*/\1/' | tr '\n' ' ')
assert_eq "8003 8042 8099 " "$open" "open ports"
assert_eq 97 "$(printf '%s\n' "$OUT" | grep '"type":"summary"' | grep -c '"state":"closed"')" "closed ports"
assert_eq 200 "$(printf '%s\n' "$OUT" | grep '"type":"probe"' | grep -c '"rtt_ms":[0-9]')" "answered probes"

# The whole port space, once: exactly the three open ports, nothing lost.
assert_exit 1 in_cli "$TCPSHAKE" --json -q -c 1 -W 1 --rate 20000 "$LAB_SRV4:1-65535"
assert_eq 65535 "$(printf '%s\n' "$OUT" | grep -c '"type":"summary"')" "summaries of a full sweep"
assert_eq 3 "$(printf '%s\n' "$OUT" | grep '"type":"summary"' | grep -c '"state":"open"')" "open ports of a full sweep"
assert_eq 0 "$(printf '%s\n' "$OUT" | grep '"type":"summary"' | grep -c '"state":"filtered"')" "unanswered ports of a full sweep"
assert_eq 0 "$(printf '%s\n' "$OUT" | grep -c '"type":"probe"')" "probe lines under -q"
# --open: only what was found.
assert_exit 1 in_cli "$TCPSHAKE" --json -q --open -c 1 -W 1 "$LAB_SRV4:8000-8099"
assert_eq 3 "$(printf '%s\n' "$OUT" | grep -c '"type":"summary"')" "summaries with --open"
assert_eq 0 "$(printf '%s\n' "$OUT" | grep -c '"state":"closed"')" "closed ports with --open"
pass
