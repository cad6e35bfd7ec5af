"""The httpd fixtures the integration and end-to-end suites share (each
conftest.py does `from common.fixtures import *` after `configure(...)`).

  tmp_root               session: the run's world-readable temp dir
  pki                    session: common.pki.PKI (root/intermediate/server/client certs, CRL)
  raw_backend            session: common.backend.RawBackend (in-process origin, exact
                         header lines)
  hsts_module            session: path of the module .so; FAILS the test if it is missing
  httpd_factory          function-scoped common.httpd.HttpdFactory (servers stopped and their
                         error logs checked at teardown)
  module_httpd_factory   the same, one per test module (share one httpd between tests)
  class_httpd_factory    the same, one per test class
After each test, new unexpected [error]/[crit]/[alert]/[emerg] lines or child
crashes in a live httpd's error log fail it; a test that expects some calls
server.allow(regex, ...).
"""

import os
import shutil

import pytest

from .backend import RawBackend
from .env import mkdtemp_world_readable, module_so_path
from .httpd import HttpdFactory
from .pki import PKI

_settings = {"tmp_prefix": "hsts-it-", "skip_hint": ""}
_factories = []
_snapshot = {}
_counter = [0]

__all__ = ["tmp_root", "pki", "raw_backend", "hsts_module", "httpd_factory",
           "module_httpd_factory", "class_httpd_factory", "_check_error_logs_per_test",
           "factories", "require_module", "module_snapshot", "unique_name", "skip_all_if",
           "report_header"]


def configure(tmp_prefix, skip_hint):
    """tmp_prefix: the temp dir's name prefix; skip_hint: how to skip the suite,
    named in the message when the module is missing."""
    _settings.update(tmp_prefix=tmp_prefix, skip_hint=skip_hint)


def factories():
    """The live HttpdFactory objects (for suite-specific checks)."""
    return list(_factories)


def require_module():
    so = module_so_path()
    if not so.is_file():
        pytest.fail("mod_hsts_audit shared object not found at %s: build it (`make` in the "
                    "repo root, which leaves .libs/mod_hsts_audit.so) or point HSTS_MODULE "
                    "at it; %s" % (so, _settings["skip_hint"]), pytrace=False)
    return so


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
    d = mkdtemp_world_readable(_settings["tmp_prefix"])
    yield d
    if os.environ.get("HSTS_KEEP_TMP") != "1":
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def pki(tmp_root):
    return PKI(tmp_root / "pki").build()


@pytest.fixture(scope="session")
def raw_backend():
    b = RawBackend().start()
    yield b
    b.stop()


@pytest.fixture(scope="session")
def hsts_module(tmp_root):
    return module_snapshot(tmp_root)


def unique_name(prefix):
    """prefix-NNNN, a new NNNN each call (names of per-test dirs)."""
    _counter[0] += 1
    return "%s-%04d" % (prefix, _counter[0])


def skip_all_if(skip, items, reason):
    """For pytest_collection_modifyitems: when skip, mark every item skipped."""
    if skip:
        mark = pytest.mark.skip(reason=reason)
        for item in items:
            item.add_marker(mark)


def report_header():
    """For pytest_report_header: the module under test and whether it is there."""
    so = module_so_path()
    return ["mod_hsts_audit under test: %s (%s)" % (so, "present" if so.exists() else "MISSING")]


def _factory(tmp_root, pki, raw_backend, prefix):
    base = tmp_root / unique_name(prefix)
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)
    f = HttpdFactory(base, pki, lambda: module_snapshot(tmp_root),
                              raw_port=raw_backend.port)
    _factories.append(f)
    yield f
    _factories.remove(f)
    f.cleanup()


@pytest.fixture
def httpd_factory(tmp_root, pki, raw_backend):
    yield from _factory(tmp_root, pki, raw_backend, "fn")


@pytest.fixture(scope="module")
def module_httpd_factory(tmp_root, pki, raw_backend):
    yield from _factory(tmp_root, pki, raw_backend, "mod")


@pytest.fixture(scope="class")
def class_httpd_factory(tmp_root, pki, raw_backend):
    yield from _factory(tmp_root, pki, raw_backend, "cls")


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
