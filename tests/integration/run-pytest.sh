#!/bin/sh
# Runs the integration tests (pytest against a real httpd) from `make check`.
# Uses Debian's python3 with python3-pytest: /usr/bin/python3, not whatever
# python3 comes first on PATH.
set -e
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
: "${PYTHON3:=/usr/bin/python3}"
: "${HSTS_MODULE:=$builddir/.libs/mod_hsts_audit.so}"
export HSTS_MODULE
cd "$srcdir"
exec "$PYTHON3" -m pytest -p no:cacheprovider -ra ${PYTEST_ARGS:-} tests/integration
