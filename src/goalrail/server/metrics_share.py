"""``/metrics`` across worker processes (``goalrail server --workers N``).

Each worker writes its counters to ``<dir>/worker-<n>.json`` once a second (a
background task, off the decision path; written to a temporary file and renamed,
so a reader never sees half a file); the worker answering a scrape adds the
others' latest files to its own live counters.  A worker started again begins
from zero, which Prometheus reads as a counter reset, as after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from pathlib import Path
from typing import cast

from goalrail.server.metrics import Metrics, Snapshot

INTERVAL_S = 1.0


class MetricsShare:
    def __init__(self, directory: Path, worker: int) -> None:
        self.directory = directory
        self.worker = worker

    @staticmethod
    def prepare(directory: Path) -> None:
        """An empty directory for a new set of workers (files of an earlier run removed)."""
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        for old in directory.glob("worker-*.json"):
            old.unlink(missing_ok=True)

    def publish(self, metrics: Metrics) -> None:
        path = self.directory / f"worker-{self.worker}.json"
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(metrics.snapshot()))
        tmp.replace(path)

    def others(self) -> list[Snapshot]:
        """The other workers' latest counters (a missing or unreadable file counts as none)."""
        found = []
        for path in sorted(self.directory.glob("worker-*.json")):
            if path.name == f"worker-{self.worker}.json":
                continue
            with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
                snapshot = cast("Snapshot", json.loads(path.read_text()))
                Metrics().merged([snapshot])  # the whole file has the expected shape
                found.append(snapshot)
        return found

    async def run(self, metrics: Metrics) -> None:
        """Publish every ``INTERVAL_S`` until cancelled, and once more then."""
        try:
            while True:
                self.publish(metrics)
                await asyncio.sleep(INTERVAL_S)
        finally:
            with contextlib.suppress(OSError):
                self.publish(metrics)
