#!/bin/bash
# The certificate audit at scale (docs/performance.md, "Certificate watch and
# startup at scale"): N name-based TLS vhosts on one 127.0.0.1 port
# (v0001.bench.test ...), each with its OWN certificate and key ("distinct") or
# all sharing one ("shared"), in three variants:
#   nomod   mod_hsts_audit not loaded
#   loaded  module loaded, none of its directives (system trust store: every
#           vhost gets cert.untrusted, as a2enmod alone would)
#   full    HSTSMaxAge 1y, HSTSIncludeSubDomains On, HSTSTrustedCA <root>,
#           HSTSCertWarnDays 30, HSTSGuard warn, HSTSCertCheckInterval 10s,
#           LogLevel warn hsts_audit:info
# and measures, median of RUNS (round-robin over the variants, so that a change
# of machine load hits all of them alike):
#   -t      CPU (user + system) and wall time of `apache2 -t -f conf`
#   start   `apache2 -DFOREGROUND` until the port accepts connections and the
#           error log says "resuming normal operations": wall time and the CPU
#           of the parent (both configuration passes, mod_ssl's init of every
#           vhost, the module's audit and guard)
#   watch   (full only) WATCH runs of the watch: the figures of each HSTS00053
#           line ("the watch audited <n> TLS vhosts in <cpu> s of CPU (<elapsed>
#           s elapsed)": CPU of the watchdog thread), and the CPU of the whole
#           server over those runs (parent and children, from /proc) per run
#
#   bench/watch_cycle.sh [-n "1000 5000"] [-c "distinct shared"] [-r RUNS (3)]
#                        [-w WATCH (3); 0: no watch] [-V "nomod loaded full"]
#                        [-k CERTDIR]
#
# The certificates (one EC P-256 root; leaf vNNNN with SAN vNNNN.bench.test,
# 90 days, serverAuth; the shared one with SAN *.bench.test) are generated once
# into CERTDIR (HSTS_BENCH_CERTS, else /var/tmp/hsts-bench-certs), two openssl
# processes at a time, and reused by later runs (regenerated when a leaf would
# expire within 14 days): about 10 ms of CPU each, a minute for 5,000.
# The error log of every full start is checked: lines of the module at warn or
# above (a certificate finding) are counted and printed with the figures.
# Env: see bench/lib.sh; BENCH_RESULTS=FILE also writes the raw runs (TSV).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

COUNTS="1000 5000" CERTS="distinct shared" RUNS=3 WATCH=3 VARIANTS="nomod loaded full"
CERTDIR="${HSTS_BENCH_CERTS:-/var/tmp/hsts-bench-certs}"
while getopts "n:c:r:w:V:k:h" opt; do
    case "$opt" in
        n) COUNTS=$OPTARG ;; c) CERTS=$OPTARG ;; r) RUNS=$OPTARG ;; w) WATCH=$OPTARG ;;
        V) VARIANTS=$OPTARG ;; k) CERTDIR=$OPTARG ;;
        *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done
case " $VARIANTS " in *" loaded "*|*" full "*) bench_need_module ;; esac
bench_init watch-cycle
TICK=$(getconf CLK_TCK)
START_TIMEOUT=${START_TIMEOUT:-600}     # seconds; 5,000 vhosts on a loaded machine

# ---- the certificates (cached) ------------------------------------------------

certs_prepare() { # max N
    local max="$1" missing name i
    if [ -f "$CERTDIR/leaf/v0001.pem" ] \
        && ! "$OPENSSL" x509 -checkend $((14 * 86400)) -noout -in "$CERTDIR/leaf/v0001.pem" >/dev/null; then
        echo "certificates in $CERTDIR expire within 14 days: generating new ones"
        rm -rf "$CERTDIR"
    fi
    mkdir -p "$CERTDIR/leaf"
    chmod 755 "$CERTDIR" "$CERTDIR/leaf"
    if [ ! -f "$CERTDIR/root.pem" ]; then
        rm -f "$CERTDIR"/leaf/* "$CERTDIR"/shared.*
        "$OPENSSL" req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -keyout "$CERTDIR/root.key.tmp" -out "$CERTDIR/root.pem.tmp" -days 3650 -sha256 \
            -subj "/O=hsts bench/CN=HSTS Bench Watch Root" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        mv "$CERTDIR/root.key.tmp" "$CERTDIR/root.key"
        mv "$CERTDIR/root.pem.tmp" "$CERTDIR/root.pem"
    fi
    missing=$(for ((i = 1; i <= max; i++)); do
        printf -v name 'v%04d' "$i"
        [ -f "$CERTDIR/leaf/$name.pem" ] || echo "$name"
    done)
    [ -f "$CERTDIR/shared.pem" ] || missing="$missing shared"
    if [ -n "${missing// /}" ]; then
        echo "generating $(wc -w <<<"$missing") certificates into $CERTDIR ..."
        # one openssl process per certificate: key, self-issued request and the
        # root's signature at once (req -x509 -CA); the .pem appears last
        # shellcheck disable=SC2016
        xargs -P2 -n 50 env OPENSSL="$OPENSSL" D="$CERTDIR" bash -c '
            set -e
            for n in "$@"; do
                san="DNS:$n.bench.test"; out="$D/leaf/$n"
                if [ "$n" = shared ]; then san="DNS:*.bench.test"; out="$D/shared"; fi
                "$OPENSSL" req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
                    -keyout "$out.key.tmp" -out "$out.pem.tmp" -CA "$D/root.pem" \
                    -CAkey "$D/root.key" -days 90 -sha256 \
                    -subj "/O=hsts bench/CN=${san#DNS:}" \
                    -addext "basicConstraints=critical,CA:FALSE" \
                    -addext "keyUsage=critical,digitalSignature" \
                    -addext "extendedKeyUsage=serverAuth" \
                    -addext "subjectAltName=$san" 2>/dev/null
                mv "$out.key.tmp" "$out.key"; mv "$out.pem.tmp" "$out.pem"
            done' _ <<<"$missing"
    fi
    # the watch reads the certificate files as the server's User
    chmod -R a+rX "$CERTDIR"
}

# ---- the configurations ---------------------------------------------------------
write_vhosts() { # N certs port -> $BENCH_WORK/vhosts-N-certs.conf
    local n="$1" certs="$2" port="$3" i name cert key
    for ((i = 1; i <= n; i++)); do
        printf -v name 'v%04d' "$i"
        if [ "$certs" = distinct ]; then
            cert="$CERTDIR/leaf/$name.pem" key="$CERTDIR/leaf/$name.key"
        else
            cert="$CERTDIR/shared.pem" key="$CERTDIR/shared.key"
        fi
        printf '<VirtualHost 127.0.0.1:%d>\n    ServerName %s.bench.test\n    SSLEngine on\n    SSLCertificateFile "%s"\n    SSLCertificateKeyFile "%s"\n</VirtualHost>\n' \
            "$port" "$name" "$cert" "$key"
    done > "$BENCH_WORK/vhosts-$n-$certs.conf"
}

write_conf() { # name variant port vhosts-file
    local name="$1" v="$2" port="$3" vhosts="$4" root="$BENCH_WORK/$1" m
    mkdir -p "$root/conf" "$root/logs" "$root/run"
    chmod 755 "$root" "$root/run"
    {
        cat <<EOF
# written by bench/watch_cycle.sh: variant $v
ServerRoot "$root"
DefaultRuntimeDir "$root/run"
PidFile "$root/run/httpd.pid"
ServerName bench.test
User $BENCH_USER
Group $BENCH_USER
Listen 127.0.0.1:$port
ErrorLog "$root/logs/error.log"
LogLevel warn
LoadModule mpm_event_module $APACHE2_MODULES/mod_mpm_event.so
EOF
        for m in authz_core socache_shmcb ssl; do
            echo "LoadModule ${m}_module $APACHE2_MODULES/mod_${m}.so"
        done
        cat <<EOF
StartServers 1
ServerLimit 1
ThreadsPerChild 4
ThreadLimit 4
MinSpareThreads 1
MaxSpareThreads 4
MaxRequestWorkers 4
SSLSessionCache "shmcb:$root/run/ssl_scache(512000)"
SSLRandomSeed startup builtin
EOF
        case "$v" in
            nomod) ;;
            loaded) echo "LoadModule hsts_audit_module $HSTS_MODULE" ;;
            full)
                echo "LoadModule hsts_audit_module $HSTS_MODULE"
                printf 'HSTSMaxAge 1y\nHSTSIncludeSubDomains On\nHSTSTrustedCA "%s"\n' "$CERTDIR/root.pem"
                printf 'HSTSCertWarnDays 30\nHSTSGuard warn\nHSTSCertCheckInterval 10s\n'
                echo 'LogLevel warn hsts_audit:info' ;;
            *) bench_die "unknown variant $v (nomod, loaded, full)" ;;
        esac
        echo "Include \"$vhosts\""
    } > "$root/conf/httpd.conf"
}

# ---- the measurements -----------------------------------------------------------
time_configtest() { # name -> "wall cpu" seconds
    local root="$BENCH_WORK/$1" out TIMEFORMAT='%R %U %S'
    out=$({ time "$APACHE2" -t -f "$root/conf/httpd.conf" > "$root/logs/configtest.out" 2>&1; } 2>&1) \
        || { cat "$root/logs/configtest.out" >&2; bench_die "apache2 -t failed for $1"; }
    awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' <<<"$out"
}

# start NAME PORT: start httpd and wait until it serves; sets START_PID, START_WALL
start_server() {
    local name="$1" port="$2" root="$BENCH_WORK/$1" t0 deadline
    : > "$root/logs/error.log"
    t0=$(date +%s.%N)
    bench_spawn setsid "$APACHE2" -f "$root/conf/httpd.conf" -DFOREGROUND
    START_PID=$BENCH_SPAWNED
    deadline=$(( $(date +%s) + START_TIMEOUT ))
    until grep -q "resuming normal operations" "$root/logs/error.log" 2>/dev/null \
        && bench_port_open "$port"; do
        kill -0 "$START_PID" 2>/dev/null \
            || { tail -20 "$root/logs/error.log" >&2; bench_die "httpd $name exited at startup"; }
        [ "$(date +%s)" -lt "$deadline" ] || bench_die "httpd $name not ready in $START_TIMEOUT s"
        sleep 0.02
    done
    START_WALL=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
}

proc_cpu() { # pid -> CPU seconds of that process alone
    awk -v t="$TICK" '{ sub(/^.*\) /, ""); printf "%.3f\n", ($12 + $13) / t }' "/proc/$1/stat"
}

time_start() { # name port -> "wall cpu"
    local cpu
    start_server "$1" "$2"
    cpu=$(proc_cpu "$START_PID")
    bench_stop "$START_PID"
    echo "$START_WALL $cpu"
}

# module lines at warn or above in an error log (findings, guard warnings)
module_warnings() {
    grep -cE '\[hsts_audit:(warn|error|crit|alert|emerg)\]' "$1" || true
}

# watch NAME PORT N CERTS: WATCH runs of the watch on a running full server
watch_runs() {
    local name="$1" port="$2" n="$3" certs="$4" log="$BENCH_WORK/$1/logs/error.log"
    local deadline c0 c1 got=0 first=0 line
    start_server "$name" "$port"
    deadline=$(( $(date +%s) + 60 + WATCH * 60 ))
    # the server's CPU from the first run's line on, so that startup is not counted
    while :; do
        got=$(grep -c 'HSTS00053' "$log" || true)
        if [ "$first" = 0 ] && [ "$got" -ge 1 ]; then
            first=1; c0=$(bench_cpu_ticks "$START_PID")
        fi
        [ "$got" -ge $((WATCH + 1)) ] && break
        kill -0 "$START_PID" 2>/dev/null || bench_die "httpd $name exited during the watch"
        [ "$(date +%s)" -lt "$deadline" ] \
            || { tail -5 "$log" >&2; bench_die "$name: $got of $((WATCH + 1)) watch runs logged in time (HSTS00053)"; }
        sleep 0.2
    done
    c1=$(bench_cpu_ticks "$START_PID")
    bench_stop "$START_PID"
    # runs 2 .. WATCH+1 (the first one only starts the server's CPU count)
    grep 'HSTS00053' "$log" | sed -n "2,$((WATCH + 1))p" | while read -r line; do
        sed -E 's/.*audited ([0-9]+) TLS vhosts in ([0-9.]+) s of CPU \(([0-9.]+) s elapsed\).*/\1 \2 \3/' <<<"$line"
    done | awk -v n="$n" -v c="$certs" -v srv="$(( c1 - c0 ))" -v hz="$TICK" -v w="$WATCH" \
        '{ printf "%s\t%s\twatch\t%d\t%s\t%s\t%s\t%.3f\n", n, c, NR, $1, $2, $3, srv / hz / w }'
}

raw="$BENCH_WORK/runs.tsv"
printf 'vhosts\tcerts\tkind\trun\tvariant_or_audited\twall_or_cpu\tcpu_or_elapsed\tserver_cpu_per_run\n' > "$raw"
max=0
for n in $COUNTS; do [ "$n" -gt "$max" ] && max=$n; done
certs_prepare "$max"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
for n in $COUNTS; do
    for c in $CERTS; do
        port=$(bench_free_port)
        write_vhosts "$n" "$c" "$port"
        for v in $VARIANTS; do write_conf "$v-$n-$c" "$v" "$port" "$BENCH_WORK/vhosts-$n-$c.conf"; done
        for v in $VARIANTS; do time_configtest "$v-$n-$c" > /dev/null; done    # warm-up
        warnings=""
        for ((r = 1; r <= RUNS; r++)); do
            for v in $VARIANTS; do
                read -r w cpu < <(time_configtest "$v-$n-$c")
                printf '%s\t%s\tt\t%d\t%s\t%s\t%s\t\n' "$n" "$c" "$r" "$v" "$w" "$cpu" >> "$raw"
                read -r w cpu < <(time_start "$v-$n-$c" "$port")
                printf '%s\t%s\tstart\t%d\t%s\t%s\t%s\t\n' "$n" "$c" "$r" "$v" "$w" "$cpu" >> "$raw"
                [ "$v" = full ] && warnings=$(module_warnings "$BENCH_WORK/$v-$n-$c/logs/error.log")
            done
        done
        sel() { awk -F'\t' -v n="$n" -v c="$c" -v k="$1" -v v="$2" -v col="$3" \
            '$1 == n && $2 == c && $3 == k && $5 == v { print $col }' "$raw" | bench_median; }
        echo
        echo "$n TLS vhosts, $c certificate(s), median of $RUNS runs (load $(cut -d' ' -f1-3 /proc/loadavg))"
        printf '  %-7s %12s %12s %14s %14s\n' variant "-t CPU (s)" "-t wall (s)" "start CPU (s)" "start wall (s)"
        for v in $VARIANTS; do
            printf '  %-7s %12.3f %12.3f %14.3f %14.3f\n' "$v" "$(sel t "$v" 7)" "$(sel t "$v" 6)" \
                "$(sel start "$v" 7)" "$(sel start "$v" 6)"
        done
        case " $VARIANTS " in *" nomod "*)
            for v in $VARIANTS; do
                [ "$v" = nomod ] && continue
                awk -v v="$v" -v t="$(sel t "$v" 7)" -v t0="$(sel t nomod 7)" \
                    -v s="$(sel start "$v" 7)" -v s0="$(sel start nomod 7)" 'BEGIN {
                    printf "  %s - nomod: -t %+.3f s CPU (x%.2f), start %+.3f s CPU (x%.2f)\n",
                        v, t - t0, (t0 > 0 ? t / t0 : 0), s - s0, (s0 > 0 ? s / s0 : 0) }'
            done ;;
        esac
        [ -n "$warnings" ] && echo "  module lines at warn or above in full's last start: $warnings"
        if [ "$WATCH" -gt 0 ] && [[ " $VARIANTS " == *" full "* ]]; then
            watch_runs "full-$n-$c" "$port" "$n" "$c" >> "$raw"
            echo "  the watch (HSTSCertCheckInterval 10s): runs 2 to $((WATCH + 1)) after the start"
            awk -F'\t' -v n="$n" -v c="$c" '$1 == n && $2 == c && $3 == "watch" {
                printf "    run %d: audited %d vhosts, %.3f s CPU (watch thread), %.3f s elapsed; server CPU %.3f s per run\n",
                    $4, $5, $6, $7, $8 }' "$raw"
            printf '    median: %.3f s CPU per run\n' \
                "$(awk -F'\t' -v n="$n" -v c="$c" '$1 == n && $2 == c && $3 == "watch" { print $6 }' "$raw" | bench_median)"
        fi
    done
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
for d in "$BENCH_WORK"/*/logs; do
    c=$(grep -hE "exit signal|Segmentation fault|core dumped|AddressSanitizer|runtime error:" \
        "$d/error.log" 2>/dev/null || true)
    [ -z "$c" ] || { echo "CRASH in $d:"; echo "$c"; status=1; }
done
if [ -n "${BENCH_RESULTS:-}" ]; then cp "$raw" "$BENCH_RESULTS"; fi
exit "$status"
