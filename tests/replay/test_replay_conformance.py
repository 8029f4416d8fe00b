"""Replaying every conformance case against its own chain reproduces every verdict.

Each case runs as a server would run it (Runtime on a MemoryStore, real clock),
its trace is exported from the store (audit log + usage), written to JSON Lines
and read back, then replayed with fresh state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from goalrail.cases.library import LibraryBackend
from goalrail.cases.run import ChainSpec, run_file
from goalrail.engine.actions import ActionMapper
from goalrail.policies.registry import Registry
from goalrail.runtime import trace
from goalrail.runtime.candidate import Candidate, ChainsFor
from goalrail.runtime.replay import Replayer
from tests.replay.recording import export

CASES = sorted((Path(__file__).parents[1] / "conformance" / "cases").glob("*.yaml"))


class RecordingBackend(LibraryBackend):
    """The library backend, keeping each case's trace when the case ends."""

    def __init__(self) -> None:
        super().__init__()
        self.traces: list[tuple[str, trace.Trace, ChainSpec]] = []
        self._chain: ChainSpec | None = None
        self._name = ""

    async def start_case(self, name: str, chain: ChainSpec, session: Any) -> None:
        await super().start_case(name, chain, session)
        self._chain, self._name = chain, name

    async def end_case(self) -> None:
        assert self._chain is not None
        recorded = await export(self.runtime.store, self.session_id, self._chain)
        self.traces.append((self._name, trace.loads(recorded.to_jsonl()), self._chain))
        await super().end_case()


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
async def test_replay_reproduces_every_recorded_verdict(path: Path) -> None:
    backend = RecordingBackend()
    await run_file(path, backend)
    assert backend.traces
    total = 0
    for name, recorded, chain in backend.traces:
        replayer = Replayer(
            ChainsFor(Candidate(), Registry.load(chain.policy_modules)),
            mapper=ActionMapper(chain.tool_mapping),
            keep_results=True,
        )
        report = await replayer.run([recorded])
        assert report.events == recorded.events
        assert not report.changes, f"{name}: " + "; ".join(
            f"{c.transition} {c.target}: {c.before.get('reason')} → {c.after.get('reason')}" for c in report.changes
        )
        for _, record, got in report.results:  # the deciding policy and reason too, not only the verdict
            assert (got["policy"], got["reason"]) == (record["decision"]["policy"], record["decision"]["reason"]), name
        total += report.events
    assert total > 0
