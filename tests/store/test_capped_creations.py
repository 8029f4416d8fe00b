"""A creation under a user's cap (``runtime.quota``) is counted and made in one step,
on every store: many at once, from two stores on one database (two replicas), leave
exactly the limit; an existing session is never refused; what stops counting (an
ended session, a revoked token, an expired web sign-in) makes room."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from goalrail.errors import Conflict
from goalrail.runtime.ports import TokenRecord
from goalrail.runtime.quota import SessionCap, TokenCap
from goalrail.store import open_store

LIMIT = 5


async def _replicas(database_url: str) -> list[Any]:
    first = await open_store(database_url)
    return [first] if database_url == "memory://" else [first, await open_store(database_url)]


async def _outcomes(calls: list[Any]) -> list[bool]:
    done = await asyncio.gather(*calls, return_exceptions=True)
    for d in done:
        assert d is None or not isinstance(d, BaseException) or isinstance(d, Conflict), repr(d)
    return [not isinstance(d, BaseException) for d in done]


async def test_concurrent_capped_sessions_leave_exactly_the_limit(database_url: str) -> None:
    stores = await _replicas(database_url)
    try:
        cap = SessionCap("alice", LIMIT, time.time() - 60)
        calls = [stores[i % len(stores)].ensure_session(f"s{i}", owner="alice", cap=cap) for i in range(30)]
        made = await _outcomes(calls)
        assert sum(made) == LIMIT, made
        assert await stores[-1].count_sessions("alice", cap.active_since) == LIMIT
        assert len(await stores[0].list_sessions(owner="alice")) == LIMIT
        # an existing session is never refused at the limit; another owner is not held to alice's count
        existing = next(f"s{i}" for i, ok in enumerate(made) if ok)
        assert (await stores[-1].ensure_session(existing, owner="alice", cap=cap)).id == existing
        await stores[0].ensure_session("b1", owner="bob", cap=SessionCap("bob", LIMIT, cap.active_since))
        with pytest.raises(Conflict) as refused:
            await stores[0].ensure_session("s-late", owner="alice", cap=cap)
        assert refused.value.errors == [{"loc": "session", "message": f"at most {LIMIT} live sessions per user"}]
        assert await stores[0].get_session("s-late") is None
        # sessions idle past the window stop counting
        later = SessionCap("alice", LIMIT, time.time() + 1)
        assert (await stores[0].ensure_session("s-later", owner="alice", cap=later)).owner == "alice"
    finally:
        for s in stores:
            await s.close()


def _token(i: int, user: str = "alice", *, web: bool = False, at: float | None = None) -> TokenRecord:
    ident = f"web_{i:016d}_x" if web else f"tok_{i:012d}"
    return TokenRecord(ident, f"hash{i}", user, "agent", created_at=time.time() if at is None else at)


async def test_concurrent_capped_tokens_leave_exactly_the_limit(database_url: str) -> None:
    stores = await _replicas(database_url)
    try:
        now = time.time()
        await stores[0].create_token(_token(900, web=True, at=now - 7200))  # an expired web sign-in: not counted
        await stores[0].create_token(_token(901))
        await stores[0].revoke_token(_token(901).id)  # revoked: not counted
        cap = TokenCap("alice", LIMIT, "web_", now - 3600)
        calls = [stores[i % len(stores)].create_token(_token(i, web=i % 2 == 0), cap) for i in range(24)]
        made = await _outcomes(calls)
        assert sum(made) == LIMIT, made
        held = [t for t in await stores[-1].list_tokens() if t.user == "alice" and not t.revoked]
        assert len(held) == LIMIT + 1  # (and the expired sign-in)
        with pytest.raises(Conflict):
            await stores[-1].create_token(_token(50), cap)
        await stores[0].create_token(_token(60, "bob"), TokenCap("bob", LIMIT, "web_", now - 3600))
        await stores[0].revoke_token(held[-1].id)  # revoking one makes room
        await stores[-1].create_token(_token(51), cap)
    finally:
        for s in stores:
            await s.close()
