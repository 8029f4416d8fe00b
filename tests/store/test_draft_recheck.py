"""A decision's ``Commit.recheck`` is made when a store asks for it (runtime/recheck.py,
``Rechecked``), from the very objects the decision was evaluated with: a store that
never asks builds none, and one that asks gets what a recheck built at once held."""

from __future__ import annotations

import time

import pytest

from goalrail.engine.context import normalize_event
from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.decide import decide
from goalrail.runtime.recheck import Recheck
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql.sqlite_store import SqliteStore

BUDGET = PolicySpec(
    name="daily",
    handler="goalrail.policies.builtins.cost.user_daily_cost_budget",
    params={"max_cost_usd": 5.0},
    kind="factory",
)


async def test_a_recheck_is_made_from_the_decisions_own_objects_when_asked(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        rt = Runtime(store, registry=Registry.load(), server_specs=[BUDGET])
        info = await store.ensure_session("s1", owner="o")
        chain = await rt.chain_for(info)
        event = normalize_event({"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}})
        async with store.transaction("s1", optimistic=True) as tx:
            decision, d = await decide(rt, tx, info, chain, event, time.time(), None)
        assert decision.result == "ALLOW"
        recheck = d.recheck
        assert isinstance(recheck, Recheck) and recheck is not d.recheck  # (made each time it is asked for)
        assert recheck.chain is chain and recheck.event is d.event and recheck.decision is d.evaluated
        assert recheck.states is d.snap.policy_states
        assert recheck({}, None)  # the same on the state it was evaluated on
        with pytest.raises(AttributeError):
            d.recheck = None
    finally:
        await store.close()
