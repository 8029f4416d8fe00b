"""The hash-chained audit log: query it, verify it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, cast

from fastapi import APIRouter, Query, Request

from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.policies.schema import Verdict
from goalrail.runtime import audit as chain
from goalrail.server.routes import Caller
from goalrail.server.state import ServerState, state_of

router = APIRouter(tags=["audit"])
#: a user's audit read: entries read per store call, and at most per request
OWN_PAGE = 500
OWN_SCAN = 10_000


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
    before: int | None = Query(None, description="only entries below this seq (a page's `next_before`)"),
) -> dict[str, Any]:
    st = state_of(request)
    caller.require_human("reading the audit log")

    def keep(e: dict[str, Any]) -> bool:
        payload = e.get("payload") or {}
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

    want = min(limit, st.max_list)
    if not caller.is_admin:
        return await _own_entries(st, caller.user, session, before, want, keep)
    entries = await st.store.audit_entries(session_id=session, before=before)
    data = [e for e in entries if keep(e)]
    return {"object": "list", "data": data[-want:]}


async def _own_entries(
    st: ServerState, user: str, session: str | None, before: int | None, want: int, keep: Callable[[JsonObject], bool]
) -> JsonObject:
    """A user's entries (their sessions only), read newest first a page at a time: at most
    ``OWN_SCAN`` entries per request, never the rest of the log. ``next_before`` (a seq) pages on
    to older entries; ``null`` once there are none."""
    found: list[JsonObject] = []
    scanned = 0
    while len(found) < want and scanned < OWN_SCAN:
        page = await st.store.audit_entries(session_id=session, owner=user, before=before, limit=OWN_PAGE)
        scanned += len(page)
        found[:0] = [e for e in page if keep(e)]
        before = cast("int", page[0]["seq"]) if len(page) == OWN_PAGE else None
        if before is None:
            break
    data = found[-want:]
    if len(found) > want:
        before = cast("int", data[0]["seq"])
    return {"object": "list", "data": cast("list[JsonValue]", data), "next_before": before}


@router.get("/v1/audit/verify", summary="Check the whole hash chain; reports the first broken entry")
async def verify_audit(request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    # The whole chain (every user's entries, its count and head): an operator's check.
    caller.require_admin("verifying the audit log")
    # A memory store keeps only its newest entries: they verify from the last one it dropped.
    return chain.verify(await st.store.audit_entries(), base=getattr(st.store, "audit_base", None))
