"""An ASK's count of its session's waiting approvals, and a ``tool_result``'s look for its
call's, cost the same with 8 or 60 approvals waiting (issue 13): the memory store's sessions
and SQLite's cached entries keep the earliest expiry and the digests pending
(``store.waiting``), so neither goes through the approvals until one may have expired.
The count stays exact: ``Waiting`` against a plain list, on random steps."""

from __future__ import annotations

import gc
import random
import sys
import time
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any

import pytest

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.asks import MAX_PENDING
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.waiting import Waiting

ASK_RM = PolicySpec(name="ask", handler="store_policies.ask_for_rm", params={}, kind="factory")


def rm(path: str) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"rm -rf {path}"}}}


async def lines_run(call: Callable[[], Awaitable[object]]) -> int:
    """Python lines executed by ``call`` (every frame it runs), by ``sys.settrace``.

    The collector is held off while it runs: a collection falling inside would count the
    lines of finalizers and ``gc.callbacks`` of objects ``call`` never touched."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    gc.collect()
    gc.disable()
    sys.settrace(tracer)
    try:
        await call()
    finally:
        sys.settrace(None)
        gc.enable()
    return count


async def cost_with(url: str, waiting: int) -> tuple[int, int, int]:
    """Lines run by a count and by a tool_result's look-up in a session of ``waiting`` approvals."""
    store = await open_store(url)
    try:
        rt = Runtime(store, registry=Registry.load(), server_specs=[ASK_RM])
        sid = f"s{waiting}"  # (one file for both sizes: a session each)
        for i in range(waiting):
            assert (await rt.evaluate(sid, rm(f"d{i}"), owner="alice")).result == "ASK"
        now = time.time()
        async with store.transaction(sid, optimistic=True) as tx:  # (SQLite: the cached entry's)
            assert await tx.waiting_approvals(sid, now, MAX_PENDING) == waiting
            counted = await lines_run(lambda: tx.waiting_approvals(sid, now, MAX_PENDING))
            looked = await lines_run(lambda: tx.answerable_approvals(sid, "not-a-pending-digest", now))
            capped = await lines_run(lambda: tx.waiting_approvals(sid, now, 4))
        return counted, looked, capped
    finally:
        await store.close()


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
async def test_the_count_and_the_lookup_are_flat_in_the_approvals_waiting(backend: str, sqlite_url: str) -> None:
    url = "memory://" if backend == "memory" else sqlite_url
    assert await cost_with(url, 8) == await cost_with(url, 60)


def test_waiting_counts_as_a_list_would() -> None:
    rng = random.Random(13)
    for _ in range(200):
        kept: dict[str, tuple[float, str]] = {}
        waiting = Waiting()
        now = 0.0
        for step in range(60):
            roll = rng.random()
            if roll < 0.45:
                approval_id = f"a{rng.randrange(30)}"
                expires_at, digest = now + rng.uniform(-1, 20), f"d{rng.randrange(4)}"
                kept.pop(approval_id, None)  # (added again: at the end, with its new expiry)
                kept[approval_id] = (expires_at, digest)
                waiting.add(approval_id, expires_at, digest)
            elif roll < 0.6 and kept:
                approval_id = rng.choice(sorted(kept))
                del kept[approval_id]
                waiting.remove(approval_id)
            elif roll < 0.8:
                now += rng.uniform(0, 4)
            else:
                limit = rng.randrange(1, 8)
                live = [i for i, (at, _) in kept.items() if now < at]
                assert waiting.count(now, limit) == min(len(live), limit), step
                kept = {i: kept[i] for i in live}  # (the expired leave)
                assert list(waiting) == list(kept)
            digest = f"d{rng.randrange(5)}"
            expected = any(d == digest and now < at for at, d in kept.values())
            assert waiting.may_answer(digest, now) is expected
            assert len(waiting) == len(kept)
