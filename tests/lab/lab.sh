#!/bin/bash
# lab.sh: the tcpshake test lab, a few network namespaces joined by veth
# pairs, with a real Linux TCP server (lab_server) on one side and, in the
# bridge topology, the userspace impairment bridge (impair) in the middle.
# tc netem and NFQUEUE are not available on our machines, so delay, jitter,
# reordering and duplication come from impair; drops and rejects from nft.
#
# Sourced by the integration tests, scripts/demo and scripts/bench:
#
#   lab_up NAME [bridge]   namespaces NAME-c (client, veth c0) and NAME-s
#                          (server, veth s0); with "bridge" also NAME-m,
#                          where impair joins m0 (to c0) and m1 (to s0) at
#                          layer 2. Client 10.77.0.1/24 fd77::1/64, server
#                          10.77.0.2/24 fd77::2/64. Sets LAB_CLI_NS,
#                          LAB_SRV_NS, LAB_MID_NS, LAB_CLI4, LAB_SRV4,
#                          LAB_CLI6, LAB_SRV6, LAB_CLI_IF and registers
#                          lab_down NAME on EXIT INT TERM (chained in front
#                          of any trap already set; LAB_NO_TRAP=1 skips it).
#   lab_server NAME MODE PORT...   lab_server in NAME-s; returns once every
#                          port listens. May be called more than once.
#   lab_impair NAME [--delay MS] [--jitter MS] [--loss P] [--reorder P]
#                   [--dup P] [--seed N]   restart the bridge with these
#                          settings (each direction); none = plain forwarding
#   lab_nft_drop NAME PORT     drop incoming TCP to PORT in NAME-s
#   lab_nft_reject NAME PORT   reject it with ICMP(v6) admin-prohibited
#   lab_nft_loss NAME PCT      drop PCT% (integer) of incoming packets
#   lab_raw_peer NAME SCRIPT PORT   raw_peer (a scripted TCP server on a
#                          raw socket, IPv4: a correct baseline with one
#                          deliberate misbehaviour per SCRIPT; the list is in
#                          raw_peer.c's header and `raw_peer --help`)
#                          in NAME-s on PORT, with an nft table
#                          rawpeer_PORT that keeps the kernel's RSTs from
#                          PORT off the wire; returns once its socket is
#                          open. Again for the same PORT: replaces it.
#   lab_down NAME          stop what lab.sh started for NAME, delete the
#                          namespaces (with their veths and nft tables);
#                          idempotent
#
# Or as a command (scripts): lab.sh up NAME [bridge] | down NAME |
# server NAME MODE PORT... | impair NAME OPTS... | nft-drop | nft-reject |
# nft-loss | raw-peer NAME SCRIPT PORT. `up` prints the LAB_* variables as
# shell assignments.
#
# PIDs live in pid files under $LAB_RUN (default /run/tcpshake-lab)/NAME/,
# each with the process's start time, so a later `lab.sh down` in another
# process can stop them, and a recycled PID is never killed. Binaries come
# from $LAB_BIN (make check sets it to the build's tests/lab), else from the
# directory of this file.

LAB_SH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${LAB_BIN:=$LAB_SH_DIR}"
: "${LAB_RUN:=/run/tcpshake-lab}"

_lab_err() { echo "lab: $*" >&2; }

# Sets the LAB_* variables for NAME.
_lab_vars() {
	LAB_CLI_NS="$1-c"
	LAB_SRV_NS="$1-s"
	LAB_MID_NS="$1-m"
	LAB_CLI4=10.77.0.1
	LAB_SRV4=10.77.0.2
	LAB_CLI6=fd77::1
	LAB_SRV6=fd77::2
	LAB_CLI_IF=c0
	export LAB_CLI_NS LAB_SRV_NS LAB_MID_NS LAB_CLI4 LAB_SRV4 LAB_CLI6 LAB_SRV6 LAB_CLI_IF
}

_lab_check_name() {
	# Interface-free names, but namespace names end up in /run/netns and
	# in our run directory: keep them to a safe alphabet.
	case ${1:-} in
	'' | *[!A-Za-z0-9_.-]*)
		_lab_err "bad lab name '${1:-}'"
		return 1
		;;
	esac
}

# _lab_stat PID: sets state, start and ppid from /proc/PID/stat (its 3rd,
# 22nd and 4th fields; start time in clock ticks since boot), in the
# caller's locals of those names. Read without a fork: lab_down polls it.
_lab_stat() {
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) } # the command name may hold spaces and parentheses
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- $stat
	state=$1 start=${20} ppid=$2
	[ -n "$start" ]
}

_lab_starttime() {
	local state start ppid
	_lab_stat "$1" || return 1
	echo "$start"
}

# _lab_spawn NAME NS TAG CMD...: start CMD in namespace NS in the background,
# its stderr in the run directory, and record "PID STARTTIME" in TAG.pid.
_lab_spawn() {
	local name=$1 ns=$2 tag=$3 dir="$LAB_RUN/$1" pid st
	shift 3
	mkdir -p "$dir" || return 1
	# ip netns exec execs the command, so $! is the program's own PID.
	# Started from a subshell, so it is not the caller's child: a bare
	# `wait` in a test must not wait for the lab. stdout to /dev/null: a
	# caller's $(lab.sh up ...) must not wait for it either.
	(
		ip netns exec "$ns" "$@" </dev/null >/dev/null 2>"$dir/$tag.log" &
		echo "$!" >"$dir/$tag.pid"
	)
	read -r pid <"$dir/$tag.pid" || return 1
	LAB_LAST_PID=$pid
	if st=$(_lab_starttime "$pid"); then
		echo "$pid $st" >"$dir/$tag.pid"
	else
		rm -f "$dir/$tag.pid" # already gone (its log says why)
	fi
}

# _lab_alive PIDFILE: true if the process recorded there still runs. A
# zombie has stopped: it has exited and only waits for its parent (our
# servers are reparented to PID 1, which may reap late) to collect it; taking
# it for running cost lab_down 2 s a server. A zombie that is this shell's
# own child is reaped here.
_lab_alive() {
	local pid st state start ppid
	read -r pid st <"$1" 2>/dev/null || return 1
	_lab_stat "$pid" && [ "$start" = "$st" ] || return 1
	case $state in
	Z | X)
		[ "$ppid" != "$BASHPID" ] || wait "$pid" 2>/dev/null
		return 1
		;;
	esac
	return 0
}

# _lab_stop PIDFILE: TERM, wait up to 2 s, then KILL; removes the file.
# Only the recorded process is signalled, and only if it is still the same
# process (same start time).
_lab_stop() {
	local f=$1 pid st i
	[ -f "$f" ] || return 0
	read -r pid st <"$f" 2>/dev/null || { rm -f "$f"; return 0; }
	if _lab_alive "$f"; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 40; i++)); do
			_lab_alive "$f" || break
			sleep 0.05
		done
		if _lab_alive "$f"; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$f"
}

_lab_ns_exists() { [ -e "/run/netns/$1" ]; }

_lab_ethtool_off() { # NS IF
	ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1 ||
		ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 ||
		{ _lab_err "ethtool -K $2 in $1 failed (is ethtool installed?)"; return 1; }
}

# Keeps the caller's trap for SIG and puts "lab_down NAME" in front of it.
_lab_trap() { # NAME SIG
	local name=$1 sig=$2 old="" cur
	cur=$(trap -p "$sig")
	if [ -n "$cur" ]; then
		# trap -p prints: trap -- 'CMD' SIG; re-parse it as words.
		eval "set -- $cur"
		old=$3
	fi
	case $old in
	*"lab_down $name;"*) return 0 ;; # already registered
	esac
	if [ -z "$old" ] && [ "$sig" != EXIT ]; then
		# A signal with no trap of its own: clean up, then die as
		# the signal would have made us.
		case $sig in
		INT) old="exit 130" ;;
		TERM) old="exit 143" ;;
		esac
	fi
	# shellcheck disable=SC2064
	trap "lab_down $name; $old" "$sig"
}

# _lab_wait_ping NS FAMILY ADDR TRIES: true once ADDR answers, within about
# TRIES seconds. Short tries: the first IPv6 echo of a fresh link is often
# lost, and a 1 s wait for it was most of a lab's start.
_lab_wait_ping() { # NS FAMILY ADDR TRIES
	local i
	for ((i = 0; i < $4 * 4; i++)); do
		ip netns exec "$1" ping "$2" -n -q -c 1 -W 0.2 "$3" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

_lab_bridge_ready() { # PID: both packet sockets of impair bound and running
	local pid=$1 inodes
	inodes=$(for l in "/proc/$pid/fd/"*; do readlink "$l"; done 2>/dev/null |
		sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
	[ -n "$inodes" ] || return 1
	awk -v ino=" $inodes" 'NR > 1 && index(ino, " " $9 " ") && $5 != 0 && $6 == 1 { n++ }
		END { exit !(n >= 2) }' "/proc/$pid/net/packet" 2>/dev/null
}

# _lab_claim NAME TOPOLOGY: refuses a lab NAME that exists; else registers
# lab_down NAME on EXIT INT TERM (unless LAB_NO_TRAP=1) and makes its run
# directory. Every lab_*up calls it before it builds anything.
_lab_claim() {
	local name=$1 ns
	for ns in "$name-c" "$name-s" "$name-m"; do
		if _lab_ns_exists "$ns"; then
			_lab_err "lab $name already exists (lab_down $name first)"
			return 1
		fi
	done
	if [ "${LAB_NO_TRAP:-0}" != 1 ]; then
		_lab_trap "$name" EXIT
		_lab_trap "$name" INT
		_lab_trap "$name" TERM
	fi
	mkdir -p "$LAB_RUN/$name" || return 1
	echo "$2" >"$LAB_RUN/$name/topology"
}

lab_up() {
	local name=${1:-} mode=${2:-direct} ns
	_lab_check_name "$name" || return 1
	case $mode in
	direct | bridge) ;;
	*) _lab_err "lab_up: unknown topology '$mode' (direct or bridge)"; return 1 ;;
	esac
	_lab_vars "$name"
	_lab_claim "$name" "$mode" || return 1

	if ! _lab_build "$name" "$mode"; then
		_lab_err "lab_up $name failed; tearing it down"
		lab_down "$name"
		return 1
	fi
}

_lab_build() { # NAME MODE
	local name=$1 mode=$2 ns
	for ns in "$LAB_CLI_NS" "$LAB_SRV_NS"; do
		ip netns add "$ns" || return 1
		# No DAD on the link-local addresses either, so nothing is
		# tentative; no router solicitations to clutter captures.
		ip netns exec "$ns" sysctl -q -w net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.router_solicitations=0 \
			>/dev/null || return 1
		ip -n "$ns" link set lo up || return 1
	done
	if [ "$mode" = bridge ]; then
		ip netns add "$LAB_MID_NS" || return 1
		# The middle has no addresses and must not speak: no IPv6 at all.
		ip netns exec "$LAB_MID_NS" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null || return 1
		ip -n "$LAB_MID_NS" link set lo up || return 1
		# Created inside the namespaces: parallel labs never clash on
		# interface names in the root namespace.
		ip -n "$LAB_CLI_NS" link add c0 type veth peer name m0 netns "$LAB_MID_NS" || return 1
		ip -n "$LAB_MID_NS" link add m1 type veth peer name s0 netns "$LAB_SRV_NS" || return 1
		for ns in m0 m1; do
			_lab_ethtool_off "$LAB_MID_NS" "$ns" || return 1
			ip -n "$LAB_MID_NS" link set "$ns" promisc on up || return 1
		done
	else
		ip -n "$LAB_CLI_NS" link add c0 type veth peer name s0 netns "$LAB_SRV_NS" || return 1
	fi
	_lab_ethtool_off "$LAB_CLI_NS" c0 || return 1
	_lab_ethtool_off "$LAB_SRV_NS" s0 || return 1
	ip -n "$LAB_CLI_NS" addr add "$LAB_CLI4/24" dev c0 || return 1
	ip -n "$LAB_CLI_NS" addr add "$LAB_CLI6/64" dev c0 nodad || return 1
	ip -n "$LAB_SRV_NS" addr add "$LAB_SRV4/24" dev s0 || return 1
	ip -n "$LAB_SRV_NS" addr add "$LAB_SRV6/64" dev s0 nodad || return 1
	ip -n "$LAB_CLI_NS" link set c0 up || return 1
	ip -n "$LAB_SRV_NS" link set s0 up || return 1
	if [ "$mode" = bridge ]; then
		lab_impair "$name" || return 1
	fi
	# Both families answer end to end (through the bridge, if any).
	_lab_wait_ping "$LAB_CLI_NS" -4 "$LAB_SRV4" 50 ||
		{ _lab_err "lab $name: no IPv4 path from client to server"; return 1; }
	_lab_wait_ping "$LAB_CLI_NS" -6 "$LAB_SRV6" 50 ||
		{ _lab_err "lab $name: no IPv6 path from client to server"; return 1; }
}

lab_server() {
	local name=${1:-} mode=${2:-} dir f p i n ok
	_lab_check_name "$name" || return 1
	shift 2 || { _lab_err "usage: lab_server NAME MODE PORT..."; return 1; }
	[ $# -gt 0 ] || { _lab_err "usage: lab_server NAME MODE PORT..."; return 1; }
	_lab_vars "$name"
	_lab_ns_exists "$LAB_SRV_NS" || { _lab_err "no lab $name"; return 1; }
	dir="$LAB_RUN/$name"
	n=0
	while [ -e "$dir/server$n.pid" ]; do n=$((n + 1)); done
	_lab_spawn "$name" "$LAB_SRV_NS" "server$n" "$LAB_BIN/lab_server" --mode "$mode" "$@" || return 1
	f="$dir/server$n.pid"
	for ((i = 0; i < 100; i++)); do
		ok=1
		for p in "$@"; do
			[ -n "$(ip netns exec "$LAB_SRV_NS" ss -Hltn "sport = :$p" 2>/dev/null)" ] || { ok=0; break; }
		done
		[ "$ok" = 1 ] && return 0
		if ! _lab_alive "$f"; then
			_lab_err "lab_server $mode $* exited: $(cat "$dir/server$n.log" 2>/dev/null)"
			rm -f "$f"
			return 1
		fi
		sleep 0.05
	done
	_lab_err "lab_server $mode $*: ports not listening after 5 s"
	return 1
}

lab_impair() {
	local name=${1:-} dir f i
	_lab_check_name "$name" || return 1
	shift
	_lab_vars "$name"
	_lab_ns_exists "$LAB_MID_NS" || { _lab_err "lab $name has no bridge (lab_up $name bridge)"; return 1; }
	dir="$LAB_RUN/$name"
	f="$dir/impair.pid"
	if [ -f "$f" ]; then
		_lab_stop "$f"
		# Its counters, for whoever wants to know what the last run did.
		if [ -s "$dir/impair.log" ]; then
			cp "$dir/impair.log" "$dir/impair.last"
		fi
	fi
	_lab_spawn "$name" "$LAB_MID_NS" impair "$LAB_BIN/impair" m0 m1 "$@" || return 1
	for ((i = 0; i < 100; i++)); do
		_lab_bridge_ready "$LAB_LAST_PID" && return 0
		if ! _lab_alive "$f"; then
			_lab_err "impair $* exited: $(cat "$dir/impair.log" 2>/dev/null)"
			rm -f "$f"
			return 1
		fi
		sleep 0.02
	done
	_lab_err "impair did not bind m0 and m1 within 2 s"
	return 1
}

# The counter line of the bridge that lab_impair last replaced (empty if none).
lab_impair_last() {
	cat "$LAB_RUN/${1:-}/impair.last" 2>/dev/null || true
}

# One nft table "lab" (inet: both families) with an input chain, created on
# first use; each call appends rules.
_lab_nft() { # NAME RULE...
	local name=$1
	shift
	_lab_vars "$name"
	_lab_ns_exists "$LAB_SRV_NS" || { _lab_err "no lab $name"; return 1; }
	ip netns exec "$LAB_SRV_NS" nft -f - <<-EOF
		table inet lab {
			chain input {
				type filter hook input priority 0; policy accept;
			}
		}
		$(for r in "$@"; do echo "add rule inet lab input $r"; done)
	EOF
}

_lab_port() {
	case ${1:-} in
	'' | *[!0-9]*) _lab_err "bad port '${1:-}'"; return 1 ;;
	esac
	if [ "$1" -lt 1 ] || [ "$1" -gt 65535 ]; then
		_lab_err "bad port '$1'"
		return 1
	fi
}

lab_nft_drop() {
	_lab_port "${2:-}" || return 1
	_lab_nft "$1" "tcp dport $2 drop"
}

lab_nft_reject() {
	_lab_port "${2:-}" || return 1
	_lab_nft "$1" \
		"meta nfproto ipv4 tcp dport $2 reject with icmp type admin-prohibited" \
		"meta nfproto ipv6 tcp dport $2 reject with icmpv6 type admin-prohibited"
}

lab_nft_loss() {
	local pct=${2:-}
	case $pct in
	'' | *[!0-9]*) _lab_err "lab_nft_loss: PCT must be an integer 0..100"; return 1 ;;
	esac
	[ "$pct" -le 100 ] || { _lab_err "lab_nft_loss: PCT must be an integer 0..100"; return 1; }
	# Neighbour discovery is spared: losing it would stall IPv6 for seconds
	# and measure the kernel's ND retries rather than random loss.
	_lab_nft "$1" \
		"icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept" \
		"numgen random mod 100 < $pct drop"
}

# PID: the process has a raw socket open (it is in /proc/PID/net/raw, which
# lists the sockets of the process's own namespace).
_lab_raw_ready() {
	local pid=$1 inodes
	inodes=$(for l in "/proc/$pid/fd/"*; do readlink "$l"; done 2>/dev/null |
		sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
	[ -n "$inodes" ] || return 1
	awk -v ino=" $inodes" 'NR > 1 && index(ino, " " $10 " ") { n++ } END { exit !n }' \
		"/proc/$pid/net/raw" 2>/dev/null
}

lab_raw_peer() {
	local name=${1:-} script=${2:-} port=${3:-} dir f i
	_lab_check_name "$name" || return 1
	[ -n "$script" ] || { _lab_err "usage: lab_raw_peer NAME SCRIPT PORT"; return 1; }
	_lab_port "$port" || return 1
	_lab_vars "$name"
	_lab_ns_exists "$LAB_SRV_NS" || { _lab_err "no lab $name"; return 1; }
	dir="$LAB_RUN/$name"
	f="$dir/rawpeer_$port.pid"
	# One peer per port: a new script replaces the old one.
	[ ! -f "$f" ] || _lab_stop "$f"
	# No socket listens on PORT, so the namespace's TCP answers every
	# segment to it with RST, which would end raw_peer's connection at
	# the client. Drop those; raw_peer's own RSTs carry its SO_MARK
	# 0x72617770 ("rawp") and pass. Add then delete first, so a second
	# call starts from an empty table instead of appending a rule.
	ip netns exec "$LAB_SRV_NS" nft -f - <<-EOF || { _lab_err "lab_raw_peer: nft failed"; return 1; }
		add table inet rawpeer_$port
		delete table inet rawpeer_$port
		table inet rawpeer_$port {
			chain output {
				type filter hook output priority 0; policy accept;
				tcp sport $port tcp flags & rst == rst meta mark != 0x72617770 drop
			}
		}
	EOF
	# --verbose: its log (one line per segment) explains a failed test.
	_lab_spawn "$name" "$LAB_SRV_NS" "rawpeer_$port" "$LAB_BIN/raw_peer" --verbose \
		--port "$port" --script "$script" || return 1
	for ((i = 0; i < 100; i++)); do
		# Ready once its raw socket exists: segments queue on it from
		# then on, and its mark and IP_HDRINCL, set right after, are in
		# place long before it first sends.
		_lab_raw_ready "$LAB_LAST_PID" && return 0
		if ! _lab_alive "$f"; then
			_lab_err "raw_peer $script $port exited: $(cat "$dir/rawpeer_$port.log" 2>/dev/null)"
			rm -f "$f"
			return 1
		fi
		sleep 0.02
	done
	_lab_err "raw_peer $script $port: no raw socket after 2 s"
	return 1
}

lab_down() {
	local name=${1:-} dir f ns pids
	_lab_check_name "$name" || return 1
	# A caller may stop its own helpers (captures) before the namespaces go.
	if declare -F lab_before_down >/dev/null; then
		lab_before_down "$name" || true
	fi
	dir="$LAB_RUN/$name"
	if [ -d "$dir" ]; then
		for f in "$dir"/*.pid; do
			[ -e "$f" ] && _lab_stop "$f"
		done
	fi
	for ns in "$name-c" "$name-s" "$name-m"; do
		_lab_ns_exists "$ns" || continue
		pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
		[ -z "$pids" ] || _lab_err "lab_down $name: processes still in $ns (not ours): $pids"
		ip netns delete "$ns" 2>/dev/null || _lab_err "lab_down: cannot delete $ns"
	done
	rm -rf "$dir"
	return 0
}

# As a command.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	cmd=${1:-}
	shift || true
	LAB_NO_TRAP=1 # the lab outlives this process; `down` ends it
	case $cmd in
	up)
		lab_up "$@" || exit 1
		for v in LAB_CLI_NS LAB_SRV_NS LAB_MID_NS LAB_CLI4 LAB_SRV4 LAB_CLI6 LAB_SRV6 LAB_CLI_IF; do
			echo "$v=${!v}"
		done
		;;
	down | server | impair | impair-last | nft-drop | nft-reject | nft-loss | raw-peer)
		"lab_${cmd//-/_}" "$@" || exit 1
		;;
	*)
		echo "usage: lab.sh up NAME [bridge] | down NAME | server NAME MODE PORT... |" >&2
		echo "       impair NAME [OPTS] | impair-last NAME | nft-drop NAME PORT |" >&2
		echo "       nft-reject NAME PORT | nft-loss NAME PCT | raw-peer NAME SCRIPT PORT" >&2
		exit 2
		;;
	esac
fi
