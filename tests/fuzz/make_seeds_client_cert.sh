#!/bin/sh
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# make_seeds_client_cert.sh: a seed corpus for tests/fuzz/fuzz_client_cert.c.
# Each seed: 8 header bytes, then NUL-separated SSL_CLIENT_VERIFY, subject,
# issuer, notBefore, notAfter, Accept, SSL_CLIENT_V_REMAIN and the https:// URL of a
# plain-HTTP refusal, as mod_ssl and clients give them (the verify texts are
# OpenSSL's, as mod_ssl writes them).
#
# usage: make_seeds_client_cert.sh OUTDIR
set -eu

if [ $# -lt 1 ] || [ -z "$1" ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
out=$1
mkdir -p "$out"
n=0
# seed HEADER VERIFY [SUBJECT ISSUER NOTBEFORE NOTAFTER ACCEPT V_REMAIN HTTPS_URL]
# HEADER: 8 bytes as printf octal escapes.
seed() {
    head=$1
    shift
    n=$((n + 1))
    {
        printf "$head"
        first=1
        for s in "$@"; do
            [ $first = 1 ] || printf '\000'
            first=0
            printf '%s' "$s"
        done
    } > "$out/seed-$n"
}
dates="Nov 21 10:00:00 2025 GMT"
later="Nov 21 10:00:00 2026 GMT"
seed '\003\001\001\137\001\001\000\036' "FAILED:certificate has expired" \
    "CN=client,O=Example" "CN=Test CA,O=Example" "$dates" "$later" \
    "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8" "12"
seed '\005\001\001\137\003\003\000\036' "FAILED:certificate revoked" \
    "CN=client" "CN=Test CA" "$dates" "$later" "*/*" "300"
seed '\006\001\002\140\004\004\000\036' "FAILED:unable to get local issuer certificate" \
    "CN=x" "CN=Unknown CA" "$dates" "$later" "text/plain" "30"
seed '\006\000\001\137\007\007\000\036' "GENEROUS" "CN=self" "CN=self" "$dates" "$later" \
    "application/json;q=1, text/*;q=0" "0"
seed '\002\000\002\140\000\000\000\036' "NONE" "" "" "" "" "" ""
seed '\001\001\000\000\000\000\000\036' "SUCCESS" "CN=ok" "CN=Test CA" "$dates" "$later" \
    "text/html;q=0.001" "29"
seed '\004\001\001\137\002\002\001\000' "FAILED:certificate is not yet valid" \
    "CN=<b>&\"'" "CN=a\\,b+OU=c" "$later" "$dates" "TEXT/HTML; Q=0.5 ; level=1" "9999999999"
seed '\007\001\001\137\014\013\000\036' "FAILED:unable to get certificate CRL" \
    "emailAddress=a@b,CN=c" "CN=Test CA" "$dates" "$later" "" "-1"
seed '\002\000\002\140\000\000\000\036' "" "" "" "" "" "text/html" "" \
    "https://api.example.org/x?<script>&a=\"b\""
seed '\002\000\002\140\000\000\000\036' "" "" "" "" "" "" "" "https://h/%0d%0a"
