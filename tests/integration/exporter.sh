#!/bin/bash
# The exporter (--serve) against real servers in the lab: an open, a closed
# and a filtered port through /probe; the security it promises (403 for a
# target outside --allow with no packet sent, 400 for a bad query, 405 for
# other methods, an HTTP process with no capability as nobody); its own
# /metrics and / page; 100 scrapes, 20 at once, each right for its own
# target; SIGHUP reloading the config; SIGTERM draining to exit 0 with no
# nftables table left. Then a real Prometheus in the lab scrapes it through
# the multi-target relabelling and its HTTP API is asked for the series.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/exporter_lib.sh"
require_root
command -v curl >/dev/null || fail "curl is missing (scripts/install-deps installs it)"
lab_up "$LAB"
lab_demo_servers "$LAB" # 80 open, 81 closed, 82 dropped, 83 rejected

cat >"$TMPD/tcpshake.yml" <<YML
modules:
  quick: {mode: syn, count: 1, timeout: 0.5}
allow:
  targets: [$LAB_SRV4, "$LAB_SRV6"]
YML
exporter_start --config "$TMPD/tcpshake.yml" --allow-ports 80-83 --max-inflight 20

# The HTTP process: a child of the engine, no capability, nobody, no_new_privs.
http_pid=$(pgrep -P "$EXPORTER_PID" -u nobody | head -1)
[ -n "$http_pid" ] || fail "no HTTP child process of $EXPORTER_PID"
assert_eq 0000000000000000 "$(awk '/^CapEff/ { print $2 }' "/proc/$http_pid/status")" "HTTP process CapEff is 0"
assert_eq 0000000000000000 "$(awk '/^CapPrm/ { print $2 }' "/proc/$http_pid/status")" "HTTP process CapPrm is 0"
assert_eq 1 "$(awk '/^NoNewPrivs/ { print $2 }' "/proc/$http_pid/status")" "HTTP process has no_new_privs"
assert_eq "$(id -u nobody)" "$(awk '/^Uid/ { print $2 }' "/proc/$http_pid/status")" "HTTP process runs as nobody"
# It holds no raw or packet socket and has no capture ring mapped.
held=""
for fd in /proc/"$http_pid"/fd/*; do
	ino=$(readlink "$fd" | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
	[ -n "$ino" ] || continue
	in_cli awk -v i="$ino" '$0 ~ (" " i "( |$)") { found = 1 } END { exit !found }' \
		/proc/net/packet /proc/net/raw /proc/net/raw6 && held="$held $ino"
done
assert_eq "" "$held" "the HTTP process holds no raw or packet socket"
assert_eq 0 "$(grep -c 'socket:' "/proc/$http_pid/maps")" "the HTTP process has no capture ring mapped"
assert_eq 0000000000000000 "$(awk '/^CapEff/ { print $2 }' "/proc/$EXPORTER_PID/status")" \
	"the engine holds no capability once its sockets are open"

# Open, closed, filtered.
fetch "/probe?target=$LAB_SRV4:80"
assert_eq 200 "$CODE" "open: 200"
assert_eq 1 "$(metric "$OUT" probe_success)" "open: probe_success 1"
assert_match 'tcpshake_port_state\{[^}]*state="open"[^}]*\} 1' "$OUT" "open: port state"
assert_match 'tcpshake_rtt_seconds_count\{[^}]*\} 3' "$OUT" "open: three RTTs (module syn)"
fetch "/probe?target=$LAB_SRV4:81&module=quick"
assert_eq 0 "$(metric "$OUT" probe_success)" "closed: probe_success 0"
assert_match 'state="closed"[^}]*\} 1' "$OUT" "closed: port state"
fetch "/probe?target=$LAB_SRV4:82&module=quick"
assert_eq 0 "$(metric "$OUT" probe_success)" "filtered: probe_success 0"
assert_match 'state="filtered"[^}]*\} 1' "$OUT" "filtered: port state"
fetch "/probe?target=%5B$LAB_SRV6%5D:80&module=quick"
assert_eq 1 "$(metric "$OUT" probe_success)" "IPv6 open: probe_success 1"
fetch "/probe?target=$LAB_SRV4:80&module=connect"
assert_eq 1 "$(metric "$OUT" probe_success)" "connect module: probe_success 1"
assert_match 'tcpshake_teardown' "$OUT" "connect module: teardown verdict"
fetch "/probe?target=$LAB_SRV4:80&module=quick&debug=true"
assert_eq 200 "$CODE" "debug: 200"
assert_match "$LAB_SRV4" "$OUT" "debug: the text output"

# Security: nothing sent for a refused target; 400, 405.
capture_start "$LAB_CLI_NS" "$LAB_CLI_IF" "$TMPD/refused.pcap" "tcp"
fetch "/probe?target=$LAB_SRV4:22"
assert_eq 403 "$CODE" "a port outside --allow-ports: 403"
assert_match "port 22 is not in --allow-ports" "$OUT" "403 says why"
fetch "/probe?target=10.77.0.3:80"
assert_eq 403 "$CODE" "an address outside --allow: 403"
fetch "/probe?target=10.77.0.0/24:80"
assert_eq 400 "$CODE" "a prefix: 400"
fetch "/probe?target=$LAB_SRV4:99999"
assert_eq 400 "$CODE" "a bad port: 400"
fetch "/probe?target=$LAB_SRV4:80&module=../etc"
assert_eq 400 "$CODE" "a bad module name: 400"
fetch "/probe?target=$LAB_SRV4:80&module=nosuch"
assert_eq 400 "$CODE" "an unknown module: 400"
fetch "/probe?target=$LAB_SRV4:80" -H "X-Prometheus-Scrape-Timeout-Seconds: soon"
assert_eq 400 "$CODE" "a bad scrape timeout: 400"
fetch "/probe?target=$(head -c 3000 /dev/zero | tr '\0' a):80"
assert_eq 400 "$CODE" "an oversized target: 400"
fetch "/probe?target=$LAB_SRV4:80" -X POST
assert_eq 405 "$CODE" "POST: 405"
fetch "/nothing"
assert_eq 404 "$CODE" "an unknown path: 404"
capture_stop
assert_eq 0 "$(tcpdump -nr "$TMPD/refused.pcap" 2>/dev/null | grep -c .)" "nothing sent for refused queries"

# Concurrency: 100 scrapes, 20 at once, over four targets; each answer is
# its own target's.
: >"$TMPD/urls"
for i in $(seq 1 25); do
	for p in 80 81 82 83; do
		printf 'url = "%s/probe?target=%s:%s&module=quick"\noutput = "%s/c.%s.%s"\n' \
			"$EXPORTER_URL" "$LAB_SRV4" "$p" "$TMPD" "$p" "$i" >>"$TMPD/urls"
	done
done
start=$(date +%s.%N)
in_cli curl -s -Z --parallel-immediate --parallel-max 20 -K "$TMPD/urls" 2>/dev/null || fail "concurrent scrapes failed"
echo "100 scrapes, 20 at once: $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
for p in 80 81 82 83; do
	case $p in 80) s=open ;; 81) s=closed ;; *) s=filtered ;; esac
	right=$(grep -l "port=\"$p\",state=\"$s\"} 1\$" "$TMPD"/c."$p".* | wc -l)
	if [ "$right" != 25 ]; then
		for f in $(grep -L "port=\"$p\",state=\"$s\"} 1\$" "$TMPD"/c."$p".*); do
			echo "--- a wrong answer for port $p ($f):"
			head -c 1500 "$f"
		done
	fi
	assert_eq 25 "$right" "25 concurrent scrapes of port $p say $s"
done

# The exporter's own metrics and page.
fetch /metrics
assert_match 'tcpshake_exporter_probes_total\{[^}]*module="quick"' "$OUT" "/metrics counts probes by module"
assert_match 'tcpshake_exporter_build_info' "$OUT" "/metrics has build info"
fetch /
assert_eq 200 "$CODE" "/: 200"
assert_match 'quick' "$OUT" "/ lists the modules"
assert_match '/logs\?id=' "$OUT" "/ links each recent probe to its debug output"

# SIGHUP: a broken file leaves the running configuration; a module added
# to the file works without a restart.
cp "$TMPD/tcpshake.yml" "$TMPD/good.yml"
printf 'modules_end: x\n' >>"$TMPD/tcpshake.yml" # an unknown key: refused
kill -HUP "$EXPORTER_PID"
for i in $(seq 1 50); do
	grep -q 'tcpshake.yml:[0-9]*:[0-9]*: ' "$EXPORTER_LOG" && break
	sleep 0.1
done
kill -0 "$EXPORTER_PID" || fail "SIGHUP ended the exporter"
assert_match 'tcpshake.yml:[0-9]+:[0-9]+: ' "$(cat "$EXPORTER_LOG")" "a broken file on reload: one line saying where"
fetch "/probe?target=$LAB_SRV4:80&module=quick"
assert_eq 200 "$CODE" "the old configuration still runs after a bad reload"
cat >"$TMPD/tcpshake.yml" <<YML
modules:
  quick: {mode: syn, count: 1, timeout: 0.5}
  later: {mode: syn, count: 2, interval: 0.05, timeout: 0.5}
allow:
  targets: [$LAB_SRV4, "$LAB_SRV6"]
YML
kill -HUP "$EXPORTER_PID"
for i in $(seq 1 50); do
	fetch "/probe?target=$LAB_SRV4:80&module=later"
	[ "$CODE" = 200 ] && break
	sleep 0.1
done
assert_eq 200 "$CODE" "a module added by SIGHUP answers"
assert_match 'tcpshake_rtt_seconds_count\{[^}]*\} 2' "$OUT" "the new module's two SYNs"

# SIGTERM: drain, exit, no nftables table left behind.
exporter_stop TERM
assert_match 'tcpshake: stopped' "$(tail -3 "$EXPORTER_LOG")" "the exporter drained and stopped cleanly"
assert_eq "" "$(in_cli nft list tables 2>/dev/null | grep tcpshake_)" "no nft table left"

# A real Prometheus scrapes it through the multi-target relabelling.
exporter_start --allow "$LAB_SRV4" --allow-ports 80-82
cat >"$TMPD/prometheus.yml" <<YML
global: {scrape_interval: 2s, scrape_timeout: 2s, evaluation_interval: 2s}
scrape_configs:
  - job_name: tcpshake
    metrics_path: /probe
    params: {module: [syn]}
    static_configs:
      - targets: ['$LAB_SRV4:80', '$LAB_SRV4:81', '$LAB_SRV4:82']
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:$EXPORTER_PORT
YML
_lab_spawn "$LAB" "$LAB_CLI_NS" prometheus prometheus --config.file="$TMPD/prometheus.yml" \
	--storage.tsdb.path="$TMPD/tsdb" --web.listen-address=127.0.0.1:9090 ||
	fail "cannot start prometheus"
promq() { # QUERY: the value of the query's first sample, or nothing yet
	in_cli curl -s --get --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query |
		sed -n -E 's/.*"value":\[[0-9.]+,"([^"]*)"\].*/\1/p'
}
for i in $(seq 1 300); do
	[ -n "$(promq 'probe_success{instance="'"$LAB_SRV4"':82"}')" ] &&
		[ -n "$(promq 'probe_success{instance="'"$LAB_SRV4"':80"}')" ] && break
	sleep 0.1
done
assert_eq 1 "$(promq 'probe_success{instance="'"$LAB_SRV4"':80"}')" "Prometheus: open target succeeds"
assert_eq 0 "$(promq 'probe_success{instance="'"$LAB_SRV4"':81"}')" "Prometheus: closed target fails"
assert_eq 0 "$(promq 'probe_success{instance="'"$LAB_SRV4"':82"}')" "Prometheus: filtered target fails"
assert_eq 1 "$(promq 'tcpshake_port_state{instance="'"$LAB_SRV4"':81",state="closed"}')" "Prometheus: closed told apart"
assert_eq 1 "$(promq 'tcpshake_port_state{instance="'"$LAB_SRV4"':82",state="filtered"}')" "Prometheus: filtered told apart"
rtt=$(promq 'tcpshake_rtt_seconds_count{instance="'"$LAB_SRV4"':80"}')
assert_match '^[1-9]' "$rtt" "Prometheus: the open target's RTT series ($rtt RTTs a scrape)"
assert_eq "" "$(promq 'tcpshake_rtt_seconds_count{instance="'"$LAB_SRV4"':82"} > 0')" "Prometheus: no RTT for the filtered one"
_lab_stop "$LAB_RUN/$LAB/prometheus.pid"
exporter_stop TERM
pass
