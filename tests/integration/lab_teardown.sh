#!/bin/bash
# The lab starts and stops quickly and completely. The demo's lab (bridged,
# lab_demo_servers: five servers and the nft rules; six processes of ours
# with the bridge) comes up in about a second and goes down in less: once
# start waited on DAD and one ip or ss per step, and lab_down waited 2 s a
# process, taking a stopped server (a zombie not yet reaped by its new
# parent) for a running one. Afterwards none of the lab's processes,
# namespaces or run files is left.
#
# The times are logged, not judged closely: a busy machine may be several
# times slower, so the bounds are generous (5 s each) and catch only a
# return of the old fixed waits (a 2 s wait a server alone would break it).
. "$(dirname "$0")/common.sh"
require_root

t0=$EPOCHREALTIME
lab_up "$LAB" bridge
lab_demo_servers "$LAB" || fail "lab_demo_servers"
t1=$EPOCHREALTIME
pids=$(cat "$LAB_RUN/$LAB"/*.pid | awk '{ print $1 }' | tr '\n' ' ')
assert_eq 6 "$(wc -w <<<"$pids")" "processes of the lab (bridge and servers)"
# What the demo lab promises is there: every server port listens, and the
# dropped and rejected ports have their rules.
for p in 7 80 443 8080 8081 8082 8083; do
	[ -n "$(ip netns exec "$LAB_SRV_NS" ss -Hltn "sport = :$p")" ] ||
		fail "demo lab: nothing listens on $p"
done
echo "ok: the demo lab's servers listen"
rules=$(ip netns exec "$LAB_SRV_NS" nft list table inet lab)
assert_match "tcp dport 82 drop" "$rules" "82 dropped"
assert_match "tcp dport 83 reject" "$rules" "83 rejected"
lab_down "$LAB"
t2=$EPOCHREALTIME
up=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
down=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')
# The measured numbers, for whoever reads the log.
echo "demo lab: lab_up and lab_demo_servers $up s, lab_down $down s"
awk -v d="$up" 'BEGIN { exit !(d < 5) }' || fail "lab start took $up s (about 1 s expected)"
awk -v d="$down" 'BEGIN { exit !(d < 5) }' || fail "lab_down took $down s (about 1 s expected)"

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
