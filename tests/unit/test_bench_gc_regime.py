"""``bench/decision_instructions.py`` measures under the server's collector regime by default.

Its drivers (run here without valgrind, a few decisions each, in a subprocess of their own:
the regime changes the process's collector) call ``goalrail.cli.server.tune_gc`` once their
runtime is made, as ``goalrail serve`` does before serving; ``--gc default`` keeps CPython's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from goalrail.cli.server import GC_THRESHOLDS

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "decision_instructions.py"

_PROBE = """
import gc, json, runpy, sys
sys.argv = [{script!r}]
module = runpy.run_path({script!r}, run_name="bench_decision_instructions")
seen = []
real = module["regime"]
def regime(name):
    real(name)
    seen.append([name, list(gc.get_threshold()), gc.get_freeze_count() > 0])
module["drive"].__globals__["regime"] = regime
module["drive"]({root!r}, {mode!r}, 3, False, True, *{extra})
print(json.dumps(seen))
"""


def _regimes(mode: str, *extra: str) -> list[list[object]]:
    code = _PROBE.format(script=str(SCRIPT), root=str(ROOT), mode=mode, extra=repr(list(extra)))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT / "bench", timeout=300
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("mode", ["engine", "runtime", "sealed"])
def test_drivers_run_under_the_servers_regime_by_default(mode: str) -> None:
    assert _regimes(mode) == [["server", list(GC_THRESHOLDS), True]]


def test_default_regime_keeps_cpythons_collector() -> None:
    assert _regimes("runtime", "default") == [["default", [700, 10, 10], False]]


def test_driver_flag_selects_the_regime() -> None:
    """The command line hands ``--gc default`` to its drivers as ``--gc-default``."""
    code = (
        f"import runpy, sys; sys.argv = [{str(SCRIPT)!r}]; "
        f"m = runpy.run_path({str(SCRIPT)!r}, run_name='probe'); "
        "print(m['driver_flags'](False, True, 'default'), m['driver_flags'](True, False, 'server'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT / "bench")
    assert done.stdout.split("\n")[0] == "['--fixed-clock', '--gc-default'] ['--asks']"
