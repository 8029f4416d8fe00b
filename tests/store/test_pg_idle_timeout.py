"""A transaction of a PostgreSQL replica that hangs (idle inside it, holding a session's row
lock) is ended by the server after ``IDLE_IN_TRANSACTION_MS``: its locks are released and the
other replicas' decisions go on, instead of each failing after the busy timeout for ever."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qs

import psycopg
import pytest

from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql import engine

EVENT = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}


async def test_a_hung_replicas_transaction_is_ended_and_decisions_go_on(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "IDLE_IN_TRANSACTION_MS", 500)
    # the decision must get the row after the server ends the hung transaction (0.5 s) and
    # before its own busy timeout: 60 s, not 10 s, is far beyond what a loaded machine adds
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 60_000)
    store = await open_store(pg_url)
    rt = Runtime(store, registry=Registry.load())
    try:
        assert (await rt.evaluate("s-idle", EVENT, owner="o1")).result == "ALLOW"
        # a replica's connection (the options every connection of ours has), hung inside a transaction
        base, _, query = pg_url.partition("?")
        own = parse_qs(query).get("options", [""])[0]  # (the test's schema)
        with psycopg.connect(base, options=f"{engine.connection_options()} {own}") as hung:
            # (timed from before the lock is taken: the server's 0.5 s count starts after it, so the
            # wait is at least that long however slow the machine; was from after, and a stall
            # between the two left less than 0.4 s)
            start = time.monotonic()
            hung.execute("SELECT id FROM sessions WHERE id = 's-idle' FOR UPDATE")
            decision = await asyncio.wait_for(rt.evaluate("s-idle", EVENT, owner="o1"), 120)
            assert decision.result == "ALLOW"  # (not a busy failure: the busy timeout is 60 s here)
            assert time.monotonic() - start >= 0.5  # it waited for the hung transaction to end
            with pytest.raises(psycopg.Error, match="idle-in-transaction"):  # the server ended it
                hung.execute("SELECT 1")
    finally:
        await store.close()


async def test_every_connection_has_a_statement_timeout(pg_url: str) -> None:
    store = await open_store(pg_url)
    try:
        sql = (
            "SELECT name, setting FROM pg_settings"
            " WHERE name IN ('statement_timeout', 'idle_in_transaction_session_timeout')"
        )
        found = dict(await store.runner.read(lambda conn: conn.exec_driver_sql(sql).all()))
        assert found == {
            "statement_timeout": str(engine.STATEMENT_TIMEOUT_MS),
            "idle_in_transaction_session_timeout": str(engine.IDLE_IN_TRANSACTION_MS),
        }
    finally:
        await store.close()
