#!/usr/bin/env bash
# Entry point for `make check` (automake TESTS) and for humans: the end-to-end tests
# (a real headless Chromium and testssl.sh against real httpd instances with the
# module built in this tree).  Extra arguments go to pytest.
# Needs: chromium libnss3-tools testssl.sh (plus what the integration tests need:
# apache2 curl openssl python3-pytest).  Tests whose tool is missing are SKIPPED
# with a message saying what to install; when every test was skipped the script
# exits 77 (automake's SKIP).
# Env: HSTS_MODULE (default $top_builddir/.libs/mod_hsts_audit.so), HSTS_PYTHON
#      (default /usr/bin/python3), HSTS_SKIP_E2E=1 (exit 77), HSTS_TEST_TMPDIR,
#      CHROMIUM, TESTSSL, HSTS_KEEP_TMP=1.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
srcdir="${top_srcdir:-$(cd "$here/../.." && pwd)}"
builddir="${top_builddir:-$srcdir}"
if [ "${HSTS_SKIP_E2E:-}" = "1" ]; then
    echo "end-to-end tests skipped (HSTS_SKIP_E2E=1)"
    exit 77
fi
export HSTS_MODULE="${HSTS_MODULE:-$builddir/.libs/mod_hsts_audit.so}"
case "$HSTS_MODULE" in /*) ;; *) HSTS_MODULE="$PWD/$HSTS_MODULE" ;; esac
. "$here/../common/pytest-env.sh"
missing="" browser=yes scanner=yes
command -v "${CHROMIUM:-chromium}" >/dev/null 2>&1 || { missing="$missing chromium"; browser=no; }
command -v certutil >/dev/null 2>&1 || { missing="$missing libnss3-tools"; browser=no; }
command -v "${TESTSSL:-testssl}" >/dev/null 2>&1 || { missing="$missing testssl.sh"; scanner=no; }
if [ -n "$missing" ]; then
    echo "note: not installed:$missing -- the tests that need it are skipped" \
         "(apt-get install$missing)"
fi
cd "$here"
"$py" -m pytest -p no:cacheprovider -c "$here/pytest.ini" "$here" "$@"
rc=$?
if [ "$rc" -eq 0 ] && [ "$browser" = no ] && [ "$scanner" = no ]; then
    echo "end-to-end tests skipped: install$missing"
    exit 77
fi
exit $rc
