#!/bin/sh
# Keep the privileged shell thin (after mtr's capability-drop check): only
# src/sys/ may open raw or capture handles, touch capabilities or nftables,
# and within it only the module whose job that is. route.c and portres.c open
# ordinary, unprivileged UDP/TCP sockets (route lookup, port reservation) and
# are allowed socket().
set -u
src="${top_srcdir:-$(dirname "$0")/../..}/src"
status=0
check() { # PATTERN ALLOWED-FILES (paths below src/)...
	pattern=$1
	shift
	for f in $(find "$src" -name '*.c' | sort); do
		rel=${f#"$src"/}
		allowed=no
		for a in "$@"; do [ "$rel" = "$a" ] && allowed=yes; done
		[ "$allowed" = yes ] && continue
		if grep -nE "$pattern" "$f" >/dev/null; then
			echo "FAIL: $rel calls a privileged API ($pattern):"
			grep -nE "$pattern" "$f"
			status=1
		fi
	done
}
check '\bsocket\(' sys/privsep.c sys/priv.c sys/craft.c sys/capture.c sys/guard.c sys/route.c sys/portres.c
check '\blibnet_init\(' sys/craft.c
check '\bpcap_(create|open_live|activate)\(' sys/capture.c
check '\b(capset|cap_set_proc|SYS_capset|setuid|seteuid|setresuid)\b' sys/priv.c
check '\bnft_ctx_new\(' sys/guard.c
[ $status -eq 0 ] && echo "PASS: privileged calls only in the edge modules of src/sys/"
exit $status
