"""The audit entries the runtime writes: one per decision, one per approval step.

Each is an :class:`~goalrail.runtime.audit.AuditEntry` handed to the store in
``Commit.audit``; the store seals it into the hash chain.  The payload's keys
and values are what existing chains were hashed over: change them only with a
new entry kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from goalrail.engine import approvals
from goalrail.engine.decision import Decision
from goalrail.runtime.audit import AuditEntry


def decision_payload(
    event: Mapping[str, Any],
    decision: Decision,
    approval_id: str | None,
    actor: Mapping[str, Any] | None,
    digest: str | None = None,
) -> dict[str, Any]:
    """What a decision entry records; the caller adds the event and what else it knows."""
    action = event["context"].get("action") or {}
    target = action.get("target")
    answers, quiet = decision.answers()  # the policies that said something; the others counted
    return {
        "type": event["type"],
        "target": event.get("target"),
        "action": {
            "type": action.get("type"),
            "original": action.get("original"),
            "mapped_by": action.get("mapped_by"),
            "target": target[:300] if isinstance(target, str) else None,
        },
        "digest": digest or approvals.action_digest(event),
        "result": decision.result,
        "reason": decision.reason,
        "policy": decision.policy,
        "decisions": answers,
        "quiet": quiet,
        "duration_us": round(decision.duration_us, 1),
        "approval_id": approval_id,
        "actor": dict(actor) if actor else None,
        "model": event["context"].get("model"),
    }


def approval_entry(at: float, session_id: str, payload: dict[str, Any]) -> AuditEntry:
    """An approval's step (resolved, applied, answered in the client)."""
    return AuditEntry(at, "approval", session_id, payload)
