"""A writer on a busy loop that finds another process's lock file taken (``writer_lock.LockPoll``)
takes it at the loop's next turn after the holder lets go, not three turns and a wait for
the GIL later (the worker thread's wait, then the executor's future, ``wait_for`` and the
task); an idle loop, which hears of the thread's wait within microseconds, waits on the
thread as before."""

from __future__ import annotations

import asyncio
import threading
import time

from sqlalchemy import Connection

from goalrail.store import open_store
from goalrail.store.sql.runner import sqlite_conn
from goalrail.store.sql.sqlite_store import SqliteStore
from goalrail.store.sql.writer_lock import WriterLock


def _bump(conn: Connection) -> None:
    sqlite_conn(conn).execute("UPDATE meta SET value = value WHERE key = 'write_gen'")


class _Turns:
    """Counts the loop's turns: a task that yields once a turn."""

    def __init__(self) -> None:
        self.n = 0
        self.stop = False

    async def run(self) -> None:
        while not self.stop:
            self.n += 1
            await asyncio.sleep(0)


async def test_a_writer_on_a_busy_loop_takes_the_freed_lock_file_at_the_next_turn(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    other = WriterLock(sqlite_url.removeprefix("sqlite:///"))  # another process's store
    turns, busy = _Turns(), [True]

    async def work() -> None:  # other requests: Python for 3 ms a turn each
        while busy[0]:
            end = time.perf_counter() + 0.003
            while time.perf_counter() < end:
                pass
            await asyncio.sleep(0)

    workers = [asyncio.ensure_future(work()) for _ in range(3)]
    counter = asyncio.ensure_future(turns.run())
    late: list[int] = []
    released: list[int] = []

    def release() -> None:
        released.append(turns.n)
        other.release()

    try:
        for _ in range(5):
            other.acquire()
            released.clear()
            timer = threading.Timer(0.03, release)  # (within BUSY_TURNS turns of 9 ms)
            timer.start()
            async with store.runner.hold() as held:
                await held.run(_bump)
                late.append(turns.n - released[0])
            timer.join()
    finally:
        busy[0] = False
        turns.stop = True
        await asyncio.gather(*workers, counter)
        other.close()
        await store.close()
    # The release falls within a turn; the writer looks at the next one (two: the turn under
    # way, then the one it takes the file in).  Waiting on the thread took 3 turns or more, in
    # every round.  (The median: a loaded machine can run the 30 ms timer's thread so late
    # that the writer has stopped looking — a round of that is the stall, not the writer.)
    assert sorted(late)[len(late) // 2] <= 2, late


async def test_an_idle_loop_waits_on_the_thread(sqlite_url: str) -> None:
    """Control: an idle loop does not look again and again while another store holds the
    lock file: after one look at its next turn the worker thread waits, and the writer
    starts soon after the holder lets go (as on main)."""
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    other = WriterLock(sqlite_url.removeprefix("sqlite:///"))
    tries = [0]
    try_acquire = store.runner._lock.try_acquire

    def counted() -> bool:
        tries[0] += 1
        return try_acquire()

    store.runner._lock.try_acquire = counted  # type: ignore[method-assign]
    released = [0.0]

    def release() -> None:
        released[0] = time.perf_counter()
        other.release()

    try:
        for hold_s in (0.02, 0.3):
            lates = []
            for _ in range(3):
                tries[0] = 0
                other.acquire()
                timer = threading.Timer(hold_s, release)
                timer.start()
                async with store.runner.hold() as held:
                    await held.run(_bump)
                    lates.append(time.perf_counter() - released[0])
                timer.join()
                # (once, if a loaded machine ran the timer before the writer's first look)
                assert 1 <= tries[0] <= 4, (hold_s, tries[0])
            # the best of three rounds: a loaded machine can stall one wake-up past 50 ms; a
            # writer polling on a timer instead of waiting on the lock is late in every round
            assert min(lates) < 0.05, (hold_s, lates)
    finally:
        other.close()
        await store.close()
