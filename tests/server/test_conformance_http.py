"""The conformance corpus through HTTP: every case gives the same answers over
REST as through the library (and the server's own cases all pass)."""

from __future__ import annotations

from pathlib import Path

import pytest

from goalrail.cases.library import LibraryBackend
from goalrail.cases.over_http import HttpBackend
from goalrail.cases.run import run_file

ROOT = Path(__file__).resolve().parents[1]
CORPUS = sorted((ROOT / "conformance" / "cases").glob("*.yaml"))
OWN = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


@pytest.mark.parametrize("path", OWN, ids=[p.name for p in OWN])
async def test_server_cases_pass_over_http(path: Path) -> None:
    results = await run_file(path, HttpBackend(["gr_testpolicies"]))
    assert results and all(r.passed for r in results), [(r.name, r.failures) for r in results if not r.passed]


@pytest.mark.parametrize("path", CORPUS + OWN, ids=[p.name for p in CORPUS + OWN])
async def test_http_agrees_with_library(path: Path) -> None:
    over_http = await run_file(path, HttpBackend())
    in_process = await run_file(path, LibraryBackend())
    assert [(r.name, r.passed, r.failures) for r in over_http] == [(r.name, r.passed, r.failures) for r in in_process]
    if path in CORPUS:
        failures = [f"{r.name}: {f}" for r in over_http for f in r.failures]
        assert over_http and not failures, "\n".join(failures)
