#!/bin/bash
# Without CAP_NET_RAW: exit 2 and one line naming the capability and setcap.
. "$(dirname "$0")/common.sh"
require_root
command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed"
# The binary must be reachable by an unprivileged user.
cp "$TCPSHAKE" "$TMPD/tcpshake"
chmod 755 "$TMPD" "$TMPD/tcpshake"
assert_exit 2 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$TMPD/tcpshake" -c 1 127.0.0.1:80
assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "stderr lines"
assert_match "^tcpshake: .*CAP_NET_RAW.*setcap cap_net_raw" "$ERR" "capability message"
# Root with every capability dropped is refused the same way.
assert_exit 2 setpriv --inh-caps=-all --bounding-set=-all "$TMPD/tcpshake" -c 1 127.0.0.1:80
assert_match "CAP_NET_RAW" "$ERR" "capability message without caps"
# Bad arguments are reported without privileges, as usage errors.
assert_exit 2 setpriv --reuid=65534 --regid=65534 --clear-groups "$TMPD/tcpshake" -c nope 127.0.0.1
assert_match "invalid count" "$ERR" "usage error before privileges"
pass
