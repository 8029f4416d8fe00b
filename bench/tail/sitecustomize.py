"""Where a ``goalrail server``'s slow requests wait, for ``http_api.py --tail`` (bench only).

Loaded by Python's ``site`` when this folder is on a server's ``PYTHONPATH`` and
``GOALRAIL_BENCH_TAIL`` names a file prefix.  Once ``goalrail.server.app`` is first
imported it records, each with its wall-clock time (``time.time()``) and duration:

* ``gc<N>``: every collection of generation N (``gc.callbacks``), the pause it made;
* ``lag``: the event loop's lateness — a task sleeps 5 ms again and again, and how much
  later than asked it wakes is how long the loop was busy with other work (uvloop's
  callbacks cannot be timed one by one);
* ``flush``: each SQLite group-commit batch (its decisions in ``n``), held writer included;
* ``write``: each ``SqliteRunner.write`` (a transaction of its own: session creations,
  administration), from asking for the writer to its commit, and ``write_wait`` the part
  spent waiting for the store's writer (the asyncio lock the batches also hold);
* ``batch_statements``, ``commit``, ``begin``: a batch's statements (``write_batch``), any held
  transaction's ``COMMIT`` (with the write generation's bump), and ``BEGIN IMMEDIATE`` with the
  writer lock file (a wait for another holder of the file included), all on the loop;
* ``create``: a new session's row created (``NewSessions.create``: queued, written, answered);
* ``checkpoint_<MODE>``: each WAL checkpoint (on its own thread), ``checkpoint_hold``
  one that held the writer to restart the WAL;
* ``lock_wait``, ``lock_poll``, ``begin_busy``, ``look``: waits for another process's writer
  lock file on the worker thread, the loop's looks at it, ``BEGIN IMMEDIATE`` refused busy,
  and reads of the change log (``_wrap_counts``).

With ``--workers N`` the bench signals each worker, which write a file each.

On SIGUSR1 (the bench sends it after its measured run) they are written as JSON to
``<prefix>.<pid>.json``; the bench keeps those inside its measured window.
"""

from __future__ import annotations

import asyncio
import gc
import importlib.abc
import json
import os
import signal
import sys
import time
from typing import Any

_OUT = os.environ.get("GOALRAIL_BENCH_TAIL")
_EVENTS: list[tuple[str, float, float, int]] = []  # (kind, wall-clock start, seconds, size)
_GC_START = [0.0]
_LAG_LOOP: list[Any] = [None, None]  # the loop the lag task runs on (the server's, not the preflight's), the task


def _gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _GC_START[0] = time.perf_counter()
    else:
        took = time.perf_counter() - _GC_START[0]
        _EVENTS.append((f"gc{info['generation']}", time.time() - took, took, int(info.get("collected", 0))))


async def _lag() -> None:
    step = 0.005
    while True:
        t0 = time.perf_counter()
        await asyncio.sleep(step)
        late = time.perf_counter() - t0 - step
        _EVENTS.append(("lag", time.time() - late, max(0.0, late), 0))


def _start_lag() -> None:
    loop = asyncio.get_running_loop()
    if _LAG_LOOP[0] is not loop:
        _LAG_LOOP[:] = [loop, loop.create_task(_lag())]


def _timed_async(cls: Any, name: str, kind: str, size: Any = None) -> None:
    inner = getattr(cls, name)

    async def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        _start_lag()
        wall, t0 = time.time(), time.perf_counter()
        try:
            return await inner(self, *args, **kwargs)
        finally:
            _EVENTS.append((kind, wall, time.perf_counter() - t0, size(args) if size else 0))

    setattr(cls, name, timed)


def _timed_sync(cls: Any, name: str, kind: Any) -> None:
    inner = getattr(cls, name)

    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        wall, t0 = time.time(), time.perf_counter()
        try:
            return inner(self, *args, **kwargs)
        finally:
            _EVENTS.append((kind(args), wall, time.perf_counter() - t0, 0))

    setattr(cls, name, timed)


def _wrap_writer_wait() -> None:
    """``write_wait``: the time ``SqliteRunner.write`` and ``hold`` wait for the store's writer lock."""
    from goalrail.store.sql import runner

    init = runner.SqliteRunner.__init__

    def counted(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        lock = self._writer
        acquire = lock.acquire

        async def timed_acquire() -> bool:
            wall, t0 = time.time(), time.perf_counter()
            out = await acquire()
            _EVENTS.append(("writer_wait", wall, time.perf_counter() - t0, 0))
            return out

        lock.acquire = timed_acquire

    runner.SqliteRunner.__init__ = counted  # type: ignore[method-assign]


def _wrap_counts() -> None:
    """``lock_wait``: each wait for another process's writer lock file (``WriterLock.wait_free``,
    on the store's worker thread), until it was free; ``begin_busy``: a ``BEGIN IMMEDIATE`` that
    found SQLite's lock taken though the lock file was not; ``look``: each read of the change log
    (another connection committed since the last one), its rows in ``size``; ``lock_poll``: each
    time the loop found it taken again (``writer_lock.LockPoll``; ``size`` 1: it looks again at the
    next turn, 0: the worker thread waits)."""
    from goalrail.store.sql import runner, sqlite_cache, writer_lock

    _timed_sync(writer_lock.WriterLock, "wait_free", lambda args: "lock_wait")
    begin = runner.SqliteRunner._begin_on_loop

    def counted_begin(self: Any) -> Any:
        wall, t0 = time.time(), time.perf_counter()
        try:
            return begin(self)
        except Exception as exc:
            if runner._is_busy(exc):
                _EVENTS.append(("begin_busy", wall, time.perf_counter() - t0, 0))
            raise

    runner.SqliteRunner._begin_on_loop = counted_begin  # type: ignore[method-assign]
    poll = getattr(writer_lock, "LockPoll", None)  # (trees before it: no looks)
    if poll is not None:
        next_turn = poll.next_turn

        def counted_turn(self: Any, now: float) -> bool:
            out = bool(next_turn(self, now))
            _EVENTS.append(("lock_poll", time.time(), 0.0, int(out)))
            return out

        poll.next_turn = counted_turn
    read_since = sqlite_cache.read_since

    def counted_read(conn: Any, seen: int) -> Any:
        wall, t0 = time.time(), time.perf_counter()
        gen, rows = read_since(conn, seen)
        _EVENTS.append(("look", wall, time.perf_counter() - t0, len(rows)))
        return gen, rows

    sqlite_cache.read_since = counted_read  # type: ignore[assignment]


def _install() -> None:
    from goalrail.store.sql import new_sessions, runner, sqlite_checkpoint, sqlite_commit

    gc.callbacks.append(_gc)
    _timed_async(sqlite_commit.GroupCommit, "_flush", "flush", lambda args: len(args[0]))
    _timed_async(runner.SqliteRunner, "write", "write")
    _timed_async(new_sessions.NewSessions, "create", "create")
    _timed_sync(sqlite_checkpoint.Checkpoints, "run", lambda args: f"checkpoint_{args[0]}")
    _timed_sync(sqlite_checkpoint.Checkpoints, "_holding", lambda args: "checkpoint_hold")
    _timed_async(runner.SqliteRunner, "begin_immediate", "begin")
    _timed_sync(runner._SqliteHeld, "finish", lambda args: "commit")
    write_batch = sqlite_commit.write_batch

    def timed_batch(*args: Any, **kwargs: Any) -> Any:
        wall, t0 = time.time(), time.perf_counter()
        try:
            return write_batch(*args, **kwargs)
        finally:
            _EVENTS.append(("batch_statements", wall, time.perf_counter() - t0, len(args[1])))

    sqlite_commit.write_batch = timed_batch  # type: ignore[assignment]
    _wrap_writer_wait()
    _wrap_counts()

    def dump(signum: int, frame: Any) -> None:
        path = f"{_OUT}.{os.getpid()}.json"
        with open(path + ".tmp", "w") as f:
            json.dump(list(_EVENTS), f)
        os.replace(path + ".tmp", path)

    signal.signal(signal.SIGUSR1, dump)


class _OnServer(importlib.abc.MetaPathFinder):
    """Installs the recorders when ``goalrail.server.app`` is first imported."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> None:
        if name == "goalrail.server.app":
            sys.meta_path.remove(self)
            _install()


if _OUT:
    sys.meta_path.insert(0, _OnServer())
