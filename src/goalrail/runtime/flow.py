"""Keeping each session's provenance record: what to remember after an event, and a cached view.

Values from the user's requests are trusted; a tool's output has the trust its
metadata declares (a tool nobody described counts as untrusted).  The first
untrusted output sets the session label ``untrusted_content`` (its value names
the tool).  Updates go through the normal commit, in the reserved namespace
``goalrail.provenance``: persisted, serialized per session and exact across
replicas like every other piece of state.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from goalrail.engine.snapshot import Snapshot
from goalrail.engine.state import apply_update
from goalrail.policies import provenance
from goalrail.policies.provenance import NS, Provenance
from goalrail.policies.schema import StateUpdate

UNTRUSTED_LABEL = "untrusted_content"
_RESULT_KEYS = ("result", "output", "content", "response", "tool_response")


def tool_output(data: Any) -> Any:
    if not isinstance(data, Mapping):
        return data
    return [data[k] for k in _RESULT_KEYS if k in data]


def _after(state: Mapping[str, Any] | None, updates: list[StateUpdate]) -> dict[str, Any]:
    out = dict(state or {})
    for upd in updates:
        apply_update(out, upd)
    return out


class ProvenanceTracker:
    """Per-runtime cache of built indexes; validated against each snapshot, so never stale."""

    def __init__(self, *, max_values: int = provenance.DEFAULT_MAX_VALUES, cache_size: int = 1024) -> None:
        self.max_values = max_values
        self.cache_size = cache_size
        self._views: OrderedDict[str, Provenance] = OrderedDict()

    def view(self, session_id: str, snap: Snapshot) -> Provenance:
        state = snap.policy_states.get(NS)
        if not state:
            self._views.pop(session_id, None)
            return provenance.EMPTY
        cached = self._views.get(session_id)
        view = cached.advanced(state) if cached is not None else Provenance.from_state(state)
        self._views[session_id] = view
        self._views.move_to_end(session_id)
        if len(self._views) > self.cache_size:
            self._views.popitem(last=False)
        return view

    def remember(
        self, event: Mapping[str, Any], snap: Snapshot, now: float
    ) -> tuple[list[StateUpdate], dict[str, str]]:
        """State updates and labels that record what ``event`` showed the agent."""
        etype = event["type"]
        state = snap.policy_states.get(NS)
        if etype == "request":
            data = event["data"] or {}
            updates = provenance.record(
                state,
                data.get("user_content"),
                source="user",
                trust=provenance.TRUSTED,
                at=now,
                max_values=self.max_values,
            )
            if data.get("attachments"):  # what the user passed on, not what the user said
                more = provenance.record(
                    _after(state, updates),
                    data["attachments"],
                    source="attachment",
                    trust=provenance.UNTRUSTED,
                    at=now,
                    max_values=self.max_values,
                )
                if more:
                    return updates + more, {UNTRUSTED_LABEL: "attachment"}
            return updates, {}
        if etype != "tool_result":
            return [], {}
        action = event["context"].get("action") or {}
        trust = action.get("trust") or provenance.UNTRUSTED
        name = action.get("original") or event.get("target") or "?"
        updates = provenance.record(
            state, tool_output(event["data"]), source=name, trust=trust, at=now, max_values=self.max_values
        )
        labels = {}
        if trust == provenance.UNTRUSTED and UNTRUSTED_LABEL not in snap.labels:
            labels[UNTRUSTED_LABEL] = name
        return updates, labels
