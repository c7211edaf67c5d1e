"""Fixtures and helpers for the integration tests live in tests/support.py (shared with
tests/e2e); this file makes them visible here."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from support import *  # noqa: E402,F401,F403
from support import daemon_factory  # noqa: E402,F401
