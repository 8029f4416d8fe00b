"""The explained decision: never a bare bool."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from goalrail.policies.schema import StateUpdate


@dataclass
class PolicyDecision:
    """What one policy said.  ``verdict`` is ALLOW, DENY, ASK or ABSTAIN."""

    policy: str
    level: str
    handler: str
    verdict: str
    reason: str | None = None
    duration_us: float = 0.0
    mode: str = "enforce"
    error: str | None = None
    warning: str | None = None
    state_updates: list[StateUpdate] = field(default_factory=list)
    set_labels: dict[str, str] = field(default_factory=dict)
    data: Any = None
    end_session: bool = False
    ask_timeout_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "policy": self.policy,
            "level": self.level,
            "handler": self.handler,
            "verdict": self.verdict,
            "reason": self.reason,
            "duration_us": round(self.duration_us, 1),
            "mode": self.mode,
        }
        if self.error:
            out["error"] = self.error
        if self.warning:
            out["warning"] = self.warning
        if self.end_session:
            out["end_session"] = True
        return out


@dataclass
class Decision:
    """The chain's verdict with its explanation.

    ``state_updates`` and ``set_labels`` are everything the enforcing policies
    asked to change.  On ASK they are *held* (apply only once approved).
    """

    result: str
    reason: str | None
    policy: str | None
    decisions: list[PolicyDecision]
    duration_us: float
    state_updates: list[tuple[str, StateUpdate]] = field(default_factory=list)
    set_labels: dict[str, str] = field(default_factory=dict)
    data: Any = None
    warnings: list[str] = field(default_factory=list)
    end_session: bool = False
    asking: list[str] = field(default_factory=list)
    ask_timeout_s: float | None = None

    @property
    def allowed(self) -> bool:
        return self.result == "ALLOW"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "result": self.result,
            "reason": self.reason,
            "policy": self.policy,
            "decisions": [d.to_dict() for d in self.decisions],
            "duration_us": round(self.duration_us, 1),
        }
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.end_session:
            out["end_session"] = True
        if self.data is not None:
            out["data"] = self.data
        return out
