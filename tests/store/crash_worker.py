"""Evaluates events on one session forever (or on N sessions at once: their
decisions share group commits), printing the number of answered decisions
after the runtime returned each; the test kills this process with -9."""

from __future__ import annotations

import asyncio
import sys

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store


async def main(url: str, sessions: int) -> None:
    store = await open_store(url)
    spec = PolicySpec(name="cap", handler="store_policies.max_calls", params={"limit": 10**9})
    rt = Runtime(store, registry=Registry.load(), server_specs=[spec])
    answered = 0

    async def run(session_id: str) -> None:
        nonlocal answered
        i = 0
        while True:
            i += 1
            event = {
                "type": "tool_call",
                "target": "Bash",
                "data": {"arguments": {"command": f"echo {i}"}},
            }
            out = await rt.evaluate(session_id, event)
            answered += 1
            print(f"answered {answered} {out.result}", flush=True)

    if sessions == 1:
        await run("crash")
    await asyncio.gather(*[run(f"crash-{k}") for k in range(sessions)])


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1))
