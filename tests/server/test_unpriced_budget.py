"""A cost budget holds on a model the server has no price for, through the server:
once the user approves its one-time ASK, the model's usage still counts (at the
budget's fallback price) and its requests still reserve, so the budget DENYs when
spent instead of allowing the unpriced model for ever."""

from __future__ import annotations

from typing import Any

from server_support import add_tokens, auth, client_for, make_app

from goalrail.store.memory import MemoryStore

CONFIG = """
auth: {mode: tokens}
policies:
  budget:
    type: function
    handler: goalrail.policies.builtins.cost.cost_budget
    factory_params: {max_cost_usd: 1.0, expensive_models: []}
"""
PRIVATE = "corp-llm-unpriced-7"
AGENT, ALICE = auth("alice_agent"), auth("alice")
TOOL = {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/tmp/x"}}}


def _request(i: int) -> dict[str, Any]:
    data = {"model": PRIVATE, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2000}
    return {"type": "llm_request", "id": f"call-{i}", "data": data}


async def test_an_approved_unpriced_model_still_spends_and_reserves() -> None:
    store = MemoryStore()
    await add_tokens(store)
    async with client_for(make_app(CONFIG, store)) as c:
        asked = (await c.post("/v1/sessions/s1/events", json=_request(0), headers=AGENT)).json()
        assert asked["result"] == "ASK" and "has no known price" in asked["reason"], asked
        approved = await c.post(f"/v1/approvals/{asked['approval_id']}", json={"decision": "approve"}, headers=ALICE)
        assert approved.status_code == 200, approved.text
        # each request reserves ~2,000 tokens at $75/M ($0.15): the approved one and five more are $0.90
        # in flight, under $1; the next would cross it
        answers = [
            (await c.post("/v1/sessions/s1/events", json=_request(i), headers=AGENT)).json() for i in range(1, 9)
        ]
        assert [a["result"] for a in answers] == ["ALLOW"] * 5 + ["DENY"] * 3, [a.get("reason") for a in answers]
        # usage of the unpriced model counts too: 20,000 tokens at $75/M is $1.50, past the $1 limit
        usage = {"model": PRIVATE, "input_tokens": 10_000, "output_tokens": 10_000}
        assert (await c.post("/v1/sessions/s2/usage", json=usage, headers=AGENT)).status_code == 200
        denied = (await c.post("/v1/sessions/s2/events", json=TOOL, headers=AGENT)).json()
        assert denied["result"] == "DENY" and "$1.50 reached the $1.00 limit" in denied["reason"], denied
