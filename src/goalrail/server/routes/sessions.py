"""Sessions: create, list (with spend and pending approvals), inspect one."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Any, cast

from fastapi import APIRouter, Query, Request

from goalrail.engine.levels import given_labels
from goalrail.errors import Conflict, Forbidden, NotFound
from goalrail.jsontypes import JsonObject
from goalrail.policies.provenance import NS as PROVENANCE_NS
from goalrail.policies.provenance import Provenance
from goalrail.policies.redact import redact_value
from goalrail.runtime.asks import MAX_PENDING
from goalrail.runtime.outcome import utc_day
from goalrail.runtime.ports import SessionInfo
from goalrail.runtime.system_policies import ADD_POLICY_GUARD
from goalrail.runtime.usage import USAGE_NS, usage_totals
from goalrail.server.bound import session_agent
from goalrail.server.models import SessionCreate
from goalrail.server.policy_specs import view
from goalrail.server.policy_views import policies_for, session_for
from goalrail.server.quotas import session_cap
from goalrail.server.routes import Caller
from goalrail.server.state import ServerState, state_of
from goalrail.server.traces import with_shadow_counts

router = APIRouter(tags=["sessions"])
#: the session's newest audit entries ``GET /v1/sessions/{id}`` reads (at most ``decisions`` ≤ 500 shown)
AUDIT_WINDOW = 2_000


def _summary(st: ServerState, info: SessionInfo, usage: Mapping[str, object], pending: int) -> dict[str, object]:
    return {
        **info.to_dict(),
        "object": "session",
        "usage": usage,
        "cost_usd": usage.get("total_cost_usd"),
        "pending_approvals": pending,
    }


@router.post("/v1/sessions", status_code=201, summary="Create a session (a session is also created by its first event)")
async def create_session(body: SessionCreate, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    owner = caller.user
    if body.owner is not None and body.owner != caller.user:
        if not caller.is_admin:
            raise Forbidden("only admins can create sessions for another user")
        owner = body.owner
    agent = session_agent(caller, body.agent, required=st.require_agent)
    if agent is not None and not await st.runtime.knows_agent(agent):
        raise NotFound(f"agent `{agent}` is not known to this server")
    session_id = body.id or "ses_" + secrets.token_hex(10)
    if await st.store.get_session(session_id) is not None:
        raise Conflict(f"session `{session_id}` already exists")
    labels = given_labels(body.labels, caller.is_admin)
    cap = session_cap(st, caller, owner)
    info = await st.store.ensure_session(session_id, owner=owner, agent=agent, labels=labels, cap=cap)
    return _summary(st, info, usage_totals([]), 0)


@router.get("/v1/sessions", summary="Sessions you may see, most recently active first")
async def list_sessions(
    request: Request,
    caller: Caller,
    owner: str | None = None,
    agent: str | None = None,
    limit: int = Query(100, ge=1, le=10_000),
) -> dict[str, Any]:
    st = state_of(request)
    if not caller.is_admin:
        if owner is not None and owner != caller.user:
            raise Forbidden("you can only list your own sessions")
        owner = caller.user
    if caller.agent is not None:  # a bound credential sees the sessions of its agent spec only
        agent = session_agent(caller, agent, loc="query.agent")
    infos = await st.store.list_sessions(owner=owner, limit=min(limit, st.max_list))
    if agent is not None:
        infos = [i for i in infos if i.agent == agent]
    # counted by the store for the listed sessions only: never every approval the caller had
    pending = await st.store.pending_counts([info.id for info in infos])
    # The running totals each session's row keeps (one read), not a sum over its usage records.
    totals = await st.store.usage_totals([info.id for info in infos])
    data = []
    for info in infos:
        usage = totals.get(info.id) or usage_totals([])
        data.append(_summary(st, info, usage, pending.get(info.id, 0)))
    return {"object": "list", "data": data}


async def session_policies_view(st: ServerState, info: SessionInfo) -> list[JsonObject]:
    """The effective chain of a session, in evaluation order, each with its level."""
    _, session_specs = await st.store.session_policies(info.id)
    first = st.runtime.chains.first  # the server's own files guard: first in every chain
    out = [view(first.spec, source="system", read_only=True)] if first is not None else []
    out += [view(s, source="session") for s in session_specs]
    agent = (await st.runtime.current_agents()).get(info.agent) if info.agent else None
    for spec in agent.policies if agent else []:
        out.append(view(spec, source="agent", read_only=True))
    out += [view(s, read_only=True) for s in st.config.policies]
    _, stored = await st.store.server_policies()
    out += [view(s, source="api", read_only=True) for s in stored]
    out.append(view(ADD_POLICY_GUARD.spec, source="system", read_only=True))  # always last in every chain
    return out


@router.get("/v1/sessions/{session_id}", summary="One session: usage, cost, state, policies, recent decisions")
async def get_session(
    session_id: str,
    request: Request,
    caller: Caller,
    decisions: int = Query(20, ge=0, le=500),
) -> dict[str, Any]:
    st = state_of(request)
    info = await st.session_for(caller, session_id)
    async with st.store.transaction(session_id) as tx:
        snap = await tx.snapshot(user_day=utc_day(time.time()))
    # the newest pending ones (every unexpired one is among them: at most MAX_PENDING wait), not
    # the ASKs of the session's whole history that nobody answered
    pending = await st.store.list_approvals(status="pending", session_id=session_id, limit=2 * MAX_PENDING)
    # The newest entries only (read newest first through the session's index): the cost of this
    # answer does not grow with the session's history.  ``recent_decisions`` and each shadow
    # policy's ``would_change`` come from them.
    entries = await st.store.audit_entries(session_id=session_id, limit=AUDIT_WINDOW)
    recent = [e for e in entries if e.get("kind") == "decision" and e.get("session_id") == session_id]
    out = _summary(st, info, dict(snap.usage), len(pending))
    out.update(
        {
            "labels": dict(snap.labels),
            "state": snap.state,
            "policy_state": {ns: v for ns, v in snap.policy_states.items() if ns not in (PROVENANCE_NS, USAGE_NS)},
            "provenance": Provenance.from_state(snap.policy_states.get(PROVENANCE_NS)).values(limit=300),
            "ended": snap.ended,
            "history": snap.history[-50:],
            "policies": policies_for(caller, with_shadow_counts(await session_policies_view(st, info), entries)),
            "recent_decisions": [
                {
                    "seq": e.get("seq"),
                    "at": e.get("at"),
                    **{
                        k: e["payload"].get(k)
                        for k in (
                            "type",
                            "target",
                            "result",
                            "reason",
                            "policy",
                            "approval_id",
                            "duration_us",
                            "decisions",
                            "action",
                            "labels",
                            "provenance",
                        )
                    },
                }
                for e in recent[-decisions:]
            ][::-1]
            if decisions
            else [],
            "approvals": [a.to_dict() for a in pending],
        }
    )
    # A view for people: the values the agent saw and sent (provenance, state, recent actions)
    # are shown with their secrets redacted (``policies.redact``); the audit keeps them whole.
    return cast("dict[str, Any]", redact_value(session_for(caller, out)))
