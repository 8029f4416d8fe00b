"""One replica for the two-process test: its own Runtime and SQL store on the
shared database; waits for the start signal, sends N events concurrently on
one session, prints the verdict counts as JSON."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections import Counter

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store


async def main(url: str, session_id: str, events: int, go_file: str) -> None:
    store = await open_store(url)
    spec = PolicySpec(name="cap", handler="store_policies.max_calls", params={"limit": 50}, kind="factory")
    rt = Runtime(store, registry=Registry.load(), server_specs=[spec])
    await store.ensure_session(session_id, owner="alice")
    print("ready", flush=True)
    while not os.path.exists(go_file):
        await asyncio.sleep(0.005)
    t0 = time.perf_counter()
    outcomes = await asyncio.gather(
        *(
            rt.evaluate(
                session_id,
                {
                    "type": "tool_call",
                    "target": "Bash",
                    "data": {"arguments": {"command": f"echo {os.getpid()} {i}"}},
                },
            )
            for i in range(events)
        )
    )
    elapsed = time.perf_counter() - t0
    counts = Counter(o.result for o in outcomes)
    await store.close()
    print(
        json.dumps({"pid": os.getpid(), "counts": dict(counts), "seconds": round(elapsed, 3)}),
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]))
