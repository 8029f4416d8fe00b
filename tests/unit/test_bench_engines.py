"""``bench/engines.py``'s agreement check (not its timings): every row decides as the
hand-written chain does, verdict and deciding rule, on 200 mixed events plus events
where each of the 10 rules decides, and on tool-keyed rules.

An external engine that is not installed is skipped, except with CI=true, where
``scripts/setup`` installs them all (the ``bench`` extra and OPA's bindings).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
ENGINES = ["cedar", "cel", "opa", "regocpp", "celpy"]


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    saved = list(sys.path)
    spec = importlib.util.spec_from_file_location("bench_engines", BENCH / "engines.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path[:] = saved


@pytest.fixture(scope="module")
def mix(bench: ModuleType) -> tuple[list[Any], list[Any]]:
    events = bench.make_events(200)
    return events, bench.D.raw_events(events)


def _installed(bench: ModuleType, key: str) -> None:
    missing = bench.C.missing([key])
    if missing and os.environ.get("CI") == "true":
        pytest.fail(f"{key} is not installed under CI=true: scripts/setup should have run `{missing[key]}`")
    if missing:
        pytest.skip(f"{key} is not installed ({missing[key]})")


def test_goalrail_rows_agree_with_the_floor(bench: ModuleType, mix: tuple[list[Any], list[Any]]) -> None:
    rows = bench.http_rows(*mix, [])
    assert "Goalrail normalize + build event + evaluate" in rows


def test_a_disagreeing_engine_is_refused(
    bench: ModuleType, mix: tuple[list[Any], list[Any]], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setattr(bench, "external", lambda keys, rules: {"always allows": lambda ev: ("ALLOW", None)})
    with pytest.raises(SystemExit):
        bench.http_rows(*mix, [])
    assert "always allows" in capsys.readouterr().err


@pytest.mark.parametrize("key", ENGINES)
def test_engine_agrees_on_the_ten_rules(bench: ModuleType, mix: tuple[list[Any], list[Any]], key: str) -> None:
    _installed(bench, key)
    rows = bench.http_rows(*mix, [key])
    assert bench.C.label(key) in rows


@pytest.mark.parametrize("key", [k for k in ENGINES if k != "celpy"])
def test_engine_agrees_on_tool_keyed_rules(bench: ModuleType, key: str) -> None:
    _installed(bench, key)
    raw = bench.scaling.EVENTS
    events = [bench.build_event(bench.normalize_event(e), bench.Snapshot("t")) for e in raw]
    for ev in events:
        ev["policy_state"] = {}
    rows = bench.growth_rows(50, events, raw, [key])
    assert rows[bench.C.label(key)](events[0]) == ("DENY", "r3")
