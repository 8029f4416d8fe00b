"""Per-decision store overhead: ``Runtime.evaluate`` with a one-policy chain on
each backend, serially (latency) and with concurrent sessions (throughput).

    python bench/store.py [memory://] [sqlite:///tmp/b.db] [postgresql://…] [-n 500]

Without URLs it runs memory and a temporary SQLite file.  The difference to the
memory figure is what the store costs per decision.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from goalrail.engine.spec import PolicySpec  # noqa: E402
from goalrail.policies.registry import Registry  # noqa: E402
from goalrail.runtime.runtime import Runtime  # noqa: E402
from goalrail.store import open_store  # noqa: E402


def _allow(event: object) -> dict[str, object]:
    return {"result": "ALLOW", "state_updates": [{"key": "n", "action": "increment", "scope": "policy"}]}


async def run(url: str, n: int) -> None:
    store = await open_store(url)
    spec = PolicySpec(name="count", handler="bench_store_policy._allow", kind="callable")
    rt = Runtime(store, registry=Registry.load(), server_specs=[spec])
    event = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}
    for _ in range(20):
        await rt.evaluate("warm", event)
    lat = []
    cpu0 = time.process_time()
    for _ in range(n):
        t0 = time.perf_counter()
        await rt.evaluate("serial", event)
        lat.append(time.perf_counter() - t0)
    cpu = (time.process_time() - cpu0) / n
    t0 = time.perf_counter()
    await asyncio.gather(*(rt.evaluate(f"c{i % 20}", event) for i in range(n)))
    conc = n / (time.perf_counter() - t0)
    await store.close()
    lat.sort()
    print(f"{url.split(':')[0]:11s} serial p50 {statistics.median(lat) * 1000:6.2f} ms  "
          f"p99 {lat[int(len(lat) * 0.99) - 1] * 1000:6.2f} ms  {1 / statistics.mean(lat):6.0f}/s  "
          f"cpu {cpu * 1000:5.2f} ms   "
          f"20 concurrent sessions {conc:6.0f}/s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", nargs="*")
    parser.add_argument("-n", type=int, default=500)
    args = parser.parse_args()
    urls = args.urls or ["memory://", f"sqlite:///{tempfile.mkdtemp()}/bench.db"]
    sys.modules["bench_store_policy"] = sys.modules[__name__]
    for url in urls:
        asyncio.run(run(url, args.n))


if __name__ == "__main__":
    main()
