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

import fcntl
import os


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
