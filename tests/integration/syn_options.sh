#!/bin/bash
# What the SYN carries and where it leaves from, read back from an
# independent capture: --ttl, --no-options with --mss/--wscale, -S, -I, -s,
# names resolved through /etc/hosts of the namespace-less host (localhost).
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"
lab_server "$LAB" close 8080

syn_line() { # the first SYN in a capture, as tcpdump -v prints it
	tcpdump -nvr "$1" 'tcp[tcpflags] == tcp-syn' 2>/dev/null | head -2 | tr '\n' ' '
}

capture_start "$LAB_CLI_NS" c0 "$TMPD/a.pcap" "tcp port 8080"
assert_exit 0 in_cli "$TCPSHAKE" -q -c 1 --ttl 33 --no-options --mss 1200 --wscale 3 -S "$LAB_CLI4" -I c0 -s 45678 "$LAB_SRV4:8080"
capture_stop
line=$(syn_line "$TMPD/a.pcap")
echo "SYN: $line"
assert_match "ttl 33," "$line" "TTL of the SYN"
assert_match "$LAB_CLI4\\.45678 > $LAB_SRV4\\.8080" "$line" "source address and port"
assert_match "options \\[mss 1200,nop,wscale 3\\]" "$line" "options with --no-options --mss --wscale"
assert_match "win 64240" "$line" "window"
assert_match "flags \\[DF\\]" "$line" "don't-fragment"

# Default: Linux's option set, MSS from the MTU.
capture_start "$LAB_CLI_NS" c0 "$TMPD/b.pcap" "tcp port 8080"
assert_exit 0 in_cli "$TCPSHAKE" -q -c 1 "$LAB_SRV4:8080"
capture_stop
line=$(syn_line "$TMPD/b.pcap")
assert_match "options \\[mss 1460,sackOK,TS val [0-9]+ ecr 0,nop,wscale 7\\]" "$line" "default options"

# A name: localhost resolves (IPv4 with -4) and is probed over lo.
assert_exit 1 in_cli "$TCPSHAKE" -4 -c 1 -W 0.5 localhost:9
assert_match "^closed 127\\.0\\.0\\.1:9 seq=1 flags=RA" "$OUT" "a name resolved and probed on lo"
assert_match "^TCPSHAKE localhost \\(127\\.0\\.0\\.1\\) port 9" "$OUT" "header names host and address"
# -I on an interface that does not exist: one clear line, exit 2.
assert_exit 2 in_cli "$TCPSHAKE" -c 1 -I nosuch0 "$LAB_SRV4:8080"
assert_match "^tcpshake: .*nosuch0" "$ERR" "unknown interface"
pass
