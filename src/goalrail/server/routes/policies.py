"""Server-wide policies.  Config-file ones are listed read-only (source
``config``); REST-created ones (source ``api``) can be changed by admins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from goalrail.engine.spec import PolicySpec
from goalrail.errors import Conflict, NotFound
from goalrail.server.errors import ReadOnly
from goalrail.server.models import PolicyCreate, PolicyPatch
from goalrail.server.policy_specs import build_spec, patch_changes, view
from goalrail.server.policy_views import policies_for, policy_for
from goalrail.server.routes import Caller
from goalrail.server.state import ServerState, state_of
from goalrail.server.traces import with_shadow_counts

router = APIRouter(tags=["policies"])


def _config_spec(st: ServerState, policy_id: str) -> PolicySpec | None:
    return next((s for s in st.config.policies if f"server:{s.name}" == policy_id), None)


def _read_only(spec: PolicySpec) -> ReadOnly:
    where = f" ({spec.source})" if spec.source else ""
    return ReadOnly(
        f"policy `{spec.name}` comes from the server config file{where} and is read-only: "
        "change the file and restart the server"
    )


async def _stored(st: ServerState, policy_id: str) -> PolicySpec:
    spec = await st.store.get_server_policy(policy_id)
    if spec is None:
        raise NotFound(f"policy `{policy_id}` not found")
    return spec


@router.get("/v1/policies", summary="Server-wide policies: config file (read-only) and REST-created")
async def list_policies(request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    _, stored = await st.store.server_policies()
    data = [view(s, read_only=True) for s in st.config.policies] + [view(s, source="api") for s in stored]
    if caller.is_admin and any(p.get("mode") == "shadow" for p in data):
        # Across every session: what each shadow policy would have changed had it enforced.
        with_shadow_counts(data, await st.store.audit_entries())
    return {"object": "list", "data": policies_for(caller, data)}


@router.post("/v1/policies", status_code=201, summary="Add a server-wide policy (admin)")
async def create_policy(body: PolicyCreate, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    caller.require_admin("adding a server-wide policy")
    if any(s.name == body.name for s in st.config.policies):
        raise Conflict(f"policy `{body.name}` is already defined in the server config file")
    spec = await build_spec(body.model_dump(), "server", st.runtime.registry, user=caller.user)
    saved = await st.store.add_server_policy(spec)
    return view(saved, source="api")


@router.get("/v1/policies/{policy_id}", summary="One server-wide policy")
async def get_policy(policy_id: str, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    spec = _config_spec(st, policy_id)
    if spec is not None:
        return policy_for(caller, view(spec, read_only=True))
    return policy_for(caller, view(await _stored(st, policy_id), source="api"))


@router.patch("/v1/policies/{policy_id}", summary="Change name, handler, factory_params, enabled or mode (admin)")
async def patch_policy(policy_id: str, body: PolicyPatch, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    caller.require_admin("changing a server-wide policy")
    spec = _config_spec(st, policy_id)
    if spec is not None:
        raise _read_only(spec)
    current = await _stored(st, policy_id)
    changes = await patch_changes(current, body.model_dump(exclude_unset=True), st.runtime.registry)
    if "name" in changes and any(s.name == changes["name"] for s in st.config.policies):
        raise Conflict(f"policy `{changes['name']}` is already defined in the server config file")
    saved = await st.store.update_server_policy(policy_id, **changes)
    return view(saved, source="api")


@router.delete("/v1/policies/{policy_id}", summary="Remove a server-wide policy (admin)")
async def delete_policy(policy_id: str, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    caller.require_admin("removing a server-wide policy")
    spec = _config_spec(st, policy_id)
    if spec is not None:
        raise _read_only(spec)
    await _stored(st, policy_id)
    await st.store.delete_server_policy(policy_id)
    return {"id": policy_id, "object": "policy", "deleted": True}
