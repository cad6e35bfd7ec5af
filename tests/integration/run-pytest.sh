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
py="${HSTS_PYTHON:-/usr/bin/python3}"
if ! "$py" -c 'import pytest' 2>/dev/null; then
    for alt in "${PYTHON3:-}" python3; do
        if [ -n "$alt" ] && "$alt" -c 'import pytest' 2>/dev/null; then py="$alt"; break; fi
    done
fi
export PYTHONDONTWRITEBYTECODE=1
cd "$here"
exec "$py" -m pytest -p no:cacheprovider -c "$here/pytest.ini" "$here" "$@"
