"""Property tests of the combining laws (DESIGN decision 1), against a tiny reference model."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from goalrail.engine.chain import Chain, CompiledPolicy
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.evaluate import evaluate
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import LEVELS, PolicySpec

VERDICTS = st.sampled_from(["ALLOW", "DENY", "ASK", None, "RAISE", "GARBAGE"])
LEVEL = st.sampled_from(LEVELS)
EVENT = build_event(
    normalize_event({"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}), Snapshot("p")
)


def _policy(i: int, verdict: str | None, level: str, shadow: bool = False) -> CompiledPolicy:
    def fn(event: Any) -> Any:
        if verdict == "RAISE":
            raise ValueError("x")
        if verdict == "GARBAGE":
            return {"result": "PERHAPS"}
        return None if verdict is None else {"result": verdict, "reason": f"p{i}"}

    spec = PolicySpec(f"p{i}", "tests.p", level=level, mode="shadow" if shadow else "enforce")  # type: ignore[arg-type]
    return CompiledPolicy(spec, fn, False, 5.0, shadow, spec.key)


def _chain(items: list[tuple[str | None, str]]) -> Chain:
    from goalrail.engine.chain import order

    return Chain(order([_policy(i, v, lvl) for i, (v, lvl) in enumerate(items)]))


def reference(verdicts: list[str | None]) -> str:
    effective = ["DENY" if v in ("RAISE", "GARBAGE") else v for v in verdicts]
    if "DENY" in effective:
        return "DENY"
    if "ASK" in effective:
        return "ASK"
    return "ALLOW"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(VERDICTS, LEVEL), max_size=12))
def test_matches_reference_model(items: list[tuple[str | None, str]]) -> None:
    assert evaluate(_chain(items), EVENT).result == reference([v for v, _ in items])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(VERDICTS, LEVEL), min_size=1, max_size=12), st.data())
def test_any_deny_wins(items: list[tuple[str | None, str]], data: st.DataObject) -> None:
    pos = data.draw(st.integers(0, len(items)))
    items = [*items[:pos], ("DENY", data.draw(LEVEL)), *items[pos:]]
    decision = evaluate(_chain(items), EVENT)
    assert decision.result == "DENY"
    assert decision.policy is not None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["ALLOW", None]), max_size=10), st.randoms())
def test_order_of_allows_is_irrelevant(verdicts: list[str | None], rnd: Any) -> None:
    items = [(v, "server") for v in verdicts]
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert evaluate(_chain(items), EVENT).result == evaluate(_chain(shuffled), EVENT).result == "ALLOW"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["ALLOW", "ASK", None]), max_size=10).filter(lambda v: "ASK" in v))
def test_ask_without_deny_is_ask(verdicts: list[str | None]) -> None:
    decision = evaluate(_chain([(v, "agent") for v in verdicts]), EVENT)
    assert decision.result == "ASK"
    assert decision.asking == [f"p{i}" for i, v in enumerate(verdicts) if v == "ASK"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(VERDICTS, LEVEL), max_size=8), VERDICTS)
def test_shadow_never_changes_outcome(items: list[tuple[str | None, str]], shadow_verdict: str | None) -> None:
    from goalrail.engine.chain import order

    base = [_policy(i, v, lvl) for i, (v, lvl) in enumerate(items)]
    with_shadow = Chain(order([*base, _policy(99, shadow_verdict, "session", shadow=True)]))
    assert evaluate(with_shadow, EVENT).result == evaluate(Chain(order(base)), EVENT).result


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(VERDICTS, LEVEL), max_size=10))
def test_levels_evaluate_session_then_agent_then_server(items: list[tuple[str | None, str]]) -> None:
    decision = evaluate(_chain(items), EVENT)
    ranks = {"session": 0, "agent": 1, "server": 2}
    levels = [ranks[d.level] for d in decision.decisions]
    assert levels == sorted(levels)
