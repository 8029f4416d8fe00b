"""SQLite: a list a decision appends to (a rate limit's call times) is written as its
previous text plus the item (issue 13: not every item encoded again on every decision);
the text stays ``json.dumps``'s, byte for byte, however the list changes."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from goalrail.policies.schema import StateUpdate
from goalrail.runtime.ports import Commit
from goalrail.store import open_store
from goalrail.store.sql.changes import state_writes
from goalrail.store.sql.sqlite_store import SqliteStore

DAY = "2026-03-01"


def append(key: str, value: Any, max_len: int | None = None) -> StateUpdate:
    upd: dict[str, Any] = {"key": key, "action": "append", "value": value, "scope": "policy"}
    if max_len is not None:
        upd["max_len"] = max_len
    return upd  # type: ignore[return-value]


def texts_of(updates_by_commit: list[list[StateUpdate]]) -> list[str]:
    """The text written for key "k" by each commit, through ``state_writes`` with texts."""
    known: dict[str, Any] = {}
    texts: dict[str, str] = {}
    out = []
    for updates in updates_by_commit:
        for name, rows in state_writes("policy_state", {"sid": "s", "ns": "n"}, updates, known, texts):
            out += [row["value"] for row in rows if row["key"] == "k" and name.endswith(".put")]
        if "k" in known:
            assert out[-1] == json.dumps(known["k"])
    return out


def test_appends_write_the_stdlib_text() -> None:
    items: list[Any] = [1.5, 2, 'é "quoted" ✓', None, True, float("nan"), 10**30, 0.1, -0.0]
    commits = [[append("k", v)] for v in items]
    commits.append([append("k", 7, max_len=3)])  # cut to its last three
    commits.append([append("k", 8, max_len=3)])
    commits.append([{"key": "k", "action": "set", "value": [1, [2]], "scope": "policy"}])  # type: ignore[list-item]
    commits.append([append("k", {"a": 1})])  # (not a scalar: encoded whole)
    commits.append([append("k", 3), append("k", 4)])  # two in one commit
    commits.append([{"key": "k", "action": "delete", "scope": "policy"}])  # type: ignore[list-item]
    commits.append([append("k", 5)])
    commits.append([{"key": "k", "action": "set", "value": 9, "scope": "policy"}])  # type: ignore[list-item]
    commits.append([append("k", 6)])  # (appending to a number: a new list)
    texts = texts_of(commits)
    assert texts[-1] == "[6]" and texts[8] == json.dumps(items)


def test_the_incremental_text_is_used() -> None:
    known: dict[str, Any] = {"k": [1, 2]}
    texts = {"k": "[1, 2]"}
    state_writes("policy_state", {"sid": "s", "ns": "n"}, [append("k", 3)], known, texts)
    assert texts["k"] == "[1, 2, 3]"
    texts["k"] = "[1, 2, 3 ]"  # (a marker: the next text must be built from it)
    [(_, [row])] = state_writes("policy_state", {"sid": "s", "ns": "n"}, [append("k", 4)], known, texts)
    assert row["value"] == "[1, 2, 3 , 4]"


async def test_the_stored_rows_are_the_stdlib_text(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        await store.ensure_session("s1", owner="alice")
        for i in range(40):
            updates = [append("calls", 1000.25 + i, max_len=25)]
            async with store.transaction("s1", optimistic=True) as tx:
                await tx.snapshot(user_day=DAY)
                await tx.commit(Commit(policy_updates={"server:rate": updates}, session_updates=[append("seen", i)]))
        expected = [1000.25 + i for i in range(15, 40)]
        with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
            policy = conn.execute("SELECT value FROM policy_state WHERE key = 'calls'").fetchone()[0]
            session = conn.execute("SELECT value FROM session_state WHERE key = 'seen'").fetchone()[0]
        assert policy == json.dumps(expected)
        assert session == json.dumps(list(range(40)))
        async with store.transaction("s1", optimistic=True) as tx:
            snap = await tx.snapshot(user_day=DAY)
        assert snap.policy_states["server:rate"]["calls"] == expected
    finally:
        await store.close()
