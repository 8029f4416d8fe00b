"""Tool calls in a model's answer reach the ``llm_response`` policies, and a refused one never
reaches the client: every choice of an ``n`` > 1 answer, a legacy ``function_call``, calls split
across streamed chunks, parallel calls, and a stream's calls held back until the verdict.

The proxy runs in-process against a real Goalrail server whose chain denies an answer that
calls ``delete_file``; the upstream is a scripted provider answering each request with the
body or SSE lines the test gives it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integrations.scripted_proxy import ProxyAsk
from tests.integrations.support import AUTH, P, ServerProc, running_server

CHAIN = (
    f"""
policy_modules: [{P}]
policies:
  answers: {{type: function, handler: {P}.deny_answer_tool, factory_params: {{name: delete_file}}}}
"""
    + AUTH
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("answers-server"), config=CHAIN) as srv:
        yield srv


CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "tidy up"}]}
USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


def completion(*messages: dict[str, Any]) -> dict[str, Any]:
    choices = [
        {"index": i, "message": {"role": "assistant", **m}, "finish_reason": "stop"} for i, m in enumerate(messages)
    ]
    return {"id": "c1", "object": "chat.completion", "model": "gpt-4o", "choices": choices, "usage": USAGE}


def call(name: str, args: str = "{}") -> dict[str, Any]:
    return {"id": f"call_{name}", "type": "function", "function": {"name": name, "arguments": args}}


@pytest.mark.parametrize(
    "answer",
    [
        completion({"content": None, "function_call": {"name": "delete_file", "arguments": '{"path": "/"}'}}),
        completion(
            {"content": "reading", "tool_calls": [call("read_file")]},
            {"content": None, "tool_calls": [call("delete_file")]},
        ),
        completion({"content": None, "tool_calls": [call("read_file"), call("delete_file")]}),
    ],
    ids=["legacy-function_call", "second-choice", "parallel"],
)
async def test_non_streamed_answers_calling_a_refused_tool_are_withheld(proxy_ask: ProxyAsk, answer: Any) -> None:
    resp = await proxy_ask(answer, "/v1/chat/completions", CHAT, session="answers")
    assert resp.status_code == 403, resp.text
    assert "withheld" in resp.json()["error"]["message"] and "delete_file" not in resp.text.split("withheld")[0]


def chunk(delta: dict[str, Any], index: int = 0, finish: str | None = None) -> str:
    body = {"id": "c2", "object": "chat.completion.chunk", "model": "gpt-4o"}
    body["choices"] = [{"index": index, "delta": delta, "finish_reason": finish}]
    return "data: " + json.dumps(body)


def piece(i: int, name: str = "", args: str = "", ident: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"index": i, "function": {"name": name, "arguments": args}}
    if ident:
        out |= {"id": ident, "type": "function"}
    return {"tool_calls": [out]}


DONE = ["data: " + json.dumps({"id": "c2", "choices": [], "usage": USAGE}), "data: [DONE]"]
STREAMS = {
    # the name split across chunks, after some text
    "split": [
        chunk({"content": "Cleaning "}),
        chunk(piece(0, "del", "", "call_1")),
        chunk(piece(0, "ete_file", '{"p')),
        chunk(piece(0, "", 'ath": "/"}'), finish="tool_calls"),
        *DONE,
    ],
    "parallel": [chunk(piece(0, "read_file", "{}", "call_1")), chunk(piece(1, "delete_file", "{}", "call_2")), *DONE],
    "legacy": [
        chunk({"function_call": {"name": "delete_file", "arguments": ""}}),
        chunk({"function_call": {"arguments": "{}"}}),
        *DONE,
    ],
    # two choices interleaved, each with its call 0: read apart, the names are not merged
    "choices": [chunk(piece(0, "read_file", "{}", "a"), 0), chunk(piece(0, "delete_file", "{}", "b"), 1), *DONE],
}


@pytest.mark.parametrize("name", list(STREAMS))
async def test_a_streamed_call_is_held_until_the_verdict(proxy_ask: ProxyAsk, name: str) -> None:
    resp = await proxy_ask(STREAMS[name], "/v1/chat/completions", {**CHAT, "stream": True}, session="answers")
    assert resp.status_code == 200
    assert "delete_file" not in resp.text.replace("`delete_file`", "")  # only the reason names it
    assert "ete_file" not in resp.text.replace("`delete_file`", "")
    last = [line for line in resp.text.splitlines() if line.startswith("data:")][-1]
    assert "withheld" in json.loads(last[5:])["error"]["message"]
    if name == "split":
        assert "Cleaning " in resp.text  # text before the call is delivered as it comes


async def test_an_allowed_streamed_call_is_delivered_whole(proxy_ask: ProxyAsk) -> None:
    lines = [chunk({"content": "Reading "}), chunk(piece(0, "read_", "{}", "call_1")), chunk(piece(0, "file")), *DONE]
    resp = await proxy_ask(lines, "/v1/chat/completions", {**CHAT, "stream": True}, session="answers")
    assert resp.status_code == 200
    got = [json.loads(line[5:]) for line in resp.text.splitlines() if line.startswith("data: {")]
    names = "".join(c["choices"][0]["delta"]["tool_calls"][0]["function"]["name"] for c in got[1:3])
    assert names == "read_file" and "error" not in resp.text and resp.text.rstrip().endswith("data: [DONE]")


def event(kind: str, **body: Any) -> str:
    return f"event: {kind}\ndata: " + json.dumps({"type": kind, **body})


def anthropic_stream(tool: str) -> list[str]:
    message = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5", "content": []}
    return [
        event("message_start", message={**message, "usage": {"input_tokens": 10, "output_tokens": 1}}),
        event("content_block_start", index=0, content_block={"type": "text", "text": ""}),
        event("content_block_delta", index=0, delta={"type": "text_delta", "text": "On it."}),
        event("content_block_stop", index=0),
        event(
            "content_block_start",
            index=1,
            content_block={"type": "tool_use", "id": "toolu_1", "name": tool, "input": {}},
        ),
        event("content_block_delta", index=1, delta={"type": "input_json_delta", "partial_json": '{"path": "/"}'}),
        event("content_block_stop", index=1),
        event("message_delta", delta={"stop_reason": "tool_use"}, usage={"output_tokens": 20}),
        event("message_stop"),
    ]


MESSAGES = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 100,
    "stream": True,
    "messages": [{"role": "user", "content": "x"}],
}


async def test_anthropic_stream_tool_use_is_held_until_the_verdict(proxy_ask: ProxyAsk) -> None:
    resp = await proxy_ask(anthropic_stream("delete_file"), "/v1/messages", MESSAGES, session="answers")
    assert resp.status_code == 200
    assert "On it." in resp.text and "toolu_1" not in resp.text and "message_stop" not in resp.text
    assert resp.text.rstrip().splitlines()[-2] == "event: error"
    assert json.loads(resp.text.rstrip().splitlines()[-1][5:])["error"]["type"] == "permission_error"
    allowed = await proxy_ask(anthropic_stream("read_file"), "/v1/messages", MESSAGES, session="answers")
    assert "toolu_1" in allowed.text and "event: message_stop" in allowed.text and "event: error" not in allowed.text
