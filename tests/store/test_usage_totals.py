"""Running usage totals: what a snapshot reports equals the totals recomputed from
every usage record, on every backend, for any sequence of records; and the
migration sums in the usage recorded before it."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.store.conftest import BEFORE_0010

from goalrail.runtime.ports import Commit, UsageRecord
from goalrail.runtime.usage import usage_totals
from goalrail.store import open_store

DAYS = ("2026-03-01", "2026-03-02")
# (session 0-3, day, input, output, cache read, cache write, cost or None)
RECORD = st.tuples(
    st.integers(0, 3),
    st.sampled_from(DAYS),
    st.integers(0, 10**9),
    st.integers(0, 10**9),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.one_of(st.none(), st.floats(0, 50, allow_nan=False), st.sampled_from([0.1, 0.2, 0.3, 1e-9])),
)


async def _check(store: Any, records: list[tuple[Any, ...]]) -> None:
    tag = secrets.token_hex(4)
    owners = [f"o{tag}-a", f"o{tag}-a", f"o{tag}-b", f"o{tag}-c"]  # two sessions share an owner
    sids = [f"s{tag}-{i}" for i in range(4)]
    for sid, owner in zip(sids, owners, strict=True):
        await store.ensure_session(sid, owner=owner)
    done: list[tuple[int, UsageRecord]] = []
    for i, day, inp, out, cr, cw, cost in records:
        rec = UsageRecord("m", inp, out, cr, cw, cost, None, 0.0, day)
        async with store.transaction(sids[i]) as tx:
            await tx.commit(Commit(usage=rec))
        done.append((i, rec))
    for i, sid in enumerate(sids):
        for day in DAYS:
            async with store.transaction(sid) as tx:
                snap = await tx.snapshot(user_day=day)
            assert snap.usage == usage_totals([r for k, r in done if k == i])
            same_owner = [r for k, r in done if (owners[k] or "") == (owners[i] or "") and r.day == day]
            day_cost = 0.0
            for r in same_owner:  # in commit order, as the running total adds them
                day_cost += r.cost_usd or 0.0
            assert snap.user_daily_cost["cost_usd"] == round(day_cost, 10)


@pytest.mark.parametrize("backend", ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_running_totals_equal_totals_recomputed_from_records(backend: str, request: pytest.FixtureRequest) -> None:
    url = "memory://"
    if backend != "memory":
        url = str(request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url"))
    examples = 60 if backend == "memory" else 12

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(RECORD, max_size=12))
    def check(records: list[tuple[Any, ...]]) -> None:
        async def run() -> None:
            store = await open_store(url) if backend != "memory" else shared
            try:
                await _check(store, records)
            finally:
                if backend != "memory":
                    await store.close()

        asyncio.run(run())

    shared = asyncio.run(open_store("memory://")) if backend == "memory" else None
    check()


async def test_migration_sums_in_usage_recorded_before_it(sqlite_url: str) -> None:
    path = sqlite_url.split(":///", 1)[1]
    store = await open_store(sqlite_url)
    await store.ensure_session("old", owner="ann")
    await store.close()
    with sqlite3.connect(path) as conn:  # the database as revision 0001 left it, with usage in it
        conn.execute("DROP TABLE usage_days")
        conn.execute("DROP INDEX ix_approvals_approved")  # (revision 0004's)
        conn.execute("DROP TABLE change_log")  # (revision 0005's)
        conn.execute("CREATE INDEX ix_audit_at ON audit (at)")  # (revision 0006 drops it)
        conn.execute("DROP INDEX ix_approvals_waiting")  # (revision 0007's)
        conn.execute("ALTER TABLE tokens DROP COLUMN agent")  # (revision 0008's)
        for statement in BEFORE_0010:  # (revision 0010's)
            conn.execute(statement)
        conn.execute("DROP INDEX ix_tokens_user")  # (revision 0009's)
        for col in ("usage_calls", "usage_input", "usage_output", "usage_cache_read", "usage_cache_write"):
            conn.execute(f"ALTER TABLE sessions DROP COLUMN {col}")
        conn.execute("ALTER TABLE sessions DROP COLUMN usage_unpriced")
        conn.execute("ALTER TABLE sessions DROP COLUMN usage_cost")
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
        rows = [(10, 5, 1, 0, 0.25), (7, 3, 0, 2, None), (1, 1, 0, 0, 0.5)]
        for inp, out, cr, cw, cost in rows:
            conn.execute(
                "INSERT INTO usage (session_id, owner, model, input_tokens, output_tokens, cache_read_tokens, "
                "cache_write_tokens, cost_usd, price_source, at, day) VALUES ('old', 'ann', 'm', ?, ?, ?, ?, ?, "
                "NULL, 0, '2026-03-01')",
                (inp, out, cr, cw, cost),
            )
    store = await open_store(sqlite_url)
    try:
        async with store.transaction("old") as tx:
            snap = await tx.snapshot(user_day="2026-03-01")
        records = [UsageRecord("m", *r[:4], r[4], None, 0.0, "2026-03-01") for r in rows]
        assert snap.usage == usage_totals(records)
        assert snap.usage["unpriced_tokens"] == 12 and snap.usage["llm_calls"] == 3
        assert snap.user_daily_cost["cost_usd"] == 0.75
    finally:
        await store.close()
