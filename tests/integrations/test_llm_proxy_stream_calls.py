"""Streamed tool calls told apart as the clients tell them apart, so each is judged alone.

OpenAI-compatible servers do not all number their streamed tool-call deltas: Gemini's
OpenAI-compatible API and others send no ``index``, and some servers (Ollama behind LiteLLM,
several inference servers) number every parallel call 0, each call with its own ``id``.  The
clients (the Vercel AI SDK, agent frameworks) open a new call on a new ``id``; the proxy merged
them into one call (``read_filedelete_file``), which no policy on ``delete_file`` matched, and the
stream reached the client unjudged.  Likewise an Anthropic stream starting a second block at an
index already used: the SDKs append it, the proxy judged only the last.  The chain and the
scripted upstream are those of ``test_llm_proxy_tool_calls`` (an answer calling ``delete_file``
is denied).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integrations.scripted_proxy import ProxyAsk
from tests.integrations.support import ServerProc, running_server
from tests.integrations.test_llm_proxy_tool_calls import CHAIN, CHAT, DONE, MESSAGES, chunk, event


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("stream-calls"), config=CHAIN) as srv:
        yield srv


def tool(name: str, args: str = "{}", ident: str | None = None, index: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"function": {"name": name, "arguments": args}}
    if ident is not None:
        out |= {"id": ident, "type": "function"}
    if index is not None:
        out["index"] = index
    return out


def calls(*pieces: dict[str, Any]) -> str:
    return chunk({"tool_calls": list(pieces)})


REFUSED = {
    # no index, one call a chunk, each with its id (Gemini's OpenAI-compatible streaming)
    "no-index": [calls(tool("read_file", ident="a")), calls(tool("delete_file", ident="b")), *DONE],
    # no index, both calls in one chunk
    "no-index-one-chunk": [calls(tool("read_file", ident="a"), tool("delete_file", ident="b")), *DONE],
    # every parallel call numbered 0, each with its id
    "all-index-0": [
        calls(tool("read_file", ident="a", index=0)),
        calls(tool("delete_file", ident="b", index=0)),
        *DONE,
    ],
    # the second call's arguments continue without index after it opened
    "no-index-continued": [
        calls(tool("read_file", '{"p', ident="a")),
        calls(tool("", 'ath": "x"}')),
        calls(tool("delete_file", "", ident="b")),
        calls(tool("", "{}")),
        *DONE,
    ],
}


def withheld(text: str) -> bool:
    last = [line for line in text.splitlines() if line.startswith("data:")][-1]
    return "withheld" in json.loads(last[5:]).get("error", {}).get("message", "")


@pytest.mark.parametrize("name", list(REFUSED))
async def test_calls_a_client_tells_apart_are_judged_apart(proxy_ask: ProxyAsk, name: str) -> None:
    resp = await proxy_ask(REFUSED[name], "/v1/chat/completions", {**CHAT, "stream": True}, session="stream-calls")
    assert resp.status_code == 200
    assert withheld(resp.text), resp.text
    assert '"delete_file"' not in resp.text


def use(ident: str, name: str) -> dict[str, Any]:
    return {"type": "tool_use", "id": ident, "name": name, "input": {}}


def anthropic_reused_index(first: str, second: str) -> list[str]:
    message = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5", "content": []}
    return [
        event("message_start", message={**message, "usage": {"input_tokens": 10, "output_tokens": 1}}),
        event("content_block_start", index=0, content_block=use("t1", first)),
        event("content_block_delta", index=0, delta={"type": "input_json_delta", "partial_json": "{}"}),
        event("content_block_stop", index=0),
        event("content_block_start", index=0, content_block=use("t2", second)),
        event("content_block_delta", index=0, delta={"type": "input_json_delta", "partial_json": "{}"}),
        event("content_block_stop", index=0),
        event("message_delta", delta={"stop_reason": "tool_use"}, usage={"output_tokens": 20}),
        event("message_stop"),
    ]


async def test_an_anthropic_block_started_again_at_its_index_is_still_judged(proxy_ask: ProxyAsk) -> None:
    resp = await proxy_ask(anthropic_reused_index("delete_file", "read_file"), "/v1/messages", MESSAGES, session="sc")
    assert resp.status_code == 200
    assert "event: error" in resp.text and '"t1"' not in resp.text


# controls: one call in pieces, with or without index, and parallel calls numbered as usual
ALLOWED = {
    "one-call-no-index": [calls(tool("read_", "", ident="a")), calls(tool("file", "{}")), *DONE],
    "one-call-id-repeated": [calls(tool("read_file", '{"p', ident="a")), calls(tool("", '": 1}', ident="a")), *DONE],
    "parallel-indexed": [
        calls(tool("read_file", ident="a", index=0)),
        calls(tool("list_dir", ident="b", index=1)),
        *DONE,
    ],
}


@pytest.mark.parametrize("name", list(ALLOWED))
async def test_controls_are_delivered_whole(proxy_ask: ProxyAsk, name: str) -> None:
    resp = await proxy_ask(ALLOWED[name], "/v1/chat/completions", {**CHAT, "stream": True}, session="stream-ok")
    assert resp.status_code == 200
    assert "error" not in resp.text and resp.text.rstrip().endswith("data: [DONE]"), resp.text


async def test_one_refused_call_in_pieces_without_index_is_withheld(proxy_ask: ProxyAsk) -> None:
    lines = [calls(tool("delete_", "", ident="a")), calls(tool("file", "{}")), *DONE]
    resp = await proxy_ask(lines, "/v1/chat/completions", {**CHAT, "stream": True}, session="stream-calls")
    assert withheld(resp.text)


async def test_anthropic_blocks_at_their_own_indexes_are_delivered(proxy_ask: ProxyAsk) -> None:
    lines = anthropic_reused_index("read_file", "list_dir")
    lines = [line.replace('"index": 0', '"index": 1', 1) if "t2" in line else line for line in lines]
    resp = await proxy_ask(lines, "/v1/messages", MESSAGES, session="sc-ok")
    assert "event: error" not in resp.text and "event: message_stop" in resp.text
