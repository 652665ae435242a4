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
#   lab_servers NAME MODE:PORT[,PORT...]...   several at once (faster)
#   lab_demo_servers NAME  the servers and nft rules of scripts/demo's lab,
#                          whose port map the README shows
#   lab_impair NAME [--delay MS] [--jitter MS] [--loss P] [--reorder P]
#                   [--dup P] [--seed N]   restart the bridge with these
#                          settings (each direction); none = plain forwarding
#   lab_nft_drop NAME PORT     drop incoming TCP to PORT in NAME-s
#   lab_nft_reject NAME PORT   reject it with ICMP(v6) admin-prohibited
#   lab_nft_loss NAME PCT [both]   drop PCT% (integer) of incoming packets
#                          (with both: and, drawn apart, of outgoing ones)
#   lab_prefix NAME PREFIX4 [PREFIX6]   NAME-s answers for every address of
#                          the prefixes (a local route on lo), and NAME-c
#                          routes them to it: sweeps of many hosts
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
# server NAME MODE PORT... | servers NAME SPEC... | demo-servers NAME |
# impair NAME OPTS... | nft-drop | nft-reject | nft-loss | prefix |
# raw-peer NAME SCRIPT PORT. `up` prints the LAB_* variables as shell
# assignments.
#
# A lab starts in well under a second on an idle machine: addresses without
# DAD, one ip (or sh) per namespace rather than one per step, every server
# started before any is waited for, and readiness polled where it shows
# (/proc's socket tables, an answered ping), never slept for.
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

# _lab_spawn NAME NS TAG CMD...: start CMD in namespace NS in the background,
# its stderr in the run directory, and record "PID STARTTIME" in TAG.pid.
_lab_spawn() {
	local name=$1 ns=$2 tag=$3 dir="$LAB_RUN/$1" pid state start ppid
	shift 3
	[ -d "$dir" ] || mkdir -p "$dir" || return 1
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
	if _lab_stat "$pid"; then
		echo "$pid $start" >"$dir/$tag.pid"
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

# _lab_stop PIDFILE...: TERM every recorded process that still runs, wait
# up to 2 s for all of them, then KILL what is left; removes the files. Only
# the recorded process is signalled, and only if it is still the same
# process (same start time). All are signalled before any is waited for:
# one after the other, each cost a poll interval of its own.
_lab_stop() {
	local f pid st i
	local -a left=()
	for f; do
		_lab_alive "$f" || continue
		read -r pid st <"$f" && kill -TERM "$pid" 2>/dev/null
		left+=("$f")
	done
	for ((i = 0; i < 100 && ${#left[@]} > 0; i++)); do
		sleep 0.02
		local -a still=()
		for f in "${left[@]}"; do
			_lab_alive "$f" && still+=("$f")
		done
		left=("${still[@]}")
	done
	for f in "${left[@]}"; do
		read -r pid st <"$f" && _lab_alive "$f" && kill -KILL "$pid" 2>/dev/null
	done
	rm -f "$@"
	return 0
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

# _lab_sockets PID: " socket:[INODE] ..." for every socket PID has open,
# to be matched against the inode column of a /proc/PID/net table. One find
# where a readlink per descriptor (and sed, tr, awk) cost a lab's start
# tens of milliseconds per poll.
_lab_sockets() {
	echo " $(find "/proc/$1/fd" -lname 'socket:*' -printf '%l ' 2>/dev/null)"
}

# _lab_bridge_ready PID: both of impair's packet sockets are bound and
# running (/proc/PID/net/packet: sk RefCnt Type Proto Iface R Rmem User
# Inode).
_lab_bridge_ready() {
	local socks a n=0
	socks=$(_lab_sockets "$1")
	{
		read -r _
		while read -r -a a; do
			[ "${a[4]}" != 0 ] && [ "${a[5]}" = 1 ] &&
				[[ $socks == *" socket:[${a[8]}] "* ]] && n=$((n + 1))
		done
	} <"/proc/$1/net/packet" 2>/dev/null
	[ "$n" -ge 2 ]
}

# _lab_listening PID PORT...: every PORT has a listening TCP socket in PID's
# namespace (its /proc/PID/net/tcp and tcp6: state 0A, the local port in
# hex). Read by the shell itself: an ss per port per poll was most of a
# server's start.
_lab_listening() {
	local pid=$1 have=" " a f p
	shift
	for f in tcp tcp6; do
		{
			read -r _
			while read -r -a a; do
				[ "${a[3]}" = 0A ] && have+="$((16#${a[1]##*:})) "
			done
		} <"/proc/$pid/net/$f" 2>/dev/null
	done
	for p; do
		[[ $have == *" $p "* ]] || return 1
	done
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
	local name=$1 mode=$2 nss="$LAB_CLI_NS $LAB_SRV_NS" ns pids="" pid rc=0
	# One ip for every namespace and veth pair. Each end is made in its
	# namespace directly: no interface name ever lives in the root
	# namespace, so parallel labs never clash. All stay down until their
	# namespace is set up below.
	[ "$mode" = bridge ] && nss="$nss $LAB_MID_NS"
	{
		for ns in $nss; do echo "netns add $ns"; done
		if [ "$mode" = bridge ]; then
			echo "link add c0 netns $LAB_CLI_NS type veth peer name m0 netns $LAB_MID_NS"
			echo "link add m1 netns $LAB_MID_NS type veth peer name s0 netns $LAB_SRV_NS"
		else
			echo "link add c0 netns $LAB_CLI_NS type veth peer name s0 netns $LAB_SRV_NS"
		fi
	} | ip -batch - || return 1
	# Then each namespace at once, in parallel.
	_lab_end_setup "$LAB_CLI_NS" c0 "$LAB_CLI4" "$LAB_CLI6" &
	pids="$pids $!"
	_lab_end_setup "$LAB_SRV_NS" s0 "$LAB_SRV4" "$LAB_SRV6" &
	pids="$pids $!"
	if [ "$mode" = bridge ]; then
		_lab_mid_setup "$LAB_MID_NS" &
		pids="$pids $!"
	fi
	for pid in $pids; do
		wait "$pid" || rc=1
	done
	[ "$rc" = 0 ] || return 1
	if [ "$mode" = bridge ]; then
		lab_impair "$name" || return 1
	fi
	# Ready when both families answer end to end (through the bridge, if
	# any): this is what a probe needs, the neighbour entries included,
	# and no fixed sleep could know it.
	_lab_wait_ping "$LAB_CLI_NS" -4 "$LAB_SRV4" 50 ||
		{ _lab_err "lab $name: no IPv4 path from client to server"; return 1; }
	_lab_wait_ping "$LAB_CLI_NS" -6 "$LAB_SRV6" 50 ||
		{ _lab_err "lab $name: no IPv6 path from client to server"; return 1; }
}

# _lab_ns_sh NS SCRIPT: runs the sh SCRIPT in namespace NS. A namespace's
# whole set-up is one ip and one sh (sysctls written by sh's own echo, the
# addresses and links in one ip -batch): one ip, sysctl or ethtool per step,
# some 20 ms each, was most of a lab's start.
_lab_ns_sh() {
	ip netns exec "$1" sh -ec "$2"
}

# The sh lines that turn offloads off on IF in the current namespace (the
# lab's segments must stay what was sent; some veths refuse rx off).
_lab_ethtool_sh() { # IF
	printf '%s\n' "ethtool -K $1 tx off rx off tso off gso off gro off >/dev/null 2>&1 ||" \
		"ethtool -K $1 tx off tso off gso off gro off >/dev/null 2>&1 ||" \
		"{ echo 'lab: ethtool -K $1 failed (is ethtool installed?)' >&2; exit 1; }"
}

# A client or server end: NS's veth IF gets ADDR4/24 and ADDR6/64 and comes
# up. No DAD (nodad on ADDR6, accept_dad 0 for the link-local address), so
# no address is ever tentative and the lab is usable as soon as a ping
# answers; no router solicitations to clutter captures.
_lab_end_setup() { # NS IF ADDR4 ADDR6
	local c=/proc/sys/net/ipv6/conf
	_lab_ns_sh "$1" "
		for d in all default $2; do
			echo 0 >$c/\$d/accept_dad
			echo 0 >$c/\$d/router_solicitations
		done
		$(_lab_ethtool_sh "$2")
		ip -batch - <<-EOF
			link set lo up
			addr add $3/24 dev $2
			addr add $4/64 dev $2 nodad
			link set $2 up
		EOF
	" || { _lab_err "cannot set up $2 in $1"; return 1; }
}

# The middle of a bridged lab: m0 and m1 promiscuous and up, for impair's
# packet sockets. It has no addresses and must not speak: no IPv6 at all
# (all.disable_ipv6 reaches m0 and m1 too).
_lab_mid_setup() { # NS
	local c=/proc/sys/net/ipv6/conf
	_lab_ns_sh "$1" "
		echo 1 >$c/all/disable_ipv6
		echo 1 >$c/default/disable_ipv6
		$(_lab_ethtool_sh m0)
		$(_lab_ethtool_sh m1)
		ip -batch - <<-EOF
			link set lo up
			link set m0 promisc on up
			link set m1 promisc on up
		EOF
	" || { _lab_err "cannot set up m0 and m1 in $1"; return 1; }
}

lab_server() {
	local name=${1:-} mode=${2:-}
	shift 2 || { _lab_err "usage: lab_server NAME MODE PORT..."; return 1; }
	[ $# -gt 0 ] || { _lab_err "usage: lab_server NAME MODE PORT..."; return 1; }
	lab_servers "$name" "$mode:$(IFS=,; echo "$*")"
}

# lab_servers NAME MODE:PORT[,PORT...]...: one lab_server per argument, all
# started before any is waited for (one after the other, each start cost a
# poll interval of its own); returns once every port listens.
lab_servers() {
	local name=${1:-} dir spec mode ports n=0 i k pid f all
	local -a pids=() files=() want=() what=()
	_lab_check_name "$name" || return 1
	shift
	[ $# -gt 0 ] || { _lab_err "usage: lab_servers NAME MODE:PORT[,PORT...]..."; return 1; }
	_lab_vars "$name"
	_lab_ns_exists "$LAB_SRV_NS" || { _lab_err "no lab $name"; return 1; }
	dir="$LAB_RUN/$name"
	for spec; do
		mode=${spec%%:*} ports=${spec#*:}
		if [ "$mode" = "$spec" ] || [ -z "$mode" ] || [ -z "$ports" ]; then
			_lab_err "lab_servers: '$spec' is not MODE:PORT[,PORT...]"
			return 1
		fi
		while [ -e "$dir/server$n.pid" ]; do n=$((n + 1)); done
		# shellcheck disable=SC2086 # the ports as words on purpose
		_lab_spawn "$name" "$LAB_SRV_NS" "server$n" "$LAB_BIN/lab_server" --mode "$mode" ${ports//,/ } ||
			return 1
		pids+=("$LAB_LAST_PID") files+=("$dir/server$n.pid") want+=("${ports//,/ }") what+=("$mode $ports")
		n=$((n + 1))
	done
	for ((i = 0; i < 250; i++)); do
		all=1
		for k in "${!pids[@]}"; do
			pid=${pids[$k]} f=${files[$k]}
			[ -n "$pid" ] || continue
			# shellcheck disable=SC2086
			if _lab_listening "$pid" ${want[$k]}; then
				pids[k]=""
				continue
			fi
			if ! _lab_alive "$f"; then
				_lab_err "lab_server ${what[$k]} exited: $(cat "${f%.pid}.log" 2>/dev/null)"
				rm -f "$f"
				return 1
			fi
			all=0
		done
		[ "$all" = 1 ] && return 0
		sleep 0.02
	done
	_lab_err "lab_servers $*: ports not listening after 5 s"
	return 1
}

# The demo lab's servers, for scripts/demo and the README's examples
# (tests/integration/readme_examples.sh): one place, so the port map the
# README shows cannot drift from what runs. Open 80 443 8080 (close: read
# until EOF, then close), echo 7, closes first 8081, never closes 8082,
# talks after our FIN 8083; 82 dropped, 83 rejected with ICMP
# admin-prohibited; every other port closed (81 is the one the examples use).
lab_demo_servers() { # NAME
	local nft rc=0
	local -a rules=()
	_lab_check_name "${1:-}" || return 1
	_lab_drop_rules 82
	_lab_reject_rules 83
	# nft loads slowly: it runs while the servers start.
	_lab_nft "$1" "${rules[@]}" &
	nft=$!
	lab_servers "$1" close:80,443,8080 echo:7 close-first:8081 hold:8082 talk:8083 || rc=1
	wait "$nft" || rc=1
	return "$rc"
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

# The rules of a drop or a reject of PORT, appended to the caller's array
# "rules" (given to _lab_nft), so a caller may install several in one nft.
_lab_drop_rules() { # PORT
	rules+=("tcp dport $1 drop")
}

_lab_reject_rules() { # PORT
	rules+=("meta nfproto ipv4 tcp dport $1 reject with icmp type admin-prohibited"
		"meta nfproto ipv6 tcp dport $1 reject with icmpv6 type admin-prohibited")
}

lab_nft_drop() {
	local -a rules=()
	_lab_port "${2:-}" || return 1
	_lab_drop_rules "$2"
	_lab_nft "$1" "${rules[@]}"
}

lab_nft_reject() {
	local -a rules=()
	_lab_port "${2:-}" || return 1
	_lab_reject_rules "$2"
	_lab_nft "$1" "${rules[@]}"
}

lab_nft_loss() {
	local pct=${2:-} both=${3:-}
	case $pct in
	'' | *[!0-9]*) _lab_err "lab_nft_loss: PCT must be an integer 0..100"; return 1 ;;
	esac
	[ "$pct" -le 100 ] || { _lab_err "lab_nft_loss: PCT must be an integer 0..100"; return 1; }
	# Neighbour discovery is spared: losing it would stall IPv6 for seconds
	# and measure the kernel's ND retries rather than random loss.
	_lab_nft "$1" \
		"icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept" \
		"numgen random mod 100 < $pct drop" || return 1
	[ "$both" = both ] || return 0
	# And the server's answers, drawn apart from the input's.
	ip netns exec "$LAB_SRV_NS" nft -f - <<-EOF
		table inet lab {
			chain output {
				type filter hook output priority 0; policy accept;
				icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept
				numgen random mod 100 < $pct drop
			}
		}
	EOF
}

# The server namespace answers for a whole prefix (AnyIP: a local route on
# lo), and the client routes the prefix to it: a /16 sweep meets a real
# kernel at every address.
lab_prefix() { # NAME PREFIX4 [PREFIX6]
	_lab_vars "$1"
	_lab_ns_exists "$LAB_SRV_NS" || { _lab_err "no lab $1"; return 1; }
	ip netns exec "$LAB_SRV_NS" ip route add local "$2" dev lo || return 1
	ip netns exec "$LAB_CLI_NS" ip route add "$2" via "$LAB_SRV4" || return 1
	[ -n "${3:-}" ] || return 0
	ip netns exec "$LAB_SRV_NS" ip -6 route add local "$3" dev lo || return 1
	ip netns exec "$LAB_CLI_NS" ip -6 route add "$3" via "$LAB_SRV6"
}

# PID: the process has a raw socket open (it is in /proc/PID/net/raw, which
# lists the sockets of the process's own namespace; its 10th column is the
# inode).
_lab_raw_ready() {
	local socks a
	socks=$(_lab_sockets "$1")
	{
		read -r _
		while read -r -a a; do
			[[ $socks == *" socket:[${a[9]}] "* ]] && return 0
		done
	} <"/proc/$1/net/raw" 2>/dev/null
	return 1
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
	local -a files=() nss=()
	_lab_check_name "$name" || return 1
	# A caller may stop its own helpers (captures) before the namespaces go.
	if declare -F lab_before_down >/dev/null; then
		lab_before_down "$name" || true
	fi
	dir="$LAB_RUN/$name"
	if [ -d "$dir" ]; then
		for f in "$dir"/*.pid; do
			[ -e "$f" ] && files+=("$f")
		done
		[ ${#files[@]} = 0 ] || _lab_stop "${files[@]}"
	fi
	for ns in "$name-c" "$name-s" "$name-m"; do
		_lab_ns_exists "$ns" && nss+=("$ns")
	done
	if [ ${#nss[@]} -gt 0 ]; then
		# One ip each to look for strays and to delete, not one per
		# namespace.
		pids=$(printf 'netns pids %s\n' "${nss[@]}" | ip -force -batch - 2>/dev/null | tr '\n' ' ')
		[ -z "$pids" ] || _lab_err "lab_down $name: processes still in its namespaces (not ours): $pids"
		printf 'netns delete %s\n' "${nss[@]}" | ip -force -batch - 2>/dev/null ||
			_lab_err "lab_down: cannot delete ${nss[*]}"
	fi
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
	down | server | servers | demo-servers | impair | impair-last | nft-drop | nft-reject | nft-loss | prefix | raw-peer)
		"lab_${cmd//-/_}" "$@" || exit 1
		;;
	*)
		echo "usage: lab.sh up NAME [bridge] | down NAME | server NAME MODE PORT... |" >&2
		echo "       servers NAME MODE:PORT[,PORT...]... | demo-servers NAME |" >&2
		echo "       impair NAME [OPTS] | impair-last NAME | nft-drop NAME PORT |" >&2
		echo "       nft-reject NAME PORT | nft-loss NAME PCT [both] | prefix NAME P4 [P6] |" >&2
		echo "       raw-peer NAME SCRIPT PORT" >&2
		exit 2
		;;
	esac
fi
