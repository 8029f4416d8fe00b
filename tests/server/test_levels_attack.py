"""A lower level can only tighten, attacked by class over HTTP (DESIGN decision 10; docs/security.md,
"Lower levels only tighten" and "Files, CPU and time").

CPU: the inline budget counted a session's parameters only, but a shipped builtin's cost also
grows with the event (each copy scans it again): 24 copies of a parameterless builtin held the
event loop, and so every other session, for seconds per event of the session that added them.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import httpx
import pytest
from server_support import READ, add_tokens, auth, client_for, make_app

from goalrail.runtime.chains import MAX_INLINE_SESSION_POLICIES
from goalrail.store.memory import MemoryStore

CONFIG = "auth: {mode: tokens}\n"
WORKING_DIR = "goalrail.policies.builtins.working_dir.block_working_dir_changes"
#: A long shell line (a few hundred kilobytes, under the 1 MiB body limit): each copy of the
#: builtin reads all of it.
LONG = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "echo a b c; " * 30_000}}}


async def _copies(client: httpx.AsyncClient, session: str, n: int, params: Any = None) -> None:
    await client.post(f"/v1/sessions/{session}/events", json=READ, headers=auth("alice"))
    for i in range(n):
        body = {"name": f"p{i}", "handler": WORKING_DIR, "factory_params": params or {}}
        r = await client.post(f"/v1/sessions/{session}/policies", json=body, headers=auth("alice"))
        assert r.status_code == 201, r.text


async def _app() -> Any:
    store = MemoryStore()
    await add_tokens(store)
    return make_app(CONFIG, store)


def _inline(app: Any, session: str) -> list[bool]:
    chains = app.state.goalrail.runtime.chains
    return [p.inline for p in chains._sessions[session][1]]


async def test_many_parameterless_copies_do_not_hold_the_loop_for_others() -> None:
    app = await _app()
    async with client_for(app) as client:
        await _copies(client, "many", 24)
        await client.post("/v1/sessions/light/events", json=READ, headers=auth("bob"))
        t0 = time.perf_counter()
        heavy = asyncio.create_task(client.post("/v1/sessions/many/events", json=LONG, headers=auth("alice")))
        await asyncio.sleep(0.05)
        light_times = []
        while not heavy.done():
            t1 = time.perf_counter()
            r = await client.post("/v1/sessions/light/events", json=READ, headers=auth("bob"))
            assert r.status_code == 200 and r.json()["result"] == "ALLOW"
            light_times.append(time.perf_counter() - t1)
            await asyncio.sleep(0.01)
        heavy_took = time.perf_counter() - t0
        r = heavy.result()
        assert r.status_code == 200, r.text
        # Every copy ran to its own answer (the line is too long for it to analyse): none was refused.
        mine = [d for d in r.json()["decisions"] if d["level"] == "session"]
        assert [d["reason"].split(":")[0] for d in mine] == ["cannot verify the working directory stays put"] * 24
        assert heavy_took > 1.0, heavy_took  # the work is real: seconds of reading the line 24 times
        # Held on the loop, the first light event waits for the whole heavy one, and there is one.
        assert len(light_times) >= 3, (light_times, heavy_took)
        assert statistics.median(light_times) < heavy_took / 10, (light_times, heavy_took)
        assert _inline(app, "many") == [False] * 24


@pytest.mark.parametrize("n", [1, MAX_INLINE_SESSION_POLICIES])
async def test_control_a_few_small_session_policies_stay_on_the_loop(n: int) -> None:
    app = await _app()
    async with client_for(app) as client:
        await _copies(client, "few", n)
        r = await client.post("/v1/sessions/few/events", json=READ, headers=auth("alice"))
        assert r.status_code == 200 and r.json()["result"] == "ALLOW", r.text
        assert _inline(app, "few") == [True] * n


async def test_control_copies_off_the_loop_still_deny() -> None:
    """Off the loop they judge as before: a `cd` out of the allowed directory is denied by the
    session's own copies, naming one of them."""
    app = await _app()
    async with client_for(app) as client:
        await _copies(client, "deny", MAX_INLINE_SESSION_POLICIES + 1, {"allowed_dirs": ["/work"]})
        cd = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "cd /etc && ls"}}}
        r = await client.post("/v1/sessions/deny/events", json=cd, headers=auth("alice"))
        assert r.status_code == 200 and r.json()["result"] == "DENY", r.text
        assert r.json()["policy"] == "p0"
        assert _inline(app, "deny") == [False] * (MAX_INLINE_SESSION_POLICIES + 1)
