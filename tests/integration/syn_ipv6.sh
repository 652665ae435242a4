#!/bin/bash
# syn mode over IPv6: open, closed, ICMPv6 admin-prohibited, bracket syntax.
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"
lab_server "$LAB" close 8080
lab_nft_reject "$LAB" 9002

assert_exit 0 in_cli "$TCPSHAKE" -c 2 -i 0.1 -W 1 "[$LAB_SRV6]:8080"
assert_match "open \\[$LAB_SRV6\\]:8080 seq=2 flags=SA ttl=64 win=[0-9]+ rtt=[0-9.]+ ms mss=1440" "$OUT" "IPv6 open"
assert_exit 1 in_cli "$TCPSHAKE" -c 1 -W 1 "[$LAB_SRV6]:8081"
assert_match "closed \\[$LAB_SRV6\\]:8081 seq=1 flags=RA" "$OUT" "IPv6 closed"
assert_exit 1 in_cli "$TCPSHAKE" -c 1 -W 1 -6 "$LAB_SRV6" 9002
assert_match "filtered \\[$LAB_SRV6\\]:9002 seq=1 icmp=admin-prohibited from $LAB_SRV6" "$OUT" "ICMPv6 admin-prohibited"
assert_exit 0 in_cli "$TCPSHAKE" --json -c 1 "$LAB_SRV6" 8080
assert_eq "$LAB_SRV6" "$(json_field "$(printf '%s\n' "$OUT" | head -1)" addr)" "IPv6 JSON addr"
# Both families in one run.
assert_exit 0 in_cli "$TCPSHAKE" -q -c 1 "$LAB_SRV4:8080" "[$LAB_SRV6]:8080"
assert_eq 2 "$(printf '%s\n' "$OUT" | grep -c 'port open')" "mixed-family summaries"
pass
