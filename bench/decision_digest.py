"""One digest over everything the decision path produces, for exactness checks.

    python bench/decision_digest.py [--events 1000]

``bench/decision.py``'s events (twice over 100 sessions), then 20 pending approvals
resolved (alternately approved and denied) and 200 more events, on the memory store,
with a fixed clock, approval ids and policy timings.  Hashed: every answer
(``Outcome.to_dict()``, read after the audit is sealed, so nothing is expanded
early), every sealed audit row, every approval and every session's state (its
snapshot).  A change to the decision path that keeps the digest kept every answer,
reason, approval, state value and the audit chain byte for byte.
``tests/unit/test_decision_digest.py`` holds the digest of a shorter run.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "chain"))


def _line(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, default=repr).encode() + b"\n"


async def _run(n_events: int, now: Any) -> str:
    import decision
    from engine import make_events

    from goalrail.engine.spec import PolicySpec
    from goalrail.runtime.runtime import Runtime
    from goalrail.store.memory import MemoryStore

    raw = decision.raw_events(make_events(n_events))
    specs = [PolicySpec(x, f"http_policies.{x}", level="server", kind="callable") for x in decision.NAMES]
    store = MemoryStore()
    rt = Runtime(store, registry=decision.registry(), server_specs=specs, clock=now)
    outcomes = []
    for i in range(2 * len(raw)):
        outcomes.append(await rt.evaluate(f"s{i % 100}", raw[i % len(raw)], owner=f"u{i % 10}"))
    pending = [a for a in store.approvals_now(status="pending") if a.session_id][:20]
    for k, record in enumerate(pending):
        await rt.resolve(record.id, "approve" if k % 2 == 0 else "deny", by="tester")
    assert len(pending) == 20, len(pending)
    for i in range(200):
        outcomes.append(await rt.evaluate(f"s{i % 100}", raw[i % len(raw)], owner=f"u{i % 10}"))
    h = hashlib.sha256()
    for row in store.audit:
        h.update(_line(row.to_dict()))
    for outcome in outcomes:
        h.update(_line(outcome.to_dict()))
    for record in store.approvals_now():
        h.update(_line(record.to_dict()))
        h.update(_line(record.held))
    for i in range(100):
        tx = store.take_now(f"s{i}")
        assert tx is not None
        try:
            h.update(_line(tx.snapshot_now("1970-01-01")))
        finally:
            tx.release()
    h.update(_line([len(store.audit), len(outcomes)]))
    return h.hexdigest()


def digest(n_events: int = 1000) -> str:
    """The digest of a run over ``n_events`` of bench/decision.py's events (fixed clock, ids, timings)."""
    clock = itertools.count(1_800_000_000_000)
    ids = itertools.count()
    ticks = itertools.count()

    def now() -> float:
        return next(clock) / 1000

    with (
        mock.patch.object(time, "time", now),
        mock.patch("goalrail.engine.evaluate.perf_counter", lambda: next(ticks) * 3.7e-7),
        mock.patch("secrets.token_hex", lambda n=32: f"{next(ids):0{2 * n}x}"),
    ):
        return asyncio.run(_run(n_events, now))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1000)
    print(digest(ap.parse_args().events))


if __name__ == "__main__":
    main()
