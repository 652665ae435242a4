#!/bin/bash
# The RST guard (for connect and conform modes): its nft table exists while
# the run holds it and is gone after a normal exit, SIGINT, SIGTERM and even
# SIGKILL of the run (its guardian process cleans up); a table left by a dead
# run is removed by the next run; and while it exists, the kernel's RST for
# the guarded ports really is dropped. All inside a namespace of this test.
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"
HOLD="$LAB_BIN/guard_hold"
tables() { ip netns exec "$LAB_CLI_NS" nft list tables 2>/dev/null | grep -c tcpshake_; }

# Without CAP_NET_ADMIN, stderr holds our one line and none of libnftables'
# own ("Operation not permitted (you must be root)"): auto warns and runs
# unguarded, on refuses with exit 2.
no_admin() {
	ip netns exec "$LAB_CLI_NS" setpriv --inh-caps=-net_admin --bounding-set=-net_admin \
		"$TCPSHAKE" -m connect -c 1 -W 0.3 "$@" "$LAB_SRV4:8079"
}
assert_exit 1 no_admin --rst-guard auto
assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "stderr lines without CAP_NET_ADMIN (auto): $ERR"
assert_match "^tcpshake: warning: no RST guard \(nftables: .*Operation not permitted\); the local kernel" "$ERR" "auto's warning"
assert_exit 2 no_admin --rst-guard on
assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "stderr lines without CAP_NET_ADMIN (on): $ERR"
assert_match "^tcpshake: cannot set up the RST guard: .*CAP_NET_ADMIN" "$ERR" "on's error"
assert_eq 0 "$(tables)" "tables after runs without CAP_NET_ADMIN"

start_hold() {
	ip netns exec "$LAB_CLI_NS" "$HOLD" "$LAB_CLI4" 40000 40003 "$LAB_SRV4" 8080 >"$TMPD/hold.out" 2>&1 &
	hold=$!
	for _ in $(seq 1 100); do
		grep -q '^ready' "$TMPD/hold.out" && return 0
		kill -0 "$hold" 2>/dev/null || break
		sleep 0.05
	done
	cat "$TMPD/hold.out" >&2
	fail "guard_hold did not get ready"
}
wait_no_tables() {
	for _ in $(seq 1 100); do
		[ "$(tables)" -eq 0 ] && return 0
		sleep 0.05
	done
	return 1
}

for sig in INT TERM KILL; do
	start_hold
	assert_eq 1 "$(tables)" "tables while guarded ($sig)"
	rule=$(ip netns exec "$LAB_CLI_NS" nft list ruleset | grep 'tcp sport 40000-40003')
	assert_match "ip saddr $LAB_CLI4 ip daddr $LAB_SRV4 tcp sport 40000-40003 tcp dport 8080 tcp flags & rst == rst meta mark != 0x74637368 drop" "$rule" "guard rule ($sig)"
	kill "-$sig" "$hold"
	wait "$hold" 2>/dev/null
	wait_no_tables || fail "a tcpshake table is left after SIG$sig"
	echo "ok: no table after SIG$sig"
done

# A table of a dead run: the next run removes it.
sh -c 'exit 0' &
dead=$!
wait "$dead"
ip netns exec "$LAB_CLI_NS" nft add table inet "tcpshake_$dead"
assert_eq 1 "$(tables)" "stale table planted"
start_hold
assert_eq 0 "$(ip netns exec "$LAB_CLI_NS" nft list tables | grep -c "tcpshake_$dead\$")" "stale table after the next run"
kill -TERM "$hold"
wait "$hold" 2>/dev/null
wait_no_tables || fail "table left after the last run"

# The guard works: the client kernel answers a server's SYN-ACK for a
# port it has no connection on with a RST; guarded, that RST never leaves.
lab_server "$LAB" close 8080
kernel_rsts() { # count RSTs from port 40001 in a capture of one probe
	capture_start "$LAB_CLI_NS" c0 "$TMPD/rst.pcap" "tcp port 40001"
	in_cli "$TCPSHAKE" -q -c 1 -s 40001 -W 0.5 "$LAB_SRV4:8080" >/dev/null 2>&1
	sleep 0.2
	capture_stop
	tcpdump -nr "$TMPD/rst.pcap" "src $LAB_CLI4 and tcp[tcpflags] & tcp-rst != 0" 2>/dev/null | wc -l
}
unguarded=$(kernel_rsts)
[ "$unguarded" -ge 1 ] || fail "no RST from the client without the guard ($unguarded)"
ip netns exec "$LAB_CLI_NS" "$HOLD" "$LAB_CLI4" 40001 40001 "$LAB_SRV4" 8080 >"$TMPD/hold.out" 2>&1 &
hold=$!
for _ in $(seq 1 100); do grep -q '^ready' "$TMPD/hold.out" && break; sleep 0.05; done
guarded=$(kernel_rsts)
kill -TERM "$hold"
wait "$hold" 2>/dev/null
echo "RSTs leaving port 40001: $unguarded unguarded, $guarded guarded"
assert_eq 0 "$guarded" "RSTs leaving a guarded port"
wait_no_tables || fail "table left after the last run"
pass
