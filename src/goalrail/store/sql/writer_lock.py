"""A lock file next to a SQLite database that its writers queue on.

SQLite's own lock has no queue: a process that finds the write lock taken
sleeps in its busy handler (1, 2, 5, 10, 15, 20, 25, 50, 100 ms…) and tries
again, so with two processes writing all the time a waiter misses the moment
the lock is free and sleeps tens of milliseconds for a transaction of one.
Every SQLite store therefore takes ``flock(LOCK_EX)`` on ``<database>-writer.lock``
around each writing transaction (before ``BEGIN IMMEDIATE``, released after
``COMMIT`` or ``ROLLBACK``): a waiter blocks in the kernel, which wakes it as
soon as the holder releases.  SQLite's lock stays authoritative: a writer that
does not take this lock (another program, a sqlite3 shell) is still waited
for by the busy handler.  The kernel releases the lock of a process that dies.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import Awaitable, Callable


class WriterLock:
    """One open file description per store (``flock`` locks belong to it, so two
    stores in one process exclude each other as two processes do)."""

    def __init__(self, database: str) -> None:
        self.path = f"{database}-writer.lock"
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)

    def try_acquire(self) -> bool:
        """Take the lock if it is free (the event loop's first try)."""
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def acquire(self) -> None:
        """Wait for the lock (on the store's worker thread)."""
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def wait_free(self) -> None:
        """Wait until the holder releases the lock, and leave it free (the caller
        then tries to take it where it will use it)."""
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._fd)


class LockPoll:
    """How a writer on the loop waits for the lock file another store holds (for a batch:
    about a millisecond).  A wait on the worker thread wakes when the file is free, but the
    loop learns it three turns later (the executor's future, ``wait_for``, the task), and
    the thread first waits for the GIL: on an idle loop that is microseconds, on a busy one
    (other requests being served, a turn of several milliseconds) about 6 ms a wait against
    the holder's half millisecond (``bench/README.md``, twenty-first sitting).  So the loop looks
    again at its next turn; while its turns take ``BUSY_S`` or more it keeps looking once a
    turn (one ``flock`` each), ``BUSY_TURNS`` times at most.  A short turn (nothing else to
    do) or a holder that keeps the file longer (a checkpoint restarting the WAL, a holder the
    kernel does not run, a hung one) is waited for on the worker thread, with no CPU."""

    BUSY_S = 0.0005
    BUSY_TURNS = 8

    __slots__ = ("last", "turns")

    def __init__(self) -> None:
        self.turns = 0
        self.last: float | None = None  # when the last look at the next turn began

    async def wait(self, now: float, on_thread: Callable[[], Awaitable[object]]) -> None:
        """Until the file may be free: the loop's next turn, or ``on_thread`` (the worker thread's wait)."""
        if self.next_turn(now):
            await asyncio.sleep(0)
            return
        await on_thread()
        self.turns, self.last = 0, None

    def next_turn(self, now: float) -> bool:
        """Look again at the loop's next turn (else: wait on the worker thread)?"""
        last, self.last = self.last, now
        self.turns += 1
        return self.turns <= self.BUSY_TURNS and (last is None or now - last >= self.BUSY_S)
