"""The hash-chained audit log: query it, verify it."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request

from goalrail.policies.schema import Verdict
from goalrail.runtime import audit as chain
from goalrail.server.routes import Caller
from goalrail.server.state import state_of

router = APIRouter(tags=["audit"])


@router.get("/v1/audit", summary="Decisions and approvals with their explanations (newest last)")
async def list_audit(
    request: Request,
    caller: Caller,
    session: str | None = None,
    verdict: Verdict | None = None,
    policy: str | None = Query(None, description="the deciding policy, or any policy that said something"),
    kind: Literal["decision", "approval"] | None = None,
    since: float | None = Query(None, description="epoch seconds"),
    until: float | None = Query(None, description="epoch seconds"),
    limit: int = Query(100, ge=1, le=10_000),
) -> dict[str, Any]:
    st = state_of(request)
    caller.require_human("reading the audit log")
    entries = await st.store.audit_entries(session_id=session) if session else await st.store.audit_entries()
    mine: set[str] | None = None
    if not caller.is_admin:
        mine = {i.id for i in await st.store.list_sessions(owner=caller.user, limit=1_000_000)}

    def keep(e: dict[str, Any]) -> bool:
        payload = e.get("payload") or {}
        if mine is not None and e.get("session_id") not in mine:
            return False
        if session is not None and e.get("session_id") != session:
            return False
        if kind is not None and e.get("kind") != kind:
            return False
        if verdict is not None and payload.get("result") != verdict:
            return False
        if (
            policy is not None
            and payload.get("policy") != policy
            and not any(d.get("policy") == policy for d in payload.get("decisions") or [])
        ):
            return False
        at = e.get("at") or 0.0
        return (since is None or at >= since) and (until is None or at <= until)

    data = [e for e in entries if keep(e)]
    return {"object": "list", "data": data[-min(limit, st.max_list) :]}


@router.get("/v1/audit/verify", summary="Check the whole hash chain; reports the first broken entry")
async def verify_audit(request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    caller.require_human("verifying the audit log")
    # A memory store keeps only its newest entries: they verify from the last one it dropped.
    return chain.verify(await st.store.audit_entries(), base=getattr(st.store, "audit_base", None))
