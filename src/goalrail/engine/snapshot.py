"""Snapshot: everything a session's evaluation reads, taken once per event."""

from __future__ import annotations

from dataclasses import dataclass, field

from goalrail.jsontypes import JsonObject


@dataclass(slots=True)
class Snapshot:
    session_id: str
    owner: str | None = None
    agent: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    state: JsonObject = field(default_factory=dict)
    policy_states: dict[str, JsonObject] = field(default_factory=dict)
    user_state: JsonObject = field(default_factory=dict)
    usage: JsonObject = field(default_factory=dict)
    user_daily_cost: JsonObject = field(default_factory=dict)  # (a ``state.SharedEntry`` a store may share)
    history: list[JsonObject] = field(default_factory=list)
    model: str | None = None
    harness: str | None = None
    ended: str | None = None
    grants: set[str] = field(default_factory=set)
    client_id: str | None = None
