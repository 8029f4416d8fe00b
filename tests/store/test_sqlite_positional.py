"""SQLite's group commit writes a decision's state values, history entry, session row,
audit row and approval with positional parameters (``sqlite_values``): the rows are the
ones the named statements write."""

from __future__ import annotations

import copy
import sqlite3
from typing import Any

import pytest
from sqlalchemy import create_engine

from goalrail.runtime.audit import AuditEntry
from goalrail.runtime.ports import ApprovalRecord, Commit, UsageRecord
from goalrail.store.sql.changes import approval_params, row_writes, sealed_audit, sealed_values, state_writes
from goalrail.store.sql.sqlite_values import (
    POSITIONAL,
    Positional,
    approval_row,
    execute_rows,
    many,
    row_values,
    state_values,
)
from goalrail.store.sql.statements import SESSION_FIELDS, for_dialect
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
    for table in ("sessions", "history", "audit", "grants", "usage_days", "session_state", "policy_state", "approvals"):
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


def _approval(status: str, resolved: bool) -> ApprovalRecord:
    return ApprovalRecord(
        id="apr_1",
        session_id="s1",
        status=status,
        digest="d" * 64,
        event_type="tool_call",
        target="web_fetch",
        preview='{\n  "x": 1\n}',
        reason="risk",
        policies=["risk", "tools"],
        held={"session_updates": [{"key": "k", "action": "set", "value": float("nan")}], "labels": {}},
        created_at=1.5,
        expires_at=3601.5,
        owner="alice",
        resolved_at=9.25 if resolved else None,
        resolved_by="bob" if resolved else None,
        scope="session" if resolved else None,
        grant_keys=["g"],
        decision={"result": "ASK", "decisions": [{"policy": "risk", "duration_us": 7.5, "reason": None}], "n": 2**70},
    )


def test_state_and_approval_rows_are_the_named_rows(tmp_path: Any) -> None:
    named, positional = _database(str(tmp_path / "a.db")), _database(str(tmp_path / "b.db"))
    sql = for_dialect("sqlite")
    rounds = [
        [{"key": "n", "action": "increment", "value": 1}, {"key": "calls", "action": "append", "value": 1.5}],
        [{"key": "calls", "action": "append", "value": 2.5}, {"key": "gone", "action": "set", "value": {"a": [1]}}],
        [{"key": "gone", "action": "delete"}, {"key": "calls", "action": "append", "value": "é"}],
    ]
    known_a: dict[str, Any] = {}
    known_b: dict[str, Any] = {}
    known_c: dict[str, Any] = {}
    known_d: dict[str, Any] = {}
    texts_b: dict[str, str] = {}
    texts_d: dict[str, str] = {}
    for updates in rounds:
        for name, params in state_writes("session_state", {"sid": "s1"}, copy.deepcopy(updates), known_a):
            named.executemany(sql[name], params)
        for name, params in state_writes("policy_state", {"sid": "s1", "ns": "p"}, copy.deepcopy(updates), known_c):
            named.executemany(sql[name], params)
        out: list[Positional] = []
        state_values("session_state", ("s1",), copy.deepcopy(updates), known_b, texts_b, out)  # type: ignore[arg-type]
        state_values("policy_state", ("s1", "p"), copy.deepcopy(updates), known_d, texts_d, out)  # type: ignore[arg-type]
        for name, value_row in out:
            positional.execute(POSITIONAL[name], value_row)
        assert _tables(named) == _tables(positional)
    assert known_a == known_b == known_c == known_d
    named.execute(sql["approval.put"], approval_params(_approval("pending", False)))
    positional.execute(POSITIONAL["approval.put"], approval_row(_approval("pending", False)))
    assert _tables(named) == _tables(positional)
    named.execute(sql["approval.resolve"], approval_params(_approval("approved", True)))
    positional.execute(POSITIONAL["approval.resolve"], approval_row(_approval("approved", True), resolve=True))
    written = _tables(named)
    assert written == _tables(positional)
    assert len(written["approvals"]) == 1 and len(written["session_state"]) == 2 and len(written["policy_state"]) == 2


@pytest.mark.parametrize("count", [1, 3, 4, 5, 16, 21, 37])
def test_rows_in_chunks_are_the_rows_one_by_one(tmp_path: Any, count: int) -> None:
    """``execute_rows`` (several rows per ``INSERT``) writes what one statement per row
    writes, in the same order (the audit's rowids too), upserts of existing keys included."""
    one, chunked = _database(str(tmp_path / "a.db")), _database(str(tmp_path / "b.db"))
    approval = approval_row(_approval("pending", False))
    for r in range(3):
        batch: dict[str, list[tuple[object, ...]]] = {
            "history.put": [(f"t{k}", (r + k) % 2, r, f'{{"r": {r}, "é": "{k}"}}') for k in range(count)],
            "session_state.put": [(f"t{k}", f"k{(r * k) % 3}", str(r * 1.5)) for k in range(count)],
            "policy_state.put": [(f"t{k}", "ns", f"k{r % 2}", "[1, 2.5]" if k % 2 else "null") for k in range(count)],
            "audit.put": [
                (r * count + k + 1, 1.25, "decision", f"t{k}" if k % 3 else None, "{}", "p", f"h{k}")
                for k in range(count)
            ],
            "approval.put": [(f"apr_{r}_{k}", *approval[1:]) for k in range(count)],
            "session_state.del": [(f"t{k}", "k1") for k in range(0, count, 2)],
        }
        for name, values in batch.items():
            one.executemany(POSITIONAL[name], values)
            execute_rows(chunked, name, values)
        assert _tables(one) == _tables(chunked)
    query = "SELECT rowid, * FROM audit ORDER BY rowid"
    assert one.execute(query).fetchall() == chunked.execute(query).fetchall()
    assert len(_tables(one)["audit"]) == 3 * count


def test_chunk_statements_are_the_one_row_statement_repeated() -> None:
    assert many("audit.put", 1) == POSITIONAL["audit.put"]
    text = many("history.put", 4)
    assert text.count("(?, ?, ?, ?)") == 4 and text.endswith(POSITIONAL["history.put"].split("(?, ?, ?, ?)")[1])
