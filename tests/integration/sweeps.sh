#!/bin/bash
# Fleet sweeps against a real Linux kernel answering for whole prefixes
# (lab_prefix: a local route on lo): CIDR prefixes (IPv4 and IPv6), IPv4
# ranges, exclusions with and without ports, shards that are disjoint and
# together whole, retries that get every state right under 20% loss each
# way, flat memory for a /16 on three ports, and the bad input of sweeps
# (one line, exit 2, nothing sent).
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"
lab_server "$LAB" close 80
lab_prefix "$LAB" 10.78.0.0/16 fd78::/112

# The (address, port) pairs a JSON run reported, one "ADDR PORT STATE" a
# line, sorted.
pairs() {
	printf '%s\n' "$1" | grep '"type":"summary"' |
		sed -E 's/.*"addr":"([^"]*)","port":([0-9]+),.*"state":"([a-z]*)".*/\1 \2 \3/' | sort
}
run_field() { # OUT KEY: a key of the run record
	json_field "$(printf '%s\n' "$1" | grep '"type":"run"')" "$2"
}

# Bad input: one line, exit 2, nothing sent.
# (First, before any sweep could leave a server retransmitting SYN-ACKs
# whose RST was lost; and only SYNs count.)
capture_start "$LAB_CLI_NS" "$LAB_CLI_IF" "$TMPD/bad.pcap" "tcp[tcpflags] & tcp-syn != 0 or (ip6 and tcp)"
bad() { # REGEX ARGS...
	local re=$1
	shift
	assert_exit 2 in_cli "$TCPSHAKE" "$@"
	assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "one line for: $*"
	assert_match "^tcpshake: $re" "$ERR" "message for: $*"
}
bad "invalid prefix '10.0.0.0/33': the length must be 0 to 32" 10.0.0.0/33
bad "invalid range '10.0.0.5-10.0.0.1': the last address is below the first" 10.0.0.5-10.0.0.1
bad "invalid prefix 'fd00::/129': the length must be 0 to 128" "[fd00::/129]:80"
bad "'10.0.0.0/7' has 33554432 addresses, more than a /8 \\(16777216\\): add --allow-large" 10.0.0.0/7
bad "invalid shard '3/2'" --shard 3/2 10.78.0.0/24
bad "invalid shard '0/4'" --shard 0/4 10.78.0.0/24
bad "invalid seed 'abc'" --seed abc 10.78.0.0/24
bad "invalid retries '-1'" --retries -1 10.78.0.0/24
bad "invalid retries '1000'" --retries 1000 10.78.0.0/24
bad "the exclusions leave no target to probe" 10.78.9.0/24:80 --exclude 10.78.0.0/16
bad "--exclude, --retries, --seed and --shard are for sweeps" -c 3 --seed 1 "$LAB_SRV4:80"
bad "-c 4 with a prefix or range" -c 4 10.78.0.0/24
capture_stop
assert_eq 0 "$(tcpdump -nr "$TMPD/bad.pcap" 2>/dev/null | grep -c .)" "nothing sent for bad input"

# A prefix on two ports: every address answers, 80 open, 81 closed.
assert_exit 1 in_cli "$TCPSHAKE" --json 10.78.1.0/24:80,81
p=$(pairs "$OUT")
assert_eq 512 "$(printf '%s\n' "$p" | grep -c .)" "a /24 on two ports: 512 pairs"
assert_eq 256 "$(printf '%s\n' "$p" | grep -c ' 80 open$')" "port 80 open at every address"
assert_eq 256 "$(printf '%s\n' "$p" | grep -c ' 81 closed$')" "port 81 closed at every address"
assert_eq 512 "$(printf '%s\n' "$p" | uniq | grep -c .)" "each pair once"
assert_eq 512 "$(run_field "$OUT" ports)" "run record: ports"
assert_eq 256 "$(run_field "$OUT" hosts)" "run record: hosts"
assert_eq 0 "$(run_field "$OUT" retries)" "no retries on a clean path"

# IPv6, in brackets with ports, and an IPv4 range.
assert_exit 0 in_cli "$TCPSHAKE" --json "[fd78::100/120]:80"
assert_eq 256 "$(pairs "$OUT" | grep -c ' 80 open$')" "an IPv6 /120"
assert_exit 0 in_cli "$TCPSHAKE" -q 10.78.2.1-10.78.2.10:80
assert_match "^10 ports on 10 hosts: 10 open, 0 closed, 0 filtered, 0 errors in " "$OUT" "an IPv4 range"
# A prefix in a target file works as on the command line.
printf '10.78.3.0/30:80\n10.78.3.8-10.78.3.9:81\n' >"$TMPD/targets"
assert_exit 1 in_cli "$TCPSHAKE" -q -f "$TMPD/targets"
assert_match "^6 ports on 6 hosts: 4 open, 2 closed, 0 filtered" "$OUT" "prefixes and ranges in -f"

# Exclusions: addresses, a prefix, one port of one address, a file.
assert_exit 0 in_cli "$TCPSHAKE" --json 10.78.4.0/24:80 --exclude "10.78.4.0/25,10.78.4.200"
p=$(pairs "$OUT")
assert_eq 127 "$(printf '%s\n' "$p" | grep -c .)" "a /25 and one address left out"
assert_no_match "^10\\.78\\.4\\.(200|[0-9]|[1-9][0-9]|1[01][0-9]|12[0-7]) " "$p" "none of them probed"
assert_exit 1 in_cli "$TCPSHAKE" --json 10.78.5.0/29:80,81 --exclude 10.78.5.3:80
p=$(pairs "$OUT")
assert_eq 15 "$(printf '%s\n' "$p" | grep -c .)" "one port of one address left out"
assert_match "^10\\.78\\.5\\.3 81 closed$" "$p" "its other port still probed"
printf '# not these\n10.78.6.0/26\n' >"$TMPD/excl"
assert_exit 0 in_cli "$TCPSHAKE" -q 10.78.6.0/24:80 --exclude-file "$TMPD/excl"
assert_match "^192 ports on 256 hosts" "$OUT" "--exclude-file"

# Shards of one seed: disjoint, and together every pair.
: >"$TMPD/all"
for i in 1 2 3; do
	assert_exit 1 in_cli "$TCPSHAKE" --json --seed 5 --shard "$i/3" 10.78.7.0/24:80,81
	pairs "$OUT" >>"$TMPD/all"
	assert_match '^[0-9]+$' "$(run_field "$OUT" ports)" "shard $i/3 reports its own share"
done
assert_eq 512 "$(sort "$TMPD/all" | grep -c .)" "the shares add up to every pair"
assert_eq 512 "$(sort -u "$TMPD/all" | grep -c .)" "the shares never overlap"
# The same seed repeats the order.
assert_exit 1 in_cli "$TCPSHAKE" --json --seed 9 10.78.8.0/28:80,81
o1=$(printf '%s\n' "$OUT" | grep '"type":"probe"' | sed -E 's/.*"addr":"([^"]*)","port":([0-9]+).*/\1:\2/' | head -8)
assert_exit 1 in_cli "$TCPSHAKE" --json --seed 9 10.78.8.0/28:80,81
o2=$(printf '%s\n' "$OUT" | grep '"type":"probe"' | sed -E 's/.*"addr":"([^"]*)","port":([0-9]+).*/\1:\2/' | head -8)
assert_eq "$o1" "$o2" "--seed repeats the order"

# Under 20% random loss each way, every state as at no loss: only the
# unanswered are sent again, as often as the loss calls for.
lab_nft_loss "$LAB" 20 both
assert_exit 1 in_cli "$TCPSHAKE" --json 10.78.16.0/22:80,81
p=$(pairs "$OUT")
assert_eq 1024 "$(printf '%s\n' "$p" | grep -c ' 80 open$')" "20% loss: every open port found"
assert_eq 1024 "$(printf '%s\n' "$p" | grep -c ' 81 closed$')" "20% loss: every closed port closed"
retries=$(run_field "$OUT" retries)
sent=$(run_field "$OUT" sent)
echo "20% loss: $sent SYNs for 2048 pairs, $retries retries"
[ "$retries" -gt 0 ] || fail "20% loss: no retry was sent"
[ "$sent" -lt 4096 ] || fail "20% loss: $sent SYNs for 2048 pairs: more than twice"
ip netns exec "$LAB_SRV_NS" nft delete table inet lab

# A --rate no machine reaches (10M SYNs a second through a raw socket):
# every port still right, the totals give the rate sent, and one line
# says the rate was not reached.
assert_exit 0 in_cli "$TCPSHAKE" -q --open --rate 10000000 10.78.0.0/16:80
assert_match "^65536 ports on 65536 hosts: 65536 open, 0 closed, 0 filtered, 0 errors in .*, [0-9]+/s, " "$OUT" \
	"a /16 at --rate 10000000"
assert_match "^tcpshake: warning: --rate 10000000 was not reached: [0-9]+ SYNs a second sent$" "$ERR" \
	"the rate not reached, said"

# Flat memory: a /16 on three ports (196608 pairs) in at most 16 MiB
# (an ASan build's shadow memory is not ours to count).
if ldd "$TCPSHAKE" | grep -q libasan; then
	echo "skip: the memory bound (an ASan build)"
else
	assert_exit 1 in_cli /usr/bin/time -f "maxrss_kb=%M" "$TCPSHAKE" -q --open 10.78.0.0/16:80,81,443
	rss=$(printf '%s\n' "$ERR" | sed -n 's/^maxrss_kb=//p')
	echo "a /16 on three ports: peak RSS $rss KiB"
	assert_match "^196608 ports on 65536 hosts: 65536 open, 131072 closed, 0 filtered" "$OUT" "a /16 on three ports"
	[ "$rss" -le 16384 ] || fail "peak RSS $rss KiB above 16 MiB"
fi

pass
