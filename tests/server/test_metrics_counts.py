"""``/metrics`` counts what every policy of the chain said, as the answers list it (issue 13:
the pairs are now read in C and counted with ``Counter.update``)."""

from __future__ import annotations

from collections import Counter

from server_support import SHELL, add_tokens, auth, client_for, make_app

from goalrail.store.memory import MemoryStore

CONFIG = """
auth: {mode: tokens}
policies:
  tools: {type: function, handler: goalrail.policies.builtins.tools.tool_gate, factory_params: {deny: [Write]}}
  calls:
    type: function
    handler: goalrail.policies.builtins.safety.max_tool_calls_per_session
    factory_params: {limit: 4}
  risk: {type: function, handler: goalrail.policies.builtins.risk.risk_score_policy}
"""
WRITE = {"type": "tool_call", "target": "Write", "data": {"arguments": {"file_path": "/x", "content": "y"}}}
REQUEST = {"type": "request", "data": "hello"}


async def test_every_policy_verdict_is_counted_as_answered() -> None:
    store = MemoryStore()
    await add_tokens(store)
    app = make_app(CONFIG, store=store)
    expected: Counter[tuple[str, str]] = Counter()
    results: Counter[tuple[str, str]] = Counter()
    async with client_for(app) as c:
        for event in [SHELL, WRITE, REQUEST, SHELL, SHELL, WRITE, SHELL, REQUEST]:
            r = await c.post("/v1/sessions/m1/events", json=event, headers=auth("alice_agent"))
            assert r.status_code == 200, r.text
            answer = r.json()
            expected.update((d["policy"], d["verdict"]) for d in answer["decisions"])
            results[(answer["result"], answer["policy"] or "")] += 1
    metrics = app.state.goalrail.metrics
    assert len({verdict for _, verdict in expected}) >= 3  # several verdicts, not one
    assert dict(metrics.policy_verdicts) == dict(expected)
    assert dict(metrics.decisions) == dict(results)
    text = metrics.render()
    for (policy, verdict), n in expected.items():
        assert f'goalrail_policy_verdicts_total{{policy="{policy}",verdict="{verdict}"}} {n}' in text
