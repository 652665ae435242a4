#!/bin/bash
# The exporter over 10,000 probes (20 scrapes at once, open and closed
# ports mixed): every answer right for its target, nothing refused, and
# the resident memory of both processes flat: what it holds after the
# first 1,000 probes it still holds, within 2 MiB, after 10,000. (Under
# ASan, whose quarantine keeps freed memory, 2,000 probes and no judging
# of RSS: the answers are what is checked there.)
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/exporter_lib.sh"
require_root
command -v curl >/dev/null || fail "curl is missing (scripts/install-deps installs it)"
lab_up "$LAB"
lab_servers "$LAB" close:80
cat >"$TMPD/tcpshake.yml" <<YML
modules:
  one: {mode: syn, count: 1, timeout: 1}
YML
exporter_start --config "$TMPD/tcpshake.yml" --allow "$LAB_SRV4" --allow-ports 80,81 --max-inflight 32
http_pid=$(pgrep -P "$EXPORTER_PID" -u nobody | head -1)
[ -n "$http_pid" ] || fail "no HTTP process"

rss_kb() { # PID
	awk '/^VmRSS/ { print $2 }' "/proc/$1/status"
}
# scrapes N FROM: N scrapes (20 at once), alternating ports 80 and 81;
# counts the answers that are right for their port.
scrapes() {
	local n=$1 from=$2 i p
	: >"$TMPD/urls"
	for ((i = from; i < from + n; i++)); do
		p=$((80 + i % 2))
		printf 'url = "%s/probe?target=%s:%s&module=one"\n' "$EXPORTER_URL" "$LAB_SRV4" "$p" >>"$TMPD/urls"
	done
	in_cli curl -s -Z --parallel-immediate --parallel-max 20 -K "$TMPD/urls" >"$TMPD/answers" 2>/dev/null ||
		fail "scrapes failed"
}

asan=false
ldd "$TCPSHAKE" | grep -q libasan && asan=true
total_probes=10000
$asan && total_probes=2000
scrapes 1000 0
engine0=$(rss_kb "$EXPORTER_PID") http0=$(rss_kb "$http_pid")
echo "after 1000 probes: engine ${engine0} KiB, HTTP ${http0} KiB"
rest=$((total_probes - 1000))
scrapes "$rest" 1000
engine1=$(rss_kb "$EXPORTER_PID") http1=$(rss_kb "$http_pid")
echo "after $total_probes probes: engine ${engine1} KiB, HTTP ${http1} KiB"
assert_eq $((rest / 2)) "$(grep -c '^probe_success 1' "$TMPD/answers")" "the last $rest: $((rest / 2)) open answers"
assert_eq $((rest / 2)) "$(grep -c 'state="closed"[^}]*} 1' "$TMPD/answers")" "the last $rest: $((rest / 2)) closed answers"
fetch /metrics
assert_match 'tcpshake_exporter_probes_total\{[^}]*module="one"[^}]*\} ' "$OUT" "probes counted"
total=$(printf '%s\n' "$OUT" | awk '/^tcpshake_exporter_probes_total\{.*module="one"/ { s += $NF } END { print s + 0 }')
assert_eq "$total_probes" "$total" "$total_probes probes counted by module"
if ! $asan; then
	[ $((engine1 - engine0)) -le 2048 ] || fail "engine RSS grew from $engine0 to $engine1 KiB"
	[ $((http1 - http0)) -le 2048 ] || fail "HTTP RSS grew from $http0 to $http1 KiB"
	echo "ok: RSS flat (engine $engine0 -> $engine1 KiB, HTTP $http0 -> $http1 KiB)"
fi
exporter_stop TERM
pass
