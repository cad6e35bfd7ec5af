#!/bin/bash
# Throughput of mod_hsts_audit against mod_headers and against no STS work at all
# (docs/performance.md, "Request throughput"). Same httpd, same TLS vhost, same
# 512-byte static file, HTTPS keep-alive; three servers run side by side, one per
# variant, and the load alternates between them round after round (A/B/C, then
# C/B/A, ...) so that drift of a shared machine hits every variant alike:
#
#   ceiling  no header work (mod_headers loaded but unused, module not loaded)
#   headers  Header always set Strict-Transport-Security "max-age=31536000; includeSubDomains"
#   module   HSTSMaxAge 1y + HSTSIncludeSubDomains On: mode add, audit, counters, notes
#
#   bench/throughput.sh [-r ROUNDS] [-d SECONDS] [-c CONNECTIONS] [-T wrk,h2load]
#                       [-v VHOSTS] [-M event|worker|prefork] [-V "ceiling headers module"]
#
# Defaults: 5 rounds of 5 s per variant and tool, 32 connections, wrk (HTTP/1.1
# keep-alive) and h2load (HTTP/2, 10 streams per connection), 1 vhost, event MPM.
# httpd runs on CPU $SERVER_CPU (0), the load generator on $CLIENT_CPU (1), pinned
# with taskset. Prints every run, then per tool the median requests/s of each
# variant with the spread (min..max), the ratio of the medians and the median
# of the per-round ratios (module/headers, headers/ceiling, module/ceiling), and
# the server's CPU time per request (user + system of the httpd processes, from
# /proc, divided by the responses): what other jobs on a shared machine disturb
# least.
# Env: see bench/lib.sh; BENCH_RESULTS=FILE also writes the raw runs (TSV).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ROUNDS=5 DURATION=5 CONNS=32 TOOLS=wrk,h2load VHOSTS=1 MPM=event
VARIANTS="ceiling headers module"
while getopts "r:d:c:T:v:M:V:h" opt; do
    case "$opt" in
        r) ROUNDS=$OPTARG ;; d) DURATION=$OPTARG ;; c) CONNS=$OPTARG ;;
        T) TOOLS=$OPTARG ;; v) VHOSTS=$OPTARG ;; M) MPM=$OPTARG ;; V) VARIANTS=$OPTARG ;;
        *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
bench_need taskset util-linux
case ",$TOOLS," in *,wrk,*) bench_need wrk ;; esac
case ",$TOOLS," in *,h2load,*) bench_need h2load nghttp2-client ;; esac
case " $VARIANTS " in *" module "*|*" report "*) bench_need_module ;; esac
bench_init throughput
bench_pki

declare -A PORT PID
for v in $VARIANTS; do
    PORT[$v]=$(bench_free_port)
    bench_write_conf "$v" "$v" "${PORT[$v]}" MPM="$MPM" VHOSTS="$VHOSTS" WORKERS=64
done
for v in $VARIANTS; do
    bench_start "$v" "${PORT[$v]}" "$SERVER_CPU"
    PID[$v]=$BENCH_HTTPD_PID
    # the STS header each variant sends (a sanity check of the setup)
    sts=$(curl -sS -k -o /dev/null -D - --resolve "localhost:${PORT[$v]}:127.0.0.1" \
        "https://localhost:${PORT[$v]}/index.html" | tr -d '\r' \
        | sed -n 's/^[Ss]trict-[Tt]ransport-[Ss]ecurity: //p')
    printf '%-8s port %-5s pid %-7s STS: %s\n' "$v" "${PORT[$v]}" "$BENCH_HTTPD_PID" "${sts:-(none)}"
done

raw="$BENCH_WORK/runs.tsv"
printf 'tool\tround\tvariant\treq_per_s\terrors\tnon2xx\trequests\tcpu_us_per_req\n' > "$raw"
HZ=$(getconf CLK_TCK)

cpu_ticks() { bench_cpu_ticks "$1"; }

run_wrk() { # port seconds -> "rps errors non2xx"
    local out
    out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${2}s" --timeout 10s \
        "https://localhost:$1/index.html" 2>&1) || true
    awk '
        /^Requests\/sec:/ { rps = $2 }
        /Non-2xx or 3xx responses:/ { non = $NF }
        /Socket errors:/ { gsub(/,/, ""); err = $4 + $6 + $8 + $10 }
        / requests in / { req = $1 }
        END { printf "%s %d %d %d\n", (rps == "" ? "nan" : rps), err, non, req }' <<<"$out"
}

run_h2load() { # port seconds -> "rps errors non2xx"
    local out
    out=$(taskset -c "$CLIENT_CPU" h2load -t1 -c"$CONNS" -m10 -D "$2" \
        "https://localhost:$1/index.html" 2>&1) || true
    awk '
        /^finished in/ { for (i = 1; i <= NF; i++) if ($(i) ~ /req\/s/) rps = $(i - 1) }
        /^requests:/ { err = $10 + $14 }          # failed (errored included), timeout
        /^status codes:/ { non = $5 + $7 + $9 }   # 3xx, 4xx, 5xx
        /^requests:/ { req = $8 }                  # succeeded
        END { printf "%s %d %d %d\n", (rps == "" ? "nan" : rps), err, non, req }' <<<"$out"
}

echo "warm-up (2 s per variant and tool)"
for tool in ${TOOLS//,/ }; do
    for v in $VARIANTS; do "run_$tool" "${PORT[$v]}" 2 >/dev/null; done
done

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-7s %-5s %-8s %12s %7s %7s %12s\n' tool round variant "req/s" errors non2xx "CPU us/req"
for ((r = 1; r <= ROUNDS; r++)); do
    order=$VARIANTS
    if ((r % 2 == 0)); then order=$(tr ' ' '\n' <<<"$VARIANTS" | tac | tr '\n' ' '); fi
    for tool in ${TOOLS//,/ }; do
        for v in $order; do
            t0=$(cpu_ticks "${PID[$v]}")
            read -r rps err non req < <("run_$tool" "${PORT[$v]}" "$DURATION")
            t1=$(cpu_ticks "${PID[$v]}")
            us=$(awk -v t="$((t1 - t0))" -v n="$req" -v hz="$HZ" \
                'BEGIN { printf "%.2f", (n > 0 ? t * 1e6 / hz / n : 0) }')
            printf '%-7s %-5s %-8s %12s %7s %7s %12s\n' "$tool" "$r" "$v" "$rps" "$err" "$non" "$us"
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$r" "$v" "$rps" "$err" "$non" \
                "$req" "$us" >> "$raw"
        done
    done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "summary: median req/s over $ROUNDS rounds of ${DURATION} s, [min .. max], spread = (max-min)/median"
for tool in ${TOOLS//,/ }; do
    for v in $VARIANTS; do
        vals=$(awk -F'\t' -v t="$tool" -v v="$v" '$1 == t && $3 == v { print $4 }' "$raw")
        printf '  %-7s %-8s median %10.1f  [%.1f .. %.1f]  spread %.1f %%\n' "$tool" "$v" \
            "$(bench_median <<<"$vals")" "$(bench_min <<<"$vals")" "$(bench_max <<<"$vals")" \
            "$(awk -v med="$(bench_median <<<"$vals")" -v lo="$(bench_min <<<"$vals")" \
                -v hi="$(bench_max <<<"$vals")" 'BEGIN { print (med > 0 ? 100 * (hi - lo) / med : 0) }')"
    done
    for v in $VARIANTS; do
        vals=$(awk -F'\t' -v t="$tool" -v v="$v" '$1 == t && $3 == v { print $8 }' "$raw")
        printf '  %-7s %-8s server CPU per request: median %.2f us  [%.2f .. %.2f]\n' "$tool" "$v" \
            "$(bench_median <<<"$vals")" "$(bench_min <<<"$vals")" "$(bench_max <<<"$vals")"
    done
    for pair in "module headers" "headers ceiling" "module ceiling"; do
        set -- $pair
        case " $VARIANTS " in *" $1 "*) ;; *) continue ;; esac
        case " $VARIANTS " in *" $2 "*) ;; *) continue ;; esac
        a=$(awk -F'\t' -v t="$tool" -v v="$1" '$1 == t && $3 == v { print $4 }' "$raw" | bench_median)
        b=$(awk -F'\t' -v t="$tool" -v v="$2" '$1 == t && $3 == v { print $4 }' "$raw" | bench_median)
        paired=$(awk -F'\t' -v t="$tool" -v x="$1" -v y="$2" '
            $1 == t && $3 == x { a[$2] = $4 } $1 == t && $3 == y { b[$2] = $4 }
            END { for (r in a) if (b[r] > 0) print a[r] / b[r] }' "$raw")
        printf '  %-7s %s/%s: ratio of medians %.4f; per-round ratios median %.4f [%.4f .. %.4f]\n' \
            "$tool" "$1" "$2" "$(awk -v a="$a" -v b="$b" 'BEGIN { print (b > 0 ? a / b : 0) }')" \
            "$(bench_median <<<"$paired")" "$(bench_min <<<"$paired")" "$(bench_max <<<"$paired")"
        a=$(awk -F'\t' -v t="$tool" -v v="$1" '$1 == t && $3 == v { print $8 }' "$raw" | bench_median)
        b=$(awk -F'\t' -v t="$tool" -v v="$2" '$1 == t && $3 == v { print $8 }' "$raw" | bench_median)
        printf '  %-7s %s/%s: server CPU per request, ratio of medians %.4f\n' "$tool" "$1" "$2" \
            "$(awk -v a="$a" -v b="$b" 'BEGIN { print (b > 0 ? a / b : 0) }')"
    done
done
errors=$(awk -F'\t' 'NR > 1 { e += $5 + $6 } END { print e + 0 }' "$raw")
echo "  socket errors + non-2xx over all runs: $errors"
for v in $VARIANTS; do
    c=$(bench_crashes "$v")
    [ -z "$c" ] || { echo "  $v: CRASH / sanitizer report:"; echo "$c"; errors=$((errors + 1)); }
done
if [ -n "${BENCH_RESULTS:-}" ]; then cp "$raw" "$BENCH_RESULTS"; fi
[ "$errors" -eq 0 ]
