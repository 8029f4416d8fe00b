"""Two processes opening the same new SQLite file at once: switching a database
to WAL needs an exclusive lock, and SQLite refuses the switch at once (without
the busy handler) while another connection holds a write lock on a database
not yet in WAL mode.  Opening must wait for that lock instead of failing."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from goalrail.store import open_store
from goalrail.store.sql.engine import create_engine, enable_wal, normalize_url


def _hold_write_lock(path: Path, seconds: float) -> threading.Thread:
    """Another connection (rollback journal, like a file another process is
    still creating) takes the write lock and keeps it for ``seconds``."""
    taken = threading.Event()

    def hold() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("CREATE TABLE IF NOT EXISTS other (x)")
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO other VALUES (1)")
            taken.set()
            time.sleep(seconds)
            other.execute("COMMIT")
        finally:
            other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(5)
    return thread


def test_the_switch_to_wal_is_refused_at_once_while_another_connection_writes(tmp_path: Path) -> None:
    # What the retry is for: the busy handler does not apply to this refusal.
    path = tmp_path / "g.db"
    thread = _hold_write_lock(path, 0.5)
    raw = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            raw.execute("PRAGMA journal_mode=WAL")
        assert time.monotonic() - started < 0.4
    finally:
        raw.close()
        thread.join()


def test_enable_wal_waits_for_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    thread = _hold_write_lock(path, 0.3)
    raw = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        enable_wal(raw.cursor())
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()
        thread.join()


def test_enable_wal_gives_up_after_its_timeout(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    thread = _hold_write_lock(path, 1.0)
    raw = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            enable_wal(raw.cursor(), timeout_ms=200)
        assert 0.2 <= time.monotonic() - started < 0.9
    finally:
        raw.close()
        thread.join()


def test_a_new_connection_waits_for_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    engine = create_engine(normalize_url(f"sqlite:///{path}"))
    assert isinstance(engine, Engine)
    thread = _hold_write_lock(path, 0.3)
    try:
        started = time.monotonic()
        with engine.connect() as conn:
            assert time.monotonic() - started >= 0.25
            raw = conn.connection.dbapi_connection
            assert raw is not None
            assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == 0  # reads never wait (runner.py)
    finally:
        thread.join()
        engine.dispose()


async def test_open_store_waits_while_another_process_creates_the_file(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    thread = _hold_write_lock(path, 0.3)
    try:
        store = await open_store(f"sqlite:///{path}")
        try:
            info = await store.ensure_session("s1", owner="alice")
            assert info.owner == "alice"
        finally:
            await store.close()
    finally:
        thread.join()
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert check.execute("SELECT x FROM other").fetchall() == [(1,)]
    check.close()
