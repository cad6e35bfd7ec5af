#!/usr/bin/env bash
# The whole test suite: installs what is missing (as root), builds, and runs
# `make check` (Check unit tests + pytest integration tests against a real httpd).
set -euo pipefail
cd "$(dirname "$0")"
. scripts/deps.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
build_module
status=0
make check -j1 || status=$?
# Show every runner's own report, so the closing lines are in the output.
for log in tests/unit/test_core.log tests/unit/test_sts.log tests/unit/test_audit.log tests/cli/run-cli-tests.sh.log tests/integration/run-pytest.sh.log tests/e2e/run-e2e.sh.log; do
    [ -f "$log" ] || continue
    echo "==================== $log"
    if [ "$status" -eq 0 ]; then tail -n 25 "$log"; else cat "$log"; fi
done
[ "$status" -eq 0 ] && echo "All tests passed." || echo "Tests FAILED (see above and test-suite.log)."
exit "$status"
