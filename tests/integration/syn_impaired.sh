#!/bin/bash
# Through the userspace impairment bridge: with 20 ms added each way the
# reported RTT of every probe is within 1 ms of the RTT a capture of the same
# packets shows (probes sent faster than the RTT, so several are in flight),
# and with 20% random loss each way the reported loss equals what the wire
# shows and no port state is wrong.
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB" bridge
lab_server "$LAB" close 8080
lab_impair "$LAB" --delay 20 --jitter 0.2

capture_start "$LAB_CLI_NS" c0 "$TMPD/delay.pcap" "tcp port 8080"
assert_exit 0 in_cli "$TCPSHAKE" --json -c 30 -i 0.01 -W 1 "$LAB_SRV4:8080"
capture_stop
printf '%s\n' "$OUT" | grep '"type":"probe"' | sed 's/.*"rtt_ms":\([0-9.]*\).*/\1/' >"$TMPD/reported"
wire_rtts "$TMPD/delay.pcap" | awk '{print $2}' >"$TMPD/wire"
assert_eq 30 "$(wc -l <"$TMPD/reported")" "reported RTTs"
assert_eq 30 "$(wc -l <"$TMPD/wire")" "RTTs on the wire"
worst=$(paste "$TMPD/reported" "$TMPD/wire" | awk '
	{ d = $1 - $2; if (d < 0) d = -d; if (d > w) w = d; if ($1 < 39.5 || $1 > 80) bad++ }
	END { printf "%.6f %d", w, bad }')
echo "largest |reported - wire| = ${worst% *} ms"
awk -v w="${worst% *}" 'BEGIN { exit !(w < 1.0) }' || fail "RTT off the wire by ${worst% *} ms"
# Only a sanity bound: the bridge's own accuracy is lab_bridge.sh's business,
# and a loaded machine (sanitizer builds) may delay frames by milliseconds.
assert_eq 0 "${worst#* }" "probes whose RTT is below 39.5 ms or above 80 ms"

# Loss: 20% each way.
lab_impair "$LAB" --loss 0.2 --seed 7
capture_start "$LAB_CLI_NS" c0 "$TMPD/loss.pcap" "tcp port 8080"
in_cli "$TCPSHAKE" --json -c 100 -i 0.01 -W 0.5 "$LAB_SRV4:8080" >"$TMPD/loss.json"
capture_stop
sum=$(grep '"type":"summary"' "$TMPD/loss.json")
sent=$(json_field "$sum" sent)
received=$(json_field "$sum" received)
loss=$(json_field "$sum" loss_pct)
wire_answered=$(wire_rtts "$TMPD/loss.pcap" | awk '$2 < 500' | wc -l)
echo "reported: $received of $sent answered ($loss% loss); wire: $wire_answered answered"
assert_eq 100 "$sent" "probes sent"
assert_eq "$wire_answered" "$received" "answered probes vs the wire"
awk -v l="$loss" 'BEGIN { exit !(l >= 15 && l <= 60) }' || fail "implausible loss $loss% for 20% each way"
assert_eq open "$(json_field "$sum" state)" "port state under loss"
assert_eq 0 "$(grep '"type":"probe"' "$TMPD/loss.json" | grep -vc '"state":"open"\|"state":"filtered"')" "probes with a wrong state"
assert_eq 0 "$(grep '"type":"probe"' "$TMPD/loss.json" | grep '"reply":"none"' | grep -vc '"state":"filtered"')" "unanswered probes not filtered"
pass
