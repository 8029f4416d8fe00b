"""SQLite's group commit writes a decision's history entry, session row and audit row
with positional parameters (``statements.POSITIONAL``, ``changes.row_values``,
``changes.sealed_values``): the rows are the ones the named statements write."""

from __future__ import annotations

import copy
import sqlite3
from typing import Any

import pytest
from sqlalchemy import create_engine

from goalrail.runtime.audit import AuditEntry
from goalrail.runtime.ports import Commit, UsageRecord
from goalrail.store.sql.changes import row_values, row_writes, sealed_audit, sealed_values
from goalrail.store.sql.statements import POSITIONAL, SESSION_FIELDS, for_dialect
from goalrail.store.sql.tables import metadata


def _database(path: str) -> sqlite3.Connection:
    engine = create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    engine.dispose()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO sessions (id, owner, agent, labels, created_at, last_activity, policies_version, "
        "history_count, usage_calls, usage_input, usage_output, usage_cache_read, usage_cache_write, "
        "usage_unpriced, usage_cost) VALUES ('s1', 'alice', NULL, '{}', 1.0, 1.0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0)"
    )
    return conn


def _row() -> dict[str, Any]:
    row = dict.fromkeys(SESSION_FIELDS, 0)
    row.update(id="s1", owner="alice", agent=None, labels={}, model=None, harness=None, ended=None)
    row.update(created_at=1.0, last_activity=1.0, usage_cost=0.0)
    return row


COMMITS = [
    Commit(history={"type": "tool_call", "target": "Bash", "verdict": "ALLOW", "at": 1.25}),
    Commit(
        history={"type": "request", "target": None, "verdict": "ASK", "note": 'é "q"', "at": 2.5},
        labels={"team": "a"},
        model="m1",
        harness="claude-code",
    ),
    Commit(usage=UsageRecord(model="m1", input_tokens=10, output_tokens=3, cost_usd=0.25, day="2026-03-01")),
    Commit(history={"type": "tool_call", "n": 7}, end_session="done", grants=["g1", "g1", "g2"]),
]


def _tables(conn: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for table in ("sessions", "history", "audit", "grants", "usage_days"):
        rows = conn.execute(f"SELECT * FROM {table}").fetchall()
        out[table] = sorted(rows, key=repr)
    return out


def test_positional_rows_are_the_named_rows(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    named, positional = _database(str(tmp_path / "a.db")), _database(str(tmp_path / "b.db"))
    sql = for_dialect("sqlite")
    row_a, row_b = _row(), _row()
    head_a: tuple[int, str] | None = None
    head_b: tuple[int, str] | None = None
    clock = iter(range(100, 200))
    monkeypatch.setattr("goalrail.store.sql.changes.time.time", lambda: float(next(clock)) // 2)
    for i, c in enumerate(COMMITS):
        entry = AuditEntry(at=10.0 + i, kind="decision", session_id="s1", payload={"i": i, "x": [1.5, None]})
        for name, params in row_writes(row_a, copy.deepcopy(c)):
            named.executemany(sql[name], [params] if isinstance(params, dict) else params)
        sealed = sealed_audit(entry, head_a)
        named.execute(sql["audit.put"], sealed)
        head_a = (sealed["seq"], sealed["hash"])

        steps, values = row_values(row_b, copy.deepcopy(c))
        for name, params in steps:
            positional.executemany(sql[name], [params] if isinstance(params, dict) else params)
        for name, value_row in values:
            positional.execute(POSITIONAL[name], value_row)
        audit_row = sealed_values(entry, head_b)
        positional.execute(POSITIONAL["audit.put"], audit_row)
        head_b = (audit_row[0], audit_row[6])
    assert row_a == row_b
    written = _tables(named)
    assert written == _tables(positional)
    assert len(written["history"]) == 3 and len(written["audit"]) == 4 and len(written["grants"]) == 2
