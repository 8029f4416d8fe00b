"""The memory store's transaction shortcuts (issue 13) answer what the long forms answer:
the runtime-namespace test by two comparisons, ``split_scoped`` against ``split_updates``,
the snapshot's scalar check by a loop, and the transaction's release without the lock's call."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from goalrail.engine.state import RUNTIME_NS, RUNTIME_NS_END, snapshot_states, split_scoped, split_updates
from goalrail.store.memory import MemoryStore

_ALPHABET = "goalrie.:/-_0AZ\x00\U0001f600é"


def test_the_runtime_namespace_test_is_startswith() -> None:
    rng = random.Random(13)
    names = ["", "g", "goalrail", "goalrail.", "goalrail/", "goalrail-", "goalrail.x", "goalrail/x", "goalrail.\x00"]
    names += ["goalrail." + "".join(rng.choices(_ALPHABET, k=rng.randrange(0, 4))) for _ in range(300)]
    names += ["".join(rng.choices(_ALPHABET, k=rng.randrange(0, 12))) for _ in range(3000)]
    names += ["server:goalrail.x", "session:p", "goalrail:x", "goalrail.provenance", "goalrailx"]
    for ns in names:
        assert (RUNTIME_NS <= ns < RUNTIME_NS_END) == ns.startswith(RUNTIME_NS), repr(ns)


@pytest.mark.parametrize("seed", range(20))
def test_split_scoped_is_split_updates_without_the_empty_scopes(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(100):
        updates: list[Any] = []
        for _ in range(rng.randrange(0, 7)):
            upd: dict[str, Any] = {"key": rng.choice("abc"), "action": "set", "value": rng.randrange(5)}
            scope = rng.choice([None, "session", "policy", "user"])
            if scope is not None:
                upd["scope"] = scope
            updates.append((rng.choice(["server:p", "agent:q", "session:r", "server:s"]), upd))
        session, policy, user = split_updates(updates)
        scoped = split_scoped(updates)
        assert scoped == (session or None, policy or None, user or None)
        if policy:  # the same order of namespaces, as a commit applies them
            assert list(policy) == list(scoped[1] or {})


def test_a_snapshot_copies_each_policy_namespace_and_shares_the_runtime_ones() -> None:
    flat, deep, owned = {"n": 1, "s": "x", "f": 1.5, "b": True, "z": None}, {"n": 1, "box": {"items": [1]}}, {"v": [1]}
    states: dict[str, Any] = {"server:flat": flat, "server:deep": deep, "goalrail.calls": owned, "server:none": {}}
    shown = snapshot_states(states)
    assert shown == states and list(shown) == list(states)
    assert shown["goalrail.calls"] is owned
    for ns in ("server:flat", "server:deep", "server:none"):
        assert shown[ns] is not states[ns]
    assert shown["server:deep"]["box"] is not deep["box"]
    shown["server:deep"]["box"]["items"].append(2)
    assert deep == {"n": 1, "box": {"items": [1]}}


async def test_a_transaction_released_hands_the_lock_to_a_waiter_or_frees_it() -> None:
    store = MemoryStore()
    store.session_now("s", None, None, None)
    tx = store.take_now("s")
    assert tx is not None and store.take_now("s") is None
    waiter = asyncio.ensure_future(store.transaction("s").__aenter__())
    await asyncio.sleep(0)
    tx.release()  # a waiter: handed over, still held
    await waiter
    assert store.sessions["s"].lock.held and store.take_now("s") is None
    tx.release()  # nobody waits: free
    assert not store.sessions["s"].lock.held
    again = store.take_now("s")
    assert again is tx
    again.release()
