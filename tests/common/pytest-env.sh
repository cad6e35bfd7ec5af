# tests/common/pytest-env.sh: sourced (POSIX sh) by the pytest runners
# (tests/cli/run-cli-tests.sh, tests/integration/run-pytest.sh,
# tests/e2e/run-e2e.sh). Sets $py, the Python that has pytest: $HSTS_PYTHON
# (default /usr/bin/python3, Debian's, with python3-pytest), else $PYTHON3 or
# python3 from PATH when they have it; and keeps Python from writing bytecode
# into the tree.
py="${HSTS_PYTHON:-/usr/bin/python3}"
if ! "$py" -c 'import pytest' 2>/dev/null; then
    for alt in "${PYTHON3:-}" python3; do
        if [ -n "$alt" ] && "$alt" -c 'import pytest' 2>/dev/null; then py="$alt"; break; fi
    done
fi
export PYTHONDONTWRITEBYTECODE=1
