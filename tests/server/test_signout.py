"""Signing out ends the web sign-in on the server, and a revocation applies at once where it was made.

The cookie a sign-in sets is a credential of its own, kept in the store: signing out
revokes it (a copy of the cookie stops working), revoking the token it was made with
ends it too, and it is never accepted as a bearer token.  The one-time link's signed
cookie is ended by a revoked marker.  On another replica a revocation applies within
``CACHE_TTL_S``; on the workers of one server, at once (``test_signout_process.py``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from server_support import CONSOLE, STORES, SharedApps, auth, client_for, make_app

from goalrail.server.auth import CACHE_TTL_S, COOKIE

ADMIN, ALICE = auth("admin"), auth("alice")
CONFIG = "auth: {mode: tokens}\n"
CSRF = {"x-goalrail-csrf": "1"}


@pytest.fixture(params=STORES)
async def replicas(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SharedApps]:
    made = SharedApps(request, tmp_path, CONFIG)
    yield made
    await made.close()


async def _me(c: httpx.AsyncClient, cookie: str) -> int:
    c.cookies.clear()
    c.cookies.set(COOKIE, cookie)
    code = (await c.get("/v1/auth/me")).status_code
    c.cookies.clear()
    return code


async def _sign_in(c: httpx.AsyncClient, token: str) -> str:
    r = await c.post("/v1/auth/login", json={"token": token})
    assert r.status_code == 200, r.text
    cookie = r.cookies.get(COOKIE)
    assert cookie and token not in cookie  # the cookie holds a credential of its own, not the token
    c.cookies.clear()
    return cookie


async def test_signing_out_ends_a_copied_cookie(replicas: SharedApps) -> None:
    (app,) = (await replicas.apps(1))[:1]
    async with client_for(app) as c:
        cookie = await _sign_in(c, "tok-alice")
        assert await _me(c, cookie) == 200
        c.cookies.set(COOKIE, cookie)
        assert (await c.post("/v1/auth/logout", headers=CSRF)).status_code == 200
        assert await _me(c, cookie) == 401  # the copy another browser (or a thief) kept
        assert (await c.get("/v1/auth/me", headers=ALICE)).status_code == 200  # the token itself still works


async def test_a_web_sign_in_is_a_cookie_only_and_ends_with_its_token(replicas: SharedApps) -> None:
    (app,) = (await replicas.apps(1))[:1]
    async with client_for(app) as c:
        made = (await c.post("/v1/tokens", json={"role": "user"}, headers=ALICE)).json()
        cookie = await _sign_in(c, made["token"])
        assert (await c.get("/v1/auth/me", headers={"Authorization": f"Bearer {cookie}"})).status_code == 401
        assert (await c.post("/v1/auth/login", json={"token": cookie})).status_code == 401  # no sign-in from a sign-in
        assert await _me(c, cookie) == 200
        assert (await c.delete(f"/v1/tokens/{made['id']}", headers=ALICE)).status_code == 200
        assert await _me(c, cookie) == 401


async def test_a_web_sign_in_expires_on_the_server(replicas: SharedApps) -> None:
    (app,) = (await replicas.apps(1))[:1]
    async with client_for(app) as c:
        cookie = await _sign_in(c, "tok-alice")
        assert await _me(c, cookie) == 200
        # a max age of 1 s, passed: (was set before the sign-in, and a loaded machine could take
        # a second to reach the check above; the server reads the max age at each request)
        app.state.goalrail.auth.cookie_max_age_s = 1
        await asyncio.sleep(1.2)
        assert await _me(c, cookie) == 401  # whatever the browser does with max-age


async def test_signing_out_ends_the_one_time_links_cookie() -> None:
    app = make_app(CONFIG)
    async with client_for(app) as c:
        code = app.state.goalrail.auth.issue_login_code()
        r = await c.get("/login", params={"code": code})
        cookie = r.cookies.get(COOKIE)
        assert cookie and await _me(c, cookie) == 200
        c.cookies.set(COOKIE, cookie)
        assert (await c.post("/v1/auth/logout", headers=CSRF)).status_code == 200
        assert await _me(c, cookie) == 401
        # signing out an unsigned cookie stores nothing
        c.cookies.set(COOKIE, "grs_local.99999999999.forged")
        assert (await c.post("/v1/auth/logout", headers=CSRF)).status_code == 200
        listed = (await c.get("/v1/tokens", headers={"Authorization": f"Bearer {CONSOLE}"})).json()["data"]
        assert listed == []


async def test_a_revocation_applies_at_once_here_and_within_the_cache_bound_on_another_replica(
    replicas: SharedApps,
) -> None:
    apps = await replicas.apps(2)
    here, there = client_for(apps[0]), client_for(apps[-1])
    try:
        made = (await here.post("/v1/tokens", json={"role": "agent"}, headers=ALICE)).json()
        bearer = {"Authorization": f"Bearer {made['token']}"}
        assert (await here.get("/v1/auth/me", headers=bearer)).status_code == 200
        assert (await there.get("/v1/auth/me", headers=bearer)).status_code == 200  # cached there now
        assert (await here.delete(f"/v1/tokens/{made['id']}", headers=ALICE)).status_code == 200
        revoked = time.monotonic()
        assert (await here.get("/v1/auth/me", headers=bearer)).status_code == 401
        # every request sent after the cache bound is refused (timed when sent, not when answered:
        # a loaded machine can take a second to answer one sent in time)
        while True:
            sent = time.monotonic()
            if (await there.get("/v1/auth/me", headers=bearer)).status_code == 401:
                break
            assert sent - revoked < CACHE_TTL_S + 0.5, sent - revoked
            await asyncio.sleep(0.1)
    finally:
        await here.aclose()
        await there.aclose()
