"""Session-level policies: registry handlers only, params validated (422 naming
the parameter).  Users change their own sessions; agents never change policies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from goalrail.engine.approvals import action_digest
from goalrail.engine.spec import PolicySpec
from goalrail.errors import Forbidden, NotFound
from goalrail.runtime.system_policies import GUARD_NAME, is_add_policy
from goalrail.server.models import PolicyCreate, PolicyPatch
from goalrail.server.policy_specs import build_spec, check_room, patch_changes, view
from goalrail.server.policy_views import policies_for, policy_for
from goalrail.server.routes import Caller
from goalrail.server.routes.sessions import session_policies_view
from goalrail.server.state import ServerState, state_of

router = APIRouter(tags=["session policies"])


async def _find(st: ServerState, session_id: str, policy_id: str) -> PolicySpec:
    _, specs = await st.store.session_policies(session_id)
    for spec in specs:
        if spec.id == policy_id:
            return spec
    raise NotFound(f"policy `{policy_id}` not found in session `{session_id}`")


@router.get("/v1/sessions/{session_id}/policies", summary="Session policies, plus the inherited agent and server ones")
async def list_session_policies(session_id: str, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    info = await st.session_for(caller, session_id)
    everything = policies_for(caller, await session_policies_view(st, info))
    return {
        "object": "list",
        "data": [p for p in everything if p["level"] == "session"],
        "inherited": [p for p in everything if p["level"] != "session"],
    }


@router.post("/v1/sessions/{session_id}/policies", status_code=201, summary="Add a policy to a session")
async def add_session_policy(session_id: str, body: PolicyCreate, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    fields = body.model_dump()
    approval_id = fields.pop("approval_id", None)
    if caller.role == "agent":
        # An agent may only carry out an add the user approved: the approval of its
        # own sys_add_policy call, for exactly this name, handler and parameters, once.
        if not approval_id:
            caller.require_human("adding a policy without the user's approval")
        if (
            (fields.get("mode") or "enforce") != "enforce"
            or (fields.get("on_error") or "deny") != "deny"
            or fields.get("enabled") is False
            or fields.get("timeout_ms") is not None
        ):
            raise Forbidden("an agent may only add an enforcing policy with default options")
        await st.session_for(caller, session_id)
        check_room(len((await st.store.session_policies(session_id))[1]))  # before the approval is used up
        spec = await build_spec(fields, "session", st.runtime.registry, user=caller.user)
        record = await st.runtime.get_approval(approval_id)
        target = record.target or ""
        # The add the guard asked about (its preview shows every parameter), not any approved call
        # whose tool name happens to end like it.
        if not is_add_policy(target) or GUARD_NAME not in record.policies:
            raise Forbidden("the approval is not for adding a policy")
        arguments = {"name": body.name, "handler": body.handler, "factory_params": body.factory_params or {}}
        event = {"type": "tool_call", "target": target, "data": {"name": target, "arguments": arguments}}
        await st.runtime.consume(approval_id, session_id=session_id, digest=action_digest(event))
    else:
        await st.session_for(caller, session_id)
        check_room(len((await st.store.session_policies(session_id))[1]))
        spec = await build_spec(fields, "session", st.runtime.registry, user=caller.user)
    saved = await st.store.add_session_policy(session_id, spec)
    return view(saved, source="session")


@router.get("/v1/sessions/{session_id}/policies/{policy_id}", summary="One session policy")
async def get_session_policy(session_id: str, policy_id: str, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    await st.session_for(caller, session_id)
    return policy_for(caller, view(await _find(st, session_id, policy_id), source="session"))


@router.patch("/v1/sessions/{session_id}/policies/{policy_id}", summary="Rename, re-parameterise, enable/disable")
async def patch_session_policy(
    session_id: str, policy_id: str, body: PolicyPatch, request: Request, caller: Caller
) -> dict[str, Any]:
    st = state_of(request)
    caller.require_human("changing policies")
    await st.session_for(caller, session_id)
    spec = await _find(st, session_id, policy_id)
    changes = await patch_changes(spec, body.model_dump(exclude_unset=True), st.runtime.registry)
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
