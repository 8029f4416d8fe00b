"""``engine.record.record_dict``: a copy of the spec's kept quiet record, never the kept one."""

from __future__ import annotations

from goalrail.engine import record
from goalrail.engine.decision import PolicyDecision
from goalrail.engine.spec import PolicySpec


def _spec(name: str, mode: str = "enforce") -> PolicySpec:
    return PolicySpec(name, f"mod.{name}", level="agent", mode=mode)


def test_a_record_is_its_own_and_in_the_order_of_its_keys() -> None:
    spec = _spec("p", mode="shadow")
    first = record.record_dict(spec, "DENY", "no", 12.34)
    assert list(first.items()) == [
        ("policy", "p"),
        ("level", "agent"),
        ("handler", "mod.p"),
        ("verdict", "DENY"),
        ("reason", "no"),
        ("duration_us", 12.3),
        ("mode", "shadow"),
    ]
    first["reason"] = "changed"
    first["duration_us"] = 99.0
    quiet = record.record_dict(spec, "ABSTAIN", None, 0.0)
    assert quiet == {**first, "verdict": "ABSTAIN", "reason": None, "duration_us": 0.0}
    assert type(quiet["duration_us"]) is float
    assert record.record_dict(spec, "ALLOW", None, 0) == {**quiet, "verdict": "ALLOW", "duration_us": 0}
    assert type(record.record_dict(spec, "ALLOW", None, 0)["duration_us"]) is int  # as round(0, 1)


def test_a_kept_record_of_another_spec_with_the_same_id_is_not_used() -> None:
    spec, other = _spec("mine"), _spec("other")
    record._RECORDS[id(spec)] = (other, record._quiet_record(other))  # as if ``other`` had lived at that id
    made = PolicyDecision(spec, "ALLOW", "ok", 1.0).to_dict()
    assert made["policy"] == "mine" and made["handler"] == "mod.mine"
    assert record._RECORDS[id(spec)][0] is spec


def test_the_kept_records_are_bounded() -> None:
    record._RECORDS.clear()
    specs = [_spec(f"s{i}") for i in range(record._RECORDS_MAX + 1)]
    for s in specs:
        record.record_dict(s, "ALLOW", None, 1.0)
    assert len(record._RECORDS) == 1 and record._RECORDS[id(specs[-1])][0] is specs[-1]
