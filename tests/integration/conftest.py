"""pytest fixtures for the mod_hsts_audit integration tests (see README.md).

The harness is the package tests/common/ (shared with the end-to-end and CLI
suites); its fixtures (pki, raw_backend, hsts_module, httpd_factory,
module_httpd_factory, class_httpd_factory, and the per-test error-log check)
are in common/fixtures.py.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common import env, fixtures  # noqa: E402

SKIP = os.environ.get("HSTS_SKIP_INTEGRATION") == "1"

fixtures.configure(tmp_prefix="hsts-it-",
                   skip_hint="set HSTS_SKIP_INTEGRATION=1 to skip the integration tests.")
from common.fixtures import *  # noqa: E402,F401,F403  (the shared fixtures)


def pytest_collection_modifyitems(config, items):
    fixtures.skip_all_if(SKIP, items, "HSTS_SKIP_INTEGRATION=1")


def pytest_report_header(config):
    return fixtures.report_header() + ["apache2: %s" % env.APACHE2]
