"""An approval's id sorts by the time it was asked (``engine.approvals.approval_id``).

A store's primary key then takes each new approval at its right edge (one page per
group commit) instead of a random page per ASK; the id keeps 96 random bits after
the time, so it is as hard to guess as before.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from goalrail.engine import approvals
from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.memory import MemoryStore
from tests.store.conftest import pg_url  # noqa: F401 - the fixture, for the PostgreSQL run

SHAPE = re.compile(r"apr_[0-9a-f]{12}[0-9a-f]{24}")


def asking(event: Any) -> Any:
    """Asks about every tool call."""
    return {"result": "ASK", "reason": "a human decides"} if event["type"] == "tool_call" else None


def test_ids_sort_by_time_and_keep_their_random_digits() -> None:
    times = [0.0, 1.0, 1_700_000_000.5, 1_800_000_000.0, 1_800_000_000.001, 1_800_000_000.002, 99_999_999_999.0]
    ids = [approvals.approval_id(t, "f" * 24 if i % 2 else "0" * 24) for i, t in enumerate(times)]
    assert ids == sorted(ids)
    assert all(SHAPE.fullmatch(i) for i in ids)
    assert approvals.approval_id(1_800_000_000.0, "ab" * 12).endswith("ab" * 12)
    assert approvals.approval_id(-5.0, "0" * 24) == "apr_" + "0" * 36  # a clock before the epoch: still the shape


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    if request.param == "memory":
        yield MemoryStore()
        return
    url = f"sqlite:///{tmp_path / 'goalrail.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    opened = await open_store(url)
    try:
        yield opened
    finally:
        await opened.close()


async def test_the_runtime_makes_ids_in_the_order_it_asks(store: Any) -> None:
    clock = itertools.count(1_800_000_000_000, 7)  # milliseconds: a few apart, as ASKs come
    spec = PolicySpec("gate", f"{__name__}.asking")
    rt = Runtime(store, registry=Registry.load(), server_specs=[spec], clock=lambda: next(clock) / 1000)
    made = []
    for n in range(12):
        event = {"type": "tool_call", "target": "deploy", "data": {"arguments": {"n": n}}}
        out = await rt.evaluate("s", event)
        assert out.result == "ASK" and out.approval_id is not None
        made.append(out.approval_id)
    assert made == sorted(made) and len(set(made)) == len(made)
    assert all(SHAPE.fullmatch(i) for i in made)
    assert len({i[16:] for i in made}) == len(made)  # the random digits differ
    for approval_id in made:  # each is found by its id and answers as before
        record = await store.get_approval(approval_id)
        assert record is not None and record.id == approval_id and record.status == "pending"
        assert approval_id[4:16] == f"{round(record.created_at * 1000):012x}"
