#!/bin/bash
# exporter_lib.sh: sourced by the exporter's integration tests after
# common.sh. Starts `tcpshake --serve` in the lab's client namespace as a
# lab process (so lab_down ends it, by its recorded PID, whatever happens)
# and fetches from it with curl.

EXPORTER_PORT=9116
EXPORTER_URL="http://127.0.0.1:$EXPORTER_PORT"
EXPORTER_PID=""

# exporter_start ARGS...: tcpshake --serve 127.0.0.1:9116 ARGS... in the
# client namespace; returns once /metrics answers. Its stderr is in
# $EXPORTER_LOG.
exporter_start() {
	local i
	EXPORTER_LOG="$LAB_RUN/$LAB/exporter.log"
	_lab_spawn "$LAB" "$LAB_CLI_NS" exporter "$TCPSHAKE" --serve "127.0.0.1:$EXPORTER_PORT" "$@" ||
		fail "cannot start the exporter"
	EXPORTER_PID=$LAB_LAST_PID
	for ((i = 0; i < 200; i++)); do
		if in_cli curl -s -o /dev/null "$EXPORTER_URL/metrics" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$EXPORTER_PID" 2>/dev/null; then
			cat "$EXPORTER_LOG" >&2
			fail "the exporter exited at start"
		fi
		sleep 0.05
	done
	cat "$EXPORTER_LOG" >&2
	fail "the exporter did not answer within 10 s"
}

# exporter_stop [SIGNAL]: signal it (TERM) and wait for it to end; its exit
# status in $STATUS (from its log's last line, since it is no child of ours).
exporter_stop() {
	local sig=${1:-TERM} i
	kill "-$sig" "$EXPORTER_PID" 2>/dev/null
	for ((i = 0; i < 400; i++)); do
		kill -0 "$EXPORTER_PID" 2>/dev/null || return 0
		sleep 0.05
	done
	fail "the exporter did not end within 20 s of SIG$sig"
}

# fetch PATH [CURL-ARGS...]: GET the exporter's PATH from the client
# namespace; body in $OUT, HTTP status in $CODE.
fetch() {
	local path=$1
	shift
	CODE=$(in_cli curl -s -o "$TMPD/.body" -w '%{http_code}' "$@" "$EXPORTER_URL$path")
	OUT=$(cat "$TMPD/.body" 2>/dev/null)
}

# metric TEXT NAME: the value of the first sample of NAME (no labels or
# any labels) in an exposition.
metric() {
	printf '%s\n' "$1" | awk -v n="$2" '$1 == n || index($1, n "{") == 1 { print $NF; exit }'
}
