#!/bin/sh
# Keep the privileged shell thin (style.md §5, after mtr's capability-drop
# check): only these files may open raw or capture handles, touch
# capabilities or nftables. route.c and portres.c open ordinary, unprivileged
# UDP/TCP sockets (route lookup, port reservation) and are allowed socket().
set -u
src="${top_srcdir:-$(dirname "$0")/../..}/src"
status=0
check() { # PATTERN ALLOWED-FILES...
	pattern=$1
	shift
	for f in "$src"/*.c; do
		base=$(basename "$f")
		allowed=no
		for a in "$@"; do [ "$base" = "$a" ] && allowed=yes; done
		[ "$allowed" = yes ] && continue
		if grep -nE "$pattern" "$f" >/dev/null; then
			echo "FAIL: $base calls a privileged API ($pattern):"
			grep -nE "$pattern" "$f"
			status=1
		fi
	done
}
check '\bsocket\(' priv.c craft.c capture.c guard.c route.c portres.c
check '\blibnet_init\(' craft.c
check '\bpcap_(create|open_live|activate)\(' capture.c
check '\b(capset|cap_set_proc|SYS_capset|setuid|seteuid|setresuid)\b' priv.c
check '\bnft_ctx_new\(' guard.c
[ $status -eq 0 ] && echo "PASS: privileged calls only in the edge modules"
exit $status
