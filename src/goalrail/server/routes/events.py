"""POST /v1/sessions/{id}/events, as documented in OpenAPI.

``fastpath.py`` answers this path below FastAPI's routing for every session id it
matches; both call the one handler, ``server.events.SessionEvents``."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse

from goalrail.server.events import parse_body
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
    principal = await principal_of(request)
    event = parse_body(await request.body())
    return JSONResponse(await state_of(request).events.handle(principal, session_id, event, wait, agent))
