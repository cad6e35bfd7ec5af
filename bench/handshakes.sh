#!/bin/bash
# TLS handshakes with a client certificate (docs/performance.md, "Mutual TLS
# handshakes"): stock mod_ssl (SSLVerifyClient optional, the module not loaded)
# against the module (the same, plus HSTSClientCert require), with a valid client
# certificate, for
#   full handshakes     openssl s_time -new: a new session every connection
#   resumed handshakes  openssl s_time -reuse: the session of the first connection
# with RSA-2048 and EC P-256 keys (server and client alike), TLS 1.2 and TLS 1.3,
# and mod_ssl's session tickets on (its default) and off (the session cache).
# Every connection sends one GET (s_time -www), so the module's verification
# after the handshake is counted. The servers run side by side (httpd on CPU
# $SERVER_CPU, s_time on $CLIENT_CPU, pinned with taskset) and the load alternates
# between stock and module round after round (A/B, then B/A).
#
#   bench/handshakes.sh [-r ROUNDS] [-d SECONDS] [-k "rsa ec"] [-p "1.2 1.3"]
#                       [-m "new reuse"] [-t "on off"]
#
# Defaults: 3 rounds of 3 s per case. Prints every run (connections/s measured
# around s_time, the server's CPU time per connection from /proc), then per case
# the median rate of each variant and module/stock: the ratio of the medians and
# the median of the per-round ratios. It fails if a connection did not get its
# 200 (s_time counts only completed ones; a sample request is checked first).
# Env: see bench/lib.sh; BENCH_RESULTS=FILE also writes the raw runs (TSV).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ROUNDS=3 DURATION=3 KEYS="rsa ec" PROTOS="1.2 1.3" MODES="new reuse" TICKETS="on off"
while getopts "r:d:k:p:m:t:h" opt; do
    case "$opt" in
        r) ROUNDS=$OPTARG ;; d) DURATION=$OPTARG ;; k) KEYS=$OPTARG ;; p) PROTOS=$OPTARG ;;
        m) MODES=$OPTARG ;; t) TICKETS=$OPTARG ;;
        *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
bench_need taskset util-linux
bench_need_module
bench_init handshakes
HZ=$(getconf CLK_TCK)

# keys and certificates: per key type a root, a server certificate for localhost
# and a client certificate it issued
newkey() { # type file
    case "$1" in
        rsa) "$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" 2>/dev/null ;;
        ec) "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" 2>/dev/null ;;
    esac
}
issue() { # dir name subject ext
    local d="$1"
    newkey "$k" "$d/$2.key"
    "$OPENSSL" req -new -key "$d/$2.key" -subj "$3" -out "$d/$2.csr" 2>/dev/null
    printf '[ext]\n%s\n' "$4" > "$d/$2.ext"
    "$OPENSSL" x509 -req -in "$d/$2.csr" -CA "$d/root.pem" -CAkey "$d/root.key" \
        -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" -days 30 -sha256 \
        -extfile "$d/$2.ext" -extensions ext -out "$d/$2.pem" 2>/dev/null
}
for k in $KEYS; do
    d="$BENCH_WORK/pki-$k"
    mkdir -p "$d"
    newkey "$k" "$d/root.key"
    "$OPENSSL" req -x509 -new -key "$d/root.key" -subj "/O=hsts bench/CN=Bench $k root" \
        -days 30 -sha256 -out "$d/root.pem" -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    issue "$d" server "/O=hsts bench/CN=localhost" \
        "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1"
    issue "$d" client "/O=hsts bench/CN=bench-client" \
        "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
    chmod -R a+rX "$d"
done

# one server per key type, ticket setting and variant
declare -A PORT PID
for k in $KEYS; do
    for t in $TICKETS; do
        for v in stock module; do
            name="$v-$k-$t"
            PORT[$name]=$(bench_free_port)
            extra="SSLVerifyClient optional
SSLVerifyDepth 1
SSLCACertificateFile \"$BENCH_WORK/pki-$k/root.pem\"
SSLSessionTickets $t"
            set -- CERT="$BENCH_WORK/pki-$k/server.pem" KEY="$BENCH_WORK/pki-$k/server.key" \
                WORKERS=8
            if [ "$v" = module ]; then
                extra="$extra
HSTSClientCert require"
                bench_write_conf "$name" mtls "${PORT[$name]}" "$@" EXTRA="$extra"
            else
                bench_write_conf "$name" ceiling "${PORT[$name]}" "$@" EXTRA="$extra"
            fi
        done
    done
done
for name in "${!PORT[@]}"; do
    bench_start "$name" "${PORT[$name]}" "$SERVER_CPU"
    PID[$name]=$BENCH_HTTPD_PID
done

s_time() { # name key proto mode seconds -> "connections seconds"
    local name="$1" k="$2" p="$3" m="$4" secs="$5" out t0 t1
    t0=$(date +%s.%N)
    out=$(taskset -c "$CLIENT_CPU" "$OPENSSL" s_time -connect "127.0.0.1:${PORT[$name]}" \
        -CAfile "$BENCH_WORK/pki-$k/root.pem" -cert "$BENCH_WORK/pki-$k/client.pem" \
        -key "$BENCH_WORK/pki-$k/client.key" "-tls${p/./_}" "-$m" -time "$secs" \
        -www /index.html 2>&1) || true
    t1=$(date +%s.%N)
    awk -v t0="$t0" -v t1="$t1" '/connections in .* real seconds/ { n = $1 }
        END { printf "%d %.3f\n", n, t1 - t0 }' <<<"$out"
}

# setup check: every server answers a client with the certificate 200 and the
# module's servers refuse one without (496)
for name in "${!PORT[@]}"; do
    k=${name#*-}; k=${k%-*}
    code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$BENCH_WORK/pki-$k/root.pem" \
        --cert "$BENCH_WORK/pki-$k/client.pem" --key "$BENCH_WORK/pki-$k/client.key" \
        --resolve "localhost:${PORT[$name]}:127.0.0.1" "https://localhost:${PORT[$name]}/index.html")
    [ "$code" = 200 ] || bench_die "$name answered $code to a valid client certificate"
    code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$BENCH_WORK/pki-$k/root.pem" \
        --resolve "localhost:${PORT[$name]}:127.0.0.1" "https://localhost:${PORT[$name]}/index.html")
    case "$name" in
        module-*) [ "$code" = 496 ] || bench_die "$name answered $code without a certificate" ;;
        stock-*) [ "$code" = 200 ] || bench_die "$name answered $code without a certificate" ;;
    esac
done

raw="$BENCH_WORK/runs.tsv"
printf 'key\ttickets\tproto\tmode\tround\tvariant\tconn_per_s\tconnections\tcpu_us_per_conn\n' > "$raw"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-4s %-4s %-4s %-6s %-3s %-7s %10s %8s %14s\n' key tick tls mode rnd variant "conn/s" conns "CPU us/conn"
for ((r = 1; r <= ROUNDS; r++)); do
    order="stock module"
    ((r % 2 == 0)) && order="module stock"
    for k in $KEYS; do for t in $TICKETS; do for p in $PROTOS; do for m in $MODES; do
        for v in $order; do
            name="$v-$k-$t"
            c0=$(bench_cpu_ticks "${PID[$name]}")
            read -r n secs < <(s_time "$name" "$k" "$p" "$m" "$DURATION")
            c1=$(bench_cpu_ticks "${PID[$name]}")
            rate=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }')
            us=$(awk -v c="$((c1 - c0))" -v n="$n" -v hz="$HZ" \
                'BEGIN { printf "%.1f", (n > 0 ? c * 1e6 / hz / n : 0) }')
            printf '%-4s %-4s %-4s %-6s %-3s %-7s %10s %8s %14s\n' "$k" "$t" "$p" "$m" "$r" "$v" \
                "$rate" "$n" "$us"
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$k" "$t" "$p" "$m" "$r" "$v" "$rate" \
                "$n" "$us" >> "$raw"
            [ "$n" -gt 0 ] || bench_die "$name: no connection completed ($k, TLS $p, $m)"
        done
    done; done; done; done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "summary: median connections/s over $ROUNDS rounds of ${DURATION} s; module/stock"
printf '  %-4s %-7s %-4s %-6s %10s %10s %8s %8s %10s %10s\n' key tickets tls mode stock module \
    "ratio" "paired" "CPU stock" "CPU module"
for k in $KEYS; do for t in $TICKETS; do for p in $PROTOS; do for m in $MODES; do
    sel() { awk -F'\t' -v k="$k" -v t="$t" -v p="$p" -v m="$m" -v v="$1" -v col="$2" \
        '$1 == k && $2 == t && $3 == p && $4 == m && $6 == v { print $col }' "$raw"; }
    a=$(sel stock 7 | bench_median); b=$(sel module 7 | bench_median)
    ca=$(sel stock 9 | bench_median); cb=$(sel module 9 | bench_median)
    paired=$(awk -F'\t' -v k="$k" -v t="$t" -v p="$p" -v m="$m" '
        $1 == k && $2 == t && $3 == p && $4 == m && $6 == "stock" { a[$5] = $7 }
        $1 == k && $2 == t && $3 == p && $4 == m && $6 == "module" { b[$5] = $7 }
        END { for (r in a) if (a[r] > 0) print b[r] / a[r] }' "$raw" | bench_median)
    printf '  %-4s %-7s %-4s %-6s %10.1f %10.1f %8.3f %8.3f %10.1f %10.1f\n' "$k" "$t" "$p" "$m" \
        "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { print (a > 0 ? b / a : 0) }')" "$paired" \
        "$ca" "$cb"
done; done; done; done
status=0
for name in "${!PORT[@]}"; do
    c=$(bench_crashes "$name")
    [ -z "$c" ] || { echo "  $name: CRASH / sanitizer report:"; echo "$c"; status=1; }
done
if [ -n "${BENCH_RESULTS:-}" ]; then cp "$raw" "$BENCH_RESULTS"; fi
exit "$status"
