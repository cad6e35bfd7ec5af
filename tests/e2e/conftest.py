"""pytest fixtures for the end-to-end tests (see README.md): a real headless
Chromium (driven over the DevTools protocol, cdp.py) and testssl.sh against real
httpd instances made by the shared test harness (tests/common/).

Fixtures:
  tmp_root            session: the run's temp dir under $HSTS_TEST_TMPDIR (/tmp)
  pki                 session: common.pki.PKI (test root CA, good/expired/wronghost... certs)
  raw_backend         session: common.backend.RawBackend (keeps repeated STS fields apart)
  hsts_module         session: the module .so (copied); FAILS when it is missing
  httpd_factory       function-scoped common.httpd.HttpdFactory
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

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import cdp  # noqa: E402
import e2elib  # noqa: E402
from common import fixtures  # noqa: E402

fixtures.configure(tmp_prefix="hsts-e2e-",
                   skip_hint="HSTS_SKIP_E2E=1 skips the end-to-end tests.")
from common.fixtures import *  # noqa: E402,F401,F403  (tmp_root, pki, httpd factories...)

SKIP = os.environ.get("HSTS_SKIP_E2E") == "1"
PACKAGES = "chromium libnss3-tools testssl.sh"


def pytest_collection_modifyitems(config, items):
    fixtures.skip_all_if(SKIP, items, "HSTS_SKIP_E2E=1")


def pytest_report_header(config):
    return fixtures.report_header() + [
        "chromium: %s, certutil: %s, testssl: %s" % (
            cdp.chromium_path() or "MISSING", cdp.certutil_path() or "MISSING",
            shutil.which(TESTSSL) or "MISSING")]


TESTSSL = os.environ.get("TESTSSL") or "testssl"


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
    b = _new_browser(tmp_root, pki, fixtures.unique_name("chromium"))
    yield b
    b.close()


@pytest.fixture(scope="module")
def module_browser(chromium, tmp_root, pki):
    """One Chromium for a test module; its tests use distinct host names."""
    b = _new_browser(tmp_root, pki, fixtures.unique_name("chromium-mod"))
    yield b
    b.close()


@pytest.fixture(scope="session")
def testssl():
    path = shutil.which(TESTSSL)
    if not path:
        pytest.skip("testssl.sh is not installed (%s not found): apt-get install testssl.sh"
                    % TESTSSL)
    return path
