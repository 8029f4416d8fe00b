"""What a replay reports: the events whose verdict changed, and totals (``runtime.replay``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from goalrail.engine.shapes import VerdictRecord
from goalrail.runtime.trace import TraceRecord

_RANK = {"ALLOW": 0, "ASK": 1, "DENY": 2, "ERROR": 3}


@dataclass
class Change:
    """One event whose verdict differs between the recording and the replay."""

    session_id: str
    seq: int | None
    at: float
    type: str
    target: str | None
    before: VerdictRecord
    after: VerdictRecord

    @property
    def transition(self) -> str:
        return f"{self.before.get('result')}→{self.after.get('result')}"

    @property
    def stricter(self) -> bool:
        return _RANK.get(str(self.after.get("result")), 3) > _RANK.get(str(self.before.get("result")), 3)

    def to_dict(self) -> dict[str, object]:
        return {
            "session_id": self.session_id,
            "seq": self.seq,
            "at": self.at,
            "type": self.type,
            "target": self.target,
            "transition": self.transition,
            "before": self.before,
            "after": self.after,
        }


@dataclass
class Report:
    sessions: int = 0
    events: int = 0
    changes: list[Change] = field(default_factory=list)
    seconds: float = 0.0
    skipped: int = 0
    results: list[tuple[str, TraceRecord, VerdictRecord]] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return len(self.changes)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.changes:
            out[c.transition] = out.get(c.transition, 0) + 1
        return dict(sorted(out.items()))

    def to_dict(self, *, limit: int | None = None) -> dict[str, object]:
        shown = self.changes if limit is None else self.changes[:limit]
        return {
            "sessions": self.sessions,
            "events": self.events,
            "changed": self.changed,
            "unchanged": self.events - self.changed,
            "transitions": self.counts(),
            "changes": [c.to_dict() for c in shown],
            "truncated": len(shown) < len(self.changes),
            "skipped": self.skipped,
            "seconds": round(self.seconds, 4),
        }


def brief(decision: VerdictRecord) -> VerdictRecord:
    return {"result": decision.get("result"), "policy": decision.get("policy"), "reason": decision.get("reason")}


def when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")
