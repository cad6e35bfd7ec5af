"""pytest setup for the hsts-audit CLI tests: the shared harness (tests/common/:
the CLI runner, the PKI pieces) on sys.path."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
