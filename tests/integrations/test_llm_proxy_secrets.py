"""The LLM proxy never hands a client the proxy's own upstream keys, nor another secret an
error quotes: an upstream that echoes the key it refused (OpenAI-compatible, streamed or not,
and Anthropic), and Goalrail's own refusals.  In-process: the proxy in front of a real
Goalrail app (memory store), the upstream a small stand-in that echoes what it was sent."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from goalrail.integrations.client import AsyncGoalrailClient
from goalrail.integrations.llm_proxy.proxy import LLMProxy
from goalrail.integrations.llm_proxy.routes import build_router
from goalrail.store.memory import MemoryStore

FIXTURES = Path(__file__).parents[1] / "server" / "fixtures"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

from server_support import TOKENS, add_tokens, make_app  # noqa: E402

OPENAI_KEY = "sk-proj-" + "Vq3Lx8Np2Rt6Wz1Kc5Hm9Bd4Fg7Js0Ya" + "k3y1"
ANTHROPIC_KEY = "sk-ant-api03-" + "Mz8Qw2Er5Ty9Ui3Op7As1Df4Gh6Jk0Lx" + "k3y2"
SHORT_KEY = "upstream-key-7f3a9c2e"  # no known shape: only the proxy's knowing it redacts it
AGENT = TOKENS["alice_agent"][0]
OPEN = "auth: {mode: tokens}\n"
CONFIG = """
auth: {mode: tokens}
policies:
  budget:
    type: function
    handler: goalrail.policies.builtins.cost.cost_budget
    factory_params: {max_cost_usd: 0.000001, expensive_models: ["gpt-*"]}
"""


def echoing_upstream(request: httpx.Request) -> httpx.Response:
    """An upstream refusing every key, quoting it (as some do)."""
    key = request.headers.get("authorization", "").removeprefix("Bearer ") or request.headers.get("x-api-key", "")
    body = {"error": {"message": f"Incorrect API key provided: {key}.", "type": "invalid_request_error"}}
    return httpx.Response(401, json=body)


async def _proxy_client(
    upstream_key: str, anthropic_key: str, config: str = OPEN
) -> tuple[httpx.AsyncClient, LLMProxy]:
    store = MemoryStore()
    await add_tokens(store)
    goalrail = AsyncGoalrailClient(
        "http://goalrail.test", AGENT, transport=httpx.ASGITransport(app=make_app(config, store=store))
    )
    proxy = LLMProxy(
        goalrail,
        "http://up/v1",
        upstream_key=upstream_key,
        anthropic_upstream="http://up",
        anthropic_key=anthropic_key,
        upstream_transport=httpx.MockTransport(echoing_upstream),
        ask_timeout_s=0.2,
    )
    app = FastAPI()
    app.include_router(build_router(proxy))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://proxy.test")
    return client, proxy


CHAT = {"model": "fake-gpt", "messages": [{"role": "user", "content": "hi"}]}
MESSAGES = {"model": "fake-claude", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize(
    ("path", "body", "keys"),
    [
        ("/v1/chat/completions", CHAT, (OPENAI_KEY, ANTHROPIC_KEY)),
        ("/v1/chat/completions", {**CHAT, "stream": True}, (OPENAI_KEY, ANTHROPIC_KEY)),
        ("/v1/messages", MESSAGES, (OPENAI_KEY, ANTHROPIC_KEY)),
        ("/v1/messages", {**MESSAGES, "stream": True}, (OPENAI_KEY, ANTHROPIC_KEY)),
        ("/v1/chat/completions", CHAT, (SHORT_KEY, SHORT_KEY)),
        ("/v1/messages", MESSAGES, (SHORT_KEY, SHORT_KEY)),
    ],
)
async def test_an_upstream_error_quoting_the_proxy_key_is_redacted(path: str, body: Any, keys: tuple[str, str]) -> None:
    client, proxy = await _proxy_client(*keys)
    async with client:
        resp = await client.post(
            path, json=body, headers={"Authorization": f"Bearer {AGENT}", "X-Goalrail-Session": "s"}
        )
    await proxy.aclose()
    assert resp.status_code == 401, resp.text
    assert "Incorrect API key provided: [redacted " in resp.text  # the upstream's own error, otherwise as it was
    for key in keys:
        assert key not in resp.text


async def test_a_refusal_quoting_a_secret_is_redacted() -> None:
    client, proxy = await _proxy_client(OPENAI_KEY, ANTHROPIC_KEY, CONFIG)
    secret = "ghp_" + "Zq7Rk2Wm9Xv4Tn8Lp3Hs6Jd1Fb5Gc0Ya2Ue" + "abcd"
    async with client:
        resp = await client.post(
            "/v1/chat/completions",
            json={**CHAT, "model": f"gpt-{secret}"},
            headers={"Authorization": f"Bearer {AGENT}", "X-Goalrail-Session": "s"},
        )
    await proxy.aclose()
    assert resp.status_code == 403, resp.text
    assert secret not in resp.text and "[redacted github_token" in resp.text


@pytest.mark.parametrize("spelling", ["ghp_\u200b{}", "ｇｈｐ_{}", "gh%70_{}", "gh''p_{}"])
async def test_a_refusal_quoting_a_disguised_secret_is_redacted(spelling: str) -> None:
    client, proxy = await _proxy_client(OPENAI_KEY, ANTHROPIC_KEY, CONFIG)
    body = "Zq7Rk2Wm9Xv4Tn8Lp3Hs6Jd1Fb5Gc0Ya2Ue" + "abcd"
    async with client:
        resp = await client.post(
            "/v1/chat/completions",
            json={**CHAT, "model": "gpt-" + spelling.format(body)},
            headers={"Authorization": f"Bearer {AGENT}", "X-Goalrail-Session": "s"},
        )
    await proxy.aclose()
    assert resp.status_code == 403, resp.text
    assert body[:20] not in resp.text and body[16:] not in resp.text and "[redacted github_token" in resp.text
