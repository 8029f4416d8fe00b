"""Writers of two stores on one SQLite file (as two processes) queue on the lock
file next to it (``store/sql/writer_lock.py``): the waiter starts as soon as the
holder commits, not at the next wake-up of SQLite's busy handler; a writer that
takes no lock file is still waited for, and a store that dies releases it."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import time

from sqlalchemy import Connection

from goalrail.store import open_store
from goalrail.store.sql.sqlite_store import SqliteStore
from goalrail.store.sql.writer_lock import WriterLock

# SQLite's busy handler sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50 ms…: it tries again 128 and 178 ms after
# its first try. The holder lets go ~135 ms after the waiter's first try, so the busy handler would start
# the waiter ~43 ms late; the lock file's waiter must start well within that on a loaded machine.
HOLD_S = 0.137
LATE_LIMIT_S = 0.015


def _touch(conn: Connection) -> None:
    conn.exec_driver_sql(
        "INSERT INTO agents (name, yaml, updated_at) VALUES ('a', '', 0) "
        "ON CONFLICT (name) DO UPDATE SET updated_at = updated_at + 1"
    )


async def test_a_waiting_writer_starts_when_the_holder_commits(sqlite_url: str) -> None:
    first, second = await open_store(sqlite_url), await open_store(sqlite_url)
    assert isinstance(first, SqliteStore) and isinstance(second, SqliteStore)
    try:
        late = []
        for _ in range(9):  # (the median of nine: a loaded machine can stall a few wake-ups)
            released = 0.0

            async def hold() -> None:
                nonlocal released
                async with first.runner.hold() as held:
                    await held.run(_touch)
                    await asyncio.sleep(HOLD_S)
                released = time.perf_counter()

            holder = asyncio.ensure_future(hold())
            await asyncio.sleep(0.002)  # the holder has the lock
            await second.runner.write(_touch)
            late.append(time.perf_counter() - released)
            await holder
        assert statistics.median(late) < LATE_LIMIT_S, late
    finally:
        await first.close()
        await second.close()


async def test_a_writer_without_the_lock_file_is_still_waited_for(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO agents (name, yaml, updated_at) VALUES ('a', 'mine', 0)")
        writing = asyncio.ensure_future(store.put_agent("a", "theirs"))
        await asyncio.sleep(0.1)
        assert not writing.done()  # waits for SQLite's lock though the lock file is free
        other.execute("COMMIT")
        await writing
        assert await store.list_agents() == [("a", "theirs")]
    finally:
        other.close()
        await store.close()


def test_a_killed_holder_releases_the_lock_file(tmp_path: object) -> None:
    path = f"{tmp_path}/goalrail.db"
    code = (
        "import sys, fcntl, os; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
        "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()"
    )
    lock = WriterLock(path)
    proc = subprocess.Popen([sys.executable, "-c", code, lock.path], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"held"
        assert not lock.try_acquire()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        lock.acquire()  # at once: the kernel released the dead process's lock
        lock.release()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
        lock.close()
