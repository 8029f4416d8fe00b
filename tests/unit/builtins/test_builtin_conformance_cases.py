"""A minimal runner for this branch's conformance files (safety, working_dir, github).

The lead's conformance runner runs the same files through the library, CLI and
HTTP; this one only drives the engine directly so the cases are checked here too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from goalrail.engine import PolicySpec, Snapshot, compile_chain, evaluate
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.state import apply_update, split_updates
from goalrail.policies.registry import Registry

CASES = Path(__file__).resolve().parents[2] / "conformance" / "cases"
FILES = ("safety.yaml", "working_dir.yaml", "github.yaml")
REGISTRY = Registry.load()


def _cases() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    out = []
    for name in FILES:
        doc = yaml.safe_load((CASES / name).read_text())
        for case in doc["cases"]:
            out.append((name, doc["chain"], case))
    return out


def _specs(chain: dict[str, Any]) -> list[PolicySpec]:
    specs = []
    for level in ("session", "agent", "server"):
        for pname, p in (chain.get(level) or {}).items():
            specs.append(PolicySpec(pname, p["handler"], level, p.get("factory_params")))  # type: ignore[arg-type]
    return specs


def _apply(updates: list[tuple[str, Any]], snap: Snapshot) -> None:
    session, per_policy, _user = split_updates(updates)
    for u in session:
        apply_update(snap.state, u)
    for ns, upds in per_policy.items():
        for u in upds:
            apply_update(snap.policy_states.setdefault(ns, {}), u)


@pytest.mark.parametrize(
    ("file", "chain", "case"),
    _cases(),
    ids=lambda v: v["name"] if isinstance(v, dict) and "name" in v else "",
)
def test_case(file: str, chain: dict[str, Any], case: dict[str, Any]) -> None:
    compiled = compile_chain(_specs(case.get("chain", chain)), REGISTRY)
    session = case.get("session") or {}
    snap = Snapshot(
        "conf",
        owner=session.get("owner"),
        labels=dict(session.get("labels") or {}),
        state=dict(session.get("state") or {}),
        model=session.get("model"),
    )
    held: list[tuple[str, Any]] = []
    now = 1_000_000.0
    for step in case["steps"]:
        if "resolve" in step:
            if step["resolve"] in ("approve", "approve_session"):
                _apply(held, snap)
            held = []
            continue
        if "event" not in step:
            continue
        now += 1.0
        event = build_event(normalize_event(step["event"]), snap, now=now)
        d = evaluate(compiled, event, snap.policy_states)
        expect = step["expect"]
        assert d.result == expect["result"], (file, case["name"], step["event"], d.reason)
        if "policy" in expect:
            assert d.policy == expect["policy"]
        if "reason_contains" in expect:
            assert expect["reason_contains"] in (d.reason or ""), d.reason
        if d.result == "ASK":
            held = list(d.state_updates)
        else:
            _apply(list(d.state_updates), snap)
