"""``Decision.same_as`` (engine/decision.py): what a store's recheck of a decision on the
owner's current state compares (runtime/recheck.py): everything the decision says,
durations aside, JSON values by kind."""

from __future__ import annotations

from goalrail.engine.decision import Decision, PolicyDecision
from goalrail.engine.spec import PolicySpec
from goalrail.policies.schema import StateUpdate

SPEC = PolicySpec(name="budget", handler="h")


def _decision(value: object = 1, reason: str = "ok", duration: float = 3.0) -> Decision:
    upd: StateUpdate = {"key": "k", "action": "increment", "value": value, "scope": "user"}  # type: ignore[typeddict-item]
    record = PolicyDecision(SPEC, "ALLOW", reason, duration)
    record.state_updates = [upd]
    return Decision("ALLOW", reason, "budget", [record], duration, state_updates=[("budget", upd)])


def test_the_same_answer_at_another_speed_is_the_same() -> None:
    assert _decision().same_as(_decision(duration=70.0))


def test_another_reason_or_update_is_not() -> None:
    assert not _decision().same_as(_decision(reason="other"))
    assert not _decision().same_as(_decision(value=2))
    assert not _decision().same_as(_decision(value=1.0))  # written as 1.0, not 1
    assert not _decision().same_as(_decision(value=True))


def test_a_compact_record_and_its_policy_decision_compare_alike() -> None:
    compact = Decision("ALLOW", None, None, [(SPEC, "ABSTAIN", None, 1.0)], 1.0)
    expanded = Decision("ALLOW", None, None, [PolicyDecision(SPEC, "ABSTAIN", None, 2.0)], 2.0)
    assert compact.same_as(expanded)
    assert not compact.same_as(Decision("ALLOW", None, None, [PolicyDecision(SPEC, "DENY", None, 2.0)], 2.0))
