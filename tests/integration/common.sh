#!/bin/bash
# common.sh: sourced by every integration test. Integration tests run as
# root against the real Linux TCP stack in network namespaces that each test
# makes (tests/lab/lab.sh) and removes on exit, whatever happens. This file
# gives them the lab, a private temporary directory ($TMPD), assertions that
# print what they saw, a dependency-free JSON field reader, and packet
# captures with a way to read wire RTTs out of them.
#
# Conventions: a failed assertion prints "FAIL: ..." and exits 1; a test ends
# with `pass`; exit 77 (automake's SKIP) only when not root or when
# TCPSHAKE_SKIP_INTEGRATION is set (make distcheck, which already ran them).
set -u

_common_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$_common_dir/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${TCPSHAKE:=$top_builddir/tcpshake}"
: "${LAB_BIN:=$top_builddir/tests/lab}"
# The check scripts conform mode runs: the source tree's.
: "${TCPSHAKE_CHECKS_DIR:=$top_srcdir/share/checks}"
export TCPSHAKE LAB_BIN TCPSHAKE_CHECKS_DIR

if [ -n "${TCPSHAKE_SKIP_INTEGRATION:-}" ]; then
	echo "SKIP: TCPSHAKE_SKIP_INTEGRATION is set"
	exit 77
fi

# shellcheck source=../lab/lab.sh
if [ -f "$top_srcdir/tests/lab/lab.sh" ]; then
	. "$top_srcdir/tests/lab/lab.sh"
else
	. "$_common_dir/../lab/lab.sh"
fi

# Short: namespace names are LAB-c, LAB-s, LAB-m.
# shellcheck disable=SC2034 # used by the tests that source this
LAB="ts$$"

TMPD=$(mktemp -d "${TMPDIR:-/tmp}/tcpshake-it.XXXXXX") || exit 1
CAPTURE_PID=""
# shellcheck disable=SC2034 # for tests: the file of the current capture
CAPTURE_FILE=""
OUT=""
ERR=""
STATUS=0

_common_cleanup() {
	capture_stop >/dev/null 2>&1
	if [ -n "${TCPSHAKE_KEEP_TMP:-}" ]; then
		echo "kept $TMPD" >&2
	else
		rm -rf "$TMPD"
	fi
}
# lab_up puts "lab_down $LAB" in front of this, so the lab goes first; the
# capture is stopped even earlier, by lab_before_down below.
trap _common_cleanup EXIT

# Called by lab_down before it deletes the namespaces.
lab_before_down() {
	capture_stop >/dev/null 2>&1
	return 0
}

require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: needs root"
		exit 77
	fi
}

fail() {
	echo "FAIL: $*"
	exit 1
}

# pid_runs PID: true while PID is a process that has not exited. An exited
# one its parent has yet to reap (a zombie: lab processes belong to PID 1,
# which may reap late) does not run; kill -0 would still find it.
pid_runs() {
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	case ${stat%% *} in
	Z | X) return 1 ;;
	esac
	return 0
}

pass() {
	echo "PASS: $(basename "$0")"
	exit 0
}

# assert_eq EXPECTED ACTUAL WHAT
assert_eq() {
	if [ "$1" != "$2" ]; then
		fail "$3: expected '$1', got '$2'"
	fi
	echo "ok: $3 = '$2'"
}

# assert_match REGEX STRING WHAT (extended regex, any line of STRING)
assert_match() {
	if ! printf '%s\n' "$2" | grep -Eq -- "$1"; then
		printf '%s\n' "--- text searched:" "$2" "---"
		fail "$3: no match for /$1/"
	fi
	echo "ok: $3"
}

# The conform checks whose premise a server that closes first denies:
# rst-after-close needs the peer to wait for our FIN (LAST_ACK, then
# CLOSED), the others a server that keeps the connection open (one that
# closed may reset our data, RFC 1122 4.2.2.13): six script checks, and the
# five measuring checks, whose data a server that closed before reading it
# never had. Space-separated.
CLOSE_FIRST_DENIES="rst-after-close urgent-data rst-in-window-challenge rst-out-of-window-ignored \
syn-established-challenge bad-ack-data-refused out-of-window-acked \
initial-window delayed-ack-bound challenge-ack-throttle data-retransmission zero-window-probe"

# assert_premise_skip ID RECORD WHAT: the JSON check record RECORD of check
# ID (one of CLOSE_FIRST_DENIES) is a skip saying which premise failed.
assert_premise_skip() {
	assert_eq skip "$(json_field "$2" result)" "$3"
	if [ "$1" = rst-after-close ]; then
		assert_match "^the peer closed first: it is in TIME_WAIT, not LAST_ACK" "$(json_field "$2" detail)" "$3 says why"
	else
		assert_eq "the server closed the connection first: run against a server that keeps it open" \
			"$(json_field "$2" detail)" "$3 says why"
	fi
}

# assert_no_match REGEX STRING WHAT
assert_no_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$1"; then
		printf '%s\n' "--- text searched:" "$2" "---"
		fail "$3: unexpected match for /$1/"
	fi
	echo "ok: $3"
}

# assert_exit EXPECTED CMD...: runs CMD, stdout in $OUT, stderr in $ERR,
# status in $STATUS; fails (showing both) unless the status is EXPECTED.
assert_exit() {
	local want=$1
	shift
	"$@" >"$TMPD/.out" 2>"$TMPD/.err"
	STATUS=$?
	OUT=$(cat "$TMPD/.out")
	ERR=$(cat "$TMPD/.err")
	if [ "$STATUS" != "$want" ]; then
		printf '%s\n' "--- command: $*" "--- stdout:" "$OUT" "--- stderr:" "$ERR" "---"
		fail "exit status of '$*': expected $want, got $STATUS"
	fi
}

# in_cli CMD...: CMD in the lab's client namespace (where tcpshake runs).
in_cli() {
	ip netns exec "$LAB_CLI_NS" "$@"
}

# json_field LINE KEY: the scalar value of KEY in one JSON object line: a
# string (unquoted, with \" \\ \/ \n \t undone), a number, true, false or
# null. Prints nothing and returns 1 if the key is absent. The first
# occurrence wins; keys are matched whole ("sent" never matches "unsent").
json_field() {
	printf '%s\n' "$1" | awk -v key="\"$2\":" '
	{
		i = index($0, key)
		if (i == 0)
			exit 1
		s = substr($0, i + length(key))
		sub(/^[ \t]+/, "", s)
		if (substr(s, 1, 1) == "\"") {
			out = ""
			for (j = 2; j <= length(s); j++) {
				c = substr(s, j, 1)
				if (c == "\\") {
					j++
					c = substr(s, j, 1)
					if (c == "n") c = "\n"
					else if (c == "t") c = "\t"
				} else if (c == "\"") {
					break
				}
				out = out c
			}
			print out
		} else {
			match(s, /^[^,}\] \t]*/)
			print substr(s, 1, RLENGTH)
		}
		found = 1
		exit 0
	}
	END { exit !found }'
}

# capture_start NS IFACE FILE FILTER: tcpdump in NS on IFACE into FILE
# (nanosecond stamps; --immediate-mode and -U so every packet is on
# disk when capture_stop returns); returns once it listens.
capture_start() {
	local ns=$1 ifc=$2 file=$3 filter=${4:-} i
	capture_stop >/dev/null 2>&1
	CAPTURE_FILE=$file
	# -Z root: do not drop to the tcpdump user, who may not write $TMPD.
	# shellcheck disable=SC2086
	ip netns exec "$ns" tcpdump -i "$ifc" -n -s 0 -w "$file" --time-stamp-precision=nano -U \
		--immediate-mode \
		-Z root $filter >/dev/null 2>"$TMPD/.tcpdump.err" &
	CAPTURE_PID=$!
	for ((i = 0; i < 100; i++)); do
		grep -q "listening on" "$TMPD/.tcpdump.err" 2>/dev/null && return 0
		if ! kill -0 "$CAPTURE_PID" 2>/dev/null; then
			cat "$TMPD/.tcpdump.err" >&2
			CAPTURE_PID=""
			fail "tcpdump did not start on $ifc in $ns"
		fi
		sleep 0.05
	done
	fail "tcpdump not ready on $ifc in $ns after 5 s"
}

# capture_stop: ends the capture started last (it flushes its file on INT).
capture_stop() {
	[ -n "$CAPTURE_PID" ] || return 0
	local i
	kill -INT "$CAPTURE_PID" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$CAPTURE_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$CAPTURE_PID" 2>/dev/null
	wait "$CAPTURE_PID" 2>/dev/null
	CAPTURE_PID=""
	return 0
}

# wire_rtts FILE: one line per SYN in the capture, in capture order:
# "SEQ RTT_MS", the time from the SYN to the first SYN-ACK of the same
# connection whose ack is SEQ+1, or "SEQ none" if there was none.
wire_rtts() {
	tcpdump -r "$1" -tt -n -S --time-stamp-precision=nano 2>/dev/null | awk '
	function field(name,    k) {
		for (k = 1; k < NF; k++)
			if ($k == name) {
				v = $(k + 1)
				sub(/,$/, "", v)
				return v
			}
		return ""
	}
	function stamp(t,    p, sec) {
		# Seconds and nanoseconds apart: a double holds 1.7e9 s only to
		# about 0.2 us.
		p = index(t, ".")
		sec = substr(t, 1, p - 1)
		if (base == "")
			base = sec
		return (sec - base) + ("0" substr(t, p))
	}
	($2 == "IP" || $2 == "IP6") && /Flags \[/ {
		src = $3; dst = $5; sub(/:$/, "", dst)
		fl = $0; sub(/.*Flags \[/, "", fl); sub(/\].*/, "", fl)
		if (fl ~ /^S[EW]*$/) {
			seq = field("seq")
			n++
			key[n] = src " " dst " " seq
			sq[n] = seq
			t0[n] = stamp($1)
			pend[key[n]] = pend[key[n]] " " n
		} else if (fl ~ /^S[EW]*\.$/) {
			ack = field("ack")
			if (ack == "")
				next
			# %.0f: mawk prints integers past 2^31 as 3.77163e+09 otherwise.
			k = dst " " src " " sprintf("%.0f", (ack + 4294967295) % 4294967296)
			if (!(k in pend) || pend[k] == "")
				next
			t = stamp($1)
			m = split(pend[k], ids, " ")
			for (j = 1; j <= m; j++)
				if (!(ids[j] in rtt))
					rtt[ids[j]] = (t - t0[ids[j]]) * 1000
			pend[k] = ""
		}
	}
	END {
		for (i = 1; i <= n; i++) {
			if (i in rtt)
				printf "%s %.6f\n", sq[i], rtt[i]
			else
				printf "%s none\n", sq[i]
		}
	}'
}
