#!/bin/bash
# Load and fault soak of mod_hsts_audit (docs/reliability.md). Loopback only;
# every process it starts is stopped by its pid; bounded in time.
#
#   scripts/soak.sh [-d SECONDS (60)] [-c CONNECTIONS (256)] [-M "prefork worker event"]
#                   [-g GRACEFULS (10)] [-i INTERVAL (3)] [-n HOSTILE_REQUESTS (200)]
#                   [-P "load graceful hostile"]
#
# load      per MPM: wrk -c CONNECTIONS for SECONDS against HTTPS keep-alive (the
#           module in add mode, access log on). Pass: no socket error, no non-2xx,
#           and the status page's ?json totals (requests_https, sts_added) equal the
#           requests in the access log.
# graceful  per MPM: wrk while GRACEFULS x SIGUSR1 (apachectl -k graceful) go to
#           the parent pid every INTERVAL s and ?json is read every 0.3 s (a failed
#           read is tried once more: a new connection can meet the generation
#           change itself; twice failed fails the check); once with
#           a new connection per request (Connection: close, 16 connections), once
#           with keep-alive (64), and keep-alive again without the module.
#           Pass: the parent survives every restart, requests_https never goes
#           backwards, counters equal the access log, and no request fails with
#           Connection: close. With keep-alive, httpd itself fails a few requests
#           on every graceful restart (an idle connection closed while the client
#           sends on it: HTTP/1.1 leaves the retry to the client, wrk does not
#           retry); those are reported with the same figure without the module.
# hostile   event MPM, mod_proxy_http to a raw backend that hangs up mid-headers,
#           sends 1,000 STS fields, or a 64 KiB STS value (passed by
#           responsefieldsize=70000, and refused with the default 8 KiB limit);
#           clients that disconnect mid-response (8 MiB file, HTTP/1.1 and via
#           the proxy). Pass: no crash, the server still serves, the findings
#           (header.multiple, header.invalid.max_age) counted for each response.
# Any child crash or sanitizer report in an error log fails the run (so it also
# works with an ASan build: HSTS_MODULE=... LD_PRELOAD=$(gcc -print-file-name=libasan.so)).
# Needs root, wrk, curl, python3. Env: see bench/lib.sh.
set -euo pipefail
. "$(dirname "$0")/../bench/lib.sh"

DURATION=60 CONNS=256 MPMS="prefork worker event" GRACEFULS=10 INTERVAL=3 HOSTILE=200
PHASES="load graceful hostile"
while getopts "d:c:M:g:i:n:P:h" opt; do
    case "$opt" in
        d) DURATION=$OPTARG ;; c) CONNS=$OPTARG ;; M) MPMS=$OPTARG ;; g) GRACEFULS=$OPTARG ;;
        i) INTERVAL=$OPTARG ;; n) HOSTILE=$OPTARG ;; P) PHASES=$OPTARG ;;
        *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done
bench_need wrk
bench_need curl
bench_need_module
bench_init soak
bench_pki
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "pass: $*"; }

json_field() { # PORT expression-on-doc
    bench_get "$1" "/hsts-status?json" | /usr/bin/python3 -c \
        "import json, sys; doc = json.load(sys.stdin); print($2)"
}

log_count() { # NAME PATH: access-log lines for that path
    awk -v p="$2" '$2 == p { n++ } END { print n + 0 }' "$BENCH_WORK/$1/logs/access.log"
}

run_wrk() { # PORT SECONDS CONNS [wrk options] -> "requests errors non2xx"
    local out port="$1" seconds="$2" conns="$3"
    shift 3
    out=$(wrk -t2 -c"$conns" -d"${seconds}s" --timeout 10s "$@" \
        "https://localhost:$port/index.html" 2>&1) || true
    if [ -n "${WRK_LOG:-}" ]; then echo "$out" >> "$WRK_LOG"; fi
    awk '
        / requests in / { req = $1 }
        /Non-2xx or 3xx responses:/ { non = $NF }
        /Socket errors:/ { gsub(/,/, ""); err = $4 + $6 + $8 + $10 }
        END { printf "%d %d %d\n", req, err, non }' <<<"$out"
}

check_crashes() { # NAME
    local c
    c=$(bench_crashes "$1")
    if [ -n "$c" ]; then fail "$1: crash or sanitizer report:"; echo "$c" | head -20; else pass "$1: no crash, no sanitizer report"; fi
}

# ---- load ---------------------------------------------------------------------
load_run() { # NAME VARIANT MPM -> LOAD_ERRORS
    local name="$1" variant="$2" mpm="$3" port pid req err non https added logged
    port=$(bench_free_port)
    # twice the connections, in one child (worker, event): a child whose threads
    # are all busy closes its idle keep-alive connections (event's listener sweeps
    # its keep-alive queue), which wrk (no retries) counts as errors
    bench_write_conf "$name" "$variant" "$port" MPM="$mpm" WORKERS=$((2 * CONNS)) \
        PERCHILD=$((2 * CONNS)) LOG=1 STATUS=1
    bench_start "$name" "$port"
    pid=$BENCH_HTTPD_PID
    echo "== load, $mpm MPM, $variant: wrk -t2 -c$CONNS -d${DURATION}s (httpd pid $pid)"
    read -r req err non < <(WRK_LOG="$BENCH_WORK/$name/wrk.log" run_wrk "$port" "$DURATION" "$CONNS")
    sleep 1
    logged=$(log_count "$name" /index.html)
    echo "   wrk: $req requests ($(awk '/Requests\/sec/ { print $2 }' "$BENCH_WORK/$name/wrk.log") req/s)," \
         "$err socket errors ($(grep -h 'Socket errors' "$BENCH_WORK/$name/wrk.log" | sed 's/^ *//' || echo none))," \
         "$non non-2xx; access log: $logged"
    if [ "$variant" = module ]; then
        https=$(json_field "$port" 'doc["totals"]["requests_https"]')
        added=$(json_field "$port" 'doc["totals"]["sts_added"]')
        echo "   ?json requests_https $https, sts_added $added"
        [ "$https" -eq "$logged" ] && [ "$added" -eq "$logged" ] \
            && pass "$mpm: counters = access log ($logged)" \
            || fail "$mpm: counters $https/$added != access log $logged"
        [ "$req" -le "$logged" ] || fail "$mpm: wrk counted more responses ($req) than were logged ($logged)"
    fi
    LOAD_ERRORS=$((err + non))
    bench_stop "$pid"
    check_crashes "$name"
}

phase_load() {
    local mpm e_mod
    for mpm in $MPMS; do
        load_run "load-$mpm" module "$mpm"
        e_mod=$LOAD_ERRORS
        if [ "$e_mod" -eq 0 ]; then
            pass "$mpm: no socket error, no non-2xx"
        else
            fail "$mpm: $e_mod socket errors or non-2xx responses"
            load_run "load-$mpm-nomod" ceiling "$mpm"
            echo "   the same without the module: $LOAD_ERRORS socket errors or non-2xx"
        fi
    done
}

# ---- graceful restarts under load -----------------------------------------------
graceful_run() { # NAME VARIANT MPM CLIENT(keepalive|close)
    local name="$1" variant="$2" mpm="$3" client="$4" port pid wpid ppid="" i seconds
    local prev=0 cur back=0 polls=0 retried=0 opts=() conns=64
    port=$(bench_free_port)
    bench_write_conf "$name" "$variant" "$port" MPM="$mpm" WORKERS=128 LOG=1 STATUS=1
    bench_start "$name" "$port"
    pid=$BENCH_HTTPD_PID
    seconds=$((GRACEFULS * INTERVAL + 4))
    if [ "$client" = close ]; then opts=(-H "Connection: close"); conns=16; fi
    echo "== graceful, $mpm MPM, $variant, $client: wrk -c$conns -d${seconds}s ${opts[*]}," \
         "$GRACEFULS x SIGUSR1 every ${INTERVAL}s"
    WRK_LOG="$BENCH_WORK/$name/wrk.log" run_wrk "$port" "$seconds" "$conns" "${opts[@]}" \
        > "$BENCH_WORK/$name/wrk.out" &
    wpid=$!
    BENCH_PIDS+=("$wpid")
    if [ "$variant" = module ]; then
        # a read that fails is tried again once after 0.2 s (a new connection can
        # meet the generation change itself); two failures in a row fail the check
        ( while kill -0 "$wpid" 2>/dev/null; do
              json_field "$port" 'doc["totals"]["requests_https"]' 2>/dev/null \
                  || { echo "RETRY" >&2; sleep 0.2;
                       json_field "$port" 'doc["totals"]["requests_https"]' 2>/dev/null; } \
                  || echo "ERR"
              sleep 0.3
          done ) > "$BENCH_WORK/$name/polls.out" 2> "$BENCH_WORK/$name/polls.retried" &
        ppid=$!
        BENCH_PIDS+=("$ppid")
    fi
    sleep 2
    for ((i = 1; i <= GRACEFULS; i++)); do
        kill -USR1 "$pid" || { fail "$name: parent $pid gone before graceful $i"; break; }
        sleep "$INTERVAL"
    done
    wait "$wpid" || true
    if [ -n "$ppid" ]; then wait "$ppid" || true; fi
    kill -0 "$pid" 2>/dev/null && pass "$name: parent survived $GRACEFULS graceful restarts" \
        || fail "$name: parent exited"
    read -r req err non < "$BENCH_WORK/$name/wrk.out"
    sleep 1
    local logged restarts
    logged=$(log_count "$name" /index.html)
    restarts=$(( $(grep -c "resuming normal operations" "$BENCH_WORK/$name/logs/error.log" || true) - 1 ))
    echo "   wrk: $req requests, $err socket errors ($(grep -h 'Socket errors' "$BENCH_WORK/$name/wrk.log" | sed 's/^ *//' || echo none)), $non non-2xx; access log: $logged; restarts done: $restarts"
    [ "$restarts" -eq "$GRACEFULS" ] || fail "$name: $restarts restarts done, $GRACEFULS asked"
    if [ "$variant" = module ]; then
        while read -r cur; do
            polls=$((polls + 1))
            if [ "$cur" = ERR ]; then fail "$name: a status-page read failed"; continue; fi
            if [ "$cur" -lt "$prev" ]; then back=$((back + 1)); fi
            prev=$cur
        done < "$BENCH_WORK/$name/polls.out"
        retried=$(grep -c RETRY "$BENCH_WORK/$name/polls.retried" || true)
        [ "$retried" -eq 0 ] || echo "   status-page reads tried a second time: $retried"
        [ "$back" -eq 0 ] && pass "$name: requests_https never went backwards ($polls reads, last $prev)" \
            || fail "$name: requests_https went backwards $back times"
        local https
        https=$(json_field "$port" 'doc["totals"]["requests_https"]')
        [ "$https" -eq "$logged" ] && pass "$name: counters = access log ($logged)" \
            || fail "$name: requests_https $https != access log $logged"
    fi
    GRACEFUL_ERRORS=$((err + non))
    bench_stop "$pid"
    check_crashes "$name"
}

phase_graceful() {
    local mpm e_mod e_base
    for mpm in $MPMS; do
        # new connection per request: nothing for a restart to cut, so no request may fail
        graceful_run "graceful-$mpm-close" module "$mpm" close
        [ "$GRACEFUL_ERRORS" -eq 0 ] && pass "graceful-$mpm-close: no failed request" \
            || fail "graceful-$mpm-close: $GRACEFUL_ERRORS failed requests"
        # keep-alive: the old generation closes its idle connections while wrk may be
        # sending on them (HTTP/1.1 leaves the retry to the client; wrk does not
        # retry), so httpd fails some requests with or without the module: compare.
        graceful_run "graceful-$mpm-keepalive" module "$mpm" keepalive
        e_mod=$GRACEFUL_ERRORS
        graceful_run "graceful-$mpm-keepalive-nomod" ceiling "$mpm" keepalive
        e_base=$GRACEFUL_ERRORS
        echo "   keep-alive: failed requests with the module $e_mod, without it $e_base" \
             "(same load and restarts)"
    done
}

# ---- hostile backends and clients -------------------------------------------------
write_backend() {
    cat > "$BENCH_WORK/backend.py" <<'EOF'
"""Hostile origin for scripts/soak.sh: 127.0.0.1 only; paths choose the behaviour."""
import socket, socketserver, sys, urllib.parse

class H(socketserver.StreamRequestHandler):
    def handle(self):
        head = b""
        while len(head) < 65536:
            line = self.rfile.readline(65537)
            if not line or line in (b"\r\n", b"\n"):
                break
            head += line
        parts = head.split(b" ")
        url = urllib.parse.urlsplit(parts[1].decode("latin-1") if len(parts) > 1 else "/")
        q = dict(urllib.parse.parse_qsl(url.query))
        n = int(q.get("n", "0"))
        status = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        if url.path.endswith("/hangup"):
            self.wfile.write(status + b"Strict-Transport-Sec")      # and hang up
            return
        lines = []
        if url.path.endswith("/fields"):
            lines = [b"Strict-Transport-Security: max-age=31536000; includeSubDomains"] * n
        elif url.path.endswith("/big"):
            lines = [b"Strict-Transport-Security: max-age=" + b"x" * (n - 8)]
        body = b"ok\n"
        out = status + b"".join(l + b"\r\n" for l in lines)
        out += b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
        self.wfile.write(out)

class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

S(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
}

disconnect_clients() { # PORT PATH COUNT: read 1 KiB of the response, then reset
    /usr/bin/python3 - "$@" <<'EOF'
import socket, ssl, struct, sys
port, path, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ok = 0
for i in range(count):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    t = ctx.wrap_socket(s, server_hostname="localhost")
    t.sendall(b"GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % path.encode())
    if t.recv(1024):
        ok += 1
    t.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    t.close()                      # RST mid-response
print(ok)
EOF
}

phase_hostile() {
    local name=hostile port bport pid bpid n path want k
    port=$(bench_free_port)
    bport=$(bench_free_port)
    write_backend
    bench_spawn /usr/bin/python3 "$BENCH_WORK/backend.py" "$bport"
    bpid=$BENCH_SPAWNED
    bench_write_conf "$name" module "$port" MPM=event WORKERS=64 LOG=1 STATUS=1 EXTRA="$(cat <<EOF
LoadModule proxy_module $APACHE2_MODULES/mod_proxy.so
LoadModule proxy_http_module $APACHE2_MODULES/mod_proxy_http.so
ProxyPass /rawbig/ http://localhost:$bport/ responsefieldsize=70000
ProxyPass /raw/ http://127.0.0.1:$bport/
EOF
)"
    head -c 8388608 /dev/zero > "$BENCH_WORK/$name/htdocs/big.bin"
    chmod 644 "$BENCH_WORK/$name/htdocs/big.bin"
    bench_start "$name" "$port"
    pid=$BENCH_HTTPD_PID
    echo "== hostile backends and clients, event MPM, $HOSTILE requests each, 8 in parallel"
    # path, the status every response must have
    for spec in "/raw/hangup 502" "/raw/fields?n=1000 200" "/rawbig/big?n=65536 200" \
                "/raw/big?n=65536 502" "/raw/ok 200"; do
        set -- $spec
        path=$1 want=$2
        k=$(seq "$HOSTILE" | xargs -P 8 -I{} curl -sk -o /dev/null -w '%{http_code}\n' \
                --max-time 30 --resolve "localhost:$port:127.0.0.1" \
                -D - "https://localhost:$port$path" 2>/dev/null \
            | tr -d '\r' | awk -v w="$want" '
                /^[0-9][0-9][0-9]$/ { if ($1 == w) ok++ }
                tolower($0) ~ /^strict-transport-security: max-age=31536000; includesubdomains$/ { sts++ }
                END { printf "%d %d\n", ok, sts }')
        set -- $k
        [ "$1" -eq "$HOSTILE" ] && [ "$2" -eq "$HOSTILE" ] \
            && pass "$path: $HOSTILE x $want, each with exactly the policy" \
            || fail "$path: $1 of $HOSTILE got $want, $2 carried the policy"
    done
    n=$(disconnect_clients "$port" /big.bin "$HOSTILE")
    pass "client reset after 1 KiB of an 8 MiB response: $n of $HOSTILE"
    n=$(disconnect_clients "$port" "/raw/fields?n=1000" "$HOSTILE")
    pass "client reset mid-response through the proxy (1,000 fields): $n of $HOSTILE"
    sleep 1
    curl -sk -o /dev/null -w '%{http_code}' --resolve "localhost:$port:127.0.0.1" \
        "https://localhost:$port/index.html" | grep -q 200 && pass "server still serves" \
        || fail "server does not serve any more"
    local multiple invalid
    multiple=$(json_field "$port" 'doc["findings"]["header.multiple"]')
    invalid=$(json_field "$port" 'doc["findings"]["header.invalid.max_age"]')
    echo "   ?json findings: header.multiple $multiple, header.invalid.max_age $invalid"
    # /raw/fields: HOSTILE via curl + up to HOSTILE reset clients; /rawbig/big: HOSTILE
    [ "$multiple" -ge "$HOSTILE" ] && pass "header.multiple counted ($multiple)" \
        || fail "header.multiple $multiple < $HOSTILE"
    [ "$invalid" -eq "$HOSTILE" ] && pass "header.invalid.max_age counted ($invalid)" \
        || fail "header.invalid.max_age $invalid != $HOSTILE"
    bench_stop "$pid"
    bench_stop "$bpid"
    check_crashes "$name"
}

echo "soak: $(date -u +%FT%TZ), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for phase in $PHASES; do "phase_$phase"; done
echo
if [ "$FAILS" -eq 0 ]; then echo "soak: all checks passed"; else echo "soak: $FAILS check(s) FAILED"; fi
[ "$FAILS" -eq 0 ]
