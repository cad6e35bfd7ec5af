#!/bin/bash
# valgrind memcheck of `apache2 -X` with mod_hsts_audit over a representative set of
# requests (docs/reliability.md, "valgrind"): policy added, an invalid and a
# repeated STS from mod_headers replaced, report mode with a preload header, a
# downgrading redirect, a 404, plain HTTP (STS removed, no redirect), the status
# page in its four formats; HTTPS over HTTP/1.1 and HTTP/2, plain HTTP/1.1.
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
EOF
)"
root="$BENCH_WORK/mc"
for f in invalid multi report plainsts; do cp "$root/htdocs/index.html" "$root/htdocs/$f"; done
log="$root/logs/valgrind.out"
: > "$log"
chmod 666 "$log"
bench_spawn valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
    --errors-for-leak-kinds=definite --num-callers=40 --error-limit=no --log-file="$log" \
    "$APACHE2" -X -f "$root/conf/httpd.conf"
pid=$BENCH_SPAWNED
for ((t = 0; t < 1800; t++)); do
    kill -0 "$pid" 2>/dev/null || { cat "$log" "$root/logs/error.log" >&2; bench_die "httpd -X exited at startup"; }
    bench_port_open "$port" && break
    sleep 0.1
done
get() { # proto url
    curl -sk -o /dev/null -w '%{http_code} ' --max-time 120 "$1" \
        --resolve "localhost:$port:127.0.0.1" --resolve "localhost:$plain:127.0.0.1" "$2" || echo -n "ERR "
}
paths=(/index.html /invalid /multi /report /downgrade /nothere "/hsts-status" "/hsts-status?json"
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
    echo
done
bench_stop "$pid"
[ -n "$KEEP_LOG" ] && cp "$log" "$KEEP_LOG"
echo
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable" "$log" | sed 's/^==[0-9]*== /  /'
# valgrind's records: blocks separated by blank "==pid== " lines; keep those
# that mention the module
awk '/^==[0-9]+== $/ { if (blk ~ /mod_hsts_audit\.so/ && blk !~ /HEAP SUMMARY|LEAK SUMMARY/) { print blk; n++ } blk = ""; next }
     { blk = blk $0 "\n" }
     END { if (blk ~ /mod_hsts_audit\.so/) { print blk; n++ } exit n > 0 }' "$log" > "$BENCH_WORK/module-records.txt" && found=0 || found=1
if [ "$found" -eq 0 ]; then
    echo "no invalid access, uninitialised use or definite leak through mod_hsts_audit.so"
else
    echo "records through mod_hsts_audit.so:"
    cat "$BENCH_WORK/module-records.txt"
    exit 1
fi
