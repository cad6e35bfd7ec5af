"""pytest fixtures for the mod_hsts_audit integration tests (see README.md).

Fixtures:
  pki                    session: httpdlib.PKI (root/intermediate/server/client certs, CRL)
  raw_backend            session: httpdlib.RawBackend (in-process origin, exact header lines)
  hsts_module            session: path of the module .so; FAILS the test if it is missing
  httpd_factory          function-scoped httpdlib.HttpdFactory (servers stopped and their
                         error logs checked at teardown)
  module_httpd_factory   the same, one per test module (share one httpd between tests)
  class_httpd_factory    the same, one per test class
Every live httpd's error log is also checked after each test for new unexpected
[error]/[crit]/[alert]/[emerg] lines and child crashes; a test that expects some calls
server.allow(regex, ...).
"""

import os
import shutil
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import httpdlib  # noqa: E402

SKIP = os.environ.get("HSTS_SKIP_INTEGRATION") == "1"
_factories = []


def pytest_collection_modifyitems(config, items):
    if SKIP:
        mark = pytest.mark.skip(reason="HSTS_SKIP_INTEGRATION=1")
        for item in items:
            item.add_marker(mark)


def pytest_report_header(config):
    so = httpdlib.module_so_path()
    return ["mod_hsts_audit under test: %s (%s)" % (so, "present" if so.exists() else "MISSING"),
            "apache2: %s" % httpdlib.APACHE2]


def missing_module_message():
    so = httpdlib.module_so_path()
    return ("mod_hsts_audit shared object not found at %s: build it (`make` in the repo "
            "root, which leaves .libs/mod_hsts_audit.so) or point HSTS_MODULE at it; set "
            "HSTS_SKIP_INTEGRATION=1 to skip the integration tests." % so)


def require_module():
    so = httpdlib.module_so_path()
    if not so.is_file():
        pytest.fail(missing_module_message(), pytrace=False)
    return so


_snapshot = {}


def module_snapshot(tmp_root):
    """The module .so copied once per session into the temp dir, so a rebuild
    (`make` relinking .libs/mod_hsts_audit.so) during the run cannot hand httpd a
    half-written file. Fails the test when the .so is missing."""
    so = require_module()
    if "path" not in _snapshot:
        dst = tmp_root / "mod_hsts_audit.so"
        shutil.copy2(so, dst)
        dst.chmod(0o755)
        _snapshot["path"] = dst
        _snapshot["source"] = so
    return _snapshot["path"]


@pytest.fixture(scope="session")
def tmp_root():
    d = httpdlib.mkdtemp_world_readable("hsts-it-")
    yield d
    if os.environ.get("HSTS_KEEP_TMP") != "1":
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def pki(tmp_root):
    return httpdlib.PKI(tmp_root / "pki").build()


@pytest.fixture(scope="session")
def raw_backend():
    b = httpdlib.RawBackend().start()
    yield b
    b.stop()


@pytest.fixture(scope="session")
def hsts_module(tmp_root):
    return module_snapshot(tmp_root)


def _make_factory(tmp_root, pki, raw_backend, name):
    base = tmp_root / name
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)
    f = httpdlib.HttpdFactory(base, pki, lambda: module_snapshot(tmp_root),
                              raw_port=raw_backend.port)
    _factories.append(f)
    return f


def _finish_factory(f):
    _factories.remove(f)
    f.cleanup()


_counter = [0]


def _unique(prefix):
    _counter[0] += 1
    return "%s-%04d" % (prefix, _counter[0])


@pytest.fixture
def httpd_factory(tmp_root, pki, raw_backend):
    f = _make_factory(tmp_root, pki, raw_backend, _unique("fn"))
    yield f
    _finish_factory(f)


@pytest.fixture(scope="module")
def module_httpd_factory(tmp_root, pki, raw_backend):
    f = _make_factory(tmp_root, pki, raw_backend, _unique("mod"))
    yield f
    _finish_factory(f)


@pytest.fixture(scope="class")
def class_httpd_factory(tmp_root, pki, raw_backend):
    f = _make_factory(tmp_root, pki, raw_backend, _unique("cls"))
    yield f
    _finish_factory(f)


@pytest.fixture(autouse=True)
def _check_error_logs_per_test():
    """After each test: new unexpected error-log lines of any live httpd fail it."""
    for f in _factories:
        for s in f.live():
            s.test_allow = []
    yield
    problems = []
    for f in _factories:
        for s in f.live():
            s.wait_pending()
            for p in s.log_problems():
                problems.append("%s: %s" % (s.error_log, p))
            s.test_allow = []
    if problems:
        pytest.fail("unexpected error-log lines:\n  " + "\n  ".join(problems), pytrace=False)

