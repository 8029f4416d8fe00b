"""Agent specs: those loaded from ``agents_dir`` at start (read-only) and those
uploaded as YAML (admin; handlers must be in the registry)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request

from goalrail.config.agent import AgentSpec, agent_spec_from_text
from goalrail.engine.chain import compile_policy
from goalrail.errors import InvalidRequest, NotFound
from goalrail.jsontypes import JsonObject
from goalrail.server.errors import InvalidJSON, ReadOnly
from goalrail.server.models import AgentUpload
from goalrail.server.policy_views import agent_spec_for
from goalrail.server.routes import Caller
from goalrail.server.state import state_of

router = APIRouter(tags=["agents"])

_UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/yaml": {"schema": {"type": "string"}, "example": "name: helper\npolicies: {}\n"},
            "application/json": {"schema": AgentUpload.model_json_schema()},
        },
    }
}


def _view(spec: AgentSpec, source: str) -> JsonObject:
    return {**spec.to_dict(), "object": "agent", "origin": source}


@router.get("/v1/agents", summary="Agent specs known to the server")
async def list_agents(request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    configured = set(st.config.agents)
    agents = await st.runtime.current_agents()
    data = [
        agent_spec_for(caller, _view(a, "config" if name in configured else "api"))
        for name, a in sorted(agents.items())
    ]
    return {"object": "list", "data": data}


@router.get("/v1/agents/{name}", summary="One agent spec")
async def get_agent(name: str, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    spec = st.runtime.agents.get(name) if await st.runtime.knows_agent(name) else None
    if spec is None:
        raise NotFound(f"agent `{name}` not found")
    return agent_spec_for(caller, _view(spec, "config" if name in st.config.agents else "api"))


@router.post(
    "/v1/agents",
    status_code=201,
    openapi_extra=_UPLOAD_DOC,
    summary="Upload an agent spec as YAML (admin); its handlers must be in the registry",
)
async def upload_agent(request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    caller.require_admin("uploading an agent spec")
    raw = await request.body()
    ctype = request.headers.get("content-type", "")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("the agent spec must be UTF-8 text") from None
    if "json" in ctype:
        try:
            body = AgentUpload.model_validate(json.loads(text))
        except ValueError:
            raise InvalidJSON('the body must be JSON `{"yaml": "..."}` or a YAML document') from None
        text = body.yaml
    spec = agent_spec_from_text(text, source="<upload>", registry=st.runtime.registry, require_registered=True)
    for policy in spec.policies:  # an uploaded spec is not an operator file: no file parameters
        if policy.enabled:
            compile_policy(policy, st.runtime.registry, require_registered=True)
    if spec.name in st.config.agents:
        raise ReadOnly(f"agent `{spec.name}` comes from agents_dir and is read-only: change the file and restart")
    await st.store.put_agent(spec.name, text)
    st.runtime.set_agent(spec)
    return _view(spec, "api")
