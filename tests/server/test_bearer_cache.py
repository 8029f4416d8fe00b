"""A bearer token's principal is kept while the lookup it came from is: a repeated token is not
hashed again, and every way a token stops working still reaches the next request as before —
a revocation here (``forget``), in another worker (the shared epoch), in another replica (the
cached lookup expiring after ``CACHE_TTL_S``), and the lookup cache cleared when full."""

from __future__ import annotations

import time
from multiprocessing import Value
from typing import Any

import pytest
from server_support import CONSOLE, TOKENS, add_tokens

from goalrail.errors import Unauthorized
from goalrail.server import auth as auth_module
from goalrail.server.auth import CACHE_TTL_S, Authenticator
from goalrail.store.memory import MemoryStore

SCOPE = {"type": "http", "method": "POST", "client": ("203.0.113.7", 40000)}


def _bearer(token: str) -> dict[bytes, bytes]:
    return {b"authorization": f"Bearer {token}".encode()}


class _Clock:
    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def setup(monkeypatch: pytest.MonkeyPatch) -> Any:
    store = MemoryStore()
    await add_tokens(store)
    authn = Authenticator(store, {"mode": "tokens"}, console_token=CONSOLE)
    hashed: list[str] = []
    real = auth_module.hash_token
    monkeypatch.setattr(auth_module, "hash_token", lambda t: hashed.append(t) or real(t))
    clock = _Clock()
    monkeypatch.setattr(auth_module.time, "monotonic", clock)
    return store, authn, hashed, clock


async def test_a_repeated_token_is_hashed_once_and_answers_the_same_principal(setup: Any) -> None:
    _, authn, hashed, _ = setup
    token = TOKENS["alice_agent"][0]
    first = await authn.principal(SCOPE, _bearer(token))
    assert (first.user, first.role, first.via, first.token_id) == ("alice", "agent", "token", "t-alice_agent")
    hashed.clear()
    for _ in range(3):
        assert await authn.principal(SCOPE, _bearer(token)) is first
    assert hashed == []
    console = await authn.principal(SCOPE, _bearer(CONSOLE))
    assert (console.role, console.via) == ("admin", "console")
    assert await authn.principal(SCOPE, _bearer(CONSOLE)) is console


async def test_a_revocation_here_or_in_another_worker_reaches_the_next_request(setup: Any) -> None:
    store, authn, _, _ = setup
    token = TOKENS["alice_agent"][0]
    await authn.principal(SCOPE, _bearer(token))
    await store.revoke_token("t-alice_agent")
    authn.forget()
    with pytest.raises(Unauthorized):
        await authn.principal(SCOPE, _bearer(token))
    other = TOKENS["bob_agent"][0]
    authn.epoch = Value("i", 0)
    await authn.principal(SCOPE, _bearer(other))
    await store.revoke_token("t-bob_agent")
    authn.epoch.value += 1  # another worker's forget
    with pytest.raises(Unauthorized):
        await authn.principal(SCOPE, _bearer(other))


async def test_a_revocation_in_another_replica_holds_until_the_cached_lookup_expires(setup: Any) -> None:
    store, authn, _, clock = setup
    token = TOKENS["alice_agent"][0]
    await authn.principal(SCOPE, _bearer(token))
    await store.revoke_token("t-alice_agent")  # in the database, no forget in this process
    clock.now += CACHE_TTL_S - 0.5
    assert (await authn.principal(SCOPE, _bearer(token))).user == "alice"  # as the cached lookup said
    clock.now += 1.0
    with pytest.raises(Unauthorized):
        await authn.principal(SCOPE, _bearer(token))


async def test_the_principals_go_when_the_lookup_cache_is_cleared_when_full(
    setup: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, authn, _, _ = setup
    monkeypatch.setattr(auth_module, "_CACHE_MAX", 2)
    token = TOKENS["alice_agent"][0]
    await authn.principal(SCOPE, _bearer(token))
    await store.revoke_token("t-alice_agent")
    for bad in ("nope-1", "nope-2"):  # negative lookups fill the cache: it is cleared
        with pytest.raises(Unauthorized):
            await authn.principal(SCOPE, _bearer(bad))
    with pytest.raises(Unauthorized):  # looked up again, as before
        await authn.principal(SCOPE, _bearer(token))
