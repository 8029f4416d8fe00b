"""SQLite's group commit writes a decision's session row with the two columns every decision
changes (``session.touch``: last activity, history count) unless the decision changed another
(labels, model, harness, end, usage totals: then the whole row, ``session.update``); the row
read back is the same either way."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql.sqlite_store import SqliteStore

REGISTRY = Registry.load()
CAP = PolicySpec(name="cap", handler="store_policies.max_calls", params={"limit": 10_000}, kind="factory")


def tool_call(i: int, **context: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"echo {i}"}}}
    if context:
        event["context"] = context
    return event


async def _run(sqlite_url: str, events: list[dict[str, Any]]) -> tuple[list[str], dict[str, Any]]:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    updates: list[str] = []
    try:
        rt = Runtime(store, registry=REGISTRY, server_specs=[CAP])
        await rt.evaluate("s", tool_call(-1), owner="alice")  # the session exists, its row cached
        await asyncio.sleep(0)
        store.runner.loop_conn().set_trace_callback(
            lambda sql: updates.append(sql.split(" WHERE")[0]) if sql.startswith("UPDATE sessions") else None
        )
        for event in events:
            assert (await rt.evaluate("s", event, owner="alice")).decision.result == "ALLOW"
        await asyncio.sleep(0)
    finally:
        await store.close()
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        conn.row_factory = sqlite3.Row
        row = dict(conn.execute("SELECT * FROM sessions WHERE id = 's'").fetchone())
    return updates, row


async def test_a_decision_changing_only_activity_writes_two_columns(sqlite_url: str) -> None:
    updates, row = await _run(sqlite_url, [tool_call(i) for i in range(5)])
    assert len(updates) == 5
    assert all(u.startswith("UPDATE sessions SET last_activity = ") for u in updates), updates
    assert all(u.count(" = ") == 2 for u in updates), updates
    assert row["history_count"] == 6 and row["model"] is None and row["labels"] == "{}"


async def test_control_a_decision_changing_the_model_writes_the_whole_row(sqlite_url: str) -> None:
    """Control (the same on both sides of the change): a harness named for the first time
    writes the row whole, and later decisions leave it as written."""
    events = [tool_call(0, harness="claude-code"), tool_call(1), tool_call(2, harness="claude-code")]
    updates, row = await _run(sqlite_url, events)
    assert len(updates) == 3
    assert updates[0].startswith("UPDATE sessions SET labels = "), updates
    assert row["harness"] == "claude-code" and row["history_count"] == 4
