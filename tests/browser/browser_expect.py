"""Playwright's ``expect`` for the browser test modules: ``from browser_expect import expect``.

Without Playwright the importing module is skipped, or fails when CI=true (browser tests
must run there). Playwright is a dev dependency, installed by scripts/setup.
"""

from __future__ import annotations

import os

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright is a dev dependency
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("playwright is not installed", allow_module_level=True)

__all__ = ["expect"]
