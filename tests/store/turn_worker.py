"""One process of the alternating two-process test: its own Runtime and SQLite
store on the shared file; reads one JSON request a line (session, owner, event),
evaluates it and answers the verdict as a JSON line, until stdin closes."""

from __future__ import annotations

import asyncio
import json
import sys

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store


async def main(url: str, specs_json: str) -> None:
    store = await open_store(url)
    specs = [PolicySpec(**spec) for spec in json.loads(specs_json)]
    rt = Runtime(store, registry=Registry.load(), server_specs=specs)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        request = json.loads(line)
        outcome = await rt.evaluate(request["session"], request["event"], owner=request["owner"])
        print(json.dumps({"result": outcome.result}), flush=True)
    stale = getattr(getattr(store, "group", None), "stale", 0)
    await store.close()
    print(json.dumps({"stale": stale}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
