"""The event loop's budget is work, not a count of policies (docs/security.md, "Files, CPU and
time"; ``goalrail.engine.work``).

Shipped builtins are called inline, on the loop every session shares, but each reads the event
again, and the event is the agent's to choose.  A session kept its policies on the loop while it
had at most four: four parameterless copies of ``deny_pii_in_llm_request`` each scanned a
megabyte LLM request there (four pattern policies a megabyte shell line), and no other session
was answered meanwhile; the admin's own builtins ran on the loop for any event at all.  Now an
event whose work (its text's size times the cost classes of the policies it reaches, plus a
fixed cost per call) passes the budget has every inline policy of its chain, at every level, run
on the worker pools: over the events route, through the LLM proxy and as the MCP proxy sends
its calls.  A small event stays on the loop, whatever the number of copies within the budget.

Where a policy ran is counted (the worker's ``call_sync``), never timed; the one latency test
compares another session's answers with the heavy event's own time, measured in the same test.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from server_support import READ, TOKENS, add_tokens, auth, client_for, make_app

from goalrail.engine import offload
from goalrail.integrations.client import AsyncGoalrailClient
from goalrail.integrations.llm_proxy.proxy import LLMProxy
from goalrail.integrations.llm_proxy.routes import build_router
from goalrail.integrations.mcp.proxy import HARNESS as MCP_HARNESS
from goalrail.store.memory import MemoryStore

B = "goalrail.policies.builtins"
PII = f"{B}.safety.deny_pii_in_llm_request"
WORKING_DIR = f"{B}.working_dir.block_working_dir_changes"
PATTERN = f"{B}.patterns.pattern_policy"
BUDGET = f"{B}.cost.cost_budget"
OPEN = "auth: {mode: tokens}\n"
ADMIN = (
    OPEN
    + "policies:\n"
    + f"  pii: {{type: function, handler: {PII}}}\n"
    + f"  wd: {{type: function, handler: {WORKING_DIR}}}\n"
    + f"  budget: {{type: function, handler: {BUDGET}, factory_params: {{max_cost_usd: 1000.0}}}}\n"
)
#: Prose of about 900 KB (under the events route's 1 MiB body limit) without PII.
TEXT = "the quick brown fox jumps over the lazy dog. " * 20_000
BIG_LLM = {
    "type": "llm_request",
    "target": "gpt-4o",
    "data": {"model": "gpt-4o", "messages": [{"role": "user", "content": TEXT}]},
}
SMALL_LLM = {
    "type": "llm_request",
    "target": "gpt-4o",
    "data": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
}
#: RE2 patterns, 16 to a policy (their parameters far under the 8,192-character budget).
PATTERNS = [{"action_type": "shell_execute", "pattern": f"rm -rf /srv/x{j}", "action": "deny"} for j in range(16)]


@pytest.fixture
def off_loop(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """(level, name) of every policy called on a worker thread."""
    called: list[tuple[str, str]] = []
    real = offload.call_sync

    def counted(policy: Any, event: Any) -> Any:
        called.append((policy.spec.level, policy.spec.name))
        return real(policy, event)

    monkeypatch.setattr(offload, "call_sync", counted)
    yield called


async def _app(config: str = OPEN) -> Any:
    store = MemoryStore()
    await add_tokens(store)
    return make_app(config, store)


async def _copies(
    client: httpx.AsyncClient, session: str, handler: str, n: int, params: Any = None, prefix: str = "p"
) -> None:
    await client.post(f"/v1/sessions/{session}/events", json=READ, headers=auth("alice"))
    for i in range(n):
        body = {"name": f"{prefix}{i}", "handler": handler, "factory_params": params or {}}
        r = await client.post(f"/v1/sessions/{session}/policies", json=body, headers=auth("alice"))
        assert r.status_code == 201, r.text


def _session_calls(called: list[tuple[str, str]]) -> list[str]:
    return sorted(name for level, name in called if level == "session")


# --- a session's policies --------------------------------------------------------------------


async def test_four_pii_copies_read_a_large_llm_request_off_the_loop(off_loop: list[tuple[str, str]]) -> None:
    async with client_for(await _app()) as client:
        await _copies(client, "pii", PII, 4)
        r = await client.post("/v1/sessions/pii/events", json=BIG_LLM, headers=auth("alice"))
        assert r.status_code == 200 and r.json()["result"] == "ALLOW", r.text
        assert _session_calls(off_loop) == ["p0", "p1", "p2", "p3"]


async def test_four_pattern_policies_read_a_long_shell_line_off_the_loop_and_still_deny(
    off_loop: list[tuple[str, str]],
) -> None:
    async with client_for(await _app()) as client:
        await _copies(client, "pat", PATTERN, 4, {"inline": {"name": "m", "patterns": PATTERNS}})
        line = "echo a b c; " * 70_000 + "rm -rf /srv/x7"
        event = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": line}}}
        r = await client.post("/v1/sessions/pat/events", json=event, headers=auth("alice"))
        assert r.status_code == 200 and r.json()["result"] == "DENY", r.text
        assert r.json()["policy"] == "p0"
        assert _session_calls(off_loop) == ["p0", "p1", "p2", "p3"]


async def test_many_copies_judge_a_small_event_on_the_loop(off_loop: list[tuple[str, str]]) -> None:
    """Twenty-four copies on a short line are well within the budget: no thread hop (a count of
    policies sent every event of theirs to the pool)."""
    async with client_for(await _app()) as client:
        await _copies(client, "many", WORKING_DIR, 24)
        off_loop.clear()
        cd = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls -la"}}}
        r = await client.post("/v1/sessions/many/events", json=cd, headers=auth("alice"))
        assert r.status_code == 200 and r.json()["result"] == "ALLOW", r.text
        assert off_loop == []


async def test_control_four_copies_judge_a_small_request_on_the_loop(off_loop: list[tuple[str, str]]) -> None:
    async with client_for(await _app()) as client:
        await _copies(client, "few", PII, 4)
        r = await client.post("/v1/sessions/few/events", json=SMALL_LLM, headers=auth("alice"))
        assert r.status_code == 200 and r.json()["result"] == "ALLOW", r.text
        assert off_loop == []


async def test_four_pii_copies_do_not_hold_the_loop_for_others() -> None:
    app = await _app()
    async with client_for(app) as client:
        await _copies(client, "heavy", PII, 4)
        await client.post("/v1/sessions/light/events", json=READ, headers=auth("bob"))
        events = [
            dict(BIG_LLM, data={**BIG_LLM["data"], "messages": [{"role": "user", "content": f"{i} {TEXT}"}]})
            for i in range(4)
        ]
        t0 = time.perf_counter()

        async def heavy_events() -> None:
            for event in events:  # (each new text: nothing of an earlier read is reused)
                r = await client.post("/v1/sessions/heavy/events", json=event, headers=auth("alice"))
                assert r.status_code == 200, r.text

        heavy = asyncio.create_task(heavy_events())
        await asyncio.sleep(0.05)
        light_times = []
        while not heavy.done():
            t1 = time.perf_counter()
            r = await client.post("/v1/sessions/light/events", json=READ, headers=auth("bob"))
            assert r.status_code == 200 and r.json()["result"] == "ALLOW"
            light_times.append(time.perf_counter() - t1)
            await asyncio.sleep(0.01)
        heavy_took = time.perf_counter() - t0
        heavy.result()
        # Held on the loop, another session's event waits for a whole heavy event (four copies
        # reading a megabyte each), and there are a handful of them in all; off it, only for
        # what the runtime itself does with the event, and there are many.
        assert len(light_times) >= 8, (light_times, heavy_took)
        assert statistics.median(light_times) < heavy_took / 20, (light_times, heavy_took)


# --- the admin's policies, over the routes and the proxies ----------------------------------


async def test_the_admins_builtins_read_a_large_event_off_the_loop(off_loop: list[tuple[str, str]]) -> None:
    async with client_for(await _app(ADMIN)) as client:
        r = await client.post("/v1/sessions/a/events", json=BIG_LLM, headers=auth("alice_agent"))
        assert r.status_code == 200 and r.json()["result"] == "ALLOW", r.text
        assert ("server", "pii") in off_loop and ("server", "budget") in off_loop


async def test_control_the_admins_builtins_judge_a_small_event_on_the_loop(off_loop: list[tuple[str, str]]) -> None:
    async with client_for(await _app(ADMIN)) as client:
        r = await client.post("/v1/sessions/a/events", json=SMALL_LLM, headers=auth("alice_agent"))
        assert r.status_code == 200 and r.json()["result"] == "ALLOW", r.text
        assert off_loop == []


def _completion(request: httpx.Request) -> httpx.Response:
    body = {
        "id": "c1",
        "object": "chat.completion",
        "model": "gpt-4o",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11},
    }
    return httpx.Response(200, json=body)


async def test_the_llm_proxys_large_request_is_read_off_the_loop(off_loop: list[tuple[str, str]]) -> None:
    store = MemoryStore()
    await add_tokens(store)
    app = make_app(ADMIN, store=store)
    goalrail = AsyncGoalrailClient(
        "http://goalrail.test", TOKENS["alice_agent"][0], transport=httpx.ASGITransport(app=app)
    )
    proxy = LLMProxy(goalrail, "http://up/v1", upstream_key="k", upstream_transport=httpx.MockTransport(_completion))
    front = FastAPI()
    front.include_router(build_router(proxy))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=front), base_url="http://proxy.test") as client:
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": TEXT}]}
        r = await client.post("/v1/chat/completions", json=body)
        assert r.status_code == 200, r.text
        assert ("server", "pii") in off_loop


async def test_the_mcp_proxys_large_call_is_read_off_the_loop(off_loop: list[tuple[str, str]]) -> None:
    """A tool call as ``goalrail mcp-proxy`` sends it (``mcp__<server>__<tool>``, its harness)."""
    async with client_for(await _app(ADMIN)) as client:
        name = "mcp__fs__write_file"
        data = {"name": name, "arguments": {"path": "/tmp/notes.txt", "content": TEXT}}
        event = {"type": "tool_call", "target": name, "data": data, "context": {"harness": MCP_HARNESS}}
        r = await client.post("/v1/sessions/m/events", json=event, headers=auth("alice_agent"))
        assert r.status_code == 200 and r.json()["result"] == "ALLOW", r.text
        assert ("server", "wd") in off_loop


# --- the same answer either way --------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A decision or session as JSON, without what differs by clock or run (times, ids)."""
    if isinstance(value, dict):
        skip = ("elapsed", "_us", "_ms", "created", "updated", "_at", "id", "at", "time", "activity")
        return {k: _plain(v) for k, v in value.items() if not any(k == s or k.endswith(s) for s in skip)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


async def _judged(monkeypatch: pytest.MonkeyPatch, inline_work: int | None) -> tuple[Any, Any]:
    if inline_work is not None:
        monkeypatch.setattr("goalrail.engine.work.INLINE_WORK", inline_work)
    async with client_for(await _app(ADMIN)) as client:
        await _copies(client, "s", PII, 2)
        await _copies(client, "s", BUDGET, 1, {"max_cost_usd": 1000.0, "ask_thresholds_usd": [900.0]}, "b")
        answers = []
        for event in (BIG_LLM, SMALL_LLM, {**BIG_LLM, "data": {**BIG_LLM["data"], "max_tokens": 50}}):
            r = await client.post("/v1/sessions/s/events", json=event, headers=auth("alice"))
            answers.append(_plain(r.json()))
        detail = await client.get("/v1/sessions/s", headers=auth("alice"))
        return answers, _plain(detail.json())


async def test_off_the_loop_the_answers_state_and_audit_are_those_of_the_loop(
    monkeypatch: pytest.MonkeyPatch, off_loop: list[tuple[str, str]]
) -> None:
    heavy = await _judged(monkeypatch, None)
    assert ("server", "budget") in off_loop and ("session", "p0") in off_loop
    off_loop.clear()
    inline = await _judged(monkeypatch, 1 << 40)  # a budget no event passes: everything on the loop
    assert off_loop == []
    assert heavy == inline
