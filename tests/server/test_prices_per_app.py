"""Each app prices with its own config's table: two apps in one process never share one.

Both apps are built first, then used, so a table installed process-wide by the
last one built would price the first app's usage and budgets too.
"""

from __future__ import annotations

from typing import Any

import httpx
from server_support import add_tokens, auth, client_for, make_app

from goalrail.store.memory import MemoryStore

MODEL = "corp-llm-7"
CONFIG = """
auth: {{mode: tokens}}
pricing:
  overrides:
    "{model}": {{input: {price}, output: {price}}}
policies:
  budget:
    type: function
    handler: goalrail.policies.builtins.cost.cost_budget
    factory_params: {{max_cost_usd: 1.0}}
"""
# an LLM request whose worst case is 4096 output tokens (plus a tiny prompt)
REQUEST = {"type": "llm_request", "data": {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}}
AGENT = auth("alice_agent")


async def _app(price: float) -> Any:
    store = MemoryStore()
    await add_tokens(store)
    return make_app(CONFIG.format(model=MODEL, price=price), store)


async def test_two_apps_price_the_same_usage_with_their_own_tables() -> None:
    cheap, dear = await _app(1.0), await _app(1000.0)  # USD per million tokens
    usage = {"model": MODEL, "input_tokens": 1000, "output_tokens": 0}
    costs = []
    for app in (cheap, dear):
        async with client_for(app) as client:
            r = await client.post("/v1/sessions/s1/usage", json=usage, headers=AGENT)
            assert r.status_code == 200, r.text
            costs.append(r.json()["cost_usd"])
    assert costs == [0.001, 1.0]


async def test_two_apps_hand_their_own_table_to_the_cost_budget() -> None:
    cheap, dear = await _app(1.0), await _app(1000.0)
    results = []
    for app in (cheap, dear):
        async with client_for(app) as client:
            r = await client.post("/v1/sessions/s1/events", json=REQUEST, headers=AGENT)
            assert r.status_code == 200, r.text
            results.append(r.json()["result"])
    # worst case ~4100 tokens: $0.004 on the cheap table, ~$4 (over the $1 limit) on the dear one
    assert results == ["ALLOW", "DENY"]


async def test_usage_listing_reports_the_apps_own_prices() -> None:
    cheap, dear = await _app(2.0), await _app(3.0)
    usage = {"model": MODEL, "input_tokens": 1_000_000, "output_tokens": 0}
    totals = []
    for app in (cheap, dear):
        async with client_for(app) as client:
            await client.post("/v1/sessions/s1/usage", json=usage, headers=AGENT)
            r: httpx.Response = await client.get("/v1/sessions/s1/usage", headers=auth("alice"))
            totals.append(r.json()["totals"]["total_cost_usd"])
    assert totals == [2.0, 3.0]
