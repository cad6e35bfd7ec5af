#!/bin/sh
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# make_seeds.sh: a seed corpus for tests/fuzz/fuzz_sts.c.
# Writes one file per data row of the test vectors: the row's header_value
# with the TSV escapes (\\ \t \n \r) undone, byte for byte, no newline added.
#
# usage: make_seeds.sh OUTDIR [VECTORS.tsv]
#   VECTORS.tsv defaults to $HSTS_VECTORS, else tests/unit/data/ beside this
#   script's parent directory.
set -eu

if [ $# -lt 1 ] || [ -z "$1" ]; then
    echo "usage: $0 OUTDIR [VECTORS.tsv]" >&2
    exit 2
fi
out=$1
here=$(cd "$(dirname "$0")" && pwd)
vectors=${2:-${HSTS_VECTORS:-$here/../unit/data/sts_vectors_public.tsv}}
if [ ! -r "$vectors" ]; then
    echo "$0: cannot read $vectors" >&2
    exit 1
fi
mkdir -p "$out"

# awk reads column 1 of each row after the header and writes it unescaped.
LC_ALL=C awk -F '\t' -v out="$out" '
function unescape(s,    r, i, c, n) {
    r = ""
    n = length(s)
    for (i = 1; i <= n; i++) {
        c = substr(s, i, 1)
        if (c == "\\" && i < n) {
            i++
            c = substr(s, i, 1)
            if (c == "t") c = "\t"
            else if (c == "n") c = "\n"
            else if (c == "r") c = "\r"
        }
        r = r c
    }
    return r
}
NR == 1 { next }
{ sub(/\r$/, "") }
$0 == "" { next }
{
    file = sprintf("%s/vector-%03d", out, NR - 1)
    printf "%s", unescape($1) > file
    close(file)
    count++
}
END { printf "%d seeds written to %s\n", count, out > "/dev/stderr" }
' "$vectors"
