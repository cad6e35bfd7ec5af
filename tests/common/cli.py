"""The hsts-audit command-line checker the tests run: $HSTS_AUDIT_CLI, default
<repo>/tools/hsts-audit (built by `make`)."""

import os
import subprocess

import pytest

from .env import REPO

CLI = os.environ.get("HSTS_AUDIT_CLI") or str(REPO / "tools" / "hsts-audit")


def cli_path():
    """The CLI's path when it is built (executable), else None."""
    return CLI if os.access(CLI, os.X_OK) else None


def run_cli(*args, stdin=None, cwd=None, env=None, timeout=30):
    """Run the CLI with args (bytes passed as they are, anything else made str),
    stdin (bytes) and env (None: this process's environment); (returncode,
    stdout, stderr), stdout decoded as UTF-8 (the CLI writes nothing else).
    Fails the test when the CLI is not built."""
    if not cli_path():
        pytest.fail(f"{CLI} is not built: run make first")
    p = subprocess.run([CLI, *(a if isinstance(a, bytes) else str(a) for a in args)],
                       input=stdin, capture_output=True, timeout=timeout, cwd=cwd, env=env)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8", "replace")
