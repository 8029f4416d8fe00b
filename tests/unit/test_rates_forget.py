"""The Python API's in-memory rate windows forget what can never count again.

``InMemoryRates`` keeps, per session and rate key, the times of recent operations
for ``max_operations_per_minute``.  A caller naming a new session per call must not
grow it without bound: a window whose newest time is a whole window old is dropped
(it counts for no call at that time or later), and the decisions stay exact.
"""

from __future__ import annotations

from collections.abc import Callable

from goalrail.patterns.conditions import RATE_WINDOW_S
from goalrail.patterns.facts import InMemoryRates
from goalrail.patterns.model import EvaluationResult


def _decide(limit: int) -> Callable[..., EvaluationResult]:
    def decide(_type: str, _target: str, facts: object, rate: Callable[[str, float], int]) -> EvaluationResult:
        now = facts.now  # type: ignore[attr-defined]
        seen = rate("k", now - RATE_WINDOW_S)
        return EvaluationResult(allowed=seen < limit, action="allow", reason=str(seen), rate_keys=[("k", limit)])

    return decide


def test_windows_of_sessions_gone_quiet_are_forgotten() -> None:
    rates = InMemoryRates()
    decide = _decide(3)
    for i in range(50_000):  # a new session every call, one second apart
        rates.evaluate(decide, "x", None, {"session_id": f"s{i}", "now": float(i)})
    assert len(rates._rate) <= 4 * 1024


def test_forgetting_keeps_the_decisions_exact() -> None:
    rates = InMemoryRates()
    decide = _decide(3)
    answers = []
    for i in range(5_000):
        rates.evaluate(decide, "x", None, {"session_id": f"n{i}", "now": float(i)})
        if i % 100 == 0:  # one busy session, three calls a minute allowed
            for j in range(4):
                answers.append(rates.evaluate(decide, "x", None, {"session_id": "busy", "now": i + j / 10}).allowed)
    assert answers == [True, True, True, False] * 50
