# shellcheck shell=bash
# bench/lib.sh: shared helpers of bench/throughput.sh, bench/instructions.sh and
# scripts/soak.sh (sourced, bash). Everything listens on 127.0.0.1 only, lives in
# one temp dir, and every process started here is stopped by its own pid.
#
# Environment: APACHE2 (/usr/sbin/apache2), APACHE2_MODULES (/usr/lib/apache2/modules),
# HSTS_MODULE (<repo>/.libs/mod_hsts_audit.so), OPENSSL (openssl),
# HSTS_BENCH_TMPDIR (else TMPDIR, else /tmp): where the temp dir goes (must be
# traversable by www-data); BENCH_KEEP=1 keeps it.

BENCH_TOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APACHE2="${APACHE2:-/usr/sbin/apache2}"
APACHE2_MODULES="${APACHE2_MODULES:-/usr/lib/apache2/modules}"
HSTS_MODULE="${HSTS_MODULE:-$BENCH_TOP/.libs/mod_hsts_audit.so}"
OPENSSL="${OPENSSL:-openssl}"
BENCH_USER="${BENCH_USER:-www-data}"
BENCH_PIDS=()          # every process started through bench_spawn / bench_start
BENCH_WORK=""

bench_die() { echo "$(basename "$0"): $*" >&2; exit 1; }

bench_need() { # command [debian package]
    command -v "$1" >/dev/null 2>&1 || bench_die "needs $1 (apt-get install ${2:-$1})"
}

bench_cleanup() {
    local pid
    for pid in "${BENCH_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    for pid in "${BENCH_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    BENCH_PIDS=()
    if [ -n "$BENCH_WORK" ] && [ -d "$BENCH_WORK" ]; then
        if [ "${BENCH_KEEP:-0}" = 1 ]; then
            echo "kept $BENCH_WORK" >&2
        else
            rm -rf "$BENCH_WORK"
        fi
    fi
}

# bench_init NAME: the temp dir ($BENCH_WORK) and the exit trap.
bench_init() {
    [ "$(id -u)" -eq 0 ] || bench_die "run as root (httpd switches its children to $BENCH_USER)"
    [ -x "$APACHE2" ] || bench_die "no $APACHE2 (apt-get install apache2)"
    BENCH_WORK="$(mktemp -d "${HSTS_BENCH_TMPDIR:-${TMPDIR:-/tmp}}/hsts-$1.XXXXXX")"
    chmod 755 "$BENCH_WORK"
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

bench_need_module() {
    [ -f "$HSTS_MODULE" ] || bench_die "no $HSTS_MODULE: run make in $BENCH_TOP first (or set HSTS_MODULE)"
}

bench_free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# bench_pki: $BENCH_WORK/pki/{root.pem,server.pem,server.key}: an EC P-256 root and
# a server certificate for localhost, *.bench.test and 127.0.0.1.
bench_pki() {
    local pki="$BENCH_WORK/pki"
    mkdir -p "$pki"
    "$OPENSSL" req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$pki/root.key" -out "$pki/root.pem" -days 3650 -sha256 \
        -subj "/O=hsts bench/CN=HSTS Bench Root" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    "$OPENSSL" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$pki/server.key" -out "$pki/server.csr" -subj "/O=hsts bench/CN=localhost" \
        2>/dev/null
    printf '%s\n' '[ext]' 'basicConstraints = critical, CA:FALSE' \
        'keyUsage = critical, digitalSignature' 'extendedKeyUsage = serverAuth' \
        'subjectAltName = DNS:localhost, DNS:*.bench.test, IP:127.0.0.1' > "$pki/server.ext"
    "$OPENSSL" x509 -req -in "$pki/server.csr" -CA "$pki/root.pem" -CAkey "$pki/root.key" \
        -set_serial 0x1001 -days 365 -sha256 -extfile "$pki/server.ext" -extensions ext \
        -out "$pki/server.pem" 2>/dev/null
    chmod -R a+rX "$pki"
}

# bench_write_conf NAME VARIANT PORT [options as VAR=value words]
#   VARIANT: ceiling   no STS work at all (mod_headers loaded, unused; module not loaded)
#            headers   mod_headers: Header always set Strict-Transport-Security "max-age=31536000; includeSubDomains"
#            module    mod_hsts_audit: HSTSMaxAge 1y, HSTSIncludeSubDomains On
#                      (mode add; audit, counters and notes on)
#            report    mod_hsts_audit in report mode with mod_headers setting STS
#                      (the module parses and judges every header)
#   options: MPM=event|worker|prefork  VHOSTS=n (name-based TLS vhosts on the port;
#            the one served, ServerName localhost, is the LAST, the worst case of
#            httpd's name lookup)  LOG=0|1 (access log, with the module's notes when
#            loaded)  STATUS=0|1 (<Location /hsts-status>, module only)
#            WORKERS=n (threads, or prefork processes)  PERCHILD=n (threads per
#            child, 64; event/worker get ceil(WORKERS/PERCHILD) children)  PLAIN=0|1 (a plain-HTTP
#            vhost on PLAIN_PORT too)  EXTRA='directives' (server level)
#            CERT=file KEY=file (the vhosts' certificate and key; pki/server.*)
#            SEED=builtin|none (mod_ssl's SSLRandomSeed builtin, as Debian's default
#            config; "none" leaves seeding to OpenSSL: valgrind memcheck otherwise
#            reports every use of the RNG, seeded on purpose from uninitialised stack)
# Writes $BENCH_WORK/NAME/conf/httpd.conf; the static file is /index.html (512 bytes).
bench_write_conf() {
    local name="$1" variant="$2" port="$3"; shift 3
    local MPM=event VHOSTS=1 LOG=0 STATUS=0 WORKERS=64 PERCHILD=64 PLAIN=0 PLAIN_PORT="" EXTRA=""
    local SEED=builtin CERT="$BENCH_WORK/pki/server.pem" KEY="$BENCH_WORK/pki/server.key"
    local kv
    for kv in "$@"; do
        case "$kv" in
            MPM=*|VHOSTS=*|LOG=*|STATUS=*|WORKERS=*|PERCHILD=*|PLAIN=*|PLAIN_PORT=*|EXTRA=*|SEED=*|CERT=*|KEY=*)
                local "$kv" ;;
            *) bench_die "bench_write_conf: unknown option $kv" ;;
        esac
    done
    local root="$BENCH_WORK/$name" pki="$BENCH_WORK/pki" m i
    mkdir -p "$root/conf" "$root/logs" "$root/run" "$root/htdocs"
    chmod 755 "$root" "$root/run" "$root/htdocs"
    head -c 512 /dev/zero | tr '\0' 'x' > "$root/htdocs/index.html"
    chmod 644 "$root/htdocs/index.html"
    {
        cat <<EOF
# written by bench/lib.sh: variant $variant, mpm $MPM, $VHOSTS vhost(s)
ServerRoot "$root"
DefaultRuntimeDir "$root/run"
PidFile "$root/run/httpd.pid"
ServerName localhost
User $BENCH_USER
Group $BENCH_USER
Listen 127.0.0.1:$port
ErrorLog "$root/logs/error.log"
LogLevel warn
Timeout 30
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
GracefulShutdownTimeout 10
LoadModule mpm_${MPM}_module $APACHE2_MODULES/mod_mpm_${MPM}.so
EOF
        for m in authz_core authz_host mime dir headers socache_shmcb ssl http2; do
            echo "LoadModule ${m}_module $APACHE2_MODULES/mod_${m}.so"
        done
        case "$variant" in
            module|report|mtls) echo "LoadModule hsts_audit_module $HSTS_MODULE" ;;
        esac
        if [ "$PLAIN" = 1 ]; then echo "Listen 127.0.0.1:$PLAIN_PORT"; fi
        if [ "$MPM" = prefork ]; then
            cat <<EOF
StartServers $WORKERS
MinSpareServers 1
MaxSpareServers $WORKERS
ServerLimit $WORKERS
MaxRequestWorkers $WORKERS
MaxConnectionsPerChild 0
EOF
        else
            local per=$PERCHILD servers
            [ "$WORKERS" -lt "$per" ] && per=$WORKERS
            servers=$(( (WORKERS + per - 1) / per ))
            cat <<EOF
StartServers $servers
ServerLimit $servers
ThreadsPerChild $per
ThreadLimit $per
MinSpareThreads 1
MaxSpareThreads $WORKERS
MaxRequestWorkers $WORKERS
MaxConnectionsPerChild 0
EOF
        fi
        cat <<EOF
TypesConfig /etc/mime.types
DirectoryIndex index.html
DocumentRoot "$root/htdocs"
<Directory />
    Require all denied
    AllowOverride None
</Directory>
<Directory "$root/htdocs">
    Require all granted
    AllowOverride None
</Directory>
$( [ "$SEED" = builtin ] && printf 'SSLRandomSeed startup builtin\nSSLRandomSeed connect builtin' || true )
SSLSessionCache "shmcb:$root/run/ssl_scache(512000)"
Protocols h2 http/1.1
EOF
        if [ "$LOG" = 1 ]; then
            if [ "$variant" = module ] || [ "$variant" = report ]; then
                echo 'LogFormat "%>s %U %{hsts-audit}n %{hsts-audit-action}n %H" bench'
            else
                echo 'LogFormat "%>s %U - - %H" bench'
            fi
            echo "CustomLog \"$root/logs/access.log\" bench"
        fi
        case "$variant" in
            ceiling) ;;
            headers)
                echo 'Header always set Strict-Transport-Security "max-age=31536000; includeSubDomains"' ;;
            module)
                printf 'HSTSMaxAge 1y\nHSTSIncludeSubDomains On\nHSTSTrustedCA "%s"\n' "$pki/root.pem" ;;
            report)
                echo 'Header always set Strict-Transport-Security "max-age=31536000; includeSubDomains"'
                printf 'HSTSMode report\nHSTSTrustedCA "%s"\n' "$pki/root.pem" ;;
            mtls)
                echo 'HSTSMode off' ;;
            *) bench_die "unknown variant $variant" ;;
        esac
        if [ "$STATUS" = 1 ] && { [ "$variant" = module ] || [ "$variant" = report ]; }; then
            printf '<Location "/hsts-status">\n    SetHandler hsts-audit-status\n    HSTSMode off\n    Require local\n</Location>\n'
        fi
        [ -n "$EXTRA" ] && printf '%s\n' "$EXTRA"
        for ((i = 1; i < VHOSTS; i++)); do
            printf '<VirtualHost 127.0.0.1:%d>\n    ServerName v%04d.bench.test\n    SSLEngine on\n    SSLCertificateFile "%s"\n    SSLCertificateKeyFile "%s"\n</VirtualHost>\n' \
                "$port" "$i" "$CERT" "$KEY"
        done
        cat <<EOF
<VirtualHost 127.0.0.1:$port>
    ServerName localhost
    SSLEngine on
    SSLCertificateFile "$CERT"
    SSLCertificateKeyFile "$KEY"
</VirtualHost>
EOF
        if [ "$PLAIN" = 1 ]; then
            printf '<VirtualHost 127.0.0.1:%d>\n    ServerName localhost\n</VirtualHost>\n' "$PLAIN_PORT"
        fi
    } > "$root/conf/httpd.conf"
    "$APACHE2" -t -f "$root/conf/httpd.conf" >"$root/logs/configtest.out" 2>&1 \
        || { cat "$root/logs/configtest.out" >&2; bench_die "apache2 -t failed for $name"; }
}

# bench_spawn CMD...: run in the background, remember the pid in BENCH_SPAWNED.
bench_spawn() {
    "$@" &
    BENCH_SPAWNED=$!
    BENCH_PIDS+=("$BENCH_SPAWNED")
}

bench_port_open() {
    /usr/bin/python3 - "$1" <<'EOF' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.3)
s.close()
EOF
}

# bench_start NAME PORT [CPU list]: start httpd (foreground, in the background,
# pinned to the CPUs with taskset when given) and wait until it serves.
# Sets BENCH_HTTPD_PID (the parent's pid, which is the pid we started).
bench_start() {
    local name="$1" port="$2" cpus="${3:-}" root="$BENCH_WORK/$1" t
    : > "$root/logs/error.log"
    # its own session: prefork's parent signals its whole process group on
    # shutdown, which would otherwise include this script
    if [ -n "$cpus" ]; then
        bench_spawn setsid taskset -c "$cpus" "$APACHE2" -f "$root/conf/httpd.conf" -DFOREGROUND
    else
        bench_spawn setsid "$APACHE2" -f "$root/conf/httpd.conf" -DFOREGROUND
    fi
    BENCH_HTTPD_PID=$BENCH_SPAWNED
    for ((t = 0; t < 600; t++)); do
        kill -0 "$BENCH_HTTPD_PID" 2>/dev/null || { cat "$root/logs/error.log" >&2; bench_die "httpd $name exited at startup"; }
        if grep -q "resuming normal operations" "$root/logs/error.log" 2>/dev/null \
            && bench_port_open "$port"; then
            sleep 0.5
            return 0
        fi
        sleep 0.1
    done
    bench_die "httpd $name did not start in 60 s"
}

# bench_stop PID: SIGTERM to that pid and wait for it.
bench_stop() {
    local pid="$1" t
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((t = 0; t < 300; t++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# bench_status_json PORT PATH: GET https://localhost:PORT/PATH (the status page)
bench_get() {
    curl -sS --max-time 30 -k --resolve "localhost:$1:127.0.0.1" "https://localhost:$1$2"
}

# bench_cpu_ticks PID: CPU time (user + system, clock ticks) used so far by an
# httpd: the parent and its children (and their exited threads): the server's
# own cost, which other jobs on the machine do not add to (they only slow it down).
bench_cpu_ticks() {
    # cat, not awk on the files: a process may exit between the glob and the read
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v ppid="$1" '{
            pid = $1
            sub(/^[0-9]+ \(.*\) /, "")         # pid and (comm)
            # now $2 = ppid, $12 = utime, $13 = stime
            if ($2 == ppid || pid == ppid) t += $12 + $13
        } END { print t + 0 }'
}

# bench_median and friends read numbers, one a line.
bench_median() { sort -g | awk '{ a[NR] = $1 } END { if (!NR) { print "nan"; exit } m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; print m }'; }
bench_min() { sort -g | head -1; }
bench_max() { sort -g | tail -1; }

# bench_crashes NAME: child crashes / sanitizer reports in that server's logs.
bench_crashes() {
    local root="$BENCH_WORK/$1"
    grep -hE "exit signal|Segmentation fault|core dumped|AddressSanitizer|runtime error:|LeakSanitizer" \
        "$root/logs/error.log" "$root/logs/"*.out 2>/dev/null || true
}
