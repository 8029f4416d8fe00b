"""GET /v1/policy-registry: the handlers REST and chat may attach, with their params_schema."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from goalrail.errors import NotFound
from goalrail.server.routes import Caller
from goalrail.server.state import state_of

router = APIRouter(tags=["registry"])


@router.get("/v1/policy-registry", summary="Discoverable policy handlers with their params_schema")
async def policy_registry(request: Request, caller: Caller) -> dict[str, Any]:
    registry = state_of(request).runtime.registry
    return {"object": "list", "data": [{**e.to_dict(), "internal_only": False} for e in registry.public()]}


@router.get("/v1/policy-registry/{handler}", summary="One registry entry")
async def registry_entry(handler: str, request: Request, caller: Caller) -> dict[str, Any]:
    entry = state_of(request).runtime.registry.get(handler)
    if entry is None or entry.internal_only:
        raise NotFound(f"handler `{handler}` is not in the policy registry")
    return {**entry.to_dict(), "internal_only": False}
