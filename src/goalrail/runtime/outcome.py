"""What the runtime answers for one event, and the small helpers every step shares."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from goalrail.engine.decision import Decision, PolicyDecision
from goalrail.engine.spec import PolicySpec


@dataclass(slots=True)
class Outcome:
    """The answer to one event: the explained decision plus its approval, if any.

    The decision is never changed; ``final`` and ``resolution`` record how a
    human answered its ASK (``Runtime.settle``).
    """

    decision: Decision
    session_id: str
    approval_id: str | None = None
    final: str | None = None  # set once an ASK is resolved (ALLOW / DENY)
    resolution: str | None = None
    asked: str | None = None  # the ASK's reason when an earlier approval answered it at once
    hook_mcp_call: str | None = None  # harness whose hook asked about an MCP call (the proxy reuses its approval)

    @property
    def result(self) -> str:
        return self.final or self.decision.result

    def to_dict(self) -> dict[str, Any]:
        out = self.decision.to_dict()
        out["result"] = self.final or self.decision.result  # (``result``, without the property)
        out["session_id"] = self.session_id
        if self.approval_id:
            out["approval_id"] = self.approval_id
        if self.final and self.final != self.decision.result:
            out["asked"] = {"result": self.decision.result, "reason": self.decision.reason}
            out["reason"] = self.resolution or out["reason"]
        elif self.asked is not None:
            out["asked"] = {"result": "ASK", "reason": self.asked}
        return out


_new = object.__new__


def new_outcome(
    decision: Decision, session_id: str, approval_id: str | None, asked: str | None, hook_mcp_call: str | None
) -> Outcome:
    """``Runtime.evaluate``'s answer, not yet resolved: made and filled here, not by ``Outcome(...)``
    (in CPython 3.11 a class call costs ≈ 1 k instructions more per instance; every field is set)."""
    out: Outcome = _new(Outcome)
    out.decision = decision
    out.session_id = session_id
    out.approval_id = approval_id
    out.final = None
    out.resolution = None
    out.asked = asked
    out.hook_mcp_call = hook_mcp_call
    return out


@functools.lru_cache(maxsize=64)
def _day_of(day_number: int) -> str:
    return datetime.fromtimestamp(day_number * 86400, UTC).strftime("%Y-%m-%d")


#: The last day :func:`utc_day` answered: (its first second, the next day's, its text).
_last_day: tuple[float, float, str] = (0.0, 0.0, "")


def utc_day(ts: float) -> str:
    """The UTC calendar day of a timestamp, as YYYY-MM-DD (cached per day; the last one
    answered by two comparisons, as every decision of the day asks for it)."""
    global _last_day
    start, end, text = _last_day
    if start <= ts < end:
        return text
    number = int(ts // 86400)
    text = _day_of(number)
    _last_day = (number * 86400.0, number * 86400.0 + 86400.0, text)
    return text


_SESSION_SPEC = PolicySpec("session", "goalrail.session", level="session")


def ended_decision(why: str) -> Decision:
    """The verdict on any event of a session that a policy terminated."""
    d = PolicyDecision(_SESSION_SPEC, "DENY", f"session was terminated: {why}")
    return Decision("DENY", d.reason, "session", [d], 0.0)
