"""Differential test: random state updates give the same snapshots on the SQL
stores as on MemoryStore, the reference (values and JSON types alike)."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goalrail.engine.state import split_updates
from goalrail.runtime.ports import Commit
from goalrail.store import open_store
from goalrail.store.memory import MemoryStore

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
keys = st.sampled_from(["a", "b", "c"])
scopes = st.sampled_from(["session", "policy", "user"])


@st.composite
def updates(draw: Any) -> dict[str, Any]:
    action = draw(st.sampled_from(["set", "increment", "delete", "append"]))
    upd: dict[str, Any] = {"key": draw(keys), "action": action, "scope": draw(scopes)}
    if action == "increment":
        upd["value"] = draw(st.integers(-5, 5) | st.floats(-10, 10, allow_nan=False))
    elif action in ("set", "append"):
        upd["value"] = draw(json_values)
    if action == "append" and draw(st.booleans()):
        upd["max_len"] = draw(st.integers(1, 3))
    return upd


commits = st.lists(st.lists(updates(), max_size=5), min_size=1, max_size=6)


async def _replay(store: Any, sid: str, batches: list[list[dict[str, Any]]]) -> dict[str, str]:
    await store.ensure_session(sid, owner=sid)
    for batch in batches:
        session, policy, user = split_updates([("server:p", u) for u in batch])  # type: ignore[misc]
        async with store.transaction(sid) as tx:
            await tx.commit(Commit(session_updates=session, policy_updates=policy, user_updates=user))
    async with store.transaction(sid) as tx:
        snap = await tx.snapshot(user_day="2026-01-01")
    policy = {ns: values for ns, values in snap.policy_states.items() if values}  # memory keeps empty ones
    return {
        name: json.dumps(value, sort_keys=True)
        for name, value in (("state", snap.state), ("policy", policy), ("user", snap.user_state))
    }


@pytest.mark.sql_only
def test_sql_state_matches_memory(database_url: str) -> None:
    counter = itertools.count()
    with asyncio.Runner() as runner:
        sql = runner.run(open_store(database_url))
        memory = MemoryStore()

        @settings(max_examples=60, deadline=None)
        @given(commits)
        def check(batches: list[list[dict[str, Any]]]) -> None:
            sid = f"s{next(counter)}"
            expected = runner.run(_replay(memory, sid, batches))
            assert runner.run(_replay(sql, sid, batches)) == expected

        try:
            check()
        finally:
            runner.run(sql.close())
