#!/bin/bash
# Startup cost of mod_hsts_audit with many TLS vhosts (design goal: < 1 s added).
#
#   bench/startup_vhosts.sh [vhosts (1000)] [runs (3)]
#
# Generates, in a fresh temp dir, one certificate (SAN *.bench.test, issued by a
# generated root) and httpd configs with N name-based TLS vhosts on one
# 127.0.0.1:port (v0001.bench.test ... each with its own ServerName and the shared
# certificate), in three variants:
#   nomod   mod_hsts_audit not loaded at all
#   loaded  module loaded, none of its directives (report mode, no policy)
#   full    module loaded with HSTSMaxAge 1y, HSTSIncludeSubDomains On,
#           HSTSTrustedCA <root>, HSTSCertWarnDays 30, HSTSGuard warn
# and measures, median of `runs`:
#   -t      `apache2 -t -f conf` (reads the config, audits the certificate files)
#   start   `apache2 -f conf -DFOREGROUND` until the port accepts connections and
#           the error log says "resuming normal operations" (both config passes,
#           mod_ssl's init of every vhost, the module's audit and guard)
# Environment: APACHE2 (/usr/sbin/apache2), APACHE2_MODULES (/usr/lib/apache2/modules),
# HSTS_MODULE (<repo>/.libs/mod_hsts_audit.so), OPENSSL (openssl), TMPDIR (/tmp),
# BENCH_KEEP=1 keeps the temp dir. Run as root (httpd switches to www-data).
set -euo pipefail

N="${1:-1000}"
RUNS="${2:-3}"
top="$(cd "$(dirname "$0")/.." && pwd)"
APACHE2="${APACHE2:-/usr/sbin/apache2}"
MODDIR="${APACHE2_MODULES:-/usr/lib/apache2/modules}"
MODULE="${HSTS_MODULE:-$top/.libs/mod_hsts_audit.so}"
OPENSSL="${OPENSSL:-openssl}"

[ -f "$MODULE" ] || { echo "no $MODULE: run make in $top first" >&2; exit 1; }
[ -x "$APACHE2" ] || { echo "no $APACHE2" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/hsts-startup-bench.XXXXXX")"
chmod 755 "$work"
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    if [ "${BENCH_KEEP:-0}" != 1 ]; then rm -rf "$work"; else echo "kept $work" >&2; fi
}
trap cleanup EXIT

# ---- the certificate -------------------------------------------------------
pki="$work/pki"
mkdir -p "$pki"
"$OPENSSL" req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$pki/root.key" -out "$pki/root.pem" -days 3650 -sha256 \
    -subj "/O=hsts bench/CN=HSTS Bench Root" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
"$OPENSSL" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$pki/server.key" -out "$pki/server.csr" -subj "/O=hsts bench/CN=*.bench.test" \
    2>/dev/null
cat > "$pki/server.ext" <<'EOF'
[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:*.bench.test
EOF
"$OPENSSL" x509 -req -in "$pki/server.csr" -CA "$pki/root.pem" -CAkey "$pki/root.key" \
    -set_serial 0x1001 -days 365 -sha256 -extfile "$pki/server.ext" -extensions ext \
    -out "$pki/server.pem" 2>/dev/null
chmod -R a+rX "$pki"

port="$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

# ---- the configs -------------------------------------------------------------
vhosts="$work/vhosts.conf"
for ((i = 1; i <= N; i++)); do
    printf '<VirtualHost 127.0.0.1:%d>\n    ServerName v%04d.bench.test\n    SSLEngine on\n    SSLCertificateFile "%s"\n    SSLCertificateKeyFile "%s"\n</VirtualHost>\n' \
        "$port" "$i" "$pki/server.pem" "$pki/server.key"
done > "$vhosts"

write_conf() { # variant
    local v="$1" root="$work/$1"
    mkdir -p "$root/conf" "$root/logs" "$root/run"
    chmod 755 "$root" "$root/run"
    {
        cat <<EOF
ServerRoot "$root"
DefaultRuntimeDir "$root/run"
PidFile "$root/run/httpd.pid"
ServerName bench.test
User www-data
Group www-data
Listen 127.0.0.1:$port
ErrorLog "$root/logs/error.log"
LogLevel warn
LoadModule mpm_event_module $MODDIR/mod_mpm_event.so
LoadModule authz_core_module $MODDIR/mod_authz_core.so
LoadModule socache_shmcb_module $MODDIR/mod_socache_shmcb.so
LoadModule ssl_module $MODDIR/mod_ssl.so
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
        loaded)
            echo "LoadModule hsts_audit_module $MODULE" ;;
        full)
            echo "LoadModule hsts_audit_module $MODULE"
            printf 'HSTSMaxAge 1y\nHSTSIncludeSubDomains On\nHSTSTrustedCA "%s"\n' "$pki/root.pem"
            printf 'HSTSCertWarnDays 30\nHSTSGuard warn\n' ;;
        esac
        echo "Include \"$vhosts\""
    } > "$root/conf/httpd.conf"
}

now() { date +%s.%N; }

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

TICK="$(getconf CLK_TCK)"

# CPU seconds (user + system) that process $1 has used so far.
cpu_of() { awk -v t="$TICK" '{ sub(/^.*\) /, ""); printf "%.3f\n", ($12 + $13) / t }' "/proc/$1/stat"; }

time_configtest() { # variant -> "wall cpu" seconds
    local conf="$work/$1/conf/httpd.conf" out TIMEFORMAT='%R %U %S'
    out="$({ time "$APACHE2" -t -f "$conf" > "$work/$1/logs/configtest.out" 2>&1; } 2>&1)" \
        || { cat "$work/$1/logs/configtest.out" >&2; exit 1; }
    echo "$out" | awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

time_start() { # variant -> "wall cpu" seconds from exec to ready (cpu: the parent's)
    local root="$work/$1" t0 t1 cpu deadline
    : > "$root/logs/error.log"
    t0="$(now)"
    "$APACHE2" -f "$root/conf/httpd.conf" -DFOREGROUND > "$root/logs/stdout.log" 2>&1 &
    pid=$!
    deadline=$(( $(date +%s) + 120 ))
    until grep -q "resuming normal operations" "$root/logs/error.log" 2>/dev/null && port_open; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "httpd ($1) exited at startup:" >&2
            cat "$root/logs/stdout.log" "$root/logs/error.log" >&2
            exit 1
        fi
        [ "$(date +%s)" -lt "$deadline" ] || { echo "httpd ($1) not ready in 120 s" >&2; exit 1; }
        sleep 0.005
    done
    t1="$(now)"
    cpu="$(cpu_of "$pid")"
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    pid=""
    printf '%.3f %s\n' "$(echo "$t1 - $t0" | bc -l)" "$cpu"
}

VARIANTS="nomod loaded full"
for v in $VARIANTS; do write_conf "$v"; done

# Warm-up (page cache, shared libraries), then the runs round-robin over the
# variants, so that a change in machine load hits all of them alike.
for v in $VARIANTS; do time_configtest "$v" > /dev/null; done
for ((r = 0; r < RUNS; r++)); do
    for v in $VARIANTS; do
        echo "$v t $(time_configtest "$v")" >> "$work/results"
        echo "$v s $(time_start "$v")" >> "$work/results"
    done
done

col() { # variant kind column -> median
    awk -v v="$1" -v k="$2" -v c="$3" '$1 == v && $2 == k { print $c }' "$work/results" | median
}
findings="$(grep -c 'HSTS000' "$work/full/logs/error.log" || true)"
printf '%d TLS vhosts on 127.0.0.1:%d, one certificate (SAN *.bench.test), median of %d runs\n' \
    "$N" "$port" "$RUNS"
printf '%-8s %12s %12s %14s %14s\n' variant "-t wall (s)" "-t cpu (s)" "start wall (s)" "start cpu (s)"
for v in $VARIANTS; do
    printf '%-8s %12.3f %12.3f %14.3f %14.3f\n' "$v" "$(col "$v" t 3)" "$(col "$v" t 4)" \
        "$(col "$v" s 3)" "$(col "$v" s 4)"
done
diff_of() { echo "$(col full "$1" "$2") - $(col nomod "$1" "$2")" | bc -l; }
printf 'added by the module (full - nomod): -t %+.3f s wall, %+.3f s cpu; ' \
    "$(diff_of t 3)" "$(diff_of t 4)"
printf 'start %+.3f s wall, %+.3f s cpu (goal < 1 s)\n' "$(diff_of s 3)" "$(diff_of s 4)"
printf 'HSTS000nn lines in the full variant'"'"'s last error log: %s\n' "$findings"
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$(echo "$(diff_of s 3) >= 1 || $(diff_of t 3) >= 1" | bc -l)" = 1 ]; then
    echo "OVER BUDGET (or a noisy machine: compare the cpu columns); profile with" \
         "BENCH_KEEP=1 and perf record -g $APACHE2 -t -f <dir>/full/conf/httpd.conf" >&2
    exit 2
fi
