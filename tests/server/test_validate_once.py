"""A REST add checks the allowlist once and the parameters once (``compile_policy``).

Counted by wrapping the registry's two checks (they still run for real).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
from server_support import auth

import goalrail.policies.registry as registry_module

ADMIN, ALICE = auth("admin"), auth("alice")
HANDLER = "goalrail.policies.builtins.safety.max_tool_calls_per_session"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    seen: Counter[str] = Counter()
    require, validate = registry_module.Registry.require, registry_module.validate_params

    def counted_require(self: Any, handler: str) -> Any:
        seen["require"] += 1
        return require(self, handler)

    def counted_validate(*args: Any, **kwargs: Any) -> None:
        seen["validate"] += 1
        validate(*args, **kwargs)

    monkeypatch.setattr(registry_module.Registry, "require", counted_require)
    monkeypatch.setattr(registry_module, "validate_params", counted_validate)
    return seen


async def test_adding_a_server_policy_checks_once(client: httpx.AsyncClient, calls: Counter[str]) -> None:
    body = {"name": "cap2", "type": "python", "handler": HANDLER, "factory_params": {"limit": 5}}
    r = await client.post("/v1/policies", json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    assert calls == {"require": 1, "validate": 1}


async def test_adding_a_session_policy_checks_once(client: httpx.AsyncClient, calls: Counter[str]) -> None:
    assert (await client.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)).status_code == 201
    calls.clear()
    body = {"name": "cap2", "handler": HANDLER, "factory_params": {"limit": 5}}
    r = await client.post("/v1/sessions/s1/policies", json=body, headers=ALICE)
    assert r.status_code == 201, r.text
    assert calls == {"require": 1, "validate": 1}


async def test_bad_params_are_still_refused_with_their_location(client: httpx.AsyncClient, calls: Counter[str]) -> None:
    body = {"name": "cap2", "type": "python", "handler": HANDLER, "factory_params": {"limit": -1}}
    r = await client.post("/v1/policies", json=body, headers=ADMIN)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == "factory_params.limit"
    r = await client.post("/v1/policies", json={**body, "handler": "os.system"}, headers=ADMIN)
    assert r.status_code in (400, 403, 404, 422) and "not in the policy registry" in r.json()["message"]
