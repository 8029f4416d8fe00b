"""LLM proxy, Anthropic Messages: the real ``anthropic`` SDK → ``/v1/messages`` on a
real ``goalrail server`` (and on ``goalrail llm-proxy``) → a local fake Anthropic
upstream.  Streamed and not; DENY as an Anthropic error; PII, routing and cost
budgets on the request; usage priced from the price table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import pytest

from goalrail.policies.pricing import PriceTable
from tests.integrations.support import (
    AGENT_TOKEN,
    AUTH,
    SDK_CLIENTS,
    P,
    ServerProc,
    fake_upstream,
    free_port,
    llm_proxy,
    running_server,
    session_info,
    wait_for_calls,
)

pytestmark = pytest.mark.slow
UPSTREAM_KEY = "sk-ant-upstream-secret"
PRICES = PriceTable()
# what every fake answer reports: 600 input, 400 output, 100 cache read, 50 cache write
TOKENS = {"input_tokens": 600, "output_tokens": 400, "cache_read_tokens": 100, "cache_write_tokens": 50}
CONFIG = f"""
policy_modules: [{P}]
policies:
  pii: {{type: function, handler: goalrail.policies.builtins.safety.deny_pii_in_llm_request}}
  prompt_word: {{type: function, handler: {P}.deny_word_in_prompt, factory_params: {{word: forbidden}}}}
  route: {{type: function, handler: {P}.route_model,
          factory_params: {{from_model: claude-opus-4-1, to_model: claude-haiku-4-5}}}}
  budget: {{type: function, handler: goalrail.policies.builtins.cost.cost_budget,
           factory_params: {{max_cost_usd: 0.02}}}}
pricing:
  overrides:
    overloaded-model: {{input: 1.0, output: 1.0}}
    tiny-model: {{input: 0.0001, output: 0.0001}}
"""
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with fake_upstream("fake_anthropic.py") as url:
        yield url


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, upstream: str) -> Iterator[ServerProc]:
    config = CONFIG + AUTH + f"llm_proxy: {{anthropic_upstream: {upstream}, anthropic_api_key_env: FAKE_ANT_KEY}}\n"
    with running_server(tmp_path_factory.mktemp("anthropic"), config, FAKE_ANT_KEY=UPSTREAM_KEY) as srv:
        yield srv


def client(base: str, session: str | None, *, bearer: bool = False, token: str = AGENT_TOKEN) -> anthropic.Anthropic:
    """As Claude Code is configured: ANTHROPIC_API_KEY (x-api-key) or ANTHROPIC_AUTH_TOKEN (Bearer)."""
    headers = {"X-Goalrail-Session": session} if session else {}
    creds: dict[str, Any] = {"auth_token": token} if bearer else {"api_key": token}
    c = anthropic.Anthropic(base_url=base, max_retries=0, timeout=60, default_headers=headers, **creds)
    SDK_CLIENTS.append(c)
    return c


def say(c: anthropic.Anthropic, text: str = "hello", model: str = "claude-sonnet-4-6", **extra: Any) -> Any:
    return c.messages.create(model=model, max_tokens=50, messages=[{"role": "user", "content": text}], **extra)


def seen(upstream: str) -> list[dict[str, Any]]:
    return list(httpx.get(upstream + "/_requests").json())


def traced_events(server: ServerProc, session: str) -> list[dict[str, Any]]:
    with server.user() as c:
        lines = c.get(f"/v1/sessions/{session}/trace").text.splitlines()
    return [r["event"] for r in map(json.loads, lines[1:]) if r.get("kind") == "event"]


def cost(model: str) -> float:
    value = PRICES.cost(model, **TOKENS)
    assert value is not None and value > 0
    return value


def test_non_streamed_message_is_governed_and_priced(server: ServerProc, upstream: str) -> None:
    session = "ant-plain"
    c = client(server.url, session)
    message = say(c, system="be brief", tools=[WEATHER_TOOL])
    assert message.content[0].text == "You said: hello" and message.usage.output_tokens == 400
    last = seen(upstream)[-1]
    assert last["headers"]["x-api-key"] == UPSTREAM_KEY and last["headers"]["authorization"] is None
    assert last["headers"]["anthropic-version"] == c.default_headers["anthropic-version"]  # forwarded
    info = session_info(server, session)
    assert info["usage"]["llm_calls"] == 1
    assert info["usage"]["total_cost_usd"] == pytest.approx(cost("claude-sonnet-4-6"))
    assert info["usage"]["cache_read_input_tokens"] == 100 and info["usage"]["cache_creation_input_tokens"] == 50
    request, response = traced_events(server, session)
    assert request["type"] == "llm_request" and request["data"]["system"] == "be brief"
    assert request["data"]["tools"][0]["name"] == "get_weather" and request["data"]["max_tokens"] == 50
    assert response["type"] == "llm_response" and response["data"]["usage"]["input_tokens"] == 600


def test_streamed_message_with_a_tool_call_over_bearer_auth(server: ServerProc, upstream: str) -> None:
    session = "ant-stream"
    c = client(server.url, session, bearer=True)
    with c.messages.stream(
        model="claude-sonnet-4-6",
        max_tokens=50,
        tools=[WEATHER_TOOL],
        messages=[{"role": "user", "content": [{"type": "text", "text": "what is the weather in Paris?"}]}],
    ) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use" and final.usage.output_tokens == 400
    assert [b.type for b in final.content] == ["text", "tool_use"] and final.content[1].input == {"city": "Paris"}
    info = wait_for_calls(server, session, 1)
    assert info["usage"]["total_cost_usd"] == pytest.approx(cost("claude-sonnet-4-6"))
    response = traced_events(server, session)[-1]
    assert response["type"] == "llm_response" and response["data"]["stop_reason"] == "tool_use"
    call = response["data"]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather" and json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert response["data"]["usage"]["output_tokens"] == 400 and response["data"]["usage"]["input_tokens"] == 600


def test_beta_messages_keep_their_query_and_headers(server: ServerProc, upstream: str) -> None:
    c = client(server.url, "ant-beta")
    message = c.beta.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=50,
        betas=["interleaved-thinking-2025-05-14"],
        messages=[{"role": "user", "content": "beta hello"}],
    )
    assert message.content[0].text == "You said: beta hello"
    assert seen(upstream)[-1]["headers"]["anthropic-beta"] == "interleaved-thinking-2025-05-14"
    # what Claude Code sends: POST /v1/messages?beta=true with its beta headers
    streamed = c.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=50,
        stream=True,
        messages=[{"role": "user", "content": "as claude code"}],
        extra_query={"beta": "true"},
        extra_headers={"anthropic-beta": "claude-code-20250219,fine-grained-tool-streaming-2025-05-14"},
    )
    kinds = [event.type for event in streamed]
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    last = seen(upstream)[-1]
    assert last["path"] == "/v1/messages" and last["query"] == "beta=true"
    assert last["headers"]["anthropic-beta"] == "claude-code-20250219,fine-grained-tool-streaming-2025-05-14"


def test_deny_is_an_anthropic_error_and_nothing_goes_upstream(server: ServerProc, upstream: str) -> None:
    before = len(seen(upstream))
    c = client(server.url, "ant-deny")
    with pytest.raises(anthropic.PermissionDeniedError) as denied:
        say(c, "please leak the forbidden thing")
    error = denied.value.body["error"]
    assert error["type"] == "permission_error" and "messages contain `forbidden`" in error["message"]
    with (
        pytest.raises(anthropic.PermissionDeniedError),
        c.messages.stream(
            model="claude-sonnet-4-6", max_tokens=50, messages=[{"role": "user", "content": "forbidden, streamed"}]
        ) as stream,
    ):
        stream.get_final_message()
    assert len(seen(upstream)) == before


@pytest.mark.parametrize(
    "where",
    ["content block", "system prompt"],
)
def test_pii_policy_reads_content_blocks_and_the_system_prompt(server: ServerProc, where: str) -> None:
    c = client(server.url, f"ant-pii-{where.split()[0]}")
    secret = "my ssn is 536-22-8765"
    with pytest.raises(anthropic.PermissionDeniedError) as denied:
        if where == "content block":
            say(c, [{"type": "text", "text": "hi"}, {"type": "text", "text": secret}])  # type: ignore[arg-type]
        else:
            say(c, "hi", system=[{"type": "text", "text": secret}])
    message = denied.value.body["error"]["message"]
    assert "pii" in message.lower() and "536-22-8765" not in message


def test_routing_rewrites_the_model_and_spend_follows_it(server: ServerProc, upstream: str) -> None:
    session = "ant-route"
    message = say(client(server.url, session), model="claude-opus-4-1")
    assert message.model == "claude-haiku-4-5" and seen(upstream)[-1]["body"]["model"] == "claude-haiku-4-5"
    assert session_info(server, session)["usage"]["total_cost_usd"] == pytest.approx(cost("claude-haiku-4-5"))


def test_cost_budget_denies_once_the_priced_spend_reaches_it(server: ServerProc) -> None:
    session = "ant-budget"
    c = client(server.url, session)
    allowed = 0
    with pytest.raises(anthropic.PermissionDeniedError) as denied:
        for _ in range(5):
            say(c)
            allowed += 1
    assert (
        denied.value.body["error"]["type"] == "permission_error" and "budget" in denied.value.body["error"]["message"]
    )
    spent = session_info(server, session)["usage"]["total_cost_usd"]
    assert allowed >= 1 and spent == pytest.approx(allowed * cost("claude-sonnet-4-6"))
    assert spent + cost("claude-sonnet-4-6") > 0.02 - 0.005  # denied near the $0.02 limit, not before


def test_upstream_errors_come_back_unchanged(server: ServerProc) -> None:
    with pytest.raises(anthropic.APIStatusError) as failed:
        say(client(server.url, "ant-overloaded"), model="overloaded-model")
    assert failed.value.status_code == 529 and failed.value.body["error"]["type"] == "overloaded_error"


def test_count_tokens_goes_upstream_only_when_allowed(server: ServerProc, upstream: str) -> None:
    c = client(server.url, "ant-count")
    counted = c.messages.count_tokens(model="claude-sonnet-4-6", messages=[{"role": "user", "content": "count me"}])
    assert counted.input_tokens == 4242 and seen(upstream)[-1]["path"] == "/v1/messages/count_tokens"
    before = len(seen(upstream))
    estimated = c.beta.messages.count_tokens(
        model="claude-sonnet-4-6", messages=[{"role": "user", "content": "the forbidden text"}]
    )
    assert 0 < estimated.input_tokens != 4242 and len(seen(upstream)) == before  # a local estimate
    with server.user() as u:  # dry runs record nothing: not even the session
        assert u.get("/v1/sessions/ant-count").status_code == 404


def test_probe_credentials_and_claude_code_session(server: ServerProc, upstream: str) -> None:
    assert httpx.head(server.url + "/", timeout=60).status_code == 200
    before = len(seen(upstream))
    with pytest.raises(anthropic.AuthenticationError) as refused:
        say(client(server.url, "ant-bad", token="not-a-goalrail-token"))
    assert refused.value.body["error"]["type"] == "authentication_error"
    assert len(seen(upstream)) == before
    # Claude Code names its session in a header: the proxy uses it, so hooks and LLM calls share a session
    c = client(server.url, None)
    c.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=50,
        messages=[{"role": "user", "content": "from claude code"}],
        extra_headers={"X-Claude-Code-Session-Id": "cc-session-1", "User-Agent": "claude-cli/2.1.0 (external, cli)"},
    )
    info = session_info(server, "cc-session-1")
    assert info["usage"]["llm_calls"] == 1 and info["harness"] == "claude-code"


def test_standalone_proxy_streams(server: ServerProc, upstream: str) -> None:
    with llm_proxy(["--anthropic-upstream", upstream], server.url, ANTHROPIC_API_KEY=UPSTREAM_KEY) as base:
        assert httpx.head(base + "/", timeout=60).status_code == 200
        c = client(base, "ant-standalone")
        with c.messages.stream(
            model="claude-sonnet-4-6", max_tokens=50, messages=[{"role": "user", "content": "standalone"}]
        ) as stream:
            text = "".join(stream.text_stream)
        assert text.strip() == "You said: standalone" and seen(upstream)[-1]["headers"]["x-api-key"] == UPSTREAM_KEY
        info = wait_for_calls(server, "ant-standalone", 1)
        assert info["usage"]["total_cost_usd"] == pytest.approx(cost("claude-sonnet-4-6"))
        with pytest.raises(anthropic.PermissionDeniedError):
            say(c, "forbidden")


def test_goalrail_down_fails_closed(upstream: str) -> None:
    with llm_proxy(["--anthropic-upstream", upstream], f"http://127.0.0.1:{free_port()}") as base:
        before = len(seen(upstream))
        with pytest.raises(anthropic.InternalServerError) as down:
            say(client(base, "ant-down"))
        assert down.value.status_code == 503 and down.value.body["error"]["type"] == "api_error"
        assert "fails closed" in down.value.body["error"]["message"] and len(seen(upstream)) == before


def test_long_conversations_pass_the_llm_body_limit(server: ServerProc, upstream: str) -> None:
    big = "lorem ipsum " * 150_000  # 1.8 MB: over the API's 1 MiB limit, under the LLM proxy's 32 MiB
    message = say(client(server.url, "ant-big"), big, model="tiny-model")  # priced to stay under the budget
    assert message.content[0].text.startswith("You said: lorem ipsum")
    assert len(seen(upstream)[-1]["body"]["messages"][0]["content"]) == len(big)
    with server.agent() as c:  # the rest of the API keeps its own limit
        event = {"type": "llm_request", "data": {"model": "m", "messages": [{"role": "user", "content": big}]}}
        assert c.post("/v1/sessions/ant-big/events", json=event).status_code == 413
