"""POST /v1/sessions/{id}/usage: record LLM usage; cost is computed server-side."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from goalrail.errors import NotFound
from goalrail.runtime.usage import usage_totals
from goalrail.server.bound import check_session, session_agent
from goalrail.server.models import UsageBody
from goalrail.server.quotas import session_cap
from goalrail.server.routes import Caller
from goalrail.server.state import state_of

router = APIRouter(tags=["usage"])


@router.post("/v1/sessions/{session_id}/usage", summary="Record LLM usage for a session")
async def record_usage(session_id: str, body: UsageBody, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    info = await st.store.get_session(session_id)
    if info is not None and not caller.can_see(info):
        raise NotFound(f"session `{session_id}` not found")
    owner = info.owner if info is not None else caller.user
    agent = None
    if info is None:  # a usage record creates its session as an event does, under the same binding
        agent = session_agent(caller, None, required=st.require_agent)
        if agent is not None and not await st.runtime.knows_agent(agent):
            raise NotFound(f"agent `{agent}` is not known to this server")
    else:
        check_session(caller, session_id, info.agent)
    rec = await st.runtime.record_usage(
        session_id,
        body.model,
        input_tokens=body.input_tokens,
        output_tokens=body.output_tokens,
        cache_read_tokens=body.cache_read_tokens,
        cache_write_tokens=body.cache_write_tokens,
        owner=owner,
        cap=None if info is not None else session_cap(st, caller, owner),
        agent=agent,
    )
    return {
        "object": "usage",
        "session_id": session_id,
        "model": rec.model,
        "input_tokens": rec.input_tokens,
        "output_tokens": rec.output_tokens,
        "cache_read_tokens": rec.cache_read_tokens,
        "cache_write_tokens": rec.cache_write_tokens,
        "cost_usd": rec.cost_usd,
        "priced": rec.cost_usd is not None,
        "price_source": rec.price_source,
        "at": rec.at,
    }


@router.get("/v1/sessions/{session_id}/usage", summary="A session's LLM usage records (oldest first) and totals")
async def list_usage(session_id: str, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    await st.session_for(caller, session_id)
    records = await st.store.usage_records(session_id)
    data = [
        {
            "object": "usage",
            "model": r.model,
            "input_tokens": r.input_tokens,
            "output_tokens": r.output_tokens,
            "cache_read_tokens": r.cache_read_tokens,
            "cache_write_tokens": r.cache_write_tokens,
            "cost_usd": r.cost_usd,
            "priced": r.cost_usd is not None,
            "price_source": r.price_source,
            "at": r.at,
        }
        for r in sorted(records, key=lambda r: r.at)
    ]
    return {"object": "list", "data": data, "totals": usage_totals(records)}
