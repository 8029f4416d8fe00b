"""A secret an admin gives a policy as a parameter never reaches a lower level (real app, HTTP).

An admin's custom server-wide policy holds a webhook's credential (`api_token`, a value of no
known secret form) and quotes it in its reason, its warning, or the error it raises.  Before,
the value came back word for word to the governed agent (the event's answer), to the user
(the session's recent decisions, the audit, an approval), in the server's logs, and — to any
user — in `GET /v1/policies`; a 422 on a bad value echoed the value too.  Now a policy's text
never quotes a parameter given under a key naming a secret (``policies.secret_params``), users
see such parameters above their own level redacted, and a 422 names the parameter, not its
value (docs/security.md, "Lower levels only tighten").
"""

from __future__ import annotations

from typing import Any

import pytest
from server_support import add_tokens, auth, client_for, make_app

from goalrail.store.memory import MemoryStore

ADMIN, ALICE, AGENT = auth("admin"), auth("alice"), auth("alice_agent")
#: no known secret form: only the key it is given under says it is one
TOKEN = "zqWebhook-7781-Kx2pQ"
SHELL = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}


def _config(handler: str, verdict: str) -> str:
    return f"""
auth: {{mode: tokens}}
policy_modules: [gr_quotingpolicies]
policies:
  webhook:
    type: function
    handler: gr_quotingpolicies.{handler}
    factory_params: {{api_token: "{TOKEN}", verdict: {verdict}}}
"""


async def _shown(handler: str, verdict: str) -> list[str]:
    """Every answer the agent and the user read after one event, as text."""
    store = MemoryStore()
    await add_tokens(store)
    async with client_for(make_app(_config(handler, verdict), store=store)) as c:
        r = await c.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)
        assert r.status_code == 201, r.text
        answer = await c.post("/v1/sessions/s1/events", json=SHELL, headers=AGENT)
        assert answer.status_code == 200, answer.text
        assert answer.json()["result"] == verdict, answer.text  # the policy did answer
        texts = [answer.text]
        for path in ("/v1/sessions/s1", "/v1/audit?session_id=s1", "/v1/approvals?session_id=s1"):
            texts.append((await c.get(path, headers=ALICE)).text)
        texts.append((await c.get("/v1/sessions/s1", headers=AGENT)).text)
        return texts


@pytest.mark.parametrize(
    ("handler", "verdict", "said"),
    [
        ("says_token", "DENY", "checked with the webhook"),
        ("says_token", "ASK", "checked with the webhook"),
        ("says_token", "ALLOW", "checked with the webhook"),
        ("raises_token", "DENY", "webhook down for token"),
        ("warns_token", "ALLOW", "expires soon"),
    ],
)
async def test_a_policy_never_quotes_its_secret_parameter(
    handler: str, verdict: str, said: str, logs: pytest.LogCaptureFixture
) -> None:
    texts = await _shown(handler, verdict)
    assert any(said in t and "[redacted parameter" in t for t in texts), texts[0]  # said, with a marker
    for text in [*texts, logs.text]:
        assert TOKEN not in text


async def test_a_user_sees_the_admins_secret_parameter_redacted_the_admin_whole() -> None:
    store = MemoryStore()
    await add_tokens(store)
    async with client_for(make_app(_config("says_token", "DENY"), store=store)) as c:
        user = (await c.get("/v1/policies", headers=ALICE)).json()["data"]
        admin = (await c.get("/v1/policies", headers=ADMIN)).json()["data"]
        await c.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)
        inherited = (await c.get("/v1/sessions/s1/policies", headers=ALICE)).json()["inherited"]
    assert [p["factory_params"]["api_token"] for p in admin if p["name"] == "webhook"] == [TOKEN]
    for policies in (user, inherited):
        webhook = [p for p in policies if p["name"] == "webhook"]
        assert webhook and webhook[0]["factory_params"]["api_token"].startswith("[redacted")
        assert webhook[0]["factory_params"]["verdict"] == "DENY"  # what is no secret is shown


@pytest.mark.parametrize(
    ("params", "fails"),
    [
        ({"api_token": "bad" + TOKEN}, "refused token [redacted parameter"),  # the factory's error quotes it
        ({"api_token": TOKEN[:6]}, "api_token"),  # the schema's error would quote it: names the parameter
    ],
)
async def test_a_refused_secret_parameter_is_not_echoed(
    params: dict[str, Any], fails: str, logs: pytest.LogCaptureFixture
) -> None:
    store = MemoryStore()
    await add_tokens(store)
    body = {"name": "hook", "handler": "gr_quotingpolicies.says_token", "factory_params": params}
    async with client_for(make_app(_config("says_token", "DENY"), store=store)) as c:
        await c.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)
        answers = [
            await c.post("/v1/policies", json=body, headers=ADMIN),
            await c.post("/v1/sessions/s1/policies", json=body, headers=ALICE),
        ]
    for r in answers:
        assert r.status_code == 422, r.text
        assert fails in r.text  # what failed is said
        assert params["api_token"] not in r.text
    assert params["api_token"] not in logs.text


async def test_control_a_parameter_that_names_no_secret_is_still_quoted() -> None:
    """``max_calls``'s reason quotes its limit: nothing of a plain parameter is hidden."""
    store = MemoryStore()
    await add_tokens(store)
    async with client_for(make_app(store=store)) as c:
        await c.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)
        for _ in range(6):
            r = await c.post("/v1/sessions/s1/events", json=SHELL, headers=AGENT)
    assert r.json()["result"] == "DENY" and "limit of 5 tool calls" in r.text
