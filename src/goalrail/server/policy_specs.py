"""REST bodies → PolicySpecs: registry handlers only, parameters validated
against the full ``params_schema``, the factory actually called once (so a
value the schema allows but the code rejects is a 422 too), and the API view."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from goalrail.engine.chain import compile_policy
from goalrail.engine.spec import Level, PolicySpec
from goalrail.errors import GoalrailError, InvalidRequest
from goalrail.jsontypes import JsonObject
from goalrail.policies.registry import Registry, RegistryEntry
from goalrail.runtime.caps import MAX_SESSION_POLICIES, check_room
from goalrail.runtime.chains import heavy_params, off_loop

__all__ = ["MAX_SESSION_POLICIES", "build_spec", "check_room", "patch_changes", "view"]


def _registered(handler: str, registry: Registry) -> RegistryEntry:
    """The allowlist, checked once per request: registered and attachable."""
    entry = registry.require(handler)
    if entry.internal_only:
        raise InvalidRequest(
            f"handler `{handler}` is internal and cannot be attached",
            [{"loc": "handler", "message": "internal handler"}],
        )
    return entry


def _compile(spec: PolicySpec, entry: RegistryEntry, registry: Registry) -> None:
    try:
        compile_policy(spec, registry, require_registered=True, entry=entry)
    except GoalrailError as exc:
        raise type(exc)(exc.message, exc.errors) from None


async def _check(spec: PolicySpec, entry: RegistryEntry, registry: Registry) -> None:
    """Parameters against the schema, then the factory called once (``compile_policy``);
    off the event loop when the parameters are heavy (``runtime.chains.heavy_params``)."""
    if heavy_params([spec]):
        await off_loop(_compile, spec, entry, registry)
    else:
        _compile(spec, entry, registry)


async def build_spec(body: dict[str, Any], level: Level, registry: Registry, *, user: str) -> PolicySpec:
    entry = _registered(body["handler"], registry)
    params = body.get("factory_params")
    spec = PolicySpec(
        name=body["name"],
        handler=body["handler"],
        level=level,
        params=dict(params) if params is not None else ({} if entry.kind == "factory" else None),
        mode=body.get("mode") or "enforce",
        enabled=body.get("enabled", True) if body.get("enabled") is not None else True,
        on_error=body.get("on_error") or "deny",
        timeout_ms=body.get("timeout_ms"),
        extra={"created_by": user, "created_at": time.time()},
    )
    await _check(spec, entry, registry)
    return spec


async def patch_changes(spec: PolicySpec, patch: dict[str, Any], registry: Registry) -> dict[str, Any]:
    """Validate a PATCH against the policy it changes; return the store's ``changes``."""
    changes: dict[str, Any] = {}
    for key in ("name", "handler", "enabled", "mode"):
        if patch.get(key) is not None:
            changes[key] = patch[key]
    if "factory_params" in patch and patch["factory_params"] is not None:
        changes["params"] = dict(patch["factory_params"])
    if not changes:
        raise InvalidRequest(
            "nothing to change: give name, handler, factory_params, enabled or mode",
            [{"loc": "body", "message": "empty patch"}],
        )
    candidate = replace(spec, **changes, kind=None)
    if candidate.enabled or "handler" in changes or "params" in changes:
        await _check(candidate, _registered(candidate.handler, registry), registry)
    return changes


def view(spec: PolicySpec, *, source: str | None = None, read_only: bool = False) -> JsonObject:
    origin = source or ("config" if spec.source else "api")
    out: JsonObject = {
        "id": spec.id if spec.id is not None else f"{spec.level}:{spec.name}",
        "object": "policy",
        "name": spec.name,
        "type": "python",
        "handler": spec.handler,
        "factory_params": spec.params or {},
        "level": spec.level,
        "enabled": spec.enabled,
        "mode": spec.mode,
        "on_error": spec.on_error,
        "source": origin,
        "read_only": read_only,
    }
    if spec.source:
        out["defined_at"] = spec.source
    for key in ("created_by", "created_at", "description"):
        if key in spec.extra:
            out[key] = spec.extra[key]
    return out
