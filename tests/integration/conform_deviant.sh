#!/bin/bash
# Every conformance check can fail, builtin or script: each runs against a deliberately
# non-conformant raw peer (tests/lab/raw_peer) whose one misbehaviour is the
# one the check is about, and must say fail; the same checks against the
# raw peer's conformant baseline must pass (so the failure is the
# misbehaviour's, not the raw peer's).
. "$(dirname "$0")/common.sh"
require_root
lab_up "$LAB"

# script:check[,check...] - the misbehaviour and the checks it must fail.
cases="
synack-wrong-ack:synack-ack
synack-no-mss:synack-mss
echo-unasked:synack-unasked-options
tsecr-wrong:synack-tsecr
rst-wrong-seq:listen-ack-rst,listen-synack-rst
no-challenge-ack:rst-in-window-challenge,syn-established-challenge
accept-bad-ack:bad-ack-data-refused
no-ooo-ack:out-of-window-acked,duplicate-data-acked
no-synack-retrans:synack-retransmission
synack-rto-early:synack-retransmission
synack-no-backoff:synack-retransmission
linear-isn:isn-unpredictable
no-csum-check:bad-checksum-ignored
echo-unknown-option:unknown-option-ignored
reserved-bits-rst:reserved-bits-ignored
rst-after-lastack-none:rst-after-close
timewait-rst:time-wait-fin-acked
urg-breaks:urgent-data
wrong-ack:fin-acked
oow-rst-closes:rst-out-of-window-ignored
ignore-default-mss:default-mss
option-length-hangs:option-length-zero
ecn-echo-all:ecn-setup-syn,ecn-plain-syn
dup-syn-new-isn:syn-duplicate-same-isn
synrcvd-rst-ignored:synrcvd-rst-stops-synack
synrcvd-bad-ack-taken:synrcvd-bad-ack-rst
syn-data-acked:syn-data-not-acked
tfo-rst:tfo-cookie-request
mptcp-rst:mptcp-capable
wscale15-rst:wscale-above-14
ts-not-on-acks:ts-on-every-segment
no-paws:paws-old-tsval
no-sack-blocks:sack-blocks-ooo
sack-unasked:sack-not-permitted
ooo-ack-delayed:ooo-immediate-dup-ack
fin-data-unacked:fin-with-data-acked
ack-unsent-silent:ack-unsent-acked
rst-data-ignored:rst-with-data-resets
rst-ignored:rst-at-rcv-nxt-closes,rst-with-data-resets
listen-rst-answered:listen-rst-ignored
iw-huge:initial-window
ack-slow:delayed-ack-bound
challenge-fails-open:challenge-ack-throttle
data-no-backoff:data-retransmission
zwp-none:zero-window-probe
zwp-gives-up:zero-window-probe
"
# default-mss needs more than 536 bytes back: raw_peer echoes what it gets,
# so send 3000. Only where default-mss runs: time-wait-fin-acked would send
# it too.
data=$(head -c 3000 /dev/zero | tr '\0' x)
port=9200
all_checks=""
for c in $cases; do
	script=${c%%:*}
	checks=${c#*:}
	all_checks="$all_checks,$checks"
	extra=()
	case ",$checks," in *,default-mss,*) extra=(--data "$data") ;; esac
	lab_raw_peer "$LAB" "$script" "$port"
	assert_exit 1 in_cli "$TCPSHAKE" -m conform --checks "$checks" "${extra[@]}" "$LAB_SRV4:$port"
	for id in ${checks//,/ }; do
		assert_match "^$id +fail " "$OUT" "$script: $id fails"
	done
	port=$((port + 1))
done

# Every check the tool lists is proven to fail against some script (the
# closed-port ones against closed-rst-wrong, below).
closed=closed-syn-rst,closed-ack-rst,closed-rst-silent,closed-fin-rst
for id in $("$TCPSHAKE" --list-checks | awk '{ print $1 }'); do
	case ",$all_checks,$closed," in
	*",$id,"*) ;;
	*) fail "check $id has no raw_peer script that fails it" ;;
	esac
done

# The conformant baseline passes the same checks (time-wait-fin-acked needs
# a peer that closes first: close-first is that baseline). --data is for
# default-mss; initial-window needs more than those 3000 bytes back, so it
# runs alone, with the 20000 it sends without --data.
lab_raw_peer "$LAB" conformant 9300
lab_raw_peer "$LAB" close-first 9301
base=${all_checks#,}
base=${base//,time-wait-fin-acked/}
base=${base//,initial-window/}
base=${base//,zero-window-probe,zero-window-probe/,zero-window-probe}
assert_exit 0 in_cli "$TCPSHAKE" -m conform --checks "$base" --data "$data" "$LAB_SRV4:9300"
printf '%s\n' "$OUT"
for id in ${base//,/ }; do
	assert_match "^$id +pass " "$OUT" "baseline: $id passes"
done
assert_exit 0 in_cli "$TCPSHAKE" -m conform --checks time-wait-fin-acked "$LAB_SRV4:9301"
assert_match "^time-wait-fin-acked +pass " "$OUT" "baseline: time-wait-fin-acked passes"
assert_exit 0 in_cli "$TCPSHAKE" -m conform --checks initial-window "$LAB_SRV4:9300"
assert_match "^initial-window +pass .* initial window 10 segments, 14600 bytes" "$OUT" "baseline: initial-window passes"

# An initial RTO of 6 s (4.4BSD-derived stacks, libslirp) is one RFC 6298
# 2.1 allows ("any other value > 1 second"): seen, and passed, with both
# gaps named. Gaps come from capture timestamps; the peer's timer is exact
# to a few ms, so a loaded machine only delays the run, not the verdict.
lab_raw_peer "$LAB" synack-rto-6s 9302
assert_exit 0 in_cli "$TCPSHAKE" -m conform --checks synack-retransmission "$LAB_SRV4:9302"
assert_match "^synack-retransmission +pass +RFC 6298 2, 5.5; RFC 9293 3.8.1 +gaps 6\.[0-9]{2} 12\.[0-9]{2} s$" "$OUT" "6 s initial RTO passes"

# Closed-port checks: a raw peer playing a closed port wrongly, and rightly.
lab_raw_peer "$LAB" closed-rst-wrong 9400
lab_raw_peer "$LAB" closed 9401
lab_raw_peer "$LAB" conformant 9402
assert_exit 1 in_cli "$TCPSHAKE" -m conform --checks "$closed" --closed-port 9400 "$LAB_SRV4:9402"
for id in ${closed//,/ }; do
	assert_match "^$id +fail " "$OUT" "closed-rst-wrong: $id fails"
done
assert_exit 0 in_cli "$TCPSHAKE" -m conform --checks "$closed" --closed-port 9401 "$LAB_SRV4:9402"
for id in ${closed//,/ }; do
	assert_match "^$id +pass " "$OUT" "closed: $id passes"
done
pass
