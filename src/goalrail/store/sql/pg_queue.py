"""Reads asked for while one is in flight, made together by the next one (PostgreSQL).

The decision reads (``pg_reads.Reader``), the session lookups (``pg_sessions.SessionReads``)
and the approvals counted waiting (``pg_reads.Reader.waiting``) each run as one statement
for every read queued meanwhile, on a kept connection of the decision reads: a burst of
sessions pays one round trip, not one each.  A statement that fails for several reads is
made again for each alone, so only the read that cannot be made fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Queued(Generic[K, V]):
    """``get(key)``: ``run``'s answer for ``key``, ``run`` called with the keys queued while
    the one before was in flight (at most ``limit`` at once), answering them in order."""

    def __init__(self, run: Callable[[list[K]], Awaitable[Sequence[V]]], limit: int = 64) -> None:
        self.run = run
        self.limit = limit
        self._queue: list[tuple[K, asyncio.Future[V]]] = []
        self._task: asyncio.Task[None] | None = None

    async def get(self, key: K) -> V:
        done: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._queue.append((key, done))
        if self._task is None:
            self._task = asyncio.create_task(self._drain())
        return await done

    async def close(self) -> None:
        """Wait for the reads in flight (and those queued)."""
        if self._task is not None:
            await asyncio.wait([self._task])

    async def _drain(self) -> None:
        items: list[tuple[K, asyncio.Future[V]]] = []
        try:
            while self._queue:
                items, self._queue = self._queue[: self.limit], self._queue[self.limit :]
                await self._read(items)
        finally:
            self._task = None
            for _, done in items + self._queue:  # cancelled: the reads are not answered
                if not done.done():
                    done.cancel()
            self._queue = []

    async def _read(self, items: list[tuple[K, asyncio.Future[V]]]) -> None:
        try:
            found = await self.run([key for key, _ in items])
        except Exception as exc:
            if len(items) > 1:  # one at a time: only the read that cannot be made fails
                for item in items:
                    await self._read([item])
                return
            if not items[0][1].done():
                items[0][1].set_exception(exc)
            return
        for (_, done), value in zip(items, found, strict=True):
            if not done.done():
                done.set_result(value)
