"""``Decision.same_as`` (engine/decision.py): what a store's recheck of a decision on the
owner's current state compares (runtime/recheck.py): everything the decision says,
durations aside, JSON values by kind."""

from __future__ import annotations

import pytest

from goalrail.engine import decision as decision_module
from goalrail.engine.decision import Decision, PolicyDecision, _said
from goalrail.engine.spec import PolicySpec
from goalrail.engine.state import same_json
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


# -- the comparison without a list per record (what a recheck pays per policy of the chain) --

OTHER = PolicySpec(name="other", handler="h")
LOWER = PolicySpec(name="budget", handler="h", level="session")


def _old_same_json(a: object, b: object) -> bool:
    """``same_json`` as it was written first: the reference the faster one must agree with."""
    if type(a) is tuple:
        a = list(a)
    if type(b) is tuple:
        b = list(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_old_same_json(v, b[k]) for k, v in a.items())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_old_same_json(x, y) for x, y in zip(a, b, strict=True))
    return a == b


VALUES: list[object] = [
    None, True, False, 0, 1, 1.0, float("nan"), "1", "", "a", [], (), [1], (1,), [1.0], [[1]], [1, 2], [2, 1],
    {}, {"a": 1}, {"a": 1.0}, {"a": True}, {"b": 1}, {"a": 1, "b": 2}, {"b": 2, "a": 1}, {"a": [1, {"c": None}]},
    {"a": (1, {"c": None})}, {"a": [1, {"c": 0}]}, [{"k": "v"}], [{"k": "v", "x": 1}],
]  # fmt: skip


def test_same_json_agrees_with_the_first_spelling_on_every_pair() -> None:
    for a in VALUES:
        for b in VALUES:
            assert same_json(a, b) is _old_same_json(a, b), (a, b)
    nan = float("nan")
    assert same_json([nan], [nan]) is _old_same_json([nan], [nan]) is False  # one NaN object: not the same value


def _record(spec: PolicySpec, verdict: str = "ALLOW", reason: str | None = "ok", **extras: object) -> PolicyDecision:
    record = PolicyDecision(spec, verdict, reason, 1.0)
    for name, value in extras.items():
        setattr(record, name, value)
    return record


RECORDS: list[object] = [
    (SPEC, "ABSTAIN", None, 1.0), (SPEC, "ABSTAIN", None, 9.0), (SPEC, "SKIPPED", None, 0.0),
    (SPEC, "ALLOW", "ok", 1.0), (SPEC, "ALLOW", "other", 1.0), (SPEC, "ALLOW", None, 1.0),
    (OTHER, "ABSTAIN", None, 1.0), (LOWER, "ABSTAIN", None, 1.0),
    (PolicySpec(name="budget", handler="another"), "ABSTAIN", None, 1.0),  # the same name and level
    _record(SPEC, "ABSTAIN", None), _record(SPEC), _record(SPEC, reason="other"), _record(OTHER),
    _record(LOWER), _record(SPEC, error="boom"), _record(SPEC, warning="careful"),
    _record(SPEC, end_session=True), _record(SPEC, ask_timeout_s=1), _record(SPEC, ask_timeout_s=1.0),
    _record(SPEC, data={"x": 1}), _record(SPEC, data={"x": 1.0}), _record(SPEC, set_labels={"l": "v"}),
    _record(SPEC, state_updates=[{"key": "k", "action": "set", "value": 1, "scope": "user"}]),
    _record(SPEC, state_updates=[{"key": "k", "action": "set", "value": True, "scope": "user"}]),
    _record(SPEC, state_updates=({"key": "k", "action": "set", "value": 1, "scope": "user"},)),
]  # fmt: skip


def test_each_record_compares_as_its_full_spelling_does() -> None:
    """Every pair of records, compact or not, near misses included: the same answer as
    ``same_json`` over each record's full spelling (``_said``), which a recheck relied on."""
    for a in RECORDS:
        for b in RECORDS:
            expected = same_json(_said(a), _said(b))  # type: ignore[arg-type]
            one = Decision("ALLOW", None, None, [a], 1.0)  # type: ignore[list-item]
            other = Decision("ALLOW", None, None, [b], 1.0)  # type: ignore[list-item]
            assert one.same_as(other) is expected, (a, b)


def test_compact_records_are_compared_without_a_list_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten policies, nine of them compact (the usual chain's answer): the records are compared
    field by field, not by ``same_json`` over a list built for each (what a recheck cost)."""
    calls = [0]

    def counted(a: object, b: object) -> bool:
        calls[0] += 1
        return same_json(a, b)

    specs = [PolicySpec(name=f"p{i}", handler="h") for i in range(10)]

    def chain_answer() -> Decision:
        records: list[object] = [(spec, "ABSTAIN", None, 1.0) for spec in specs[:8]]
        records.append((specs[8], "ALLOW", "ok", 2.0))
        records.append(_record(specs[9], state_updates=[{"key": "n", "action": "increment", "value": 1}]))
        return Decision("ALLOW", "ok", "p8", records, 1.0)  # type: ignore[arg-type]

    monkeypatch.setattr(decision_module, "same_json", counted)
    assert chain_answer().same_as(chain_answer())
    assert calls[0] <= 2  # the decision's own updates, and the one record that has any
