#!/bin/bash
# syn mode against a real Linux server: open, closed, filtered (nft drop),
# ICMP admin-prohibited (nft reject); text and JSON; exit statuses; our RST
# after the SYN-ACK; --pcap; Ctrl-C.
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"
lab_server "$LAB" close 8080
lab_nft_drop "$LAB" 9001
lab_nft_reject "$LAB" 9002

# Open: a line a probe, a summary, exit 0.
assert_exit 0 in_cli "$TCPSHAKE" -c 3 -i 0.1 -W 1 "$LAB_SRV4:8080"
assert_match "^TCPSHAKE $LAB_SRV4 \\($LAB_SRV4\\) port 8080: SYN probes" "$OUT" "header"
for s in 1 2 3; do
	assert_match "open $LAB_SRV4:8080 seq=$s flags=SA ttl=64 win=[0-9]+ rtt=[0-9]+\\.[0-9]{3} ms mss=1460 ws=[0-9]+ sack ts" "$OUT" "probe $s"
done
assert_match "3 probes sent, 3 answered, 0.0% loss, port open" "$OUT" "summary"
assert_match "rtt min/avg/max/mdev = [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms" "$OUT" "rtt line"
assert_match "rtt p50/p90/p99 = [0-9.]+/[0-9.]+/[0-9.]+ ms" "$OUT" "percentile line"
assert_eq "" "$ERR" "stderr of a clean run"

# We reset the half-open connection: the server keeps no SYN_RECV entry.
sleep 0.2
left=$(ip netns exec "$LAB_SRV_NS" ss -Htn state syn-recv | wc -l)
assert_eq 0 "$left" "SYN_RECV entries left on the server"

# Closed: RST+ACK, exit 1.
assert_exit 1 in_cli "$TCPSHAKE" -c 2 -i 0.1 -W 1 "$LAB_SRV4:8081"
assert_match "closed $LAB_SRV4:8081 seq=1 flags=RA ttl=64 win=0 rtt=" "$OUT" "closed probe"
assert_match "2 probes sent, 2 answered, 0.0% loss, port closed" "$OUT" "closed summary"

# Filtered by a drop: no reply, 100% loss, no RTT line.
assert_exit 1 in_cli "$TCPSHAKE" -c 2 -i 0.1 -W 0.3 "$LAB_SRV4:9001"
assert_match "filtered $LAB_SRV4:9001 seq=2 no reply" "$OUT" "dropped probe"
assert_match "2 probes sent, 0 answered, 100.0% loss, port filtered" "$OUT" "dropped summary"
assert_no_match "rtt min" "$OUT" "no rtt for a dropped port"

# Filtered by an ICMP admin-prohibited that quotes our SYN.
assert_exit 1 in_cli "$TCPSHAKE" -c 1 -W 1 "$LAB_SRV4:9002"
assert_match "filtered $LAB_SRV4:9002 seq=1 icmp=admin-prohibited from $LAB_SRV4 ttl=64 rtt=" "$OUT" "icmp probe"

# A target port given twice is probed once: one open result, never a
# second probe from the same source port that reads as filtered.
assert_exit 0 in_cli "$TCPSHAKE" --json -c 1 -W 0.5 "$LAB_SRV4:8080" "$LAB_SRV4:8080"
assert_eq 1 "$(printf '%s\n' "$OUT" | grep -c '"type":"probe"')" "probes of a repeated target port"
assert_no_match filtered "$OUT" "a repeated target port reads as filtered"
assert_exit 1 in_cli "$TCPSHAKE" -c 1 -W 0.5 "$LAB_SRV4:8080" "$LAB_SRV4:8080,8081"
assert_eq 1 "$(printf '%s\n' "$OUT" | grep -c "^open $LAB_SRV4:8080 ")" "open results of 8080"
assert_match "^closed $LAB_SRV4:8081 " "$OUT" "the new port of the second target"
assert_no_match "^filtered|port filtered|[1-9][0-9]* filtered" "$OUT" "HOST:P HOST:P,Q reads as filtered"

# JSON Lines: one probe and one summary object a port, keys as the contract
# says, and the run's totals last.
assert_exit 1 in_cli "$TCPSHAKE" --json -c 1 -W 0.5 "$LAB_SRV4" 8080,8081,9001,9002
assert_eq 9 "$(printf '%s\n' "$OUT" | grep -c '^{"type":')" "JSON line count"
line=$(printf '%s\n' "$OUT" | grep '"type":"probe"' | grep '"port":8080')
assert_match '^\{"type":"probe","host":"10.77.0.2","addr":"10.77.0.2","port":8080,"seq":1,"state":"open","reply":"SA","rtt_ms":[0-9.]+,"ttl":64,"win":[0-9]+,"mss":1460,"wscale":[0-9]+,"sack":true,"ts":true' "$line" "open probe JSON"
assert_eq kernel "$(json_field "$line" ts_source)" "timestamp source"
line=$(printf '%s\n' "$OUT" | grep '"type":"probe"' | grep '"port":8081')
assert_eq RA "$(json_field "$line" reply)" "closed reply"
line=$(printf '%s\n' "$OUT" | grep '"type":"probe"' | grep '"port":9001')
assert_eq none "$(json_field "$line" reply)" "dropped reply"
assert_eq null "$(json_field "$line" rtt_ms)" "dropped rtt"
line=$(printf '%s\n' "$OUT" | grep '"type":"probe"' | grep '"port":9002')
assert_eq icmp:admin-prohibited "$(json_field "$line" reply)" "icmp reply"
line=$(printf '%s\n' "$OUT" | grep '"type":"summary"' | grep '"port":9001')
assert_eq 100.0 "$(json_field "$line" loss_pct)" "dropped loss"
assert_eq null "$(json_field "$line" rtt_avg_ms)" "dropped avg"
assert_eq filtered "$(json_field "$line" state)" "dropped state"
line=$(printf '%s\n' "$OUT" | tail -1)
# A sweep (-c 1 over several ports): the dropped port was tried twice.
assert_match '^\{"type":"run","hosts":1,"ports":4,"open":1,"closed":1,"filtered":2,"errors":0,"sent":5,"received":3,"elapsed_s":[0-9.]+,"retries":1,' "$line" "run record"

# --pcap: our SYNs, the SYN-ACKs and our RSTs, readable by tcpdump.
pcap=$(mktemp /tmp/tcpshake-test.XXXXXX.pcap)
assert_exit 0 in_cli "$TCPSHAKE" -q -c 2 -i 0.1 --pcap "$pcap" "$LAB_SRV4:8080"
n_syn=$(tcpdump -nr "$pcap" 'tcp[tcpflags] == tcp-syn' 2>/dev/null | wc -l)
n_sa=$(tcpdump -nr "$pcap" 'tcp[tcpflags] == (tcp-syn|tcp-ack)' 2>/dev/null | wc -l)
assert_eq 2 "$n_syn" "SYNs in the pcap"
assert_eq 2 "$n_sa" "SYN-ACKs in the pcap"
n_rst=$(tcpdump -nr "$pcap" "src $LAB_CLI4 and tcp[tcpflags] & tcp-rst != 0" 2>/dev/null | wc -l)
[ "$n_rst" -ge 2 ] || fail "our RSTs in the pcap: $n_rst, expected >= 2"
assert_no_match "seq=" "$OUT" "-q prints summaries only"
rm -f "$pcap"

# Ctrl-C: the summary so far, the status so far, the pcap flushed.
pcap=$(mktemp /tmp/tcpshake-test.XXXXXX.pcap)
ip netns exec "$LAB_CLI_NS" "$TCPSHAKE" -c 0 -i 0.1 --pcap "$pcap" "$LAB_SRV4:8080" >"$TMPD/int.out" 2>&1 &
pid=$!
# Wait for a few probes (not a fixed time: a loaded machine starts slowly).
for _ in $(seq 1 100); do
	[ "$(grep -c '^open' "$TMPD/int.out" 2>/dev/null)" -ge 5 ] && break
	sleep 0.1
done
kill -INT "$pid"
wait "$pid"
st=$?
assert_eq 0 "$st" "status after Ctrl-C on an open port"
assert_match "probes sent, [0-9]+ answered" "$(cat "$TMPD/int.out")" "summary after Ctrl-C"
n=$(tcpdump -nr "$pcap" 'tcp[tcpflags] == tcp-syn' 2>/dev/null | wc -l)
[ "$n" -ge 5 ] || fail "pcap after Ctrl-C holds $n SYNs, expected >= 5"
rm -f "$pcap"
pass
