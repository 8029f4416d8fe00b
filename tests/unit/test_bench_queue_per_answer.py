"""``bench/decision_instructions.py`` answers each measured decision with the audit queue a server has.

``goalrail serve``'s loop seals what a decision's commit queued as soon as it gets control back,
after the answer: its queue holds only the entries committed since.  The drivers (run here
without valgrind, a few decisions each, in a subprocess of their own) answer each measured
decision on an empty queue: ``runtime`` drops the entry once answered, ``sealed`` seals it
then.  ``--queued`` keeps the script's former driver, every entry
queued until the end.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "decision_instructions.py"

_PROBE = """
import json, runpy, sys
sys.argv = [{script!r}]
module = runpy.run_path({script!r}, run_name="bench_decision_instructions")
sys.path[:0] = [{src!r}]
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore
real, queued, stores = Runtime.evaluate, [], []
async def evaluate(self, session_id, raw_event, **kw):
    if kw.get("owner") == "x":  # a measured decision (the warm-up's owners are u0 to u9)
        queued.append(len(self.store._unsealed))
        stores.append(self.store)
    return await real(self, session_id, raw_event, **kw)
Runtime.evaluate = evaluate
module["drive"]({root!r}, {mode!r}, 6, False, True, "server", {queued})
store = stores[-1]
print(json.dumps([queued, len(store._unsealed), len(store._rows)]))
"""


def _queues(mode: str, queued: bool = False) -> list[object]:
    code = _PROBE.format(script=str(SCRIPT), src=str(ROOT / "src"), root=str(ROOT), mode=mode, queued=queued)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT / "bench", timeout=300
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("mode", ["runtime", "sealed"])
def test_each_measured_decision_is_answered_on_an_empty_queue(mode: str) -> None:
    queued, _, _ = _queues(mode)
    assert queued == [0] * 6


def test_sealed_driver_seals_every_entry() -> None:
    """The warm-up's 100 entries and the 6 measured ones are all sealed, none left queued."""
    _, left, rows = _queues("sealed")
    assert (left, rows) == (0, 106)


def test_answer_driver_drops_what_would_be_sealed() -> None:
    _, left, rows = _queues("runtime")
    assert (left, rows) == (0, 100)


def test_queued_keeps_the_former_driver() -> None:
    """Control: ``--queued`` answers the measured decisions behind every entry queued before them."""
    queued, left, rows = _queues("runtime", queued=True)
    assert (queued, left, rows) == ([0, 1, 2, 3, 4, 5], 0, 100)
