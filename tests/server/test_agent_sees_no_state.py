"""An agent credential is not shown what the policies keep (real app, HTTP).

The admin's `max_calls` (limit 5) counts the session's tool calls in its own state and `mark`
counts them in the session's shared state.  Before, the governed agent read both counts in
`GET /v1/sessions/{id}` (`policy_state`, `state`), and with the limit it had learnt from a
DENY's reason it could plan to stay just under it.  Now an agent credential gets both empty
and named in `withheld`, at every level; the user still sees them whole (docs/security.md,
"Lower levels only tighten").
"""

from __future__ import annotations

import json

import pytest
from server_support import SHELL, add_tokens, auth, client_for, make_app

from goalrail.store.memory import MemoryStore

ALICE, AGENT = auth("alice"), auth("alice_agent")
CONFIG = """
auth: {mode: tokens}
policy_modules: [gr_testpolicies]
policies:
  cap: {type: function, handler: gr_testpolicies.max_calls, factory_params: {limit: 5}}
  counter: {type: function, handler: gr_testpolicies.mark, factory_params: {key: zq_admin_count}}
"""
SESSION_POLICY = {"name": "mine", "handler": "gr_testpolicies.max_calls", "factory_params": {"limit": 9}}


async def _session() -> tuple[dict[str, object], dict[str, object]]:
    """``GET /v1/sessions/s1`` after three calls, as the agent and as the user."""
    store = MemoryStore()
    await add_tokens(store)
    async with client_for(make_app(CONFIG, store=store)) as c:
        assert (await c.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)).status_code == 201
        assert (await c.post("/v1/sessions/s1/policies", json=SESSION_POLICY, headers=ALICE)).status_code == 201
        for _ in range(3):
            r = await c.post("/v1/sessions/s1/events", json=SHELL, headers=AGENT)
            assert r.json()["result"] == "ALLOW", r.text
        agent = (await c.get("/v1/sessions/s1", headers=AGENT)).json()
        user = (await c.get("/v1/sessions/s1", headers=ALICE)).json()
        return agent, user


@pytest.mark.parametrize("key", ["policy_state", "state"])
async def test_an_agent_reads_no_policys_state(key: str) -> None:
    agent, _ = await _session()
    assert agent[key] == {}
    assert key in agent["withheld"]


async def test_an_agent_reads_no_count_of_any_level_anywhere_in_the_session() -> None:
    agent, _ = await _session()
    text = json.dumps({k: v for k, v in agent.items() if k not in ("history", "recent_decisions", "policies")})
    assert "zq_admin_count" not in text
    assert '"calls"' not in text


async def test_control_the_agent_still_sees_what_it_did_and_the_user_sees_the_counts() -> None:
    agent, user = await _session()
    assert len(agent["history"]) == 3 and len(agent["recent_decisions"]) == 3  # what it did stays
    assert user["policy_state"]["server:cap"] == {"calls": 3}
    assert user["policy_state"]["session:mine"] == {"calls": 3}
    assert user["state"]["zq_admin_count"] == 3 and "withheld" not in user
