#!/bin/bash
# lab_lwip.sh: a lab whose server is lwIP (tests/lab/lwip_peer on Debian's
# liblwip), a TCP stack that is not Linux's. Sourced after lab.sh (the
# integration tests' common.sh sources that), whose pid files, traps and
# lab_down it reuses:
#
#   lab_lwip_up NAME       namespaces NAME-c (client, veth c0, 10.78.0.1/24)
#                          and NAME-s, where a bridge br0 joins the other end
#                          of the veth (s0) to a tap device lw0. NAME-s has
#                          no address of its own and no IPv6: the only host
#                          on the link besides the client is lwIP, at
#                          10.78.0.2, behind the tap, so the namespace's
#                          kernel never answers for it. Every link has MTU
#                          576 (Debian's liblwip mishandles frames much
#                          above 590 bytes). Sets LAB_CLI_NS, LAB_SRV_NS,
#                          LAB_CLI4, LAB_SRV4 (lwIP's address), LAB_CLI_IF,
#                          LAB_MTU and registers lab_down NAME on EXIT INT
#                          TERM, as lab_up does (LAB_NO_TRAP=1 skips it).
#   lab_lwip_peer NAME PORT MODE [PORT MODE]...   starts lwip_peer on lw0
#                          with these listeners (modes: echo, close-first,
#                          hold, talk; see lwip_peer.c), its PID in the
#                          lab's run directory, so lab_down stops exactly
#                          that process; returns once lwIP answers a ping.
#                          Once per lab: lwIP owns the tap.
#
# lab_down NAME (lab.sh) stops lwip_peer and deletes both namespaces, with
# the veth, the bridge and the tap in them.

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
	if _lab_ns_exists "$LAB_CLI_NS" || _lab_ns_exists "$LAB_SRV_NS"; then
		_lab_err "lab $name already exists (lab_down $name first)"
		return 1
	fi
	if [ "${LAB_NO_TRAP:-0}" != 1 ]; then
		_lab_trap "$name" EXIT
		_lab_trap "$name" INT
		_lab_trap "$name" TERM
	fi
	mkdir -p "$LAB_RUN/$name" || return 1
	echo lwip >"$LAB_RUN/$name/topology"
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
	# A persistent tap: lwip_peer attaches to it by name (TUNSETIFF).
	ip -n "$LAB_SRV_NS" tuntap add dev lw0 mode tap || return 1
	_lab_ethtool_off "$LAB_CLI_NS" c0 || return 1
	_lab_ethtool_off "$LAB_SRV_NS" s0 || return 1
	ip -n "$LAB_CLI_NS" link set c0 mtu "$LAB_MTU" || return 1
	for ifc in s0 lw0 br0; do
		ip -n "$LAB_SRV_NS" link set "$ifc" mtu "$LAB_MTU" || return 1
	done
	ip -n "$LAB_SRV_NS" link set s0 master br0 || return 1
	ip -n "$LAB_SRV_NS" link set lw0 master br0 || return 1
	ip -n "$LAB_CLI_NS" addr add "$LAB_CLI4/24" dev c0 || return 1
	ip -n "$LAB_CLI_NS" link set c0 up || return 1
	for ifc in s0 lw0 br0; do
		ip -n "$LAB_SRV_NS" link set "$ifc" up || return 1
	done
}

lab_lwip_peer() {
	local name=${1:-} dir f a
	_lab_check_name "$name" || return 1
	shift || true
	[ $# -ge 2 ] && [ $(($# % 2)) = 0 ] ||
		{ _lab_err "usage: lab_lwip_peer NAME PORT MODE [PORT MODE]..."; return 1; }
	for a in $(printf '%s\n' "$@" | sed -n 'p;n'); do
		_lab_port "$a" || return 1
	done
	_lab_lwip_vars "$name"
	_lab_ns_exists "$LAB_SRV_NS" || { _lab_err "no lab $name"; return 1; }
	dir="$LAB_RUN/$name"
	f="$dir/lwip.pid"
	[ ! -f "$f" ] || { _lab_err "lab $name already runs lwip_peer"; return 1; }
	# --verbose: its log (one line per connection event) explains a
	# failed test.
	_lab_spawn "$name" "$LAB_SRV_NS" lwip "$LAB_BIN/lwip_peer" --verbose --mtu "$LAB_MTU" \
		lw0 "$LAB_SRV4/24" "$LAB_CLI4" "$@" || return 1
	# Its listeners exist before it reads the tap, so an answered ping
	# means every port listens.
	if ! _lab_wait_ping "$LAB_CLI_NS" -4 "$LAB_SRV4" 50; then
		if _lab_alive "$f"; then
			_lab_err "lwip_peer runs but lwIP at $LAB_SRV4 does not answer ping"
		else
			_lab_err "lwip_peer exited: $(cat "$dir/lwip.log" 2>/dev/null)"
			rm -f "$f"
		fi
		return 1
	fi
}

# The log of the lab's lwip_peer (its --verbose lines), for a failed test.
lab_lwip_log() {
	cat "$LAB_RUN/${1:-}/lwip.log" 2>/dev/null || true
}
