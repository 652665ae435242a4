#!/bin/bash
# The lab stops quickly and completely: lab_down of a bridged lab with four
# servers (five processes of ours with the bridge) takes well under the 2 s
# a process it once spent taking a stopped server, a zombie not yet reaped
# by its new parent, for a running one (10 s here); and afterwards none of
# the lab's processes, namespaces or run files is left.
. "$(dirname "$0")/common.sh"
require_root

t0=$EPOCHREALTIME
lab_up "$LAB" bridge
for p in 8080 8081 8082 8083; do
	lab_server "$LAB" echo "$p"
done
t1=$EPOCHREALTIME
pids=$(cat "$LAB_RUN/$LAB"/*.pid | awk '{ print $1 }' | tr '\n' ' ')
assert_eq 5 "$(wc -w <<<"$pids")" "processes of the lab (bridge and servers)"
lab_down "$LAB"
t2=$EPOCHREALTIME
up=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
down=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')
echo "lab_up and four servers: $up s, lab_down: $down s"
# Generous for a busy machine; the old wait alone was 2 s a process.
awk -v d="$down" 'BEGIN { exit !(d < 6) }' || fail "lab_down took $down s (want well under 10)"

for pid in $pids; do
	pid_runs "$pid" && fail "lab process $pid still runs"
done
echo "ok: no process of the lab runs"
for ns in "$LAB_CLI_NS" "$LAB_SRV_NS" "$LAB_MID_NS"; do
	[ ! -e "/run/netns/$ns" ] || fail "namespace $ns is left"
done
[ ! -e "$LAB_RUN/$LAB" ] || fail "run directory $LAB_RUN/$LAB is left"
echo "ok: no namespace or run directory left"
pass
