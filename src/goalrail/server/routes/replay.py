"""Dry runs, recorded traces and replay: see what a policy change would do before it bites.

* ``POST /v1/sessions/{id}/evaluate`` — the events route's body and answer, changing nothing;
* ``GET /v1/sessions/{id}/trace`` — the session as a ``goalrail-trace`` (JSON Lines);
* ``POST /v1/sessions/import`` — a trace run through this server as a new session;
* ``POST /v1/replay`` — re-judge recorded sessions against a candidate chain.
"""

from __future__ import annotations

from typing import Any, Literal, cast

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse, Response

from goalrail.errors import NotFound
from goalrail.jsontext import strict_loads
from goalrail.jsontypes import JsonObject
from goalrail.runtime.candidate import Candidate
from goalrail.runtime.trace import from_objects, loads
from goalrail.server.bound import check_session
from goalrail.server.errors import InvalidJSON
from goalrail.server.models import NAME, STRICT
from goalrail.server.policy_specs import build_spec
from goalrail.server.routes import Caller
from goalrail.server.state import state_of
from goalrail.server.traces import import_trace, pick_sessions, replay_sessions, session_trace

router = APIRouter(tags=["replay"])

NDJSON = "application/x-ndjson"


class CandidatePolicy(BaseModel):
    model_config = STRICT

    name: str = NAME
    type: Literal["python", "function"] = "python"
    handler: str = Field(min_length=3, max_length=300, description="a handler from GET /v1/policy-registry")
    factory_params: dict[str, Any] | None = None
    level: Literal["session", "server"] = Field("session", description="`server` needs an admin credential")
    mode: Literal["enforce", "shadow"] | None = "enforce"
    on_error: Literal["deny", "allow", "ask"] | None = "deny"


class ReplayBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "session_id": "ses_1",
                    "add_policies": [{"name": "shell", "handler": "goalrail.policies.builtins.safety.ask_on_os_tools"}],
                }
            ]
        },
    )

    session_id: str | None = Field(None, description="replay this session (else the last `last` sessions)")
    agent: str | None = Field(None, description="only sessions of this agent")
    last: int = Field(20, ge=1, le=200, description="how many recent sessions")
    all_users: bool = Field(False, description="admins: every user's sessions, not only yours")
    add_policies: list[CandidatePolicy] = Field(default_factory=list, max_length=20)
    enforce: list[str] = Field(default_factory=list, description="shadow policies to judge as if enforcing")
    limit: int = Field(200, ge=0, le=5000, description="at most this many changes in the answer")


@router.post(
    "/v1/sessions/{session_id}/evaluate",
    summary="Dry run: judge one event as /events would, changing nothing",
    response_description="`{result, reason, policy, decisions, duration_us, dry_run: true}`",
)
async def dry_run(
    request: Request,
    session_id: str,
    caller: Caller,
    agent: str | None = Query(None, description="agent spec, for a session that does not exist yet"),
) -> JSONResponse:
    st = state_of(request)
    # its shape is checked by the runtime, as for /events
    event = cast("JsonObject", strict_loads(await request.body()))
    info = await st.store.get_session(session_id)
    if info is not None and not caller.can_see(info):
        raise NotFound(f"session `{session_id}` not found")
    if info is not None:
        check_session(caller, session_id, info.agent)
    else:  # judged as the first event of a new session: under the agent spec /events would give it
        agent = st.events.new_session_agent(caller, agent, event)
    owner = info.owner if info is not None else caller.user
    outcome = await st.runtime.evaluate_dry(session_id, event, owner=owner, agent=agent, actor=caller.actor())
    return JSONResponse({**outcome.to_dict(), "dry_run": True})


@router.get(
    "/v1/sessions/{session_id}/trace",
    summary="The session as a recorded trace (JSON Lines, format goalrail-trace v1)",
    response_class=Response,
)
async def get_trace(session_id: str, request: Request, caller: Caller) -> Response:
    st = state_of(request)
    caller.require_human("reading a session's trace")
    info = await st.session_for(caller, session_id)
    recorded = await session_trace(st, info)
    return Response(
        recorded.to_jsonl(),
        media_type=NDJSON,
        headers={"content-disposition": f'attachment; filename="{session_id[:100]}.trace.jsonl"'},
    )


@router.post(
    "/v1/sessions/import", status_code=201, summary="Run a recorded trace through this server as a new session"
)
async def import_session(
    request: Request,
    caller: Caller,
    id: str | None = Query(None, min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:@-]+$"),
) -> dict[str, Any]:
    st = state_of(request)
    caller.require_human("importing a trace")
    raw = await request.body()
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise InvalidJSON("the trace is not UTF-8 text", [{"loc": "body", "message": "not UTF-8"}]) from None
    stripped = text.lstrip()
    if stripped.startswith("["):
        items = strict_loads(raw.lstrip())
        recorded = from_objects(items if isinstance(items, list) and items else [None])
    else:
        recorded = loads(text)
    return await import_trace(st, caller, recorded, id)


@router.post("/v1/replay", summary="Replay recorded sessions against the current chain plus candidate changes")
async def replay(body: ReplayBody, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    caller.require_human("replaying sessions")
    add = []
    for policy in body.add_policies:
        if policy.level == "server":
            caller.require_admin("previewing a server-wide policy")
        fields = policy.model_dump(exclude={"level"})
        add.append(await build_spec(fields, policy.level, st.runtime.registry, user=caller.user))
    if body.agent is not None and not await st.runtime.knows_agent(body.agent):
        raise NotFound(f"agent `{body.agent}` is not known to this server")
    infos = await pick_sessions(
        st, caller, session_id=body.session_id, agent=body.agent, last=body.last, everyone=body.all_users
    )
    report = await replay_sessions(st, infos, Candidate(add=add, enforce=list(body.enforce)))
    return {"object": "replay", **report.to_dict(limit=body.limit)}
