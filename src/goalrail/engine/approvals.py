"""Approval logic without I/O: action digests and session-wide grants.

An approval is bound to a digest of the exact action (phase, canonical target
and payload), so it cannot be replayed against a changed action.  A user may
widen an approval to "this session": a grant for each asking policy on that
phase and tool, consulted before a later ASK from the same policies.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def action_digest(event: Mapping[str, Any]) -> str:
    payload = {"type": event.get("type"), "target": event.get("target"), "data": event.get("data")}
    return hashlib.sha256(_encode(payload).encode()).hexdigest()


def grant_key(policy: str, event: Mapping[str, Any]) -> str:
    return f"{policy}|{event.get('type')}|{event.get('target') or '*'}"


def covered_by_grants(asking: Iterable[str], event: Mapping[str, Any], grants: set[str]) -> bool:
    names = list(asking)
    return bool(names) and all(grant_key(p, event) in grants for p in names)


def preview(event: Mapping[str, Any], limit: int = 2000) -> str:
    """What the approver sees: the action, as JSON, truncated."""
    body = {"type": event.get("type"), "target": event.get("target"), "data": event.get("data")}
    text = json.dumps(body, indent=2, sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit] + "\n… [truncated]"
