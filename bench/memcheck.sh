#!/bin/bash
# valgrind memcheck of `apache2 -X` with mod_hsts_audit over a representative set of
# requests (docs/reliability.md, "valgrind"): policy added, an invalid and a
# repeated STS from mod_headers replaced, report mode with a preload header, a
# downgrading redirect, a 404, plain HTTP (STS removed, no redirect), the status
# page in its four formats; under HSTSClientCert require a client without a
# certificate (496), with a self-signed one (495) and with a valid one (200),
# resumed sessions of the valid one (TLS 1.3 ticket, TLS 1.2 session cache), TRACE,
# and plain HTTP into the require scope (496); HTTPS over HTTP/1.1 and HTTP/2,
# plain HTTP/1.1; an HTTPS redirect to a host served here with a certificate that
# does not cover it (redirects.https.target_cert_invalid); and runs of the watch
# (HSTSCertCheckInterval 10s: the last pass waits for one).
#
#   bench/memcheck.sh [-r REPEAT (3)] [-o VALGRIND_LOG]
#
# Prints valgrind's error and leak summaries, and every error or definite leak
# whose stack passes through mod_hsts_audit.so; exits 1 when there is one.
# Needs valgrind and curl. Env: see bench/lib.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

REPEAT=3 KEEP_LOG=""
while getopts "r:o:h" opt; do
    case "$opt" in
        r) REPEAT=$OPTARG ;; o) KEEP_LOG=$OPTARG ;;
        *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done
bench_need valgrind
bench_need curl
bench_need_module
bench_init memcheck
bench_pki
# client certificates: one from the bench root (valid), one self-signed (refused: 495)
pki="$BENCH_WORK/pki"
printf '%s\n' '[ext]' 'basicConstraints = critical, CA:FALSE' \
    'keyUsage = critical, digitalSignature' 'extendedKeyUsage = clientAuth' > "$pki/client.ext"
"$OPENSSL" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$pki/client.key" -out "$pki/client.csr" -subj "/O=hsts bench/CN=client" 2>/dev/null
"$OPENSSL" x509 -req -in "$pki/client.csr" -CA "$pki/root.pem" -CAkey "$pki/root.key" \
    -set_serial 0x2001 -days 30 -sha256 -extfile "$pki/client.ext" -extensions ext \
    -out "$pki/client.pem" 2>/dev/null
"$OPENSSL" req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$pki/rogue.key" -out "$pki/rogue.pem" -days 30 -sha256 \
    -subj "/O=<rogue & co>/CN=rogue" 2>/dev/null
chmod -R a+rX "$pki"
port=$(bench_free_port)
plain=$(bench_free_port)
bench_write_conf mc module "$port" MPM=event WORKERS=4 LOG=1 STATUS=1 PLAIN=1 PLAIN_PORT="$plain" SEED=none \
    EXTRA="$(cat <<'EOF'
LoadModule alias_module /usr/lib/apache2/modules/mod_alias.so
<Location /invalid>
    Header always set Strict-Transport-Security "max-age=abc; includeSubDomains"
</Location>
<Location /multi>
    Header always add Strict-Transport-Security "max-age=1"
    Header always add Strict-Transport-Security "max-age=2; includeSubDomains"
</Location>
<Location /report>
    HSTSMode report
    Header always set Strict-Transport-Security "max-age=10; preload"
</Location>
<Location /plainsts>
    Header always set Strict-Transport-Security "max-age=31536000"
</Location>
Redirect 302 /downgrade http://localhost/elsewhere
Redirect 302 /elsewhere-tls https://notcovered.test/
HSTSCertCheckInterval 10s
LogLevel warn hsts_audit:info
SSLVerifyClient optional
SSLVerifyDepth 2
<Location /mtls>
    HSTSClientCert require
</Location>
EOF
)
SSLCACertificateFile \"$pki/root.pem\""
root="$BENCH_WORK/mc"
for f in invalid multi report plainsts mtls; do cp "$root/htdocs/index.html" "$root/htdocs/$f"; done
log="$root/logs/valgrind.out"
: > "$log"
chmod 666 "$log"
bench_spawn valgrind --tool=memcheck --keep-debuginfo=yes --leak-check=full --show-leak-kinds=definite \
    --errors-for-leak-kinds=definite --num-callers=40 --error-limit=no --log-file="$log" \
    "$APACHE2" -X -f "$root/conf/httpd.conf"
pid=$BENCH_SPAWNED
for ((t = 0; t < 1800; t++)); do
    kill -0 "$pid" 2>/dev/null || { cat "$log" "$root/logs/error.log" >&2; bench_die "httpd -X exited at startup"; }
    bench_port_open "$port" && break
    sleep 0.1
done
get() { # proto url [curl options]
    curl -sk -o /dev/null -w '%{http_code} ' --max-time 120 \
        --resolve "localhost:$port:127.0.0.1" --resolve "localhost:$plain:127.0.0.1" "$@" || echo -n "ERR "
}
paths=(/index.html /invalid /multi /report /downgrade /elsewhere-tls /nothere "/hsts-status" "/hsts-status?json"
       "/hsts-status?auto" "/hsts-status?metrics" "/hsts-status?refresh=5")
echo "requests (status codes):"
for ((i = 1; i <= REPEAT; i++)); do
    for p in "${paths[@]}"; do
        get --http1.1 "https://localhost:$port$p"
        get --http2 "https://localhost:$port$p"
    done
    for p in /index.html /plainsts /nothere; do
        get --http1.1 "http://localhost:$plain$p"
    done
    for proto in --http1.1 --http2; do
        get "$proto" "https://localhost:$port/mtls"
        get "$proto" "https://localhost:$port/mtls" --cert "$pki/rogue.pem" --key "$pki/rogue.key"
        get "$proto" "https://localhost:$port/mtls" -H "Accept: text/plain" \
            --cert "$pki/rogue.pem" --key "$pki/rogue.key"
        get "$proto" "https://localhost:$port/mtls" --cert "$pki/client.pem" --key "$pki/client.key"
        get "$proto" "https://localhost:$port/mtls" -X TRACE
    done
    get --http1.1 "http://localhost:$plain/mtls"
    for tls in -tls1_3 -tls1_2; do
        for mode in -sess_out -sess_in; do
            printf 'GET /mtls HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' \
                | timeout 120 "$OPENSSL" s_client -quiet -connect "127.0.0.1:$port" \
                    -servername localhost "$tls" -cert "$pki/client.pem" -key "$pki/client.key" \
                    "$mode" "$BENCH_WORK/session$tls" -ign_eof 2>/dev/null \
                | awk 'NR == 1 { printf "%s ", $2 }' || echo -n "ERR "
        done
    done
    echo
done
# a run of the watch (every 10 s) under valgrind, then the pages that show it
for ((t = 0; t < 60; t++)); do
    grep -q "HSTS00053" "$root/logs/error.log" 2>/dev/null && break
    sleep 1
done
grep -q "HSTS00053" "$root/logs/error.log" || echo "(no run of the watch seen)"
get --http1.1 "https://localhost:$port/hsts-status?json"
get --http1.1 "https://localhost:$port/hsts-status"
echo
# Let httpd finish closing the clients' connections before it stops: mod_ssl
# drops its reference to a connection's client certificate when it shuts the
# TLS connection down, not when httpd tears down one still open at exit (then
# one X509 from the handshake is "definitely lost", with or without the module:
# about 1 run in 5 without this pause, 0 in 12 with it).
sleep 2
bench_stop "$pid"
[ -n "$KEEP_LOG" ] && cp "$log" "$KEEP_LOG"
echo
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable" "$log" | sed 's/^==[0-9]*== /  /'
# valgrind's records: blocks separated by blank "==pid== " lines; keep those
# that pass through the module: a frame "(in .../mod_hsts_audit.so)", or, since
# --keep-debuginfo names the module's frames after httpd unloaded it (leaks are
# found at exit), a frame "(<one of our source files>:<line>)"
ours=$(cd "$BENCH_TOP" && ls mod_hsts_audit.c src/*.c | sed 's|.*/||; s|\.|\\.|g' | paste -sd'|')
MODULE_RE="mod_hsts_audit\\.so|\\((${ours}):[0-9]+\\)" awk '
     BEGIN { re = ENVIRON["MODULE_RE"] }
     /^==[0-9]+== $/ { if (blk ~ re && blk !~ /HEAP SUMMARY|LEAK SUMMARY/) { print blk; n++ } blk = ""; next }
     { blk = blk $0 "\n" }
     END { if (blk ~ re) { print blk; n++ } exit n > 0 }' "$log" > "$BENCH_WORK/module-records.txt" && found=0 || found=1
if [ "$found" -eq 0 ]; then
    echo "no invalid access, uninitialised use or definite leak through mod_hsts_audit.so"
else
    echo "records through mod_hsts_audit.so:"
    cat "$BENCH_WORK/module-records.txt"
    exit 1
fi
