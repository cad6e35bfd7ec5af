"""pytest fixtures for the end-to-end tests (see README.md): a real headless
Chromium (driven over the DevTools protocol, cdp.py) and testssl.sh against real
httpd instances made by the integration harness (tests/integration/httpdlib.py).

Fixtures:
  tmp_root            session: the run's temp dir under $HSTS_TEST_TMPDIR (/tmp)
  pki                 session: httpdlib.PKI (test root CA, good/expired/wronghost... certs)
  raw_backend         session: httpdlib.RawBackend (keeps repeated STS fields apart)
  hsts_module         session: the module .so (copied); FAILS when it is missing
  httpd_factory       function-scoped httpdlib.HttpdFactory
  module_httpd_factory  one per test module
  chromium            session: path of chromium; SKIPS when chromium or certutil is missing
  browser             function-scoped cdp.Browser: fresh profile, private HOME, test CA
  module_browser      the same, one per test module (tests isolate by host name)
  testssl             session: path of testssl; SKIPS when testssl.sh is missing
After each test, new unexpected [error]/[crit]/... lines in a live httpd's error log
fail it (the integration suite's rule; the module's finding lines are allowed).
"""

import os
import shutil
import sys
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import cdp  # noqa: E402
import e2elib  # noqa: E402
import httpdlib  # noqa: E402

SKIP = os.environ.get("HSTS_SKIP_E2E") == "1"
PACKAGES = "chromium libnss3-tools testssl.sh"
_factories = []


def pytest_collection_modifyitems(config, items):
    if SKIP:
        mark = pytest.mark.skip(reason="HSTS_SKIP_E2E=1")
        for item in items:
            item.add_marker(mark)


def pytest_report_header(config):
    so = httpdlib.module_so_path()
    lines = ["mod_hsts_audit under test: %s (%s)" % (so, "present" if so.exists() else "MISSING"),
             "chromium: %s, certutil: %s, testssl: %s" % (
                 cdp.chromium_path() or "MISSING", cdp.certutil_path() or "MISSING",
                 shutil.which(TESTSSL) or "MISSING")]
    return lines


TESTSSL = os.environ.get("TESTSSL") or "testssl"


def _require_module():
    so = httpdlib.module_so_path()
    if not so.is_file():
        pytest.fail("mod_hsts_audit shared object not found at %s: build it (`make` in the "
                    "repo root) or point HSTS_MODULE at it; HSTS_SKIP_E2E=1 skips the "
                    "end-to-end tests." % so, pytrace=False)
    return so


_snapshot = {}


def _module_snapshot(tmp_root):
    so = _require_module()
    if "path" not in _snapshot:
        dst = tmp_root / "mod_hsts_audit.so"
        shutil.copy2(so, dst)
        dst.chmod(0o755)
        _snapshot["path"] = dst
    return _snapshot["path"]


@pytest.fixture(scope="session")
def tmp_root():
    d = httpdlib.mkdtemp_world_readable("hsts-e2e-")
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
    return _module_snapshot(tmp_root)


def _make_factory(tmp_root, pki, raw_backend, name):
    base = tmp_root / name
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)
    f = httpdlib.HttpdFactory(base, pki, lambda: _module_snapshot(tmp_root),
                              raw_port=raw_backend.port)
    _factories.append(f)
    return f


def _finish_factory(f):
    _factories.remove(f)
    f.cleanup()


def _unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


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


# --------------------------------------------------------------------------
# Chromium
# --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium():
    path = cdp.chromium_path()
    if not path:
        pytest.skip("chromium is not installed (%s not found): the browser tests need the "
                    "Debian packages chromium and libnss3-tools (apt-get install %s)"
                    % (cdp.CHROMIUM, PACKAGES))
    if not cdp.certutil_path():
        pytest.skip("certutil is not installed: the browser tests trust the test CA in a "
                    "throw-away NSS database (apt-get install libnss3-tools)")
    return path


def _new_browser(tmp_root, pki, name):
    b = cdp.Browser(tmp_root / name, ca_pem=pki.root_ca, host_rules=e2elib.HOST_RULES)
    try:
        b.start()
    except cdp.CDPError as e:
        pytest.fail(str(e), pytrace=False)
    return b


@pytest.fixture
def browser(chromium, tmp_root, pki):
    """A fresh Chromium (empty HSTS store) for this test."""
    b = _new_browser(tmp_root, pki, _unique("chromium"))
    yield b
    b.close()


@pytest.fixture(scope="module")
def module_browser(chromium, tmp_root, pki):
    """One Chromium for a test module; its tests use distinct host names."""
    b = _new_browser(tmp_root, pki, _unique("chromium-mod"))
    yield b
    b.close()


@pytest.fixture(scope="session")
def testssl():
    path = shutil.which(TESTSSL)
    if not path:
        pytest.skip("testssl.sh is not installed (%s not found): apt-get install testssl.sh"
                    % TESTSSL)
    return path


# --------------------------------------------------------------------------
# error logs
# --------------------------------------------------------------------------

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
            for p in s.log_problems():
                problems.append("%s: %s" % (s.error_log, p))
            s.test_allow = []
    if problems:
        pytest.fail("unexpected error-log lines:\n  " + "\n  ".join(problems), pytrace=False)
