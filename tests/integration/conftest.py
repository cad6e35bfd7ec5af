"""pytest fixtures for the mod_hsts_audit integration tests (see README.md).

The fixtures (pki, raw_backend, hsts_module, httpd_factory, module_httpd_factory,
class_httpd_factory, and the per-test error-log check) are in httpd_fixtures.py,
shared with the end-to-end suite.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import httpdlib  # noqa: E402

SKIP = os.environ.get("HSTS_SKIP_INTEGRATION") == "1"

import httpd_fixtures  # noqa: E402

httpd_fixtures.configure(tmp_prefix="hsts-it-",
                         skip_hint="set HSTS_SKIP_INTEGRATION=1 to skip the integration tests.")
from httpd_fixtures import *  # noqa: E402,F401,F403  (the shared fixtures)


def pytest_collection_modifyitems(config, items):
    if SKIP:
        mark = pytest.mark.skip(reason="HSTS_SKIP_INTEGRATION=1")
        for item in items:
            item.add_marker(mark)


def pytest_report_header(config):
    so = httpdlib.module_so_path()
    return ["mod_hsts_audit under test: %s (%s)" % (so, "present" if so.exists() else "MISSING"),
            "apache2: %s" % httpdlib.APACHE2]
