"""A web sign-in ends when the token it was made with no longer stands as it did, on every store.

A sign-in made with a token of ``auth.tokens`` named that token by its place in the list
(``config:0``): removing a leaked token from the config left the sign-ins made with it
valid whenever another token took its place, and changing a token's role left them with
the old role.  They now name the token by its digest and hold while it stands for the
same user, role and agent binding.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_support import STORES, client_for, make_app

from goalrail.server.auth import hash_token
from goalrail.store import open_store
from goalrail.store.memory import MemoryStore

LEAKED, KEPT, BOSS = "tok-config-leaked", "tok-config-kept", "tok-config-boss"
Serve = Callable[[list[tuple[str, str, str]]], Awaitable[Any]]


def _config(tokens: list[tuple[str, str, str]]) -> str:
    lines = ["auth:", "  mode: tokens", "  tokens:"]
    for token, user, role in tokens:
        lines.append(f"    - {{sha256: {hash_token(token)}, user: {user}, role: {role}}}")
    return "\n".join(lines) + "\n"


@pytest.fixture(params=STORES)
async def serve(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Serve]:
    """An app with these ``auth.tokens``, on one database for every app of the test (a restart)."""
    kind = request.param
    url = request.getfixturevalue("pg_url") if kind == "postgres" else f"sqlite:///{tmp_path / 'g.db'}"
    memory = MemoryStore()
    opened: list[Any] = []

    async def make(tokens: list[tuple[str, str, str]]) -> Any:
        store: Any = memory
        if kind != "memory":
            store = await open_store(url)
            opened.append(store)
        return make_app(_config(tokens), store=store)

    yield make
    for store in opened:
        await store.close()


async def _sign_in(c: httpx.AsyncClient, token: str) -> str:
    r = await c.post("/v1/auth/login", json={"token": token})
    assert r.status_code == 200, r.text
    return r.cookies["goalrail_session"]


async def _me(app: Any, cookie: str) -> httpx.Response:
    async with client_for(app) as c:
        return await c.get("/v1/auth/me", headers={"cookie": f"goalrail_session={cookie}"})


async def test_removing_a_leaked_config_token_ends_its_sign_ins_when_another_takes_its_place(serve: Serve) -> None:
    before = await serve([(LEAKED, "alice", "user"), (KEPT, "alice", "user")])
    async with client_for(before) as c:
        leaked, kept = await _sign_in(c, LEAKED), await _sign_in(c, KEPT)
    assert (await _me(before, leaked)).json()["user"] == "alice"
    after = await serve([(KEPT, "alice", "user")])  # the leaked token removed; the kept one is now first
    r = await _me(after, leaked)
    assert r.status_code == 401, r.text
    assert r.json()["code"] == "unauthorized"
    assert (await _me(after, kept)).json()["role"] == "user"  # the other's sign-in holds


@pytest.mark.parametrize(("was", "now"), [("admin", "user"), ("user", "agent"), ("user", "admin")])
async def test_changing_a_config_token_role_ends_its_sign_ins(serve: Serve, was: str, now: str) -> None:
    before = await serve([(BOSS, "carol", was)])
    async with client_for(before) as c:
        cookie = await _sign_in(c, BOSS)
    assert (await _me(before, cookie)).json()["role"] == was
    after = await serve([(BOSS, "carol", now)])
    r = await _me(after, cookie)
    assert r.status_code == 401, r.text


async def test_a_config_token_given_to_another_user_ends_its_sign_ins(serve: Serve) -> None:
    before = await serve([(BOSS, "carol", "user")])
    async with client_for(before) as c:
        cookie = await _sign_in(c, BOSS)
    after = await serve([(BOSS, "dave", "user")])
    assert (await _me(after, cookie)).status_code == 401


async def test_an_unchanged_config_keeps_its_sign_ins_across_a_restart(serve: Serve) -> None:
    tokens = [(LEAKED, "alice", "user"), (BOSS, "carol", "admin")]
    before = await serve(tokens)
    async with client_for(before) as c:
        cookies = [await _sign_in(c, LEAKED), await _sign_in(c, BOSS)]
    after = await serve(list(reversed(tokens)))  # the same tokens, in another order
    seen = [(await _me(after, cookie)).json() for cookie in cookies]
    assert [(m["user"], m["role"], m["via"]) for m in seen] == [
        ("alice", "user", "cookie"),
        ("carol", "admin", "cookie"),
    ]


async def test_a_sign_in_never_names_a_config_token_by_its_place(serve: Serve) -> None:
    app = await serve([(KEPT, "alice", "user")])
    async with client_for(app) as c:
        cookie = await _sign_in(c, KEPT)
        listed = (await c.get("/v1/tokens", headers={"cookie": f"goalrail_session={cookie}"})).json()["data"]
    web = [t["id"] for t in listed if t["label"] == "web sign-in"]
    assert len(web) == 1 and not web[0].endswith("config:0")
    assert web[0].endswith("_cfg" + hash_token(KEPT)[:16])
    assert hash_token(KEPT)[16:] not in web[0]  # a prefix of the digest, never the whole of it
