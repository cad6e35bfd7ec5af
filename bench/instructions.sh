#!/bin/bash
# Instructions per request of mod_hsts_audit against mod_headers and against no
# STS work (docs/performance.md, "Instructions per request"): a count that the
# other jobs of a shared machine cannot disturb.
#
# For each variant (ceiling, headers, module: see bench/throughput.sh) httpd runs
# as `apache2 -X` (one process, event MPM) under valgrind's callgrind, and h2load
# sends N, then 2N, requests for the same 512-byte static file over ONE HTTPS
# keep-alive connection (HTTP/1.1; -p h2: HTTP/2, one stream at a time). Startup,
# the TLS handshake and shutdown are the same in both runs, so
#
#     instructions per request = (Ir(2N) - Ir(N)) / N
#
# (Ir: instructions executed, all threads). Then the ratios, and for the module
# and mod_headers variants where the instructions of a request go: self cost per
# shared object, and the module's (mod_headers') functions with their inclusive
# cost (bench/callgrind_diff.py: the same difference, function by function).
#
#   bench/instructions.sh [-n N (2000)] [-p h1|h2] [-v VHOSTS (1)]
#                         [-V "ceiling headers module"] [-o OUTDIR]
#
# -o keeps the callgrind profiles (callgrind.<variant>.<count>.out) in OUTDIR for
# `callgrind_annotate --inclusive=yes FILE`. Needs valgrind and h2load
# (apt-get install valgrind nghttp2-client). Env: see bench/lib.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

N=2000 PROTO=h1 VHOSTS=1 OUTDIR=""
VARIANTS="ceiling headers module"
while getopts "n:p:v:V:o:h" opt; do
    case "$opt" in
        n) N=$OPTARG ;; p) PROTO=$OPTARG ;; v) VHOSTS=$OPTARG ;; V) VARIANTS=$OPTARG ;;
        o) OUTDIR=$OPTARG ;;
        *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done
bench_need valgrind
bench_need h2load nghttp2-client
case " $VARIANTS " in *" module "*|*" report "*) bench_need_module ;; esac
bench_init instructions
bench_pki
prof="$BENCH_WORK/profiles"
mkdir -p "$prof"
chmod 1777 "$prof"          # httpd -X writes the profile after switching to www-data

h2flags=(--h1)
[ "$PROTO" = h2 ] && h2flags=()

# run VARIANT COUNT -> prints total Ir
run_one() {
    local v="$1" count="$2" port root out pid t summary
    port=$(bench_free_port)
    root="$BENCH_WORK/$v-$count"
    bench_write_conf "$v-$count" "$v" "$port" MPM=event VHOSTS="$VHOSTS" WORKERS=4
    out="$prof/callgrind.$v.$count.out"
    : > "$root/logs/error.log"
    # valgrind opens the file as root at startup and again at exit, as www-data
    : > "$out"
    chmod 666 "$out"
    bench_spawn valgrind --tool=callgrind --callgrind-out-file="$out" \
        --log-file="$root/logs/valgrind.out" \
        "$APACHE2" -X -f "$root/conf/httpd.conf"
    pid=$BENCH_SPAWNED
    for ((t = 0; t < 1800; t++)); do
        kill -0 "$pid" 2>/dev/null || { cat "$root/logs/valgrind.out" "$root/logs/error.log" >&2; bench_die "httpd -X ($v) exited at startup"; }
        bench_port_open "$port" && break     # (-X logs no "resuming normal operations")
        sleep 0.1
    done
    h2load -t1 -c1 -m1 -n "$count" "${h2flags[@]}" "https://localhost:$port/index.html" \
        > "$root/logs/h2load.out" 2>&1 || true
    if ! grep -q "succeeded, 0 failed" "$root/logs/h2load.out" \
        || ! grep -Eq "status codes: $count 2xx" "$root/logs/h2load.out"; then
        cat "$root/logs/h2load.out" >&2
        bench_die "h2load did not get $count 2xx responses from $v"
    fi
    bench_stop "$pid"
    summary=$(sed -n 's/^summary: *//p; s/^totals: *//p' "$out" | head -1)
    [ -n "$summary" ] || bench_die "no callgrind summary in $out"
    echo "${summary%% *}"
}

declare -A IPR
printf '%-8s %14s %14s %12s\n' variant "Ir($N)" "Ir($((2 * N)))" "Ir/request"
for v in $VARIANTS; do
    a=$(run_one "$v" "$N")
    b=$(run_one "$v" "$((2 * N))")
    IPR[$v]=$(( (b - a) / N ))
    printf '%-8s %14s %14s %12s\n' "$v" "$a" "$b" "${IPR[$v]}"
done
echo
for pair in "module headers" "headers ceiling" "module ceiling"; do
    set -- $pair
    [ -n "${IPR[$1]:-}" ] && [ -n "${IPR[$2]:-}" ] || continue
    awk -v a="${IPR[$1]}" -v b="${IPR[$2]}" -v x="$1" -v y="$2" \
        'BEGIN { printf "%s/%s: %.4f (%+d instructions per request)\n", x, y, a / b, a - b }'
done

if [ -n "$OUTDIR" ]; then
    mkdir -p "$OUTDIR"
    cp "$prof"/callgrind.*.out "$OUTDIR"/
    echo "profiles kept in $OUTDIR"
fi
for v in $VARIANTS; do
    case "$v" in
        module|report) obj=mod_hsts_audit.so ;;
        headers) obj=mod_headers.so ;;
        *) continue ;;
    esac
    echo
    echo "$v: where the instructions of one request go, (Ir(2N) - Ir(N)) / N"
    /usr/bin/python3 "$(dirname "$0")/callgrind_diff.py" "$N" "$prof/callgrind.$v.$N.out" \
        "$prof/callgrind.$v.$((2 * N)).out" "$obj" || true
done
