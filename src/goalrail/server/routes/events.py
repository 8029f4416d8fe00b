"""POST /v1/sessions/{id}/events: the hot path.  Kept lean: the body is parsed
once with the stdlib, the caller is looked up from a cache, and nothing is
validated twice (the runtime checks the event's shape per phase)."""

from __future__ import annotations

import json
import time

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse

from goalrail.errors import NotFound
from goalrail.server.errors import InvalidJSON
from goalrail.server.models import EventBody
from goalrail.server.state import principal_of, state_of

router = APIRouter(tags=["events"])

_EVENT_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": EventBody.model_json_schema(ref_template="#/components/schemas/{model}")}
        },
    }
}


@router.post(
    "/v1/sessions/{session_id}/events",
    openapi_extra=_EVENT_DOC,
    summary="Evaluate one event; answers the explained decision",
    response_description="`{result, reason, policy, decisions, duration_us, approval_id?}`",
)
async def post_event(
    request: Request,
    session_id: str,
    wait: float | None = Query(None, ge=0, description="block an ASK up to this many seconds for a human"),
    agent: str | None = Query(None, description="agent spec for a session created by this event"),
) -> JSONResponse:
    st = state_of(request)
    principal = await principal_of(request)
    raw = await request.body()
    try:
        event = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidJSON("the request body is not valid JSON", [{"loc": "body", "message": "invalid JSON"}]) from None
    info = await st.store.get_session(session_id)
    if info is None:
        if len(session_id) > 200:
            raise NotFound("session ids are at most 200 characters")
        owner = principal.user
        if agent is None and isinstance(event, dict):
            ctx = event.get("context")
            named = ctx.get("agent") if isinstance(ctx, dict) else None
            agent = named if isinstance(named, str) and named in st.runtime.agents else None
    else:
        if not principal.can_see(info):
            raise NotFound(f"session `{session_id}` not found")
        owner, agent = info.owner, None
    started = time.perf_counter()
    outcome = await st.runtime.evaluate(session_id, event, owner=owner, agent=agent, actor=principal.actor())
    decision = outcome.decision
    st.metrics.observe(
        decision.result,
        decision.policy,
        time.perf_counter() - started,
        [(d.policy, d.verdict) for d in decision.decisions],
    )
    if wait:
        outcome = await st.runtime.settle(outcome, st.wait_seconds(wait))
    return JSONResponse(outcome.to_dict())
