#!/usr/bin/env bash
# The long runs in seconds (docs/reliability.md, docs/performance.md): what CI
# runs after the test suite, so that `make fuzz`, `make bench` and `make soak`
# keep working between their full runs. Nothing here judges speed: the bench
# smoke only checks that every variant serves its requests and that the scripts
# report their figures.
#
#   scripts/smoke.sh [fuzz] [bench] [soak]     (default: all three)
#
# fuzz   every libFuzzer target for FUZZ_SMOKE_SECONDS (5) with ASan + UBSan
#        (make fuzz-smoke): a crash or a failed check fails the smoke
# bench  bench/throughput.sh, one round of 1 s per variant and tool;
#        bench/instructions.sh with 200 requests (callgrind); bench/handshakes.sh,
#        one round of 1 s per case with P-256 keys; bench/watch_cycle.sh with 20
#        vhosts with distinct certificates, one run and one run of the watch
# soak   scripts/soak.sh on the event MPM: 5 s of wrk with 32 connections, 2
#        graceful restarts under load, 20 requests per hostile case
# Needs what `make fuzz`, `make bench` and `make soak` need (root, clang,
# libclang-rt-14-dev, wrk, nghttp2-client, valgrind); scripts/deps.sh has the
# list (SMOKE_PACKAGES). Run from a built tree.
set -euo pipefail
cd "$(dirname "$0")/.."
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(fuzz bench soak)
export HSTS_MODULE="${HSTS_MODULE:-$PWD/.libs/mod_hsts_audit.so}"
[ -f "$HSTS_MODULE" ] || { echo "$0: build first (make): no $HSTS_MODULE" >&2; exit 1; }
for part in "${parts[@]}"; do
    echo "==================== smoke: $part"
    case "$part" in
    fuzz)  make fuzz-smoke ;;
    bench) bench/throughput.sh -r 1 -d 1 -c 8
           bench/instructions.sh -n 200
           bench/handshakes.sh -r 1 -d 1 -k ec
           bench/watch_cycle.sh -n 20 -c distinct -r 1 -w 1 ;;
    soak)  scripts/soak.sh -M event -d 5 -c 32 -g 2 -i 1 -n 20 ;;
    *)     echo "$0: unknown part $part (fuzz, bench, soak)" >&2; exit 2 ;;
    esac
done
echo "smoke passed: ${parts[*]}"
