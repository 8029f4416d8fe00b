"""How a new event meets an earlier answer, inside the session's transaction, and the
approval a new ASK waits in (:func:`new_approval`: pending, holding the updates it applies).

* **A retried call uses its approval.**  An ASK approved ``once`` (and not yet
  used) covers the next identical action — same canonical tool and arguments,
  asked by policies that were all approved — and is then used up (``applied``).
  Its held updates were applied when it was approved, so the retry adds none.
* **A client's own prompt.**  When a hook answered ``ask`` and the user approved
  in the harness's prompt, the tool ran and its ``tool_result`` arrives: the
  pending approval of that call is resolved ``answered_in_client`` (held updates
  apply, audited as such).  That status is never an approval: nothing waiting
  on it is released and no later call can use it.
* **A bounded queue.**  A session has at most :data:`MAX_PENDING` approvals
  waiting (unexpired) at once; a new ASK past that is a DENY saying so, so an
  agent cannot bury its user (or the store) under questions.
* **One evaluation per call.**  A call that a harness hook and the MCP proxy both
  see (Claude Code with the proxy registered as an MCP server) is evaluated by
  the hook; the proxy's event for the identical action within
  :data:`REUSE_WINDOW_S` takes that ALLOW instead of evaluating again.  Each ALLOW
  from a hook can be taken once, only for the identical action, so every call
  that runs is still covered by exactly one ALLOW evaluation of itself.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from goalrail.engine import approvals
from goalrail.engine.decision import Decision
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.state import split_updates
from goalrail.jsontypes import JsonObject
from goalrail.policies.schema import PolicyEvent, StateUpdate
from goalrail.runtime.ports import ApprovalRecord, AskedApproval, SessionInfo
from goalrail.runtime.system_policies import add_policy_preview

if TYPE_CHECKING:
    from goalrail.runtime.runtime import Runtime

ANSWERED_IN_CLIENT = "answered_in_client"
PROXY_HARNESS = "mcp-proxy"
#: Reserved state namespace: ALLOWs of MCP tool calls a hook evaluated, waiting for the proxy.
CALLS_NS = "goalrail.calls"
REUSE_WINDOW_S = 60.0
_MAX_HELD = 64
#: Approvals one session may have waiting at once; a further ASK is a DENY until some are answered.
MAX_PENDING = 64


def refuse_flood(decision: Decision, waiting: int) -> Decision:
    """A new ASK while ``waiting`` (:data:`MAX_PENDING` or more) approvals of the session wait
    unexpired, as a DENY that changes nothing; otherwise ``decision`` as it is."""
    if waiting < MAX_PENDING:
        return decision
    reason = (
        f"{waiting} approvals of this session are already waiting for an answer (at most {MAX_PENDING}): "
        f"answer or deny some first (asked: {decision.reason})"
    )
    return decision.resolved("DENY", reason, changes=False)


def approved_among(
    records: list[ApprovalRecord],
    decision: Decision,
    event: Mapping[str, object],
    digest: str | None,
    now: float,
    keys: list[str] | None = None,
) -> ApprovalRecord | None:
    """Of the session's approvals of this identical action that are approved and unused (``approved_approvals``,
    oldest first), the newest unexpired ``once`` approval covering every asking policy: the approval must have
    been asked with each of this ASK's narrow grant keys (each policy as ``level:name``), so a session policy
    named like a higher-level one never answers for it."""
    if not records:
        return None
    asked = keys if keys is not None else [approvals.grant_key(key, event, digest) for key in decision.asking_keys]
    for record in reversed(records):
        if (
            (record.scope or approvals.ONCE) == approvals.ONCE
            and now < record.expires_at
            and approvals.covers(record.grant_keys, asked)
        ):
            return record
    return None


def asked_recently(snap: Snapshot, target: str | None) -> bool:
    """Whether the session's recent history has an ASK on this tool (else no lookup is needed)."""
    return any(
        h.get("verdict") == "ASK" and h.get("type") == "tool_call" and h.get("target") == target
        for h in snap.history[-20:]
    )


def pending_among(records: list[ApprovalRecord], event: Mapping[str, object], now: float) -> ApprovalRecord | None:
    """Of the session's pending approvals (oldest first), the newest unexpired one of the tool call this
    ``tool_result`` reports (the client's prompt let it run)."""
    digest = approvals.call_digest(event)
    data = event.get("data")
    # (a dict, the usual data, without the ABC check)
    use_id = data.get("tool_use_id") if type(data) is dict or isinstance(data, Mapping) else None
    for record in reversed(records):
        if record.event_type != "tool_call" or record.digest != digest or now >= record.expires_at:
            continue
        held_id = record.held.get("tool_use_id")
        if use_id and held_id and held_id != use_id:
            continue
        return record
    return None


def is_mcp_call(event: PolicyEvent) -> bool:
    if event.get("type") != "tool_call":
        return False
    action = event["context"].get("action") or {}
    original = action.get("original") or event.get("target") or ""
    return str(original).startswith("mcp__")


def _held(snap: Snapshot, now: float) -> list[JsonObject]:
    items = (snap.policy_states.get(CALLS_NS) or {}).get("allowed")
    if not isinstance(items, list):
        return []
    return [i for i in items if isinstance(i, dict) and now - _at(i) < REUSE_WINDOW_S]


def _at(item: JsonObject) -> float:
    """When a held call was allowed (0 when the entry has no usable time: it is then stale)."""
    at = item.get("at")
    return float(at) if isinstance(at, (int, float)) else 0.0


def take_hook_allow(snap: Snapshot, digest: str, now: float) -> tuple[JsonObject, list[StateUpdate]] | None:
    """For the proxy's event: the hook's ALLOW of this identical action, and the update that uses it up."""
    held = _held(snap, now)
    for i, item in enumerate(held):
        if item.get("digest") == digest:
            rest = held[:i] + held[i + 1 :]
            return item, [{"key": "allowed", "action": "set", "value": rest}]
    return None


def hold_hook_allow(snap: Snapshot, digest: str, now: float, harness: str | None) -> list[StateUpdate]:
    """For a hook's ALLOW of an MCP call: keep it for the proxy to take (bounded, pruned by age)."""
    held = _held(snap, now)[-(_MAX_HELD - 1) :]
    held.append({"digest": digest, "at": now, "harness": harness})
    return [{"key": "allowed", "action": "set", "value": held}]


def new_approval(
    rt: Runtime,
    info: SessionInfo,
    event: Mapping[str, Any],
    decision: Decision,
    now: float,
    digest: str | None = None,
    preview: str | None = None,
    keys: list[str] | None = None,
) -> ApprovalRecord:
    """A pending approval for an ASK, holding the updates that apply once it is approved;
    ``preview``, when given, is ``approvals.preview(event)`` already encoded; ``keys``, the narrow
    grant keys when they are not the asking policies' on ``event`` (an answer whose calls asked)."""
    timeout = decision.ask_timeout_s or rt.approval_timeout_s
    # What apply_decision would put in a new Commit, without the Commit: containers of its own.
    session, policy, user = split_updates(decision.state_updates) if decision.state_updates else ([], {}, [])
    digest = digest or approvals.action_digest(event)
    data = event.get("data")
    # (a dict, the usual data, without the ABC check)
    use_id = data.get("tool_use_id") if type(data) is dict or isinstance(data, Mapping) else None
    # Positional, in the fields' order (by keywords each argument costs a name match).
    record = AskedApproval(
        approvals.approval_id(now, secrets.token_hex(12)),  # id: ordered by time, 96 random bits
        info.id,  # session_id
        "pending",  # status
        digest,
        event["type"],  # event_type
        event.get("target"),
        add_policy_preview(event, rt.registry) or preview or approvals.preview(event),
        decision.reason,
        list(decision.asking),  # policies
        {  # held
            "session_updates": session,
            "policy_updates": policy,
            "user_updates": user,
            "labels": dict(decision.set_labels) if decision.set_labels else {},
            "end_session": (f"ended by `{decision.policy}`: {decision.reason}" if decision.end_session else None),
            "tool_use_id": use_id if isinstance(use_id, str) else None,
        },
        now,  # created_at
        now + timeout,  # expires_at
        info.owner,
        None,  # resolved_at
        None,  # resolved_by
        None,  # scope
        keys if keys is not None else [approvals.grant_key(p, event, digest) for p in decision.asking_keys],
    )
    # The decision as JSON (its policies' records kept, for the answer and the audit entry to copy)
    # is made when the approval is first read: not on the decision path of the memory store.
    record.explain = decision.to_dict
    return record
