#!/bin/sh
# No layer reaches up. src/ has one folder a layer:
#   core/    pure: may include only core/
#   out/     formatters over events: core/, out/
#   engine/  modes over struct wire: core/, out/, engine/
#   sys/     the system: core/, sys/, engine/wire.h (the seam it serves) and
#            out/serve_page.h (what the exporter's HTTP process renders)
# main.c, which composes them all, may include anything.
set -u
src="${top_srcdir:-$(dirname "$0")/../..}/src"
status=0
allowed() { # LAYER HEADER -> 0 when LAYER may include HEADER
	case "$1:$2" in
	core:core/*) return 0 ;;
	out:core/* | out:out/*) return 0 ;;
	engine:core/* | engine:out/* | engine:engine/*) return 0 ;;
	sys:core/* | sys:sys/* | sys:engine/wire.h | sys:out/serve_page.h) return 0 ;;
	esac
	return 1
}
for layer in core out engine sys; do
	for f in $(find "$src/$layer" -name '*.[ch]' | sort); do
		for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
			[ "$h" = config.h ] && continue
			case "$h" in */*) ;; *) continue ;; esac # same-folder private headers
			if ! allowed "$layer" "$h"; then
				echo "FAIL: ${f#"$src"/} ($layer) includes $h"
				status=1
			fi
		done
	done
done
[ $status -eq 0 ] && echo "PASS: no layer includes a header from above it"
exit $status
