"""The e2e tests share the integration tests' fixtures (tests/support.py)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from support import daemon_factory  # noqa: E402,F401
