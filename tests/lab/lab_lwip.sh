#!/bin/bash
# lab_lwip.sh: a lab whose server is lwIP (tests/lab/lwip_peer on Debian's
# liblwip), a TCP stack that is not Linux's. Sourced after lab.sh (the
# integration tests' common.sh sources that), whose pid files, traps and
# lab_down it reuses:
#
#   lab_lwip_up NAME       namespaces NAME-c (client, veth c0, 10.78.0.1/24)
#                          and NAME-s, where a bridge br0 takes the other end
#                          of the veth (s0). NAME-s has no address of its own
#                          and no IPv6: the only hosts on the link besides
#                          the client are lwIP instances behind tap devices
#                          on the bridge, so the namespace's kernel never
#                          answers for their addresses. Every link has MTU
#                          576 (Debian's liblwip has been seen to overflow
#                          a pbuf on frames above about 590 bytes). Sets
#                          LAB_CLI_NS, LAB_SRV_NS, LAB_CLI4, LAB_SRV4 (the
#                          first lwIP's address, 10.78.0.2), LAB_CLI_IF,
#                          LAB_MTU and registers lab_down NAME on EXIT INT
#                          TERM, as lab_up does (LAB_NO_TRAP=1 skips it).
#   lab_lwip_peer NAME [--mtu N] PORT MODE [PORT MODE]...   one more lwIP:
#                          a tap lwK on the bridge (K = 0, 1, ...) and
#                          lwip_peer on it at 10.78.0.(K+2), with these
#                          listeners (modes: echo, close-first, hold, talk;
#                          see lwip_peer.c). --mtu sets the MTU lwIP believes
#                          its link has (default LAB_MTU): a larger one makes
#                          it announce an MSS the path cannot carry, which
#                          the client must size its segments against. Its
#                          PID goes in the lab's run directory, so lab_down
#                          stops exactly that process. Sets LAB_LWIP_ADDR to
#                          its address; returns once lwIP answers a ping.
#   lab_lwip_log NAME [K]  the --verbose log of instance K (default 0)
#
# lab_down NAME (lab.sh) stops every lwip_peer and deletes both namespaces,
# with the veth, the bridge and the taps in them.

if ! declare -F lab_down >/dev/null; then
	# shellcheck source=lab.sh
	. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lab.sh"
fi

LAB_LWIP_MTU=576

_lab_lwip_vars() {
	_lab_vars "$1"
	LAB_CLI4=10.78.0.1
	LAB_SRV4=10.78.0.2
	LAB_CLI_IF=c0
	LAB_MTU=$LAB_LWIP_MTU
	unset LAB_CLI6 LAB_SRV6
	export LAB_CLI4 LAB_SRV4 LAB_CLI_IF LAB_MTU
}

lab_lwip_up() {
	local name=${1:-}
	_lab_check_name "$name" || return 1
	_lab_lwip_vars "$name"
	_lab_claim "$name" lwip || return 1
	if ! _lab_lwip_build; then
		_lab_err "lab_lwip_up $name failed; tearing it down"
		lab_down "$name"
		return 1
	fi
}

_lab_lwip_build() {
	local ns ifc
	for ns in "$LAB_CLI_NS" "$LAB_SRV_NS"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up || return 1
	done
	# IPv4 only: lwIP gets no IPv6 address here, and the server side's
	# kernel must not speak at all (no link-local, no MLD on the bridge).
	ip netns exec "$LAB_CLI_NS" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null || return 1
	ip netns exec "$LAB_SRV_NS" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null || return 1
	ip -n "$LAB_CLI_NS" link add c0 type veth peer name s0 netns "$LAB_SRV_NS" || return 1
	ip -n "$LAB_SRV_NS" link add br0 type bridge || return 1
	_lab_ethtool_off "$LAB_CLI_NS" c0 || return 1
	_lab_ethtool_off "$LAB_SRV_NS" s0 || return 1
	ip -n "$LAB_CLI_NS" link set c0 mtu "$LAB_MTU" || return 1
	for ifc in s0 br0; do
		ip -n "$LAB_SRV_NS" link set "$ifc" mtu "$LAB_MTU" || return 1
	done
	ip -n "$LAB_SRV_NS" link set s0 master br0 || return 1
	ip -n "$LAB_CLI_NS" addr add "$LAB_CLI4/24" dev c0 || return 1
	ip -n "$LAB_CLI_NS" link set c0 up || return 1
	for ifc in s0 br0; do
		ip -n "$LAB_SRV_NS" link set "$ifc" up || return 1
	done
}

lab_lwip_peer() {
	local name=${1:-} mtu dir f a k tap
	_lab_check_name "$name" || return 1
	shift || true
	_lab_lwip_vars "$name"
	mtu=$LAB_MTU
	if [ "${1:-}" = --mtu ]; then
		mtu=${2:-}
		shift 2 || true
	fi
	if [ $# -lt 2 ] || [ $(($# % 2)) != 0 ]; then
		_lab_err "usage: lab_lwip_peer NAME [--mtu N] PORT MODE [PORT MODE]..."
		return 1
	fi
	for a in $(printf '%s\n' "$@" | sed -n 'p;n'); do
		_lab_port "$a" || return 1
	done
	_lab_ns_exists "$LAB_SRV_NS" || { _lab_err "no lab $name"; return 1; }
	dir="$LAB_RUN/$name"
	k=0
	while [ -e "$dir/lwip$k.pid" ]; do k=$((k + 1)); done
	tap=lw$k
	LAB_LWIP_ADDR=10.78.0.$((k + 2))
	export LAB_LWIP_ADDR
	# A persistent tap on the bridge: lwip_peer attaches to it by name
	# (TUNSETIFF). It carries the link's MTU, whatever lwIP is told.
	if ! ip -n "$LAB_SRV_NS" link show "$tap" >/dev/null 2>&1; then
		if ! { ip -n "$LAB_SRV_NS" tuntap add dev "$tap" mode tap &&
			ip -n "$LAB_SRV_NS" link set "$tap" mtu "$LAB_MTU" &&
			ip -n "$LAB_SRV_NS" link set "$tap" master br0 &&
			ip -n "$LAB_SRV_NS" link set "$tap" up; }; then
			_lab_err "lab_lwip_peer: cannot set up tap $tap"
			return 1
		fi
	fi
	f="$dir/lwip$k.pid"
	# --verbose: its log (one line per connection event) explains a
	# failed test.
	_lab_spawn "$name" "$LAB_SRV_NS" "lwip$k" "$LAB_BIN/lwip_peer" --verbose --mtu "$mtu" \
		"$tap" "$LAB_LWIP_ADDR/24" "$LAB_CLI4" "$@" || return 1
	# Its listeners exist before it reads the tap, so an answered ping
	# means every port listens.
	if ! _lab_wait_ping "$LAB_CLI_NS" -4 "$LAB_LWIP_ADDR" 50; then
		if _lab_alive "$f"; then
			_lab_err "lwip_peer runs but lwIP at $LAB_LWIP_ADDR does not answer ping"
		else
			_lab_err "lwip_peer exited: $(cat "$dir/lwip$k.log" 2>/dev/null)"
			rm -f "$f"
		fi
		return 1
	fi
}

lab_lwip_log() {
	cat "$LAB_RUN/${1:-}/lwip${2:-0}.log" 2>/dev/null || true
}
