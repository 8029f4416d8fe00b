"""The conformance corpus, run through the library and through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from goalrail.cases.library import LibraryBackend
from goalrail.cases.run import run_file

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
async def test_library(path: Path) -> None:
    results = await run_file(path, LibraryBackend())
    assert results, f"{path.name} has no cases"
    failures = [f"{r.name}: {f}" for r in results for f in r.failures]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_cli(path: Path) -> None:
    from tests.conftest import subprocess_env

    proc = subprocess.run(
        [sys.executable, "-m", "goalrail", "test", "--json", str(path)],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads(proc.stdout)
    assert results and all(r["passed"] for r in results)
