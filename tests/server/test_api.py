"""The REST API end to end, in-process (httpx ASGITransport on a MemoryStore)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from server_support import READ, SHELL, auth, client_for, make_app

ADMIN, ALICE, AGENT = auth("admin"), auth("alice"), auth("alice_agent")
SEED_BODY = {  # the seed's curl body, as printed (handler renamed to a registered one)
    "name": "global_rate_limit",
    "type": "python",
    "handler": "gr_testpolicies.max_calls",
    "factory_params": {"limit": 200},
}


async def test_seed_curl_body_creates_a_server_policy(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/policies", json=SEED_BODY, headers=ADMIN)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["factory_params"] == {"limit": 200} and created["source"] == "api"
    assert created["created_by"] == "root"
    listed = (await client.get("/v1/policies", headers=ADMIN)).json()["data"]
    assert [(p["name"], p["source"], p["read_only"]) for p in listed] == [
        ("cap", "config", True),
        ("global_rate_limit", "api", False),
    ]
    assert (await client.get(f"/v1/policies/{created['id']}", headers=ADMIN)).json()["name"] == "global_rate_limit"
    health = (await client.get("/healthz")).json()
    assert health["effective_chain"] == ["cap", "global_rate_limit"]


async def test_config_policies_are_read_only(client: httpx.AsyncClient) -> None:
    for method in ("PATCH", "DELETE"):
        body = {"enabled": False} if method == "PATCH" else None
        r = await client.request(method, "/v1/policies/server:cap", json=body, headers=ADMIN)
        assert r.status_code == 409, r.text
        assert r.json()["code"] == "read_only" and "config file" in r.json()["message"]
    r = await client.post("/v1/policies", json={**SEED_BODY, "name": "cap"}, headers=ADMIN)
    assert r.status_code == 409


async def test_patch_revalidates_params_and_can_change_everything(client: httpx.AsyncClient) -> None:
    pid = (await client.post("/v1/policies", json=SEED_BODY, headers=ADMIN)).json()["id"]
    r = await client.patch(f"/v1/policies/{pid}", json={"factory_params": {"limit": 0}}, headers=ADMIN)
    assert r.status_code == 422 and r.json()["code"] == "invalid_params"
    assert "limit" in r.json()["message"] and r.json()["errors"][0]["loc"] == "factory_params.limit"
    r = await client.patch(f"/v1/policies/{pid}", json={"handler": "gr_testpolicies.ask_on_tool"}, headers=ADMIN)
    assert r.status_code == 422 and "limit" in r.text  # old params do not fit the new handler
    assert (await client.get(f"/v1/policies/{pid}", headers=ADMIN)).json()["factory_params"] == {"limit": 200}
    r = await client.patch(
        f"/v1/policies/{pid}",
        json={
            "handler": "gr_testpolicies.ask_on_tool",
            "factory_params": {"tool": "sys_os_write"},
            "name": "ask_writes",
            "mode": "shadow",
        },
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text
    assert r.json()["handler"] == "gr_testpolicies.ask_on_tool" and r.json()["mode"] == "shadow"
    r = await client.patch(f"/v1/policies/{pid}", json={"enabled": False}, headers=ADMIN)
    assert r.json()["enabled"] is False
    r = await client.patch(f"/v1/policies/{pid}", json={"type": "python"}, headers=ADMIN)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == "type"
    assert (await client.delete(f"/v1/policies/{pid}", headers=ADMIN)).json()["deleted"] is True
    assert (await client.get(f"/v1/policies/{pid}", headers=ADMIN)).status_code == 404


async def test_unregistered_handler_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/policies", json={**SEED_BODY, "handler": "os.system"}, headers=ADMIN)
    assert r.status_code == 422 and r.json()["code"] == "unknown_handler"
    r = await client.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)
    r = await client.post("/v1/sessions/s1/policies", json={"name": "x", "handler": "os.system"}, headers=ALICE)
    assert r.status_code == 422 and r.json()["code"] == "unknown_handler"


async def test_limit_is_exact_and_explained(client: httpx.AsyncClient) -> None:
    results = []
    for _ in range(7):
        r = await client.post("/v1/sessions/s1/events", json=READ, headers=AGENT)
        assert r.status_code == 200, r.text
        results.append(r.json())
    assert [r["result"] for r in results] == ["ALLOW"] * 5 + ["DENY"] * 2
    denied = results[-1]
    assert denied["policy"] == "cap" and "limit of 5" in denied["reason"]
    assert denied["decisions"][0]["level"] == "server"


async def test_concurrent_events_on_one_session_stay_exact(client: httpx.AsyncClient) -> None:
    rs = await asyncio.gather(*[client.post("/v1/sessions/c1/events", json=READ, headers=AGENT) for _ in range(40)])
    verdicts = [r.json()["result"] for r in rs]
    assert verdicts.count("ALLOW") == 5 and verdicts.count("DENY") == 35


async def test_session_policy_ask_is_released_by_a_resolve_from_another_client(app: Any) -> None:
    async with client_for(app) as agent_client, client_for(app) as human:
        await human.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)
        gate = {"name": "gate", "handler": "gr_testpolicies.ask_on_tool"}
        r = await human.post("/v1/sessions/s1/policies", json=gate, headers=ALICE)
        assert r.status_code == 201, r.text
        # (the wait must outlast the polling below on a loaded machine: it ends at the approval)
        waiting = asyncio.create_task(agent_client.post("/v1/sessions/s1/events?wait=60", json=SHELL, headers=AGENT))
        pending: list[Any] = []
        for _ in range(3000):
            pending = (await human.get("/v1/approvals?status=pending", headers=ALICE)).json()["data"]
            if pending:
                break
            await asyncio.sleep(0.01)
        assert len(pending) == 1 and pending[0]["session_id"] == "s1"
        assert not waiting.done()
        r = await human.post(f"/v1/approvals/{pending[0]['id']}", json={"decision": "approve"}, headers=ALICE)
        assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["resolved_by"] == "alice"
        final = (await waiting).json()
        assert final["result"] == "ALLOW" and final["asked"]["result"] == "ASK"
        assert "approved by alice" in final["reason"]
        session = (await human.get("/v1/sessions/s1", headers=ALICE)).json()
        # held state updates applied on approval, in the session level's tier (only it and below read them)
        assert session["state"]["@session/approved_calls"] == 1
        r = await human.post(f"/v1/approvals/{pending[0]['id']}", json={"decision": "deny"}, headers=ALICE)
        assert r.status_code == 409


async def test_deny_and_session_scope_and_get_wait(client: httpx.AsyncClient) -> None:
    await client.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)
    await client.post(
        "/v1/sessions/s1/policies", json={"name": "gate", "handler": "gr_testpolicies.ask_on_tool"}, headers=ALICE
    )
    first = (await client.post("/v1/sessions/s1/events", json=SHELL, headers=AGENT)).json()
    assert first["result"] == "ASK"
    aid = first["approval_id"]
    waiter = asyncio.create_task(client.get(f"/v1/approvals/{aid}?wait=60", headers=AGENT))  # (ends at the answer)
    await asyncio.sleep(0.05)
    await client.post(f"/v1/approvals/{aid}", json={"decision": "deny"}, headers=ALICE)
    assert (await waiter).json()["status"] == "denied"
    second = (await client.post("/v1/sessions/s1/events", json=SHELL, headers=AGENT)).json()
    r = await client.post(
        f"/v1/approvals/{second['approval_id']}", json={"decision": "approve", "scope": "session"}, headers=ALICE
    )
    assert r.json()["scope"] == "session_identical"  # the older name means the narrow grant
    third = (await client.post("/v1/sessions/s1/events", json=SHELL, headers=AGENT)).json()
    assert third["result"] == "ALLOW" and "approved for this session" in third["reason"]


async def test_wait_times_out_to_deny() -> None:
    app = make_app(
        "policy_modules: [gr_testpolicies]\napprovals: {timeout_s: 0.2}\n"
        "policies:\n  gate: {type: function, handler: gr_testpolicies.ask_on_tool}\n"
    )
    from server_support import add_tokens

    await add_tokens(app.state.goalrail.store)
    async with client_for(app) as c:
        # the wait outlasts the approval's 0.2 s however slow the machine (it ends when the approval expires)
        r = (await c.post("/v1/sessions/s1/events?wait=30", json=SHELL, headers=AGENT)).json()
        assert r["result"] == "DENY" and r["reason"] == "approval timed out"
        assert (await c.get(f"/v1/approvals/{r['approval_id']}", headers=ALICE)).json()["status"] == "expired"


async def test_listed_session_totals_equal_the_sum_of_its_usage_records(client: httpx.AsyncClient) -> None:
    posts = {
        "t1": [("gpt-4o", 100, 5), ("gpt-4o", 2_000, 30), ("no-such-model-xyz", 7, 1)],
        "t2": [("gpt-4o", 50, 50)],
        "t3": [],
    }
    for sid, records in posts.items():
        assert (await client.post("/v1/sessions", json={"id": sid}, headers=ALICE)).status_code == 201
        for model, inp, out in records:
            body = {"model": model, "input_tokens": inp, "output_tokens": out}
            assert (await client.post(f"/v1/sessions/{sid}/usage", json=body, headers=AGENT)).status_code == 200
    listed = {s["id"]: s for s in (await client.get("/v1/sessions", headers=ALICE)).json()["data"]}
    for sid, records in posts.items():
        summed = (await client.get(f"/v1/sessions/{sid}/usage", headers=ALICE)).json()["totals"]
        assert listed[sid]["usage"] == summed and listed[sid]["cost_usd"] == summed["total_cost_usd"]
        assert summed["llm_calls"] == len(records) and summed["input_tokens"] == sum(r[1] for r in records)
    assert listed["t1"]["cost_usd"] is None and listed["t1"]["usage"]["unpriced_tokens"] == 8
    assert listed["t2"]["cost_usd"] > 0 and listed["t3"]["usage"]["llm_calls"] == 0


async def test_sessions_list_and_detail(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/sessions", json={"id": "s1", "labels": {"env": "prod"}}, headers=ALICE)
    assert r.status_code == 201 and r.json()["owner"] == "alice"
    assert (await client.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)).status_code == 409
    await client.post(
        "/v1/sessions/s1/policies", json={"name": "gate", "handler": "gr_testpolicies.ask_on_tool"}, headers=ALICE
    )
    await client.post("/v1/sessions/s1/events", json=SHELL, headers=AGENT)
    await client.post("/v1/sessions/s1/events", json=READ, headers=AGENT)
    r = await client.post(
        "/v1/sessions/s1/usage", json={"model": "gpt-4o", "input_tokens": 100, "output_tokens": 5}, headers=AGENT
    )
    assert r.status_code == 200 and r.json()["input_tokens"] == 100
    listed = (await client.get("/v1/sessions", headers=ALICE)).json()["data"]
    assert listed[0]["id"] == "s1" and listed[0]["pending_approvals"] == 1
    assert listed[0]["usage"]["input_tokens"] == 100 and listed[0]["last_activity"] > 0
    one = (await client.get("/v1/sessions/s1", headers=ALICE)).json()
    assert [(p["name"], p["level"], p["source"]) for p in one["policies"]] == [
        ("gate", "session", "session"),
        ("cap", "server", "config"),
        ("goalrail_add_policy_guard", "server", "system"),
    ]
    assert one["policies"][-1]["read_only"] is True
    assert [d["result"] for d in one["recent_decisions"]] == ["ALLOW", "ASK"]
    assert one["labels"] == {"@session/env": "prod"} and one["usage"]["llm_calls"] == 1
    assert one["policy_state"]["server:cap"]["calls"] == 1
    r = await client.post("/v1/sessions", json={"id": "s2", "owner": "bob"}, headers=ALICE)
    assert r.status_code == 403
    r = await client.post("/v1/sessions", json={"id": "s2", "owner": "bob"}, headers=ADMIN)
    assert r.json()["owner"] == "bob"


async def test_session_policies_crud(client: httpx.AsyncClient) -> None:
    await client.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)
    base = "/v1/sessions/s1/policies"
    r = await client.post(
        base,
        json={"name": "deny", "handler": "gr_testpolicies.deny_target", "factory_params": {"contains": "secret"}},
        headers=ALICE,
    )
    pid = r.json()["id"]
    ev = {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/secret/x"}}}
    assert (await client.post("/v1/sessions/s1/events", json=ev, headers=AGENT)).json()["result"] == "DENY"
    r = await client.patch(f"{base}/{pid}", json={"enabled": False}, headers=ALICE)
    assert r.json()["enabled"] is False
    assert (await client.post("/v1/sessions/s1/events", json=ev, headers=AGENT)).json()["result"] == "ALLOW"
    r = await client.post(base, json={"name": "deny", "handler": "gr_testpolicies.mark"}, headers=ALICE)
    assert r.status_code == 409
    listing = (await client.get(base, headers=ALICE)).json()
    assert [p["name"] for p in listing["data"]] == ["deny"] and listing["inherited"][0]["name"] == "cap"
    assert (await client.delete(f"{base}/{pid}", headers=ALICE)).status_code == 200
    assert (await client.delete(f"{base}/{pid}", headers=ALICE)).status_code == 404


async def test_agents_upload_and_use(client: httpx.AsyncClient) -> None:
    yaml_text = (
        "name: helper\npolicies:\n  nope: {type: function, handler: gr_testpolicies.deny_target, "
        "factory_params: {contains: rm}}\n"
    )
    r = await client.post("/v1/agents", content=yaml_text, headers={**ADMIN, "content-type": "application/yaml"})
    assert r.status_code == 201, r.text
    bad = "name: evil\npolicies:\n  x: {type: function, handler: os.system}\n"
    r = await client.post("/v1/agents", content=bad, headers={**ADMIN, "content-type": "application/yaml"})
    assert r.status_code == 422 and r.json()["code"] == "unknown_handler"
    assert (await client.get("/v1/agents/evil", headers=ADMIN)).status_code == 404
    r = await client.post("/v1/sessions", json={"id": "s1", "agent": "helper"}, headers=ALICE)
    ev = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "rm -rf x"}}}
    r = (await client.post("/v1/sessions/s1/events", json=ev, headers=AGENT)).json()
    assert r["result"] == "DENY" and r["policy"] == "nope"
    assert (await client.post("/v1/sessions", json={"agent": "ghost"}, headers=ALICE)).status_code == 404
    names = [a["name"] for a in (await client.get("/v1/agents", headers=AGENT)).json()["data"]]
    assert names == ["helper"]


async def test_audit_filters_and_verify(client: httpx.AsyncClient, app: Any) -> None:
    for _ in range(6):
        await client.post("/v1/sessions/s1/events", json=READ, headers=AGENT)
    await client.post("/v1/sessions/s2/events", json=READ, headers=auth("bob_agent"))
    denied = (await client.get("/v1/audit?verdict=DENY", headers=ADMIN)).json()["data"]
    assert len(denied) == 1 and denied[0]["payload"]["policy"] == "cap"
    assert len((await client.get("/v1/audit?session=s1", headers=ADMIN)).json()["data"]) == 6
    assert len((await client.get("/v1/audit?policy=cap", headers=ADMIN)).json()["data"]) == 7
    assert len((await client.get("/v1/audit?since=99999999999", headers=ADMIN)).json()["data"]) == 0
    assert len((await client.get("/v1/audit", headers=ALICE)).json()["data"]) == 6
    ok = (await client.get("/v1/audit/verify", headers=ADMIN)).json()
    assert ok["ok"] is True and ok["count"] == 7
    app.state.goalrail.store.audit[2]["payload"]["result"] = "DENY"
    broken = (await client.get("/v1/audit/verify", headers=ADMIN)).json()
    assert broken["ok"] is False and broken["broken_at"] == 3
    del app.state.goalrail.store.audit[2]
    assert (await client.get("/v1/audit/verify", headers=ADMIN)).json()["ok"] is False


async def test_metrics_exposition(client: httpx.AsyncClient) -> None:
    for _ in range(6):
        await client.post("/v1/sessions/s1/events", json=READ, headers=AGENT)
    text = (await client.get("/metrics")).text
    assert 'goalrail_decisions_total{verdict="ALLOW",policy="cap"} 5' in text
    assert 'goalrail_decisions_total{verdict="DENY",policy="cap"} 1' in text
    assert 'goalrail_policy_verdicts_total{policy="cap",verdict="DENY"} 1' in text
    assert "goalrail_evaluation_seconds_count 6" in text
    assert 'goalrail_evaluation_seconds_bucket{le="+Inf"} 6' in text


async def test_registry_and_openapi(client: httpx.AsyncClient) -> None:
    data = (await client.get("/v1/policy-registry", headers=AGENT)).json()["data"]
    entry = next(e for e in data if e["handler"] == "gr_testpolicies.max_calls")
    assert entry["params_schema"]["properties"]["limit"]["default"] == 3
    spec = (await client.get("/openapi.json")).json()
    for path in ("/v1/policies", "/v1/sessions/{session_id}/events", "/v1/approvals/{approval_id}", "/v1/audit"):
        assert path in spec["paths"]
    assert "requestBody" in spec["paths"]["/v1/sessions/{session_id}/events"]["post"]


async def test_seed_curl_body_with_the_builtin_handler(client: httpx.AsyncClient, app: Any) -> None:
    if "goalrail.policies.builtins.safety.max_tool_calls_per_session" not in app.state.goalrail.runtime.registry:
        pytest.skip("the safety builtins are not on this branch yet")
    body = {**SEED_BODY, "handler": "goalrail.policies.builtins.safety.max_tool_calls_per_session"}
    r = await client.post("/v1/policies", json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    assert r.json()["factory_params"] == {"limit": 200}


async def test_usage_is_priced_server_side(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/sessions/s1/usage", json={"model": "gpt-4o", "input_tokens": 1_000_000}, headers=AGENT)
    assert r.status_code == 200 and r.json()["priced"] is True and r.json()["cost_usd"] > 0
    r = await client.post(
        "/v1/sessions/s1/usage", json={"model": "no-such-model-xyz", "input_tokens": 10}, headers=AGENT
    )
    assert r.json()["cost_usd"] is None and r.json()["priced"] is False
    session = (await client.get("/v1/sessions/s1", headers=ALICE)).json()
    assert session["cost_usd"] is None and session["usage"]["unpriced_tokens"] == 10  # never silently free


async def test_llm_response_usage_is_spend_counted_once(client: httpx.AsyncClient) -> None:
    usage = {"prompt_tokens": 1_000_000, "completion_tokens": 0, "total_tokens": 1_000_000}
    event = {"type": "llm_response", "id": "resp-1", "data": {"model": "gpt-4o", "text": "ok", "usage": usage}}
    for _ in range(2):  # a retry of the same event: evaluated again, counted once
        r = await client.post("/v1/sessions/u1/events", json=event, headers=AGENT)
        assert r.status_code == 200 and r.json()["result"] == "ALLOW"
    posted = await client.post(
        "/v1/sessions/u2/usage", json={"model": "gpt-4o", "input_tokens": 1_000_000}, headers=AGENT
    )
    listed = (await client.get("/v1/sessions/u1/usage", headers=ALICE)).json()
    assert [(u["model"], u["input_tokens"]) for u in listed["data"]] == [("gpt-4o", 1_000_000)]
    assert listed["data"][0]["cost_usd"] == posted.json()["cost_usd"] > 0  # priced as POST …/usage would be
    session = (await client.get("/v1/sessions/u1", headers=ALICE)).json()
    assert session["cost_usd"] == posted.json()["cost_usd"] and session["usage"]["llm_calls"] == 1
    assert session["policy_state"] == {}  # the counted event ids are the server's, not a policy's
    bad = {"type": "llm_response", "data": {"model": "gpt-4o", "usage": {"input_tokens": -5}}}
    r = await client.post("/v1/sessions/u1/events", json=bad, headers=AGENT)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == "data.usage"


async def test_server_llm_block_feeds_the_routing_policy() -> None:
    """The config's `llm:` model is what LLM-backed policies call, over real HTTP."""
    from tests.unit.builtins.fake_llm import FakeLLM

    fake = FakeLLM().start()
    try:
        config = (
            "llm: {base_url: '" + fake.base_url + "', model: tiny-classifier, timeout_s: 60}\n"
            "policies:\n  route:\n    handler: goalrail.policies.builtins.routing.deny_trivial_to_expensive_model\n"
            "    timeout_ms: 60000\n"
            "    factory_params: {on_classifier_error: deny, classifier_timeout_s: 60}\n"
        )
        app = make_app(config)
        request = {
            "type": "llm_request",
            "data": {"model": "claude-opus-4", "messages": [{"role": "user", "content": "hi there"}]},
        }
        async with client_for(app) as c:
            fake.reset("trivial")
            r = (await c.post("/v1/sessions/r1/events", json=request)).json()
            assert r["result"] == "DENY" and r["policy"] == "route"
            fake.reset("complex")
            r = (await c.post("/v1/sessions/r2/events", json=request)).json()
            assert r["result"] == "ALLOW"
        assert fake.requests and fake.requests[0]["model"] == "tiny-classifier"
    finally:
        fake.stop()
