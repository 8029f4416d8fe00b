"""LLM proxy: the OpenAI python client → the proxy (mounted in a real ``goalrail
server``, and standalone as ``goalrail llm-proxy``) → a local fake upstream that
reports token usage.  Cost reaches the ASK threshold, then the hard limit."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from goalrail.engine.tokens import tokens_of
from goalrail.integrations.llm_proxy import shapes
from tests.integrations.support import (
    AGENT_TOKEN,
    FIXTURES,
    SDK_CLIENTS,
    ServerProc,
    fake_upstream,
    free_port,
    llm_proxy,
    resolve_next,
    running_server,
    session_info,
    wait_for_calls,
)

pytestmark = pytest.mark.slow
UPSTREAM_KEY = "sk-upstream-secret"
OAI = FIXTURES / "openai"


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with fake_upstream("fake_openai.py") as url:
        yield url


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory: pytest.TempPathFactory, upstream: str) -> Iterator[ServerProc]:
    with running_server(
        tmp_path_factory.mktemp("llm"), GOALRAIL_LLM_UPSTREAM=upstream + "/v1", OPENAI_API_KEY=UPSTREAM_KEY
    ) as srv:
        yield srv


@pytest.fixture(scope="module")
def standalone(llm_server: ServerProc, upstream: str) -> Iterator[str]:
    with llm_proxy(["--upstream", upstream + "/v1"], llm_server.url, OPENAI_API_KEY=UPSTREAM_KEY) as url:
        yield url


def client(base: str, session: str, token: str = AGENT_TOKEN) -> openai.OpenAI:
    c = openai.OpenAI(
        base_url=f"{base}/v1", api_key=token, max_retries=0, timeout=60, default_headers={"X-Goalrail-Session": session}
    )
    SDK_CLIENTS.append(c)
    return c


def ask(c: openai.OpenAI, text: str = "hello") -> Any:
    return c.chat.completions.create(model="fake-gpt", messages=[{"role": "user", "content": text}], max_tokens=50)


def test_cost_threshold_asks_then_hard_limit_denies(llm_server: ServerProc, upstream: str) -> None:
    session = "llm-cost"
    c = client(llm_server.url, session)
    first = ask(c)  # $0 spent → ALLOW; the upstream reports 1,000 tokens = $0.01
    assert first.choices[0].message.content == "You said: hello" and first.usage.total_tokens == 1000
    approver = threading.Thread(target=resolve_next, args=(llm_server, session, "approve"))
    approver.start()
    second = ask(c)  # $0.01 ≥ ask threshold → ASK → approved in Goalrail → forwarded
    approver.join()
    assert second.choices[0].message.content == "You said: hello"
    with pytest.raises(openai.PermissionDeniedError) as denied:  # $0.02 ≥ hard limit → 403
        ask(c)
    error = denied.value.body
    assert error["type"] == "policy_denied" and error["code"] == "cost" and "cost limit reached" in error["message"]
    info = session_info(llm_server, session)
    assert info["usage"]["total_tokens"] == 2000 and info["usage"]["llm_calls"] == 2
    kinds = [(d["type"], d["result"]) for d in info["recent_decisions"]][::-1]
    assert kinds == [
        ("llm_request", "ALLOW"),
        ("llm_response", "ALLOW"),
        ("llm_request", "ASK"),
        ("llm_response", "ALLOW"),
        ("llm_request", "DENY"),
    ]
    seen = httpx.get(upstream + "/_requests").json()
    assert {r["authorization"] for r in seen} == {f"Bearer {UPSTREAM_KEY}"}  # never the caller's Goalrail token


def test_refused_ask_is_a_403(llm_server: ServerProc) -> None:
    session = "llm-refused"
    c = client(llm_server.url, session)
    ask(c)
    refuser = threading.Thread(target=resolve_next, args=(llm_server, session, "deny"))
    refuser.start()
    with pytest.raises(openai.PermissionDeniedError) as denied:
        ask(c)
    refuser.join()
    assert "refused by the user" in denied.value.body["message"]


def test_streaming_plain_loop_works_and_records_usage(llm_server: ServerProc) -> None:
    session = "llm-stream"
    stream = client(llm_server.url, session).chat.completions.create(
        model="fake-gpt", messages=[{"role": "user", "content": "stream this please"}], stream=True
    )
    chunks = list(stream)
    # the standard loop: every chunk has a choice (no usage-only chunk the client did not ask for)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text.strip() == "You said: stream this please"
    assert all(chunk.usage is None for chunk in chunks)
    info = wait_for_calls(llm_server, session, 1)
    assert info["usage"]["total_tokens"] == 1000 and info["usage"]["llm_calls"] == 1
    response = [d for d in info["recent_decisions"] if d["type"] == "llm_response"]
    assert len(response) == 1


def test_streaming_usage_chunk_when_the_client_asks(llm_server: ServerProc) -> None:
    session = "llm-stream-usage"
    stream = client(llm_server.url, session).chat.completions.create(
        model="fake-gpt",
        messages=[{"role": "user", "content": "count me"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 1000
    assert all(chunk.choices for chunk in chunks[:-1])
    info = wait_for_calls(llm_server, session, 1)
    assert info["usage"]["total_tokens"] == 1000 and info["usage"]["llm_calls"] == 1


def test_streaming_upstream_is_always_asked_for_usage(llm_server: ServerProc, upstream: str) -> None:
    list(
        client(llm_server.url, "llm-stream-ask").chat.completions.create(
            model="fake-gpt", messages=[{"role": "user", "content": "options"}], stream=True
        )
    )
    last = httpx.get(upstream + "/_requests").json()[-1]["body"]
    assert last["stream_options"] == {"include_usage": True}


def test_denied_messages_never_reach_the_upstream(llm_server: ServerProc, upstream: str) -> None:
    before = len(httpx.get(upstream + "/_requests").json())
    c = client(llm_server.url, "llm-word")
    with pytest.raises(openai.PermissionDeniedError) as denied:
        ask(c, "please leak the forbidden thing")
    assert denied.value.body["code"] == "prompt_word"
    with pytest.raises(openai.PermissionDeniedError):
        c.chat.completions.create(
            model="fake-gpt", stream=True, messages=[{"role": "user", "content": "forbidden, streamed"}]
        )
    assert len(httpx.get(upstream + "/_requests").json()) == before


def test_bad_token_is_refused_before_anything_else(llm_server: ServerProc, upstream: str) -> None:
    before = len(httpx.get(upstream + "/_requests").json())
    with pytest.raises(openai.AuthenticationError) as refused:
        ask(client(llm_server.url, "llm-bad", token="not-a-goalrail-token"))
    assert (
        refused.value.body["type"] == "authentication_error" and "invalid or revoked" in refused.value.body["message"]
    )
    bad_json = httpx.post(
        llm_server.url + "/v1/chat/completions", content=b"{", headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert bad_json.status_code == 401  # the credential is checked before the body is read
    assert len(httpx.get(upstream + "/_requests").json()) == before


def test_standalone_proxy(standalone: str, llm_server: ServerProc) -> None:
    c = client(standalone, "llm-standalone")
    assert ask(c).usage.total_tokens == 1000
    with pytest.raises(openai.PermissionDeniedError):
        ask(c, "forbidden")
    assert session_info(llm_server, "llm-standalone")["usage"]["total_tokens"] == 1000


def test_goalrail_down_fails_closed(upstream: str) -> None:
    with llm_proxy(["--upstream", upstream + "/v1"], f"http://127.0.0.1:{free_port()}") as base:
        with pytest.raises(openai.InternalServerError) as down:
            ask(client(base, "llm-down"))
        assert down.value.status_code == 503 and down.value.body["type"] == "goalrail_unavailable"


# -- recorded payloads → events --------------------------------------------------


def test_recorded_request_to_event() -> None:
    body = json.loads((OAI / "chat_request.json").read_text())
    event = shapes.request_event(body)
    assert event["type"] == "llm_request" and event["context"]["harness"] == "llm-proxy"
    assert event["data"]["model"] == "fake-gpt" and event["data"]["max_tokens"] == 200
    assert event["data"]["messages"][1]["content"] == "What is the weather in Paris?"
    assert event["data"]["tools"][0]["function"]["name"] == "get_weather"


def test_recorded_response_and_stream() -> None:
    model, text, calls, usage = shapes.from_completion(json.loads((OAI / "chat_response.json").read_text()))
    assert model == "fake-gpt" and text and calls == [] and usage["total_tokens"] == 1000
    acc = shapes.StreamAccumulator()
    for line in (OAI / "chat_stream.txt").read_text().splitlines():
        acc.feed_line(line)
    assert acc.text.strip() == "You said: Say hello" and acc.usage["completion_tokens"] == 400
    assert tokens_of(
        {"prompt_tokens": 100, "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 40}}
    ) == {
        "input_tokens": 60,
        "output_tokens": 5,
        "cache_read_tokens": 40,
        "cache_write_tokens": 0,
    }


def test_stream_tool_call_deltas() -> None:
    acc = shapes.StreamAccumulator()
    for delta in (
        {"tool_calls": [{"index": 0, "id": "call_1", "function": {"name": "get_weather", "arguments": ""}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]},
    ):
        acc.feed_line("data: " + json.dumps({"model": "m", "choices": [{"index": 0, "delta": delta}]}))
    assert acc.calls() == [{"id": "call_1", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]
