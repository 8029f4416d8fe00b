"""Every route × {no token, bad token, agent token, other user's token, own token, admin token}.

The resources belong to alice; "agent" is alice's agent credential (what her
hooks hold), "other" is bob.  Refused requests must not change anything.
"""

from __future__ import annotations

from typing import Any

import pytest
from server_support import READ, SHELL, auth, client_for, make_app

CALLERS = ("none", "bad", "agent", "other", "own", "admin")
WHO = {"none": None, "bad": "bad", "agent": "alice_agent", "other": "bob", "own": "alice", "admin": "admin"}

CONFIG = """
auth: {mode: tokens}
policy_modules: [gr_testpolicies]
policies:
  cap: {type: function, handler: gr_testpolicies.max_calls, factory_params: {limit: 50}}
"""
AGENT_YAML = "name: uploaded\npolicies:\n  m: {type: function, handler: gr_testpolicies.mark}\n"
NEW_POLICY = {"name": "extra", "type": "python", "handler": "gr_testpolicies.max_calls", "factory_params": {"limit": 9}}

# (method, path template, body, expected status per caller in CALLERS order)
U = (401, 401)
ROUTES: list[tuple[str, str, Any, tuple[int, ...]]] = [
    ("GET", "/healthz", None, (200, 200, 200, 200, 200, 200)),
    ("GET", "/metrics", None, (200, 200, 200, 200, 200, 200)),
    ("GET", "/v1/auth/me", None, (*U, 200, 200, 200, 200)),
    ("GET", "/v1/policies", None, (*U, 200, 200, 200, 200)),
    ("POST", "/v1/policies", NEW_POLICY, (*U, 403, 403, 403, 201)),
    ("GET", "/v1/policies/{server_pid}", None, (*U, 200, 200, 200, 200)),
    ("PATCH", "/v1/policies/{server_pid}", {"enabled": False}, (*U, 403, 403, 403, 200)),
    ("DELETE", "/v1/policies/{server_pid}", None, (*U, 403, 403, 403, 200)),
    ("GET", "/v1/policy-registry", None, (*U, 200, 200, 200, 200)),
    ("GET", "/v1/policy-registry/gr_testpolicies.max_calls", None, (*U, 200, 200, 200, 200)),
    ("GET", "/v1/agents", None, (*U, 200, 200, 200, 200)),
    ("GET", "/v1/agents/uploaded", None, (*U, 200, 200, 200, 200)),
    ("POST", "/v1/agents", {"yaml": AGENT_YAML.replace("uploaded", "another")}, (*U, 403, 403, 403, 201)),
    ("POST", "/v1/sessions", {"labels": {"env": "dev"}}, (*U, 201, 201, 201, 201)),
    ("GET", "/v1/sessions", None, (*U, 200, 200, 200, 200)),
    ("GET", "/v1/sessions/s-alice", None, (*U, 200, 404, 200, 200)),
    ("GET", "/v1/sessions/s-alice/policies", None, (*U, 200, 404, 200, 200)),
    ("POST", "/v1/sessions/s-alice/policies", NEW_POLICY, (*U, 403, 404, 201, 201)),
    ("GET", "/v1/sessions/s-alice/policies/{session_pid}", None, (*U, 200, 404, 200, 200)),
    ("PATCH", "/v1/sessions/s-alice/policies/{session_pid}", {"enabled": False}, (*U, 403, 404, 200, 200)),
    ("DELETE", "/v1/sessions/s-alice/policies/{session_pid}", None, (*U, 403, 404, 200, 200)),
    ("POST", "/v1/sessions/s-alice/events", READ, (*U, 200, 404, 200, 200)),
    ("POST", "/v1/sessions/s-alice/usage", {"model": "gpt-4o", "input_tokens": 5}, (*U, 200, 404, 200, 200)),
    ("GET", "/v1/approvals", None, (*U, 200, 200, 200, 200)),
    ("GET", "/v1/approvals/{approval_id}", None, (*U, 200, 404, 200, 200)),
    ("POST", "/v1/approvals/{approval_id}", {"decision": "approve"}, (*U, 403, 404, 200, 200)),
    ("GET", "/v1/audit", None, (*U, 403, 200, 200, 200)),
    ("GET", "/v1/audit/verify", None, (*U, 403, 403, 403, 200)),
    ("GET", "/v1/tokens", None, (*U, 403, 200, 200, 200)),
    ("POST", "/v1/tokens", {"role": "agent", "label": "hooks"}, (*U, 403, 201, 201, 201)),
    ("POST", "/v1/tokens", {"role": "admin"}, (*U, 403, 403, 403, 201)),
    ("POST", "/v1/tokens", {"user": "alice", "role": "agent"}, (*U, 403, 403, 201, 201)),
    ("DELETE", "/v1/tokens/t-alice_agent", None, (*U, 403, 404, 200, 200)),
]


async def _seed() -> tuple[Any, dict[str, str]]:
    app = make_app(CONFIG)
    from server_support import add_tokens

    st = app.state.goalrail
    await add_tokens(st.store)
    ids: dict[str, str] = {}
    async with client_for(app) as c:
        r = await c.post("/v1/policies", json={**NEW_POLICY, "name": "stored"}, headers=auth("admin"))
        ids["server_pid"] = r.json()["id"]
        r = await c.post(
            "/v1/agents", content=AGENT_YAML, headers={**auth("admin"), "content-type": "application/yaml"}
        )
        assert r.status_code == 201, r.text
        r = await c.post("/v1/sessions", json={"id": "s-alice"}, headers=auth("alice"))
        assert r.status_code == 201, r.text
        r = await c.post(
            "/v1/sessions/s-alice/policies",
            json={"name": "gate", "handler": "gr_testpolicies.ask_on_tool"},
            headers=auth("alice"),
        )
        ids["session_pid"] = r.json()["id"]
        r = await c.post("/v1/sessions/s-alice/events", json=SHELL, headers=auth("alice_agent"))
        assert r.json()["result"] == "ASK", r.text
        ids["approval_id"] = r.json()["approval_id"]
    return app, ids


async def _fingerprint(app: Any, approval_id: str) -> Any:
    st = app.state.goalrail
    _, stored = await st.store.server_policies()
    _, sess = await st.store.session_policies("s-alice")
    approval = await st.store.get_approval(approval_id)
    tokens = sorted((t.id, t.revoked) for t in await st.store.list_tokens())
    return (
        [(p.id, p.name, p.enabled, p.params) for p in stored],
        [(p.id, p.name, p.enabled, p.params) for p in sess],
        approval.status,
        sorted(st.runtime.agents),
        tokens,
    )


CASES = [(m, p, b, caller, exp[i]) for (m, p, b, exp) in ROUTES for i, caller in enumerate(CALLERS)]
IDS = [f"{m} {p} {i} as {c}" for i, (m, p, _, c, _) in enumerate(CASES)]


@pytest.mark.parametrize(("method", "path", "body", "caller", "expected"), CASES, ids=IDS)
async def test_route_as_caller(method: str, path: str, body: Any, caller: str, expected: int) -> None:
    app, ids = await _seed()
    url = path.format(**ids)
    before = await _fingerprint(app, ids["approval_id"])
    async with client_for(app) as c:
        r = await c.request(method, url, json=body, headers=auth(WHO[caller]))
    assert r.status_code == expected, f"{method} {url} as {caller}: {r.status_code} {r.text}"
    if r.status_code >= 400:
        assert set(r.json()) == {"code", "message", "errors"}, r.text
        if method != "GET":
            assert await _fingerprint(app, ids["approval_id"]) == before, "a refused request changed state"


async def test_other_user_sees_none_of_alices_things() -> None:
    app, _ = await _seed()
    async with client_for(app) as c:
        sessions = (await c.get("/v1/sessions", headers=auth("bob"))).json()["data"]
        approvals = (await c.get("/v1/approvals", headers=auth("bob"))).json()["data"]
        audit = (await c.get("/v1/audit", headers=auth("bob"))).json()["data"]
        mine = (await c.get("/v1/sessions", headers=auth("alice_agent"))).json()["data"]
    assert sessions == [] and approvals == [] and audit == []
    assert [s["id"] for s in mine] == ["s-alice"]


async def test_agent_cannot_approve_its_own_ask_or_remove_guardrails() -> None:
    app, ids = await _seed()
    async with client_for(app) as c:
        agent = auth("alice_agent")
        r = await c.post(
            f"/v1/approvals/{ids['approval_id']}", json={"decision": "approve", "scope": "session"}, headers=agent
        )
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
        assert "agent credential" in r.json()["message"]
        assert (await c.get(f"/v1/approvals/{ids['approval_id']}", headers=agent)).json()["status"] == "pending"
        for method, url in (
            ("DELETE", f"/v1/policies/{ids['server_pid']}"),
            ("DELETE", f"/v1/sessions/s-alice/policies/{ids['session_pid']}"),
        ):
            assert (await c.request(method, url, headers=agent)).status_code == 403
        r = await c.patch(f"/v1/sessions/s-alice/policies/{ids['session_pid']}", json={"enabled": False}, headers=agent)
        assert r.status_code == 403
        # the guardrail still gates the agent
        r = await c.post("/v1/sessions/s-alice/events", json=SHELL, headers=agent)
        assert r.json()["result"] == "ASK"
