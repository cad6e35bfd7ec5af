#!/bin/sh
# Runs the hsts-audit CLI tests (pytest) from `make check`.
set -e
here=$(cd "$(dirname "$0")" && pwd)
builddir=${top_builddir:-$(cd "$here/../.." && pwd)}
: "${HSTS_AUDIT_CLI:=$builddir/tools/hsts-audit}"
export HSTS_AUDIT_CLI
. "$here/../common/pytest-env.sh"
cd "$here"
exec "$py" -m pytest -p no:cacheprovider -ra "$here" "$@"
