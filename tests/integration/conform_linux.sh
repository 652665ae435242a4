#!/bin/bash
# conform mode against the real Linux stack of a lab namespace: every check,
# builtin or script (share/checks), passes (time-wait-fin-acked needs a
# server that closes first: skipped against echo, passed against
# close-first; initial-window needs more data back than 3000 bytes: skipped
# with them, passed without --data, when it sends 20000); JSON check records; check
# selection, listing, and the errors of a port that is not open or an
# unknown check id. Conditions of our own side (a filtered --closed-port,
# no RST guard) skip the checks they spoil, with the reason, never fail;
# so do the checks whose premise a server that closes first denies.
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"
lab_server "$LAB" echo 8080
lab_server "$LAB" close-first 8081
big=$(head -c 3000 /dev/zero | tr '\0' x)

assert_exit 0 in_cli "$TCPSHAKE" -m conform --data "$big" "$LAB_SRV4:8080"
printf '%s\n' "$OUT"
assert_match "^TCPSHAKE $LAB_SRV4 \\($LAB_SRV4\\) port 8080: conformance checks" "$OUT" "header"
n=$("$TCPSHAKE" --list-checks | wc -l)
assert_eq 51 "$n" "checks listed"
for id in $("$TCPSHAKE" --list-checks | awk '{ print $1 }'); do
	want=pass
	[ "$id" = time-wait-fin-acked ] && want=skip
	[ "$id" = initial-window ] && want=skip
	assert_match "^$id +$want " "$OUT" "linux: $id"
done
assert_match "^51 checks: 49 passed, 0 failed, 2 skipped, 0 errors$" "$OUT" "count line"
assert_match "synack-retransmission is slow" "$ERR" "slow checks say so"
assert_match "^initial-window +skip .* the peer sent 3000 bytes in [0-9]+ segments, then less than a segment more" "$OUT" "initial-window: 3000 bytes are not enough"
# Linux's RTO minimum is 200 ms, below RFC 6298 2.4's 1 s (a SHOULD): said, not failed.
assert_match "^data-retransmission +pass .* gaps 0\.[0-9]{2} 0\.[0-9]{2} s; the first below RFC 6298 2.4's 1 s \(a SHOULD; Linux's minimum is 200 ms\)$" "$OUT" "data-retransmission: Linux's 200 ms"
assert_match "^challenge-ack-throttle +pass .* throttled: [0-9] challenge ACKs for 200 in-window RSTs" "$OUT" "challenge ACKs: Linux throttles"

# Without --data, initial-window sends 20000 bytes: Linux's initial window
# is 10 segments (an MSS-only SYN: no timestamps, 1460 bytes each).
# After the full suite the first flight has been seen shorter now and then
# (7 or 8 segments, still a pass; why is not pinned down yet): the window
# is what the longest of three runs shows.
for try in 1 2 3; do
	assert_exit 0 in_cli "$TCPSHAKE" -m conform --checks initial-window "$LAB_SRV4:8080"
	printf '%s\n' "$OUT" | grep -q "initial window 10 segments" && break
	echo "initial-window, run $try: $(printf '%s\n' "$OUT" | grep '^initial-window')"
done
# Under a heavy load (the ASan run on two cores) all three runs have come
# short, at 8 segments: accept 8 to 10, never more than RFC 6928 allows.
assert_match "^initial-window +pass .* initial window (8|9|10) segments, [0-9]+ bytes \(RFC 6928: at most 14600 for MSS 1460\)$" "$OUT" "initial-window: Linux's IW"

# A server that closes first: TIME_WAIT answers our FIN again.
assert_exit 0 in_cli "$TCPSHAKE" -m conform --json --checks time-wait-fin-acked,fin-acked "$LAB_SRV4:8081"
line=$(printf '%s\n' "$OUT" | grep '"id":"time-wait-fin-acked"')
assert_match '^\{"type":"check","id":"time-wait-fin-acked","ref":"RFC 9293 3.10.7.4 \(MUST-13\)","result":"pass","detail":"[^"]+"' "$line" "json check record"
assert_match '"evidence":\[\{"t_ms":[0-9.]+,"dir":"out","flags":"S"' "$line" "json evidence"
assert_eq 2 "$(printf '%s\n' "$OUT" | grep -c '"type":"check"')" "two checks chosen"

# A server that closes first is no ground for the checks whose premise it
# denies (CLOSE_FIRST_DENIES, common.sh). conform's first handshake sees
# its FIN come unasked, so the checks that need the connection kept open
# skip, saying why. Whether its FIN leaves before our FIN lands is a race,
# so rst-after-close reads pass or skip, and never fail.
assert_exit 0 in_cli "$TCPSHAKE" -m conform --json --checks "${CLOSE_FIRST_DENIES// /,}" "$LAB_SRV4:8081"
for id in $CLOSE_FIRST_DENIES; do
	line=$(printf '%s\n' "$OUT" | grep "\"type\":\"check\",\"id\":\"$id\",")
	echo "close-first: $id: $line" | sed 's/"evidence":.*//'
	if [ "$id" = rst-after-close ] && [ "$(json_field "$line" result)" = pass ]; then
		continue
	fi
	assert_premise_skip "$id" "$line" "close-first: $id"
done

# Monitoring formats: nagios status and perfdata, a prom series per check.
assert_exit 0 in_cli "$TCPSHAKE" -m conform --format nagios --checks synack-ack,time-wait-fin-acked "$LAB_SRV4:8080"
assert_eq "TCPSHAKE OK - 2 checks: 1 passed, 0 failed, 1 skipped, 0 errors | passed=1 failed=0 skipped=1 errors=0" "$OUT" "nagios"
assert_exit 0 in_cli "$TCPSHAKE" -m conform --format prom --checks synack-ack "$LAB_SRV4:8080"
assert_match "tcpshake_check\{host=\"$LAB_SRV4\",addr=\"$LAB_SRV4\",port=\"8080\",id=\"synack-ack\",result=\"pass\"\} 1" "$OUT" "prom"

# --pcap holds both ways: our crafted segments as well as the peer's (it
# used to record only what the peer sent).
assert_exit 0 in_cli "$TCPSHAKE" -m conform --pcap "$TMPD/conform.pcap" --checks synack-ack,fin-acked "$LAB_SRV4:8080"
ours=$(tcpdump -nr "$TMPD/conform.pcap" "tcp and src host $LAB_CLI4" 2>/dev/null | wc -l)
theirs=$(tcpdump -nr "$TMPD/conform.pcap" "tcp and src host $LAB_SRV4" 2>/dev/null | wc -l)
[ "$ours" -ge 4 ] || fail "--pcap: $ours of our segments recorded, expected at least 4"
[ "$theirs" -ge 2 ] || fail "--pcap: $theirs of the peer's segments recorded, expected at least 2"

# IPv6, one check with a given closed port.
assert_exit 0 in_cli "$TCPSHAKE" -m conform --checks closed-syn-rst,synack-ack --closed-port 9 "[$LAB_SRV6]:8080"
assert_match "^closed-syn-rst +pass " "$OUT" "ipv6 closed port"

# Errors: unknown check, a port that is not open.
assert_exit 2 in_cli "$TCPSHAKE" -m conform --checks nope "$LAB_SRV4:8080"
assert_eq "tcpshake: unknown check 'nope' (see --list-checks)" "$ERR" "unknown check"
assert_exit 2 in_cli "$TCPSHAKE" -m conform "$LAB_SRV4:9999"
assert_eq "tcpshake: $LAB_SRV4 port 9999 is not open: conform mode needs an open port" "$ERR" "closed target port"

# Without the RST guard our own kernel resets what the checks craft: the
# checks that need a connection skip, saying why; the others still run.
assert_exit 0 in_cli "$TCPSHAKE" -m conform --rst-guard off --checks fin-acked,synack-ack "$LAB_SRV4:8080"
assert_match "^fin-acked +skip +RFC 9293 3.6 +no RST guard: our own kernel would reset" "$OUT" "no guard: fin-acked skips"
assert_match "^synack-ack +pass " "$OUT" "no guard: synack-ack still runs"
assert_match "without the RST guard: the checks that need a connection will be skipped" "$ERR" "no guard warning"
# A slow check skipped for want of the guard is instant: it does not say it is slow.
assert_exit 0 in_cli "$TCPSHAKE" -m conform --rst-guard off --checks synack-retransmission "$LAB_SRV4:8080"
assert_match "^synack-retransmission +skip .*no RST guard" "$OUT" "no guard: synack-retransmission skips"
assert_no_match "is slow" "$ERR" "a skipped slow check does not say it is slow"

# A --closed-port that a firewall filters: the closed-* checks skip.
lab_nft_drop "$LAB" 9
closed=closed-syn-rst,closed-ack-rst,closed-rst-silent
assert_exit 0 in_cli "$TCPSHAKE" -m conform --checks "$closed,synack-ack" --closed-port 9 "$LAB_SRV4:8080"
for id in ${closed//,/ }; do
	assert_match "^$id +skip +RFC 9293 3.10.7.1 +port 9 filtered: no answer, pick a closed port$" "$OUT" "filtered closed port: $id skips"
done
assert_match "^synack-ack +pass " "$OUT" "filtered closed port: synack-ack still runs"
# An open port given as --closed-port is our mistake too.
assert_exit 0 in_cli "$TCPSHAKE" -m conform --checks closed-syn-rst --closed-port 8081 "$LAB_SRV4:8080"
assert_match "^closed-syn-rst +skip +RFC 9293 3.10.7.1 +port 8081 is open, pick a closed port$" "$OUT" "open closed port skips"
assert_eq 0 "$(in_cli nft list tables | grep -c tcpshake_)" "guard tables after the runs"
pass
