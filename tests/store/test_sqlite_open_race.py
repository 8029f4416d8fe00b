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


class _Holder:
    """Another connection (rollback journal, like a file another process is still creating)
    holding the write lock until ``let_go()`` or ``seconds`` have passed; ``letting_go`` is set
    just before it lets go, so a wait that returns before it is set did not wait for the lock."""

    def __init__(self, path: Path, seconds: float) -> None:
        self.path, self.seconds = path, seconds
        self.taken, self.letting_go, self._go = threading.Event(), threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)
        self.thread.start()
        assert self.taken.wait(60)

    def _hold(self) -> None:
        other = sqlite3.connect(self.path, isolation_level=None)
        try:
            other.execute("CREATE TABLE IF NOT EXISTS other (x)")
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO other VALUES (1)")
            self.taken.set()
            self._go.wait(self.seconds)
            self.letting_go.set()
            other.execute("COMMIT")
        finally:
            other.close()

    def let_go(self) -> None:
        self._go.set()

    def join(self) -> None:
        self.let_go()
        self.thread.join()


def _hold_write_lock(path: Path, seconds: float) -> _Holder:
    return _Holder(path, seconds)


def test_the_switch_to_wal_is_refused_at_once_while_another_connection_writes(tmp_path: Path) -> None:
    # What the retry is for: the busy handler does not apply to this refusal.
    path = tmp_path / "g.db"
    thread = _hold_write_lock(path, 60)  # held until the test lets go
    raw = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            raw.execute("PRAGMA journal_mode=WAL")
        # refused while the lock was held (was: within 0.4 s of wall clock, the lock held 0.5 s:
        # a loaded machine could reach the switch after the holder let go, and it succeeded)
        assert not thread.letting_go.is_set()
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
    thread = _hold_write_lock(path, 60)  # held until the test lets go: it gives up on its own
    raw = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            enable_wal(raw.cursor(), timeout_ms=200)
        assert time.monotonic() - started >= 0.2  # it did wait its timeout
        assert not thread.letting_go.is_set()  # and gave up while the lock was still held
    finally:
        raw.close()
        thread.join()


def test_a_new_connection_waits_for_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    engine = create_engine(normalize_url(f"sqlite:///{path}"))
    assert isinstance(engine, Engine)
    thread = _hold_write_lock(path, 0.3)
    try:
        with engine.connect() as conn:
            # it waited for the lock (was: >= 0.25 s after a hold of 0.3 s that had begun before)
            assert thread.letting_go.is_set()
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
