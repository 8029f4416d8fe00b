"""Two processes on one SQLite file take turns deciding on the same session, then
on two sessions of one owner (a daily cost budget: its reservations in the
owner's user state and the owner's spend of the day, shared by them): each
decision must see the other process's last commit, so verdicts and totals are
those of one store deciding everything in the same order (the in-memory store
is the reference)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime import audit
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.memory import MemoryStore

HERE = Path(__file__).resolve().parent
SRC = HERE.parent.parent / "src"
MODEL = "claude-opus-4"
REGISTRY = Registry.load()


def _specs(budget_usd: float) -> list[dict[str, Any]]:
    return [
        {"name": "cap", "handler": "store_policies.max_calls", "params": {"limit": 7}, "kind": "factory"},
        {
            "name": "daily",
            "handler": "goalrail.policies.builtins.cost.user_daily_cost_budget",
            "params": {"max_cost_usd": budget_usd},
            "kind": "factory",
        },
    ]


def _tool_call(i: int) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"echo {i}"}}}


def _request(i: int, event_id: str | None = None) -> dict[str, Any]:
    """An LLM request; only the response with its ``event_id`` releases its reservation."""
    return {
        **({"id": event_id} if event_id else {}),
        "type": "llm_request",
        "data": {"model": MODEL, "max_tokens": 1000, "messages": [{"role": "user", "content": f"hi {i}"}]},
    }


def _response(event_id: str) -> dict[str, Any]:
    usage = {"input_tokens": 100, "output_tokens": 50}
    return {"type": "llm_response", "id": event_id, "data": {"model": MODEL, "text": "ok", "usage": usage}}


def _turns() -> list[tuple[int, str, str, dict[str, Any]]]:
    """(process, session, owner, event), alternating processes."""
    turns: list[tuple[int, str, str, dict[str, Any]]] = []
    for i in range(10):  # one session: a per-session cap of 7, shared by both processes
        turns.append((i % 2, "shared", "alice", _tool_call(i)))
    for i in range(14):  # one owner, a session in each process: the owner's reservations and spend
        who = i % 2
        session = f"bob-{who}"
        # The tool call reads the owner's state (after this process's own last write of
        # it) and writes none: the request that follows the other process's request must
        # see that one's reservation, and a response's spend.
        turns += [(who, session, "bob", _request(i, f"r{i}")), (who, session, "bob", _tool_call(i))]
        if i % 3 == 2:
            turns.append((who, session, "bob", _response(f"r{i}")))
    return turns


async def _reservation() -> float:
    """What one LLM request reserves against the daily budget (its worst-case cost)."""
    store = MemoryStore()
    rt = Runtime(store, registry=REGISTRY, server_specs=[PolicySpec(**_specs(1000.0)[1])])
    await rt.evaluate("m", _request(0), owner="o")
    state = (await _state(store, "m"))[1]
    [amount] = [float(k.rsplit(":", 1)[1]) for k, v in state.items() if ":reserved:" in k and v == 1]
    return amount


async def _state(store: Any, session_id: str) -> tuple[dict[str, Any], dict[str, Any], float]:
    async with store.transaction(session_id) as tx:
        snap = await tx.snapshot(user_day=time.strftime("%Y-%m-%d", time.gmtime()))
    return snap.policy_states, snap.user_state, float(snap.user_daily_cost["cost_usd"])


def _exact(state: tuple[dict[str, Any], dict[str, Any], float]) -> Any:
    """A snapshot's states and cost, without the clock readings (when a reservation was made, when
    provenance recorded a request's text)."""
    policies, user, cost = state
    policies = {key: _unclocked(value) if key == "goalrail.provenance" else value for key, value in policies.items()}
    return policies, {k: v for k, v in user.items() if not k.endswith(":reserved_at")}, cost


def _unclocked(record: Any) -> Any:
    return {k: {**v, "at": None} if isinstance(v, dict) else v for k, v in dict(record).items()}


def _alternate(url: str, specs: list[dict[str, Any]], turns: list[Any]) -> tuple[list[str], list[int]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE)])}
    procs = [
        subprocess.Popen(
            [sys.executable, str(HERE / "turn_worker.py"), url, json.dumps(specs)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    try:
        for p in procs:
            assert p.stdout is not None
            line = p.stdout.readline().strip()
            assert line == "ready", (line, p.stderr.read() if p.stderr else "")
        results = []
        for who, session, owner, event in turns:
            p = procs[who]
            assert p.stdin is not None and p.stdout is not None
            p.stdin.write(json.dumps({"session": session, "owner": owner, "event": event}) + "\n")
            p.stdin.flush()
            line = p.stdout.readline()
            assert line, p.stderr.read() if p.stderr else ""
            results.append(json.loads(line)["result"])
        stale = []
        for p in procs:
            out, err = p.communicate(timeout=60)
            assert p.returncode == 0, err
            stale.append(int(json.loads(out.strip().splitlines()[-1])["stale"]))
        return results, stale
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.communicate()


async def test_two_processes_taking_turns_decide_as_one_store(sqlite_url: str) -> None:
    specs = _specs(await _reservation() * 3.5)  # room for three reservations at a time
    turns = _turns()
    reference = MemoryStore()
    rt = Runtime(reference, registry=REGISTRY, server_specs=[PolicySpec(**s) for s in specs])
    expected = [(await rt.evaluate(s, e, owner=o)).result for _, s, o, e in turns]
    assert expected[:10] == ["ALLOW"] * 7 + ["DENY"] * 3  # the session's cap binds
    # and the owner's budget, a reservation released only by its own request's response (r2
    # frees room for one more request; the later responses name requests that were denied)
    assert expected[10:].count("DENY") == 10

    results, stale = await asyncio.to_thread(_alternate, sqlite_url, specs, turns)
    assert results == expected
    assert stale == [0, 0]  # taking turns, nothing is ever stale: the caches were current
    store = await open_store(sqlite_url)
    try:
        for session in ("shared", "bob-0", "bob-1"):
            assert _exact(await _state(store, session)) == _exact(await _state(reference, session))
        _, user_state, cost = await _state(store, "bob-0")
        assert sum(v for k, v in user_state.items() if k.endswith(":reserved_n")) > 0 and cost > 0
        assert audit.verify(await store.audit_entries())["ok"] is True
        assert len(await store.audit_entries()) == len(turns)
    finally:
        await store.close()
