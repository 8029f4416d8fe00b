"""Snapshot: everything a session's evaluation reads, taken once per event."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Snapshot:
    session_id: str
    owner: str | None = None
    agent: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    policy_states: dict[str, dict[str, Any]] = field(default_factory=dict)
    user_state: dict[str, Any] = field(default_factory=dict)
    usage: dict[str, Any] = field(default_factory=dict)
    user_daily_cost: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    model: str | None = None
    harness: str | None = None
    ended: str | None = None
    grants: set[str] = field(default_factory=set)
    client_id: str | None = None
