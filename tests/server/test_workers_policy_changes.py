"""A policy changed through one worker of ``goalrail server --workers 2`` is the
policy every worker judges by from the moment the change is answered: each
worker caches its chains, and a cache that missed another worker's write would
let a session run on without a guard an admin or its user just added."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.test_process import Server
from tests.server.test_replicas import ADMIN, AGENT, _config, _event
from tests.server.test_workers import _workers

AGENT_HEADERS = {"Authorization": f"Bearer {AGENT}"}
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN}"}
GATE = "goalrail.policies.builtins.tools.tool_gate"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'goalrail.db'}"
    return str(request.getfixturevalue("pg_url"))


def _verdicts(url: str, session: str, count: int) -> list[tuple[str, str | None]]:
    """``count`` events, each on a connection of its own (the kernel spreads them
    over the workers), sent at once: (result, deciding policy) of each."""

    async def fire() -> list[tuple[str, str | None]]:
        async def one(i: int) -> tuple[str, str | None]:
            async with httpx.AsyncClient(timeout=60) as client:
                resp = await client.post(f"{url}/v1/sessions/{session}/events", json=_event(i), headers=AGENT_HEADERS)
                assert resp.status_code == 200, resp.text
                body: dict[str, Any] = resp.json()
                return str(body["result"]), body.get("policy")

        return list(await asyncio.gather(*[one(i) for i in range(count)]))

    return asyncio.run(fire())


def test_a_policy_changed_on_one_worker_is_enforced_by_every_worker_at_once(tmp_path: Path, database_url: str) -> None:
    server = Server(tmp_path, config=_config(tmp_path, database_url, 100_000), extra=("--workers", "2"))
    try:
        assert len(_workers(server)) == 2, server.output()
        url = server.url
        for session in ("s1", "s2"):
            r = httpx.post(f"{url}/v1/sessions", json={"id": session}, headers=AGENT_HEADERS)
            assert r.status_code == 201, r.text
        # both workers judge both sessions (and cache their chains) before any change
        for session in ("s1", "s2"):
            assert {v for v, _ in _verdicts(url, session, 24)} == {"ALLOW"}

        # a server-wide guard, added through whichever worker takes the request
        gate = {"name": "no_read", "type": "function", "handler": GATE, "factory_params": {"deny": ["Read"]}}
        r = httpx.post(f"{url}/v1/policies", json=gate, headers=ADMIN_HEADERS)
        assert r.status_code == 201, r.text
        server_pid = r.json()["id"]
        for session in ("s1", "s2"):
            assert _verdicts(url, session, 24) == [("DENY", "no_read")] * 24

        # disabled by an admin: the next events are judged without it, everywhere
        r = httpx.patch(f"{url}/v1/policies/{server_pid}", json={"enabled": False}, headers=ADMIN_HEADERS)
        assert r.status_code == 200, r.text
        assert {v for v, _ in _verdicts(url, "s1", 24)} == {"ALLOW"}

        # a session's own guard: that session only, on every worker
        own = {"name": "own_gate", "handler": GATE, "factory_params": {"deny": ["Read"]}}
        r = httpx.post(f"{url}/v1/sessions/s1/policies", json=own, headers=ADMIN_HEADERS)
        assert r.status_code == 201, r.text
        session_pid = r.json()["id"]
        assert _verdicts(url, "s1", 24) == [("DENY", "own_gate")] * 24
        assert {v for v, _ in _verdicts(url, "s2", 24)} == {"ALLOW"}

        # tightened in place: the same policy now asks about another tool too
        patch = {"factory_params": {"deny": ["Read", "Write"]}}
        r = httpx.patch(f"{url}/v1/sessions/s1/policies/{session_pid}", json=patch, headers=ADMIN_HEADERS)
        assert r.status_code == 200, r.text
        write = {"type": "tool_call", "target": "Write", "data": {"arguments": {"file_path": "/f/w"}}}

        async def writes() -> list[str]:
            async def one() -> str:
                async with httpx.AsyncClient(timeout=60) as client:
                    resp = await client.post(f"{url}/v1/sessions/s1/events", json=write, headers=AGENT_HEADERS)
                    assert resp.status_code == 200, resp.text
                    return str(resp.json()["result"])

            return list(await asyncio.gather(*[one() for _ in range(24)]))

        assert asyncio.run(writes()) == ["DENY"] * 24

        # deleted by its owner: the session is judged as before it was added
        r = httpx.delete(f"{url}/v1/sessions/s1/policies/{session_pid}", headers=ADMIN_HEADERS)
        assert r.status_code == 200, r.text
        assert {v for v, _ in _verdicts(url, "s1", 24)} == {"ALLOW"}
    finally:
        server.stop()
    assert server.proc.returncode == 0


ASK_SHELL = {"name": "ask_shell", "type": "function", "handler": GATE, "factory_params": {"ask": ["Bash"]}}
RM = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "rm -rf build"}}}


def _identical(url: str, session: str, count: int) -> list[dict[str, Any]]:
    """The same shell call ``count`` times at once, each on a connection of its own."""

    async def fire() -> list[dict[str, Any]]:
        async def one() -> dict[str, Any]:
            async with httpx.AsyncClient(timeout=60) as client:
                resp = await client.post(f"{url}/v1/sessions/{session}/events", json=RM, headers=AGENT_HEADERS)
                assert resp.status_code == 200, resp.text
                body: dict[str, Any] = resp.json()
                return body

        return list(await asyncio.gather(*[one() for _ in range(count)]))

    return asyncio.run(fire())


def test_an_approval_given_through_one_worker_is_used_once_across_workers(tmp_path: Path, database_url: str) -> None:
    server = Server(tmp_path, config=_config(tmp_path, database_url, 100_000), extra=("--workers", "2"))
    try:
        url = server.url
        r = httpx.post(f"{url}/v1/policies", json=ASK_SHELL, headers=ADMIN_HEADERS)
        assert r.status_code == 201, r.text
        for session in ("once", "identical"):
            r = httpx.post(f"{url}/v1/sessions", json={"id": session}, headers=AGENT_HEADERS)
            assert r.status_code == 201, r.text
            # both workers have judged the session before the approval
            assert {v for v, _ in _verdicts(url, session, 16)} == {"ALLOW"}

        asked = _identical(url, "once", 1)[0]
        assert asked["result"] == "ASK", asked
        r = httpx.post(
            f"{url}/v1/approvals/{asked['approval_id']}", json={"decision": "approve"}, headers=ADMIN_HEADERS
        )
        assert r.status_code == 200, r.text
        retries = _identical(url, "once", 24)
        allowed = [b for b in retries if b["result"] == "ALLOW"]
        assert len(allowed) == 1, [b["result"] for b in retries]
        assert allowed[0]["approval_id"] == asked["approval_id"]
        assert {b["result"] for b in retries if b is not allowed[0]} == {"ASK"}
        approval = httpx.get(f"{url}/v1/approvals/{asked['approval_id']}", headers=ADMIN_HEADERS).json()
        assert approval["status"] == "applied", approval

        asked = _identical(url, "identical", 1)[0]
        decision = {"decision": "approve", "scope": "session_identical"}
        r = httpx.post(f"{url}/v1/approvals/{asked['approval_id']}", json=decision, headers=ADMIN_HEADERS)
        assert r.status_code == 200, r.text
        assert {b["result"] for b in _identical(url, "identical", 24)} == {"ALLOW"}
        # the grant is that session's only
        assert {b["result"] for b in _identical(url, "once", 4)} == {"ASK"}
    finally:
        server.stop()
    assert server.proc.returncode == 0


def _agent_yaml(denied: str) -> str:
    return (
        f"name: coder\npolicies:\n  gate: {{type: function, handler: {GATE}, factory_params: {{deny: [{denied}]}}}}\n"
    )


def test_an_agent_spec_uploaded_again_is_enforced_by_every_worker(tmp_path: Path, database_url: str) -> None:
    server = Server(tmp_path, config=_config(tmp_path, database_url, 100_000), extra=("--workers", "2"))
    yaml_headers = {**ADMIN_HEADERS, "Content-Type": "application/yaml"}
    try:
        url = server.url
        r = httpx.post(f"{url}/v1/agents", content=_agent_yaml("Write"), headers=yaml_headers)
        assert r.status_code == 201, r.text
        r = httpx.post(f"{url}/v1/sessions", json={"id": "s1", "agent": "coder"}, headers=AGENT_HEADERS)
        assert r.status_code == 201, r.text
        assert {v for v, _ in _verdicts(url, "s1", 24)} == {"ALLOW"}
        r = httpx.post(f"{url}/v1/agents", content=_agent_yaml("Read"), headers=yaml_headers)
        assert r.status_code in (200, 201), r.text
        assert _verdicts(url, "s1", 24) == [("DENY", "gate")] * 24
        # sessions created by a first event that names the agent, on whichever worker takes it
        named = {**_event(0), "context": {"agent": "coder"}}
        for i in range(12):
            r = httpx.post(f"{url}/v1/sessions/n{i}/events", json=named, headers=AGENT_HEADERS)
            assert r.status_code == 200 and r.json()["policy"] == "gate", r.text
    finally:
        server.stop()
    assert server.proc.returncode == 0
