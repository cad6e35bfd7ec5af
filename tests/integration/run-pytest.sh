#!/usr/bin/env bash
# Entry point for `make check` (automake TESTS) and for humans: runs the integration
# tests against the module built in this tree.  Extra arguments go to pytest.
# Env: HSTS_MODULE (default $top_builddir/.libs/mod_hsts_audit.so), APACHE2,
#      HSTS_PYTHON (default /usr/bin/python3), HSTS_SKIP_INTEGRATION=1 (exit 77: skipped).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
srcdir="${top_srcdir:-$(cd "$here/../.." && pwd)}"
builddir="${top_builddir:-$srcdir}"
if [ "${HSTS_SKIP_INTEGRATION:-}" = "1" ]; then
    echo "integration tests skipped (HSTS_SKIP_INTEGRATION=1)"
    exit 77
fi
export HSTS_MODULE="${HSTS_MODULE:-$builddir/.libs/mod_hsts_audit.so}"
. "$here/../common/pytest-env.sh"
cd "$here"
exec "$py" -m pytest -p no:cacheprovider -c "$here/pytest.ini" "$here" "$@"
