"""Evaluates events on one session forever, printing each answered decision's
number after the runtime returned it; the test kills this process with -9."""

from __future__ import annotations

import asyncio
import sys

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store


async def main(url: str) -> None:
    store = await open_store(url)
    spec = PolicySpec(name="cap", handler="store_policies.max_calls", params={"limit": 10**9})
    rt = Runtime(store, registry=Registry.load(), server_specs=[spec])
    i = 0
    while True:
        i += 1
        event = {
            "type": "tool_call",
            "target": "Bash",
            "data": {"arguments": {"command": f"echo {i}"}},
        }
        out = await rt.evaluate("crash", event)
        print(f"answered {i} {out.result}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
