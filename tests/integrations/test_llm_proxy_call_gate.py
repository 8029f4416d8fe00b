"""The tool calls in a model's answer get, through the LLM proxy, the verdict the policies that
judge ``tool_call`` events give them: the tool gate's deny and ask, the GitHub policy's force
push, streamed or not; judged as a dry run, so the ``tool_call`` the hook reports when the
harness runs the call is the one counted.  An answer without calls is delivered as before.

The proxy runs in-process against a real Goalrail server over HTTP; the upstream is a
scripted provider.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integrations.scripted_proxy import ProxyAsk
from tests.integrations.support import AUTH, ServerProc, running_server

B = "goalrail.policies.builtins"
CHAIN = (
    f"""
policies:
  gate:
    type: function
    handler: {B}.tools.tool_gate
    factory_params: {{ask: [update_password], deny: ["delete_*"]}}
  github:
    type: function
    handler: {B}.github.github_policy
    factory_params: {{write_repos: ["acme/*"]}}
  cap:
    type: function
    handler: {B}.safety.max_tool_calls_per_session
    factory_params: {{limit: 1}}
"""
    + AUTH
)

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "go"}]}
USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("call-gate-server"), config=CHAIN) as srv:
        yield srv


def answer(*calls: tuple[str, dict[str, Any]], text: str | None = None) -> dict[str, Any]:
    tool_calls = [
        {"id": f"call_{i}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
        for i, (name, args) in enumerate(calls)
    ]
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if tool_calls:
        message["tool_calls"] = tool_calls
    choice = {"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}
    return {"id": "c1", "object": "chat.completion", "model": "gpt-4o", "choices": [choice], "usage": USAGE}


def streamed(name: str, args: dict[str, Any]) -> list[str]:
    head = {"id": "c1", "object": "chat.completion.chunk", "model": "gpt-4o"}
    fn = {"name": name, "arguments": json.dumps(args)}
    delta = {"role": "assistant", "tool_calls": [{"index": 0, "id": "call_0", "type": "function", "function": fn}]}
    return [
        "data: " + json.dumps({**head, "choices": [{"index": 0, "delta": delta}]}),
        "data: " + json.dumps({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}),
        "data: " + json.dumps({**head, "choices": [], "usage": USAGE}),
        "data: [DONE]",
    ]


async def test_a_call_the_tool_gate_denies_withholds_the_answer(proxy_ask: ProxyAsk) -> None:
    resp = await proxy_ask(answer(("delete_repo", {"repo": "acme/x"})), "/v1/chat/completions", CHAT, session="cg-deny")
    assert resp.status_code == 403
    err = resp.json()["error"]
    assert err["code"] == "gate" and "delete_repo" in err["message"] and "call_0" not in resp.text


async def test_a_streamed_call_the_tool_gate_denies_never_reaches_the_client(proxy_ask: ProxyAsk) -> None:
    resp = await proxy_ask(
        streamed("delete_branch", {"name": "main"}), "/v1/chat/completions", {**CHAT, "stream": True}, session="cg-sd"
    )
    assert "delete_branch" not in resp.text.split("response withheld")[0]
    assert '"code": "gate"' in resp.text


async def test_a_call_the_tool_gate_asks_about_waits_for_approval(proxy_ask: ProxyAsk, server: ServerProc) -> None:
    """Unanswered, the answer is withheld; once the user approves the answer, it is delivered."""
    asked = answer(("update_password", {"password": "hunter2"}))
    resp = await proxy_ask(asked, "/v1/chat/completions", CHAT, session="cg-ask")
    assert resp.status_code == 403 and "update_password" in resp.json()["error"]["message"]
    with server.user() as c:
        pending = c.get("/v1/approvals", params={"session": "cg-ask", "status": "pending"}).json()["data"]
        assert [(a["type"], a["policies"]) for a in pending] == [("llm_response", ["gate"])]
        assert c.post(f"/v1/approvals/{pending[0]['id']}", json={"decision": "approve"}).status_code == 200
    again = await proxy_ask(asked, "/v1/chat/completions", CHAT, session="cg-ask")
    assert again.status_code == 200 and again.json() == asked


async def test_a_force_push_in_a_shell_call_is_denied(proxy_ask: ProxyAsk) -> None:
    push = ("Bash", {"command": "cd /tmp && git push --force origin main"})
    resp = await proxy_ask(answer(push), "/v1/chat/completions", CHAT, session="cg-push")
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "github"


async def test_the_answers_calls_are_not_counted_twice(proxy_ask: ProxyAsk, server: ServerProc) -> None:
    """The cap allows one call a session: the answer's call is judged without counting it, the
    hook's report of the same call is the one counted, and a second answer calling it is withheld."""
    read = ("read_file", {"path": "/tmp/a"})
    first = await proxy_ask(answer(read), "/v1/chat/completions", CHAT, session="cg-count")
    assert first.status_code == 200 and first.json()["choices"][0]["message"]["tool_calls"]
    event = {"type": "tool_call", "target": "read_file", "data": {"arguments": {"path": "/tmp/a"}}}
    with server.agent() as c:
        assert c.post("/v1/sessions/cg-count/events", json=event).json()["result"] == "ALLOW"
    second = await proxy_ask(answer(read), "/v1/chat/completions", CHAT, session="cg-count")
    assert second.status_code == 403 and second.json()["error"]["code"] == "cap"


async def test_an_answer_with_more_calls_than_are_judged_is_withheld(proxy_ask: ProxyAsk) -> None:
    many = answer(*[("read_file", {"path": f"/tmp/{i}"}) for i in range(129)])
    resp = await proxy_ask(many, "/v1/chat/completions", CHAT, session="cg-many")
    assert resp.status_code == 403 and "129 tool calls" in resp.json()["error"]["message"]


async def test_an_answer_without_calls_is_delivered_unchanged(proxy_ask: ProxyAsk) -> None:
    given = answer(text="all done")
    resp = await proxy_ask(given, "/v1/chat/completions", CHAT, session="cg-text")
    assert resp.status_code == 200 and resp.json() == given
