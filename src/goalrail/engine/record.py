"""A policy's record as the decision's JSON lists it (``PolicyDecision.to_dict``), and the
rounding of its duration."""

from __future__ import annotations

from goalrail.engine.spec import PolicySpec
from goalrail.jsontypes import JsonObject


def record_dict(spec: PolicySpec, verdict: str, reason: str | None, duration_us: float) -> JsonObject:
    """``PolicyDecision.to_dict`` of a record without error, warning or end of session
    (a compact record's: ``record_dict(*compact)``), without making the PolicyDecision:
    a copy of the spec's record (:func:`_quiet_record`) with what it said."""
    kept = _RECORDS.get(id(spec))
    out = (kept[1] if kept is not None and kept[0] is spec else _quiet_record(spec)).copy()
    out["verdict"] = verdict
    out["reason"] = reason
    if duration_us or type(duration_us) is not float:  # 0.0 (a policy not called): the record's own
        out["duration_us"] = round1(duration_us)
    return out


#: Each spec's record of an ABSTAIN without duration, its keys in the order ``record_dict``'s have
#: them, keyed by the spec's id (a spec holds a dict: not hashable) and kept with the spec, so
#: that no id is reused while its entry is kept.  A record is a copy of it (a dict's copy
#: costs less than making it key by key); emptied when it holds ``_RECORDS_MAX`` specs.
_RECORDS: dict[int, tuple[PolicySpec, JsonObject]] = {}
_RECORDS_MAX = 4096


def _quiet_record(spec: PolicySpec) -> JsonObject:
    if len(_RECORDS) >= _RECORDS_MAX:
        _RECORDS.clear()
    record: JsonObject = {
        "policy": spec.name,
        "level": spec.level,
        "handler": spec.handler,
        "verdict": "ABSTAIN",
        "reason": None,
        "duration_us": 0.0,
        "mode": spec.mode,
    }
    _RECORDS[id(spec)] = (spec, record)
    return record


def round1(x: float) -> float:
    """``round(x, 1)``, the same value, without its decimal conversion for a duration (a
    float from 0 to 5e10) that is not within 0.0001 of a tie.

    ``y`` is ``10 * x`` to within half its ulp (at most 3.1e-5 here), so the integer nearest the
    exact ``10 * x`` is ``floor(y)`` when ``y``'s fraction is below 0.4999 and the next one
    when it is above 0.5001; dividing that integer (exact as a float) by ten rounds
    correctly, as ``round`` does reading its decimal text back.  Anything else (an int, a
    negative or huge value, NaN, an infinity, a near tie) is ``round``'s to decide."""
    if type(x) is float and 0.0 <= x < 5e10:
        y = x * 10.0
        k = y - y % 1.0
        f = y - k
        if f < 0.4999:
            return k / 10.0
        if f > 0.5001:
            return (k + 1.0) / 10.0
    return round(x, 1)
