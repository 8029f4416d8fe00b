"""A session's policies cannot hold the event loop for other sessions: a builtin's cost
grows with its parameters, and a session may add 64 of them, so once a session's policies
carry more than ``INLINE_PARAMS_BUDGET`` characters of parameters those run on the worker
pool under their deadlines (docs/security.md, "Files, CPU and time")."""

from __future__ import annotations

import statistics
from typing import Any

import httpx
import pytest
from loop_support import add_policies, light_beside_heavy
from server_support import STORES, StoreApps, auth, client_for

from goalrail.runtime.chains import INLINE_PARAMS_BUDGET

CONFIG = "auth: {mode: tokens}\n"
HANDLER = "goalrail.policies.builtins.patterns.pattern_policy"
#: RE2 scans the whole command once per pattern: linear, yet 64 x 256 of them are seconds.
PATTERNS = [{"action_type": "shell_execute", "pattern": f"(a|a{j})*b{j}", "action": "deny"} for j in range(256)]
BIG = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "echo " + "a" * 400_000}}}


@pytest.fixture(params=STORES)
async def apps(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    made = StoreApps(request, tmp_path)
    yield made
    await made.close()


async def _heavy_session(client: httpx.AsyncClient, policies: int) -> None:
    bodies = [
        {"name": f"p{i}", "handler": HANDLER, "factory_params": {"inline": {"name": f"m{i}", "patterns": PATTERNS}}}
        for i in range(policies)
    ]
    for r in await add_policies(client, "heavy", bodies):
        assert r.status_code == 201, r.text


async def test_a_heavy_session_does_not_hold_the_loop_for_others(apps: StoreApps) -> None:
    async with client_for(await apps(CONFIG)) as client:
        await _heavy_session(client, 32)
        r, light_times, heavy_took = await light_beside_heavy(client, "heavy", BIG)
        assert r.status_code == 200, r.text
        assert heavy_took > 1.0, heavy_took  # the work is real: seconds of matching
        # Another session's events are answered meanwhile: typically in a small fraction of the
        # heavy one's time, and none waits for it to finish. (Held on the loop, the first light
        # event would take the whole heavy time and there would be one or two of them.) One slow
        # answer on a loaded machine, waiting for the GIL behind a long scan, is not the loop held.
        assert len(light_times) >= 3, (light_times, heavy_took)
        assert statistics.median(light_times) < heavy_took / 10, (light_times, heavy_took)
        assert max(light_times) < heavy_took / 2, (light_times, heavy_took)


async def test_small_session_policies_stay_on_the_loop(apps: StoreApps) -> None:
    app = await apps(CONFIG)
    async with client_for(app) as client:
        await _heavy_session(client, 0)
        small = {"inline": {"name": "m", "patterns": PATTERNS[:4]}}
        r = await client.post(
            "/v1/sessions/heavy/policies",
            json={"name": "small", "handler": HANDLER, "factory_params": small},
            headers=auth("alice"),
        )
        assert r.status_code == 201
        r = await client.post("/v1/sessions/heavy/events", json=BIG, headers=auth("alice"))
        assert r.status_code == 200
        chains = app.state.goalrail.runtime.chains
        (compiled,) = [hit[1] for hit in chains._sessions.values()]
        assert [p.inline for p in compiled] == [True]
        assert len(str(small)) < INLINE_PARAMS_BUDGET
