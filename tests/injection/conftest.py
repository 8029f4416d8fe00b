"""The shipped prompt-injection config's report on the scenario suite, once per test module."""

from __future__ import annotations

import pytest

from tests.injection.suite import SHIPPED, Report, run_suite


@pytest.fixture(scope="module")
def shipped() -> Report:
    return run_suite(SHIPPED)
