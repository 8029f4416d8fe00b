"""Checkpoints of a SQLite store's WAL, on a thread of their own.

Automatic checkpoints are off on the store's connections (``wal_autocheckpoint=0``):
a checkpoint fsyncs the WAL and the database file (25-80 ms under load here), and
one run by SQLite at ``COMMIT`` would stall the event loop.  Every
``Checkpoints.EVERY`` commits, a PASSIVE checkpoint copies the WAL into the
database file while writers go on.  It runs on its own thread, not the store's
worker thread: a writer waiting there for another process's lock file would
otherwise wait for the whole checkpoint as well (with two processes on one file
those waits are frequent, and each one that fell behind a checkpoint held up a
whole batch of decisions).

SQLite starts the WAL again from its beginning only when a writer begins after a
checkpoint that copied every frame, and one running while writers append never
does: under steady writes the WAL grew ~6 kB a decision, without bound.  So once
the WAL is ``RESTART_FRAMES`` frames long, one checkpoint holds the writer (the
store's own and the lock file) and copies what the PASSIVE ones left; the next
writer restarts the WAL.  Every writer of every process waits for that one, and
its time goes with the pages it copies (random writes, then an fsync: ~50 µs a
frame here), so it should find few: PASSIVE checkpoints run one after the other
first, each copying what was committed during the one before, so each is shorter
than the one before, until one saw at most ``TAIL`` frames come, or one saw more
than half as many come as the one before (or ``PASSES`` of them ran).  Under
steady decisions a pass's length is mostly its two fsyncs, not the frames it
copies: from the second one on, each saw about as many frames come as the one
before (+235, +127, +124, +210, +126, +122, +118, +198 on the driver of
``bench/collector_objects.py``), so the passes after it only added fsyncs (I/O
and CPU beside the event loop's) and left the hold as many frames.  The hold
then takes 2.5-8 ms instead of 11-24 ms after a single PASSIVE one.  It runs once
per ``RESTART_FRAMES`` frames, not at every round: the WAL stays under about
``RESTART_FRAMES`` plus what one round lets through.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import cast

from sqlalchemy import Engine

from goalrail.store.sql import engine
from goalrail.store.sql.statements import dbapi
from goalrail.store.sql.writer_lock import WriterLock

log = logging.getLogger("goalrail.store")


class Checkpoints:
    EVERY = 256  # commits between two checkpoints
    TAIL = 64  # WAL frames (pages) committed during the last PASSIVE checkpoint before the one holding the writer
    PASSES = 8  # PASSIVE checkpoints at most, one after the other, to get there
    RESTART_FRAMES = 16384  # a WAL this long (64 MiB of 4 KiB pages) is started again from its beginning

    def __init__(self, engine: Engine, lock: WriterLock, writer: asyncio.Lock) -> None:
        self.engine, self._lock, self._writer = engine, lock, writer
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="goalrail-sqlite-checkpoint")
        self._commits = 0
        self.task: asyncio.Future[None] | None = None  # the latest round (``_round``)
        self.rounds = self.restarts = 0  # rounds run, and those that held the writer to restart the WAL

    def committed(self) -> None:
        """After each commit of the store: a round every ``EVERY`` of them (one at a time)."""
        self._commits += 1
        if self._commits % self.EVERY == 0 and (self.task is None or self.task.done()):
            self.task = asyncio.ensure_future(self._round())

    async def _round(self) -> None:
        loop = asyncio.get_running_loop()
        self.rounds += 1
        frames, _ = await loop.run_in_executor(self._thread, self.run, "PASSIVE")
        if frames < self.RESTART_FRAMES:
            return
        growth = 0  # frames committed during the pass before
        for _ in range(self.PASSES):  # each one shorter than the one before, as it copies what came during it
            before = frames
            frames, left = await loop.run_in_executor(self._thread, self.run, "PASSIVE")
            if frames < before or (left <= self.TAIL and frames - before <= self.TAIL):
                break
            if growth and (frames - before) * 2 > growth:  # no longer shrinking: its fsyncs set its length
                break
            growth = frames - before
        if frames < self.RESTART_FRAMES:  # (another process restarted it meanwhile)
            return
        self.restarts += 1
        async with self._writer:  # (writers wait; not for ever, for a lock file held for good)
            holding = loop.run_in_executor(self._thread, self._holding)
            done, _ = await asyncio.wait([holding], timeout=engine.BUSY_TIMEOUT_MS / 1000)
        if not done:
            log.warning("sqlite checkpoint: the writer lock file stayed taken; the WAL restarts after a later one")

    def _holding(self) -> None:
        try:
            self._lock.acquire()
        except OSError:  # (as a failed checkpoint: the WAL restarts after a later one)
            log.warning("sqlite checkpoint skipped: the writer lock file failed", exc_info=True)
            return
        try:
            self.run("PASSIVE")
        finally:
            self._lock.release()

    def run(self, mode: str) -> tuple[int, int]:
        """One checkpoint: the WAL's length in frames and the frames it left uncopied
        ((0, 0) when it failed)."""
        try:
            with self.engine.connect() as conn:
                found = cast(sqlite3.Connection, dbapi(conn)).execute(f"PRAGMA wal_checkpoint({mode})").fetchall()
        except Exception:  # a skipped checkpoint only lets the WAL grow until the next one
            log.warning("sqlite checkpoint failed", exc_info=True)
            return 0, 0
        _, frames, copied = found[0]
        return max(0, int(frames)), max(0, int(frames) - int(copied))

    async def wait(self) -> None:
        """Until the round under way (if any) is over."""
        if self.task is not None:
            await asyncio.wait([self.task])

    async def close(self) -> None:
        """A last checkpoint that empties the WAL (once the store's other connections are closed)."""
        await self.wait()
        await asyncio.get_running_loop().run_in_executor(self._thread, self.run, "TRUNCATE")
        self._thread.shutdown(wait=True)
