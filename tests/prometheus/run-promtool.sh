#!/bin/sh
# make check (automake TESTS): the shipped alert rules, prometheus/hsts_audit.rules.yml,
# checked (`promtool check rules`) and unit-tested (`promtool test rules` on
# tests/prometheus/hsts_audit.rules.test.yml: every alert, firing and not firing).
# Exit 77 (automake's SKIP) only when promtool is absent: apt-get install prometheus
# (scripts/deps.sh installs it; CI does). Env: PROMTOOL (default: promtool in PATH).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
srcdir="${top_srcdir:-$(cd "$here/../.." && pwd)}"
promtool="${PROMTOOL:-$(command -v promtool || true)}"
if [ -z "$promtool" ] || [ ! -x "$promtool" ]; then
    echo "promtool not found: apt-get install prometheus (skipped)"
    exit 77
fi
"$promtool" check rules "$srcdir/prometheus/hsts_audit.rules.yml" || exit 1
# promtool resolves rule_files relative to the test file
cd "$srcdir/tests/prometheus" && "$promtool" test rules hsts_audit.rules.test.yml
