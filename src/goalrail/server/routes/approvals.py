"""Approvals: list, wait on one, resolve.  Resolving needs a user or admin
credential: an agent can wait on its ASK but never answer it."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request

from goalrail.errors import NotFound
from goalrail.runtime.ports import ApprovalRecord
from goalrail.server.auth import Principal
from goalrail.server.bound import check_session
from goalrail.server.models import ApprovalDecision
from goalrail.server.routes import Caller
from goalrail.server.state import ServerState, state_of

router = APIRouter(tags=["approvals"])


async def _visible(st: ServerState, caller: Principal, approval_id: str) -> ApprovalRecord:
    record = await st.store.get_approval(approval_id)
    if record is None or not caller.owns(record.owner):
        raise NotFound(f"approval `{approval_id}` not found")
    if caller.agent is not None:
        info = await st.store.get_session(record.session_id)
        check_session(caller, record.session_id, info.agent if info is not None else None)
    return record


async def _bound_only(st: ServerState, caller: Principal, records: list[ApprovalRecord]) -> list[ApprovalRecord]:
    """A bound credential's view: the approvals of its agent spec's sessions only."""
    if caller.agent is None:
        return records
    agents: dict[str, str | None] = {}
    for r in records:
        if r.session_id not in agents:
            info = await st.store.get_session(r.session_id)
            agents[r.session_id] = info.agent if info is not None else None
    return [r for r in records if agents[r.session_id] == caller.agent]


@router.get("/v1/approvals", summary="Approvals you may see (filter by status and session)")
async def list_approvals(
    request: Request,
    caller: Caller,
    status: Literal["pending", "approved", "denied", "expired", "applied", "answered_in_client"] | None = None,
    session: str | None = None,
    limit: int = Query(100, ge=1, le=10_000),
) -> dict[str, Any]:
    st = state_of(request)
    owner = None if caller.is_admin else caller.user
    shown = min(limit, st.max_list)
    # the newest `shown` stored (read newest first): never every approval the caller ever had;
    # a bound credential's view keeps those of its agent spec's sessions
    records = await _bound_only(
        st, caller, await st.store.list_approvals(status=status, owner=owner, session_id=session, limit=shown)
    )
    data = []
    for r in records:
        if r.status == "pending":
            r = await st.runtime.get_approval(r.id)  # expires it if its time is up
        if status is None or r.status == status:
            data.append(r.to_dict())
    return {"object": "list", "data": data[-shown:]}


@router.get("/v1/approvals/{approval_id}", summary="One approval; `?wait=S` blocks while it is pending")
async def get_approval(
    approval_id: str,
    request: Request,
    caller: Caller,
    wait: float | None = Query(None, ge=0, description="seconds to wait for a resolution"),
) -> dict[str, Any]:
    st = state_of(request)
    await _visible(st, caller, approval_id)
    seconds = st.wait_seconds(wait)
    record = (
        await st.runtime.wait_for_approval(approval_id, seconds)
        if seconds
        else await st.runtime.get_approval(approval_id)
    )
    return record.to_dict()


@router.post("/v1/approvals/{approval_id}", summary="Approve or deny (user or admin; never an agent)")
async def resolve_approval(
    approval_id: str, body: ApprovalDecision, request: Request, caller: Caller
) -> dict[str, Any]:
    st = state_of(request)
    caller.require_human("resolving an approval")
    await _visible(st, caller, approval_id)
    record = await st.runtime.resolve(approval_id, body.decision, scope=body.scope, by=caller.user, digest=body.digest)
    st.metrics.approvals[record.status] += 1
    return record.to_dict()
