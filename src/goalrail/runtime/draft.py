"""One event's work in progress in ``runtime.decide``, and its commit: :class:`Draft`.

The store is handed the draft itself as the decision's ``ports.Commit`` (one object per
decision, not a draft and a commit); :func:`new_draft` makes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Never

from goalrail.engine.snapshot import Snapshot
from goalrail.policies.schema import PolicyEvent
from goalrail.runtime.ports import ApprovalRecord, Commit, SessionInfo
from goalrail.runtime.recheck import Rechecked

#: A draft's policy updates and labels until it has some (read-only: ``decide._own_updates``
#: gives the draft a dict of its own before adding to it).
_NOTHING: Mapping[str, Never] = MappingProxyType({})
_new = object.__new__


class Draft(Rechecked, Commit):
    """One event's work in progress, handed down the steps of :func:`decide`, and its commit:
    the store is handed the draft itself (one object per decision, not a draft and a ``Commit``)."""

    __slots__ = (
        "actor",
        "answered",
        "approval_id",
        "ask_keys",
        "asked",
        "chain",
        "digest",
        "evaluated",
        "event",
        "hook_mcp_call",
        "info",
        "mcp_call",
        "normalized",
        "now",
        "preview",
        "seen",
        "seen_labels",
        "snap",
        "used",
    )
    # (what ``new_draft`` sets; ``chain``, ``evaluated``, ``event`` and ``snap`` are ``Rechecked``'s)
    info: SessionInfo
    normalized: Mapping[str, Any]
    now: float
    actor: Mapping[str, Any] | None
    mcp_call: bool
    digest: str | None
    used: ApprovalRecord | None
    preview: str | None
    approval_id: str | None
    ask_keys: list[str] | None
    seen: list[Any] | None
    seen_labels: dict[str, str] | None
    asked: str | None
    hook_mcp_call: str | None
    answered: ApprovalRecord | None

    def __init__(self, *args: object) -> None:  # (without it, ``Commit``'s would take the arguments)
        raise TypeError("a draft is made by `new_draft`")


def new_draft(
    info: SessionInfo,
    normalized: Mapping[str, Any],
    snap: Snapshot,
    event: PolicyEvent,
    now: float,
    actor: Mapping[str, Any] | None,
    model: str | None,
    harness: str | None,
    mcp_call: bool,
    digest: str | None,
) -> Draft:
    """A new draft: made and filled here, not through a class call (in CPython 3.11 a class
    with a Python ``__init__`` costs ≈ 1 k instructions more per instance to make)."""
    d: Draft = _new(Draft)
    # The commit's fields (ports.Commit): its containers the shared read-only empties until a
    # step gives it its own (most decisions change little: no container made for nothing).
    d.session_updates = d.user_updates = d.grants = ()
    d.policy_updates = d.labels = _NOTHING
    d.history = None
    d.end_session = None
    d.model = model
    d.harness = harness
    d.audit = None
    d.approval = None
    d.resolve_approval = None
    d.usage = None
    d.evaluated = None  # (``Rechecked``)
    # The draft's.
    d.info = info
    d.normalized = normalized
    d.snap = snap
    d.event = event
    d.now = now
    d.actor = actor
    d.mcp_call = mcp_call
    d.digest = digest
    d.used = None
    d.preview = None  # the action's ``approvals.preview``, once encoded (by :func:`_settle`)
    d.approval_id = None
    d.ask_keys = None  # an answer whose calls asked: its narrow grant keys (``answer_gate``)
    # What _settle's provenance records; until then (and for a DENY) nothing, shared and never changed.
    d.seen = None
    d.seen_labels = None
    # For the runtime's answer: the ASK an earlier approval answered, the harness whose hook asked
    # about an MCP call, the pending approval a client's prompt answered.
    d.asked = None
    d.hook_mcp_call = None
    d.answered = None
    return d
