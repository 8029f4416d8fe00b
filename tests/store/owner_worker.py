"""One process of the two-process owner test: its own Runtime and SQLite store on
the shared file, a daily budget shared by the owner's sessions; waits for the
start signal, sends one LLM request on each of N sessions of the owner at once,
prints the verdict counts and its stale re-evaluations as JSON."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql.sqlite_store import SqliteStore


async def main(url: str, budget_usd: float, sessions: int, go_file: str) -> None:
    store = await open_store(url)
    assert isinstance(store, SqliteStore)
    handler = "goalrail.policies.builtins.cost.user_daily_cost_budget"
    spec = PolicySpec(name="daily", handler=handler, params={"max_cost_usd": budget_usd}, kind="factory")
    rt = Runtime(store, registry=Registry.load(), server_specs=[spec])
    names = [f"p{os.getpid()}-{i}" for i in range(sessions)]
    for name in names:
        await store.ensure_session(name, owner="bob")
    print("ready", flush=True)
    while not os.path.exists(go_file):
        await asyncio.sleep(0.002)
    request = {"type": "llm_request", "data": {"model": "claude-opus-4", "max_tokens": 1000}}
    outcomes = await asyncio.gather(
        *(
            rt.evaluate(name, {**request, "data": {**request["data"], "messages": [{"role": "user", "content": name}]}})
            for name in names
        )
    )
    counts = Counter(o.result for o in outcomes)
    stale = store.group.stale
    await store.close()
    print(json.dumps({"counts": dict(counts), "stale": stale}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]))
