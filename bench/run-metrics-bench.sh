#!/bin/sh
# ?metrics at fleet scale (issue 17, docs/performance.md "?metrics at scale"):
# size, samples per vhost and render time of the Prometheus exposition for
# 1,000 and 5,000 TLS vhosts (bench/render_json.c's synthetic snapshot: every
# vhost with aliases, a policy, non-zero counters and findings, a certificate,
# a third of them expiring soon). Goal: under 5 MB and 30 ms at 5,000 vhosts.
# Run `make` first.   bench/run-metrics-bench.sh [iterations (50)]
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
iterations="${1:-50}"
for n in 1000 5000; do
    "$here/run-render-bench.sh" "$n" "$iterations" metrics
done
