"""Session-level policies: registry handlers only, params validated (422 naming
the parameter).  Users change their own sessions; agents never change policies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from goalrail.errors import NotFound
from goalrail.server.models import PolicyCreate, PolicyPatch
from goalrail.server.policy_specs import build_spec, patch_changes, view
from goalrail.server.routes import Caller
from goalrail.server.routes.sessions import session_policies_view
from goalrail.server.state import state_of

router = APIRouter(tags=["session policies"])


async def _find(st: Any, session_id: str, policy_id: str) -> Any:
    _, specs = await st.store.session_policies(session_id)
    for spec in specs:
        if spec.id == policy_id:
            return spec
    raise NotFound(f"policy `{policy_id}` not found in session `{session_id}`")


@router.get("/v1/sessions/{session_id}/policies", summary="Session policies, plus the inherited agent and server ones")
async def list_session_policies(session_id: str, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    info = await st.session_for(caller, session_id)
    everything = await session_policies_view(st, info)
    return {
        "object": "list",
        "data": [p for p in everything if p["level"] == "session"],
        "inherited": [p for p in everything if p["level"] != "session"],
    }


@router.post("/v1/sessions/{session_id}/policies", status_code=201, summary="Add a policy to a session")
async def add_session_policy(session_id: str, body: PolicyCreate, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    caller.require_human("changing policies")
    await st.session_for(caller, session_id)
    spec = build_spec(body.model_dump(), "session", st.runtime.registry, user=caller.user)
    saved = await st.store.add_session_policy(session_id, spec)
    return view(saved, source="session")


@router.get("/v1/sessions/{session_id}/policies/{policy_id}", summary="One session policy")
async def get_session_policy(session_id: str, policy_id: str, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    await st.session_for(caller, session_id)
    return view(await _find(st, session_id, policy_id), source="session")


@router.patch("/v1/sessions/{session_id}/policies/{policy_id}", summary="Rename, re-parameterise, enable/disable")
async def patch_session_policy(session_id: str, policy_id: str, body: PolicyPatch, request: Request,
                               caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    caller.require_human("changing policies")
    await st.session_for(caller, session_id)
    spec = await _find(st, session_id, policy_id)
    changes = patch_changes(spec, body.model_dump(exclude_unset=True), st.runtime.registry)
    saved = await st.store.update_session_policy(session_id, policy_id, **changes)
    return view(saved, source="session")


@router.delete("/v1/sessions/{session_id}/policies/{policy_id}", summary="Remove a session policy")
async def delete_session_policy(session_id: str, policy_id: str, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    caller.require_human("changing policies")
    await st.session_for(caller, session_id)
    await _find(st, session_id, policy_id)
    await st.store.delete_session_policy(session_id, policy_id)
    return {"id": policy_id, "object": "policy", "deleted": True}
