"""On a real ``goalrail server --workers 2``: a revocation or a sign-out in one worker applies
in every worker at once (they share an epoch that clears their cached lookups)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.server.test_process import Server

ADMIN = {"Authorization": "Bearer proc-admin"}
SPREAD = 24  # fresh connections, spread over the workers by the kernel


def _codes(url: str, headers: dict[str, str]) -> list[int]:
    async def fire() -> list[int]:
        async def one() -> int:
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                return (await client.get("/v1/auth/me", headers=headers)).status_code

        return list(await asyncio.gather(*(one() for _ in range(SPREAD))))

    return asyncio.run(fire())


def test_revocation_and_sign_out_reach_every_worker_at_once(tmp_path: Path) -> None:
    s = Server(tmp_path, extra=("--workers", "2"))
    try:
        with httpx.Client(base_url=s.url, timeout=30) as c:
            made = c.post("/v1/tokens", json={"user": "alice", "role": "user"}, headers=ADMIN).json()
            bearer = {"Authorization": f"Bearer {made['token']}"}
            assert set(_codes(s.url, bearer)) == {200}  # every worker has it cached now
            assert c.delete(f"/v1/tokens/{made['id']}", headers=ADMIN).status_code == 200
            assert set(_codes(s.url, bearer)) == {401}

            login = c.post("/v1/auth/login", json={"token": "proc-alice"})
            assert login.status_code == 200, login.text
            cookie = {"Cookie": f"goalrail_session={login.cookies['goalrail_session']}"}
            c.cookies.clear()
            assert set(_codes(s.url, cookie)) == {200}
            assert c.post("/v1/auth/logout", headers={**cookie, "X-Goalrail-CSRF": "1"}).status_code == 200
            assert set(_codes(s.url, cookie)) == {401}
    finally:
        s.stop()
