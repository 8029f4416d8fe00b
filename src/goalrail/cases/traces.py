"""Recorded traces as regression tests: every event must get its expected verdict.

An event record's expectation is its ``expect`` object (the keys a YAML test
case's ``expect`` takes: result, policy, reason_contains, reason_excludes,
decisions) or, without one, the verdict it was recorded with.  So a trace of
yesterday's incident, with ``expect: {result: DENY}`` added to the line that
should have been stopped, fails until the policy that stops it is in place,
and keeps every other decision of that session as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from goalrail.cases.run import EXPECT_KEYS, CaseResult, check_expectation
from goalrail.errors import InvalidRequest


def expectation(record: Mapping[str, Any]) -> dict[str, Any]:
    expect = record.get("expect")
    if expect is None:
        return {"result": (record.get("decision") or {}).get("result")}
    bad = sorted(set(expect) - EXPECT_KEYS)
    if bad:
        raise InvalidRequest(f"invalid trace: record {record.get('seq')}: unknown expectation `{bad[0]}`")
    return dict(expect)


def check_results(name: str, results: Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]]) -> CaseResult:
    """One CaseResult for a replayed trace (``Report.results`` of a ``keep_results`` replay)."""
    out = CaseResult(name, True, source=name)
    for _, record, got in results:
        event = record.get("event") or {}
        where = f"event {record.get('seq', '?')} ({event.get('type')} {event.get('target') or ''})".rstrip()
        for problem in check_expectation(expectation(record), got):
            out.failures.append(f"{where}: {problem}")
    out.passed = not out.failures
    return out
