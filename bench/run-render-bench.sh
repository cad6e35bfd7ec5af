#!/bin/sh
# Build bench/render_json against the core the tree built (run `make` first)
# and run it: best and median render time of each status-page format.
#   bench/run-render-bench.sh [vhosts (1000)] [iterations (50)]
set -eu
top="$(cd "$(dirname "$0")/.." && pwd)"
lib="$top/.libs/libhstscore.a"
if [ ! -f "$lib" ]; then
    echo "no $lib: run make in $top first" >&2
    exit 1
fi
out="${TMPDIR:-/tmp}/hsts-render-bench.$$"
trap 'rm -f "$out"' EXIT
${CC:-cc} -O2 -Wall -Wextra -I"$top/include" -I"$top/tests/common" \
    $(pkg-config --cflags apr-1 apr-util-1) \
    "$top/bench/render_json.c" "$top/tests/common/output_sink.c" "$lib" $(pkg-config --libs apr-1 apr-util-1) -o "$out"
"$out" "$@"
