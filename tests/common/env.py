"""Where things are: the repository, the module under test, the tools the tests
run (from the environment, see tests/integration/README.md), world-readable
files and temp dirs (httpd children run as www-data), and run() for a command
that must succeed."""

import os
import stat
import subprocess
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
REPO = TESTS.parent
# The CGI scripts every test server gets (backend/sts.cgi and friends).
BACKEND_DIR = TESTS / "integration" / "backend"

APACHE2 = os.environ.get("APACHE2") or "/usr/sbin/apache2"
APACHE2_MODULES = os.environ.get("APACHE2_MODULES") or "/usr/lib/apache2/modules"
OPENSSL = os.environ.get("OPENSSL") or "openssl"
CURL = os.environ.get("CURL") or "curl"
RUN_USER = os.environ.get("HSTS_TEST_USER") or "www-data"
RUN_GROUP = os.environ.get("HSTS_TEST_GROUP") or "www-data"


def module_so_path():
    """Where the module under test is: $HSTS_MODULE or <repo>/.libs/mod_hsts_audit.so."""
    env = os.environ.get("HSTS_MODULE")
    if env:  # relative paths are relative to the repo root
        if not os.path.isabs(env):
            return REPO / env
        return Path(env)
    return REPO / ".libs" / "mod_hsts_audit.so"


def make_world_readable(path):
    """chmod a+rX recursively (dirs 755, files keep exec bit, at least 644)."""
    path = Path(path)
    paths = [path] + (list(path.rglob("*")) if path.is_dir() else [])
    for p in paths:
        if p.is_symlink():
            continue
        mode = p.stat().st_mode
        if p.is_dir():
            p.chmod(0o755)
        elif mode & stat.S_IXUSR:
            p.chmod(0o755)
        else:
            p.chmod(0o644)


def mkdtemp_world_readable(prefix):
    d = Path(tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("HSTS_TEST_TMPDIR", "/tmp")))
    d.chmod(0o755)
    return d


def run(cmd, cwd=None, env=None, input=None):
    """Run cmd (items made str); its stdout (text). RuntimeError with both
    outputs when it fails."""
    p = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, input=input,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("command failed (%d): %s\nstdout: %s\nstderr: %s" % (
            p.returncode, " ".join(str(c) for c in cmd),
            p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")))
    return p.stdout.decode(errors="replace")
