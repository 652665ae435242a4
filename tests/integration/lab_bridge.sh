#!/bin/bash
# The lab itself: what every impaired integration test relies on. Through
# the userspace bridge, unimpaired paths are fast, --delay adds what it says
# (checked against ping, a kernel TCP connect and a nanosecond capture of
# it), --loss loses about what it should each way, --dup duplicates,
# --reorder reorders without losing; IPv6 crosses the bridge; and a lab is
# gone, processes and all, after a script using it is killed.
. "$(dirname "$0")/common.sh"
require_root
command -v ping >/dev/null || fail "ping (iputils-ping) is needed"
command -v tcpdump >/dev/null || fail "tcpdump is needed"

lab_up "$LAB" bridge
lab_server "$LAB" close 8080

# ping_stats ARGS...: ping from the client; prints "SENT RECEIVED LOSS% AVG"
# (AVG "-" when nothing came back) and keeps the output in $TMPD/ping.
ping_stats() {
	in_cli ping -n "$@" >"$TMPD/ping" 2>&1
	awk '/packets transmitted/ { s = $1; r = $4; for (i = 1; i <= NF; i++) if ($i ~ /%$/) l = $i }
		/^rtt|^round-trip/ { split($4, a, "/"); avg = a[2] }
		END { sub(/%/, "", l); printf "%s %s %s %s\n", s, r, l, (avg == "" ? "-" : avg) }' "$TMPD/ping"
}

# in_range VALUE LOW HIGH
in_range() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "-" && v + 0 >= lo && v + 0 <= hi) }'; }

# tcp_connect_ms ADDR PORT: one kernel connect() from the client, timed by
# bash itself (EPOCHREALTIME, no fork between the two readings).
tcp_connect_ms() {
	in_cli bash -c 't0=$EPOCHREALTIME; exec 3<>"/dev/tcp/$1/$2" || exit 1; t1=$EPOCHREALTIME
		exec 3>&-; awk -v a="$t0" -v b="$t1" "BEGIN { printf \"%.3f\n\", (b - a) * 1000 }"' _ "$1" "$2"
}

# 1. Unimpaired, both families.
read -r sent recv loss avg <<<"$(ping_stats -c 5 -i 0.05 -W 1 "$LAB_SRV4")"
echo "unimpaired IPv4: $recv/$sent answered, avg RTT $avg ms"
assert_eq 5 "$recv" "unimpaired IPv4 pings answered"
in_range "$avg" 0 200 || fail "unimpaired RTT $avg ms, expected well under 200 ms"
read -r sent recv loss avg <<<"$(ping_stats -6 -c 5 -i 0.05 -W 1 "$LAB_SRV6")"
echo "unimpaired IPv6: $recv/$sent answered, avg RTT $avg ms"
assert_eq 5 "$recv" "unimpaired IPv6 pings answered"
in_range "$avg" 0 200 || fail "unimpaired IPv6 RTT $avg ms, expected well under 200 ms"
ms=$(tcp_connect_ms "$LAB_SRV4" 8080) || fail "TCP connect to the lab server failed"
echo "unimpaired TCP connect: $ms ms"
in_range "$ms" 0 200 || fail "unimpaired connect took $ms ms"
if tcp_connect_ms "$LAB_SRV4" 8081 >/dev/null 2>&1; then
	fail "connect to a port nobody listens on succeeded"
fi

# 2. 20 ms each way: ping, a kernel TCP connect, and the wire. Every figure
# has a hard lower bound (the delay is applied, never early) and an upper
# bound loose enough for a loaded machine, where the userspace bridge and the
# shell timing it are preempted for tens of milliseconds; only the wire
# median is held close (a doubled delay would fail it).
lab_impair "$LAB" --delay 20
read -r sent recv loss avg <<<"$(ping_stats -c 10 -i 0.05 -W 1 "$LAB_SRV4")"
echo "--delay 20, IPv4 ping: $recv/$sent answered, avg RTT $avg ms"
assert_eq 10 "$recv" "delayed pings answered"
in_range "$avg" 39.5 500 || fail "ping RTT $avg ms with --delay 20, expected about 40"
read -r sent recv loss avg <<<"$(ping_stats -6 -c 5 -i 0.05 -W 1 "$LAB_SRV6")"
echo "--delay 20, IPv6 ping: $recv/$sent answered, avg RTT $avg ms"
assert_eq 5 "$recv" "delayed IPv6 pings answered"
in_range "$avg" 39.5 500 || fail "IPv6 ping RTT $avg ms with --delay 20, expected about 40"

capture_start "$LAB_CLI_NS" c0 "$TMPD/delay.pcap" "tcp port 8080"
for _ in 1 2 3 4 5 6 7 8 9; do
	ms=$(tcp_connect_ms "$LAB_SRV4" 8080) || fail "TCP connect through the delayed bridge failed"
	echo "--delay 20, TCP connect: $ms ms"
	in_range "$ms" 39.5 500 || fail "connect took $ms ms with --delay 20, expected about 40"
done
ms=$(tcp_connect_ms "$LAB_SRV6" 8080) || fail "IPv6 TCP connect through the bridge failed"
echo "--delay 20, IPv6 TCP connect: $ms ms"
in_range "$ms" 39.5 500 || fail "IPv6 connect took $ms ms with --delay 20, expected about 40"
capture_stop
wire_rtts "$TMPD/delay.pcap" >"$TMPD/wire"
sed 's/^/wire SYN -> SYN-ACK: seq /; s/$/ ms/' "$TMPD/wire"
assert_eq 10 "$(wc -l <"$TMPD/wire")" "SYNs on the wire"
assert_eq 0 "$(grep -c ' none$' "$TMPD/wire")" "SYNs without a SYN-ACK on the wire"
read -r wmin wmed wmax <<<"$(sort -k2n "$TMPD/wire" | awk '{ r[NR] = $2 }
	END { printf "%s %s %s\n", r[1], (r[5] + r[6]) / 2, r[NR] }')"
echo "wire RTT min/median/max $wmin/$wmed/$wmax ms for 40 ms configured (delay accuracy)"
# The delay is applied, and never early. How close it is to 40 ms is
# printed above and reported by scripts/bench: asserting 0.1 ms here would
# flake on a loaded machine (sanitizer builds, parallel tests), where the
# bridge is preempted for milliseconds.
in_range "$wmin" 39.95 500 || fail "wire RTT $wmin ms: earlier than the 40 ms configured"
in_range "$wmed" 39.95 60 || fail "median wire RTT $wmed ms, expected about 40 ms"
in_range "$wmax" 39.95 500 || fail "wire RTT $wmax ms, expected about 40 ms"

# 3. 20% loss each way, seeded: about 1 - 0.8^2 = 36% of pings lost.
lab_impair "$LAB" --loss 0.2 --seed 1
read -r sent recv loss avg <<<"$(ping_stats -c 200 -i 0.01 -W 1 "$LAB_SRV4")"
echo "--loss 0.2 --seed 1: $recv/$sent answered, $loss% lost (expected about 36%)"
assert_eq 200 "$sent" "pings sent under loss"
in_range "$loss" 25 50 || fail "loss $loss% with 20% each way, expected 25..50%"

# 4. Duplication: some replies come twice.
lab_impair "$LAB" --dup 0.5 --seed 2
read -r sent recv loss avg <<<"$(ping_stats -c 20 -i 0.02 -W 1 "$LAB_SRV4")"
dups=$(grep -c 'DUP!' "$TMPD/ping")
echo "--dup 0.5: $recv/$sent answered, $dups DUP! lines"
assert_eq 20 "$recv" "pings answered with duplication"
[ "$dups" -gt 0 ] || fail "no DUP! line with --dup 0.5"

# 5. Reordering loses nothing; held frames are counted.
lab_impair "$LAB" --reorder 0.5 --delay 1 --seed 3
read -r sent recv loss avg <<<"$(ping_stats -c 50 -i 0.01 -W 1 "$LAB_SRV4")"
echo "--reorder 0.5 --delay 1: $recv/$sent answered, avg RTT $avg ms"
assert_eq 50 "$recv" "pings answered with reordering"
# With 5 ms each way and pings 2 ms apart, a held frame (10 ms) is overtaken
# by the next ones: replies arrive out of icmp_seq order.
lab_impair "$LAB" --reorder 0.3 --delay 5 --seed 4
counters=$(lab_impair_last "$LAB")
echo "bridge counters of the --reorder 0.5 run: $counters"
assert_match 'reordered=[1-9]' "$counters" "frames held back by --reorder 0.5"
read -r sent recv loss avg <<<"$(ping_stats -c 40 -i 0.002 -W 1 "$LAB_SRV4")"
late=$(awk -F'icmp_seq=' 'NF > 1 { split($2, a, " "); s = a[1] + 0; if (s < last) n++; last = s }
	END { print n + 0 }' "$TMPD/ping")
echo "--reorder 0.3 --delay 5: $recv/$sent answered, $late replies after a later one"
assert_eq 40 "$recv" "pings answered with reordering at 5 ms"
# How many replies the kernel saw overtaken depends on how evenly a loaded
# machine paces ping, so it is reported, not asserted; that frames were
# held back (and so overtaken by the ones behind) is the bridge's own count.

# 6. Back to plain forwarding: fast again.
lab_impair "$LAB"
counters=$(lab_impair_last "$LAB")
echo "bridge counters of the --reorder 0.3 run: $counters"
assert_match 'reordered=[1-9]' "$counters" "frames held back by --reorder 0.3"
read -r sent recv loss avg <<<"$(ping_stats -c 5 -i 0.05 -W 1 "$LAB_SRV4")"
echo "plain again: $recv/$sent answered, avg RTT $avg ms"
in_range "$avg" 0 20 || fail "RTT $avg ms after clearing the impairments"

# 7. Teardown: the lab and everything lab.sh started for it are gone.
run_dir="$LAB_RUN/$LAB"
pids=$(cat "$run_dir"/*.pid | awk '{ print $1 }')
lab_down "$LAB"
assert_eq "" "$(ip netns list | grep -E "^$LAB-[csm]( |$)")" "namespaces left after lab_down"
for p in $pids; do
	pid_runs "$p" && fail "process $p still runs after lab_down"
done
[ -e "$run_dir" ] && fail "run directory $run_dir left after lab_down"
lab_down "$LAB" || fail "a second lab_down failed"

# ... and when a script using the lab is killed with TERM, its trap cleans up.
child="${LAB}k"
cat >"$TMPD/child.sh" <<EOF
. "$top_srcdir/tests/lab/lab.sh"
lab_up "$child" bridge || exit 1
lab_server "$child" hold 9000 || exit 1
echo ready
sleep 60 &
echo \$! >"$TMPD/child.sleep"
wait \$!
EOF
# Should this test fail half-way, its own exit still takes the child lab down.
_lab_trap "$child" EXIT
LAB_BIN="$LAB_BIN" bash "$TMPD/child.sh" >"$TMPD/child.out" 2>&1 &
cpid=$!
for _ in $(seq 1 200); do
	grep -q ready "$TMPD/child.out" && break
	kill -0 "$cpid" 2>/dev/null || break
	sleep 0.05
done
grep -q ready "$TMPD/child.out" || { kill -TERM "$cpid"; cat "$TMPD/child.out"; fail "child lab did not come up"; }
cpids=$(cat "$LAB_RUN/$child"/*.pid | awk '{ print $1 }')
kill -TERM "$cpid"
wait "$cpid"
echo "child killed with TERM: status $?"
assert_eq "" "$(ip netns list | grep -E "^$child-[csm]( |$)")" "namespaces left by a killed script"
for p in $cpids; do
	pid_runs "$p" && fail "process $p of a killed script still runs"
done
# Its sleep was not lab.sh's to stop; we started it, so we end it, by PID.
kill "$(cat "$TMPD/child.sleep")" 2>/dev/null
pass
